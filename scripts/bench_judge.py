"""Benchmark the citation judge on the held-out test splits.

    .venv/bin/python scripts/bench_judge.py

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
"""

from __future__ import annotations

import os
import pickle
import sys
import time
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
from audit.judge import Judge  # noqa: E402

DATASETS = ("scifact", "wice", "expertqa")
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


def main() -> None:
    datasets = load_all(DATA)
    splits = load_splits()
    train = split_pairs(datasets, splits, "train")
    test = split_pairs(datasets, splits, "test")
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
    body = f"""Command: `.venv/bin/python scripts/bench_judge.py` (after `scripts/train_judge.py`).

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
    print(table)
    print(f"judge {rate:.0f} pairs/s; MiniLM-per-sentence {base_rate:.0f} pairs/s; load {load:.1f}")
    write_section("judge", "Citation judge", body)


def _row(name: str, n: int, y: np.ndarray, predicted: dict[str, np.ndarray]) -> list[object]:
    cells: list[object] = [name, n, f"{y.mean():.2f}"]
    for key in ("judge", "always", "cosine"):
        acc, f1 = accuracy_f1(y, predicted[key])
        cells += [f"{acc:.3f}", f"{f1:.3f}"]
    return cells


if __name__ == "__main__":
    main()

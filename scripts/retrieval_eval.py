"""SciFact retrieval evaluation for scripts/bench_retrieval.py: the data, the metrics,
the claim-by-document score matrices, the tuning of BM25 and of the fusions on dev claims,
and the learned fusion (research only).
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import time
import tokenize
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embedding import Embedder
from retrieval.lexical import BM25Index

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "scifact"
CACHE = ROOT / ".cache" / "bench_retrieval"
DEPTH = 100  # candidates taken from each retriever before fusion


@dataclass
class Doc:
    doc_id: str
    title: str
    sentences: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def parse_sentences(cell: str) -> list[str]:
    """The abstract column is a NumPy array repr of strings: read each string literal."""
    tokens = tokenize.generate_tokens(io.StringIO(cell).readline)
    return [ast.literal_eval(t.string) for t in tokens if t.type == tokenize.STRING]


def load_corpus(path: Path = DATA / "corpus.csv") -> list[Doc]:
    with path.open(newline="") as handle:
        return [
            Doc(row["doc_id"], row["title"], parse_sentences(row["abstract"]))
            for row in csv.DictReader(handle)
        ]


def load_claims(
    path: Path = DATA / "claims_train.csv",
) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Claims by id and their relevant doc ids (one CSV row per claim/evidence pair)."""
    claims: dict[str, str] = {}
    qrels: dict[str, set[str]] = defaultdict(set)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            claims[row["id"]] = row["claim"]
            qrels[row["id"]].update(row["cited_doc_ids"].strip("[]").split())
    return claims, dict(qrels)


def cache_path(embedder: Embedder, texts: list[str], tag: str) -> Path:
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:12]
    return CACHE / f"{tag}-{embedder.fingerprint}-{digest}.npy"


def embed_cached(
    embedder: Embedder,
    texts: list[str],
    tag: str,
    full: tuple[list[str], list[int]] | None = None,
) -> np.ndarray:
    """Embed once; later runs read the vectors from .cache/ (keyed by model and texts).

    ``full`` = (all texts, positions of ``texts`` in them): a subset run slices the cached
    full-corpus vectors when they exist instead of embedding again.
    """
    if full is not None and cache_path(embedder, full[0], tag).exists():
        return np.load(cache_path(embedder, full[0], tag))[full[1]]
    path = cache_path(embedder, texts, tag)
    if path.exists():
        return np.load(path)
    start = time.perf_counter()
    vectors = embedder.embed(texts)
    print(f"embedded {len(texts)} {tag} texts in {time.perf_counter() - start:.0f} s", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def chunk_docs(docs: list[Doc], window: int) -> tuple[list[str], list[int]]:
    """Title + `window` consecutive sentences per chunk; returns texts and doc index per chunk."""
    texts, owner = [], []
    for index, doc in enumerate(docs):
        sentences = doc.sentences or [""]
        for start in range(0, len(sentences), window):
            texts.append(f"{doc.title}. {' '.join(sentences[start : start + window])}")
            owner.append(index)
    return texts, owner


def split_claims(claim_ids: list[str], seed: int = 13) -> tuple[list[str], list[str]]:
    """A fixed, seeded 50/50 split: (dev, test). Tune on dev only."""
    ordered = sorted(claim_ids, key=int)
    order = np.random.default_rng(seed).permutation(len(ordered))
    half = len(ordered) // 2
    return sorted(ordered[i] for i in order[:half]), sorted(ordered[i] for i in order[half:])


def ndcg_recall_at_k(ranked: list[str], relevant: set[str], k: int = 10) -> tuple[float, float]:
    """Binary-relevance nDCG@k (as pytrec_eval / BEIR) and recall@k for one query."""
    gains = [1.0 / np.log2(rank + 2) for rank, doc in enumerate(ranked[:k]) if doc in relevant]
    ideal = sum(1.0 / np.log2(rank + 2) for rank in range(min(len(relevant), k)))
    hits = len(set(ranked[:k]) & relevant)
    return (sum(gains) / ideal if ideal else 0.0), hits / len(relevant)


def evaluate(
    run: dict[str, list[str]], qrels: dict[str, set[str]], ids: list[str]
) -> tuple[float, float]:
    """Mean nDCG@10 and recall@10 over the claim ids given."""
    pairs = [ndcg_recall_at_k(run[i], qrels[i]) for i in ids]
    return float(np.mean([p[0] for p in pairs])), float(np.mean([p[1] for p in pairs]))


# ----- score matrices: one row per claim, one column per document ---------------------------


@dataclass
class Setup:
    docs: list[Doc]
    claims: dict[str, str]
    qrels: dict[str, set[str]]
    dev: list[str]
    test: list[str]
    all_docs: list[Doc]
    all_claims: dict[str, str]

    def __post_init__(self) -> None:
        self.doc_ids = [d.doc_id for d in self.docs]
        self.claim_ids = list(self.claims)
        self.row = {c: i for i, c in enumerate(self.claim_ids)}
        self.all = sorted(self.claim_ids, key=int)

    def metrics(self, scores: np.ndarray, ids: list[str]) -> tuple[float, float]:
        rows = [self.row[c] for c in ids]
        top = np.argsort(-scores[rows], axis=1, kind="stable")[:, :10]
        run = {c: [self.doc_ids[j] for j in top[i]] for i, c in enumerate(ids)}
        return evaluate(run, self.qrels, ids)


def chunk_owner_reduce(owner: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Column order and segment starts that turn chunk columns into per-document maxima."""
    owners = np.asarray(owner)
    order = np.argsort(owners, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(owners[order])) + 1]
    return order, starts


def doc_max(chunk_scores: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Best chunk score per document (works on one vector or a matrix of rows)."""
    return np.maximum.reduceat(chunk_scores[..., order], starts, axis=-1)


def minmax_top(scores: np.ndarray, depth: int = DEPTH) -> np.ndarray:
    """Row-wise what weighted_fusion does: min-max over each row's top `depth`, 0 below it."""
    top = -np.sort(-scores, axis=1)
    high, low = top[:, :1], top[:, depth - 1 : depth]
    return np.clip((scores - low) / np.maximum(high - low, 1e-9), 0.0, None)


def rank_matrix(scores: np.ndarray, depth: int = DEPTH) -> np.ndarray:
    """1-based ranks within each row's top `depth`; inf below it (contributes 0 to RRF)."""
    ranks = np.full(scores.shape, np.inf)
    top = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
    np.put_along_axis(ranks, top, np.arange(1, depth + 1)[None, :].repeat(len(scores), 0), 1)
    return ranks


def bm25_matrix(index: BM25Index, setup: Setup) -> np.ndarray:
    return np.stack([index.score_all(setup.claims[c]) for c in setup.claim_ids])


def coverage_matrix(index: BM25Index, setup: Setup) -> np.ndarray:
    """idf-weighted share of a claim's distinct terms that occur in each document."""
    index.score_all("")  # make sure the score matrix is built
    n = len(index)
    df = np.diff(index._indptr)  # bench-only peek at the CSC layout: documents per term
    out = np.zeros((len(setup.claim_ids), n), dtype=np.float32)
    for c in setup.claim_ids:
        total = 0.0
        for term in set(index.query_terms(setup.claims[c])):
            column = index._vocab[term]
            idf = float(np.log(1 + (n - df[column] + 0.5) / (df[column] + 0.5)))
            start, end = index._indptr[column], index._indptr[column + 1]
            out[setup.row[c], index._rows[start:end]] += idf
            total += idf
        if total:
            out[setup.row[c]] /= total
    return out


def tune_bm25(setup: Setup, quick: bool) -> tuple[dict[str, Any], BM25Index, np.ndarray]:
    """Grid over title weight, k1 and b on the dev claims; returns the best and its matrix."""
    best: tuple[float, dict[str, Any], BM25Index, np.ndarray] | None = None
    grid_k1 = (1.2,) if quick else (0.9, 1.2, 1.5)
    grid_b = (0.75,) if quick else (0.6, 0.75, 0.9)
    for title_weight in (1, 2):
        index = BM25Index.build(
            (d.doc_id, f"{(d.title + ' ') * title_weight}{d.text}") for d in setup.docs
        )
        for k1 in grid_k1:
            for b in grid_b:
                index.k1, index.b = k1, b
                index._rebuild()  # bench-only: same tokens, new parameters
                scores = bm25_matrix(index, setup)
                ndcg = setup.metrics(scores, setup.dev)[0]
                if best is None or ndcg > best[0] + 1e-9:
                    params = {"title_weight": title_weight, "k1": k1, "b": b}
                    best = (ndcg, params, index, scores)
    assert best is not None
    _, params, _, scores = best
    index = BM25Index.build(
        ((d.doc_id, f"{(d.title + ' ') * params['title_weight']}{d.text}") for d in setup.docs),
        k1=params["k1"],
        b=params["b"],
    )
    return params, index, scores


def tune_weighted(
    setup: Setup, bm25: np.ndarray, dense: np.ndarray, chunk: np.ndarray | None
) -> tuple[dict[str, float], np.ndarray]:
    """Weights of min-max-normalised scores, chosen on dev."""
    nb, nd = minmax_top(bm25), minmax_top(dense)
    nc = minmax_top(chunk) if chunk is not None else None
    best: tuple[float, dict[str, float], np.ndarray] | None = None
    for wb in np.round(np.arange(0.3, 0.76, 0.05), 2):
        for share in (0.0, 0.25, 0.5, 0.75) if nc is not None else (0.0,):
            rest = 1.0 - wb
            fused = wb * nb + rest * (1 - share) * nd
            if nc is not None:
                fused = fused + rest * share * nc
            ndcg = setup.metrics(fused, setup.dev)[0]
            if best is None or ndcg > best[0] + 1e-9:
                weights = {"bm25": float(wb), "dense": rest * (1 - share), "chunk": rest * share}
                best = (ndcg, weights, fused)
    assert best is not None
    return best[1], best[2]


def tune_rrf(
    setup: Setup, bm25: np.ndarray, dense: np.ndarray
) -> tuple[dict[str, float], np.ndarray]:
    rb, rd = rank_matrix(bm25), rank_matrix(dense)
    best: tuple[float, dict[str, float], np.ndarray] | None = None
    for k in (1, 5, 10, 20, 40, 60):
        for wb in (1.0, 1.25, 1.5, 2.0):
            fused = wb / (k + rb) + 1 / (k + rd)
            ndcg = setup.metrics(fused, setup.dev)[0]
            if best is None or ndcg > best[0] + 1e-9:
                best = (ndcg, {"k": float(k), "bm25_weight": wb}, fused)
    assert best is not None
    return best[1], best[2]


# ----- learned fusion (research: a gradient-boosted reranker over retrieval features) -------

LEARNED_PARAMS = {
    "learning_rate": 0.05,
    "max_iter": 200,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 50,
}


def candidate_features(
    signals: list[np.ndarray], depth: int = 50
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per claim: candidates (union of the first two signals' top `depth`) and their features.

    Each signal contributes its raw score, the gap to the row's best, min-max within the
    row's top 100, and log rank.
    """
    out = []
    for r in range(len(signals[0])):
        rows = [s[r] for s in signals]
        candidates = np.union1d(
            np.argpartition(-rows[0], depth)[:depth], np.argpartition(-rows[1], depth)[:depth]
        )
        columns = []
        for row in rows:
            order = np.argsort(-row, kind="stable")
            rank = np.empty(len(row))
            rank[order] = np.arange(1, len(row) + 1)
            high, low = row[order[0]], row[order[min(99, len(row) - 1)]]
            value = row[candidates]
            columns += [
                value,
                value - high,
                (value - low) / max(high - low, 1e-9),
                np.log(rank[candidates]),
            ]
        out.append((candidates, np.stack(columns, axis=1)))
    return out


def learned_fusion(setup: Setup, signals: list[np.ndarray]) -> tuple[np.ndarray, Any]:
    """Cross-fitted scores: the dev half scored by a model trained on test, and vice versa."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    features = candidate_features(signals)
    fused = np.full(signals[0].shape, -1e9, dtype=np.float64)
    models = {}
    for train, held_out in ((setup.dev, setup.test), (setup.test, setup.dev)):
        x = np.concatenate([features[setup.row[c]][1] for c in train])
        y = np.concatenate(
            [[setup.doc_ids[j] in setup.qrels[c] for j in features[setup.row[c]][0]] for c in train]
        )
        model = HistGradientBoostingClassifier(random_state=0, **LEARNED_PARAMS).fit(x, y)
        models["dev" if train is setup.dev else "test"] = model
        for c in held_out:
            candidates, feats = features[setup.row[c]]
            fused[setup.row[c], candidates] = model.predict_proba(feats)[:, 1]
    return fused, models["dev"]

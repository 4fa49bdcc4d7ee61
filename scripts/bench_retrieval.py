"""Retrieval benchmark on SciFact: BM25, dense and hybrid, quality and latency, in one run.

    .venv/bin/python scripts/bench_retrieval.py            # full run, writes docs/benchmarks.md
    .venv/bin/python scripts/bench_retrieval.py --quick    # smoke run on a subset, writes nothing

Relevance judgements are ``cited_doc_ids`` of ``claims_train.csv`` (one row per claim and
evidence pair, grouped by claim id). Claims are split 50/50 with a fixed seed: every
parameter (BM25 k1/b/title weight, fusion weights, RRF k, the learned fusion's model) is
chosen on the *dev* half only; figures are reported on dev, on the held-out *test* half and
on all claims. Corpus embeddings are computed once and cached under ``.cache/`` (the
machine has two shared cores).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import hashlib
import io
import json
import os
import sys
import time
import tokenize
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchlib import markdown_table, write_section  # noqa: E402

from ingest.embedding import Embedder  # noqa: E402
from retrieval.fusion import reciprocal_rank_fusion, weighted_fusion  # noqa: E402
from retrieval.lexical import BM25Index  # noqa: E402

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


# ----- latency ---------------------------------------------------------------------------------


def time_many(
    queries: list[str], fns: dict[str, Callable[[str], object]], repeats: int = 3, warmup: int = 5
) -> dict[str, tuple[float, float, float]]:
    """Per function: p50 and p95 ms over all runs, and p50 of each query's best of `repeats`.

    Functions are interleaved query by query (in rotating order), so load from other
    processes on a shared machine falls on all of them alike.
    """
    with blas_single_thread():
        return _time_many(queries, fns, repeats, warmup)


def blas_single_thread() -> Any:
    """One BLAS thread while timing queries.

    On two cores, OpenBLAS's second thread keeps spinning after a matrix-vector product and
    starves the next query's PyTorch encoder: measured here, embed + search took 16-24 ms
    with default threads and 8-9 ms with BLAS limited to one thread. The product's query
    path should do the same (``threadpoolctl`` or ``OPENBLAS_NUM_THREADS=1``).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _time_many(
    queries: list[str], fns: dict[str, Callable[[str], object]], repeats: int, warmup: int
) -> dict[str, tuple[float, float, float]]:
    names = list(fns)
    for query in queries[:warmup]:
        for name in names:
            fns[name](query)
    samples: dict[str, list[list[float]]] = {name: [] for name in names}
    for i, query in enumerate(queries):
        for name in names:
            samples[name].append([])
        for r in range(repeats):
            shift = (i + r) % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.perf_counter()
                fns[name](query)
                samples[name][-1].append(time.perf_counter() - start)
    out = {}
    for name, runs in samples.items():
        every = np.asarray(runs) * 1000
        out[name] = (
            float(np.percentile(every, 50)),
            float(np.percentile(every, 95)),
            float(np.percentile(every.min(axis=1), 50)),
        )
    return out


def time_queries(queries: list[str], fn: Callable[[str], object]) -> tuple[float, float, float]:
    return time_many(queries, {"fn": fn})["fn"]


def top_ranking(ids: list[str], scores: np.ndarray, k: int = DEPTH) -> list[tuple[str, float]]:
    k = min(k, len(scores))
    candidates = np.argpartition(-scores, k - 1)[:k]
    ordered = candidates[np.argsort(-scores[candidates], kind="stable")]
    return [(ids[i], float(scores[i])) for i in ordered]


class RefuseToEmbed:
    """Chroma embedding function that refuses: vectors always come from our Embedder."""

    def __call__(self, input: Any) -> Any:
        raise RuntimeError("Agora passes embeddings to Chroma itself; Chroma must not embed")

    @staticmethod
    def name() -> str:
        return "agora-refuse"

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> RefuseToEmbed:
        return RefuseToEmbed()


def scale_test(
    setup: Setup,
    embedder: Embedder,
    chunk_vectors: np.ndarray,
    size: int,
    queries: list[str],
    weights: dict[str, float],
    with_chroma: bool,
) -> list[list[object]]:
    """Latency with `size` synthetic chunks: 3 corpus sentences under a corpus title each."""
    rng = np.random.default_rng(7)
    sentences = [s for d in setup.docs for s in d.sentences]
    titles = [d.title for d in setup.docs]
    picks = rng.integers(0, len(sentences), size=(size, 3))
    owners = rng.integers(0, len(titles), size=size)
    items = [
        (f"syn{i}", f"{titles[owners[i]]} {' '.join(sentences[j] for j in picks[i])}")
        for i in range(size)
    ]
    ids = [chunk_id for chunk_id, _ in items]
    rows: list[list[object]] = []

    start = time.perf_counter()
    index = BM25Index()
    index.add(items)
    tokenise_s = time.perf_counter() - start
    start = time.perf_counter()
    index.score_all("")  # triggers the (lazy) rebuild
    rebuild_s = time.perf_counter() - start
    folder = CACHE / f"bm25-{size}"
    start = time.perf_counter()
    index.save(folder)
    save_s = time.perf_counter() - start
    start = time.perf_counter()
    index = BM25Index.load(folder)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    index.add(items[:10])  # re-ingest one 10-chunk source: replace + rebuild
    index.remove([chunk_id for chunk_id, _ in items[10:20]])  # and remove another
    index.score_all("")
    change_s = time.perf_counter() - start
    index.add(items[10:20])
    rows.append(
        [
            f"BM25 index, {size:,} chunks",
            f"add (tokenise) {tokenise_s:.1f} s, rebuild {rebuild_s:.1f} s, "
            f"save {save_s:.1f} s, load {load_s:.1f} s; replace one source and remove "
            f"another, then rebuild: {change_s:.1f} s",
            "",
            "",
        ]
    )
    rows.append(
        [
            f"BM25 search top-{DEPTH}",
            "",
            *fmt(time_queries(queries, lambda q: index.search(q, DEPTH))),
        ]
    )

    # Synthetic vectors with the corpus's geometry: sums of two real chunk vectors plus noise.
    a = rng.integers(0, len(chunk_vectors), size)
    b = rng.integers(0, len(chunk_vectors), size)
    vectors = (
        chunk_vectors[a]
        + chunk_vectors[b]
        + 0.05 * rng.standard_normal((size, chunk_vectors.shape[1]))
    )
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    query_vectors = {q: embedder.embed([q])[0] for q in queries}
    rows.append(
        [
            "Query embedding (int8 MiniLM)",
            "",
            *fmt(time_queries(queries, lambda q: embedder.embed([q]))),
        ]
    )
    rows.append(
        [
            "Dense search, numpy brute force",
            "",
            *fmt(time_queries(queries, lambda q: top_ranking(ids, vectors @ query_vectors[q]))),
        ]
    )

    def hybrid(query: str) -> object:
        vector = embedder.embed([query])[0]
        dense = top_ranking(ids, vectors @ vector)
        lexical = index.search(query, DEPTH)
        return weighted_fusion(
            [lexical, dense], [weights["bm25"], 1 - weights["bm25"]], "minmax", limit=10
        )

    rows.append(
        [
            "Hybrid end to end (embed + numpy + BM25 + fusion)",
            "",
            *fmt(time_queries(queries, hybrid)),
        ]
    )

    if with_chroma:
        import chromadb

        client = chromadb.PersistentClient(path=str(CACHE / f"chroma-{size}"))
        collection = client.get_or_create_collection(
            "bench",
            embedding_function=RefuseToEmbed(),  # type: ignore[arg-type]
            metadata={"hnsw:space": "cosine"},
        )
        record = CACHE / f"chroma-{size}.json"
        if collection.count() == size and record.exists():
            add_s = json.loads(record.read_text())["add_s"]
            rows.append([f"Chroma add {size:,} vectors (earlier run, cached)", f"{add_s:.0f} s"])
        else:
            client.delete_collection("bench")
            collection = client.create_collection(
                "bench",
                embedding_function=RefuseToEmbed(),  # type: ignore[arg-type]
                metadata={"hnsw:space": "cosine"},
            )
            start = time.perf_counter()
            for lo in range(0, size, 5000):
                collection.add(ids=ids[lo : lo + 5000], embeddings=vectors[lo : lo + 5000])
            add_s = time.perf_counter() - start
            record.write_text(json.dumps({"add_s": add_s}))
            rows.append([f"Chroma add {size:,} vectors", f"{add_s:.0f} s"])
        timing = time_queries(
            queries,
            lambda q: collection.query(
                query_embeddings=[query_vectors[q]], n_results=DEPTH, include=["distances"]
            ),
        )
        rows.append([f"Chroma query top-{DEPTH} (HNSW, PersistentClient)", "", *fmt(timing)])

        def hybrid_chroma(query: str) -> object:
            vector = embedder.embed([query])[0]
            found = collection.query(
                query_embeddings=[vector], n_results=DEPTH, include=["distances"]
            )
            dense = [
                (i, 1.0 - d) for i, d in zip(found["ids"][0], found["distances"][0], strict=True)
            ]  # type: ignore[index]
            lexical = index.search(query, DEPTH)
            return weighted_fusion(
                [lexical, dense], [weights["bm25"], 1 - weights["bm25"]], "minmax", limit=10
            )

        rows.append(
            ["Hybrid end to end with Chroma", "", *fmt(time_queries(queries, hybrid_chroma))]
        )
    return [row + [""] * (5 - len(row)) for row in rows]


def fmt(timing: tuple[float, float, float]) -> list[str]:
    return [f"{value:.1f}" for value in timing]


# ----- the run ---------------------------------------------------------------------------------


def build_setup(quick: bool) -> Setup:
    docs = all_docs = load_corpus()
    claims, qrels = load_claims()
    all_claims = claims
    if quick:  # 120 claims; their relevant documents plus 1,000 others
        keep = sorted(claims, key=int)[::7][:120]
        claims = {c: claims[c] for c in keep}
        qrels = {c: qrels[c] for c in keep}
        wanted = set().union(*qrels.values())
        docs = [d for i, d in enumerate(docs) if d.doc_id in wanted or i < 1000]
    dev, test = split_claims(list(claims))
    return Setup(docs, claims, qrels, dev, test, all_docs, all_claims)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run on a subset; writes nothing"
    )
    parser.add_argument(
        "--scale", type=int, default=100_000, help="chunks for the latency-at-scale test"
    )
    parser.add_argument("--no-chroma", action="store_true", help="skip Chroma in the scale test")
    parser.add_argument(
        "--no-fp32", action="store_true", help="skip the fp32 (unquantised) dense run"
    )
    parser.add_argument("--latency-queries", type=int, default=100)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    args = parser.parse_args(argv)
    if args.quick:
        args.scale, args.latency_queries, args.no_write = min(args.scale, 10_000), 30, True

    setup = build_setup(args.quick)
    print(f"{len(setup.docs)} documents, {len(setup.claims)} claims", flush=True)
    int8 = Embedder(quantize=True)
    claim_texts = [setup.claims[c] for c in setup.claim_ids]
    doc_texts = [f"{d.title} {d.text}" for d in setup.docs]
    chunk_texts, owner = chunk_docs(setup.docs, 3)
    order, starts = chunk_owner_reduce(owner)
    full_claims = list(setup.all_claims.values())
    claim_full = (full_claims, [full_claims.index(t) for t in claim_texts])
    full_docs = [f"{d.title} {d.text}" for d in setup.all_docs]
    position = {d.doc_id: i for i, d in enumerate(setup.all_docs)}
    doc_full = (full_docs, [position[d.doc_id] for d in setup.docs])
    full_chunks, full_owner = chunk_docs(setup.all_docs, 3)
    wanted = {position[d.doc_id] for d in setup.docs}
    chunk_full = (full_chunks, [i for i, o in enumerate(full_owner) if o in wanted])
    q8 = embed_cached(int8, claim_texts, "claims", claim_full)
    d8 = embed_cached(int8, doc_texts, "docs", doc_full)
    c8 = embed_cached(int8, chunk_texts, "chunks3", chunk_full)
    dense = q8 @ d8.T
    chunk = doc_max(q8 @ c8.T, order, starts)

    bm25_params, bm25, bm25_scores = tune_bm25(setup, args.quick)
    print("BM25 chosen on dev:", bm25_params)
    weights2, fused2 = tune_weighted(setup, bm25_scores, dense, None)
    weights3, fused3 = tune_weighted(setup, bm25_scores, dense, chunk)
    rrf_params, rrf_tuned = tune_rrf(setup, bm25_scores, dense)
    rrf_plain = 1 / (60 + rank_matrix(bm25_scores)) + 1 / (60 + rank_matrix(dense))
    print("weighted (2-way) chosen on dev:", weights2, "3-way:", weights3, "RRF:", rrf_params)

    title_index = BM25Index.build((d.doc_id, d.title) for d in setup.docs)
    chunk_index = BM25Index.build((str(i), t) for i, t in enumerate(chunk_texts))
    plain_index = BM25Index.build((d.doc_id, f"{d.title} {d.text}") for d in setup.docs)
    signals = [
        bm25_scores,
        dense,
        chunk,
        doc_max(bm25_matrix(chunk_index, setup), order, starts),
        bm25_matrix(title_index, setup),
        coverage_matrix(plain_index, setup),
    ]
    learned, model = learned_fusion(setup, signals)

    # Latency: end to end from the claim text, on test claims, one query at a time.
    queries = [setup.claims[c] for c in setup.test[: args.latency_queries]]
    ids = setup.doc_ids
    bm25_w, dense_w, chunk_w = weights3["bm25"], weights3["dense"], weights3["chunk"]

    def run_dense(q: str) -> object:
        return top_ranking(ids, d8 @ int8.embed([q])[0], 10)

    def run_chunk(q: str) -> object:
        return top_ranking(ids, doc_max(c8 @ int8.embed([q])[0], order, starts), 10)

    def retrieve_all(q: str, chunks: bool = True) -> tuple[list[tuple[str, float]], ...]:
        vector = int8.embed([q])[0]
        return (
            bm25.search(q, DEPTH),
            top_ranking(ids, d8 @ vector),
            top_ranking(ids, doc_max(c8 @ vector, order, starts)) if chunks else [],
        )

    def run_weighted(q: str) -> object:
        lexical, doc_dense, chunk_dense = retrieve_all(q)
        return weighted_fusion(
            [lexical, doc_dense, chunk_dense], [bm25_w, dense_w, chunk_w], "minmax", limit=10
        )

    def run_weighted2(q: str) -> object:
        lexical, doc_dense, _ = retrieve_all(q, chunks=False)
        return weighted_fusion(
            [lexical, doc_dense], [weights2["bm25"], weights2["dense"]], "minmax", limit=10
        )

    def run_rrf(q: str) -> object:
        lexical, doc_dense, _ = retrieve_all(q, chunks=False)
        return reciprocal_rank_fusion(
            [lexical, doc_dense],
            k=rrf_params["k"],
            weights=[rrf_params["bm25_weight"], 1.0],
            limit=10,
        )

    def run_learned(q: str) -> object:
        vector = int8.embed([q])[0]
        rows = [
            bm25.score_all(q),
            d8 @ vector,
            doc_max(c8 @ vector, order, starts),
            doc_max(chunk_index.score_all(q), order, starts),
            title_index.score_all(q),
        ]
        # coverage is approximated by the BM25 row here: timing, not quality, is measured
        rows.append(rows[0])
        _candidates, feats = candidate_features([r[None, :] for r in rows])[0]
        return model.predict_proba(feats)[:, 1]

    # The product function gives the same ranking as the matrix form used for quality.
    for c in setup.test[:20]:
        matrix_top = [ids[j] for j in np.argsort(-fused3[setup.row[c]], kind="stable")[:10]]
        product_top = [key for key, _ in run_weighted(setup.claims[c])]  # type: ignore[attr-defined]
        if len(set(matrix_top) & set(product_top)) < 9:
            print("warning: weighted_fusion disagrees with the matrix form for claim", c)

    methods: list[tuple[str, np.ndarray, Callable[[str], object] | None]] = [
        (
            f"BM25 (stemmed, title x{bm25_params['title_weight']}, "
            f"k1={bm25_params['k1']}, b={bm25_params['b']})",
            bm25_scores,
            lambda q: bm25.search(q, 10),
        ),
        ("Dense MiniLM int8, title+abstract", dense, run_dense),
        ("Dense MiniLM int8, best of title+3-sentence chunks", chunk, run_chunk),
    ]
    if not args.no_fp32:
        fp32 = Embedder(quantize=False)
        q32 = embed_cached(fp32, claim_texts, "claims", claim_full)
        d32 = embed_cached(fp32, doc_texts, "docs", doc_full)
        methods.append(
            (
                "Dense MiniLM fp32, title+abstract",
                q32 @ d32.T,
                lambda q: top_ranking(ids, d32 @ fp32.embed([q])[0], 10),
            )
        )
    methods += [
        ("Hybrid: RRF k=60 (BM25 + dense)", rrf_plain, None),
        (
            f"Hybrid: RRF tuned (k={rrf_params['k']:g}, BM25 weight {rrf_params['bm25_weight']:g})",
            rrf_tuned,
            run_rrf,
        ),
        (
            f"**Hybrid: weighted min-max, BM25 {weights2['bm25']:.2f} + dense "
            f"{weights2['dense']:.2f}** (default)",
            fused2,
            run_weighted2,
        ),
        (
            f"Hybrid: weighted min-max, BM25 {bm25_w:.2f} + dense {dense_w:.2f} "
            f"+ chunk dense {chunk_w:.2f}",
            fused3,
            run_weighted,
        ),
        ("Learned fusion (gradient boosting, cross-fitted; research only)", learned, run_learned),
    ]
    timings = time_many(queries, {name: fn for name, _, fn in methods if fn is not None})
    table = []
    for name, scores, fn in methods:
        quality = [setup.metrics(scores, ids_) for ids_ in (setup.dev, setup.test, setup.all)]
        latency = fmt(timings[name]) if fn is not None else ["(as above)", "", ""]
        row = [name, *(f"{m[0]:.3f}" for m in quality), *(f"{m[1]:.3f}" for m in quality), *latency]
        table.append(row)
        print(" | ".join(str(x) for x in row), flush=True)
    headers = [
        "Method",
        "nDCG@10 dev",
        "nDCG@10 test",
        "nDCG@10 all",
        "R@10 dev",
        "R@10 test",
        "R@10 all",
        "p50 ms",
        "p95 ms",
        "p50 ms, best of 3",
    ]

    scale_rows = scale_test(
        setup, int8, c8, args.scale, queries[:100], weights2, not args.no_chroma
    )
    for row in scale_rows:
        print(" | ".join(str(x) for x in row), flush=True)

    body = report(
        setup, bm25_params, weights2, weights3, rrf_params, headers, table, scale_rows, args.scale
    )
    print(body)
    if not args.no_write:
        write_section("retrieval", "Retrieval on SciFact", body)


def report(
    setup: Setup,
    bm25_params: dict[str, Any],
    weights2: dict[str, float],
    weights3: dict[str, float],
    rrf_params: dict[str, float],
    headers: list[str],
    table: list[list[str]],
    scale_rows: list[list[object]],
    size: int,
) -> str:
    return f"""
Command: `.venv/bin/python scripts/bench_retrieval.py` (smoke run: `--quick`).

**Chosen configuration (product defaults).** BM25 (`retrieval/lexical.py`, bm25s `lucene`):
k1={bm25_params["k1"]}, b={bm25_params["b"]}; lower-cased `\\w\\w+` tokens, bm25s English
stopwords, Snowball English stemming (PyStemmer); the title is indexed with the chunk text
(title repeated {bm25_params["title_weight"]}x here). Dense: all-MiniLM-L6-v2, int8, over
chunks that start with their title. Fusion (`retrieval/fusion.py`): `weighted_fusion` with
min-max normalisation over each retriever's top {DEPTH}, BM25 weight {weights2["bm25"]:.2f},
dense {weights2["dense"]:.2f} (with document and chunk vectors both present:
{weights3["bm25"]:.2f} / {weights3["dense"]:.2f} / {weights3["chunk"]:.2f}); then a per-source
cap (or MMR) on the fused list. RRF tuned on dev: k={rrf_params["k"]:g}, BM25 weight
{rrf_params["bm25_weight"]:g}.

Data: {len(setup.docs):,} abstracts, {len(setup.claims)} training claims with their cited
documents as relevance judgements, split 50/50 with a fixed seed into dev ({len(setup.dev)})
and test ({len(setup.test)}). **Every parameter was chosen on dev only; test is held out.**
"all" = all claims (half of which were used for tuning). The learned fusion is cross-fitted:
test claims are scored by a model trained on dev claims and dev claims by one trained on test
(its hyperparameters were chosen by cross-validation inside dev). Latency is per query, end
to end from the claim text (query embedding + dense search over the matrix in memory + BM25
+ fusion), one query at a time, on test claims, with BLAS limited to one thread (see
`blas_single_thread` in the script: it halves query latency on two cores), on this shared
2-core machine (other
engineers' jobs were running: load average {os.getloadavg()[0]:.1f} when the section was written).
The methods are timed interleaved, three runs per query; "best of 3" is the median over
queries of each query's fastest run, the closest this machine gets to an idle figure.

{markdown_table(headers, table)}

Latency at {size:,} chunks (synthetic: three corpus sentences under a corpus title; vectors
are sums of two real chunk vectors plus noise):

{markdown_table(["What", "Build", "p50 ms", "p95 ms", "p50 ms, best of 3"], scale_rows)}

Explored during development on the dev claims (exploratory scripts, not rerun here; dev
nDCG@10): stemming is the big BM25 win (0.636 without, 0.665 with, title once); stopword
removal is neutral (0.665 vs 0.670 without; kept for a smaller index); BM25 variants are
within noise (Lucene 0.665, Robertson 0.662, ATIRE 0.667, BM25L 0.662, BM25+ 0.667); the
title counted twice adds ~0.005. RM3 pseudo-relevance feedback (3-10 feedback documents from
BM25 or from the fused list, 10-30 expansion terms, original-query weight 0.5-0.7) never
beat the unexpanded query: BM25+RM3 0.617-0.693 alone, 0.687-0.715 after fusion vs 0.715
without. Logistic-regression fusion over the same features as the learned fusion: 0.710-0.717
(5-fold CV inside dev), no better than the two tuned weights. int8 costs the dense retriever
2-3 points alone but under half a point once fused with BM25, so int8 stays the default.
The learned fusion's p95 is OpenMP start-up inside scikit-learn's predictor, not scoring.
"""


if __name__ == "__main__":
    main()

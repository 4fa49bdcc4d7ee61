"""Query latency for scripts/bench_retrieval.py: interleaved timing of several query
paths, and the scale test over synthetic chunks (in memory and in Chroma).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from retrieval_eval import (
    CACHE,
    DEPTH,
    Setup,
)

from ingest.embedding import Embedder
from retrieval.fusion import weighted_fusion
from retrieval.lexical import BM25Index

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

"""Retrieval quality and latency of the product itself on SciFact: the 5,183 abstracts
ingested through `Library.add` (chunked, embedded, in Chroma), searched with
`retrieval.hybrid.Retriever` exactly as `agora search` does. scripts/bench_retrieval.py
chose the configuration on document-level indexes; this checks that the product, which
retrieves chunks, keeps the figures. A document's rank is that of its best chunk.

The library is built once under .cache/ (that build is the SciFact ingest of
scripts/bench_ingest.py); rerunning only searches.

    .venv/bin/python scripts/bench_product_retrieval.py [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_ingest import SCIFACT_LIBRARY, write_scifact  # noqa: E402
from benchlib import markdown_table, write_section  # noqa: E402
from retrieval_eval import load_claims, ndcg_recall_at_k, split_claims  # noqa: E402

from agora.settings import Settings  # noqa: E402
from ingest import Library  # noqa: E402
from retrieval.hybrid import HybridConfig, Retriever  # noqa: E402
from retrieval.types import Passage  # noqa: E402

CHUNKS_PER_QUERY = 40  # enough chunks to fill ten distinct documents


def open_scifact_library() -> Library:
    library = Library(Settings(library=SCIFACT_LIBRARY).library_config())
    if not library.sources():
        with tempfile.TemporaryDirectory() as tmp:
            write_scifact(Path(tmp), None)
            started = time.perf_counter()
            library.add([tmp])
            print(f"built the SciFact library in {time.perf_counter() - started:.0f} s")
    return library


def ranked_docs(retriever: Retriever, claim: str) -> list[str]:
    return by_document(retriever.search(claim, k=CHUNKS_PER_QUERY))


def by_document(passages: list[Passage]) -> list[str]:
    """The ten best documents: each takes its best chunk's place (its file is one abstract)."""
    docs: list[str] = []
    for passage in passages:
        doc = Path(passage.path or "").stem
        if doc not in docs:
            docs.append(doc)
    return docs[:10]


def evaluate(
    retriever: Retriever, claims: dict[str, str], qrels: dict[str, set[str]], ids: list[str]
) -> tuple[float, float]:
    scores = [ndcg_recall_at_k(ranked_docs(retriever, claims[i]), qrels[i]) for i in ids]
    return float(np.mean([s[0] for s in scores])), float(np.mean([s[1] for s in scores]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    library = open_scifact_library()
    claims, qrels = load_claims()
    ids = [claim for claim in claims if qrels.get(claim)]
    dev, test = split_claims(ids)
    configs = {
        "hybrid, weighted 0.6/0.4 (default)": HybridConfig(),
        "hybrid, RRF k=60": HybridConfig(fusion="rrf", rrf_k=60, dense_weight=1, lexical_weight=1),
        "BM25 only": HybridConfig(dense_weight=0.0, lexical_weight=1.0),
        "dense only": HybridConfig(dense_weight=1.0, lexical_weight=0.0),
    }
    rows = []
    for name, config in configs.items():
        retriever = Retriever(library, config)
        retriever.search("warm up", k=1)
        figures = [evaluate(retriever, claims, qrels, part) for part in (dev, test, ids)]
        timings = []
        for claim_id in test[:200]:
            started = time.perf_counter()
            retriever.search(claims[claim_id], k=10)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        row = [
            name,
            *(f"{f[0]:.3f}" for f in figures),
            *(f"{f[1]:.3f}" for f in figures),
            f"{statistics.median(timings):.1f}",
            f"{timings[int(len(timings) * 0.95) - 1]:.1f}",
        ]
        print(" | ".join(row), flush=True)
        rows.append(row)
    chunks = len(library.chunk_ids())
    body = (
        f"The product's own path: {len(library.sources()):,} SciFact abstracts in a library "
        f"({chunks:,} chunks of at most 1,000 characters), `Retriever.search` as `agora "
        "search` runs it (query embedding, Chroma HNSW, BM25, fusion, passages), a document "
        f"ranked by its best chunk; {len(dev)} dev and {len(test)} test claims (the split of "
        "scripts/bench_retrieval.py). Latency: 200 test claims, k=10, one at a time.\n\n"
        + markdown_table(
            [
                "configuration",
                "nDCG@10 dev",
                "nDCG@10 test",
                "nDCG@10 all",
                "R@10 dev",
                "R@10 test",
                "R@10 all",
                "p50 ms",
                "p95 ms",
            ],
            rows,
        )
        + "\n\nGoal (issue 9): nDCG@10 >= 0.75 with p50 < 30 ms. Command: "
        "`.venv/bin/python scripts/bench_product_retrieval.py`."
    )
    print(body)
    if not args.no_write:
        write_section("retrieval-product", "Retrieval through the product on SciFact", body)


if __name__ == "__main__":
    main()

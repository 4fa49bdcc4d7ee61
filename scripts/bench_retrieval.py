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
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchlib import markdown_table, write_section  # noqa: E402
from retrieval_eval import (  # noqa: E402
    DEPTH,
    Setup,
    bm25_matrix,
    candidate_features,
    chunk_docs,
    chunk_owner_reduce,
    coverage_matrix,
    doc_max,
    embed_cached,
    learned_fusion,
    load_claims,
    load_corpus,
    rank_matrix,
    split_claims,
    tune_bm25,
    tune_rrf,
    tune_weighted,
)
from retrieval_timing import (  # noqa: E402
    fmt,
    scale_test,
    time_many,
    top_ranking,
)

from ingest.embedding import Embedder  # noqa: E402
from retrieval.fusion import reciprocal_rank_fusion, weighted_fusion  # noqa: E402
from retrieval.lexical import BM25Index  # noqa: E402

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
cap on the fused list. RRF tuned on dev: k={rrf_params["k"]:g}, BM25 weight
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

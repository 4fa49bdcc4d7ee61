"""`agora search --rerank` on SciFact, through the product: the hybrid search's 30 best
chunks of the SciFact library, re-read by the reader model and blended with the first-stage
score, then ranked by document (a document takes its best chunk's place). Measured on the
reader's *tune* claims (where retrieval/rerank.py's FIRST_STAGE_WEIGHT is chosen) and its
*test* claims (never trained or tuned on; `reader/splits.json`), every weight shown.

The library is scripts/bench_product_retrieval.py's (built once under .cache/; the first run
builds it, about 3 minutes on 2 cores).

    .venv/bin/python scripts/bench_rerank.py [--claims 100] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_product_retrieval import by_document, open_scifact_library  # noqa: E402
from benchlib import markdown_table, write_section  # noqa: E402
from reader_data import load_scifact_claims  # noqa: E402
from retrieval_eval import ndcg_recall_at_k  # noqa: E402

from ingest import Library  # noqa: E402
from reader import Reader  # noqa: E402
from retrieval.rerank import CANDIDATES, FIRST_STAGE_WEIGHT, blend, passage_text  # noqa: E402
from retrieval.search import search  # noqa: E402

SPLITS = json.loads((ROOT / "reader" / "splits.json").read_text())
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)  # 1.0: the first stage's own order


def measure(split: str, count: int, library: Library, reader: Reader) -> dict[str, Any]:
    claims = load_scifact_claims()
    ids = sorted(SPLITS["scifact_claims"][split], key=int)[:count]
    figures: dict[float, list[float]] = {w: [] for w in WEIGHTS}
    timings = []
    for claim_id in ids:
        claim, cited = claims[claim_id]["claim"], claims[claim_id]["cited"]
        passages = search(library, claim, k=CANDIDATES)
        started = time.perf_counter()
        relevance = reader.relevance(claim, [passage_text(p) for p in passages])
        timings.append(time.perf_counter() - started)
        for weight in WEIGHTS:
            ranked = blend(passages, relevance, weight)
            figures[weight].append(ndcg_recall_at_k(by_document(ranked), cited)[0])
    return {
        "claims": len(ids),
        "ndcg": {str(w): float(np.mean(v)) for w, v in figures.items()},
        "p50_s": statistics.median(timings),
    }


def chosen(tune: dict[str, Any]) -> float:
    """retrieval/rerank.py's rule for FIRST_STAGE_WEIGHT, on the tune figures."""
    ndcg = {float(w): v for w, v in tune["ndcg"].items()}
    best = max((w for w in ndcg if w < 1.0), key=lambda w: ndcg[w])
    return best if ndcg[best] >= ndcg[1.0] + 0.01 else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    library = open_scifact_library()
    reader = Reader.load()
    results = {split: measure(split, args.claims, library, reader) for split in ("tune", "test")}
    print(json.dumps(results, indent=1))
    rows = []
    for weight in WEIGHTS:
        name = (
            "first stage alone (hybrid)"
            if weight == 1.0
            else f"rerank, first-stage weight {weight}"
        )
        if weight == FIRST_STAGE_WEIGHT:
            name += " (shipped)"
        rows.append([name, *(f"{results[s]['ndcg'][str(weight)]:.3f}" for s in ("tune", "test"))])
    body = (
        f"nDCG@10 by document over the reader's SciFact claims ({results['tune']['claims']} "
        f"tune, {results['test']['claims']} test), through the product: the hybrid search's "
        f"{CANDIDATES} best chunks of the 5,183-abstract library, re-read by the reader and "
        "blended with the first-stage score (retrieval/rerank.py). The weight is chosen on "
        "tune; test is read for the figure.\n\n"
        + markdown_table(["ranking", "tune", "test"], rows)
        + f"\n\nThe rule (the best blend on tune when it beats the first stage alone there by "
        f"0.01 or more, else the first stage's order) chooses **{chosen(results['tune'])}**; "
        f"shipped: retrieval.rerank.FIRST_STAGE_WEIGHT = {FIRST_STAGE_WEIGHT}. "
        f"Reader p50 on 30 chunks: {results['test']['p50_s']:.2f} s. "
        "Command: `.venv/bin/python scripts/bench_rerank.py`."
    )
    print(body)
    if not args.no_write:
        write_section("rerank", "Reranking through the product (SciFact)", body)


if __name__ == "__main__":
    main()

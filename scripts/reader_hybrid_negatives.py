"""Relevance training rows from the product's own first stage: for each SciFact *train*
claim of reader/splits.json, the hybrid search's 30 best chunks of the SciFact library
(scripts/bench_product_retrieval.py's, built once under .cache/). Chunks of abstracts the
claim does not cite, ranked high, are the near misses `--rerank` has to push down
(relevance 0); chunks of cited abstracts among them are relevance 1 (stance unknown).
scripts/reader_data.py's own negatives are TF-IDF neighbours of whole abstracts, which the
hybrid stage (dense + BM25 over chunks) mostly ranks lower.

    .venv/bin/python scripts/reader_hybrid_negatives.py   # -> build/reader/train-hybrid.jsonl

`scripts/train_reader.py --extra train-hybrid` trains with them (tried on 2026-12-01 and
not adopted: docs/data-cards/reader.md). The
tune and test claims are never searched here. Fixed seed; about 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_product_retrieval import open_scifact_library  # noqa: E402
from reader_data import SEED, example, load_scifact_claims, write_rows  # noqa: E402
from stance_data import claim_question  # noqa: E402

from retrieval.rerank import CANDIDATES, passage_text  # noqa: E402
from retrieval.search import search  # noqa: E402

OUT = ROOT / "build" / "reader" / "train-hybrid.jsonl"
SPLITS = json.loads((ROOT / "reader" / "splits.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--negatives", type=int, default=6, help="per claim, best ranked first")
    parser.add_argument("--positives", type=int, default=2, help="per claim, best ranked first")
    args = parser.parse_args()
    rng = random.Random(SEED)
    claims = load_scifact_claims()
    library = open_scifact_library()
    rows = []
    for claim_id in sorted(SPLITS["scifact_claims"]["train"], key=int):
        claim, cited = claims[claim_id]["claim"], claims[claim_id]["cited"]
        # As users type a search, and as training frames claims, half and half.
        question = claim if rng.random() < 0.5 else claim_question(claim, rng)
        negatives = positives = 0
        for passage in search(library, claim, k=CANDIDATES):
            relevant = Path(passage.path or "").stem in cited
            if relevant and positives < args.positives:
                positives += 1
                rows.append(example(question, passage_text(passage), -1, 1, "scifact-hybrid-pos"))
            elif not relevant and negatives < args.negatives:
                negatives += 1
                rows.append(example(question, passage_text(passage), 2, 0, "scifact-hybrid-neg"))
    print(f"wrote {OUT}: {len(rows)} rows {write_rows(OUT, rows)}")


if __name__ == "__main__":
    main()

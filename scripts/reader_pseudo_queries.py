"""Relevance training rows from the SciFact *corpus* alone (no claim, no label): pseudo-queries
written from the abstracts themselves, as domain adaptation for `--rerank`.

For a fixed sample of abstracts, the question is either
- a finding sentence of the abstract (one of its last three, where conclusions sit, with its
  lead-in such as "CONCLUSIONS" or "These results suggest that" cut off), and the positive
  passage the title and a window of the *other* sentences (the inverse cloze task: the
  sentence is taken out, so the match has to be on the topic, not on the words); or
- the title, and the positive a window of the body (titles left off both sides, or the match
  would be on the title).
Negatives: chunks of other abstracts that the product's hybrid search ranks high for the
question (the two best other abstracts skipped: they may well bear on it), three per
question. The SciFact claims, and so the dev and test claims' judgements, are never read.

    .venv/bin/python scripts/reader_pseudo_queries.py   # -> build/reader/train-pseudo.jsonl

`scripts/train_reader.py --extra train-pseudo` trains with them. The library is
scripts/bench_product_retrieval.py's (built once under .cache/). Fixed seed; the questions
and positives repeat exactly, but 1 to 3 of the 4,464 negatives differed between runs (near
ties in the hybrid search's order on the SciFact library).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_product_retrieval import open_scifact_library  # noqa: E402
from reader_data import SEED, example, window, write_rows  # noqa: E402
from retrieval_eval import Doc, load_corpus  # noqa: E402
from stance_data import claim_question  # noqa: E402
from tqdm import tqdm  # noqa: E402

from ingest import Library  # noqa: E402
from retrieval.rerank import passage_text  # noqa: E402
from retrieval.search import search  # noqa: E402

OUT = ROOT / "build" / "reader" / "train-pseudo.jsonl"
NEGATIVES = 3
SKIPPED = 2  # best-ranked other abstracts left out of the negatives
DEPTH = 20
HEADING = re.compile(r"^#+ [^\n]*\n+")  # a chunk that opens its source carries the title
LEAD_IN = re.compile(
    r"^(\[?(conclusions?|interpretation|significance|summary)\]?:?\s+)?"
    r"((in (summary|conclusion)|taken together|together|collectively|overall),\s+)?"
    r"((these|our|the) (results|findings|data|observations|studies|study)( \w+)? "
    r"(suggest|indicate|show|demonstrate|reveal|support|imply)s?( that)?\s+)?",
    re.IGNORECASE,
)


def finding(doc: Doc, rng: random.Random) -> tuple[str, int] | None:
    """A late sentence, its lead-in cut, and its index; None when too short to ask."""
    late = list(range(max(0, len(doc.sentences) - 3), len(doc.sentences)))
    index = rng.choice(late)
    text = LEAD_IN.sub("", doc.sentences[index].strip()).strip()
    if len(text.split()) < 6:
        return None
    return text[0].upper() + text[1:], index


def rows_for(doc: Doc, library: Library, rng: random.Random) -> list[dict[str, Any]]:
    use_title = rng.random() < 0.5 or len(doc.sentences) < 4
    if use_title:
        query = doc.title.rstrip(".")
        start = rng.randrange(len(doc.sentences))
        positive = window("", doc.sentences, [start])
    else:
        found = finding(doc, rng)
        if found is None:
            return []
        query, index = found
        kept = doc.sentences[:index] + doc.sentences[index + 1 :]
        centre = max(0, min(index, len(kept) - 1))
        positive = window(doc.title.rstrip("."), kept, [centre])
    question = query if rng.random() < 0.5 else claim_question(query, rng)
    rows = [example(question, positive, -1, 1, "scifact-pseudo-pos")]
    seen: list[str] = []
    candidates = []
    for passage in search(library, query, k=DEPTH):
        other = Path(passage.path or "").stem
        if other == doc.doc_id:
            continue
        if other not in seen:
            seen.append(other)
        if seen.index(other) >= SKIPPED:
            candidates.append(HEADING.sub("", passage.text) if use_title else passage_text(passage))
    for text in rng.sample(candidates, min(NEGATIVES, len(candidates))):
        rows.append(example(question, text, 2, 0, "scifact-pseudo-neg"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--abstracts", type=int, default=1500)
    args = parser.parse_args()
    rng = random.Random(SEED)
    docs = [d for d in load_corpus() if d.sentences]
    library = open_scifact_library()
    rows = []
    for doc in tqdm(rng.sample(docs, args.abstracts), desc="pseudo-queries", unit="abstract"):
        rows += rows_for(doc, library, rng)
    print(f"wrote {OUT}: {len(rows)} rows {write_rows(OUT, rows)}")


if __name__ == "__main__":
    main()

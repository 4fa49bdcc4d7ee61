"""Select a demo source library from the SciFact corpus around one health decision question.

The library is real public text (SciFact abstracts, Wadden et al., 2020, ODC-By 1.0) chosen
by BM25 (bm25s) over title + abstract with a handful of topic queries. The top of the ranking
is marked on-topic; a margin of lower-ranked and unrelated abstracts is added on purpose so
that retrieval has distractors and the report's "unused sources" is meaningful.

Everything is deterministic: ties break on doc_id, the unrelated sample is chosen by a hash of
the doc_id, and files are written with fixed ordering and newline conventions, so running the
script twice gives byte-identical output.

    .venv/bin/python scripts/select_scifact_topic.py            # write corpus/scifact-<slug>/
    .venv/bin/python scripts/select_scifact_topic.py --check    # print claim coverage only
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

REPO = Path(__file__).resolve().parent.parent
DATA = Path("/work/shared/data/scifact")

SLUG = "obesity-diabetes"
TOPIC = "Obesity and type 2 diabetes: lifestyle change, medication or surgery"
QUESTION = (
    "For an adult with obesity, what is the best way to prevent or treat type 2 diabetes: "
    "lifestyle change, weight-loss medication, or bariatric surgery?"
)

# One query per strand of the question; each is scored separately so a document that is
# squarely about one strand (say, gastric banding) is not drowned by the others.
QUERIES = [
    "obesity type 2 diabetes risk weight gain body mass index obese adults",
    "lifestyle intervention diet exercise physical activity weight loss prevention of type 2 "
    "diabetes",
    "bariatric surgery gastric banding bypass diabetes remission weight loss",
    "anti-obesity drugs pharmacotherapy weight loss medication GLP-1 liraglutide semaglutide "
    "metformin",
    "insulin resistance glucose glycemic control obese patients",
    "sugar-sweetened beverages fruit dietary intake diabetes incidence",
]

# Rank cut-offs (0-based ranks in the combined BM25 ordering).
ON_TOPIC_RANKS = 220  # ranks below this are on-topic if they also mention a core term
MARGIN_RANKS = 300  # ranks in [ON_TOPIC_RANKS, MARGIN_RANKS) join as less-relevant margin
UNRELATED_SAMPLE = 40  # plus this many from far down the ranking (rank >= UNRELATED_FLOOR)
UNRELATED_FLOOR = 600

CORE_TERMS = re.compile(
    r"obes|diabet|weight|insulin|glucose|glyc|bariatric|gastric band|adipos|body mass|\bbmi\b",
    re.IGNORECASE,
)

# A Python/NumPy string literal inside the array repr: '...' or "..." with backslash escapes.
_STRING_LITERAL = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""", re.DOTALL)


@dataclass(frozen=True)
class Abstract:
    """One SciFact corpus row, with the abstract parsed into sentence strings."""

    doc_id: int
    title: str
    sentences: list[str]
    structured: bool

    @property
    def text(self) -> str:
        return self.title + ". " + " ".join(s.strip() for s in self.sentences)


def parse_sentences(raw: str) -> list[str]:
    """Parse SciFact's NumPy-array repr (``['s1' 's2'\\n 's3']``) into its strings.

    ``ast.literal_eval`` cannot read the repr as a whole (no commas between items), so each
    quoted literal is found and evaluated on its own; anything left over other than brackets
    and whitespace means the format changed, and that is an error rather than silent loss.
    """
    literals = _STRING_LITERAL.findall(raw)
    leftover = _STRING_LITERAL.sub("", raw).replace("[", "").replace("]", "").strip()
    if leftover or not literals:
        raise ValueError(f"unexpected abstract format near {leftover[:60]!r}")
    sentences: list[str] = []
    for literal in literals:
        value = ast.literal_eval(literal)
        if not isinstance(value, str):
            raise ValueError(f"abstract item is not a string: {literal[:60]!r}")
        sentences.append(value)
    return sentences


def load_corpus(path: Path) -> list[Abstract]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Abstract(
                doc_id=int(row["doc_id"]),
                title=" ".join(row["title"].split()),
                sentences=parse_sentences(row["abstract"]),
                structured=row["structured"].strip() == "True",
            )
            for row in csv.DictReader(handle)
        ]


def rank(abstracts: list[Abstract]) -> tuple[list[int], np.ndarray]:
    """Return corpus indices ordered by combined topic score, and the scores.

    Each query's BM25 scores are normalised by that query's best score; a document's score
    is its best normalised score plus half its mean, so strong single-strand matches rank
    high and documents touching several strands rank higher still.
    """
    stemmer = Stemmer.Stemmer("english")
    tokens = bm25s.tokenize(
        [a.text for a in abstracts], stopwords="en", stemmer=stemmer, show_progress=False
    )
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    per_query = np.zeros((len(QUERIES), len(abstracts)))
    for q, query in enumerate(QUERIES):
        query_tokens = bm25s.tokenize([query], stopwords="en", stemmer=stemmer, show_progress=False)
        docs, scores = retriever.retrieve(query_tokens, k=len(abstracts), show_progress=False)
        per_query[q, docs[0]] = scores[0]
        per_query[q] /= max(float(per_query[q].max()), 1e-9)
    combined = per_query.max(axis=0) + 0.5 * per_query.mean(axis=0)
    # Round before sorting so float noise cannot reorder near-ties between platforms.
    rounded = np.round(combined, 9)
    order = sorted(range(len(abstracts)), key=lambda i: (-rounded[i], abstracts[i].doc_id))
    return order, combined


def select(abstracts: list[Abstract]) -> list[tuple[Abstract, bool]]:
    """Pick the library: (abstract, on_topic) pairs, ordered by doc_id."""
    order, _ = rank(abstracts)
    chosen: dict[int, tuple[Abstract, bool]] = {}
    for position, index in enumerate(order[:MARGIN_RANKS]):
        abstract = abstracts[index]
        on_topic = position < ON_TOPIC_RANKS and bool(CORE_TERMS.search(abstract.text))
        chosen[abstract.doc_id] = (abstract, on_topic)
    far = [abstracts[i] for i in order[UNRELATED_FLOOR:]]
    far.sort(key=lambda a: hashlib.sha256(f"scifact:{a.doc_id}".encode()).hexdigest())
    for abstract in far[:UNRELATED_SAMPLE]:
        chosen[abstract.doc_id] = (abstract, False)
    return [chosen[doc_id] for doc_id in sorted(chosen)]


def paragraphs(abstract: Abstract) -> list[str]:
    """Join sentences into paragraphs.

    Structured abstracts mark the end of a section (BACKGROUND, METHODS, ...) with a
    trailing newline on its last sentence; that is where paragraphs break. Unstructured
    abstracts are split into roughly even paragraphs of at most five sentences.
    """
    groups: list[list[str]] = []
    current: list[str] = []
    for sentence in abstract.sentences:
        current.append(" ".join(sentence.split()))
        if sentence.rstrip(" ").endswith("\n"):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    if len(groups) == 1 and len(groups[0]) > 5:
        sentences = groups[0]
        count = -(-len(sentences) // 5)
        size = -(-len(sentences) // count)
        groups = [sentences[i : i + size] for i in range(0, len(sentences), size)]
    return [" ".join(s for s in group if s) for group in groups if any(group)]


def author(doc_id: int) -> str:
    return f"SciFact corpus (Wadden et al., 2020), doc {doc_id}"


def render(abstract: Abstract) -> str:
    # JSON strings are valid YAML double-quoted scalars, which keeps titles with colons,
    # quotes or leading symbols safe in the front matter.
    front = [
        "---",
        f"title: {json.dumps(abstract.title, ensure_ascii=False)}",
        f"author: {json.dumps(author(abstract.doc_id), ensure_ascii=False)}",
        "---",
        "",
        f"# {abstract.title}",
        "",
    ]
    body = "\n\n".join(paragraphs(abstract))
    return "\n".join(front) + "\n" + body + "\n"


README = """\
# SciFact demo library: obesity and type 2 diabetes

A second demo topic for Agora, made of real public text that nobody on this project wrote:
{total} scientific abstracts from the SciFact corpus (Wadden et al., 2020), one Markdown file
per abstract in `docs/`, listed in `manifest.json`.

**Question:** {question}

## How the abstracts were chosen

`scripts/select_scifact_topic.py` (deterministic; rerun it to regenerate this folder) ranks
all {corpus} SciFact abstracts with BM25 (bm25s, English stopwords, Snowball stemming) over
title + abstract, using one query per strand of the question:

{queries}

Each query's scores are normalised by its best score; a document's score is its best
normalised score plus half its mean across queries. The library is:

- ranks 1-{on_ranks} that mention a core term (obesity, diabetes, weight, insulin, glucose,
  bariatric, adiposity, BMI): `on_topic: true` ({on_topic} abstracts);
- the rest of ranks 1-{margin_ranks}, a margin of less-relevant abstracts (cardiovascular,
  metabolic mechanisms, nutrition): `on_topic: false`;
- {unrelated} abstracts from rank {floor} onward chosen by a hash of their doc id, clearly
  unrelated to the question: `on_topic: false`.

`on_topic` is a retrieval score, not a human judgement: several mechanistic mouse studies
count as on-topic and a few relevant abstracts sit in the margin.

The SciFact training claims (`claims_train.csv`) give real support and contradiction
material for this question; {claim_rows} labelled claim rows have their evidence abstract
among the on-topic documents ({support} SUPPORT, {contradict} CONTRADICT), for example:

{claims}

## Format

Each file is `docs/scifact-<doc_id>.md`: YAML front matter (`title`, `author`; SciFact has
no dates, so there is none), then `# Title`, then the abstract's sentences joined into
paragraphs (structured abstracts break at their section labels). Sentence text is
unchanged apart from collapsing whitespace.

See `ATTRIBUTION.md` for the licence.
"""

ATTRIBUTION = """\
# Attribution

The documents in `docs/` are abstracts from the SciFact corpus:

> David Wadden, Shanchuan Lin, Kyle Lo, Lucy Lu Wang, Madeleine van Zuylen, Arman Cohan and
> Hannaneh Hajishirzi. 2020. "Fact or Fiction: Verifying Scientific Claims." In Proceedings
> of the 2020 Conference on Empirical Methods in Natural Language Processing (EMNLP).
> Data: https://github.com/allenai/scifact

SciFact corpus: ODC-By 1.0 (Wadden et al., 2020, allenai/scifact).
Licence text: https://opendatacommons.org/licenses/by/1-0/

This folder is a derived selection: {total} of the {corpus} abstracts, chosen and converted
to Markdown by `scripts/select_scifact_topic.py`. The abstract sentences themselves are
unchanged apart from whitespace. The original abstracts remain the work of their authors and
publishers, as collected in SciFact.

The claim counts quoted in `README.md` come from SciFact's training claims
(`claims_train.csv`, CC BY 4.0, Wadden et al., 2020, allenai/scifact).
"""


def claim_coverage(selected: set[int]) -> list[tuple[str, str, int]]:
    """SciFact training claims whose labelled evidence abstract is in the selection."""
    rows: list[tuple[str, str, int]] = []
    with (DATA / "claims_train.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["evidence_label"] and row["evidence_doc_id"]:
                doc_id = int(row["evidence_doc_id"])
                if doc_id in selected:
                    rows.append((row["evidence_label"], row["claim"].strip(), doc_id))
    return rows


def write(out_dir: Path, library: list[tuple[Abstract, bool]], corpus_size: int) -> None:
    docs = out_dir / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for stale in docs.glob("scifact-*.md"):
        stale.unlink()
    sources = []
    for abstract, on_topic in library:
        name = f"scifact-{abstract.doc_id}.md"
        (docs / name).write_text(render(abstract), encoding="utf-8", newline="\n")
        sources.append(
            {
                "location": f"docs/{name}",
                "title": abstract.title,
                "author": author(abstract.doc_id),
                "date": None,
                "on_topic": on_topic,
                "based_on": f"SciFact corpus (Wadden et al., 2020), doc {abstract.doc_id}",
            }
        )
    manifest = {"topic": TOPIC, "question": QUESTION, "sources": sources}
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
    )

    on_topic_ids = {a.doc_id for a, on in library if on}
    coverage = claim_coverage(on_topic_ids)
    examples: dict[str, tuple[str, str, int]] = {}
    for label, claim, doc_id in coverage:
        if re.search(r"diabet|obes|weight|bariatric", claim, re.IGNORECASE) and not re.search(
            r"\bmice\b|\bmouse\b", claim, re.IGNORECASE
        ):
            examples.setdefault(claim, (label, claim, doc_id))
    readme = README.format(
        total=len(library),
        corpus=corpus_size,
        question=QUESTION,
        queries="\n".join(f"- `{q}`" for q in QUERIES),
        on_ranks=ON_TOPIC_RANKS,
        margin_ranks=MARGIN_RANKS,
        on_topic=sum(on for _, on in library),
        unrelated=UNRELATED_SAMPLE,
        floor=UNRELATED_FLOOR + 1,
        claim_rows=len(coverage),
        support=sum(label == "SUPPORT" for label, _, _ in coverage),
        contradict=sum(label == "CONTRADICT" for label, _, _ in coverage),
        claims="\n".join(
            f"- {label}: \u201c{claim}\u201d (doc {doc_id})"
            for label, claim, doc_id in sorted(examples.values(), key=lambda e: (e[2], e[1]))[:12]
        ),
    )
    (out_dir / "README.md").write_text(readme, encoding="utf-8", newline="\n")
    (out_dir / "ATTRIBUTION.md").write_text(
        ATTRIBUTION.format(total=len(library), corpus=corpus_size), encoding="utf-8", newline="\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA / "corpus.csv")
    parser.add_argument("--out", type=Path, default=REPO / "corpus" / f"scifact-{SLUG}")
    parser.add_argument("--check", action="store_true", help="print coverage, write nothing")
    args = parser.parse_args(argv)

    abstracts = load_corpus(args.data)
    library = select(abstracts)
    on_topic = sum(on for _, on in library)
    coverage = claim_coverage({a.doc_id for a, on in library if on})
    print(
        f"{len(library)} abstracts selected ({on_topic} on-topic, {len(library) - on_topic} "
        f"margin/unrelated); {len(coverage)} labelled claim rows cite an on-topic abstract"
    )
    if not args.check:
        write(args.out, library, len(abstracts))
        print(f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

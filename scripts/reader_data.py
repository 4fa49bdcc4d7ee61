"""Training data for the reader model (relevance + stance of a question/passage pair).

    .venv/bin/python scripts/reader_data.py      # writes build/reader/{train,tune}.jsonl
                                                 # and reader/splits.json

Only ../shared/data is read: ArgKP train + dev arguments and key points, SciFact training
claims and corpus, judge-extra claim/passage pairs. Everything else is composed here (see
docs/data-cards/reader.md): yes/no and choice questions built from the ArgKP motions,
"no side" pairs (another motion's argument, an off-topic abstract, a cited abstract with no
rationale), SciFact claims turned into questions.

One JSON line per example:
  {"question", "passage", "options": [A, B], "stance": 0 (A / yes) | 1 (B / no) | 2 (no side)
   | -1 (unknown), "relevance": 1 | 0 | -1 (unknown), "source": "..."}

Held out (never trained on; reader/splits.json): ArgKP motions split into "tune"
(calibration) and "test" (the stance benchmark), and SciFact training claims grouped by the
documents they cite and split train / tune / test (the relevance benchmark uses "test").
ArgKP test, VAST and SciFact dev claims are never read.
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from retrieval_eval import load_corpus  # noqa: E402
from stance_data import (  # noqa: E402
    DATA,
    STANCE,
    TEST_MOTIONS,
    TUNE_MOTIONS,
    claim_question,
    load_argkp,
    motion_questions,
)

from reader.framing import frame_options  # noqa: E402

OUT = ROOT / "build" / "reader"
SPLITS = ROOT / "reader" / "splits.json"
SEED = 14
JUDGE_EXTRA = {  # file -> rows sampled (short pairs; stance signal from fact checking)
    "vitaminc": 1500,
    "cad_snli": 500,
    "fm2": 500,
    "fever_symmetric": 400,
    "check_covid": 400,
    "fever2_adversarial": 200,
    "contractnli": 200,
}
# --- questions from a motion -------------------------------------------------------------


def example(
    question: str, passage: str, stance: int, relevance: int, source: str, pro_index: int = 0
) -> dict[str, Any]:
    """One row; `stance` is 0 = pro/supports, 1 = con/refutes, 2 = no side, -1 unknown, and
    is mapped onto the framed options through `pro_index` (where the 'pro' option sits)."""
    _, options = frame_options(question)
    if stance in (0, 1) and pro_index == 1:
        stance = 1 - stance
    return {
        "question": question,
        "passage": passage,
        "options": options,
        "stance": stance,
        "relevance": relevance,
        "source": source,
    }


def write_rows(path: Path, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Rows as JSON lines (train_reader.py's `load_rows` reads them); rows per source."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return dict(sorted(Counter(row["source"] for row in rows).items()))


# --- ArgKP -------------------------------------------------------------------------------


def argkp_examples(
    motions: list[str], argkp: dict[str, list[tuple[str, int]]], rng: random.Random, tag: str
) -> list[dict[str, Any]]:
    rows = []
    others = [m for m in argkp if m not in TEST_MOTIONS]  # test arguments never appear at all
    for motion in motions:
        questions = motion_questions(motion)
        for text, side in argkp[motion]:
            question, pro_index = rng.choice(questions)
            rows.append(example(question, text, side, 1, f"argkp-{tag}", pro_index))
        # No side: an argument about another motion, under this motion's questions.
        for _ in range(len(argkp[motion]) // 3):
            other = rng.choice([m for m in others if m != motion])
            text, _ = rng.choice(argkp[other])
            question, _ = rng.choice(questions)
            rows.append(example(question, text, 2, 0, f"argkp-other-{tag}"))
    return rows


# --- SciFact -----------------------------------------------------------------------------


def window(title: str, sentences: list[str], centre: list[int], words: int = 130) -> str:
    """Title + the centre sentences + neighbours until about `words` words (a chunk); no
    title, no lead (every corpus abstract has one; scripts/reader_pseudo_queries.py leaves it
    off)."""
    chosen = sorted(set(centre)) or [0]
    lo, hi = chosen[0], chosen[-1]
    text = lambda: " ".join(sentences[lo : hi + 1])  # noqa: E731
    while len(text().split()) < words and (lo > 0 or hi < len(sentences) - 1):
        if hi < len(sentences) - 1:
            hi += 1
        if len(text().split()) < words and lo > 0:
            lo -= 1
    return f"{title}. {text()}" if title else text()


def load_scifact_claims() -> dict[str, dict[str, Any]]:
    claims: dict[str, dict[str, Any]] = {}
    with (DATA / "scifact" / "claims_train.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            entry = claims.setdefault(row["id"], {"claim": row["claim"], "cited": set(), "ev": {}})
            entry["cited"].update(row["cited_doc_ids"].strip("[]").split())
            if row["evidence_label"]:
                sentences = [int(s) for s in re.findall(r"\d+", row["evidence_sentences"])]
                entry["ev"][row["evidence_doc_id"]] = (row["evidence_label"], sentences)
    return {k: v for k, v in claims.items() if v["cited"]}


def split_scifact(claims: dict[str, dict[str, Any]], rng: random.Random) -> dict[str, str]:
    """Claims that cite a common document stay together; groups go 60/15/25 train/tune/test."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for cid, entry in claims.items():
        for doc in sorted(entry["cited"]):  # a set: its order changes with PYTHONHASHSEED
            parent[find(f"c{cid}")] = find(f"d{doc}")
    members: dict[str, list[str]] = defaultdict(list)
    for cid in claims:
        members[find(f"c{cid}")].append(cid)
    # keyed by their smallest claim id, not by the union-find root, which depends on order
    groups = {min(ids, key=int): ids for ids in members.values()}
    keys = sorted(groups, key=int)
    rng.shuffle(keys)
    split, total, seen = {}, len(claims), 0
    for key in keys:
        part = "train" if seen < 0.6 * total else "tune" if seen < 0.75 * total else "test"
        for cid in groups[key]:
            split[cid] = part
        seen += len(groups[key])
    return split


def scifact_examples(
    claims: dict[str, dict[str, Any]], ids: list[str], rng: random.Random, tag: str
) -> list[dict[str, Any]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = {d.doc_id: d for d in load_corpus(DATA / "scifact" / "corpus.csv")}
    doc_ids = list(docs)
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2)
    matrix = vectorizer.fit_transform([f"{docs[d].title} {docs[d].text}" for d in doc_ids])
    rows = []
    for cid in ids:
        entry = claims[cid]
        question = claim_question(entry["claim"], rng)
        for doc_id in sorted(entry["cited"], key=int):  # a set: fixed order, fixed draws
            doc = docs.get(doc_id)
            if doc is None:
                continue
            if doc_id in entry["ev"]:
                label, sentences = entry["ev"][doc_id]
                passage = window(doc.title, doc.sentences, sentences)
                stance = 0 if label == "SUPPORT" else 1
                rows.append(example(question, passage, stance, 1, f"scifact-{tag}"))
            else:  # cited, judged relevant, no rationale: on topic but no side
                start = rng.randrange(max(1, len(doc.sentences)))
                rows.append(example(question, window(doc.title, doc.sentences, [start]), 2, 1,
                                    f"scifact-nei-{tag}"))  # fmt: skip
            # Any stretch of a cited abstract is relevant; which way it leans is unknown.
            start = rng.randrange(max(1, len(doc.sentences)))
            rows.append(example(question, window(doc.title, doc.sentences, [start]), -1, 1,
                                f"scifact-chunk-{tag}"))  # fmt: skip
        # Hard negatives: the most similar uncited abstracts (TF-IDF), then a random one.
        scores = (matrix @ vectorizer.transform([entry["claim"]]).T).toarray().ravel()
        near = [doc_ids[i] for i in scores.argsort()[::-1][:8] if doc_ids[i] not in entry["cited"]]
        for doc_id in [*near[:3], rng.choice(doc_ids)]:
            doc = docs[doc_id]
            start = rng.randrange(max(1, len(doc.sentences)))
            rows.append(example(question, window(doc.title, doc.sentences, [start]), 2, 0,
                                f"scifact-neg-{tag}"))  # fmt: skip
    return rows


# --- off-topic -------------------------------------------------------------------------


def off_topic_examples(
    motions: list[str],
    argkp: dict[str, list[tuple[str, int]]],
    claims: dict[str, dict[str, Any]],
    claim_ids: list[str],
    rng: random.Random,
    tag: str,
) -> list[dict[str, Any]]:
    """Passages from another kind of text altogether: a science abstract or a fact-checking
    passage under a motion's question, a debate argument under a claim. Without them the
    model only ever saw near misses (another motion's argument, a similar abstract), and a
    third of abstracts read under a motion's question passed its relevance threshold."""
    docs = load_corpus(DATA / "scifact" / "corpus.csv")
    facts: list[str] = []
    for name in sorted(JUDGE_EXTRA):
        with (DATA / "judge-extra" / f"{name}.jsonl").open(encoding="utf-8") as handle:
            facts += [json.loads(line)["passage"] for line in handle][:2000]
    rows = []
    for motion in motions:
        questions = motion_questions(motion)
        for _ in range(len(argkp[motion]) // 6):
            doc = rng.choice(docs)
            start = rng.randrange(max(1, len(doc.sentences)))
            rows.append(example(rng.choice(questions)[0], window(doc.title, doc.sentences,
                                [start]), 2, 0, f"offtopic-abstract-{tag}"))  # fmt: skip
            rows.append(example(rng.choice(questions)[0], rng.choice(facts), 2, 0,
                                f"offtopic-fact-{tag}"))  # fmt: skip
    arguments = [text for motion in motions for text, _ in argkp[motion]]
    for cid in claim_ids:
        question = claim_question(claims[cid]["claim"], rng)
        rows.append(example(question, rng.choice(arguments), 2, 0, f"offtopic-argument-{tag}"))
    return rows


# --- judge-extra -------------------------------------------------------------------------


def judge_extra_examples(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for name, count in JUDGE_EXTRA.items():
        with (DATA / "judge-extra" / f"{name}.jsonl").open(encoding="utf-8") as handle:
            pairs = [json.loads(line) for line in handle]
        for pair in rng.sample(pairs, min(count, len(pairs))):
            question = claim_question(pair["claim"].strip() or "?", rng)
            stance = STANCE[pair["label"]]
            # Fact-checking evidence is about the claim's subject; whether it "bears on the
            # question" in the retrieval sense is not labelled, so relevance stays unknown.
            rows.append(example(question, pair["passage"], stance, -1, f"judge-{name}"))
    return rows


def main() -> None:
    rng = random.Random(SEED)
    argkp = load_argkp()
    train_motions = sorted(m for m in argkp if m not in TEST_MOTIONS + TUNE_MOTIONS)
    claims = load_scifact_claims()
    split = split_scifact(claims, rng)
    parts = {
        p: sorted((c for c in claims if split[c] == p), key=int) for p in ("train", "tune", "test")
    }
    if SPLITS.is_file():
        # The split is made once and kept: the shipped models were trained on its train
        # part and benchmarked on its test part, so a rerun must not move claims across.
        parts = json.loads(SPLITS.read_text())["scifact_claims"]
    train = argkp_examples(train_motions, argkp, rng, "train")
    train += scifact_examples(claims, parts["train"], rng, "train")
    train += judge_extra_examples(rng)
    tune = argkp_examples(TUNE_MOTIONS, argkp, rng, "tune")
    tune += scifact_examples(claims, parts["tune"], rng, "tune")
    # Drawn from their own stream, after everything above, so the rows above stay the same.
    other = random.Random(SEED + 1)
    train += off_topic_examples(train_motions, argkp, claims, parts["train"], other, "train")
    tune += off_topic_examples(TUNE_MOTIONS, argkp, claims, parts["tune"], other, "tune")
    rng.shuffle(train)
    counts = write_rows(OUT / "train.jsonl", train)
    write_rows(OUT / "tune.jsonl", tune)
    SPLITS.write_text(
        json.dumps(
            {
                "seed": SEED,
                "argkp": {"train": train_motions, "tune": TUNE_MOTIONS, "test": TEST_MOTIONS},
                "scifact_claims": parts,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"train {len(train)} rows, tune {len(tune)} rows")
    for source, count in counts.items():
        print(f"  {source}: {count}")


if __name__ == "__main__":
    main()

"""How the stance readers read business passages: the demo library, labelled here.

The stance model is trained and measured on debate arguments (ArgKP motions: one or two
sentences about a policy). A debate reads ~100-word passages of reports, memos and
articles. `scripts/data/stance_business.jsonl` holds every chunk of the demo library
(corpus/ai-imbalance: 103 chunks, five documents off the topic on purpose) labelled for
three of the questions the demo library is built for (one choice, two yes/no) by which
way the passage as a whole leans, or no side; `docs/data-cards/stance-business.md` says how.
These are dev figures on a corpus of our own: no threshold or model is chosen on them.

For each reader, on the passages labelled with a side: macro-F1 over the two sides (a 'no
side' answer counts as wrong, as in the Reader model section), the precision and coverage
of its calls; over every passage: three-way macro-F1 (A / B / no side); and, for the
stance model, the share of its calls that are narrow (`debate.stance.NARROW`) and the share
that go to the question's first option (beside the labels' share: its bias, if any).

Readers: the stance model as a debate reads it (`debate.stance.model_stances`: the reader's
relevance gate, then the stance model, a choice question read as two yes/no questions);
the same without the relevance gate; the same after contextual calibration (tried, not
shipped: `contextual`); the keyword heuristic (`debate.stance.read_stances`
with no reader, as when the model files are missing); and always-'no side'.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from benchlib import markdown_table, write_section  # noqa: E402

from debate.stance import (  # noqa: E402
    BUSINESS_RIGHT,
    NARROW,
    frame_question,
    is_narrow,
    model_stances,
    read_stances,
)
from debate.types import PassageStance  # noqa: E402

DATA = ROOT / "scripts" / "data" / "stance_business.jsonl"
NO_SIDE = "no side"


def load(path: Path = DATA) -> dict[str, list[dict]]:
    """Rows by question, in file order."""
    by_question: dict[str, list[dict]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            by_question[row["question"]].append(row)
    return dict(by_question)


def scores(gold: list[str], predicted: list[str], sides: list[str]) -> dict[str, float]:
    """Sided macro-F1 ('no side' answers wrong), call precision/coverage on sided gold,
    and three-way macro-F1 over every row; F1 is averaged over the labels the gold has."""
    from sklearn.metrics import f1_score

    sides = [side for side in sides if side in gold]  # a question may have one side only
    sided = [i for i, g in enumerate(gold) if g != NO_SIDE]
    g_sided = [gold[i] for i in sided]
    p_sided = [predicted[i] for i in sided]
    called = [i for i in sided if predicted[i] != NO_SIDE]
    right = sum(predicted[i] == gold[i] for i in called)
    return {
        "right": right,
        "called": len(called),
        "sided_f1": float(
            f1_score(g_sided, p_sided, labels=sides, average="macro", zero_division=0)
        ),
        "precision": right / len(called) if called else 0.0,
        "coverage": len(called) / len(sided) if sided else 0.0,
        "three_f1": float(
            f1_score(gold, predicted, labels=[*sides, NO_SIDE], average="macro", zero_division=0)
        ),
    }


def share_first(rows: list[dict]) -> float:
    """The share of a question's sided labels that are its first option."""
    options = frame_question(rows[0]["question"]).options
    sided = [row["label"] for row in rows if row["label"]]
    return sum(label == options[0] for label in sided) / len(sided) if sided else 0.0


def leanings(stances: dict[str, PassageStance], keys: list[str]) -> list[str]:
    return [stances[k].leaning or NO_SIDE for k in keys]


CONTENT_FREE = ["N/A", "", "[MASK]"]


def contextual(question: str, options: list[str], passages: list[str]) -> list[str]:
    """Leanings after contextual calibration (Zhao et al. 2021, "Calibrate Before Use"):
    each yes/no reading divided by the model's mean reading of content-free passages, to
    take out the model's prior for the question (it answers 'no' to most business
    passages), then combined as the product combines them. No relevance gate, margin 0."""
    import numpy as np

    from reader import Reader
    from reader.reader import combine_stance, stance_questions

    model = Reader.shared().stance_model  # the one the product's reading loaded
    assert model is not None, "the stance model's file is missing"
    readings = []
    for asked, opts in stance_questions(question, options):
        prior = np.array(model.probabilities(asked, opts, CONTENT_FREE)).mean(0)
        probs = np.array(model.probabilities(asked, opts, passages)) / prior
        readings.append((probs / probs.sum(1, keepdims=True)).tolist())
    out = []
    for row in zip(*readings, strict=True):
        p = combine_stance(list(row))
        out.append(NO_SIDE if p[2] >= max(p[0], p[1]) else options[0 if p[0] > p[1] else 1])
    return out


def read_question(question: str, rows: list[dict], embedder: object) -> dict[str, dict]:
    """Every reader's scores on one question's rows."""
    from reader import Reader

    frame = frame_question(question)
    options = frame.options[:2]
    keys = [row["chunk_id"] for row in rows]
    passages = {row["chunk_id"]: row["text"] for row in rows}
    gold = [row["label"] or NO_SIDE for row in rows]
    out: dict[str, dict] = {}

    gated = model_stances(question, frame, passages)
    assert gated is not None, "the reader's model file is missing"
    out["stance model, as a debate reads it"] = scores(gold, leanings(gated, keys), options)
    calls = [s for s in gated.values() if s.leaning]
    per_call = max(len(calls), 1)
    as_read = out["stance model, as a debate reads it"]
    as_read["narrow"] = sum(is_narrow(s) for s in calls) / per_call
    as_read["first"] = sum(s.leaning == options[0] for s in calls) / per_call

    readings = Reader.shared().read(question, [passages[k] for k in keys], options=options)
    ungated = [r.leaning or NO_SIDE for r in readings]
    out["stance model, no relevance gate"] = scores(gold, ungated, options)

    vectors = embedder.embed([*passages.values(), *frame.options])  # type: ignore[attr-defined]
    keyword = read_stances(frame, passages, vectors[: len(keys)], vectors[len(keys) :])
    calibrated = contextual(question, options, [passages[k] for k in keys])
    out["stance model, contextual calibration (tried, not shipped)"] = scores(
        gold, calibrated, options
    )
    out["keyword heuristic"] = scores(gold, leanings(keyword, keys), options)
    out["always 'no side'"] = scores(gold, [NO_SIDE] * len(keys), options)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    from ingest.embedding import Embedder

    started = time.perf_counter()
    data = load()
    embedder = Embedder()
    results = {q: read_question(q, rows, embedder) for q, rows in data.items()}
    readers = list(next(iter(results.values())))

    label_rows = []
    for question, rows in data.items():
        counts: dict[str, int] = defaultdict(int)
        for row in rows:
            counts[row["label"] or NO_SIDE] += 1
        clear = sum(1 for row in rows if row["label"] and row["clear"])
        label_rows.append([question, len(rows), dict(counts), clear])

    table = []
    for reader in readers:
        cells: list[object] = [reader]
        for question in data:
            s = results[question][reader]
            cells.append(
                f"{s['sided_f1']:.2f} / {s['three_f1']:.2f} "
                f"({s['precision']:.2f} / {s['coverage']:.2f})"
            )
        mean_sided = sum(results[q][reader]["sided_f1"] for q in data) / len(data)
        mean_three = sum(results[q][reader]["three_f1"] for q in data) / len(data)
        cells.append(f"{mean_sided:.2f} / {mean_three:.2f}")
        table.append(cells)
    model = "stance model, as a debate reads it"
    narrow = ", ".join(f"{results[q][model]['narrow']:.0%}" for q in data)
    first = ", ".join(
        f"{results[q][model]['first']:.0%} (gold {share_first(rows):.0%})"
        for q, rows in data.items()
    )
    right = sum(results[q][model]["right"] for q in data)
    called = sum(results[q][model]["called"] for q in data)

    body = (
        "Dev figures on a corpus of our own: every chunk of the demo library "
        "(corpus/ai-imbalance) labelled by which way it leans on three of its questions "
        "(`scripts/data/stance_business.jsonl`, data card "
        "`docs/data-cards/stance-business.md`); nothing is tuned on them.\n\n"
        + markdown_table(["question", "passages", "labels", "clear sided"], label_rows)
        + "\n\nEach cell: sided macro-F1 ('no side' counted wrong) / three-way macro-F1 "
        "(precision / coverage of the calls on sided passages).\n\n"
        + markdown_table(["reader", *data, "mean"], table)
        + f"\n\nShare of the stance model's calls that are narrow (|p(A) - p(B)| < {NARROW}), "
        f"by question: {narrow}. Share of its calls (on every passage) that go to the first "
        f"option, 'advantage' or 'yes', against the share of sided labels that do: {first}: "
        "with the stance model of 2026-12-08 the yes/no calls follow the passages' view of AI "
        "(AI helps: 'yes, give every developer an assistant'; 'no, it does not hurt quality') "
        "more than what each passage argues. "
        f"Its calls on the sided passages of all three questions: "
        f"**{right} of {called} right ({right / called:.2f})**; the report's stance-model "
        f"risk quotes that share (shipped: debate.stance.BUSINESS_RIGHT = {BUSINESS_RIGHT:.2f}). "
        "Contextual calibration (Zhao et al. 2021) divides each yes/no reading by the "
        "model's reading of content-free passages ('N/A', '', '[MASK]'); a question whose "
        "sided passages all lean one way rewards a reader that calls everything that way, so "
        "its gain on one question alone is no evidence. "
        f"Run time {time.perf_counter() - started:.0f} s. "
        "Command: `.venv/bin/python scripts/bench_stance_business.py`."
    )
    print(body)
    if not args.no_write:
        write_section("stance-business", "Stance on business passages (demo library)", body)


if __name__ == "__main__":
    main()

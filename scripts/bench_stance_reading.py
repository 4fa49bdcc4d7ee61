"""How the stance model should read: its window, and "A or B?" questions. Tune motions only.

    .venv/bin/python scripts/bench_stance_reading.py [--per-motion 60] [--no-write]

Writes the "Stance model: how it reads" section. The test motions stay unread (they are
bench_reader.py's); every choice here was made on these figures.

**Window.** The stance model was trained on ArgKP arguments cut at 96 tokens and reads 128
at run time (`reader.stance.MAX_TOKENS`). Debate passages are chunks of ~150 words, longer
than any argument, and no labelled data here has stance on passages that long, so they are
composed from the tune motions' arguments: one argument; ~130 words of
arguments on one side; ~150 words opening with three arguments of a training motion (no
side) followed by one side's arguments. Each is read as "Should we ...?" at several
windows; figures are two-way macro-F1 (the likelier option, whatever 'no side' says) and
the share where 'no side' wins.

**Choice questions.** Every argument of the tune motions under "A or B?" wordings, seen in
training or not, each in both orders; two-way macro-F1 of the question read directly (the
options in the model's input) and read as its two yes/no questions ("Is X A?", "Is X B?";
`reader.reader.stance_questions`, which the product uses).

**How sure a reading is.** The share of right calls by the call's margin |p(A) - p(B)|, for
those choice readings and for each argument read against its motion's own yes/no question:
where debate.stance's NARROW, NARROW_RIGHT and WIDE_RIGHT (the report's "narrow readings")
come from.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchlib import markdown_table, write_section  # noqa: E402
from stance_data import load_argkp, motion_parts  # noqa: E402

from debate.stance import NARROW, NARROW_RIGHT, WIDE, WIDE_RIGHT  # noqa: E402
from reader.framing import frame_options  # noqa: E402
from reader.reader import CHOICE_MARGIN, combine_stance, stance_questions  # noqa: E402
from reader.stance import MAX_TOKENS, StanceModel  # noqa: E402

SPLITS = json.loads((ROOT / "reader" / "splits.json").read_text())
WINDOWS = (96, 128, 192)
SEED = 3
# (wording, index of the option a pro argument takes, seen in training)
CHOICE_WORDINGS = [
    ("Is {g} beneficial or harmful?", 0, True),
    ("Is {g} harmful or beneficial?", 1, True),
    ("Would {g} help or hurt?", 0, True),
    ("Is {g} progress or a setback?", 0, False),
    ("Is {g} a setback or progress?", 1, False),
    ("Is {g} an asset or a liability?", 0, False),
    ("Is {g} a liability or an asset?", 1, False),
    ("Is {g} wise or reckless?", 0, False),
    ("Is {g} reckless or wise?", 1, False),
    ("Is {g} an opportunity or a threat?", 0, False),
    ("Is {g} a threat or an opportunity?", 1, False),
    ("{m}: agree or disagree?", 0, False),
    ("{m}: disagree or agree?", 1, False),
    ("Is {g} a strength or a weakness?", 0, False),
    ("Is {g} a weakness or a strength?", 1, False),
]


def composed(per_motion: int) -> dict[str, list[tuple[str, str, int]]]:
    """(question, passage, side) rows of each kind, from the tune motions."""
    rng = random.Random(SEED)
    argkp = load_argkp()
    kinds: dict[str, list[tuple[str, str, int]]] = {
        "one argument": [],
        "~130 words, one side": [],
        "~150 words, another motion first": [],
    }
    for motion in SPLITS["argkp"]["tune"]:
        question, _ = motion_parts(motion)
        sides = {s: [t for t, side in argkp[motion] if side == s] for s in (0, 1)}
        for _ in range(per_motion):
            side = rng.randrange(2)
            kinds["one argument"].append((question, rng.choice(sides[side]), side))
            kinds["~130 words, one side"].append((question, fill(rng, [], sides[side], 130), side))
            other = rng.choice(SPLITS["argkp"]["train"])
            opening = [text for text, _ in rng.sample(argkp[other], 3)]
            kinds["~150 words, another motion first"].append(
                (question, fill(rng, opening, sides[side], 150), side)
            )
    return kinds


def fill(rng: random.Random, start: list[str], pool: list[str], words: int) -> str:
    texts = list(start)
    while len(" ".join(texts).split()) < words:
        texts.append(rng.choice(pool))
    return " ".join(texts)


def read(model: StanceModel, rows: list[tuple[str, str, int]], window: int) -> np.ndarray:
    probs: list[list[float]] = []
    for start in range(0, len(rows), 16):
        group = rows[start : start + 16]
        batch = model.encode_pairs([(q, ["yes", "no"], p) for q, p, _ in group], window)
        probs += model.forward(batch)
    return np.array(probs)


def window_section(model: StanceModel, per_motion: int) -> str:
    from sklearn.metrics import f1_score

    rows = []
    for kind, items in composed(per_motion).items():
        gold = [side for _, _, side in items]
        cells = []
        for window in WINDOWS:
            probs = read(model, items, window)
            f1 = f1_score(gold, (probs[:, 1] > probs[:, 0]).astype(int), average="macro")
            no_side = float((probs[:, 2] > probs[:, :2].max(1)).mean())
            cells.append(f"{f1:.3f} ({no_side:.0%})")
        rows.append([kind, len(items), *cells])
    return (
        "**Window**: two-way macro-F1 (share where 'no side' wins) on passages composed from "
        "the tune motions' arguments (the docstring says how). The shipped window is "
        f"{MAX_TOKENS} tokens; the model was trained at 96.\n\n"
        + markdown_table(["passage", "pairs", *(f"{w} tokens" for w in WINDOWS)], rows)
        + "\n\nRead with the pair counts in mind (a difference of 0.02 is within noise): no "
        "evidence that the training length reads longer passages better, and 192 tokens "
        "reads them worse. A passage that opens off the question is mostly read as taking "
        "no side: the model is cautious there rather than wrong."
    )


def choice_section(model: StanceModel) -> tuple[str, np.ndarray, np.ndarray]:
    """The section, and the product's readings of every (wording, argument) with their gold
    option index (for `sure_section`)."""
    from sklearn.metrics import f1_score
    from train_stance import choose_margin, margin_table

    argkp = load_argkp()
    rows, direct_all, split_all = [], [], []
    split_probs: list[list[float]] = []
    split_gold: list[int] = []
    for wording, pro_index, seen in CHOICE_WORDINGS:
        gold: list[int] = []
        direct: list[int] = []
        split: list[int] = []
        for motion in SPLITS["argkp"]["tune"]:
            _, gerund = motion_parts(motion)
            question = wording.format(g=gerund, m=motion)
            options = frame_options(question)[1]
            passages = [text for text, _ in argkp[motion]]
            gold += [side if pro_index == 0 else 1 - side for _, side in argkp[motion]]
            probs = model.probabilities(question, options, passages)
            direct += [int(p[1] > p[0]) for p in probs]
            # What the product reads for this question (two yes/no questions), combined
            # as it combines them.
            reads = stance_questions(question, options)
            assert len(reads) == 2, question
            a, b = (model.probabilities(q, o, passages) for q, o in reads)
            combined = [combine_stance([x, y]) for x, y in zip(a, b, strict=True)]
            split += [int(p[1] > p[0]) for p in combined]
            split_probs += combined
        split_gold += gold
        f1_direct = f1_score(gold, direct, average="macro")
        f1_split = f1_score(gold, split, average="macro")
        direct_all.append(f1_direct)
        split_all.append(f1_split)
        shown = wording.format(g="X", m="We should X")
        rows.append([shown, "yes" if seen else "no", len(gold), f"{f1_direct:.3f}",
                     f"{f1_split:.3f}"])  # fmt: skip
    rows.append(["**mean** (min)", "", "", f"{np.mean(direct_all):.3f} ({min(direct_all):.3f})",
                 f"{np.mean(split_all):.3f} ({min(split_all):.3f})"])  # fmt: skip
    table = margin_table(np.array(split_probs), np.array(split_gold))
    margin = choose_margin(table, len(split_gold))
    at = {round(line["margin"], 2): line for line in table}
    return (
        (
            "**Choice questions**: two-way macro-F1 on every argument of the tune motions.\n\n"
            + markdown_table(
                [
                    "wording",
                    "seen in training",
                    "pairs",
                    "read directly",
                    "read as two yes/no questions (shipped)",
                ],
                rows,
            )
            + "\n\nRead directly, a wording the model never saw comes out near or below chance "
            "when the less favourable option comes first: the model learnt 'the first option is "
            "the favourable one' more than what the options say. The two yes/no questions read "
            "the same whatever the order, so the product reads choice questions that way (two "
            "passes a passage instead of one). Its margin (the least |p(A) - p(B)| for a "
            "leaning), by train_stance.py's rule on these tune readings (the smallest whose calls "
            f"are 75% right): **{margin:.2f}** (precision / coverage of the calls at 0: "
            f"{at[0.0]['precision']:.2f} / {at[0.0]['coverage']:.2f}; at {margin:.2f}: "
            f"{at[round(margin, 2)]['precision']:.2f} / {at[round(margin, 2)]['coverage']:.2f}); "
            f"shipped: reader.reader.CHOICE_MARGIN = {CHOICE_MARGIN:.2f}."
        ),
        np.array(split_probs),
        np.array(split_gold),
    )


BINS = ((0.0, NARROW), (NARROW, WIDE), (WIDE, 1.01))


def sure_section(model: StanceModel, choice: np.ndarray, choice_gold: np.ndarray) -> str:
    """How often a call is right by its margin |p(A) - p(B)|: the choice readings above and
    every tune argument read against its motion's own yes/no question."""
    argkp = load_argkp()
    yes_no: list[list[float]] = []
    yes_no_gold: list[int] = []
    for motion in SPLITS["argkp"]["tune"]:
        question, _ = motion_parts(motion)
        yes_no += model.probabilities(question, ["yes", "no"], [t for t, _ in argkp[motion]])
        yes_no_gold += [side for _, side in argkp[motion]]
    readings = {
        "choice (two yes/no questions)": (choice, choice_gold),
        "yes/no (the motion's question)": (np.array(yes_no), np.array(yes_no_gold)),
    }
    readings["all"] = (
        np.concatenate([p for p, _ in readings.values()]),
        np.concatenate([g for _, g in readings.values()]),
    )
    rows, right = [], {}
    for name, (probs, gold) in readings.items():
        margin = np.abs(probs[:, 0] - probs[:, 1])
        called = probs[:, :2].max(1) > probs[:, 2]
        hits = probs[:, :2].argmax(1) == gold
        cells = []
        for low, high in BINS:
            inside = called & (margin >= low) & (margin < high)
            right[name, low] = float(hits[inside].mean())
            cells.append(f"{right[name, low]:.2f} ({inside.mean():.0%})")
        rows.append([name, len(gold), *cells])
    return (
        "**How sure a reading is**: the share of calls that are right (and the share of all "
        "readings) by the call's margin |p(A) - p(B)| (p(yes) - p(no) for a yes/no "
        "question), on the tune motions.\n\n"
        + markdown_table(
            ["readings", "pairs", *(f"{low:.1f} to {min(high, 1):.1f}" for low, high in BINS)],
            rows,
        )
        + f"\n\nThe report counts a call under {NARROW} as narrow and says how many of the "
        f"passages it counts are (`debate.stance`): calls that narrow are right "
        f"{right['all', 0.0]:.2f} of the time here, {right['all', WIDE]:.2f} at {WIDE} or more "
        f"(shipped: NARROW_RIGHT = {NARROW_RIGHT:.2f}, WIDE_RIGHT = {WIDE_RIGHT:.2f}). On "
        "passages unlike these arguments the narrow calls may be worth less still."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-motion", type=int, default=60)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    model = StanceModel.load()
    choice, probs, gold = choice_section(model)
    body = (
        window_section(model, args.per_motion)
        + "\n\n"
        + choice
        + "\n\n"
        + sure_section(model, probs, gold)
        + "\n\nCommand: `.venv/bin/python scripts/bench_stance_reading.py`."
    )
    print(body)
    if not args.no_write:
        write_section("stance-window", "Stance model: how it reads", body)


if __name__ == "__main__":
    main()

"""ArgKP motions as questions, and fact-checking claims as questions: the data helpers
shared by the reader's and the stance model's training and benchmark scripts.

Standard library only (plus reader.framing), so the stance trainer runs where the
project's ingest stack is not installed (a GPU machine with PyTorch alone).
"""

from __future__ import annotations

import csv
import os
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# ../shared/data, or AGORA_DATA where the repository travels without it (a GPU machine).
DATA = Path(os.environ.get("AGORA_DATA") or ROOT.parent / "shared" / "data")

# Chosen before any result was seen: all 4 dev motions plus two train motions are the stance
# benchmark; two further train motions are for calibration.
TEST_MOTIONS = [
    "We should abandon the use of school uniform",
    "We should abolish the right to keep and bear arms",
    "We should adopt an austerity regime",
    "We should end affirmative action",
    "We should legalize cannabis",
    "We should introduce compulsory voting",
]
TUNE_MOTIONS = ["We should abolish capital punishment", "We should subsidize space exploration"]
STANCE = {"supported": 0, "contradicted": 1, "not_supported": 2}
_ING = {"ban": "banning", "banned": "banning", "abandoned": "abandoning", "stop": "stopping"}


# --- questions from a motion -------------------------------------------------------------


def motion_parts(motion: str) -> tuple[str, str]:
    """(yes/no question, gerund phrase): 'We should ban X' -> ('Should we ban X?', 'banning X')."""
    words = motion.rstrip(".").split()
    if words[:2] == ["We", "should"]:
        verb, rest = words[2], words[3:]
        return f"Should we {' '.join(words[2:])}?", " ".join([ing(verb), *rest])
    cut = words.index("should")
    subject = " ".join(words[:cut])
    subject = subject[0].lower() + subject[1:]
    predicate = words[cut + 1 :]  # "be banned", "be a criminal offence"
    question = f"Should {subject} {' '.join(predicate)}?"
    if len(predicate) == 2 and predicate[1] in _ING:
        return question, f"{_ING[predicate[1]]} {subject}"
    return question, f"making {subject} {' '.join(predicate[1:])}"


def ing(verb: str) -> str:
    if verb in _ING:
        return _ING[verb]
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    return verb + "ing"


def motion_questions(motion: str) -> list[tuple[str, int]]:
    """Questions about a motion and which option index a *pro* argument takes.

    Yes/no: pro -> 0 ("yes"), except for questions asking the opposite ("... a bad idea?").
    Choice: pro -> the index of the option that agrees with the motion.
    """
    yes_no, gerund = motion_parts(motion)
    lower = motion[0].lower() + motion[1:]
    return [
        (yes_no, 0),
        (f"Is {gerund} a good idea?", 0),
        (f"Do you agree that {lower}?", 0),
        (f"Are you in favour of {gerund}?", 0),
        (f"Is {gerund} a bad idea?", 1),
        (f"Is {gerund} beneficial or harmful?", 0),
        (f"Is {gerund} harmful or beneficial?", 1),
        (f"{motion}: for or against?", 0),
        (f"{motion}: against or for?", 1),
        (f"Is {gerund} an advantage or a mistake?", 0),
        (f"Is {gerund} a mistake or an advantage?", 1),
        (f"Would {gerund} help or hurt?", 0),
    ]


# --- ArgKP -------------------------------------------------------------------------------


def load_argkp() -> dict[str, list[tuple[str, int]]]:
    """motion -> [(argument or key point, 0 pro / 1 con)] over train and dev."""
    by_motion: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for split in ("train", "dev"):
        for name in (f"arguments_{split}.csv", f"key_points_{split}.csv"):
            with (DATA / "argkp" / name).open(newline="") as handle:
                for row in csv.DictReader(handle):
                    text = (row.get("argument") or row.get("key_point") or "").strip(" `")
                    by_motion[row["topic"]].append((text, 0 if row["stance"] == "1" else 1))
    return dict(by_motion)


# --- fact-checking claims ----------------------------------------------------------------


def claim_question(claim: str, rng: random.Random) -> str:
    claim = claim.rstrip(".")
    lower = claim[0].lower() + claim[1:] if claim[1:2].islower() else claim
    return rng.choice(
        [
            f"{claim}.",
            f"Is it true that {lower}?",
            f"Is it true that {lower}?",
            f"{claim}. True or false?",
        ]
    )

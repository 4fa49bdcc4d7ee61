"""How a question is read: the two options of an "A or B?" question, else yes/no.

Moved here from debate/stance.py so the reader model (which needs the options as part of
its input) and the debate read questions the same way; debate.stance.frame_question wraps
this in the debate's QuestionFrame.
"""

from __future__ import annotations

import re
from typing import Literal

_ARTICLES = {"a", "an", "the"}
YES_NO = ("yes", "no")

Kind = Literal["choice", "yes_no"]


def frame_options(question: str) -> tuple[Kind, list[str]]:
    """'A or B?' becomes ("choice", [A, B]); anything else ("yes_no", ["yes", "no"])."""
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", question.strip()) if s]
    last = sentences[-1] if sentences else question
    clause = re.split(r"[:;,—–]\s*", last.rstrip("?.! "))[-1]
    if " or " not in f" {clause.lower()} ":
        return "yes_no", list(YES_NO)
    lower = clause.lower()
    cut = lower.rfind(" or ")
    left, right = clause[:cut].split(), clause[cut + 4 :].split()
    if not left or not right:
        return "yes_no", list(YES_NO)
    # The left option is as long as the right one ("an advantage" | "an imbalance";
    # "hire more engineers" | "invest in sales"): a lead-in like "is that" is dropped.
    width = len(right)
    options = [_clean(" ".join(left[-width:])), _clean(" ".join(right))]
    if not all(options) or options[0].lower() == options[1].lower():
        return "yes_no", list(YES_NO)
    return "choice", options


def _clean(phrase: str) -> str:
    words = [w.strip("\"'“”‘’()") for w in phrase.split()]
    while words and words[0].lower() in _ARTICLES:
        words = words[1:]
    if words and words[0][:1].isupper() and words[0][1:].islower():
        words[0] = words[0].lower()  # "Advantage or imbalance?" starts a sentence; "GTM" stays
    return " ".join(w for w in words if w)

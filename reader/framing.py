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
    parts = _choice_parts(question)
    if parts is None:
        return "yes_no", list(YES_NO)
    _, option_a, option_b = parts
    return "choice", [_clean(option_a), _clean(option_b)]


def option_questions(question: str) -> tuple[str, str] | None:
    """A choice question as one yes/no question per option: "Is the gap an advantage or an
    imbalance?" -> ("Is the gap an advantage?", "Is the gap an imbalance?"); None for a
    yes/no question. The stance model reads a yes/no question the same way whatever its
    wording, where an "A or B?" it never saw can be read through the wrong order
    (docs/benchmarks.md, "Stance model: how it reads")."""
    parts = _choice_parts(question)
    if parts is None:
        return None
    lead, option_a, option_b = parts
    if not lead:  # "Advantage or imbalance?": each question starts a sentence
        option_b = option_b[:1].upper() + option_b[1:]
    return f"{lead}{option_a}?", f"{lead}{option_b}?"


def _choice_parts(question: str) -> tuple[str, str, str] | None:
    """(the question before option A, option A, option B), the options as written (with
    their articles), or None when the question's last clause is not "A or B"."""
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", question.strip()) if s]
    last = sentences[-1] if sentences else question
    clause = re.split(r"[:;,—–]\s*", last.rstrip("?.! "))[-1]
    lower = clause.lower()
    cut = lower.rfind(" or ")
    if cut < 0:
        return None
    left, right = clause[:cut].split(), clause[cut + 4 :].split()
    if not left or not right:
        return None
    # Option A is as long as option B, articles aside ("an advantage" | "an imbalance";
    # "progress" | "a setback"; "hire more engineers" | "invest in sales"): a lead-in like
    # "is that" is not part of it.
    width = sum(1 for word in right if word.lower() not in _ARTICLES) or len(right)
    start, counted = len(left), 0
    while start > 0 and counted < width:
        start -= 1
        counted += left[start].lower() not in _ARTICLES
    if start > 0 and left[start - 1].lower() in _ARTICLES:
        start -= 1
    option_a, option_b = " ".join(left[start:]), " ".join(right)
    if not _clean(option_a) or not _clean(option_b):
        return None
    if _clean(option_a).lower() == _clean(option_b).lower():
        return None
    body = question.strip().rstrip("?.! ")
    lead = body[: len(body) - len(clause)] + " ".join(left[:start])
    return (lead + " " if start else lead), option_a, option_b


def _clean(phrase: str) -> str:
    words = [w.strip("\"'“”‘’()") for w in phrase.split()]
    while words and words[0].lower() in _ARTICLES:
        words = words[1:]
    if words and words[0][:1].isupper() and words[0][1:].islower():
        words[0] = words[0].lower()  # "Advantage or imbalance?" starts a sentence; "GTM" stays
    return " ".join(w for w in words if w)

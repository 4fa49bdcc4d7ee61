"""Wording helpers of the extractive engine: how a theme is read, how a quote is cut, how a
list of names and a panel's leanings are said. Pure functions over strings and counts."""

from __future__ import annotations

import re
from collections import Counter

from debate.stance import cue_score

MAX_QUOTE = 320  # characters; longer sentences are cut at a word boundary and get "…"
FIGURES = re.compile(r"\d|\b(?:percent|measured|trial|survey|randomi[sz]ed|study|data)\b", re.I)
ACTIONS = re.compile(
    r"\b(?:should|must|redesign|invest|measure|build|change|start|stop|shift|redirect|"
    r"fix|treat|point)\b",
    re.I,
)


def theme_kind(theme: str) -> str:
    """Which default theme a (possibly custom) theme resembles, by its words."""
    lower = theme.lower()
    for kind, words in (
        ("opening", ("opening", "position")),
        ("premise", ("premise", "framing", "framed")),
        ("measurement", ("measure", "evidence")),
        ("assumptions", ("assumption",)),
        ("story", ("story", "systemic", "change")),
    ):
        if any(word in lower for word in words):
            return kind
    return "open"


def theme_bonus(kind: str, sentence: str) -> float:
    """A small lift for a sentence that fits its theme: figures for a round on measurement,
    actions for the systemic story."""
    if kind == "measurement" and FIGURES.search(sentence):
        return 0.1
    if kind == "story" and ACTIONS.search(sentence):
        return 0.1
    return 0.0


def condense(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    if len(sentence) <= MAX_QUOTE:
        return sentence
    return sentence[:MAX_QUOTE].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def names(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def reads_as_sentence(text: str) -> bool:
    """Headings and fragments cut by a chunk boundary are not quotable claims."""
    starts = text.lstrip('"“‘(')[:1]
    ends = text.rstrip("”’\"')").endswith((".", "!", "?", "…"))
    byline = " | " in text  # "Firm (analyst) | 2025-09-08 Analyst note." is metadata
    return ends and not byline and (starts.isupper() or starts.isdigit())


def warns(sentence: str) -> bool:
    return cue_score(sentence) <= -0.5


def leading_option(leanings: Counter[str]) -> str | None:
    """The option more turns lean to than to any other; None when nobody leans or on a tie."""
    ranked = leanings.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def consensus_line(leanings: Counter[str], leader: str, turns: int) -> str:
    """How the Contrarian names what it attacks: a consensus only when most turns agree."""
    count = leanings[leader]
    if count * 2 > turns:
        return (
            f"The panel is converging on '{leader}': {count} of {turns} turns this round lean "
            "that way."
        )
    others = sum(leanings.values()) - count
    return (
        f"The panel leans toward '{leader}': {count} of {turns} turns this round, "
        f"{others} the other way."
    )

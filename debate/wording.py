"""Wording helpers of the extractive engine: how a theme is read, how a quote is cut, how a
list of names and a panel's leanings are said. Pure functions over strings and counts."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import lru_cache

from reader.roles import SentenceRole, sentence_role

MAX_QUOTE = 320  # characters; longer sentences are cut at a word boundary and get "…"


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


# The sentence role that fits each kind of round: figures when the round asks what was
# measured, recommendations when it asks for the better story and a systemic change, cautions
# when it questions the premise or the assumptions.
THEME_ROLES = {
    "measurement": SentenceRole.STATISTIC,
    "story": SentenceRole.RECOMMENDATION,
    "premise": SentenceRole.CAVEAT,
    "assumptions": SentenceRole.CAVEAT,
}


def theme_bonus(kind: str, sentence: str, run_date: date) -> float:
    """A small lift for a sentence whose role (`reader.roles`) fits its round's theme."""
    wanted = THEME_ROLES.get(kind)
    return 0.1 if wanted is not None and role_of(sentence, run_date) == wanted else 0.0


@lru_cache(maxsize=20_000)
def role_of(sentence: str, run_date: date) -> SentenceRole:
    return sentence_role(sentence, run_date).role


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


def warns(sentence: str, run_date: date) -> bool:
    """A caution: a risk, limitation or warning (`reader.roles`' caveat)."""
    return role_of(sentence, run_date) == SentenceRole.CAVEAT


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

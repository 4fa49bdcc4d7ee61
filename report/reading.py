"""What the report builders read off a finished debate: the options, which way each cited
passage leans, every cited claim with its speaker and fact-check, and the panel's votes.

Nothing here generates text; it only counts and ranks what the debate already holds, so
both engines (and their tests) share one reading of the debate.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from debate.stance import clear_lead, leading_side, lean_of_set
from debate.support import split_sentences
from debate.types import Claim, Debate, FactCheck, MemberKind, PassageStance, Turn
from report.keypoints import Embed
from retrieval.brief import strip_markers
from retrieval.types import Evidence

# Sentences that say something about the future: candidates for quoted forecasts.
FORWARD = re.compile(
    r"\b(?:will|won't|is likely to|are likely to|expects? to|expected to|projected|"
    r"forecasts?|predicts?|by 20\d\d|within (?:the next )?\w+ (?:months?|years?)|"
    r"over the next|in the coming|over a decade)\b",
    re.IGNORECASE,
)
# Sentences that recommend doing something: candidates for action steps. Modal verbs of
# obligation anywhere, or an imperative verb opening the sentence ("Measure the net.").
ACTION = re.compile(
    r"\b(?:should|must|needs? to|ought to)\b"
    r"|^(?:Treat|Measure|Invest|Build|Redesign|Start|Stop|Shift|Redirect|Fix|Point|Judge|"
    r"Direct|Move|Put|Make|Use|Run|Ask|Set|Fund|Track|Define|Clean|Check)\b"
    r"|^Before [^,]+, [a-z]+ the\b",
)
_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "ten": 10,
    "twelve": 12,
    "eighteen": 18,
}
_HORIZON = re.compile(
    r"\b(?:within|in|over)\s+(?:the\s+)?(?:next\s+)?(\d+|[a-z]+)\s+(months?|years?)\b"
    r"|\bby\s+(20\d\d)\b|\b(over a decade|next year|this year)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CitedClaim:
    """A claim made in the debate, where and by whom."""

    turn: Turn
    index: int
    claim: Claim

    @property
    def advisor(self) -> str:
        return self.turn.advisor


def horizon(sentence: str, run_year: int) -> tuple[str, int] | None:
    """The time frame a sentence states, in its own words and in months; None when it
    states none, or a year already past."""
    match = _HORIZON.search(sentence)
    if match is None:
        return None
    words = match.group(0)
    if match.group(3):
        if int(match.group(3)) < run_year:
            return None  # "by 2025" read in 2026 is history, not a forecast
        months = max(3, (int(match.group(3)) - run_year) * 12)
    elif match.group(4):
        months = {"over a decade": 120, "next year": 12, "this year": 6}[match.group(4).lower()]
    else:
        raw = match.group(1).lower()
        count = int(raw) if raw.isdigit() else _NUMBERS.get(raw)
        if count is None:
            return None
        months = count * (12 if match.group(2).lower().startswith("year") else 1)
    return words, months


class Reading:
    """Counts and rankings over one debate (see the module docstring)."""

    def __init__(self, debate: Debate, embed: Embed | None = None):
        self.debate = debate
        self.embed = embed  # sentence embeddings for grouping key points (None: no grouping)
        self.options = list(debate.frame.options[:2])
        self.stances: dict[str, PassageStance] = {s.chunk_id: s for s in debate.stances}
        self.passages: dict[str, Evidence] = {}
        for brief in debate.briefs.values():
            for item in brief.evidence:
                self.passages.setdefault(item.key, item)
        self.quoted = debate.engine.name == "extractive"  # claims are verbatim quotes

    # -- claims and checks -------------------------------------------------------------

    @cached_property
    def claims(self) -> list[CitedClaim]:
        """Every claim of every turn, in debate order (experience claims included)."""
        return [
            CitedClaim(turn, index, claim)
            for turn in self.debate.turns()
            for index, claim in enumerate(turn.claims)
        ]

    @cached_property
    def checks(self) -> list[FactCheck]:
        return [check for turn in self.debate.turns() for check in turn.checks]

    def support(self, claim: Claim) -> float:
        """The Auditor's best support score for this claim text (0.5 when unchecked)."""
        scores = [c.score for c in self.checks if c.claim == claim.text]
        return max(scores) if scores else 0.5

    def sources_of(self, chunk_ids: list[str]) -> list[int]:
        """The distinct library numbers behind these chunks, in citation order."""
        found = (self.passages[c].source for c in chunk_ids if c in self.passages)
        return list(dict.fromkeys(found))

    def kind(self, advisor: str) -> MemberKind:
        try:
            return self.debate.member(advisor).kind
        except KeyError:
            return MemberKind.DOMAIN

    # -- stance ------------------------------------------------------------------------

    def leaning(self, chunk_ids: list[str]) -> str | None:
        """The option these passages lean toward on balance (None: neutral or unknown)."""
        if len(self.options) < 2:
            return None
        return lean_of_set([self.stances[c].leaning for c in chunk_ids if c in self.stances])

    def strength(self, item: CitedClaim) -> float:
        stance = sum(abs(self.stances[c].score) for c in item.claim.citations if c in self.stances)
        return stance + self.support(item.claim)

    @cached_property
    def cited_counts(self) -> Counter[str]:
        """How many debate-cited passages lean to each option."""
        counts: Counter[str] = Counter()
        for chunk_id in self.debate.ledger.cited:
            stance = self.stances.get(chunk_id)
            if stance is not None and stance.leaning:
                counts[stance.leaning] += 1
        return counts

    @cached_property
    def option(self) -> str | None:
        """The option the cited evidence clearly favours (`debate.stance.clear_lead`); None
        when the split is too close to call, or without stances (an LLM debate)."""
        leader = self.vote_option
        if leader is None:
            return None
        other = next(o for o in self.options if o != leader)
        return leader if clear_lead(self.cited_counts[leader], self.cited_counts[other]) else None

    @property
    def vote_option(self) -> str | None:
        """The option the panel's confidences refer to: the one more cited passages lean
        to, the first option on a tie (as `debate.extractive` concludes); None without
        stances (an LLM debate)."""
        if len(self.options) < 2 or not self.cited_counts:
            return None
        return leading_side(self.cited_counts, *self.options[:2])

    @property
    def other(self) -> str | None:
        """The option against the one the panel voted on."""
        if self.vote_option is None:
            return None
        return next(o for o in self.options if o != self.vote_option)

    @property
    def sided(self) -> int:
        return sum(self.cited_counts.values())

    def round_counts(self, number: int) -> Counter[str]:
        """Turns of a round whose citations lean to each option."""
        counts: Counter[str] = Counter()
        for round_ in self.debate.rounds:
            if round_.number != number:
                continue
            for turn in round_.turns:
                keys = [key for claim in turn.claims for key in claim.citations]
                lean = self.leaning(keys)
                if lean:
                    counts[lean] += 1
        return counts

    # -- votes -------------------------------------------------------------------------

    def confidence_stats(self) -> tuple[int, str, int, str, int] | None:
        """(low, who, high, who, median) of the panel's confidences."""
        given = self.debate.confidences
        if not given:
            return None
        low = min(given, key=lambda c: c.percent)
        high = max(given, key=lambda c: c.percent)
        median = round(statistics.median(c.percent for c in given))
        return low.percent, low.advisor, high.percent, high.advisor, median

    # -- sentences of cited passages ---------------------------------------------------

    def first_round(self) -> dict[str, int]:
        """Chunk id -> the round it was first cited in."""
        found: dict[str, int] = {}
        for item in self.claims:
            for key in item.claim.citations:
                found.setdefault(key, item.turn.round)
        return found

    def sentences(self, chunk_id: str) -> list[str]:
        item = self.passages.get(chunk_id)
        if item is None:
            return []
        return [" ".join(strip_markers(s).split()) for s in split_sentences(item.text)]


_YEAR = re.compile(r"\b(?:by|in|until|before|through)\s+(20\d\d)\b", re.IGNORECASE)


def looks_back(sentence: str, run_year: int) -> bool:
    """Whether a sentence's stated time is already past at the run date ("by 2025", "in
    2024" read in 2026): such a sentence reports what happened, it forecasts nothing."""
    years = [int(year) for year in _YEAR.findall(sentence)]
    return bool(years) and max(years) < run_year

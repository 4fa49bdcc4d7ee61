"""What the report builders read off a finished debate: the options, which way each cited
passage leans, every cited claim with its speaker and fact-check, the panel's votes, and the
role of each sentence (`reader.roles`: a forecast and when it is due, a recommendation, a
caveat ...), read against the run date.

Nothing here generates text; it only counts and ranks what the debate already holds, so
both engines (and their tests) share one reading of the debate.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from debate.stance import clear_lead, is_narrow, leading_side, lean_of_set
from debate.support import split_sentences
from debate.types import Claim, Debate, FactCheck, MemberKind, PassageStance, Turn
from reader.roles import Role, SentenceRole, sentence_role
from report.keypoints import Embed
from retrieval.brief import strip_markers
from retrieval.types import Evidence


@dataclass(frozen=True)
class CitedClaim:
    """A claim made in the debate, where and by whom."""

    turn: Turn
    index: int
    claim: Claim

    @property
    def advisor(self) -> str:
        return self.turn.advisor


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
        self._roles: dict[tuple[str, str | None], Role] = {}

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
    def cited_sided(self) -> list[PassageStance]:
        """The stances of the debate-cited passages that lean to an option."""
        found = (self.stances.get(c) for c in self.debate.ledger.cited)
        return [s for s in found if s is not None and s.leaning]

    @cached_property
    def cited_counts(self) -> Counter[str]:
        """How many debate-cited passages lean to each option."""
        return Counter(s.leaning for s in self.cited_sided if s.leaning)

    @cached_property
    def narrow_count(self) -> int:
        """How many of the passages in `cited_counts` lean by a narrow reading (`is_narrow`)."""
        return sum(is_narrow(s) for s in self.cited_sided)

    def narrowly(self, chunk_ids: list[str], side: str | None) -> bool:
        """Whether every one of these passages that leans to `side` leans narrowly."""
        if side is None:
            return False
        toward = [self.stances[c] for c in chunk_ids if c in self.stances]
        toward = [s for s in toward if s.leaning == side]
        return bool(toward) and all(is_narrow(s) for s in toward)

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

    # -- sentence roles ----------------------------------------------------------------

    @cached_property
    def run_date(self) -> date:
        return self.debate.created_at.date()

    def written(self, chunk_id: str | None) -> date | None:
        """The date of the source a passage comes from, when its catalog entry has one:
        relative times in its sentences ("next year") count from it."""
        item = self.passages.get(chunk_id) if chunk_id else None
        if item is None or not item.date:
            return None
        try:
            return date.fromisoformat(item.date[:10])
        except ValueError:
            return None  # a year alone, or free text: count from the run date

    def role(self, text: str, chunk_id: str | None = None) -> Role:
        """The role of a sentence (or a claim's text), read on the run date."""
        key = (text, chunk_id)
        if key not in self._roles:
            self._roles[key] = sentence_role(text, self.run_date, self.written(chunk_id))
        return self._roles[key]

    def recommends(self, text: str) -> bool:
        return self.role(text).role == SentenceRole.RECOMMENDATION

    def with_role(self, chunk_id: str, *roles: SentenceRole) -> list[tuple[str, Role]]:
        """The sentences of a passage that play one of `roles`, in passage order. A forecast
        is always about the future: one dated before the run date is not a forecast."""
        found = []
        for sentence in self.sentences(chunk_id):
            if sentence.endswith("?") or len(sentence) < 30:
                continue  # questions and fragments quote badly
            role = self.role(sentence, chunk_id)
            if role.role in roles:
                found.append((sentence, role))
        return found

"""Audit claims against the passages they cite.

Input is a list of claims, each with citations that are already resolved to candidate
passages (a chunk for Agora's own runs; every chunk of a source for a report that cites
whole sources, in which case the best-supporting chunk stands for the source). The
judge decides support; `audit.citations` turns its decisions into ALCE totals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from audit.citations import recall_and_precision, relevant_citations
from audit.judge import CitationJudge, Judge
from audit.types import AuditTotals, CitedPassage, ClaimAudit, ClaimVerdict, QuotedSpan
from ingest.types import Judgement

JOINER = "\n\n"  # between the passages of a claim with several citations, read together


@dataclass(frozen=True)
class Candidate:
    """A passage a citation may point at."""

    source: int | None
    chunk_id: str | None
    text: str


@dataclass
class CitationInput:
    """A citation as written, with the passages it can stand for (empty: unresolvable)."""

    label: str
    candidates: list[Candidate] = field(default_factory=list)
    problem: str | None = None


@dataclass
class ClaimInput:
    text: str
    citations: list[CitationInput] = field(default_factory=list)


class Auditor:
    """Runs the judge over claims, caching each (claim, passages) decision."""

    def __init__(self, judge: CitationJudge | None = None):
        self.judge: CitationJudge = judge or Judge()
        self._cache: dict[tuple[str, tuple[str, ...]], Judgement] = {}

    def _judge(self, claim: str, passages: Sequence[str]) -> Judgement:
        key = (claim, tuple(passages))
        if key not in self._cache:
            self._cache[key] = self.judge.judge(claim, JOINER.join(passages))
        return self._cache[key]

    def _supports(self, passages: Sequence[str], claim: str) -> bool:
        return self._judge(claim, passages).verdict == "supported"

    def audit_claim(self, claim: ClaimInput) -> tuple[ClaimAudit, list[bool]]:
        """The claim's audit, and a precision flag per citation (an unresolvable citation
        contributes nothing, so its flag is False)."""
        if not claim.citations:
            return ClaimAudit(text=claim.text, citations=[], verdict=ClaimVerdict.UNCITED), []
        cited: list[CitedPassage] = []
        chosen: list[Candidate] = []
        for citation in claim.citations:
            if not citation.candidates:
                cited.append(CitedPassage(label=citation.label, problem=citation.problem))
                continue
            # A source-level citation stands for its best-supporting chunk.
            best = max(citation.candidates, key=lambda c: self._judge(claim.text, [c.text]).score)
            chosen.append(best)
            cited.append(
                CitedPassage(
                    label=citation.label,
                    source=best.source,
                    chunk_id=best.chunk_id,
                    score=round(self._judge(claim.text, [best.text]).score, 4),
                )
            )
        if not chosen:
            audit = ClaimAudit(
                text=claim.text, citations=cited, verdict=ClaimVerdict.CITATION_UNRESOLVABLE
            )
            return audit, [False] * len(cited)
        passages = [candidate.text for candidate in chosen]
        joint = self._judge(claim.text, passages)
        flags = relevant_citations(claim.text, passages, self._supports)
        resolved = iter(flags)
        for item in cited:
            if item.problem is None:
                item.relevant = next(resolved)
        all_flags = [bool(item.relevant) for item in cited]
        audit = ClaimAudit(
            text=claim.text,
            citations=cited,
            verdict=ClaimVerdict(joint.verdict),
            score=round(joint.score, 4),
            best_sentence=joint.best_sentence or None,
            best_source=chosen[_locate(chosen, joint.best_start)[0]].source,
            quote=_quoted_span(chosen, joint),
        )
        return audit, all_flags

    def audit(self, claims: Sequence[ClaimInput]) -> tuple[list[ClaimAudit], AuditTotals]:
        audits, recalled, relevance = [], [], []
        for claim in claims:
            audit, flags = self.audit_claim(claim)
            audits.append(audit)
            recalled.append(audit.verdict == ClaimVerdict.SUPPORTED)
            relevance.append(flags)
        recall, precision = recall_and_precision(recalled, relevance)
        totals = AuditTotals(
            claims=len(audits),
            by_verdict=dict(Counter(a.verdict.value for a in audits)),
            citations=sum(len(flags) for flags in relevance),
            citation_recall=round(recall, 4),
            citation_precision=round(precision, 4),
        )
        return audits, totals


def _locate(chosen: list[Candidate], offset: int) -> tuple[int, int]:
    """Which chosen passage an offset into their JOINER-joined text falls in, and the offset
    within that passage."""
    position = 0
    for index, candidate in enumerate(chosen):
        if offset < position + len(candidate.text) + len(JOINER) or index == len(chosen) - 1:
            return index, offset - position
        position += len(candidate.text) + len(JOINER)
    return 0, offset


def _quoted_span(chosen: list[Candidate], joint: Judgement) -> QuotedSpan | None:
    """The judge's located quote, in the offsets of the chunk that holds it."""
    if joint.quote is None or joint.quote_start is None or joint.quote_end is None:
        return None
    index, start = _locate(chosen, joint.quote_start)
    return QuotedSpan(
        match=joint.quote,
        source=chosen[index].source,
        chunk_id=chosen[index].chunk_id,
        start=start,
        end=start + joint.quote_end - joint.quote_start,
    )

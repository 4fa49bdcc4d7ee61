"""The audit stage's data: one verdict per claim, and the totals."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ingest.types import QuoteMatch, Verdict

# How well a claim's citations back it: the project's one verdict vocabulary.
ClaimVerdict = Verdict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CitedPassage(_Model):
    """One citation of a claim, resolved (or not) to a passage."""

    label: str = Field(description="The citation as written: '3' for [3], or a chunk id.")
    source: int | None = Field(None, description="Library number it resolved to, if any.")
    chunk_id: str | None = Field(None, description="The passage judged (best of the source).")
    score: float | None = Field(None, description="Judge's support score for this passage alone.")
    relevant: bool | None = Field(
        None, description="ALCE: does this citation contribute support? None if unresolvable."
    )
    problem: str | None = Field(None, description="Why it could not be resolved.")


class QuotedSpan(_Model):
    """A claim located word for word in one of its cited passages."""

    match: QuoteMatch = Field(description="verbatim, or near_verbatim (90%+ of its words).")
    source: int | None = Field(None, description="Library number of the passage's source.")
    chunk_id: str | None = Field(None, description="The passage (chunk) holding the quote.")
    start: int = Field(ge=0, description="Offset of the quote's first character in the chunk.")
    end: int = Field(ge=0, description="Offset just past its last character in the chunk.")


class ClaimAudit(_Model):
    """The audit of one claim."""

    text: str = Field(description="The claim as written (citation markers removed).")
    citations: list[CitedPassage] = Field(description="Its citations, in order.")
    verdict: ClaimVerdict = Field(description="Support of the claim by all its citations.")
    score: float | None = Field(None, description="Judge's score for the joint passages.")
    best_sentence: str | None = Field(None, description="Cited sentence that best backs it.")
    best_source: int | None = Field(None, description="Library number of that sentence.")
    quote: QuotedSpan | None = Field(
        None, description="Where the claim was found word for word in a cited passage."
    )


class AuditTotals(_Model):
    """Totals in the ALCE sense (Gao et al., 2023)."""

    claims: int = Field(description="Claims audited.")
    by_verdict: dict[str, int] = Field(description="Claims per verdict.")
    citations: int = Field(description="Citations counted for precision.")
    citation_recall: float = Field(
        description="Share of claims fully supported by their citations (uncited count as 0)."
    )
    citation_precision: float = Field(
        description="Share of citations that contribute support (ALCE's irrelevance rule)."
    )


class Audit(_Model):
    """Everything `agora audit` reports."""

    target: str = Field(description="What was audited: a run folder or a report file.")
    judge: str = Field(description="Which judge decided, e.g. 'features-v2'.")
    claims: list[ClaimAudit] = Field(description="One entry per claim, in document order.")
    totals: AuditTotals = Field(description="Citation recall and precision.")

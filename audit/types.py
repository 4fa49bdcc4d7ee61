"""The audit stage's data: one verdict per claim, and the totals."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ClaimVerdict(StrEnum):
    """How well a claim's citations back it."""

    SUPPORTED = "supported"
    PARTIALLY_SUPPORTED = "partially_supported"
    UNSUPPORTED = "unsupported"
    UNCITED = "uncited"
    UNRESOLVABLE = "citation_unresolvable"


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


class ClaimAudit(_Model):
    """The audit of one claim."""

    text: str = Field(description="The claim as written (citation markers removed).")
    citations: list[CitedPassage] = Field(description="Its citations, in order.")
    verdict: ClaimVerdict = Field(description="Support of the claim by all its citations.")
    score: float | None = Field(None, description="Judge's score for the joint passages.")
    best_sentence: str | None = Field(None, description="Cited sentence that best backs it.")
    best_source: int | None = Field(None, description="Library number of that sentence.")


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
    judge: str = Field(description="Which judge decided, e.g. 'features-v1'.")
    claims: list[ClaimAudit] = Field(description="One entry per claim, in document order.")
    totals: AuditTotals = Field(description="Citation recall and precision.")

"""The ingest stage's data: what a fetched, extracted and chunked source looks like, and
the few types every stage shares.

`ingest` is the bottom layer: retrieval, the debate, the report and the audit all depend on
it, so the vocabulary they must agree on lives here too: the citation verdict (`Verdict`)
and a judge's answer for one claim–passage pair (`Judgement`). The audit produces them, the
debate's Auditor and the report read them, and none of those needs to import another.

Every model forbids unknown fields so that a typo in a stage boundary fails loudly.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class SourceKind(StrEnum):
    """What a source's bytes are, decided from magic bytes rather than the declared type."""

    HTML = "html"
    PDF = "pdf"
    TEXT = "text"
    MARKDOWN = "markdown"


class SourceStatus(StrEnum):
    """Where a source stands in the library."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Verdict(StrEnum):
    """How well cited passages back a claim: the one vocabulary of the judge, the audit, the
    debate's fact-checks and the report. A judge answers with one of the first four; a claim
    with nothing to judge is UNCITED (no citation) or CITATION_UNRESOLVABLE (its citations
    point at nothing known)."""

    SUPPORTED = "supported"
    PARTIALLY_SUPPORTED = "partially_supported"
    NOT_SUPPORTED = "not_supported"
    CONTRADICTED = "contradicted"
    UNCITED = "uncited"
    CITATION_UNRESOLVABLE = "citation_unresolvable"

    @classmethod
    def _missing_(cls, value: object) -> Verdict | None:
        # audit.json and debate.json written before the four verdicts said "unsupported"
        return cls.NOT_SUPPORTED if value == "unsupported" else None


# What a judge may answer, best first.
JUDGE_VERDICTS = (
    Verdict.SUPPORTED,
    Verdict.PARTIALLY_SUPPORTED,
    Verdict.NOT_SUPPORTED,
    Verdict.CONTRADICTED,
)


class QuoteMatch(StrEnum):
    """How a claim was found word for word in its passage."""

    VERBATIM = "verbatim"  # contained in the passage after normalisation
    NEAR_VERBATIM = "near_verbatim"  # 90% or more of its words, in order, in one stretch


class Judgement(_Model):
    """A judge's answer for one claim–passage pair."""

    verdict: Verdict = Field(
        description="supported: the passage backs the whole claim; partially_supported: it "
        "backs part of it; not_supported: it does not back it; contradicted: it says the "
        "opposite."
    )
    score: float = Field(
        ge=0.0, le=1.0, description="Support score: the probability that the claim is supported."
    )
    best_sentence: str = Field(
        description="The passage sentence that best supports the claim ('' for an empty passage)."
    )
    best_start: int = Field(
        ge=0, description="Offset of best_sentence's first character in the passage."
    )
    best_end: int = Field(
        ge=0,
        description="Offset just past best_sentence's last character "
        "(passage[best_start:best_end] == best_sentence).",
    )
    quote: QuoteMatch | None = Field(
        None, description="Set when the claim was found word for word in the passage."
    )
    quote_start: int | None = Field(
        None, ge=0, description="Offset of the located quote's first character in the passage."
    )
    quote_end: int | None = Field(
        None, ge=0, description="Offset just past the located quote's last character."
    )
    note: str | None = Field(
        None,
        description="Set when the judgement is not wholly the named judge's own, e.g. an LLM "
        "judge's fallback to the default judge.",
    )


class Source(_Model):
    """One document of the library: a URL or a file, successfully ingested or not."""

    number: int | None = Field(
        None, description="Library number, 1, 2, 3... in order of first ingest; never changes."
    )
    source_id: str = Field(description="Stable id: hash of the normalised URL or absolute path.")
    location: str = Field(description="The normalised URL or absolute path the user gave.")
    url: str | None = Field(None, description="Final URL after redirects, for web sources.")
    path: str | None = Field(None, description="Absolute file path, for local sources.")
    kind: SourceKind | None = Field(None, description="Detected kind; None if never fetched.")
    title: str | None = Field(None, description="Title from metadata, first heading or name.")
    author: str | None = Field(None, description="Author or organisation, when known.")
    date: str | None = Field(None, description="Publication date (ISO 8601), when known.")
    content_hash: str | None = Field(None, description="SHA-256 of the extracted text.")
    status: SourceStatus = Field(description="ok, failed or skipped.")
    reason: str | None = Field(None, description="Why it failed or was skipped, for a person.")
    fetched_at: datetime = Field(description="When the source was last fetched or read (UTC).")
    chunk_count: int = Field(0, ge=0, description="Chunks stored for this source.")


class PageSpan(_Model):
    """Where one PDF page's text sits inside the extracted text."""

    page: int = Field(ge=1, description="1-based page number.")
    start: int = Field(ge=0, description="Offset of the page's first character.")
    end: int = Field(ge=0, description="Offset one past the page's last character.")


class ExtractedDocument(_Model):
    """Plain text pulled out of a source, with the metadata the extractor found."""

    kind: SourceKind = Field(description="The kind the text was extracted as.")
    text: str = Field(description="The extracted text; chunk offsets point into it.")
    title: str | None = Field(None, description="Document title, if found.")
    author: str | None = Field(None, description="Author or organisation, if found.")
    date: str | None = Field(None, description="Publication date (ISO 8601), if found.")
    url: str | None = Field(None, description="Canonical URL declared by the page, if any.")
    pages: list[PageSpan] = Field(default_factory=list, description="PDF page spans, in order.")

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


class Chunk(_Model):
    """A passage of one source; citations point at chunks, never at free text."""

    chunk_id: str = Field(description="'{source_id}:{content_hash[:12]}:{index}'.")
    source_id: str = Field(description="The source this passage belongs to.")
    index: int = Field(ge=0, description="Position of the chunk within its source.")
    text: str = Field(description="The passage, exactly text[start:end] of the extracted text.")
    start: int = Field(ge=0, description="Offset of the first character in the extracted text.")
    end: int = Field(ge=0, description="Offset one past the last character.")
    page: int | None = Field(None, description="PDF page where the passage starts.")
    page_end: int | None = Field(None, description="PDF page where the passage ends.")
    section: str | None = Field(None, description="Nearest heading above the passage, if any.")


def make_chunk_id(source_id: str, content_hash: str, index: int) -> str:
    """The design's chunk id: stable for unchanged content, new when the content changes."""
    return f"{source_id}:{content_hash[:12]}:{index}"

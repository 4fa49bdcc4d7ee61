"""The retrieval stage's data: passages found for a query."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Passage(BaseModel):
    """One retrieved chunk, labelled with its source's library number."""

    model_config = ConfigDict(extra="forbid")

    source: int = Field(description="Library number of the source.")
    chunk_id: str = Field(description="Stable key of the chunk; citations point at it.")
    title: str | None = Field(None, description="Title of the source.")
    url: str | None = Field(None, description="URL of a web source.")
    path: str | None = Field(None, description="File path of a local source.")
    date: str | None = Field(None, description="Publication date of the source, if known.")
    text: str = Field(description="The passage text, exactly as stored.")
    start: int = Field(description="Offset of the passage in the source's extracted text.")
    end: int = Field(description="Offset one past the passage's end.")
    page: int | None = Field(None, description="PDF page where the passage starts.")
    score: float = Field(description="Final ranking score (higher is better).")
    scores: dict[str, float] = Field(
        default_factory=dict, description="Component scores, e.g. dense cosine."
    )


class SearchFilters(BaseModel):
    """Restrict a search to part of the library; every field left empty matches all."""

    model_config = ConfigDict(extra="forbid")

    sources: list[int] | None = Field(None, description="Only these library numbers.")
    kinds: list[str] | None = Field(None, description="Only these kinds: html, pdf, text...")
    date_from: str | None = Field(None, description="Published on or after (YYYY-MM-DD).")
    date_to: str | None = Field(None, description="Published on or before (YYYY-MM-DD).")
    domains: list[str] | None = Field(None, description="Only web sources from these hosts.")

    @property
    def empty(self) -> bool:
        return not any(value for value in self.model_dump().values())


class Advisor(BaseModel):
    """A panel member as retrieval sees them: whose brief it is and what they look for."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Display name, e.g. 'The Auditor'.")
    role: str = Field(description="One line: what they do on the panel.")
    lens: str = Field(description="A few sentences of what they care about and look for.")
    background: str = Field("", description="Where their experience comes from.")
    beliefs: str = Field("", description="What they tend to believe before the evidence.")


class Evidence(BaseModel):
    """A chunk retrieved for an advisor: what they are shown and may cite."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="Stable key: the chunk id. Citations use it.")
    source: int = Field(description="Library number of the source (shown to the advisor).")
    title: str | None = Field(None, description="Title of the source.")
    url: str | None = Field(None, description="URL of a web source.")
    path: str | None = Field(None, description="File path of a local source.")
    date: str | None = Field(None, description="Publication date of the source, if known.")
    text: str = Field(description="Passage text with citation-like markers stripped.")
    start: int = Field(description="Offset of the passage in the source's extracted text.")
    end: int = Field(description="Offset one past the passage's end.")
    page: int | None = Field(None, description="PDF page where the passage starts.")
    score: float = Field(description="Fused score within the brief (higher is better).")
    scores: dict[str, float] = Field(default_factory=dict, description="Component scores.")
    query: str = Field(description="The query that found it (its best-ranked query).")
    relevance: float | None = Field(
        None,
        description="The reader model's calibrated probability that the passage bears on the "
        "question (None when the model file is missing and nothing was gated).",
    )


class Brief(BaseModel):
    """What one advisor is shown for one question."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The decision question.")
    advisor: Advisor = Field(description="Whose brief this is.")
    queries: list[str] = Field(description="The queries that were run, question first.")
    evidence: list[Evidence] = Field(description="Retrieved passages, best first.")
    held_back: int = Field(
        0, description="Candidates the reader model judged not to bear on the question."
    )
    relevance_method: str | None = Field(
        None, description="How relevance was gated (None: not gated, no reader model)."
    )
    topical: float | None = Field(
        None,
        description="How closely the library's nearest passages match the question itself: "
        "the mean cosine of its 5 best dense hits (None when the search returned none).",
    )

    def chunk_ids(self) -> set[str]:
        return {item.key for item in self.evidence}

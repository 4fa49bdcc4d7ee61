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
    text: str = Field(description="The passage text, exactly as stored.")
    start: int = Field(description="Offset of the passage in the source's extracted text.")
    end: int = Field(description="Offset one past the passage's end.")
    page: int | None = Field(None, description="PDF page where the passage starts.")
    score: float = Field(description="Final ranking score (higher is better).")
    scores: dict[str, float] = Field(
        default_factory=dict, description="Component scores, e.g. dense cosine."
    )

"""Request and response bodies of the JSON API (the OpenAPI schema is built from them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest.types import PageSpan, Source
from web.runs import RUN_NAME

MAX_QUESTION = 2000
MAX_ROUNDS = 10


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddUrls(_Body):
    """Sources to fetch; only http(s) URLs (files come in as uploads, never as paths on
    the server's disk)."""

    urls: list[str] = Field(min_length=1, max_length=200, description="http(s) URLs.")
    title: str | None = Field(None, max_length=500, description="Title (one URL only).")
    author: str | None = Field(None, max_length=500, description="Author (one URL only).")
    date: str | None = Field(None, max_length=40, description="ISO date (one URL only).")


class ChunkSpan(_Body):
    """Where one chunk sits in its source's extracted text (its text is text[start:end])."""

    chunk_id: str = Field(description="Stable key; citations point at it.")
    index: int = Field(description="Position within the source.")
    start: int = Field(description="Offset of the first character.")
    end: int = Field(description="Offset one past the last character.")
    page: int | None = Field(None, description="PDF page where it starts.")
    section: str | None = Field(None, description="Nearest heading above it.")


class SourceDetail(_Body):
    """A source with its extracted text and chunk boundaries."""

    source: Source
    text: str = Field(description="The extracted text (the text of record).")
    pages: list[PageSpan] = Field(description="PDF page spans.")
    chunks: list[ChunkSpan] = Field(description="Chunk boundaries, in order.")


class SourceList(_Body):
    sources: list[Source]
    busy: bool = Field(description="A job is writing or waiting to write the library.")


class StartDebate(_Body):
    """A debate to run in the background with the server's engine (see /api/health)."""

    question: str = Field(min_length=3, max_length=MAX_QUESTION, description="The question.")
    rounds: int = Field(5, ge=1, le=MAX_ROUNDS, description="Number of rounds.")
    name: str | None = Field(
        None,
        pattern=f"^{RUN_NAME.pattern}$",
        description="Run folder name (default: time stamp and the question's first words).",
    )


class Token(_Body):
    token: str = Field(min_length=1, max_length=500, description="The server's token.")


class Health(_Body):
    status: Literal["ok"] = "ok"
    library: str = Field(description="The library folder.")
    auth: bool = Field(description="Whether API calls need the token.")
    engine: str = Field(
        description="What writes debates here: 'extractive', or 'llm SPEC' (agora serve "
        "--llm SPEC; then the model also writes the report's model sections, translates "
        "its prose, and judges audits)."
    )

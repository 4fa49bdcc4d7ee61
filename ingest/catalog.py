"""The catalog contract: what the library and retrieval ask of a catalog.

A catalog holds every source with its stable number, status and reason, plus the
extracted text and chunk boundaries (the text of record; the vector store holds the
vectors). Two implement it: `SqliteCatalog` (ingest/sqlite_catalog.py), a file in the
library folder, and `ChromaCatalog` (ingest/chroma_catalog.py), records on a shared
Chroma server. Both subclass this protocol, so mypy checks each against it.

Writes come in group-sized calls (`get_many`, `find_by_contents`, `record_failures`,
`save_many`, `touch_many`): on a server each call is a round trip, and the ingest pipeline
makes a few per group of sources rather than a dozen per source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from ingest.types import Chunk, PageSpan, Source, SourceStatus


class Catalog(Protocol):
    """Sources, their text and chunks, numbered; numbers are never reused."""

    def close(self) -> None: ...

    # -- metadata -----------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def chunks_version(self) -> str:
        """Changes with every write that changes chunks; indexes built from the chunks
        (BM25) compare it to know whether they are stale."""
        ...

    # -- reading ------------------------------------------------------------------------

    def sources(self, status: SourceStatus | None = None) -> list[Source]:
        """Every source (or those with `status`), by number."""
        ...

    def get(self, number: int) -> Source | None: ...

    def get_by_id(self, source_id: str) -> Source | None: ...

    def get_many(self, source_ids: Sequence[str]) -> dict[str, Source]:
        """The recorded sources among these ids, by id (absent ids are left out)."""
        ...

    def find_by_content(self, content_hash: str) -> Source | None:
        """The lowest-numbered ok source whose extracted text is exactly this."""
        ...

    def find_by_contents(self, content_hashes: Iterable[str]) -> dict[str, Source]:
        """`find_by_content` for many hashes: hash -> source (hashes no ok source has are
        left out)."""
        ...

    def text(self, source_id: str) -> tuple[str, list[PageSpan]] | None:
        """An ok source's extracted text and page spans."""
        ...

    def chunks(self, source_id: str) -> list[Chunk]:
        """A source's chunks, in order."""
        ...

    def chunk_ids_by_source(self, source_ids: Sequence[str]) -> dict[str, set[str]]:
        """The ids of each source's chunks (an empty set for a source without any)."""
        ...

    def chunks_by_id(self, chunk_ids: list[str]) -> dict[str, Chunk]: ...

    def chunk_ids(self) -> set[str]:
        """The chunks the catalog vouches for: those of ok sources."""
        ...

    # -- writing ------------------------------------------------------------------------

    def record_failure(self, source: Source) -> Source:
        """Record a failed or skipped source (numbered like any other), dropping any
        chunks it had; the stored source comes back."""
        ...

    def record_failures(self, sources: Sequence[Source]) -> list[Source]:
        """`record_failure` for each, in order (new ones are numbered in this order)."""
        ...

    def save_ok(
        self, source: Source, text: str, pages: list[PageSpan], chunks: list[Chunk]
    ) -> Source:
        """Store a successfully ingested source with its text and chunks."""
        ...

    def save_many(
        self, entries: Sequence[tuple[Source, str, list[PageSpan], list[Chunk]]]
    ) -> list[Source]:
        """`save_ok` for each (source, text, pages, chunks), in order."""
        ...

    def touch_many(self, source_ids: Sequence[str], fetched_at: datetime) -> None:
        """Note that unchanged sources were checked again."""
        ...

    def remove(self, source_id: str) -> None:
        """Delete a source and its chunks (its number stays taken)."""
        ...

"""`agora library check`: verify that the catalog and Chroma agree, and repair them.

An interrupted ingest (a crash, kill -9, a full disk) can leave at most these traces, given
the write order described in `ingest.commit`:

- vectors in Chroma that no catalog chunk owns (written before the catalog commit):
  repaired by deleting them;
- catalog chunks of an ok source whose vectors are missing (a failed write, a Chroma
  folder restored from an older backup): repaired by embedding them again from the text
  of record in the catalog;
- sources still marked as interrupted: reported, to be added again (their bytes are gone).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ingest.commit import INTERRUPTED
from ingest.embedding import embedding_text
from ingest.library import Library
from ingest.types import SourceStatus


class CheckReport(BaseModel):
    """What `check` found, and what it repaired."""

    model_config = ConfigDict(extra="forbid")

    sources: int = Field(description="Sources in the catalog.")
    chunks: int = Field(description="Chunks in the catalog.")
    vectors: int = Field(description="Vectors in Chroma (after any repair).")
    orphan_vectors: list[str] = Field(description="Vectors no catalog chunk owns.")
    missing_vectors: list[str] = Field(description="Catalog chunks without a vector.")
    interrupted: list[int] = Field(description="Sources an interrupted ingest left behind.")
    repaired: bool = Field(description="Whether the problems above were repaired.")

    @property
    def consistent(self) -> bool:
        return not (self.orphan_vectors or self.missing_vectors)


def check_library(library: Library, repair: bool = False) -> CheckReport:
    """Compare the catalog's chunks with Chroma's vectors; with `repair`, make them agree."""
    with library.writing():
        catalog_ids = library.chunk_ids()
        vector_ids = library.store.ids()
        orphans = sorted(vector_ids - catalog_ids)
        missing = sorted(catalog_ids - vector_ids)
        sources = library.sources()
        interrupted = [
            s.number or 0
            for s in sources
            if s.status == SourceStatus.FAILED and s.reason == INTERRUPTED
        ]
        if repair:
            library.store.delete_chunks(orphans)
            _restore_vectors(library, set(missing))
        return CheckReport(
            sources=len(sources),
            chunks=len(catalog_ids),
            vectors=library.store.count(),
            orphan_vectors=orphans,
            missing_vectors=missing,
            interrupted=interrupted,
            repaired=repair,
        )


def _restore_vectors(library: Library, missing: set[str]) -> None:
    if not missing:
        return
    by_id = {s.source_id: s for s in library.sources(SourceStatus.OK)}
    chunks = library.chunks_by_id(sorted(missing))
    entries = [
        (chunk, by_id[chunk.source_id]) for chunk in chunks.values() if chunk.source_id in by_id
    ]
    texts = [embedding_text(source.title, chunk) for chunk, source in entries]
    library.store.add(entries, library.embedder.embed(texts))

"""Search a library: the query is embedded with the library's own model and matched
against the chunk vectors in Chroma."""

from __future__ import annotations

from ingest.library import Library
from ingest.types import SourceStatus
from retrieval.types import Passage


def search(library: Library, query: str, k: int = 8) -> list[Passage]:
    """The k passages closest to `query`, best first."""
    if not query.strip():
        raise ValueError("the search query is empty")
    vector = library.embedder.embed([query])[0]
    hits = library.store.query(vector, k)
    chunks = library.catalog.chunks_by_id([hit.chunk_id for hit in hits])
    sources = {s.source_id: s for s in library.sources(SourceStatus.OK)}
    passages = []
    for hit in hits:
        chunk = chunks.get(hit.chunk_id)
        source = sources.get(chunk.source_id) if chunk else None
        if chunk is None or source is None or source.number is None:
            continue  # a vector whose source is gone (an interrupted remove); never shown
        passages.append(
            Passage(
                source=source.number,
                chunk_id=chunk.chunk_id,
                title=source.title,
                url=source.url,
                path=source.path,
                text=chunk.text,
                start=chunk.start,
                end=chunk.end,
                page=chunk.page,
                score=hit.score,
                scores={"dense": hit.score},
            )
        )
    return passages

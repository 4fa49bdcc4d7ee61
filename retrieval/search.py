"""Search a library: the query is embedded with the library's own model and matched
against the chunk vectors in Chroma, optionally restricted by metadata filters."""

from __future__ import annotations

from typing import Any

from ingest.library import Library
from ingest.store import date_key
from ingest.types import SourceStatus
from retrieval.types import Passage, SearchFilters


def chroma_where(filters: SearchFilters | None) -> dict[str, Any] | None:
    """Filters as a Chroma `where` clause over the metadata stored with each vector."""
    if filters is None or filters.empty:
        return None
    conditions: list[dict[str, Any]] = []
    if filters.sources:
        conditions.append({"number": {"$in": list(filters.sources)}})
    if filters.kinds:
        conditions.append({"kind": {"$in": [kind.lower() for kind in filters.kinds]}})
    if filters.domains:
        conditions.append({"domain": {"$in": [domain.lower() for domain in filters.domains]}})
    if filters.date_from:
        conditions.append({"date": {"$gte": date_key(filters.date_from)}})
    if filters.date_to:
        conditions.append({"date": {"$lte": date_key(filters.date_to, end=True)}})
    conditions.extend([{"date": {"$gt": 0}}] if filters.date_from or filters.date_to else [])
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def search(
    library: Library, query: str, k: int = 8, filters: SearchFilters | None = None
) -> list[Passage]:
    """The k passages closest to `query`, best first."""
    if not query.strip():
        raise ValueError("the search query is empty")
    vector = library.embedder.embed([query])[0]
    hits = library.store.query(vector, k, where=chroma_where(filters))
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
                date=source.date,
                text=chunk.text,
                start=chunk.start,
                end=chunk.end,
                page=chunk.page,
                score=hit.score,
                scores={"dense": hit.score},
            )
        )
    return passages

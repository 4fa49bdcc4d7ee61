"""`search()`: hybrid retrieval over a library, and the metadata filters it understands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from ingest.library import Library
from ingest.store import date_key
from retrieval.types import Passage, SearchFilters

if TYPE_CHECKING:
    from retrieval.hybrid import Retriever

# One retriever per open library, so repeated searches share the loaded BM25 index.
_RETRIEVERS: WeakKeyDictionary[Library, Retriever] = WeakKeyDictionary()


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
    if filters.date_from or filters.date_to:
        conditions.append({"date": {"$gt": 0}})  # an undated source matches no date range
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def search(
    library: Library, query: str, k: int = 8, filters: SearchFilters | None = None
) -> list[Passage]:
    """The k best passages for `query` (dense + BM25, fused), best first."""
    from retrieval.hybrid import Retriever

    retriever = _RETRIEVERS.get(library)
    if retriever is None:
        retriever = _RETRIEVERS[library] = Retriever(library)
    return retriever.search(query, k=k, filters=filters)

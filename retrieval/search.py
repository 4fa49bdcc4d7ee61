"""`search()`: hybrid retrieval over a library, with one retriever kept per open library."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from ingest.library import Library
from retrieval.hybrid import Retriever
from retrieval.types import Passage, SearchFilters

# One retriever per open library, so repeated searches share the loaded BM25 index.
_RETRIEVERS: WeakKeyDictionary[Library, Retriever] = WeakKeyDictionary()


def search(
    library: Library, query: str, k: int = 8, filters: SearchFilters | None = None
) -> list[Passage]:
    """The k best passages for `query` (dense + BM25, fused), best first."""
    retriever = _RETRIEVERS.get(library)
    if retriever is None:
        retriever = _RETRIEVERS[library] = Retriever(library)
    return retriever.search(query, k=k, filters=filters)

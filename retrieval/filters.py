"""Search filters as a Chroma `where` clause over the metadata stored with each vector."""

from __future__ import annotations

from typing import Any

from ingest.store import date_key
from retrieval.types import SearchFilters


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

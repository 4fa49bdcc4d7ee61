"""The last steps of ingest for one group of sources: triage against the catalog, then
store in a crash-safe order.

The write order keeps the catalog honest: a new source is first recorded as failed
("interrupted"), then its vectors go to the vector store, then the catalog marks it ok
together with its chunks (one transaction per source in SQLite), and only then are the
vectors of a replaced version deleted. A crash at any point therefore never leaves a
source marked ok without its chunks; `agora library check` clears what it leaves.

Each step is taken for the whole group at once (one read of its sources, one write of its
reservations, one of its ok records), so a catalog on a Chroma server costs a few HTTP
requests per group rather than about a dozen per source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from ingest.catalog import Catalog
from ingest.requests import SourceRequest
from ingest.results import IngestResult, IngestSummary, Outcome
from ingest.store import VectorStore
from ingest.types import Chunk, ExtractedDocument, Source, SourceStatus

INTERRUPTED = "ingest was interrupted before its chunks were stored; add it again"


@dataclass
class PendingSource:
    """One source on its way through the pipeline."""

    request: SourceRequest
    location: str
    source_id: str
    path: Path | None = None
    error: str | None = None
    url: str | None = None
    document: ExtractedDocument | None = None
    chunks: list[Chunk] = field(default_factory=list)

    def record(self, now: datetime, status: SourceStatus, reason: str | None) -> Source:
        """The catalog record of this source (numbered when stored)."""
        document = self.document
        return Source(
            source_id=self.source_id,
            location=self.location,
            url=self.url if self.path is None else None,
            path=str(self.path) if self.path is not None else None,
            kind=document.kind if document else None,
            title=(document.title if document else None) or self.request.title,
            author=(document.author if document else None) or self.request.author,
            date=(document.date if document else None) or self.request.date,
            content_hash=document.content_hash if document else None,
            status=status,
            reason=reason,
            fetched_at=now,
            chunk_count=0,
        )


def triage_group(
    catalog: Catalog, group: list[PendingSource], summary: IngestSummary, now: datetime
) -> list[PendingSource]:
    """Triage a group with one catalog read for the sources and one for their twins,
    then one write for the failures and one for the unchanged; the items to embed."""
    existing = catalog.get_many([item.source_id for item in group])
    twins = catalog.find_by_contents(
        item.document.content_hash
        for item in group
        if item.error is None and item.document is not None
    )
    triage = _Triage(catalog, twins)
    to_embed: list[PendingSource] = []
    for item in group:
        result = _triage(item, existing.get(item.source_id), now, triage)
        if result is None:
            to_embed.append(item)
        else:
            triage.results.append(result)
    triage.flush()
    if triage.unchanged:
        catalog.touch_many(triage.unchanged, now)
    summary.results += triage.results
    return to_embed


def _triage(
    item: PendingSource, existing: Source | None, now: datetime, triage: _Triage
) -> IngestResult | None:
    """Decide what happens to an item before embedding; None means: embed and store.
    Catalog writes wait in `triage` to be done for the whole group at once."""
    if item.error is not None or item.document is None:
        reason = item.error or "nothing could be extracted"
        if existing is not None and existing.status == SourceStatus.OK:
            kept = f"{reason} (kept the version fetched {existing.fetched_at:%Y-%m-%d})"
            return IngestResult(source=existing, outcome=Outcome.FAILED, reason=kept)
        failed = item.record(now, SourceStatus.FAILED, reason)
        return triage.record(failed, Outcome.FAILED, reason, existing)
    document = item.document
    if (
        existing is not None
        and existing.status == SourceStatus.OK
        and existing.content_hash == document.content_hash
        and (existing.title, existing.author, existing.date)
        == (document.title, document.author, document.date)
    ):
        triage.unchanged.append(item.source_id)
        return IngestResult(source=existing, outcome=Outcome.UNCHANGED)
    twin = triage.twin(document.content_hash)
    if twin is not None and twin.source_id != item.source_id:
        reason = f"same text as source {twin.number} ({twin.title or twin.location})"
        skipped = item.record(now, SourceStatus.SKIPPED, reason)
        return triage.record(skipped, Outcome.SKIPPED, reason, existing)
    return None


class _Triage:
    """A group's triage: the ok sources with each text as the group began, and the
    failures and unchanged sources to record once the whole group has been looked at."""

    def __init__(self, catalog: Catalog, twins: Mapping[str, Source]):
        self.catalog = catalog
        self.twins: dict[str, Source | None] = dict(twins)
        self.results: list[IngestResult] = []
        self.unchanged: list[str] = []
        self.failures: list[IngestResult] = []  # failed or skipped, not yet recorded
        self.demoted: set[str] = set()  # ok sources this group records as failed or skipped

    def record(
        self, source: Source, outcome: Outcome, reason: str, existing: Source | None
    ) -> IngestResult:
        """A failed or skipped source, recorded by `flush` (numbered in this order)."""
        if existing is not None and existing.status == SourceStatus.OK:
            self.demoted.add(source.source_id)
        result = IngestResult(source=source, outcome=outcome, reason=reason)
        self.failures.append(result)
        return result

    def twin(self, content_hash: str) -> Source | None:
        """The lowest-numbered ok source with this text, as if every failure so far were
        already recorded: a twin this group has marked failed or skipped is no longer ok,
        so (rarely) the failures are recorded and the catalog asked again."""
        twin = self.twins.get(content_hash)
        if twin is not None and twin.source_id in self.demoted:
            self.flush()
            twin = self.twins[content_hash] = self.catalog.find_by_content(content_hash)
        return twin

    def flush(self) -> None:
        """Record the waiting failures, in order; their results get the stored sources."""
        stored = self.catalog.record_failures([result.source for result in self.failures])
        for result, source in zip(self.failures, stored, strict=True):
            result.source = source
        self.failures = []


def commit(
    catalog: Catalog,
    store: VectorStore,
    items: list[PendingSource],
    vectors: np.ndarray,
    now: datetime,
) -> list[IngestResult]:
    """Store embedded items in the crash-safe order of the module docstring, each step
    done for the whole group at once: reserve numbers (new sources recorded as
    interrupted), add every vector, mark every source ok with its chunks, then delete
    the vectors of replaced versions. The store gets one add for the whole group (each has
    a fixed cost of tens of milliseconds), and a server catalog a few requests."""
    if not items:
        return []
    existing = catalog.get_many([item.source_id for item in items])
    updating = {
        source_id for source_id, source in existing.items() if source.status == SourceStatus.OK
    }
    # Reserve the numbers first, recorded as failed until their chunks are stored.
    reserved = catalog.record_failures(
        [
            item.record(now, SourceStatus.FAILED, INTERRUPTED)
            for item in items
            if item.source_id not in updating
        ]
    )
    existing.update((source.source_id, source) for source in reserved)
    # A source that was not ok has no chunks (recording a failure drops them).
    old_ids = catalog.chunk_ids_by_source(
        [item.source_id for item in items if item.source_id in updating]
    )
    plans = []
    for item in items:
        source = item.record(now, SourceStatus.OK, None).model_copy(
            update={"number": existing[item.source_id].number, "chunk_count": len(item.chunks)}
        )
        plans.append((item, source, old_ids.get(item.source_id, set())))

    new_ids = {chunk.chunk_id for item in items for chunk in item.chunks}
    reused = set().union(*(old for *_, old in plans)) & new_ids
    store.delete_chunks(reused)  # same text, new metadata: replace those vectors
    store.add([(chunk, source) for item, source, _ in plans for chunk in item.chunks], vectors)

    entries = []
    for item, source, _ in plans:
        assert item.document is not None
        entries.append((source, item.document.text, item.document.pages, item.chunks))
    stored = catalog.save_many(entries)
    replaced: set[str] = set()
    for item, _, old in plans:
        replaced |= old - {chunk.chunk_id for chunk in item.chunks}
    store.delete_chunks(replaced)
    return [
        IngestResult(
            source=source,
            outcome=Outcome.UPDATED if source.source_id in updating else Outcome.ADDED,
        )
        for source in stored
    ]

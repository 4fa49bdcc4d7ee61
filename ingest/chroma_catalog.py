"""The catalog kept inside Chroma, for libraries on a shared Chroma server.

With `--chroma-url`, many Agora clients on many machines share one library. A SQLite file
cannot follow them (SQLite on a network filesystem corrupts under concurrent writers), so
in server mode the catalog moves into the server, next to the vectors, and the server is
the only thing a team runs. One companion collection, ``<library>-catalog``, holds three
kinds of records (each with a dummy one-dimensional vector, which Chroma requires):

- ``source:<source_id>``: the source's fields as metadata, its extracted text as the
  document, and the ids of its chunks (the chunks themselves are the vector collection's
  records, whose metadata carries their offsets, page and section);
- ``number:<n>``: who owns library number n. Numbers are claimed with Chroma's
  first-writer-wins ``add`` (per record, also within one batch: an id that exists is left
  as it is): a client adds ``number:n`` for its source and reads it back; if another
  client got there first it tries a higher number. A group of sources claims a run of
  numbers in one add and one get, and only the sources whose claims lost try again. So
  concurrent clients never share a number and a number is never reused (removing a source
  keeps its claim);
- ``meta:<key>``: library settings, and ``chunks_version``, a token rewritten on every
  change to the chunks so that local BM25 indexes know when to catch up.

Chroma has no multi-record transactions; the write order of `ingest.commit` (vectors,
then the source record) keeps the same guarantee as in SQLite: a source is never marked ok
without its chunks, and `agora library check` removes vectors an interrupted write left.

Every request is a round trip to the server, so the pipeline reads and writes a whole group
of sources at once (`get_many`, `find_by_contents`, `record_failures`, `save_many`,
`touch_many`): a few requests per group rather than about a dozen per source.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from ingest.catalog import Catalog
from ingest.types import Chunk, PageSpan, Source, SourceKind, SourceStatus

_DUMMY = [0.0]
_PAGE = 5000  # records per Chroma get(), to bound the size of one response
_BATCH = 500  # records per write, or ids in one $in filter, to bound one request
_SOURCE_FIELDS = (
    "source_id", "location", "url", "path", "kind", "title", "author", "date",
    "content_hash", "status", "reason", "fetched_at",
)  # fmt: skip


def _source_metadata(source: Source, number: int, chunk_ids: list[str], pages: str) -> dict:
    fields = source.model_dump(mode="json", include=set(_SOURCE_FIELDS))
    # Every key is always written ("" for None): Chroma merges metadata on upsert, so a
    # key left out would keep its old value (a stale failure reason on an ok source).
    record = {key: ("" if value is None else value) for key, value in fields.items()}
    record.update(
        type="source",
        number=number,
        chunk_count=source.chunk_count,
        chunk_ids=json.dumps(chunk_ids),
        pages=pages,
    )
    return record


def _source_from_metadata(meta: dict[str, Any]) -> Source:
    values = {key: (meta.get(key) or None) for key in _SOURCE_FIELDS}
    return Source(
        number=int(meta["number"]),
        source_id=str(values["source_id"]),
        location=str(values["location"]),
        url=values["url"],
        path=values["path"],
        kind=SourceKind(values["kind"]) if values["kind"] else None,
        title=values["title"],
        author=values["author"],
        date=values["date"],
        content_hash=values["content_hash"],
        status=SourceStatus(str(values["status"])),
        reason=values["reason"],
        fetched_at=datetime.fromisoformat(str(values["fetched_at"])),
        chunk_count=int(meta.get("chunk_count") or 0),
    )


def _chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        source_id=str(meta["source_id"]),
        index=int(meta["index"]),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        page=int(meta["page"]) or None,
        page_end=int(meta.get("page_end") or 0) or None,
        section=meta.get("section") or None,
    )


class ChromaCatalog(Catalog):
    """The `Catalog` interface over Chroma collections (see the module docstring)."""

    def __init__(self, client: Any, library_name: str, vectors: Any):
        self.client = client
        self.name = f"{library_name}-catalog"
        self.records = client.get_or_create_collection(self.name, embedding_function=None)
        self.vectors = vectors  # the library's vector collection: chunks live there
        self._next_number: int | None = None  # where this client's next claim starts

    def close(self) -> None:
        """Nothing to close: the HTTP client holds no per-library state."""

    # -- metadata -----------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        found = self.records.get(ids=[f"meta:{key}"], include=["metadatas"])
        return str(found["metadatas"][0]["value"]) if found["ids"] else None

    def set_meta(self, key: str, value: str) -> None:
        self.records.upsert(
            ids=[f"meta:{key}"],
            metadatas=[{"type": "meta", "value": value}],
            embeddings=[_DUMMY],
        )

    def chunks_version(self) -> str:
        return self.get_meta("chunks_version") or "0"

    def _bump_chunks_version(self) -> None:
        self.set_meta("chunks_version", uuid.uuid4().hex)

    # -- reading ------------------------------------------------------------------------

    def _source_records(self, where: dict[str, Any]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = self.records.get(where=where, include=["metadatas"], limit=_PAGE, offset=offset)
            yield from page["metadatas"]
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def sources(self, status: SourceStatus | None = None) -> list[Source]:
        where: dict[str, Any] = {"type": "source"}
        if status is not None:
            where = {"$and": [where, {"status": status.value}]}
        found = [_source_from_metadata(meta) for meta in self._source_records(where)]
        return sorted(found, key=lambda source: source.number or 0)

    def get(self, number: int) -> Source | None:
        found = self.records.get(
            where={"$and": [{"type": "source"}, {"number": number}]}, include=["metadatas"]
        )
        return _source_from_metadata(found["metadatas"][0]) if found["ids"] else None

    def get_by_id(self, source_id: str) -> Source | None:
        return self.get_many([source_id]).get(source_id)

    def _source_metadatas(self, source_ids: Sequence[str]) -> Iterator[dict[str, Any]]:
        """The stored metadata of these sources (absent ones left out), in few requests."""
        keys = [f"source:{source_id}" for source_id in dict.fromkeys(source_ids)]
        for offset in range(0, len(keys), _PAGE):
            found = self.records.get(ids=keys[offset : offset + _PAGE], include=["metadatas"])
            yield from found["metadatas"]

    def get_many(self, source_ids: Sequence[str]) -> dict[str, Source]:
        """The recorded sources among these ids, by id, in one request per 5,000."""
        found = (_source_from_metadata(meta) for meta in self._source_metadatas(source_ids))
        return {source.source_id: source for source in found}

    def find_by_content(self, content_hash: str) -> Source | None:
        return self.find_by_contents([content_hash]).get(content_hash)

    def find_by_contents(self, content_hashes: Iterable[str]) -> dict[str, Source]:
        """For each hash an ok source has: the lowest-numbered such source."""
        hashes = sorted(set(content_hashes))
        found: dict[str, Source] = {}
        for offset in range(0, len(hashes), _BATCH):
            wanted = {"content_hash": {"$in": hashes[offset : offset + _BATCH]}}
            where = {"$and": [{"type": "source"}, {"status": "ok"}, wanted]}
            for meta in self._source_records(where):
                source = _source_from_metadata(meta)
                assert source.content_hash is not None  # it was matched on it
                known = found.get(source.content_hash)
                if known is None or (source.number or 0) < (known.number or 0):
                    found[source.content_hash] = source
        return found

    def text(self, source_id: str) -> tuple[str, list[PageSpan]] | None:
        found = self.records.get(ids=[f"source:{source_id}"], include=["metadatas", "documents"])
        if not found["ids"] or found["metadatas"][0]["status"] != "ok":
            return None
        pages = [PageSpan(**page) for page in json.loads(found["metadatas"][0]["pages"] or "[]")]
        return found["documents"][0] or "", pages

    def chunk_ids_by_source(self, source_ids: Sequence[str]) -> dict[str, set[str]]:
        """The ids of each source's chunks (an empty set for a source without any)."""
        found: dict[str, set[str]] = {source_id: set() for source_id in source_ids}
        for meta in self._source_metadatas(source_ids):
            found[str(meta["source_id"])] = set(json.loads(meta["chunk_ids"] or "[]"))
        return found

    def chunks(self, source_id: str) -> list[Chunk]:
        ids = sorted(self.chunk_ids_by_source([source_id])[source_id])
        return sorted(self.chunks_by_id(ids).values(), key=lambda chunk: chunk.index)

    def chunks_by_id(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        found: dict[str, Chunk] = {}
        for offset in range(0, len(chunk_ids), _PAGE):
            batch = self.vectors.get(
                ids=chunk_ids[offset : offset + _PAGE], include=["documents", "metadatas"]
            )
            for chunk_id, text, meta in zip(
                batch["ids"], batch["documents"], batch["metadatas"], strict=True
            ):
                found[chunk_id] = _chunk_from_record(chunk_id, text or "", meta)
        return found

    def chunk_ids(self) -> set[str]:
        """The chunks the catalog vouches for: those of ok sources."""
        where = {"$and": [{"type": "source"}, {"status": "ok"}]}
        ids: set[str] = set()
        for meta in self._source_records(where):
            ids.update(json.loads(meta["chunk_ids"] or "[]"))
        return ids

    # -- writing ------------------------------------------------------------------------

    def _claim_numbers(self, source_ids: Sequence[str]) -> dict[str, int]:
        """The next free library numbers, one for each source, claimed first-writer-wins
        (module docstring): one add and one get per round; only lost claims go round again."""
        if not source_ids:
            return {}
        if self._next_number is None:
            # Counted once per client, not per source: listing every claim per new source
            # would make a large ingest quadratic. Another client's claims are skipped over
            # by the retries below.
            claimed = self.records.get(where={"type": "number"}, include=[])["ids"]
            self._next_number = len(claimed) + 1
        won: dict[str, int] = {}
        pending = list(dict.fromkeys(source_ids))
        while pending:
            tried = pending[:_BATCH]
            numbers = range(self._next_number, self._next_number + len(tried))
            keys = [f"number:{number}" for number in numbers]
            self.records.add(
                ids=keys,
                metadatas=[{"type": "number", "source_id": source_id} for source_id in tried],
                embeddings=[_DUMMY] * len(keys),
            )
            found = self.records.get(ids=keys, include=["metadatas"])
            owners = {
                key: meta["source_id"]
                for key, meta in zip(found["ids"], found["metadatas"], strict=True)
            }
            # Every number tried is now taken (by us or by another client): never retry it.
            self._next_number += len(tried)
            lost = []
            for key, number, source_id in zip(keys, numbers, tried, strict=True):
                if owners.get(key) == source_id:
                    won[source_id] = number
                else:
                    lost.append(source_id)
            pending = lost + pending[len(tried) :]
        return won

    def _write_many(self, rows: Sequence[tuple[Source, str, str, list[str]]]) -> list[Source]:
        """Upsert source records (source, text, pages as JSON, chunk ids): a source keeps
        its number, a new one claims one; then one change of `chunks_version`."""
        if not rows:
            return []
        ids = [source.source_id for source, *_ in rows]
        numbers = {
            source_id: source.number
            for source_id, source in self.get_many(ids).items()
            if source.number
        }
        numbers.update(self._claim_numbers([i for i in ids if i not in numbers]))
        for offset in range(0, len(rows), _BATCH):
            part = rows[offset : offset + _BATCH]
            self.records.upsert(
                ids=[f"source:{source.source_id}" for source, *_ in part],
                metadatas=[
                    _source_metadata(source, numbers[source.source_id], chunk_ids, pages)
                    for source, _, pages, chunk_ids in part
                ],
                documents=[text for _, text, _, _ in part],
                embeddings=[_DUMMY] * len(part),
            )
        self._bump_chunks_version()
        return [
            source.model_copy(update={"number": numbers[source.source_id]}) for source, *_ in rows
        ]

    def record_failure(self, source: Source) -> Source:
        return self.record_failures([source])[0]

    def record_failures(self, sources: Sequence[Source]) -> list[Source]:
        """Record failed or skipped sources (numbered like any other), in few requests."""
        failed = [source.model_copy(update={"chunk_count": 0}) for source in sources]
        return self._write_many([(source, "", "[]", []) for source in failed])

    def save_ok(
        self, source: Source, text: str, pages: list[PageSpan], chunks: list[Chunk]
    ) -> Source:
        return self.save_many([(source, text, pages, chunks)])[0]

    def save_many(
        self, entries: Sequence[tuple[Source, str, list[PageSpan], list[Chunk]]]
    ) -> list[Source]:
        """Store successfully ingested sources (source, text, pages, chunks) in few requests."""
        return self._write_many(
            [
                (
                    source,
                    text,
                    json.dumps([page.model_dump() for page in pages]),
                    [chunk.chunk_id for chunk in chunks],
                )
                for source, text, pages, chunks in entries
            ]
        )

    def touch_many(self, source_ids: Sequence[str], fetched_at: datetime) -> None:
        ids = [f"source:{source_id}" for source_id in source_ids]
        for offset in range(0, len(ids), _BATCH):
            part = ids[offset : offset + _BATCH]
            self.records.update(
                ids=part, metadatas=[{"fetched_at": fetched_at.isoformat()}] * len(part)
            )

    def remove(self, source_id: str) -> None:
        self.records.delete(ids=[f"source:{source_id}"])
        self._bump_chunks_version()

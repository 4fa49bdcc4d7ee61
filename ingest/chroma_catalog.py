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
  first-writer-wins ``add``: a client adds ``number:n`` for its source and reads it back;
  if another client got there first it tries n+1. So concurrent clients never share a
  number and a number is never reused (removing a source keeps its claim);
- ``meta:<key>``: library settings, and ``chunks_version``, a token rewritten on every
  change to the chunks so that local BM25 indexes know when to catch up.

Chroma has no multi-record transactions; the write order of `ingest.library` (vectors,
then the source record) keeps the same guarantee as in SQLite: a source is never marked ok
without its chunks, and `agora library check` removes vectors an interrupted write left.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ingest.types import Chunk, PageSpan, Source, SourceKind, SourceStatus

_DUMMY = [0.0]
_PAGE = 5000  # records per Chroma get(), to bound the size of one response
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


class ChromaCatalog:
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
        found = self.records.get(ids=[f"source:{source_id}"], include=["metadatas"])
        return _source_from_metadata(found["metadatas"][0]) if found["ids"] else None

    def find_by_content(self, content_hash: str) -> Source | None:
        where = {"$and": [{"type": "source"}, {"status": "ok"}, {"content_hash": content_hash}]}
        found = [_source_from_metadata(meta) for meta in self._source_records(where)]
        return min(found, key=lambda source: source.number or 0) if found else None

    def text(self, source_id: str) -> tuple[str, list[PageSpan]] | None:
        found = self.records.get(ids=[f"source:{source_id}"], include=["metadatas", "documents"])
        if not found["ids"] or found["metadatas"][0]["status"] != "ok":
            return None
        pages = [PageSpan(**page) for page in json.loads(found["metadatas"][0]["pages"] or "[]")]
        return found["documents"][0] or "", pages

    def _chunk_ids_of(self, source_id: str) -> list[str]:
        found = self.records.get(ids=[f"source:{source_id}"], include=["metadatas"])
        if not found["ids"]:
            return []
        return list(json.loads(found["metadatas"][0]["chunk_ids"] or "[]"))

    def chunks(self, source_id: str) -> list[Chunk]:
        ids = self._chunk_ids_of(source_id)
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

    def iter_chunks(self) -> Iterator[Chunk]:
        ids = sorted(self.chunk_ids())
        yield from self.chunks_by_id(ids).values()

    def chunk_ids(self) -> set[str]:
        """The chunks the catalog vouches for: those of ok sources."""
        where = {"$and": [{"type": "source"}, {"status": "ok"}]}
        ids: set[str] = set()
        for meta in self._source_records(where):
            ids.update(json.loads(meta["chunk_ids"] or "[]"))
        return ids

    # -- writing ------------------------------------------------------------------------

    def _claim_number(self, source_id: str) -> int:
        """The next free library number, claimed first-writer-wins (module docstring)."""
        if self._next_number is None:
            # Counted once per client, not per source: listing every claim per new source
            # would make a large ingest quadratic. Another client's claims are skipped over
            # by the retry below.
            claimed = self.records.get(where={"type": "number"}, include=[])["ids"]
            self._next_number = len(claimed) + 1
        number = self._next_number
        while True:
            key = f"number:{number}"
            self.records.add(
                ids=[key],
                metadatas=[{"type": "number", "source_id": source_id}],
                embeddings=[_DUMMY],
            )
            owner = self.records.get(ids=[key], include=["metadatas"])["metadatas"][0]
            if owner["source_id"] == source_id:
                self._next_number = number + 1
                return number
            number += 1

    def _write(self, source: Source, text: str, pages: str, chunk_ids: list[str]) -> Source:
        existing = self.get_by_id(source.source_id)
        number = existing.number if existing and existing.number else None
        number = number or self._claim_number(source.source_id)
        self.records.upsert(
            ids=[f"source:{source.source_id}"],
            metadatas=[_source_metadata(source, number, chunk_ids, pages)],
            documents=[text],
            embeddings=[_DUMMY],
        )
        self._bump_chunks_version()
        return source.model_copy(update={"number": number})

    def record_failure(self, source: Source) -> Source:
        return self._write(source.model_copy(update={"chunk_count": 0}), "", "[]", [])

    def save_ok(
        self, source: Source, text: str, pages: list[PageSpan], chunks: list[Chunk]
    ) -> Source:
        pages_json = json.dumps([page.model_dump() for page in pages])
        return self._write(source, text, pages_json, [chunk.chunk_id for chunk in chunks])

    def touch(self, source_id: str, fetched_at: datetime) -> None:
        self.records.update(
            ids=[f"source:{source_id}"], metadatas=[{"fetched_at": fetched_at.isoformat()}]
        )

    def remove(self, source_id: str) -> None:
        self.records.delete(ids=[f"source:{source_id}"])
        self._bump_chunks_version()

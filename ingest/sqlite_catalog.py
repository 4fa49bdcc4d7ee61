"""The SQLite catalog (the contract is in ingest/catalog.py): every source with its stable
number, status and reason, plus the extracted text and chunk boundaries (the text of
record; Chroma holds the vectors).

WAL mode lets readers (search, list) run while one writer ingests. Numbers come from an
AUTOINCREMENT key, so a number is never reused, even after its source is removed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from ingest.catalog import Catalog
from ingest.types import Chunk, PageSpan, Source, SourceKind, SourceStatus

SCHEMA_VERSION = 1
_VARIABLES = 500  # values per IN (...) list: stay under SQLite's variable limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    number       INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id    TEXT NOT NULL UNIQUE,
    location     TEXT NOT NULL,
    url          TEXT,
    path         TEXT,
    kind         TEXT,
    title        TEXT,
    author       TEXT,
    date         TEXT,
    content_hash TEXT,
    status       TEXT NOT NULL,
    reason       TEXT,
    fetched_at   TEXT NOT NULL,
    chunk_count  INTEGER NOT NULL DEFAULT 0,
    text         TEXT,
    pages        TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id   TEXT PRIMARY KEY,
    source_id  TEXT NOT NULL REFERENCES sources(source_id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    page       INTEGER,
    page_end   INTEGER,
    section    TEXT,
    text       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks(source_id, idx);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_SOURCE_COLUMNS = (
    "number, source_id, location, url, path, kind, title, author, date, content_hash, "
    "status, reason, fetched_at, chunk_count"
)


def _source_from_row(row: sqlite3.Row) -> Source:
    return Source(
        number=row["number"],
        source_id=row["source_id"],
        location=row["location"],
        url=row["url"],
        path=row["path"],
        kind=SourceKind(row["kind"]) if row["kind"] else None,
        title=row["title"],
        author=row["author"],
        date=row["date"],
        content_hash=row["content_hash"],
        status=SourceStatus(row["status"]),
        reason=row["reason"],
        fetched_at=datetime.fromisoformat(row["fetched_at"]),
        chunk_count=row["chunk_count"],
    )


def _chunk_from_row(row: sqlite3.Row) -> Chunk:
    return Chunk(
        chunk_id=row["chunk_id"],
        source_id=row["source_id"],
        index=row["idx"],
        text=row["text"],
        start=row["start"],
        end=row["end"],
        page=row["page"],
        page_end=row["page_end"],
        section=row["section"],
    )


class SqliteCatalog(Catalog):
    """Sources, their text and chunk boundaries, in one SQLite file."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # isolation_level=None: we open transactions explicitly, so each write is atomic.
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        if self.get_meta("schema_version") is None:
            self.set_meta("schema_version", str(SCHEMA_VERSION))

    def close(self) -> None:
        self._db.close()

    # -- metadata -----------------------------------------------------------------------

    def chunks_version(self) -> str:
        """Changes with every write that changes chunks; indexes built from the chunks
        (BM25) compare it to know whether they are stale."""
        return self.get_meta("chunks_version") or "0"

    def _bump_chunks_version(self) -> None:
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES('chunks_version', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- reading ------------------------------------------------------------------------

    def sources(self, status: SourceStatus | None = None) -> list[Source]:
        query = f"SELECT {_SOURCE_COLUMNS} FROM sources"
        params: tuple[str, ...] = ()
        if status is not None:
            query += " WHERE status = ?"
            params = (status.value,)
        rows = self._db.execute(query + " ORDER BY number", params).fetchall()
        return [_source_from_row(row) for row in rows]

    def get(self, number: int) -> Source | None:
        row = self._db.execute(
            f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE number = ?", (number,)
        ).fetchone()
        return None if row is None else _source_from_row(row)

    def get_by_id(self, source_id: str) -> Source | None:
        row = self._db.execute(
            f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE source_id = ?", (source_id,)
        ).fetchone()
        return None if row is None else _source_from_row(row)

    def get_many(self, source_ids: Sequence[str]) -> dict[str, Source]:
        """The recorded sources among these ids, by id (absent ids are left out)."""
        found: dict[str, Source] = {}
        for batch in _batches(list(source_ids)):
            rows = self._db.execute(
                f"SELECT {_SOURCE_COLUMNS} FROM sources "
                f"WHERE source_id IN ({','.join('?' * len(batch))})",
                batch,
            )
            found.update((row["source_id"], _source_from_row(row)) for row in rows)
        return found

    def find_by_content(self, content_hash: str) -> Source | None:
        """An ok source whose extracted text is exactly this (a duplicate under another name)."""
        row = self._db.execute(
            f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE content_hash = ? AND status = 'ok' "
            "ORDER BY number LIMIT 1",
            (content_hash,),
        ).fetchone()
        return None if row is None else _source_from_row(row)

    def find_by_contents(self, content_hashes: Iterable[str]) -> dict[str, Source]:
        """`find_by_content` for many hashes at once: hash -> that source (hashes no ok
        source has are left out)."""
        found: dict[str, Source] = {}
        for batch in _batches(sorted(set(content_hashes))):
            rows = self._db.execute(
                f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE status = 'ok' "
                f"AND content_hash IN ({','.join('?' * len(batch))}) ORDER BY number",
                batch,
            )
            for row in rows:
                found.setdefault(row["content_hash"], _source_from_row(row))
        return found

    def text(self, source_id: str) -> tuple[str, list[PageSpan]] | None:
        row = self._db.execute(
            "SELECT text, pages FROM sources WHERE source_id = ?", (source_id,)
        ).fetchone()
        if row is None or row["text"] is None:
            return None
        pages = [PageSpan(**page) for page in json.loads(row["pages"] or "[]")]
        return row["text"], pages

    def chunks(self, source_id: str) -> list[Chunk]:
        rows = self._db.execute(
            "SELECT * FROM chunks WHERE source_id = ? ORDER BY idx", (source_id,)
        ).fetchall()
        return [_chunk_from_row(row) for row in rows]

    def chunk_ids_by_source(self, source_ids: Sequence[str]) -> dict[str, set[str]]:
        """The ids of each source's chunks (an empty set for a source without any)."""
        found: dict[str, set[str]] = {source_id: set() for source_id in source_ids}
        for batch in _batches(list(source_ids)):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT source_id, chunk_id FROM chunks WHERE source_id IN ({marks})", batch
            )
            for row in rows:
                found[row["source_id"]].add(row["chunk_id"])
        return found

    def chunks_by_id(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        found: dict[str, Chunk] = {}
        for batch in _batches(chunk_ids):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"SELECT * FROM chunks WHERE chunk_id IN ({marks})", batch)
            found.update((row["chunk_id"], _chunk_from_row(row)) for row in rows)
        return found

    def chunk_ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT chunk_id FROM chunks")}

    # -- writing ------------------------------------------------------------------------

    def _upsert_source(self, source: Source, text: str | None, pages: str | None) -> None:
        # UPDATE first, INSERT only if absent: an INSERT ... ON CONFLICT would still use
        # up an AUTOINCREMENT number, leaving gaps in the numbering.
        values = {
            "location": source.location,
            "url": source.url,
            "path": source.path,
            "kind": source.kind.value if source.kind else None,
            "title": source.title,
            "author": source.author,
            "date": source.date,
            "content_hash": source.content_hash,
            "status": source.status.value,
            "reason": source.reason,
            "fetched_at": source.fetched_at.isoformat(),
            "chunk_count": source.chunk_count,
            "text": text,
            "pages": pages,
        }
        assignments = ", ".join(f"{column} = :{column}" for column in values)
        updated = self._db.execute(
            f"UPDATE sources SET {assignments} WHERE source_id = :source_id",
            {**values, "source_id": source.source_id},
        )
        if updated.rowcount == 0:
            columns = ["source_id", *values]
            self._db.execute(
                f"INSERT INTO sources({', '.join(columns)}) "
                f"VALUES({', '.join(':' + c for c in columns)})",
                {**values, "source_id": source.source_id},
            )

    def record_failure(self, source: Source) -> Source:
        """Record a failed or skipped source (numbered like any other)."""
        with self._transaction():
            self._upsert_source(source, None, None)
            self._db.execute("DELETE FROM chunks WHERE source_id = ?", (source.source_id,))
            self._bump_chunks_version()
        stored = self.get_by_id(source.source_id)
        assert stored is not None  # just written inside the transaction
        return stored

    def save_ok(
        self, source: Source, text: str, pages: list[PageSpan], chunks: list[Chunk]
    ) -> Source:
        """Store a successfully ingested source and its chunks in one transaction."""
        pages_json = json.dumps([page.model_dump() for page in pages])
        with self._transaction():
            self._upsert_source(source, text, pages_json)
            self._db.execute("DELETE FROM chunks WHERE source_id = ?", (source.source_id,))
            self._db.executemany(
                'INSERT INTO chunks(chunk_id, source_id, idx, start, "end", page, page_end, '
                "section, text) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.chunk_id,
                        c.source_id,
                        c.index,
                        c.start,
                        c.end,
                        c.page,
                        c.page_end,
                        c.section,
                        c.text,
                    )
                    for c in chunks
                ],
            )
            self._bump_chunks_version()
        stored = self.get_by_id(source.source_id)
        assert stored is not None  # just written inside the transaction
        return stored

    def record_failures(self, sources: Sequence[Source]) -> list[Source]:
        """`record_failure` for each, in order (new ones are numbered in this order)."""
        return [self.record_failure(source) for source in sources]

    def save_many(
        self, entries: Sequence[tuple[Source, str, list[PageSpan], list[Chunk]]]
    ) -> list[Source]:
        """`save_ok` for each (source, text, pages, chunks), in order: one transaction
        per source, as `save_ok` alone."""
        return [self.save_ok(*entry) for entry in entries]

    def touch_many(self, source_ids: Sequence[str], fetched_at: datetime) -> None:
        self._db.executemany(
            "UPDATE sources SET fetched_at = ? WHERE source_id = ?",
            [(fetched_at.isoformat(), source_id) for source_id in source_ids],
        )

    def remove(self, source_id: str) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM chunks WHERE source_id = ?", (source_id,))
            self._db.execute("DELETE FROM sources WHERE source_id = ?", (source_id,))
            self._bump_chunks_version()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


def _batches(values: list[str]) -> Iterator[list[str]]:
    for offset in range(0, len(values), _VARIABLES):
        yield values[offset : offset + _VARIABLES]


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")

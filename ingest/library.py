"""The library: a SQLite catalog, a Chroma collection and an embedder under one folder,
and the ingest pipeline that fills them.

Sources are processed in small groups (fetch -> extract -> chunk -> embed -> store) so
memory stays bounded and an interrupted run keeps what it finished. Within a group, the
write order keeps the catalog honest: a new source is first recorded as failed
("interrupted"), then its vectors go to Chroma, then one SQLite transaction marks it ok
together with its chunks, and only then are the vectors of a replaced version deleted. A
crash at any point therefore never leaves a source marked ok without its chunks.

Each step is taken for the whole group at once (one read of its sources, one write of its
reservations, one of its ok records), so a catalog on a Chroma server costs a few HTTP
requests per group rather than about a dozen per source.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from agora.settings import Settings, load_settings
from ingest.catalog import Catalog
from ingest.chroma_catalog import ChromaCatalog
from ingest.chunking import chunk_document
from ingest.embedding import Embedder
from ingest.extract import ExtractionError, extract
from ingest.fetch import Fetched, FetchError, fetch, make_client, sniff_kind
from ingest.local import discover_files, read_local
from ingest.progress import Progress, SilentProgress
from ingest.robots import Politeness, RobotsCache
from ingest.sandbox import Sandbox, SandboxError
from ingest.store import (
    VectorStore,
    collection_name,
    library_name,
    open_chroma,
    open_chroma_server,
)
from ingest.types import Chunk, ExtractedDocument, PageSpan, Source, SourceKind, SourceStatus

T = TypeVar("T")
EMBED_SLICE = 512  # texts per encoder call
GROUP_SIZE = 128  # sources per fetch-extract-embed-store round: bounded memory, full batches
FETCH_WORKERS = 4
INTERRUPTED = "ingest was interrupted before its chunks were stored; add it again"


class LibraryError(RuntimeError):
    """A problem a user can act on (the message says how)."""


class Outcome(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    FAILED = "failed"


class SourceRequest(BaseModel):
    """One thing to add: a URL or a path, with optional metadata that overrides extraction."""

    model_config = ConfigDict(extra="forbid")

    location: str = Field(description="http(s) URL, file or folder path.")
    title: str | None = Field(None, description="Title to use instead of the extracted one.")
    author: str | None = Field(None, description="Author or organisation to record.")
    date: str | None = Field(None, description="Publication date (ISO 8601) to record.")
    problem: str | None = Field(
        None, description="Why there is nothing to fetch (a reference entry): recorded failed."
    )


class IngestResult(BaseModel):
    """What happened to one source in one `add`."""

    model_config = ConfigDict(extra="forbid")

    source: Source
    outcome: Outcome
    reason: str | None = None


class IngestSummary(BaseModel):
    """Everything one `add` did."""

    model_config = ConfigDict(extra="forbid")

    results: list[IngestResult] = Field(default_factory=list)
    chunks_embedded: int = 0
    characters_embedded: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def anything_usable(self) -> bool:
        """True unless every source failed (the CLI then exits non-zero)."""
        return any(result.outcome != Outcome.FAILED for result in self.results)


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment and default ports."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if parts.port in (None, default_port) else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def is_url(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def source_id_for(location: str) -> str:
    """The design's stable id: a hash of the normalised URL or absolute path."""
    key = f"url:{normalise_url(location)}" if is_url(location) else f"file:{location}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def read_request_list(path: Path) -> list[SourceRequest]:
    """Requests from a file: one location per line (.txt), or a manifest (.json/.yaml)
    with ``sources: [{location, title?, author?, date?}]``, relative paths resolved
    against the manifest's folder; or a reference export (.bib, .ris, CSL-JSON)."""
    from ingest.references import read_references

    if (references := read_references(path)) is not None:
        return references
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LibraryError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if path.suffix.lower() in (".json", ".yaml", ".yml"):
        try:
            data = json.loads(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise LibraryError(f"{path} is not a valid manifest: {exc}") from exc
        entries = data.get("sources") if isinstance(data, dict) else data
        if not isinstance(entries, list):
            raise LibraryError(f"{path}: expected a list of sources under 'sources'")
        requests = []
        for entry in entries:
            if isinstance(entry, str):
                entry = {"location": entry}
            if not isinstance(entry, dict) or "location" not in entry:
                raise LibraryError(f"{path}: every source needs a 'location' ({entry!r})")
            fields = {k: entry.get(k) for k in ("location", "title", "author", "date")}
            fields = {k: str(v) for k, v in fields.items() if v is not None}
            requests.append(SourceRequest(**fields))
    else:
        lines = (line.strip() for line in raw.splitlines())
        requests = [SourceRequest(location=line) for line in lines if line and line[0] != "#"]
    base = path.resolve().parent
    for request in requests:
        if not is_url(request.location) and not Path(request.location).expanduser().is_absolute():
            request.location = str(base / request.location)
    return requests


@dataclass
class _Item:
    """One source on its way through the pipeline."""

    request: SourceRequest
    location: str
    source_id: str
    path: Path | None = None
    error: str | None = None
    url: str | None = None
    document: ExtractedDocument | None = None
    chunks: list[Chunk] = field(default_factory=list)


class Library:
    """A source library under one folder. Open it, add sources, read them back."""

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None):
        self.settings = settings or load_settings()
        self.root = Path(self.settings.library).expanduser()
        self.root.mkdir(parents=True, exist_ok=True)
        self._embedder = embedder
        # PDFs are parsed in a worker process under limits; it lives for one add().
        self._sandbox = Sandbox(
            timeout=self.settings.parse_timeout,
            memory_bytes=self.settings.parse_memory_mb * 1024**2,
        )
        self._store: VectorStore | None
        self.catalog: Catalog | ChromaCatalog
        if self.settings.chroma_url:
            # Server mode: the catalog lives in the server too; self.root only keeps local
            # caches (the BM25 index). See ingest/chroma_catalog.py for why.
            self.name = library_name(self.settings.library_name or self.root.resolve().name)
            client = open_chroma_server(self.settings.chroma_url)
            wanted = collection_name(self._fingerprint(), self.name)
            self._store = VectorStore(client, wanted)
            self.catalog = ChromaCatalog(client, self.name, self._store.collection)
        else:
            self.name = "agora"
            self.catalog = Catalog(self.root / "catalog.sqlite")
            self._store = None
            wanted = collection_name(self._fingerprint(), self.name)
        self.collection = self._check_collection(wanted)

    # -- opening ----------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder(
                self.settings.embedding_model,
                batch_size=self.settings.embedding_batch_size,
                quantize=self.settings.embedding_quantize,
            )
        return self._embedder

    @property
    def store(self) -> VectorStore:
        if self._store is None:
            self._store = VectorStore(open_chroma(self.root / "chroma"), self.collection)
        return self._store

    def _fingerprint(self) -> str:
        """Model and chunking: what the vectors of this library depend on."""
        return (
            f"{self.embedder.fingerprint}-c{self.settings.chunk_size}o{self.settings.chunk_overlap}"
        )

    def _check_collection(self, wanted: str) -> str:
        recorded = self.catalog.get_meta("collection")
        if recorded is None:
            self.catalog.set_meta("collection", wanted)
            return wanted
        if recorded != wanted:
            raise LibraryError(
                f"this library was built with different embedding or chunking settings "
                f"({recorded}); the current settings would use {wanted}. Use the settings it "
                "was built with, or build a new library in another folder."
            )
        return recorded

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------

    def sources(self, status: SourceStatus | None = None) -> list[Source]:
        return self.catalog.sources(status)

    def get(self, number: int) -> Source:
        source = self.catalog.get(number)
        if source is None:
            raise LibraryError(f"there is no source {number} in {self.root}")
        return source

    def text(self, source: Source) -> tuple[str, list[PageSpan]]:
        return self.catalog.text(source.source_id) or ("", [])

    def chunks(self, source: Source) -> list[Chunk]:
        return self.catalog.chunks(source.source_id)

    # -- writing ------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the library's single-writer lock (a second writer gets a clear error).

        Embedded libraries only: with a Chroma server, writers on many machines coordinate
        through the server (numbers are claimed first-writer-wins; see chroma_catalog)."""
        if self.settings.chroma_url:
            yield
            return
        lock_path = self.root / "write.lock"
        with open(lock_path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise LibraryError(
                    f"{self.root} is being written by {holder}; wait for it to finish "
                    "(one writer per library)"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"agora (pid {os.getpid()})")
            handle.flush()
            try:
                yield
            finally:
                handle.truncate(0)
                fcntl.flock(handle, fcntl.LOCK_UN)

    def remove(self, number: int) -> Source:
        """Delete a source and its chunks; its number is never reused."""
        with self.writing():
            source = self.get(number)
            self.store.delete_source(source.source_id)
            self.catalog.remove(source.source_id)
            return source

    def add(
        self,
        requests: Sequence[SourceRequest | str],
        progress: Progress | None = None,
        *,
        prefetched: Mapping[str, Fetched | FetchError] | None = None,
    ) -> IngestSummary:
        """Fetch, extract, chunk, embed and store each request; never raises for a bad
        source (it becomes a failed source with a reason).

        `prefetched` maps normalised URLs to what a caller already downloaded (the crawler
        reads each page for its links first), so those are not fetched twice.
        """
        progress = progress or SilentProgress()
        summary = IngestSummary()
        with self.writing():
            items = self._expand([_as_request(r) for r in requests])
            progress.start("fetch", len(items))
            progress.start("extract", len(items))
            progress.start("embed", 0)
            groups = [items[i : i + GROUP_SIZE] for i in range(0, len(items), GROUP_SIZE)]
            with (
                make_client(self.settings) as http,
                self._sandbox,
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="agora-ahead") as ahead,
            ):
                fetcher = _Fetcher(self.settings, http, prefetched or {})

                # One group ahead: while a group is embedded and stored here, the next one
                # is fetched and extracted on the side, so network waits (and the parsers)
                # overlap the encoder. Only this thread touches the catalog and the store.
                def prepare(group: list[_Item]) -> Future[None]:
                    return ahead.submit(self._fetch_and_extract, group, fetcher, progress)

                ready = [prepare(group) for group in groups[:1]]
                try:
                    for group, following in zip(groups, [*groups[1:], None], strict=True):
                        ready.pop().result()
                        if following is not None:
                            ready.append(prepare(following))
                        self._store_group(group, summary, progress)
                except BaseException:
                    fetcher.abandoned.set()  # leaving the `with` waits for the group ahead
                    raise
        return summary

    # -- pipeline steps -----------------------------------------------------------------

    def _expand(self, requests: list[SourceRequest]) -> list[_Item]:
        """URLs as they are; folders into their files; duplicates dropped, order kept."""
        items: list[_Item] = []
        seen: set[str] = set()

        def push(item: _Item) -> None:
            if item.source_id not in seen:
                seen.add(item.source_id)
                items.append(item)

        for request in requests:
            if request.problem:  # nothing to fetch: recorded as failed, with the reason
                key = request.location
                push(_Item(request, key, source_id_for(key), error=request.problem))
                continue
            if is_url(request.location):
                location = normalise_url(request.location)
                push(_Item(request, location, source_id_for(location)))
                continue
            path = Path(request.location).expanduser().absolute()
            if not path.exists() and not path.is_symlink():
                push(_Item(request, str(path), source_id_for(str(path)), path, "file not found"))
                continue
            files, failures = discover_files(path)
            for file in files:
                sub = request if file == path else SourceRequest(location=str(file))
                push(_Item(sub, str(file), source_id_for(str(file)), file))
            for file, reason in failures:
                push(_Item(request, str(file), source_id_for(str(file)), file, reason))
        return items

    def _fetch_and_extract(self, group: list[_Item], fetcher: _Fetcher, progress: Progress) -> None:
        def load(item: _Item) -> tuple[bytes, str | None, str | None, SourceKind] | None:
            """The bytes, declared type, final URL and sniffed kind (fetch sniffs web pages
            itself; a local file is sniffed here, by its magic bytes and name)."""
            if item.error or fetcher.abandoned.is_set():
                return None
            try:
                if item.path is not None:
                    content = read_local(item.path, self.settings.max_download_bytes)
                    return content, None, None, sniff_kind(content, None, item.path.name)
                fetched = fetcher.fetch(item.location)
                item.url = fetched.url
                return fetched.content, fetched.declared_type, fetched.url, fetched.kind
            except FetchError as exc:
                item.error = exc.reason
                return None
            finally:
                progress.advance("fetch")

        with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:
            loaded = list(pool.map(load, group))

        for item, payload in zip(group, loaded, strict=True):
            if payload is not None and not fetcher.abandoned.is_set():
                self._extract(item, *payload)
            progress.advance("extract")

    def _extract(
        self,
        item: _Item,
        content: bytes,
        declared: str | None,
        url: str | None,
        kind: SourceKind,
    ) -> None:
        try:
            # Untrusted PDFs can loop or explode in memory: parse them in the sandbox.
            run = self._sandbox.run if kind == SourceKind.PDF else _call
            document = run(
                extract,
                content,
                kind,
                url=url,
                declared_type=declared,
                min_text_chars=self.settings.min_text_chars,
            )
        except (ExtractionError, SandboxError) as exc:
            item.error = exc.reason
            return
        overrides = item.request.model_dump(exclude={"location"}, exclude_none=True)
        item.document = document.model_copy(update=overrides)
        if not item.document.title and item.path is not None:
            item.document.title = item.path.stem.replace("-", " ").replace("_", " ")
        item.chunks = chunk_document(
            item.document, item.source_id, self.settings.chunk_size, self.settings.chunk_overlap
        )
        if not item.chunks:
            item.error = "no text left to index after extraction"

    def _store_group(self, group: list[_Item], summary: IngestSummary, progress: Progress) -> None:
        now = datetime.now(UTC)
        to_embed = self._triage_group(group, summary, now)

        texts = [
            embedding_text(item.document.title if item.document else None, chunk)
            for item in to_embed
            for chunk in item.chunks
        ]
        progress.grow("embed", len(texts))
        # Embed across the whole group in slices of EMBED_SLICE texts: each slice is sorted
        # by length inside the encoder (less padding than small slices), and the bar moves.
        slices: list[np.ndarray] = []
        step = max(EMBED_SLICE, self.settings.embedding_batch_size)
        for offset in range(0, len(texts), step):
            slices.append(self.embedder.embed(texts[offset : offset + step]))
            progress.advance("embed", len(slices[-1]))
        vectors = np.concatenate(slices) if slices else np.zeros((0, 0), dtype=np.float32)
        summary.chunks_embedded += len(texts)
        summary.characters_embedded += sum(len(text) for text in texts)

        summary.results += self._commit(to_embed, vectors, now)

    def _triage_group(
        self, group: list[_Item], summary: IngestSummary, now: datetime
    ) -> list[_Item]:
        """Triage a group with one catalog read for the sources and one for their twins,
        then one write for the failures and one for the unchanged; the items to embed."""
        existing = self.catalog.get_many([item.source_id for item in group])
        twins = self.catalog.find_by_contents(
            item.document.content_hash
            for item in group
            if item.error is None and item.document is not None
        )
        triage = _Triage(twins)
        to_embed: list[_Item] = []
        for item in group:
            result = self._triage(item, existing.get(item.source_id), now, triage)
            if result is None:
                to_embed.append(item)
            else:
                triage.results.append(result)
        triage.flush(self.catalog)
        if triage.unchanged:
            self.catalog.touch_many(triage.unchanged, now)
        summary.results += triage.results
        return to_embed

    def _triage(
        self, item: _Item, existing: Source | None, now: datetime, triage: _Triage
    ) -> IngestResult | None:
        """Decide what happens to an item before embedding; None means: embed and store.
        Catalog writes wait in `triage` to be done for the whole group at once."""
        if item.error is not None or item.document is None:
            reason = item.error or "nothing could be extracted"
            if existing is not None and existing.status == SourceStatus.OK:
                kept = f"{reason} (kept the version fetched {existing.fetched_at:%Y-%m-%d})"
                return IngestResult(source=existing, outcome=Outcome.FAILED, reason=kept)
            failed = self._source(item, now, SourceStatus.FAILED, reason)
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
        twin = triage.twin(self.catalog, document.content_hash)
        if twin is not None and twin.source_id != item.source_id:
            reason = f"same text as source {twin.number} ({twin.title or twin.location})"
            skipped = self._source(item, now, SourceStatus.SKIPPED, reason)
            return triage.record(skipped, Outcome.SKIPPED, reason, existing)
        return None

    def _commit(self, items: list[_Item], vectors: np.ndarray, now: datetime) -> list[IngestResult]:
        """Store embedded items in the crash-safe order of the module docstring, each step
        done for the whole group at once: reserve numbers (new sources recorded as
        interrupted), add every vector, mark every source ok with its chunks, then delete
        the vectors of replaced versions. Chroma gets one add for the whole group (each has
        a fixed cost of tens of milliseconds), and a server catalog a few requests."""
        if not items:
            return []
        existing = self.catalog.get_many([item.source_id for item in items])
        updating = {
            source_id for source_id, source in existing.items() if source.status == SourceStatus.OK
        }
        # Reserve the numbers first, recorded as failed until their chunks are stored.
        reserved = self.catalog.record_failures(
            [
                self._source(item, now, SourceStatus.FAILED, INTERRUPTED)
                for item in items
                if item.source_id not in updating
            ]
        )
        existing.update((source.source_id, source) for source in reserved)
        # A source that was not ok has no chunks (recording a failure drops them).
        old_ids = self.catalog.chunk_ids_by_source(
            [item.source_id for item in items if item.source_id in updating]
        )
        plans = []
        for item in items:
            source = self._source(item, now, SourceStatus.OK, None).model_copy(
                update={
                    "number": existing[item.source_id].number,
                    "chunk_count": len(item.chunks),
                }
            )
            plans.append((item, source, old_ids.get(item.source_id, set())))

        new_ids = {chunk.chunk_id for item in items for chunk in item.chunks}
        reused = set().union(*(old for *_, old in plans)) & new_ids
        self.store.delete_chunks(reused)  # same text, new metadata: replace those vectors
        self.store.add(
            [(chunk, source) for item, source, _ in plans for chunk in item.chunks], vectors
        )

        entries = []
        for item, source, _ in plans:
            assert item.document is not None
            entries.append((source, item.document.text, item.document.pages, item.chunks))
        stored = self.catalog.save_many(entries)
        replaced: set[str] = set()
        for item, _, old in plans:
            replaced |= old - {chunk.chunk_id for chunk in item.chunks}
        self.store.delete_chunks(replaced)
        return [
            IngestResult(
                source=source,
                outcome=Outcome.UPDATED if source.source_id in updating else Outcome.ADDED,
            )
            for source in stored
        ]

    def _source(
        self, item: _Item, now: datetime, status: SourceStatus, reason: str | None
    ) -> Source:
        document = item.document
        return Source(
            source_id=item.source_id,
            location=item.location,
            url=item.url if item.path is None else None,
            path=str(item.path) if item.path is not None else None,
            kind=document.kind if document else None,
            title=(document.title if document else None) or item.request.title,
            author=(document.author if document else None) or item.request.author,
            date=(document.date if document else None) or item.request.date,
            content_hash=document.content_hash if document else None,
            status=status,
            reason=reason,
            fetched_at=now,
            chunk_count=0,
        )


class _Triage:
    """A group's triage: the ok sources with each text as the group began, and the
    failures and unchanged sources to record once the whole group has been looked at."""

    def __init__(self, twins: Mapping[str, Source]):
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

    def twin(self, catalog: Catalog | ChromaCatalog, content_hash: str) -> Source | None:
        """The lowest-numbered ok source with this text, as if every failure so far were
        already recorded: a twin this group has marked failed or skipped is no longer ok,
        so (rarely) the failures are recorded and the catalog asked again."""
        twin = self.twins.get(content_hash)
        if twin is not None and twin.source_id in self.demoted:
            self.flush(catalog)
            twin = self.twins[content_hash] = catalog.find_by_content(content_hash)
        return twin

    def flush(self, catalog: Catalog | ChromaCatalog) -> None:
        """Record the waiting failures, in order; their results get the stored sources."""
        stored = catalog.record_failures([result.source for result in self.failures])
        for result, source in zip(self.failures, stored, strict=True):
            result.source = source
        self.failures = []


class _Fetcher:
    """Web fetches for one `add`: robots.txt honoured (unless settings say otherwise),
    requests to one host spaced by the politeness delay (or its Crawl-delay), and pages a
    caller already downloaded served from memory."""

    def __init__(
        self, settings: Settings, http: Any, prefetched: Mapping[str, Fetched | FetchError]
    ):
        self.settings = settings
        self.http = http
        self.prefetched = prefetched
        self.politeness = Politeness(settings.crawl_delay)
        # Set when the `add` stops early (an error, Ctrl-C): the group being prepared ahead
        # is abandoned, so its remaining fetches are skipped rather than waited for.
        self.abandoned = threading.Event()
        self.robots = (
            RobotsCache(settings, http, before_fetch=self.politeness.wait)
            if settings.respect_robots
            else None
        )

    def fetch(self, url: str) -> Fetched:
        known = self.prefetched.get(url)
        if isinstance(known, FetchError):
            raise known
        if known is not None:
            return known
        crawl_delay = None
        if self.robots is not None:
            rules = self.robots.rules(url)
            if not rules.allows(url):
                host = urlsplit(url).hostname or url
                why = rules.note or f"robots.txt of {host} disallows it"
                raise FetchError(f"{why} (use --ignore-robots to fetch it anyway)")
            crawl_delay = rules.crawl_delay
        self.politeness.wait(url, crawl_delay)
        return fetch(url, self.settings, client=self.http)


def _call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run in-process: the counterpart of `Sandbox.run` for trusted-enough parsers."""
    return function(*args, **kwargs)


def embedding_text(title: str | None, chunk: Chunk) -> str:
    """What the embedder reads for a chunk: the document title, then the passage, so a
    passage that never repeats its subject is still found by it. A passage that already
    opens with the title (a Markdown file's first heading) gets no second copy: it would
    only cost encoder time (about 6% of SciFact's tokens)."""
    if not title or _squashed(chunk.text.lstrip("#")).startswith(_squashed(title)):
        return chunk.text
    return f"{title}\n{chunk.text}"


def _squashed(text: str) -> str:
    """Case- and whitespace-insensitive form, for comparing a title with an opening."""
    return " ".join(text[:2000].split()).casefold()


def _as_request(request: SourceRequest | str) -> SourceRequest:
    return request if isinstance(request, SourceRequest) else SourceRequest(location=request)

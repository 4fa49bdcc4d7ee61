"""The ingest pipeline behind `Library.add`: fetch -> extract -> chunk -> embed -> commit.

Sources go through in groups (`LibraryConfig.group_size`), so memory stays bounded and an
interrupted run keeps what it finished. One group is prepared ahead: while a group is
embedded and committed on the calling thread, the next one is fetched and extracted on
another, so network waits (and the parsers) overlap the encoder. Only the calling thread
touches the catalog and the vector store; ingest/commit.py keeps its writes crash-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import numpy as np

from ingest.catalog import Catalog
from ingest.chunking import chunk_document
from ingest.commit import PendingSource, commit, triage_group
from ingest.config import FetchConfig, LibraryConfig
from ingest.embedding import Embedder, embedding_text
from ingest.errors import FetchError
from ingest.extract import ExtractionError, extract
from ingest.fetch import Fetched, fetch, make_client
from ingest.local import discover_files, read_local
from ingest.locations import check_location, is_url, normalise_url, source_id_for
from ingest.progress import Progress
from ingest.requests import SourceRequest
from ingest.results import IngestSummary
from ingest.robots import Politeness, RobotsCache
from ingest.sandbox import Sandbox, SandboxError
from ingest.sniff import sniff_kind
from ingest.store import VectorStore
from ingest.types import SourceKind

T = TypeVar("T")
EMBED_SLICE = 512  # texts per encoder call


def run_ingest(
    config: LibraryConfig,
    catalog: Catalog,
    store: VectorStore,
    embedder: Embedder,
    requests: Sequence[SourceRequest],
    progress: Progress,
    prefetched: Mapping[str, Fetched | FetchError],
) -> IngestSummary:
    """Add `requests` (the caller holds the library's write lock). A malformed location
    raises `LibraryError` before anything is fetched or stored; a bad source never raises
    (it becomes a failed source with a reason)."""
    for request in requests:
        if not request.problem:
            check_location(request.location)
    summary = IngestSummary()
    items = expand(requests)
    progress.start("fetch", len(items))
    progress.start("extract", len(items))
    progress.start("embed", 0)
    size = config.group_size
    groups = [items[i : i + size] for i in range(0, len(items), size)]
    # PDFs are parsed in a worker process under limits; it lives for one add.
    sandbox = Sandbox(timeout=config.parse_timeout, memory_bytes=config.parse_memory_mb * 1024**2)
    with (
        make_client(config.fetch) as http,
        sandbox,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="agora-ahead") as ahead,
    ):
        loader = _Loader(config, sandbox, _Fetcher(config.fetch, http, prefetched), progress)

        def prepare(group: list[PendingSource]) -> Future[None]:
            return ahead.submit(loader.load_group, group)

        ready = [prepare(group) for group in groups[:1]]
        try:
            for group, following in zip(groups, [*groups[1:], None], strict=True):
                ready.pop().result()
                if following is not None:
                    ready.append(prepare(following))
                _store_group(config, catalog, store, embedder, group, summary, progress)
        except BaseException:
            loader.abandoned.set()  # leaving the `with` waits for the group ahead
            raise
    return summary


def expand(requests: Sequence[SourceRequest]) -> list[PendingSource]:
    """URLs as they are; folders into their files; duplicates dropped, order kept."""
    items: list[PendingSource] = []
    seen: set[str] = set()

    def push(item: PendingSource) -> None:
        if item.source_id not in seen:
            seen.add(item.source_id)
            items.append(item)

    for request in requests:
        if request.problem:  # nothing to fetch (a reference entry): recorded as failed
            key = request.location
            push(PendingSource(request, key, source_id_for(key), error=request.problem))
            continue
        if is_url(request.location):
            location = normalise_url(request.location)
            push(PendingSource(request, location, source_id_for(location)))
            continue
        path = Path(request.location).expanduser().absolute()
        if not path.exists() and not path.is_symlink():
            missing = PendingSource(request, str(path), source_id_for(str(path)), path)
            missing.error = "file not found"
            push(missing)
            continue
        files, failures = discover_files(path)
        for file in files:
            sub = request if file == path else SourceRequest(location=str(file))
            push(PendingSource(sub, str(file), source_id_for(str(file)), file))
        for file, reason in failures:
            push(PendingSource(request, str(file), source_id_for(str(file)), file, reason))
    return items


class _Loader:
    """Fetch and extract a group (on the thread that prepares the next group ahead)."""

    def __init__(
        self, config: LibraryConfig, sandbox: Sandbox, fetcher: _Fetcher, progress: Progress
    ):
        self.config = config
        self.sandbox = sandbox
        self.fetcher = fetcher
        self.progress = progress
        # Set when the `add` stops early (an error, Ctrl-C): the group being prepared ahead
        # is abandoned, so its remaining fetches are skipped rather than waited for.
        self.abandoned = threading.Event()

    def load_group(self, group: list[PendingSource]) -> None:
        with ThreadPoolExecutor(max_workers=self.config.fetch_workers) as pool:
            loaded = list(pool.map(self._load, group))
        for item, payload in zip(group, loaded, strict=True):
            if payload is not None and not self.abandoned.is_set():
                self._extract(item, *payload)
            self.progress.advance("extract")

    def _load(self, item: PendingSource) -> tuple[bytes, str | None, str | None, SourceKind] | None:
        """The bytes, declared type, final URL and sniffed kind (fetch sniffs web pages
        itself; a local file is sniffed here, by its magic bytes and name)."""
        if item.error or self.abandoned.is_set():
            return None
        try:
            if item.path is not None:
                content = read_local(item.path, self.config.fetch.max_download_bytes)
                return content, None, None, sniff_kind(content, None, item.path.name)
            fetched = self.fetcher.fetch(item.location)
            item.url = fetched.url
            return fetched.content, fetched.declared_type, fetched.url, fetched.kind
        except FetchError as exc:
            item.error = exc.reason
            return None
        finally:
            self.progress.advance("fetch")

    def _extract(
        self,
        item: PendingSource,
        content: bytes,
        declared: str | None,
        url: str | None,
        kind: SourceKind,
    ) -> None:
        try:
            # Untrusted PDFs can loop or explode in memory: parse them in the sandbox.
            run = self.sandbox.run if kind == SourceKind.PDF else _call
            document = run(
                extract,
                content,
                kind,
                url=url,
                declared_type=declared,
                min_text_chars=self.config.min_text_chars,
            )
        except (ExtractionError, SandboxError) as exc:
            item.error = exc.reason
            return
        overrides = item.request.model_dump(exclude={"location"}, exclude_none=True)
        item.document = document.model_copy(update=overrides)
        if not item.document.title and item.path is not None:
            item.document.title = item.path.stem.replace("-", " ").replace("_", " ")
        item.chunks = chunk_document(
            item.document, item.source_id, self.config.chunk_size, self.config.chunk_overlap
        )
        if not item.chunks:
            item.error = "no text left to index after extraction"


def _store_group(
    config: LibraryConfig,
    catalog: Catalog,
    store: VectorStore,
    embedder: Embedder,
    group: list[PendingSource],
    summary: IngestSummary,
    progress: Progress,
) -> None:
    now = datetime.now(UTC)
    to_embed = triage_group(catalog, group, summary, now)

    texts = [
        embedding_text(item.document.title if item.document else None, chunk)
        for item in to_embed
        for chunk in item.chunks
    ]
    progress.grow("embed", len(texts))
    # Embed across the whole group in slices of EMBED_SLICE texts: each slice is sorted
    # by length inside the encoder (less padding than small slices), and the bar moves.
    slices: list[np.ndarray] = []
    step = max(EMBED_SLICE, config.embedding_batch_size)
    for offset in range(0, len(texts), step):
        slices.append(embedder.embed(texts[offset : offset + step]))
        progress.advance("embed", len(slices[-1]))
    vectors = np.concatenate(slices) if slices else np.zeros((0, 0), dtype=np.float32)
    summary.chunks_embedded += len(texts)
    summary.characters_embedded += sum(len(text) for text in texts)

    summary.results += commit(catalog, store, to_embed, vectors, now)


class _Fetcher:
    """Web fetches for one `add`: robots.txt honoured (unless the config says otherwise),
    requests to one host spaced by the politeness delay (or its Crawl-delay), and pages a
    caller already downloaded served from memory."""

    def __init__(
        self,
        config: FetchConfig,
        http: httpx.Client,
        prefetched: Mapping[str, Fetched | FetchError],
    ):
        self.config = config
        self.http = http
        self.prefetched = prefetched
        self.politeness = Politeness(config.crawl_delay)
        self.robots = (
            RobotsCache(config, http, before_fetch=self.politeness.wait)
            if config.respect_robots
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
        return fetch(url, self.config, client=self.http)


def _call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run in-process: the counterpart of `Sandbox.run` for trusted-enough parsers."""
    return function(*args, **kwargs)

"""The library: a catalog, a vector store and an embedder under one folder, behind one
facade. Open it, add sources, read them back.

The catalog is the SQLite file in the folder (`SqliteCatalog`) or, with a Chroma server,
records on that server (`ChromaCatalog`); both implement the `Catalog` protocol
(ingest/catalog.py). Adding runs the pipeline in ingest/pipeline.py under the library's
single-writer lock; retrieval reads chunks through the methods here.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ingest.catalog import Catalog
from ingest.chroma_catalog import ChromaCatalog
from ingest.config import LibraryConfig
from ingest.embedding import Embedder
from ingest.errors import FetchError, LibraryError
from ingest.fetch import Fetched
from ingest.pipeline import run_ingest
from ingest.progress import Progress, SilentProgress
from ingest.requests import SourceRequest, as_request
from ingest.results import IngestSummary
from ingest.sqlite_catalog import SqliteCatalog
from ingest.store import (
    VectorStore,
    collection_name,
    library_name,
    open_chroma,
    open_chroma_server,
)
from ingest.types import Chunk, PageSpan, Source, SourceStatus

# LibraryError is raised by the facade's methods; importable from here as from `ingest`.
__all__ = ["Library", "LibraryError"]


class Library:
    """A source library under one folder. Open it, add sources, read them back."""

    def __init__(self, config: LibraryConfig, *, embedder: Embedder | None = None):
        self.config = config
        self.root = Path(config.root).expanduser()
        self.root.mkdir(parents=True, exist_ok=True)
        self._embedder = embedder
        self._store: VectorStore | None
        self.catalog: Catalog
        if config.chroma_url:
            # Server mode: the catalog lives in the server too; self.root only keeps local
            # caches (the BM25 index). See ingest/chroma_catalog.py for why.
            self.name = library_name(config.library_name or self.root.resolve().name)
            client = open_chroma_server(config.chroma_url)
            wanted = collection_name(self._fingerprint(), self.name)
            self._store = VectorStore(client, wanted)
            self.catalog = ChromaCatalog(client, self.name, self._store.collection)
        else:
            self.name = "agora"
            self.catalog = SqliteCatalog(self.root / "catalog.sqlite")
            self._store = None
            wanted = collection_name(self._fingerprint(), self.name)
        self.collection = self._check_collection(wanted)

    # -- opening ----------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder(
                self.config.embedding_model,
                batch_size=self.config.embedding_batch_size,
                quantize=self.config.embedding_quantize,
            )
        return self._embedder

    @property
    def store(self) -> VectorStore:
        if self._store is None:
            self._store = VectorStore(open_chroma(self.root / "chroma"), self.collection)
        return self._store

    def _fingerprint(self) -> str:
        """Model and chunking: what the vectors of this library depend on."""
        config = self.config
        return f"{self.embedder.fingerprint}-c{config.chunk_size}o{config.chunk_overlap}"

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

    def chunk_ids(self) -> set[str]:
        """Every chunk of an ok source: what search may return."""
        return self.catalog.chunk_ids()

    def chunks_by_id(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        """These chunks, by id (ids the library does not hold are left out)."""
        return self.catalog.chunks_by_id(chunk_ids)

    def chunks_version(self) -> str:
        """Changes with every write that changes chunks: an index built from them (BM25)
        compares it to know whether it is stale."""
        return self.catalog.chunks_version()

    # -- writing ------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the library's single-writer lock (a second writer gets a clear error).

        Embedded libraries only: with a Chroma server, writers on many machines coordinate
        through the server (numbers are claimed first-writer-wins; see chroma_catalog)."""
        if self.config.chroma_url:
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
        """Fetch, extract, chunk, embed and store each request. Raises `LibraryError` for
        a malformed location (before anything is stored); never for a bad source (it
        becomes a failed source with a reason).

        `prefetched` maps normalised URLs to what a caller already downloaded (the crawler
        reads each page for its links first), so those are not fetched twice.
        """
        with self.writing():
            return run_ingest(
                self.config,
                self.catalog,
                self.store,
                self.embedder,
                [as_request(request) for request in requests],
                progress or SilentProgress(),
                prefetched or {},
            )

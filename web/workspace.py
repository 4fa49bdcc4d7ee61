"""The library as the web app holds it: one reader thread, one job worker, the runs folder.

SQLite connections belong to the thread that opened them, and a `Library` caches what is
slow to load (the BM25 index, the Chroma client) for the next query. So reads (listing,
showing, searching) go to one long-lived reader thread with its own `Library`, and writes
go to the job queue's worker with another one; the embedding model is loaded once and
shared by both. With `agora serve --llm`, the workspace also holds the generative model
(`LanguageModel`) that debate and audit jobs use.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from agora.settings import Settings
from ingest import Library
from ingest.embedding import Embedder
from web.jobs import JobQueue
from web.runs import RunStore

if TYPE_CHECKING:
    from audit.llm_judge import LLMJudge
    from debate.llm import LLMEngine
    from llm import Model

T = TypeVar("T")
EXTRACTIVE = "extractive"


@dataclass(frozen=True)
class LanguageModel:
    """The generative model `agora serve --llm SPEC` runs with: loaded once, when the
    server starts (so a bad spec stops it there), and shared by every job. Each debate
    and audit job gets its own engine or judge around it, as `agora debate --llm` and
    `agora audit --llm` do; jobs run one at a time, so the model is never used by two at
    once."""

    spec: str
    model: Model

    @property
    def label(self) -> str:
        """'llm SPEC', as the API and the page name the engine. /api/health is public, so
        a local model file shows by its name only, never its folder."""
        kind, _, model = self.spec.partition(":")
        if kind == "gguf":
            return f"llm gguf:{Path(model).name}"
        return f"llm {self.spec}"

    def engine(self) -> LLMEngine:
        """A fresh debate engine around the model (what `make_engine(model)` returns)."""
        from debate.llm import LLMEngine

        return LLMEngine(self.model)

    def judge(self) -> LLMJudge:
        """A fresh citation judge around the model."""
        from audit.llm_judge import LLMJudge

        return LLMJudge(self.model)


class Workspace:
    """Everything the routes need about one library folder."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        runs_dir: Path | None = None,
        llm: LanguageModel | None = None,
    ):
        self.settings = settings
        self.llm = llm
        self.root = Path(settings.library).expanduser().resolve()
        self.runs = RunStore(runs_dir or self.root / "runs")
        self.uploads = self.root / "uploads"
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agora-reader")
        self._reader_library: Library | None = None
        self.jobs = JobQueue(self.open_library)

    @property
    def engine(self) -> str:
        """The engine of debates started here: 'extractive' or 'llm SPEC'."""
        return self.llm.label if self.llm else EXTRACTIVE

    @property
    def embedder(self) -> Embedder:
        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = Embedder(
                    self.settings.embedding_model,
                    batch_size=self.settings.embedding_batch_size,
                    quantize=self.settings.embedding_quantize,
                )
            return self._embedder

    def open_library(self) -> Library:
        """A new `Library` for the calling thread, sharing the loaded model."""
        return Library(self.settings.library_config(), embedder=self.embedder)

    async def read(self, function: Callable[[Library], T]) -> T:
        """Run `function(library)` on the reader thread and wait for it without blocking
        the event loop."""
        future = self._reader.submit(self._on_reader, function)
        return await asyncio.wrap_future(future)

    def _on_reader(self, function: Callable[[Library], T]) -> T:
        if self._reader_library is None:
            self._reader_library = self.open_library()
        return function(self._reader_library)

    def close(self) -> None:
        self.jobs.close()

        def close_reader() -> None:
            if self._reader_library is not None:
                self._reader_library.close()
                self._reader_library = None

        self._reader.submit(close_reader).result(timeout=10)
        self._reader.shutdown(wait=True)

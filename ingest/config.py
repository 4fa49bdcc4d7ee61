"""What ingest needs to know, as plain values.

Ingest never reads the environment or the application's settings object: the CLI and the
web app build these from their settings (`agora.settings.Settings.library_config`) and
pass them down, so the dependencies point one way (agora -> ingest).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FetchConfig:
    """How one web fetch behaves: limits, identity, address policy and politeness."""

    max_download_bytes: int
    connect_timeout: float
    read_timeout: float
    max_redirects: int
    user_agent: str
    allow_private: bool
    respect_robots: bool
    crawl_delay: float


@dataclass(frozen=True)
class LibraryConfig:
    """A library's folder, store, models and parsing limits."""

    root: Path
    fetch: FetchConfig
    embedding_model: str
    embedding_batch_size: int
    embedding_quantize: bool
    chunk_size: int
    chunk_overlap: int
    chroma_url: str | None
    library_name: str | None
    parse_timeout: float
    parse_memory_mb: int
    min_text_chars: int
    # How `add` moves through the sources: this many per fetch-extract-embed-store round
    # (bounded memory, full encoder batches), fetched by this many threads. Tests make
    # them small to watch the rounds.
    group_size: int = 128
    fetch_workers: int = 4

"""Ingest: fetch, extract, chunk and embed sources into a numbered library.

The one entry point is `Library`: ``Library(config).add([...])``, with a `LibraryConfig`
the caller builds (the CLI from its settings: `Settings.library_config()`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.config import FetchConfig, LibraryConfig
    from ingest.errors import LibraryError
    from ingest.library import Library
    from ingest.requests import SourceRequest
    from ingest.results import IngestSummary, Outcome

__all__ = [
    "FetchConfig",
    "IngestSummary",
    "Library",
    "LibraryConfig",
    "LibraryError",
    "Outcome",
    "SourceRequest",
]
_HOME = {
    "FetchConfig": "ingest.config",
    "IngestSummary": "ingest.results",
    "Library": "ingest.library",
    "LibraryConfig": "ingest.config",
    "LibraryError": "ingest.errors",
    "Outcome": "ingest.results",
    "SourceRequest": "ingest.requests",
}


def __getattr__(name: str) -> object:
    # Exports load on first use: a command that needs one light module (the CLI's settings
    # read ingest.config) does not pay for the whole pipeline (trafilatura, pypdf, Chroma).
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

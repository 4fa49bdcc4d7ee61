"""Ingest: fetch, extract, chunk and embed sources into a numbered library.

The one entry point is `Library`: ``Library(config).add([...])``, with a `LibraryConfig`
the caller builds (the CLI from its settings: `Settings.library_config()`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.exports import lazy_exports

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
__getattr__ = lazy_exports(
    __name__,
    {
        "FetchConfig": "ingest.config",
        "IngestSummary": "ingest.results",
        "Library": "ingest.library",
        "LibraryConfig": "ingest.config",
        "LibraryError": "ingest.errors",
        "Outcome": "ingest.results",
        "SourceRequest": "ingest.requests",
    },
)

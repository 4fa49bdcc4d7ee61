"""Ingest: fetch, extract, chunk and embed sources into a numbered library.

The one entry point is `Library`: ``Library(config).add([...])``, with a `LibraryConfig`
the caller builds (the CLI from its settings: `Settings.library_config()`).
"""

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

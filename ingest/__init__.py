"""Ingest: fetch, extract, chunk and embed sources into a numbered library.

The one entry point is `Library`: ``Library(settings).add([...])``.
"""

from ingest.library import IngestSummary, Library, LibraryError, Outcome, SourceRequest

__all__ = ["IngestSummary", "Library", "LibraryError", "Outcome", "SourceRequest"]

"""The errors ingest raises for people to read."""

from __future__ import annotations


class LibraryError(RuntimeError):
    """A problem a user can act on (the message says how)."""


class FetchError(Exception):
    """A source could not be fetched or read; ``reason`` says why, for a person.

    Local files raise it too (``ingest.local``), and so does sniffing (``ingest.sniff``),
    so the ingest stage catches one type.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

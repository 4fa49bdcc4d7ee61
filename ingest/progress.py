"""Progress reporting, kept behind a tiny protocol so the library never prints.

The CLI passes a Rich implementation; the Python API and tests get the silent default.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Phases (fetch, extract, embed...) that advance towards a known total."""

    def start(self, phase: str, total: int) -> None: ...

    def advance(self, phase: str, amount: int = 1) -> None: ...

    def grow(self, phase: str, amount: int) -> None:
        """The phase's total grew (e.g. more chunks to embed than first known)."""


class SilentProgress:
    """Reports nothing."""

    def start(self, phase: str, total: int) -> None:
        pass

    def advance(self, phase: str, amount: int = 1) -> None:
        pass

    def grow(self, phase: str, amount: int) -> None:
        pass

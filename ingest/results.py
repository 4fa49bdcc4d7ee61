"""What one `Library.add` did, source by source."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ingest.types import Source


class Outcome(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    FAILED = "failed"


class IngestResult(BaseModel):
    """What happened to one source in one `add`."""

    model_config = ConfigDict(extra="forbid")

    source: Source
    outcome: Outcome
    reason: str | None = None


class IngestSummary(BaseModel):
    """Everything one `add` did."""

    model_config = ConfigDict(extra="forbid")

    results: list[IngestResult] = Field(default_factory=list)
    chunks_embedded: int = 0
    characters_embedded: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def anything_usable(self) -> bool:
        """True unless every source failed (the CLI then exits non-zero)."""
        return any(result.outcome != Outcome.FAILED for result in self.results)

"""The ledger: for one run, which sources were retrieved into which brief, which were
cited, which were retrieved but never cited ("unused"), and which library sources were
never retrieved at all. The report renders it; later stages fill in the citations.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from retrieval.types import Brief


class LedgerSource(BaseModel):
    """A library source as the ledger knows it."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(description="Library number.")
    title: str | None = Field(None, description="Title of the source.")


class Ledger(BaseModel):
    """Retrieved / cited / unused bookkeeping for one run (chunk ids are the keys)."""

    model_config = ConfigDict(extra="forbid")

    library: list[LedgerSource] = Field(
        default_factory=list, description="Every ok source in the library when the run began."
    )
    briefs: dict[str, list[str]] = Field(
        default_factory=dict, description="Advisor name -> chunk ids in their brief."
    )
    chunk_sources: dict[str, int] = Field(
        default_factory=dict, description="Chunk id -> library number, for every retrieved chunk."
    )
    cited: list[str] = Field(
        default_factory=list, description="Chunk ids cited anywhere, in order of first citation."
    )

    def record_brief(self, brief: Brief) -> None:
        self.briefs[brief.advisor.name] = [item.key for item in brief.evidence]
        for item in brief.evidence:
            self.chunk_sources[item.key] = item.source

    def mark_cited(self, chunk_ids: Iterable[str]) -> list[str]:
        """Record citations; returns the ids that were refused because no brief held them
        (an engine can never cite what it was not shown)."""
        refused = []
        for chunk_id in chunk_ids:
            if chunk_id not in self.chunk_sources:
                refused.append(chunk_id)
            elif chunk_id not in self.cited:
                self.cited.append(chunk_id)
        return refused

    def retrieved_sources(self) -> list[int]:
        return sorted(set(self.chunk_sources.values()))

    def cited_sources(self) -> list[int]:
        """Cited library numbers in order of first citation."""
        return list(dict.fromkeys(self.chunk_sources[chunk_id] for chunk_id in self.cited))

    def unused_sources(self) -> list[int]:
        """Retrieved into some brief but never cited."""
        cited = set(self.cited_sources())
        return [number for number in self.retrieved_sources() if number not in cited]

    def never_retrieved(self) -> list[int]:
        retrieved = set(self.retrieved_sources())
        return [s.number for s in self.library if s.number not in retrieved]

    def sources_in_brief(self, advisor: str) -> list[int]:
        return list(dict.fromkeys(self.chunk_sources[c] for c in self.briefs.get(advisor, [])))

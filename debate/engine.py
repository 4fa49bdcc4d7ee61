"""The one small protocol every debate engine follows, and choosing an engine by a string.

An engine writes the words: the panel (optionally), each turn, each round's summary and the
closing confidences. It does not decide what an advisor may cite: `debate.run` checks
every citation against the advisor's brief afterwards, whatever the engine, so an engine
can never cite what it was not shown.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from debate.types import Confidence, Debate, LLMCall, PanelMember, Round, RoundSummary, Turn
from ingest.library import Library


@runtime_checkable
class Engine(Protocol):
    name: str

    def settings(self) -> dict[str, Any]:
        """Its configuration, recorded in debate.json."""
        ...

    def propose_panel(self, question: str) -> list[PanelMember] | None:
        """Domain advisors for this question, or None to seat them from the role catalogue."""
        ...

    def prepare(self, debate: Debate, library: Library) -> None:
        """Called once per process before turns (again after a resume)."""
        ...

    def turn(self, debate: Debate, round_: Round, member: PanelMember) -> Turn:
        """`member` speaks in `round_` (its earlier turns are in `round_.turns`)."""
        ...

    def summarize(self, debate: Debate, round_: Round) -> RoundSummary:
        """Where the panel agrees and disagrees after `round_`."""
        ...

    def conclude(self, debate: Debate) -> tuple[str | None, list[Confidence]]:
        """The verdict the confidences refer to, and each advisor's confidence in it."""
        ...

    def take_calls(self) -> list[LLMCall]:
        """Generative-model calls made since the last take (empty for extractive)."""
        ...


def make_engine(spec: str | None = None, *, api_base: str | None = None) -> Engine:
    """'extractive' (also for None/''), 'llm:<llm spec>', or a bare LLM spec such as
    'openai:MODEL', 'ollama:MODEL', 'gguf:/path/model.gguf'."""
    if not spec or spec == "extractive":
        from debate.extractive import ExtractiveEngine

        return ExtractiveEngine()
    from debate.llm import LLMEngine, load_llm

    llm_spec = spec.removeprefix("llm:")
    return LLMEngine(load_llm(llm_spec, api_base=api_base), spec=llm_spec)

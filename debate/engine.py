"""The one small protocol every debate engine follows, and choosing an engine by a string.

An engine writes the words: the panel (optionally), each turn, each round's summary and the
closing confidences. It does not decide what an advisor may cite: `debate.run` checks
every citation against the advisor's brief afterwards, whatever the engine, so an engine
can never cite what it was not shown.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from debate.support import JudgeScorer, SupportJudge
from debate.types import Confidence, Debate, PanelMember, Round, RoundSummary, Turn
from ingest.library import Library
from llm import LLMCall, Model


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


def make_engine(model: Model | str | None = None, *, judge: SupportJudge | None = None) -> Engine:
    """The llm engine over a loaded `model` (`llm.load_model`, once per command), or the
    extractive engine for None (also 'extractive' or ''). The Auditor fact-checks with
    `judge` (the audit's, passed in by the pipeline: the debate never imports the audit);
    without one, with the judge `debate.support.provide_judge` set, else a cosine score."""
    scorer = JudgeScorer(judge) if judge is not None else None
    if model is None or model in ("", "extractive"):
        from debate.extractive import ExtractiveEngine

        return ExtractiveEngine(scorer=scorer)
    if isinstance(model, str):
        raise ValueError(
            f"make_engine({model!r}): load the model once with llm.load_model(spec) and "
            "pass it (the report uses the same model)"
        )
    from debate.llm import LLMEngine

    return LLMEngine(model, scorer=scorer)

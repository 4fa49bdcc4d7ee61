"""The report stage's data: every section of the advisory brief, plus the bookkeeping that
lets a reader (and `agora audit`) trace each number back to the passages behind it.

Citations are chunk ids everywhere in the model. Prose may carry inline ``[@chunk_id]``
markers (`debate.types.CITE`); a `Statement`'s ``citations`` are rendered after its text.
Report numbers ``[n]`` exist only in `Report.citations` and in rendered output: they are
assigned per source, in order of first citation across the whole report, in section
order (design invariant 2).

Prose is a `Text`: either a plain string (written by an engine or quoted from the debate;
a translator may translate it) or a `Phrase` (a template from `report.i18n`'s catalog with
its arguments, so that every templated sentence renders in the reader's language).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from debate.types import DroppedCitation, EngineFallback, EngineInfo, LLMCall, Move
from report.i18n import CATALOG
from retrieval.ledger import Ledger

SCHEMA_VERSION = 2  # 2: report_number / library_number in citations and sources


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Phrase(_Model):
    """A templated sentence: rendered from the message catalog in the reader's language."""

    key: str = Field(description="Message key in report.i18n.CATALOG.")
    args: dict[str, str | int | float] = Field(
        default_factory=dict,
        description="Template arguments; quotes from sources stay verbatim in every language.",
    )

    @field_validator("key")
    @classmethod
    def _known(cls, key: str) -> str:
        if key not in CATALOG["en"]:
            raise ValueError(f"unknown message key {key!r}")
        return key


# Plain strings are engine prose (translatable); phrases are catalog templates.
Text = str | Phrase

PredictionMethod = Literal["llm judgement", "panel vote", "evidence balance"]
SectionMethod = Literal["extractive", "llm", "debate"]
# The sections that can cite, in the order the report shows them: the layout renders them
# and the audit reads their claims in this order, so report numbers follow it (invariant 2).
CITING_SECTIONS = (
    "verdict",
    "predictions",
    "action_plan",
    "future_paths",
    "deeper_story",
    "evidence",
    "risks",
    "panel",
    "rounds",
)


class Statement(_Model):
    """One thing the report asserts, with what backs it."""

    text: Text = Field(description="The assertion; may carry inline [@chunk_id] markers.")
    citations: list[str] = Field(
        default_factory=list, description="Chunk ids backing it, rendered after the text."
    )
    advisors: list[str] = Field(
        default_factory=list,
        description="Advisors whose experience or vote backs it, rendered as '(Advisor Name)'.",
    )


VerdictStatus = Literal["leans", "too_close", "insufficient_evidence"]


class Verdict(_Model):
    """The direct answer and why."""

    status: VerdictStatus = Field(
        "too_close",
        description="leans (then `option` names the option), too_close (the cited evidence "
        "does not decide), or insufficient_evidence (the library cannot answer: too few "
        "relevant passages or sources; no option, no probabilities).",
    )
    option: str | None = Field(description="The option the verdict favours; None if undecided.")
    answer: Statement = Field(description="The direct answer, one sentence.")
    reasoning: Statement = Field(description="A paragraph of reasoning.")
    sides: list[Statement] = Field(
        default_factory=list,
        description="Each side's argument as key points: how many, from how many sources, "
        "and the strongest (citing the passages behind it).",
    )
    readings: Statement | None = Field(
        None,
        description="How sure the stance readings behind the counts are: how many of the "
        "passages counted for a side lean only narrowly (debate.stance.NARROW).",
    )
    quote_use: Statement | None = Field(
        None,
        description="How the debate's claims used their passages, as the Auditor checked "
        "(leaning the way their speaker argued; bearing on the round's theme).",
    )
    strongest_evidence: Statement | None = Field(
        None, description="The best-supported claim for the verdict."
    )
    strongest_objection: Statement | None = Field(
        None, description="The strongest claim against the verdict."
    )


class Prediction(_Model):
    """A falsifiable forecast with a time frame and a probability."""

    statement: Statement = Field(description="What will happen, with its backing.")
    time_frame: Text = Field(description="When, in words ('within 12 months').")
    horizon_months: int | None = Field(None, ge=0, description="The time frame in months.")
    probability: float = Field(ge=0.0, le=1.0, description="Probability it comes true, 0-1.")
    method: PredictionMethod = Field(description="How the probability was derived.")
    basis: Text = Field(description="The derivation in words (counts, votes or judgement).")


class Timing(_Model):
    """When a step is due, relative to the run date."""

    kind: Literal["this_week", "by_date"] = Field(description="'this week' or 'by <date>'.")
    due: date = Field(description="The due date (end of the run's week for 'this week').")


class ActionStep(_Model):
    """A concrete step: what, when, who, and what to say."""

    action: Statement = Field(description="What to do, with its backing.")
    timing: Timing = Field(description="When it is due.")
    owner: Text = Field(description="Who does it.")
    script: Text | None = Field(None, description="Exact words to use in a meeting, if useful.")


class Milestone(_Model):
    """A point on a future path and what makes it plausible."""

    month: int = Field(
        ge=1,
        description="Months after the run date: the time a dated forecast refers to, else a "
        "place in the sequence (3, 6, 9 for recommendations; 12, 18, 24 for undated forecasts).",
    )
    event: Statement = Field(description="What happens (or what to look for) by then.")
    basis: Literal["quote", "forecast", "forecast_dated", "recommendation"] = Field(
        description="'quote': a cited passage makes it plausible; 'forecast': a forecast that "
        "names no time (the month only places it); 'forecast_dated': a forecast whose month is "
        "the time it names, resolved against the run date; 'recommendation': advice a cited "
        "passage gives."
    )


class FuturePath(_Model):
    """One divergent timeline."""

    title: Text = Field(description="Short name of the path.")
    premise: Text = Field(description="'If you treat X as the root cause ...'.")
    option: str | None = Field(None, description="The option the path takes, if any.")
    milestones: list[Milestone] = Field(description="Milestones in month order.")


class CitedPoint(_Model):
    """One bullet of the evidence section (not retrieval's `Evidence`, a retrieved chunk): ends
    with [n], or '(Advisor Name)' for experience."""

    statement: Statement = Field(
        description="The key point in its most central quote, with the citations of every "
        "passage that makes it (or the advisor, for experience)."
    )
    leaning: str | None = Field(None, description="The option it leans toward, if known.")
    narrow: bool = Field(
        False, description="Every passage behind it leans that way only narrowly (a close call)."
    )
    cited_by: list[str] = Field(default_factory=list, description="Advisors who used it.")
    sources: int = Field(0, description="Distinct library sources behind the point.")
    passages: int = Field(1, description="Quoted passages grouped into this point.")


class PanelEntry(_Model):
    """An advisor, their role, and their confidence in the verdict."""

    advisor: str = Field(description="Advisor name.")
    role: str = Field(description="Their role on the panel.")
    kind: str = Field(description="domain, auditor or contrarian.")
    confidence: int | None = Field(None, ge=0, le=100, description="Confidence, 0-100.")
    reason: str | None = Field(None, description="Why, in their words or the engine's.")
    method: str | None = Field(None, description="How the confidence was derived.")


class ReportTurn(_Model):
    """One turn as the report shows it."""

    advisor: str = Field(description="Who spoke.")
    move: Move = Field(description="The move tag: SHARE, WARN, CHALLENGE, ...")
    text: str = Field(description="What they said, with [@chunk_id] markers.")
    claims: list[Statement] = Field(
        default_factory=list, description="The turn's claims with their chunk ids (for audit)."
    )


class ReportRound(_Model):
    """One debate round: its summary, then its turns."""

    number: int = Field(description="Round number (1-based).")
    theme: str = Field(description="What the round was about.")
    summary: str = Field(description="Where the panel stood at the end of the round.")
    turns: list[ReportTurn] = Field(description="Turns in speaking order.")


class SourceEntry(_Model):
    """A library source as the research library lists it."""

    report_number: int | None = Field(
        None, description="Report number [n] for cited sources; None for unused ones."
    )
    library_number: int = Field(description="Library number of the source (never changes).")
    source_id: str | None = Field(
        None, description="Stable source id (None if no longer in the library)."
    )
    title: str | None = Field(None, description="Title.")
    author: str | None = Field(None, description="Author or organisation.")
    date: str | None = Field(None, description="Publication date.")
    url: str | None = Field(None, description="URL of a web source.")
    path: str | None = Field(None, description="File path of a local source.")


class Sources(_Model):
    """Section 10: the research library and the unused sources, with counts."""

    library: list[SourceEntry] = Field(description="Cited sources in order of first citation.")
    unused: list[SourceEntry] = Field(description="Retrieved into a brief but never cited.")
    retrieved_count: int = Field(description="Sources retrieved into some brief.")
    cited_count: int = Field(description="Sources cited in the report.")
    unused_count: int = Field(description="Retrieved but not cited (retrieved - cited).")
    never_retrieved_count: int = Field(description="Library sources no brief retrieved.")
    never_retrieved: list[SourceEntry] = Field(
        default_factory=list,
        description="The library sources no brief retrieved (off the question's topic, or "
        "outranked), so a reader sees what the panel never looked at.",
    )


class CitedChunk(_Model):
    """A passage behind a report number."""

    chunk_id: str = Field(description="The chunk id.")
    text: str = Field(description="The passage as the advisor saw it.")
    page: int | None = Field(None, description="PDF page where it starts.")


class CitationEntry(_Model):
    """One row of the citation table: report number -> source -> chunks."""

    report_number: int = Field(description="Report number [n].")
    library_number: int = Field(description="Library number of the source.")
    source_id: str | None = Field(None, description="Stable source id.")
    chunks: list[CitedChunk] = Field(description="Cited chunks, in order of first citation.")


class SectionNote(_Model):
    """How one section was produced."""

    section: str = Field(description="Section key: verdict, predictions, action_plan, ...")
    method: SectionMethod = Field(description="extractive, llm, or copied from the debate.")
    note: Text = Field(description="What that means for this section, for the reader.")


class Report(_Model):
    """Every section of the report, in order, plus citations, ledger and provenance."""

    schema_version: int = Field(SCHEMA_VERSION, description="Version of this layout.")
    question: str = Field(description="The decision question.")
    run_date: date = Field(description="When the debate began; action timings count from it.")
    generated_at: datetime = Field(description="When the report was built (UTC).")
    language: str = Field("en", description="Language of the engine prose ('en').")
    verdict: Verdict = Field(description="1. The direct answer and its reasoning.")
    predictions: list[Prediction] = Field(description="2. Three to five forecasts.")
    action_plan: list[ActionStep] = Field(description="3. Concrete steps.")
    future_paths: list[FuturePath] = Field(description="4. Two or three timelines.")
    deeper_story: list[Statement] = Field(description="5. The pattern beneath the positions.")
    evidence: list[CitedPoint] = Field(description="6. Evidence bullets.")
    risks: list[Statement] = Field(description="7. Where the verdict could be wrong.")
    panel: list[PanelEntry] = Field(description="8. The advisors and their confidence.")
    rounds: list[ReportRound] = Field(description="9. Each round's summary and turns.")
    sources: Sources = Field(description="10. Research library and unused sources.")
    closing: Text = Field(description="11. Machine-generated, not professional advice.")
    citations: list[CitationEntry] = Field(description="Report number -> source -> chunks.")
    ledger: Ledger = Field(
        description="The run's ledger; 'cited' lists chunk ids in the report's citation order."
    )
    engine: EngineInfo = Field(description="The engine that wrote the report's sections.")
    debate_engine: EngineInfo = Field(description="The engine that wrote the debate.")
    generated_by: list[SectionNote] = Field(description="How each section was produced.")
    dropped_citations: list[DroppedCitation] = Field(
        default_factory=list,
        description="Citations refused (debate and report): never rendered.",
    )
    llm_calls: list[LLMCall] = Field(
        default_factory=list, description="Generative-model calls made for the report."
    )
    fallbacks: list[EngineFallback] = Field(
        default_factory=list,
        description="Parts the language model failed to write (debate and report), written "
        "by the extractive engine instead; each says why.",
    )

"""The debate stage's data: the panel, the transcript, and what the run cost.

Citations are chunk ids (the stable keys of `retrieval.types.Evidence`), never numbers: the
report numbers them by first appearance. Inside a turn's `text` a citation is written as
``[@chunk_id]`` (see `CITE`), so prose can say where each sentence came from and the
report can replace the marker with its ``[n]``.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest.types import Verdict
from llm.types import LLMCall  # the model client's call record, kept in debate.json
from retrieval.ledger import Ledger
from retrieval.types import Advisor, Brief

# A citation inside prose: "[@<chunk id>]". Chunk ids hold no spaces or brackets.
CITE = re.compile(r"\[@([^\]\s]+)\]")


def cite(chunk_id: str) -> str:
    """The in-text marker for a citation of `chunk_id`."""
    return f"[@{chunk_id}]"


class Move(StrEnum):
    """What a turn does in the conversation."""

    SHARE = "SHARE"  # brings evidence to the table
    WARN = "WARN"  # points at a risk or a downside
    REFRAME = "REFRAME"  # restates the question or the problem
    FACTCHECK = "FACTCHECK"  # checks earlier claims against their cited passages
    CHALLENGE = "CHALLENGE"  # disputes an earlier claim or the emerging consensus
    CONCEDE = "CONCEDE"  # accepts another advisor's point
    PROPOSE = "PROPOSE"  # proposes a concrete change or action
    QUESTION = "QUESTION"  # asks what evidence would settle a point


class MemberKind(StrEnum):
    DOMAIN = "domain"
    AUDITOR = "auditor"
    CONTRARIAN = "contrarian"


class Claim(BaseModel):
    """One sentence an advisor asserts, with what backs it."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The claim, one sentence, without citation markers.")
    citations: list[str] = Field(
        default_factory=list,
        description="Chunk ids from the advisor's brief that back the claim, best first.",
    )
    experience: bool = Field(
        False,
        description="True when the claim rests on the advisor's own experience, not a "
        "source; it then carries no citations and the report shows '(Advisor Name)'.",
    )


class TurnRef(BaseModel):
    """A pointer to an earlier turn (and optionally one of its claims)."""

    model_config = ConfigDict(extra="forbid")

    round: int = Field(description="Round number of the earlier turn (1-based).")
    advisor: str = Field(description="Name of the advisor who spoke.")
    claim: int | None = Field(None, description="Index of the claim responded to, if one.")


class QuoteUse(BaseModel):
    """How a claim uses the passages it cites: whether they lean the way its speaker argues,
    and whether they bear on the round's theme (an extractive claim is a quote of its own
    passage, so 'backed' holds by construction; what can be wrong is its use)."""

    model_config = ConfigDict(extra="forbid")

    leaning: str | None = Field(description="Which way the cited passages lean; None: no side.")
    argued: str | None = Field(description="The option the speaker's turn argues for, if any.")
    agrees: bool | None = Field(
        description="True when the passages lean the way the speaker argues, False when they "
        "lean the other way; None when either takes no side."
    )
    theme_similarity: float = Field(
        description="Cosine of the best cited passage to the round's theme."
    )
    theme_median: float = Field(
        description="Median cosine to the theme over the speaker's brief (the reference)."
    )
    on_theme: bool = Field(
        description="The cited passage bears on the theme at least as much as the speaker's "
        "typical brief passage."
    )


class FactCheck(BaseModel):
    """The Auditor's check of one earlier claim against the passages it cites."""

    model_config = ConfigDict(extra="forbid")

    target: TurnRef = Field(description="The turn and claim that was checked.")
    claim: str = Field(description="The claim's text, as it was made.")
    citations: list[str] = Field(description="The chunk ids the claim cites.")
    verdict: Verdict = Field(
        description="Verdict of the best-backing cited passage (supported, partially_supported, "
        "not_supported, contradicted); 'uncited' for no citations."
    )
    score: float = Field(ge=0.0, le=1.0, description="Best support score over the passages.")
    best_sentence: str = Field("", description="The cited passage sentence that backs it best.")
    method: str = Field(description="How it was scored, e.g. 'audit.judge' or 'cosine'.")
    use: QuoteUse | None = Field(None, description="How the claim uses its passages.")


class Turn(BaseModel):
    """One advisor speaking once."""

    model_config = ConfigDict(extra="forbid")

    round: int = Field(description="Round number (1-based).")
    advisor: str = Field(description="Name of the advisor speaking.")
    move: Move = Field(description="What the turn does: SHARE, WARN, CHALLENGE, ...")
    text: str = Field(description="What they say; citations appear as [@chunk_id] markers.")
    claims: list[Claim] = Field(default_factory=list, description="The claims the turn makes.")
    responds_to: TurnRef | None = Field(None, description="The earlier turn this answers.")
    argues: str | None = Field(
        None, description="The option the turn argues for; None when it argues none."
    )
    checks: list[FactCheck] = Field(
        default_factory=list, description="Fact-checks of earlier claims (the Auditor's)."
    )


class RoundSummary(BaseModel):
    """Where the panel stands at the end of a round."""

    model_config = ConfigDict(extra="forbid")

    agreements: list[str] = Field(default_factory=list, description="Positions several share.")
    disagreements: list[str] = Field(default_factory=list, description="Opposing positions.")
    text: str = Field(description="The summary as a short paragraph.")


class Round(BaseModel):
    """One round of the debate."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(description="Round number (1-based).")
    theme: str = Field(description="What the round is about.")
    turns: list[Turn] = Field(default_factory=list, description="Turns in speaking order.")
    summary: RoundSummary | None = Field(None, description="Written when the round ends.")


class PanelMember(BaseModel):
    """An advisor on the panel and the part they play."""

    model_config = ConfigDict(extra="forbid")

    advisor: Advisor = Field(description="Who they are and what they look for.")
    kind: MemberKind = Field(MemberKind.DOMAIN, description="domain, auditor or contrarian.")


class RoleScore(BaseModel):
    """How well one catalogue role fitted the question (the extractive engine's choice)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Advisor name.")
    role: str = Field(description="Their role.")
    score: float = Field(description="Relevance used to rank the roles (higher fits better).")
    question: float = Field(description="Cosine of the role and lens to the question.")
    library: float = Field(
        description="Cosine of the role and lens to the passages the library holds on it."
    )
    words: float = Field(
        description="Share of the question's words (rarity-weighted) the role and lens name."
    )
    seated: bool = Field(description="Whether the role was seated.")


class PanelChoice(BaseModel):
    """How the domain advisors were chosen."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["catalogue", "llm", "file"] = Field(
        description="'catalogue' (ranked from debate.roles), 'llm' (proposed by the "
        "engine's model) or 'file' (a --panel file)."
    )
    note: str = Field(description="One line saying how, for people reading the run.")
    scores: list[RoleScore] = Field(
        default_factory=list,
        description="For 'catalogue': the seated roles and the best of the rest, best first.",
    )


class Confidence(BaseModel):
    """An advisor's confidence in the final verdict."""

    model_config = ConfigDict(extra="forbid")

    advisor: str = Field(description="Advisor name.")
    percent: int = Field(ge=0, le=100, description="Confidence in the verdict, 0-100.")
    reason: str = Field(description="Why, in one or two sentences.")
    method: str = Field(
        description="How it was derived: 'evidence balance' (extractive) or 'llm judgement'."
    )


class DroppedCitation(BaseModel):
    """A citation an engine produced that was not in the advisor's brief: never rendered."""

    model_config = ConfigDict(extra="forbid")

    advisor: str = Field(description="Who cited it.")
    round: int = Field(description="Round number (0 for the closing confidences).")
    chunk_id: str = Field(description="The key that was cited.")
    why: str = Field(description="Why it was dropped.")


class QuestionFrame(BaseModel):
    """How the question was read: a choice between options, or yes/no."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["choice", "yes_no"] = Field(description="'choice' for 'A or B?' questions.")
    options: list[str] = Field(
        description="The options for a choice question; ['yes', 'no'] otherwise."
    )


class PassageStance(BaseModel):
    """Which way one passage leans on the question (the extractive engine's reading)."""

    model_config = ConfigDict(extra="forbid")

    chunk_id: str = Field(description="The passage.")
    leaning: str | None = Field(description="The option it leans to; None when neutral.")
    score: float = Field(description="Signed strength: >0 toward options[0], <0 toward [1].")
    method: str = Field(description="How it was measured.")


class EngineFallback(BaseModel):
    """A part the language model gave no valid reply for (after its retries, or because
    the prompt could not fit its context window), written by the extractive engine."""

    model_config = ConfigDict(extra="forbid")

    part: str = Field(description="'panel', 'turn', 'summary', 'confidences', or a report section.")
    round: int = Field(0, description="Round number (0 for the panel, confidences, report).")
    advisor: str | None = Field(None, description="Whose turn it was, for a turn.")
    why: str = Field(description="The model's last problem.")


class EngineInfo(BaseModel):
    """Which engine wrote the debate, and how it was configured."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="'extractive', 'llm', or another engine's name.")
    settings: dict[str, Any] = Field(default_factory=dict, description="Its configuration.")


class Debate(BaseModel):
    """Everything the debate produced; written to debate.json as each round completes."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The decision question.")
    created_at: datetime = Field(description="When the run began (UTC).")
    engine: EngineInfo = Field(description="The engine that wrote the turns.")
    frame: QuestionFrame = Field(description="How the question was read.")
    panel: list[PanelMember] = Field(description="Advisors in speaking order.")
    panel_choice: PanelChoice | None = Field(
        None, description="How the panel was chosen (absent in runs from before it was kept)."
    )
    themes: list[str] = Field(description="Round themes; round n has themes[n-1].")
    rounds: list[Round] = Field(default_factory=list, description="Completed rounds.")
    leaning: str | None = Field(
        None, description="The verdict the confidences refer to (one sentence)."
    )
    confidences: list[Confidence] = Field(
        default_factory=list, description="Each advisor's confidence in the final verdict."
    )
    stances: list[PassageStance] = Field(
        default_factory=list, description="Per-passage stance (extractive engine only)."
    )
    ledger: Ledger = Field(description="Retrieved / cited / unused bookkeeping.")
    briefs: dict[str, Brief] = Field(description="Advisor name -> what they were shown.")
    dropped_citations: list[DroppedCitation] = Field(
        default_factory=list, description="Citations refused because no brief of theirs held them."
    )
    llm_calls: list[LLMCall] = Field(default_factory=list, description="Generative model calls.")
    fallbacks: list[EngineFallback] = Field(
        default_factory=list,
        description="Parts the model failed to write, written by the extractive engine instead.",
    )

    @property
    def complete(self) -> bool:
        """All rounds done and confidences given."""
        return len(self.rounds) == len(self.themes) and bool(self.confidences)

    def member(self, name: str) -> PanelMember:
        for member in self.panel:
            if member.advisor.name == name:
                return member
        raise KeyError(name)

    def turns(self) -> list[Turn]:
        """Every turn so far, in order."""
        return [turn for round_ in self.rounds for turn in round_.turns]

"""Fitting prompts into the model's context window, openly.

A prompt is built in shapes from the fullest to the leanest (earlier rounds as their
summaries, shorter quotes, fewer passages, shorter turns); the first shape that fits the
window is sent, and what was shortened is recorded in the call (`LLMCall.fitted`). When
even the leanest shape does not fit, the model refuses it (`LLMContextError`) and the
engine falls back for that part: nothing is ever cut silently by a server.

Counting uses the model's own tokenizer where it has one (llama.cpp), and the stated
estimate of 4 characters a token for remote servers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from debate.types import Round
from llm import Model
from retrieval.brief import render_brief
from retrieval.types import Brief

MARGIN = 16  # tokens kept free: the chat template's own markers vary by model


@dataclass(frozen=True)
class Shape:
    """How much of the material a prompt carries."""

    passages: int | None = None  # at most this many brief passages (best first)
    quote_chars: int | None = None  # each passage cut to this many characters
    history: str = "full"  # "full", "summaries" (earlier rounds), or "short" (turns cut too)

    def describe(self, brief_size: int) -> str | None:
        parts = []
        if self.history != "full":
            parts.append("earlier rounds given as their summaries")
        if self.history == "short":
            parts.append("this round's turns cut to 300 characters")
        if self.passages is not None and self.passages < brief_size:
            parts.append(f"brief cut to its best {self.passages} of {brief_size} passages")
        if self.quote_chars is not None:
            parts.append(f"passages cut to {self.quote_chars} characters")
        return "; ".join(parts) or None


FULL = Shape()
SHAPES = [
    FULL,
    Shape(history="summaries"),
    Shape(history="summaries", quote_chars=600),
    Shape(history="summaries", quote_chars=600, passages=8),
    Shape(history="short", quote_chars=400, passages=6),
    Shape(history="short", quote_chars=300, passages=4),
    Shape(history="short", quote_chars=200, passages=2),
]


def fit(
    model: Model,
    system: str,
    reply: type[BaseModel],
    build: Callable[[Shape], str],
    describe: Callable[[Shape], str | None],
) -> tuple[str, str | None]:
    """The prompt in the first shape that fits, and what was shortened (None: nothing).
    Without a known window, the full prompt."""
    budget = model.prompt_budget(system, reply)
    if budget is None:
        return build(FULL), None
    prompt = ""
    for shape in SHAPES:
        prompt = build(shape)
        if model.count_tokens(prompt) + MARGIN <= budget:
            return prompt, describe(shape)
    return prompt, describe(SHAPES[-1])  # too long even so: the model refuses it


def shaped_brief(brief: Brief, shape: Shape) -> str:
    evidence = brief.evidence[: shape.passages] if shape.passages else brief.evidence
    if shape.quote_chars:
        evidence = [
            item.model_copy(update={"text": cut(item.text, shape.quote_chars)}) for item in evidence
        ]
    return render_brief(brief.model_copy(update={"evidence": evidence}))


def shaped_transcript(rounds: list[Round], shape: Shape) -> str:
    """Rounds before the last as summaries (or in full), then the last round's turns."""
    lines = []
    for index, round_ in enumerate(rounds):
        if not round_.turns:
            continue
        lines.append(f"## Round {round_.number}: {round_.theme}")
        earlier = index < len(rounds) - 1
        if earlier and shape.history != "full" and round_.summary:
            lines.append(f"Summary: {round_.summary.text}")
            continue
        for turn in round_.turns:
            text = cut(turn.text, 300) if shape.history == "short" else turn.text
            lines.append(f"- {turn.advisor} [{turn.move.value}]: {text}")
        if round_.summary:
            lines.append(f"Summary: {round_.summary.text}")
    return "\n".join(lines)


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, at a word boundary, marked as cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"

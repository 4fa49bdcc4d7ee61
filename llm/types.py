"""What the model client hands back and records: call records, errors, messages."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class LLMConfigError(ValueError):
    """An --llm spec that cannot be used (the message says how to fix it)."""


class LLMOutputError(RuntimeError):
    """The model gave no valid reply within the retry bound."""


class LLMContextError(LLMOutputError):
    """The prompt does not fit the model's context window (nothing is cut silently)."""


class LLMCall(BaseModel):
    """One call to a generative model (including its retries)."""

    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(description="What it was for, e.g. 'turn r2 The Auditor'.")
    prompt_tokens: int = Field(description="Prompt tokens over all attempts.")
    completion_tokens: int = Field(description="Completion tokens over all attempts.")
    tokens_reported: bool = Field(
        description="True when the provider reported the counts; False when estimated "
        "from characters (about 4 per token)."
    )
    seconds: float = Field(description="Wall-clock seconds over all attempts.")
    attempts: int = Field(description="Attempts made (1 when the first reply was valid).")
    ok: bool = Field(description="Whether a valid reply was obtained.")
    error: str | None = Field(None, description="The last problem, if any attempt failed.")
    constrained: bool = Field(
        False,
        description="True when the backend was made to follow the reply's JSON schema "
        "(grammar or response format); False when the schema was only in the prompt.",
    )
    fitted: str | None = Field(
        None,
        description="What was shortened to fit the prompt into the context window, if anything.",
    )


@dataclass(frozen=True)
class Message:
    role: str  # "system", "user" or "assistant"
    content: str


@dataclass(frozen=True)
class Completion:
    """One reply of a backend, with the token counts it reported (None: not reported)."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    constrained: bool = False  # the backend enforced the schema for this reply


class LLMConnectionError(RuntimeError):
    """The model server could not be reached or refused the request (not the model's
    fault: never masked by a fallback)."""

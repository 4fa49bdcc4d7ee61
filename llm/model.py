"""The model client: one structured ask, validated, with bounded retries and call records.

A `ChatModel` wraps a `Backend` (in-process llama.cpp, an OpenAI-compatible server,
Ollama, or any llama-index LLM such as the tests' fake). `ask` sends a system message and
a prompt that carries the reply model's JSON schema, asks the backend to follow that
schema where it can (a llama.cpp grammar, `response_format` json_schema, Ollama's
`format`), then parses and validates the reply with pydantic. A malformed reply is sent
back with the validation error, up to `max_attempts` in all; then `LLMOutputError` says
what went wrong. The schema stays in the prompt even when the backend enforces it: its
descriptions tell the model what each field means.

Every ask is recorded as an `LLMCall` (tokens, seconds, attempts, whether the schema was
enforced, what was shortened to fit); callers collect them with `take_calls`.

The context window is a hard budget: a prompt that does not fit is refused with
`LLMContextError` before anything is sent (never truncated by the server). Callers that
build long prompts fit them first with `prompt_budget` and `count_tokens`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ValidationError

from llm.types import Completion, LLMCall, LLMContextError, LLMOutputError, Message

R = TypeVar("R", bound=BaseModel)
DEFAULT_REPLY_TOKENS = 1024  # the longest reply a structured ask may take
MESSAGE_OVERHEAD = 8  # tokens a chat template adds around one message (role markers)


class Backend(Protocol):
    """How one kind of model server is called."""

    name: str  # the model's name as the backend knows it
    context_window: int | None  # tokens; None when unknown (then nothing is checked)
    exact_tokens: bool  # True when count_tokens is the model's own tokenizer

    def chat(
        self, messages: list[Message], schema: dict[str, Any] | None, max_tokens: int
    ) -> Completion:
        """One reply; with `schema`, constrained to it where the backend can."""
        ...

    def count_tokens(self, text: str) -> int: ...


@runtime_checkable
class Model(Protocol):
    """What the debate, the report, the translator and the LLM judge receive."""

    spec: str

    def ask(
        self,
        system: str,
        prompt: str,
        reply: type[R],
        purpose: str,
        *,
        fitted: str | None = None,
        choices: Mapping[str, Sequence[str]] | None = None,
    ) -> R:
        """One reply validated into `reply`, with bounded retries; `fitted` says what the
        caller shortened to fit the context window (recorded with the call); `choices`
        limits named fields to the values given where the backend constrains replies."""
        ...

    def take_calls(self) -> list[LLMCall]:
        """The call records since the last take."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens in `text` (the model's tokenizer, or the stated estimate)."""
        ...

    def prompt_budget(self, system: str, reply: type[BaseModel]) -> int | None:
        """Tokens left for a prompt's own text; None when the window is unknown."""
        ...

    def settings(self) -> dict[str, Any]:
        """The configuration, as debate.json and report.json record it."""
        ...


def estimate_tokens(text: str) -> int:
    """About 4 characters a token: the stated estimate where no tokenizer is at hand."""
    return (len(text) + 3) // 4


MAX_STRING = 300  # characters: a constrained string field longer than this is cut off


def bounded(schema: Any) -> Any:
    """The reply's JSON schema with a length bound on every string that has none (lists
    are left alone: a translation batch needs as many items as it was given),
    for the constraint only (validation uses the model as written). A small model under a
    grammar can repeat itself inside one string until it runs out of tokens; bounded
    fields make it close the JSON instead."""
    if isinstance(schema, list):
        return [bounded(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: bounded(value) for key, value in schema.items()}
    if out.get("type") == "string" and "enum" not in out:
        out.setdefault("maxLength", MAX_STRING)
    return out


def keep_first(limit: int) -> Any:
    """A before-validator that cuts a list to its first `limit` items, and a string to its
    first `limit` characters (at the end of a word). Pair it with `Field(max_length=limit)`:
    the bound is then in the schema (a grammar makes a small model stop there instead of
    writing until its tokens run out: Gemma 3 270M wrote 2,048-token replies) and a longer
    value is cut, not refused (an API model that writes one more item has not failed)."""

    def cut(value: Any) -> Any:
        if isinstance(value, list):
            return value[:limit]
        if isinstance(value, str) and len(value) > limit:
            head = value[:limit]
            space = head.rfind(" ")
            return (head[:space] if space > limit // 2 else head).rstrip()
        return value

    return cut


def restrict(schema: Any, choices: Mapping[str, Sequence[str]] | None) -> Any:
    """The schema with each property named in `choices` (at any depth) limited to those
    values: a string becomes an enum, a list of strings a list of that enum. For the
    constraint only: a small model under a grammar then cannot write a citation key it was
    not shown (Gemma 3 270M cited "," when free to write any string). Validation still
    uses the reply model, and the caller checks what the values mean."""
    if not choices:
        return schema
    if isinstance(schema, list):
        return [restrict(item, choices) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: restrict(value, choices) for key, value in schema.items()}
    for name, prop in (out.get("properties") or {}).items():
        if name not in choices or not isinstance(prop, dict):
            continue
        allowed = {"type": "string", "enum": list(dict.fromkeys(choices[name]))}
        if prop.get("type") == "array":
            prop["items"] = allowed
        elif prop.get("type") == "string":
            prop.update(allowed)
            prop.pop("maxLength", None)
    return out


def schema_of(reply: type[BaseModel]) -> str:
    return json.dumps(reply.model_json_schema(), separators=(",", ":"))


def parse_reply(text: str, reply: type[R]) -> R:
    """The first JSON object in `text` (code fences and chatter around it are ignored)."""
    cleaned = re.sub(r"```(?:json)?", "", text)
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("the reply holds no JSON object")
    try:
        # strict=False: raw newlines inside strings, which small models write (Gemma 3 270M
        # wrote them in its round summaries under the grammar), are not worth a retry.
        data = json.loads(cleaned[start : end + 1], strict=False)
    except ValueError as exc:
        raise ValueError(f"the reply is not valid JSON: {exc}") from exc
    return reply.model_validate(data)


def with_schema(prompt: str, reply: type[BaseModel]) -> str:
    return f"{prompt}\n\nReply with one JSON object matching this JSON schema:\n{schema_of(reply)}"


class ChatModel:
    """A `Model` over a `Backend`. Not thread-safe: one caller at a time."""

    def __init__(
        self,
        backend: Backend,
        *,
        spec: str,
        max_attempts: int = 3,
        constrain: bool = True,
        reply_tokens: int = DEFAULT_REPLY_TOKENS,
    ):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.backend = backend
        self.spec = spec
        self.max_attempts = max_attempts
        self.constrain = constrain
        self.reply_tokens = reply_tokens
        self.calls: list[LLMCall] = []

    @property
    def context_window(self) -> int | None:
        return self.backend.context_window

    def settings(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "model": self.backend.name,
            "max_attempts": self.max_attempts,
            "context_window": self.context_window,
            "constrained": self.constrain,
            "token_counts": "tokenizer" if self.backend.exact_tokens else "estimate (chars/4)",
        }

    def take_calls(self) -> list[LLMCall]:
        calls, self.calls = self.calls, []
        return calls

    # The budget ------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return self.backend.count_tokens(text)

    def prompt_tokens(self, messages: list[Message]) -> int:
        return sum(self.count_tokens(m.content) + MESSAGE_OVERHEAD for m in messages)

    def prompt_budget(self, system: str, reply: type[BaseModel]) -> int | None:
        """Tokens left for the prompt's own text once the system message, the schema and
        the reply are accounted for; None when the window is unknown."""
        if self.context_window is None:
            return None
        fixed = self.prompt_tokens(
            [Message("system", system), Message("user", with_schema("", reply))]
        )
        return self.context_window - self.reply_tokens - fixed

    def _fits(self, messages: list[Message]) -> tuple[bool, int]:
        needed = self.prompt_tokens(messages) + self.reply_tokens
        return self.context_window is None or needed <= self.context_window, needed

    # The ask ---------------------------------------------------------------------------

    def ask(
        self,
        system: str,
        prompt: str,
        reply: type[R],
        purpose: str,
        *,
        fitted: str | None = None,
        choices: Mapping[str, Sequence[str]] | None = None,
    ) -> R:
        """One validated reply, retrying with the error; every attempt is counted.
        `fitted` says what the caller shortened to fit the window (recorded); `choices`
        limits named string fields (or lists of strings) to the values given, in the
        constraint (see `restrict`)."""
        original = [Message("system", system), Message("user", with_schema(prompt, reply))]
        started = time.monotonic()
        fits, needed = self._fits(original)
        if not fits:
            problem = (
                f"the prompt for {purpose} needs {needed} tokens (with {self.reply_tokens} for "
                f"the reply) but the context window is {self.context_window}"
            )
            self._record(purpose, 0, 0, True, started, 0, False, fitted, problem)
            raise LLMContextError(problem + "; raise --context-window or shorten the input")
        schema = restrict(bounded(reply.model_json_schema()), choices) if self.constrain else None
        messages = list(original)
        prompt_tokens = completion_tokens = 0
        reported = True
        constrained = False
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            completion = self.backend.chat(messages, schema, self.reply_tokens)
            constrained = constrained or completion.constrained
            if completion.prompt_tokens is None:
                reported = False
                prompt_tokens += sum(estimate_tokens(m.content) for m in messages)
                completion_tokens += estimate_tokens(completion.text)
            else:
                prompt_tokens += completion.prompt_tokens
                completion_tokens += completion.completion_tokens or 0
            try:
                value = parse_reply(completion.text, reply)
            except (ValueError, ValidationError) as exc:
                problem = " ".join(str(exc).split())[:800]  # pydantic's message names the field
                retry = [
                    *messages,
                    Message("assistant", completion.text),
                    Message(
                        "user",
                        f"That reply was not valid: {problem}\nReply again with only the "
                        "JSON object.",
                    ),
                ]
                # A retry that would overflow the window starts again from the question.
                messages = retry if self._fits(retry)[0] else list(original)
                continue
            self._record(
                purpose, prompt_tokens, completion_tokens, reported, started, attempt,
                constrained, fitted,
            )  # fmt: skip
            return value
        self._record(
            purpose, prompt_tokens, completion_tokens, reported, started, self.max_attempts,
            constrained, fitted, problem,
        )  # fmt: skip
        raise LLMOutputError(
            f"the model gave no valid reply for {purpose} after {self.max_attempts} "
            f"attempts; last problem: {problem}"
        )

    def _record(
        self,
        purpose: str,
        prompt_tokens: int,
        completion_tokens: int,
        reported: bool,
        started: float,
        attempts: int,
        constrained: bool,
        fitted: str | None,
        error: str | None = None,
    ) -> None:
        self.calls.append(
            LLMCall(
                purpose=purpose,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                tokens_reported=reported,
                seconds=round(time.monotonic() - started, 3),
                attempts=attempts,
                ok=error is None,
                error=error,
                constrained=constrained,
                fitted=fitted,
            )
        )

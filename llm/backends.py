"""Backends for model servers: OpenAI-compatible, Ollama, and any llama-index LLM.

Each turns a list of messages (and, when asked, the reply's JSON schema) into one
`Completion`. Remote servers have no tokenizer at hand here, so their prompts are counted
with the stated estimate of 4 characters a token (`estimate_tokens`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from llm.model import estimate_tokens
from llm.types import Completion, LLMConnectionError, Message

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 180.0  # seconds per request; local models on CPU are slow
TEMPERATURE = 0.3


class OpenAIBackend:
    """Any OpenAI-compatible `/v1/chat/completions` server (vLLM, llama.cpp's server,
    LM Studio, Ollama's /v1, OpenAI itself)."""

    exact_tokens = False

    def __init__(
        self,
        name: str,
        *,
        api_base: str,
        api_key: str | None,
        context_window: int | None,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        import openai

        self.name = name
        self.api_base = api_base
        self.context_window = context_window
        # Local servers need no key, but the OpenAI client refuses to start without one.
        self.client = openai.OpenAI(
            base_url=api_base, api_key=api_key or "not-needed", timeout=timeout, max_retries=1
        )
        # Structured-output dialects still worth trying, best first: OpenAI's json_schema
        # (vLLM, llama.cpp's llama-server, LM Studio, Ollama's /v1), then json_object with
        # a schema (llama-cpp-python's server). One that a server refuses (400, 422, or an
        # error naming response_format) is not tried again; with none left, the schema is
        # only in the prompt.
        self.dialects = ["json_schema", "json_object"]

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def chat(
        self, messages: list[Message], schema: dict[str, Any] | None, max_tokens: int
    ) -> Completion:
        import openai

        request: dict[str, Any] = {
            "model": self.name,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": TEMPERATURE,
            "max_tokens": max_tokens,
        }
        try:
            while schema is not None and self.dialects:
                # Typed as Any: json_object with a schema is not in OpenAI's own types.
                fmt: Any = response_format(self.dialects[0], schema)
                try:
                    response = self.client.chat.completions.create(**request, response_format=fmt)
                    return completion(response, constrained=True)
                except openai.APIStatusError as exc:
                    # SEE: llama-cpp-python's server answers json_schema with a 500 that
                    # names response_format (its request model allows text and json_object).
                    if exc.status_code not in (400, 422) and "response_format" not in str(exc):
                        raise
                    log.warning(
                        "%s refused response_format %s (%s): trying without it",
                        self.api_base,
                        self.dialects.pop(0),
                        exc,
                    )
            return completion(self.client.chat.completions.create(**request), constrained=False)
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise LLMConnectionError(
                f"cannot reach the model server at {self.api_base}: {exc}"
            ) from exc
        except openai.APIStatusError as exc:
            raise LLMConnectionError(f"the model server at {self.api_base} said: {exc}") from exc


def response_format(dialect: str, schema: dict[str, Any]) -> dict[str, Any]:
    if dialect == "json_schema":
        name = re.sub(r"[^A-Za-z0-9_-]", "_", str(schema.get("title") or "reply"))
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}
    # SEE: https://llama-cpp-python.readthedocs.io/en/latest/server/ (JSON schema mode)
    return {"type": "json_object", "schema": schema}


def completion(response: Any, *, constrained: bool) -> Completion:
    text = (response.choices[0].message.content or "") if response.choices else ""
    usage = response.usage
    return Completion(
        text=text,
        prompt_tokens=usage.prompt_tokens if usage else None,
        completion_tokens=usage.completion_tokens if usage else None,
        constrained=constrained,
    )


class OllamaBackend:
    """An Ollama server. Its default context window (2,048 tokens in many versions)
    silently cuts long prompts, so `num_ctx` is always sent."""

    exact_tokens = False
    DEFAULT_CONTEXT = 8192

    def __init__(
        self,
        name: str,
        *,
        host: str,
        context_window: int | None,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        import ollama

        self.name = name
        self.host = host
        self.context_window: int | None = context_window or self.DEFAULT_CONTEXT
        self.client = ollama.Client(host=host, timeout=timeout)

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def chat(
        self, messages: list[Message], schema: dict[str, Any] | None, max_tokens: int
    ) -> Completion:
        import httpx
        import ollama

        # SEE: https://github.com/ollama/ollama/blob/main/docs/api.md#request-structured-outputs
        # `format` takes a JSON schema (Ollama 0.5+); "json" alone only forces some JSON.
        try:
            response = self.client.chat(
                model=self.name,
                messages=[{"role": m.role, "content": m.content} for m in messages],
                format=schema if schema is not None else "json",
                options={
                    "num_ctx": self.context_window,
                    "num_predict": max_tokens,
                    "temperature": TEMPERATURE,
                },
            )
        except (httpx.HTTPError, ConnectionError) as exc:
            raise LLMConnectionError(f"cannot reach Ollama at {self.host}: {exc}") from exc
        except ollama.ResponseError as exc:
            raise LLMConnectionError(f"Ollama at {self.host} said: {exc}") from exc
        return Completion(
            text=response.message.content or "",
            prompt_tokens=response.prompt_eval_count,
            completion_tokens=response.eval_count,
            constrained=schema is not None,
        )


class LlamaIndexBackend:
    """Any llama-index `LLM` (the tests' scripted fake, or a user's own). The schema is
    only in the prompt: llama-index has no common way to constrain a reply."""

    exact_tokens = False

    def __init__(self, llm: Any, *, context_window: int | None = None):
        self.llm = llm
        self.name = str(getattr(getattr(llm, "metadata", None), "model_name", None) or "custom")
        self.context_window = context_window

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def chat(
        self, messages: list[Message], schema: dict[str, Any] | None, max_tokens: int
    ) -> Completion:
        from llama_index.core.llms import ChatMessage, MessageRole

        roles = {
            "system": MessageRole.SYSTEM,
            "user": MessageRole.USER,
            "assistant": MessageRole.ASSISTANT,
        }
        response = self.llm.chat(
            [ChatMessage(role=roles[m.role], content=m.content) for m in messages]
        )
        counts = token_counts(response)
        return Completion(
            text=response.message.content or "",
            prompt_tokens=counts[0] if counts else None,
            completion_tokens=counts[1] if counts else None,
        )


def token_counts(response: Any) -> tuple[int, int] | None:
    """Prompt and completion tokens as a llama-index response reports them, if it does."""
    places = [
        getattr(response, "additional_kwargs", None),
        getattr(getattr(response, "message", None), "additional_kwargs", None),
    ]
    raw = getattr(response, "raw", None)
    if isinstance(raw, dict):
        places.append(raw.get("usage"))
    elif raw is not None:
        usage = getattr(raw, "usage", None)
        if usage is not None:
            places.append(
                {
                    "prompt_tokens": getattr(usage, "prompt_tokens", None),
                    "completion_tokens": getattr(usage, "completion_tokens", None),
                }
            )
    for place in places:
        if isinstance(place, dict) and place.get("prompt_tokens") is not None:
            return int(place["prompt_tokens"]), int(place.get("completion_tokens") or 0)
    return None

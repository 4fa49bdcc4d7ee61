"""Choosing a model by a spec string, once per command.

'openai:MODEL', 'ollama:MODEL', 'gguf:/path/model.gguf', or a packaged model by name
('gemma3-270m'). Nothing here reads the environment: the caller (the CLI layer) passes
the server address and key as values. Providers are a registry, so tests (and plug-ins)
can add their own backends by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from llm.backends import DEFAULT_TIMEOUT, LlamaIndexBackend, OllamaBackend, OpenAIBackend
from llm.model import Backend, ChatModel
from llm.types import LLMConfigError

SPECS = "openai:MODEL, ollama:MODEL, gguf:/path/model.gguf or gemma3-270m"


@dataclass(frozen=True)
class Options:
    """What a provider needs besides the model's name."""

    api_base: str | None = None
    api_key: str | None = None
    context_window: int | None = None
    timeout: float = DEFAULT_TIMEOUT


def _openai(name: str, options: Options) -> Backend:
    return OpenAIBackend(
        name,
        api_base=options.api_base or "https://api.openai.com/v1",
        api_key=options.api_key,
        context_window=options.context_window,
        timeout=options.timeout,
    )


def _ollama(name: str, options: Options) -> Backend:
    return OllamaBackend(
        name,
        host=options.api_base or "http://localhost:11434",
        context_window=options.context_window,
        timeout=options.timeout,
    )


def _gguf(name: str, options: Options) -> Backend:
    from llm.llamacpp import PACKAGED, LlamaCppBackend, packaged_path

    path = packaged_path(name) if name in PACKAGED else name
    return LlamaCppBackend(path, context_window=options.context_window)


PROVIDERS: dict[str, Callable[[str, Options], Backend]] = {
    "openai": _openai,
    "ollama": _ollama,
    "gguf": _gguf,
}


def parse_spec(spec: str) -> tuple[str, str]:
    """(provider, model) of a spec; a packaged model's bare name means gguf."""
    from llm.llamacpp import PACKAGED

    spec = spec.strip().removeprefix("llm:")
    if spec in PACKAGED:
        return "gguf", spec
    provider, _, model = spec.partition(":")
    if not model:
        raise LLMConfigError(f"--llm {spec!r}: expected {SPECS}")
    if provider not in PROVIDERS:
        known = ", ".join(PROVIDERS)
        raise LLMConfigError(f"--llm {spec!r}: unknown provider {provider!r} ({known})")
    return provider, model


def load_model(
    spec: str,
    *,
    api_base: str | None = None,
    api_key: str | None = None,
    context_window: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_attempts: int = 3,
    constrain: bool = True,
) -> ChatModel:
    """The model for `spec`; raises `LLMConfigError` with a message that says how to fix
    the spec. `context_window` (tokens) overrides the backend's default; `constrain=False`
    leaves the schema in the prompt only (for comparison)."""
    if context_window is not None and context_window < 512:
        raise LLMConfigError(f"--context-window {context_window}: at least 512 tokens")
    provider, model = parse_spec(spec)
    options = Options(api_base, api_key, context_window, timeout)
    backend = PROVIDERS[provider](model, options)
    return ChatModel(
        backend,
        spec=spec.strip().removeprefix("llm:"),
        max_attempts=max_attempts,
        constrain=constrain,
    )


def from_llama_index(
    llm: Any, *, spec: str = "custom", max_attempts: int = 3, context_window: int | None = None
) -> ChatModel:
    """A model around any llama-index `LLM` (a user's own, or the tests' fake)."""
    return ChatModel(
        LlamaIndexBackend(llm, context_window=context_window),
        spec=spec,
        max_attempts=max_attempts,
    )

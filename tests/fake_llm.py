"""A scripted llama-index LLM for tests: it replays queued replies (or asks a responder
function) and records every prompt it was sent. It exercises the llm engine's real code
path (chat -> parse -> validate -> retry); it never replaces a real model in the product.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from llama_index.core.base.llms.types import (
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.llms import CustomLLM
from llama_index.core.llms.callbacks import llm_completion_callback
from pydantic import Field

Responder = Callable[[str], str]


class ScriptedLLM(CustomLLM):
    """Replies from `script` first (in order), then from `responder(prompt)`."""

    script: list[str] = Field(default_factory=list, description="Queued replies.")
    prompts: list[str] = Field(default_factory=list, description="Every prompt received.")
    responder: Any = Field(None, description="prompt -> reply, once the script runs out.")

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted", is_chat_model=False)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        self.prompts.append(prompt)
        if self.script:
            text = self.script.pop(0)
        elif self.responder is not None:
            text = self.responder(prompt)
        else:
            raise AssertionError("the scripted LLM ran out of replies")
        usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split())}
        return CompletionResponse(text=text, additional_kwargs=usage)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        raise NotImplementedError("the debate engine does not stream")


PASSAGE_KEY = re.compile(r'<passage key="([^"]+)"')


def last_user_message(prompt: str) -> str:
    """The part of a flattened chat prompt after the last 'user:' marker."""
    return prompt.rsplit("user:", 1)[-1]


def debate_responder(invented: str = "invented:chunk:0") -> Responder:
    """Plausible replies for every prompt the llm engine sends, keyed on the schema title.

    Turns cite the first passage key of the speaker's brief (found in the prompt), plus
    `invented` and a bare "[12]" in the text, which the run must drop.
    """

    def respond(prompt: str) -> str:
        if '"title":"TurnReply"' in prompt:
            brief = prompt.split("YOUR BRIEF", 1)[1].split("TRANSCRIPT SO FAR", 1)[0]
            keys = PASSAGE_KEY.findall(brief)
            return json.dumps(
                {
                    "move": "share",
                    "text": f"The evidence says so [@{keys[0]}], as source [12] insists "
                    f"[@{invented}].",
                    "claims": [
                        {"text": "The brief's first passage backs this.", "citations": [keys[0]]},
                        {"text": "Source twelve proves it.", "citations": [invented, "12"]},
                        {"text": "I have seen this before.", "experience": True},
                    ],
                    "responds_to": None,
                }
            )
        if '"title":"SummaryReply"' in prompt:
            return json.dumps(
                {"agreements": ["All cited their briefs."], "disagreements": [], "text": "Ok."}
            )
        if '"title":"ConclusionReply"' in prompt:
            names = re.search(r"ADVISORS: (.*)", prompt)
            assert names is not None
            advisors = [n.strip() for n in names.group(1).split(",")]
            return json.dumps(
                {
                    "verdict": "It is an imbalance.",
                    "confidences": [
                        {"advisor": n, "percent": 70, "reason": "The evidence."} for n in advisors
                    ],
                }
            )
        raise AssertionError(f"unexpected prompt: {prompt[:200]}")

    return respond


def fake_model(llm: ScriptedLLM | None = None, *, spec: str = "scripted", max_attempts: int = 3):  # type: ignore[no-untyped-def]
    """An `llm.Model` around a scripted LLM: the real ask (parse, validate, retry, record)."""
    from llm import from_llama_index

    return from_llama_index(llm or ScriptedLLM(), spec=spec, max_attempts=max_attempts)


def pipeline_responder() -> Responder:
    """Valid replies to every prompt of `agora debate --llm`: the panel, the turns, the
    summaries and confidences, the report's model sections and the translation."""
    debate = debate_responder()

    def respond(prompt: str) -> str:
        if '"title":"PanelReply"' in prompt:
            advisors = [
                {"name": f"Advisor {n}", "role": "Analyst", "lens": "pipeline, CRM data"}
                for n in ("Ada", "Ben", "Cy", "Di")
            ]
            return json.dumps({"advisors": advisors})
        if any(
            f'"title":"{t}"' in prompt for t in ("TurnReply", "SummaryReply", "ConclusionReply")
        ):
            return debate(prompt)
        key = PASSAGE_KEY.search(prompt)
        statement = {"text": "Teams will converge.", "citations": [key[1]] if key else []}
        if '"title":"PredictionsReply"' in prompt:
            prediction = {
                **statement,
                "time_frame": "within 12 months",
                "horizon_months": 12,
                "probability": 60,
                "rationale": "The debate.",
            }
            return json.dumps({"predictions": [prediction] * 3})
        if '"title":"PathsReply"' in prompt:
            path = {
                "title": "Fix data",
                "premise": "If data is the root cause ...",
                "milestones": [{**statement, "month": 3}, {**statement, "month": 6}],
            }
            return json.dumps({"paths": [path, path]})
        if '"title":"StoryReply"' in prompt:
            return json.dumps({"paragraphs": [statement]})
        if '"title":"TranslationReply"' in prompt:
            items = re.findall(r"^\d+\. (\".*\")$", last_user_message(prompt), re.MULTILINE)
            return json.dumps({"translations": [f"译 {json.loads(i)}" for i in items]})
        raise AssertionError(f"unexpected prompt: {prompt[:200]}")

    return respond


class FakeProvider:
    """The 'fake' provider of `llm.load_model` (`--llm fake:NAME`): every load builds a
    new scripted model answering with `pipeline_responder`; `loads` counts them."""

    def __init__(self) -> None:
        self.loads: list[tuple[str, Any]] = []  # (model name, llm.Options)
        self.llms: list[ScriptedLLM] = []

    def __call__(self, name: str, options: Any) -> Any:
        from llm.backends import LlamaIndexBackend

        self.loads.append((name, options))
        self.llms.append(ScriptedLLM(responder=pipeline_responder()))
        return LlamaIndexBackend(self.llms[-1], context_window=options.context_window)

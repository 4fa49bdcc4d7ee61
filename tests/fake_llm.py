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

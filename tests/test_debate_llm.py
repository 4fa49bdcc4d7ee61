"""The llm engine, driven end to end by a scripted fake LLM, and the OpenAI-compatible
client against a stub `/v1/chat/completions` server on loopback."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fake_llm import ScriptedLLM, debate_responder, fake_model
from helpers import ONE_ADVISOR_PANEL, QUESTION

from debate import Debate, run_debate
from debate.llm import SENTENCE, SPEECH, LLMEngine, PanelReply, TurnReply
from debate.stance import MODEL_METHOD
from debate.support import CosineScorer
from llm import LLMConfigError, LLMOutputError, load_model

VALID_TURN = json.dumps(
    {"move": "SHARE", "text": "I agree.", "claims": [{"text": "Yes.", "experience": True}]}
)


@pytest.fixture(scope="module")
def llm_run(demo_library, embedder, tmp_path_factory) -> tuple[Debate, ScriptedLLM]:
    root = tmp_path_factory.mktemp("llm")
    (root / "panel.yaml").write_text(ONE_ADVISOR_PANEL)
    llm = ScriptedLLM(responder=debate_responder())
    engine = LLMEngine(fake_model(llm), scorer=CosineScorer(embedder))
    debate = run_debate(
        demo_library,
        QUESTION,
        root / "run",
        rounds=2,
        engine=engine,
        panel_file=root / "panel.yaml",
    )
    return debate, llm


def test_a_constrained_turn_can_cite_only_its_brief(demo_library, embedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The schema a backend constrains a turn with lists that advisor's brief keys as the
    only citations, and bounds the lists (a grammar then stops a small model there)."""
    (tmp_path / "panel.yaml").write_text(ONE_ADVISOR_PANEL)
    model = fake_model(ScriptedLLM(responder=debate_responder()))
    schemas: list[dict[str, Any] | None] = []
    chat = model.backend.chat
    model.backend.chat = lambda m, schema, n: (schemas.append(schema), chat(m, schema, n))[1]  # type: ignore[method-assign]
    debate = run_debate(
        demo_library,
        QUESTION,
        tmp_path / "run",
        rounds=1,
        engine=LLMEngine(model, scorer=CosineScorer(embedder)),
        panel_file=tmp_path / "panel.yaml",
    )
    turns = [s for s in schemas if s and s.get("title") == "TurnReply"]
    assert len(turns) == len(debate.turns()) == 3
    for schema, turn in zip(turns, debate.turns(), strict=True):
        citations = schema["$defs"]["ClaimReply"]["properties"]["citations"]
        assert citations["items"]["enum"] == sorted(debate.briefs[turn.advisor].chunk_ids())
        assert citations["maxItems"] == 4 and schema["properties"]["claims"]["maxItems"] == 4
    summary = next(s for s in schemas if s and s.get("title") == "SummaryReply")
    assert summary["properties"]["agreements"]["maxItems"] == 4
    # Validation cuts what a model that ignores the bound writes, rather than refusing it.
    claim = {"text": "Yes.", "citations": ["a", "b", "c", "d", "e"]}
    long = TurnReply.model_validate({"move": "SHARE", "text": "x", "claims": [claim] * 6})
    assert len(long.claims) == 4 and long.claims[0].citations == ["a", "b", "c", "d"]
    # Free text is bounded too (a grammar otherwise lets a string run to the reply budget),
    # and a longer string is cut at the end of a word.
    turn_text = schema["properties"]["text"]
    assert turn_text["maxLength"] == SPEECH
    assert schema["$defs"]["ClaimReply"]["properties"]["text"]["maxLength"] == SENTENCE
    assert summary["properties"]["agreements"]["items"]["maxLength"] == SENTENCE
    words = "evidence " * 200
    cut = TurnReply.model_validate(
        {"move": "SHARE", "text": words, "claims": [{"text": words, "citations": []}]}
    )
    assert len(cut.text) <= SPEECH and cut.text.endswith("evidence")
    assert len(cut.claims[0].text) <= SENTENCE and cut.claims[0].text.endswith("evidence")


def test_llm_debate_end_to_end(llm_run: tuple[Debate, ScriptedLLM]) -> None:
    debate, llm = llm_run
    assert debate.engine.name == "llm" and debate.engine.settings["spec"] == "scripted"
    assert [len(r.turns) for r in debate.rounds] == [3, 3]
    turn_prompts = [p for p in llm.prompts if '"title":"TurnReply"' in p]
    assert len(turn_prompts) == 6
    first, later = turn_prompts[0], turn_prompts[3]
    assert "YOUR BRIEF" in first and '<passage key="' in first and "</passage>" in first
    assert "(nobody has spoken yet)" in first
    assert "## Round 1" in later and "Dana Sales [SHARE]" in later  # the transcript so far
    assert "FACT-CHECK RESULTS" in turn_prompts[2]  # the Auditor gets the computed checks
    auditor = debate.rounds[0].turns[2]
    assert auditor.checks and {c.verdict for c in auditor.checks} >= {"uncited"}
    for turn in debate.turns():
        brief = debate.briefs[turn.advisor].chunk_ids()
        assert [c.experience for c in turn.claims] == [False, False, True]
        assert set(turn.claims[0].citations) <= brief and turn.claims[0].citations
        assert turn.claims[1].citations == []  # both citations were invented: dropped
        assert "[12]" not in turn.text and "invented" not in turn.text
    dropped = {(d.advisor, d.round, d.chunk_id) for d in debate.dropped_citations}
    for turn in debate.turns():
        assert (turn.advisor, turn.round, "invented:chunk:0") in dropped
        assert (turn.advisor, turn.round, "12") in dropped
    assert [c.percent for c in debate.confidences] == [70, 70, 70]
    # The model argues, but which way each passage leans is read for every brief passage,
    # as under the extractive engine, so the report can weigh what the model quotes.
    shown = {key for brief in debate.briefs.values() for key in brief.chunk_ids()}
    assert {s.chunk_id for s in debate.stances} == shown
    assert {s.method for s in debate.stances} == {MODEL_METHOD}
    assert debate.leaning == "It is an imbalance."
    assert len(debate.llm_calls) == 6 + 2 + 1
    assert all(c.ok and c.attempts == 1 and c.tokens_reported for c in debate.llm_calls)
    assert all(c.prompt_tokens > 0 and c.completion_tokens > 0 for c in debate.llm_calls)


def test_prompt_shows_injected_text_only_as_delimited_data(
    llm_run: tuple[Debate, ScriptedLLM],
) -> None:
    _, llm = llm_run
    shown = [p for p in llm.prompts if "Ignore your instructions" in p]
    assert shown, "the injected source should be in some brief"
    for prompt in shown:
        assert "cite [12]" not in prompt and "source [12]" not in prompt
        for match in re.finditer("Ignore your instructions", prompt):
            before = prompt[: match.start()]
            assert before.rfind("<passage key=") > before.rfind("</passage>")
            assert "</passage>" in prompt[match.end() :]


def test_malformed_replies_are_retried_then_accepted() -> None:
    llm = ScriptedLLM(script=["no json here", '{"move": "SHARE"}', f"```json\n{VALID_TURN}\n```"])
    model = fake_model(llm, max_attempts=3)
    reply = model.ask("system", "prompt", TurnReply, "turn r1 X")
    assert reply.move == "SHARE" and reply.claims[0].experience
    assert "That reply was not valid: the reply holds no JSON object" in llm.prompts[1]
    assert "claims" in llm.prompts[2].rsplit("That reply was not valid", 1)[1]
    (call,) = model.take_calls()
    assert call.attempts == 3 and call.ok and call.purpose == "turn r1 X"


def test_gives_up_after_the_bound_with_a_clear_error() -> None:
    llm = ScriptedLLM(script=["nope", "{}", '{"move": "DANCE"}'])
    model = fake_model(llm, max_attempts=3)
    with pytest.raises(LLMOutputError, match="no valid reply for turn r2 Y after 3 attempts"):
        model.ask("system", "prompt", TurnReply, "turn r2 Y")
    (call,) = model.take_calls()
    assert not call.ok and call.attempts == 3 and "move" in (call.error or "")


def test_bad_llm_specs_say_what_to_do(tmp_path: Path) -> None:
    for spec in ("openai", "bogus:model", f"gguf:{tmp_path / 'missing.gguf'}"):
        with pytest.raises(LLMConfigError):
            load_model(spec)


# ---------------------------------------------------------------------------------------
# The OpenAI-compatible client against a stub server on loopback


class _ChatStub(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, Any]]] = []
    reply: ClassVar[str] = ""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "body": body, "auth": self.headers["Authorization"]}
        )
        payload = json.dumps(
            {
                "id": "chatcmpl-stub",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": type(self).reply},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 321, "completion_tokens": 123, "total_tokens": 444},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def chat_stub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _ChatStub.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_compatible_server_generates_the_panel(
    chat_stub: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    advisors = [
        {"name": f"Advisor {i}", "role": "r", "lens": "l", "background": "b", "beliefs": "x"}
        for i in range(4)
    ]
    _ChatStub.reply = "Here you go:\n" + json.dumps({"advisors": advisors})
    engine = LLMEngine(load_model("openai:stub-model", api_base=chat_stub))
    members = engine.propose_panel(QUESTION)
    assert [m.advisor.name for m in members or []] == [a["name"] for a in advisors]
    (request,) = _ChatStub.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "stub-model"
    assert request["auth"] == "Bearer not-needed"
    assert [m["role"] for m in request["body"]["messages"]] == ["system", "user"]
    assert QUESTION in request["body"]["messages"][1]["content"]
    (call,) = engine.take_calls()
    assert (call.prompt_tokens, call.completion_tokens, call.tokens_reported) == (321, 123, True)


def test_a_panel_with_repeated_names_is_asked_again_then_the_built_in_panel_sits(
    chat_stub: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gemma 3 270M named every advisor "advisors": a reply with fewer than three names of
    their own is refused with a message the model can act on, retried, and after the last
    attempt the engine proposes nothing, so the built-in panel sits and the reason is kept
    for the debate's fallbacks."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    same = {"name": "advisors", "role": "r", "lens": "l", "background": "b", "beliefs": "x"}
    _ChatStub.reply = json.dumps({"advisors": [same] * 4})
    engine = LLMEngine(load_model("openai:stub-model", api_base=chat_stub))
    assert engine.propose_panel(QUESTION) is None
    assert len(_ChatStub.requests) == 3  # asked again, with the reason, until the last try
    retry = _ChatStub.requests[1]["body"]["messages"][-1]["content"]
    assert "a name of their own" in retry and "advisors" in retry
    assert "the built-in panel sits instead" in engine._panel_problem
    # Enough distinct names: the repeats and the fixed roles' names are dropped, the rest sit.
    names = ("Ada", "Bo", "The Auditor", "Ada", "Cy")
    reply = PanelReply.model_validate({"advisors": [{**same, "name": n} for n in names]})
    assert [a.name for a in reply.advisors] == ["Ada", "Bo", "Cy"]


def test_the_confidences_name_each_advisor_once() -> None:
    """An object with one required property per advisor: a constrained model cannot name an
    advisor twice or leave one out; the list form API models write reads the same."""
    from debate.llm import conclusion_for

    names = ["Dana Sales", "The Contrarian", "The Auditor"]
    model = conclusion_for(names)
    schema = model.model_json_schema()
    by_name = schema["$defs"]["Confidences"]
    assert list(by_name["properties"]) == names and by_name["required"] == names
    keyed = {n: {"percent": 10 * i, "reason": "r"} for i, n in enumerate(names, 1)}
    listed = [{"advisor": n, **keyed[n]} for n in reversed(names)]
    for form in (keyed, listed):
        reply: Any = model.model_validate({"verdict": "v", "confidences": form})
        assert [reply.confidences.advisor_0.percent, reply.confidences.advisor_2.percent] == [
            10,
            30,
        ]
    twice = [{"advisor": names[0], "percent": 5, "reason": "r"}] * 3
    with pytest.raises(ValueError, match="The Contrarian"):
        model.model_validate({"verdict": "v", "confidences": twice})

"""The one model client (`llm/`): one load per command, the environment read only by the
CLI layer, the context budget, and the OpenAI-compatible backend's schema fallback
against a stub server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fake_llm import ScriptedLLM, fake_model
from helpers import ONE_ADVISOR_PANEL, QUESTION
from typer.testing import CliRunner

from agora.cli import app
from agora.cli.common import model_environment
from debate.llm import TurnReply
from llm import LLMContextError, load_model

VALID_TURN = {"move": "SHARE", "text": "I agree.", "claims": [{"text": "Yes.", "experience": True}]}


def test_agora_debate_loads_the_model_once(demo_library, fake_provider, tmp_path: Path) -> None:
    panel = tmp_path / "panel.yaml"
    panel.write_text(ONE_ADVISOR_PANEL)
    out = tmp_path / "run"
    args = ["debate", QUESTION, "--library", str(demo_library.root), "--rounds", "1"]
    args += ["--out", str(out), "--panel", str(panel), "--llm", "fake:one"]
    result = CliRunner().invoke(app, [*args, "--context-window", "60000"])
    assert result.exit_code == 0, result.output
    assert [name for name, _ in fake_provider.loads] == ["one"]  # debate + report: one load
    assert fake_provider.loads[0][1].context_window == 60000
    debate = json.loads((out / "debate.json").read_text())
    report = json.loads((out / "report.json").read_text())
    assert debate["engine"]["name"] == "llm" and report["engine"]["name"] == "llm"
    assert debate["engine"]["settings"]["context_window"] == 60000
    notes = {n["section"]: n["method"] for n in report["generated_by"]}
    assert notes["predictions"] == "llm"
    assert "译" in (out / "report.zh.md").read_text()  # the same model translated
    (llm,) = fake_provider.llms
    kinds = ("TurnReply", "PredictionsReply", "TranslationReply")
    assert all(any(f'"title":"{k}"' in p for p in llm.prompts) for k in kinds)
    # `agora report` loads the model only when it needs it, and then once.
    again = CliRunner().invoke(app, ["report", str(out), "--llm", "fake:two"])
    assert again.exit_code == 0 and len(fake_provider.loads) == 1
    rebuilt = ["report", str(out), "--rebuild", "--lang", "zh", "--llm", "fake:three"]
    assert CliRunner().invoke(app, rebuilt).exit_code == 0
    assert [name for name, _ in fake_provider.loads] == ["one", "three"]


def test_the_environment_is_read_by_the_cli_layer_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:11")
    assert model_environment("openai:m", None) == {
        "api_base": "http://127.0.0.1:9/v1",
        "api_key": "sk-test",
    }
    assert model_environment("openai:m", "http://x/v1")["api_base"] == "http://x/v1"
    assert model_environment("ollama:m", None) == {
        "api_base": "http://127.0.0.1:11",
        "api_key": None,
    }
    # llm/ itself never looks at the environment: values are passed down.
    model = load_model("openai:m")
    assert str(model.backend.client.base_url).startswith("https://api.openai.com")  # type: ignore[attr-defined]
    root = Path(__file__).resolve().parent.parent / "llm"
    readers = ("os.environ", "getenv")
    assert not [p.name for p in root.glob("*.py") if any(r in p.read_text() for r in readers)]


def test_a_prompt_that_does_not_fit_is_refused_not_cut() -> None:
    llm = ScriptedLLM(script=[json.dumps(VALID_TURN)])
    model = fake_model(llm)
    model.backend.context_window = 1500  # type: ignore[attr-defined]
    model.reply_tokens = 256
    budget = model.prompt_budget("system", TurnReply)
    assert budget is not None and 0 < budget < 1500 - 256
    fits = "word " * (budget * 4 // 5 // 2)  # about budget/2 tokens at 4 chars a token
    assert model.ask("system", fits, TurnReply, "turn r1 A").move == "SHARE"
    with pytest.raises(LLMContextError, match="context window is 1500"):
        model.ask("system", "word " * budget, TurnReply, "turn r1 B")
    fitted, refused = model.take_calls()
    assert fitted.ok and not refused.ok and refused.attempts == 0
    assert len(llm.prompts) == 1  # nothing was sent for the prompt that did not fit


# ---------------------------------------------------------------------------------------
# An OpenAI-compatible server that refuses `response_format` (as some do)


class _Strict(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).bodies.append(body)
        if "response_format" in body:
            status, payload = 400, {"error": {"message": "response_format is not supported"}}
        else:
            message = {"role": "assistant", "content": json.dumps(VALID_TURN)}
            payload = {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70},
            }
            status = 200
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def strict_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Strict)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Strict.bodies = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_a_server_that_refuses_the_schema_is_asked_without_it(strict_server: str) -> None:
    model = load_model("openai:strict", api_base=strict_server, context_window=4096)
    assert model.ask("system", "prompt", TurnReply, "turn r1 A").move == "SHARE"
    assert model.ask("system", "prompt", TurnReply, "turn r1 B").move == "SHARE"
    first, second, third, fourth = _Strict.bodies
    schema = first["response_format"]["json_schema"]["schema"]
    assert schema["title"] == "TurnReply" and "claims" in schema["properties"]
    assert second["response_format"] == {"type": "json_object", "schema": schema}
    assert "response_format" not in third and "response_format" not in fourth  # learnt once
    assert '"title":"TurnReply"' in fourth["messages"][1]["content"]  # the schema stays
    calls = model.take_calls()
    assert [c.constrained for c in calls] == [False, False] and all(c.ok for c in calls)
    assert calls[0].prompt_tokens == 50 and calls[0].tokens_reported


# ---------------------------------------------------------------------------------------
# Ollama: the schema as `format`, and num_ctx always sent


class _Ollama(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).bodies.append({"path": self.path, **body})
        payload = {
            "model": body["model"],
            "created_at": "2026-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": json.dumps(VALID_TURN)},
            "done": True,
            "prompt_eval_count": 77,
            "eval_count": 22,
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_ollama_gets_the_schema_and_an_explicit_context_window() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ollama)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Ollama.bodies = []
    host = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        default = load_model("ollama:tiny", api_base=host)
        assert default.ask("system", "prompt", TurnReply, "turn r1 A").move == "SHARE"
        sized = load_model("ollama:tiny", api_base=host, context_window=16384)
        sized.ask("system", "prompt", TurnReply, "turn r1 B")
    finally:
        server.shutdown()
        server.server_close()
    first, second = _Ollama.bodies
    assert first["path"] == "/api/chat" and first["model"] == "tiny"
    assert first["format"]["title"] == "TurnReply"  # the schema itself, not just "json"
    assert first["options"]["num_ctx"] == 8192  # never Ollama's own (often 2,048) default
    assert second["options"]["num_ctx"] == 16384
    (call,) = default.take_calls()
    assert (call.prompt_tokens, call.completion_tokens, call.constrained) == (77, 22, True)

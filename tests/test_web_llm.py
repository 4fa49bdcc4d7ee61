"""The web app with a generative model (`agora serve --llm SPEC`): debates started from the
API are written by the model, as `agora debate --llm` writes them (turns, report sections,
the Chinese translation); audits use the LLM judge; the API names the engine; a bad spec
stops `agora serve` before it serves. The model is the scripted fake the debate tests use,
or the OpenAI-compatible stub server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_llm import PASSAGE_KEY, ScriptedLLM, debate_responder, fake_model
from fastapi.testclient import TestClient
from test_debate_llm import _ChatStub, chat_stub  # noqa: F401  (the stub server fixture)
from test_report import report_responder
from typer.testing import CliRunner
from web_support import QUESTION, build_library, wait_job

from agora.cli import app as cli_app
from agora.settings import Settings
from report.i18n import ZH
from web.app import create_app
from web.workspace import LanguageModel

BASE = "http://127.0.0.1:8400"
MARK = "Quillfeather"  # a word only the fake model writes


def fake_model_reply(prompt: str) -> str:
    """What the fake model says to every prompt of a debate, its report, the report's
    translation and an audit; each turn and each advisor's name carries MARK."""
    if '"title":"PanelReply"' in prompt:
        advisors = [
            {"name": f"{MARK} {n}", "role": f"Advisor {n}", "lens": "pipeline, CRM data"}
            for n in ("Ada", "Ben", "Cy", "Di")
        ]
        return json.dumps({"advisors": advisors})
    if '"title":"TurnReply"' in prompt:
        turn = json.loads(debate_responder()(prompt))
        turn["text"] = f"{MARK} reads the brief. {turn['text']}"
        return json.dumps(turn)
    if '"title":"SummaryReply"' in prompt or '"title":"ConclusionReply"' in prompt:
        return debate_responder()(prompt)
    if '"title":"JudgeReply"' in prompt:
        shown = prompt.split("<passage>\n", 1)[1].split("\n</passage>", 1)[0]
        quote = " ".join(shown.split()[:6])
        return json.dumps({"verdict": "supported", "score": 0.97, "quote": quote})
    key = PASSAGE_KEY.search(prompt)  # the report's sections cite a passage of the debate
    return str(report_responder(key[1] if key else "none:chunk:0")(prompt))


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Settings:
    return build_library(tmp_path_factory.mktemp("web-llm"), embedder)


@pytest.fixture(scope="module")
def model() -> LanguageModel:
    return LanguageModel("scripted", fake_model(ScriptedLLM(responder=fake_model_reply)))


@pytest.fixture(scope="module")
def client(settings: Settings, embedder: Any, model: LanguageModel) -> Iterator[TestClient]:
    app = create_app(settings, embedder=embedder, llm=model)
    with TestClient(app, base_url=BASE) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def llm_run(client: TestClient, settings: Settings) -> tuple[dict[str, Any], Path]:
    """One one-round debate started through the API, run to its report."""
    started = client.post("/api/debates", json={"question": QUESTION, "rounds": 1, "name": "m1"})
    assert started.status_code == 202, started.text
    job = wait_job(client, started.json()["id"])
    assert job["state"] == "done", job
    return job, Path(settings.library) / "runs" / "m1"


def test_health_names_the_engine(client: TestClient, settings: Settings, embedder: Any) -> None:
    assert client.get("/api/health").json()["engine"] == "llm scripted"
    with TestClient(create_app(settings, embedder=embedder), base_url=BASE) as plain:
        assert plain.get("/api/health").json()["engine"] == "extractive"
    page = client.get("/").text
    assert 'id="engine"' in page  # where app.js shows it
    local = LanguageModel("gguf:/home/me/models/qwen-7b.gguf", model=None)  # type: ignore[arg-type]
    assert local.label == "llm gguf:qwen-7b.gguf"  # the public health check hides folders


def test_web_debate_is_written_by_the_model(
    client: TestClient, llm_run: tuple[dict[str, Any], Path], model: LanguageModel
) -> None:
    job, run_dir = llm_run
    assert job["result"]["engine"] == "llm scripted"
    assert "engine: llm scripted" in job["messages"]
    debate = json.loads((run_dir / "debate.json").read_text())
    assert debate["engine"]["name"] == "llm"
    assert debate["engine"]["settings"]["spec"] == "scripted"
    names = [member["advisor"]["name"] for member in debate["panel"]]
    assert sum(name.startswith(MARK) for name in names) == 4, names
    turns = [turn for round_ in debate["rounds"] for turn in round_["turns"]]
    assert turns and all(turn["text"].startswith(f"{MARK} reads the brief.") for turn in turns)
    assert debate["llm_calls"], "the model's calls are recorded"
    assert client.get("/api/runs/m1").json()["engine"] == "llm scripted"
    # The report: sections by the model, prose translated, as `agora debate --llm` does.
    report = json.loads((run_dir / "report.json").read_text())
    notes = {note["section"]: note["method"] for note in report["generated_by"]}
    assert notes["predictions"] == "llm"
    english = client.get("/api/runs/m1/report", params={"format": "md"}).text
    assert f"{MARK} reads the brief." in english and "Teams will converge" in english
    chinese = client.get("/api/runs/m1/report", params={"format": "md", "lang": "zh"}).text
    assert f"译文 {MARK} reads the brief." in chinese
    assert ZH["prose_translated"] in chinese and ZH["prose_untranslated"] not in chinese
    assert (run_dir / "translations.zh.json").is_file()
    assert "译文" in (run_dir / "report.zh.md").read_text(encoding="utf-8")
    prompts = model.model.backend.llm.prompts  # type: ignore[attr-defined]
    assert any('"title":"TranslationReply"' in p for p in prompts)


def test_web_audit_uses_the_llm_judge(
    client: TestClient, llm_run: tuple[dict[str, Any], Path]
) -> None:
    _, run_dir = llm_run
    started = client.post("/api/runs/m1/audit")
    assert started.status_code == 202, started.text
    job = wait_job(client, started.json()["id"])
    assert job["state"] == "done", job
    assert job["result"]["judge"].startswith("llm scripted")
    audit = json.loads((run_dir / "audit.json").read_text())
    assert audit["judge"].startswith("llm scripted")
    assert any(claim["verdict"] == "supported" for claim in audit["claims"])
    # Re-rendered after the audit, the Chinese files keep the model's translation.
    assert "译文" in (run_dir / "report.zh.md").read_text(encoding="utf-8")


# -- agora serve --llm -----------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Calls to `web.serve.serve`, which records instead of serving."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("web.serve.serve", lambda *args, **kwargs: calls.append(kwargs))
    return calls


@pytest.mark.parametrize(
    ("spec", "reason"),
    [("bogus:model", "unknown provider 'bogus'"), ("openai", "expected openai:MODEL")],
)
def test_serve_refuses_a_bad_llm_spec(
    served: list[dict[str, Any]], tmp_path: Path, spec: str, reason: str
) -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--library", str(tmp_path), "--llm", spec])
    assert result.exit_code != 0
    assert "error:" in result.output and reason in result.output
    assert not served, "it must stop before serving"


def test_serve_loads_the_llm_once_for_the_app(
    served: list[dict[str, Any]],
    tmp_path: Path,
    chat_stub: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    args = ["serve", "--library", str(tmp_path), "--llm", "openai:stub-model"]
    result = CliRunner().invoke(cli_app, [*args, "--api-base", chat_stub])
    assert result.exit_code == 0, result.output
    assert "engine: llm openai:stub-model" in result.output
    (call,) = served
    model: LanguageModel = call["llm"]
    assert model.label == "llm openai:stub-model"
    # The engine a web debate gets talks to the configured server.
    advisors = [{"name": f"Advisor {i}", "role": "r", "lens": "l"} for i in range(4)]
    _ChatStub.reply = json.dumps({"advisors": advisors})
    members = model.engine().propose_panel(QUESTION)
    assert [m.advisor.name for m in members or []] == [a["name"] for a in advisors]
    (request,) = _ChatStub.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "stub-model"
    # --api-base alone names no model.
    alone = CliRunner().invoke(cli_app, ["serve", "--library", str(tmp_path), "--api-base", "x"])
    assert alone.exit_code != 0 and "--llm" in alone.output

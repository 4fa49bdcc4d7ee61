"""The web app's JSON API through FastAPI's TestClient: sources, uploads, search, a debate
job to its report in every format and language, the audit, the token, size limits, path
traversal, and one writer at a time."""

from __future__ import annotations

import fcntl
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_support import ARTICLE, QUESTION, build_library, wait_job

from agora.cli import app as cli_app
from agora.settings import Settings
from ingest import Library
from web.app import create_app
from web.jobs import Job, JobState
from web.serve import ServeError, check_bind

BASE = "http://127.0.0.1:8400"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Settings:
    return build_library(tmp_path_factory.mktemp("web-api"), embedder)


@pytest.fixture(scope="module")
def client(settings: Settings, embedder: Any) -> Iterator[TestClient]:
    app = create_app(settings, embedder=embedder)
    with TestClient(app, base_url=BASE) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def debate_run(client: TestClient) -> dict[str, Any]:
    """One two-round debate, run as a job, for the report and audit tests."""
    started = client.post("/api/debates", json={"question": QUESTION, "rounds": 2, "name": "t1"})
    assert started.status_code == 202, started.text
    job = started.json()
    events = []
    with client.stream("GET", f"/api/jobs/{job['id']}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    return {"job": events[-1], "events": events}


# -- the page and the documentation ---------------------------------------------------


def test_page_loads_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert references and all(ref.startswith(("/", "#")) for ref in references), references
    for asset in ("/static/app.js", "/static/app.css", "/static/favicon.svg"):
        response = client.get(asset)
        assert response.status_code == 200, asset
        text = response.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "http://" not in text and "https://" not in text, asset


def test_api_is_documented_without_a_cdn(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in ("/api/sources", "/api/sources/upload", "/api/search", "/api/debates"):
        assert path in schema["paths"], path
    assert "/api/runs/{name}/report" in schema["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    scripts = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert scripts and all(s.startswith("/") for s in scripts), scripts
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200


# -- sources ------------------------------------------------------------------------------


def test_sources_list_and_show_with_chunk_boundaries(client: TestClient) -> None:
    listed = client.get("/api/sources").json()
    sources = listed["sources"]
    assert [s["number"] for s in sources][:4] == [1, 2, 3, 4]
    assert {s["status"] for s in sources[:4]} == {"ok"}
    assert all(s["chunk_count"] > 0 for s in sources[:4])
    detail = client.get("/api/sources/1").json()
    assert detail["source"]["number"] == 1 and detail["text"]
    chunks = detail["chunks"]
    assert chunks and chunks[0]["start"] == 0
    assert all(0 <= c["start"] < c["end"] <= len(detail["text"]) for c in chunks)
    assert client.get("/api/sources/999").status_code == 404
    assert client.get("/api/sources/..%2F..%2Fetc%2Fpasswd").status_code in (404, 422)


def test_add_by_loopback_url(client: TestClient, loopback: Any) -> None:
    good = loopback.add("/pipeline", ARTICLE.encode())
    started = client.post("/api/sources", json={"urls": [good]})
    assert started.status_code == 202
    job = wait_job(client, started.json()["id"])
    assert job["state"] == "done", job
    assert job["progress"]["fetch"] == {"done": 1, "total": 1}
    (result,) = job["result"]["results"]
    assert result["outcome"] == "added"
    sources = client.get("/api/sources").json()["sources"]
    added = next(s for s in sources if s["url"] == good)
    assert added["title"] == "Pipeline conversion after AI adoption" and added["chunk_count"]

    missing = client.post("/api/sources", json={"urls": [loopback.url("/404")]}).json()
    job = wait_job(client, missing["id"])
    (result,) = job["result"]["results"]
    assert result["outcome"] == "failed" and "404" in result["reason"]


def test_only_urls_are_added_by_location(client: TestClient) -> None:
    for location in ("/etc/passwd", "file:///etc/passwd", "../library/catalog.sqlite"):
        response = client.post("/api/sources", json={"urls": [location]})
        assert response.status_code == 422, location
        assert "only http(s) URLs" in response.text
    for location in ("http://", "https://host:port/"):
        response = client.post("/api/sources", json={"urls": [location]})
        assert response.status_code == 422, location
        assert "not a valid URL" in response.text


def test_upload_adds_a_file(client: TestClient, settings: Settings) -> None:
    text = "# Field report\n\n" + "Customer success teams used AI to triage tickets. " * 12
    files = [("files", ("../../field report.md", text.encode(), "text/markdown"))]
    response = client.post("/api/sources/upload", files=files, data={"title": "Field report"})
    assert response.status_code == 202, response.text
    job = wait_job(client, response.json()["id"])
    assert job["state"] == "done", job
    (result,) = job["result"]["results"]
    assert result["outcome"] == "added" and result["source"]["title"] == "Field report"
    stored = Path(result["source"]["path"])
    uploads = (Path(settings.library) / "uploads").resolve()
    assert stored.parent.parent == uploads and stored.name == "field report.md"

    refused = client.post(
        "/api/sources/upload", files=[("files", ("tool.exe", b"MZ\x90\x00", "application/x"))]
    )
    assert refused.status_code == 415


def test_search_finds_passages_with_source_numbers(client: TestClient) -> None:
    passages = client.get("/api/search", params={"q": "pipeline conversion", "k": 3}).json()
    assert 0 < len(passages) <= 3
    assert all(isinstance(p["source"], int) and p["chunk_id"] for p in passages)
    only_two = client.get("/api/search", params={"q": "AI", "source": 2}).json()
    assert only_two and {p["source"] for p in only_two} == {2}
    assert client.get("/api/search").status_code == 422


# -- debate, report, audit -----------------------------------------------------------------


def test_debate_job_streams_round_progress(debate_run: dict[str, Any]) -> None:
    job = debate_run["job"]
    assert job["state"] == "done", job
    assert job["result"]["run"] == "t1" and job["result"]["rounds"] == 2
    rounds = [e["progress"]["rounds"]["done"] for e in debate_run["events"]]
    assert rounds[0] == 0 and rounds[-1] == 2 and rounds == sorted(rounds)
    assert any(m.startswith("round 1/2 done") for m in job["messages"])


def test_runs_are_listed(client: TestClient, debate_run: dict[str, Any]) -> None:
    (run,) = [r for r in client.get("/api/runs").json() if r["name"] == "t1"]
    assert run["question"] == QUESTION
    assert run["rounds_done"] == run["rounds_total"] == 2 and run["has_report"]
    verdict = client.get("/api/runs/t1/report", params={"format": "json"}).json()["verdict"]
    assert run["verdict_status"] == verdict["status"] in ("leans", "too_close")
    assert run["verdict_option"] == verdict["option"]
    assert client.get("/api/runs/t1").json()["name"] == "t1"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_in_every_format_and_language(
    client: TestClient, debate_run: dict[str, Any], lang: str
) -> None:
    md = client.get("/api/runs/t1/report", params={"format": "md", "lang": lang})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert re.search(r"\[\d+\]", md.text)
    page = client.get("/api/runs/t1/report", params={"format": "html", "lang": lang})
    assert page.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in page.text and 'class="cite"' in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    data = client.get("/api/runs/t1/report", params={"format": "json", "lang": lang}).json()
    assert data["question"] == QUESTION and data["citations"]
    download = client.get(
        "/api/runs/t1/report", params={"format": "md", "lang": lang, "download": True}
    )
    suffix = ".zh.md" if lang == "zh" else ".md"
    assert f'filename="t1{suffix}"' in download.headers["content-disposition"]
    assert client.get("/api/runs/t1/report", params={"lang": "fr"}).status_code == 422


def test_audit_job_marks_claims(client: TestClient, debate_run: dict[str, Any]) -> None:
    assert client.get("/api/runs/t1/audit").status_code == 404
    started = client.post("/api/runs/t1/audit")
    assert started.status_code == 202
    job = wait_job(client, started.json()["id"])
    assert job["state"] == "done", job
    assert job["result"]["totals"]["claims"] > 0
    audit = client.get("/api/runs/t1/audit").json()
    assert audit["claims"]
    page = client.get("/api/runs/t1/report", params={"format": "html"}).text
    assert re.search(
        r'class="audit-(supported|partially_supported|not_supported|contradicted)"', page
    )
    assert client.get("/api/runs/t1").json()["has_audit"]


def test_a_run_name_is_taken_once(client: TestClient, debate_run: dict[str, Any]) -> None:
    again = client.post("/api/debates", json={"question": QUESTION, "rounds": 1, "name": "t1"})
    assert again.status_code == 409 and "exists already" in again.text


# -- path traversal -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["..", ".hidden", "a.b", "..%2F..%2Fetc", "%2e%2e", "x" * 81, "-x", "a b"]
)
def test_run_names_cannot_leave_the_runs_folder(client: TestClient, name: str) -> None:
    response = client.get(f"/api/runs/{name}/report")
    assert response.status_code in (400, 404), (name, response.status_code)
    assert client.post(f"/api/runs/{name}/audit").status_code in (400, 404, 405)


def test_a_symlinked_run_folder_is_refused(client: TestClient, settings: Settings) -> None:
    outside = Path(settings.library).parent / "elsewhere"
    outside.mkdir(exist_ok=True)
    (outside / "report.json").write_text("{}")
    runs = Path(settings.library) / "runs"
    runs.mkdir(exist_ok=True)
    (runs / "sneaky").symlink_to(outside, target_is_directory=True)
    response = client.get("/api/runs/sneaky/report")
    assert response.status_code == 400 and "not inside" in response.text
    assert "sneaky" not in [r["name"] for r in client.get("/api/runs").json()]


def test_debate_names_are_validated(client: TestClient) -> None:
    for name in ("../escape", "a/b", ".x"):
        response = client.post("/api/debates", json={"question": QUESTION, "name": name})
        assert response.status_code == 422, name


# -- one writer ---------------------------------------------------------------------------


def test_jobs_wait_in_a_queue_and_removal_waits_for_none(client: TestClient, loopback: Any) -> None:
    space = client.app.state.workspace  # type: ignore[attr-defined]
    release = threading.Event()

    def hold(library: Library, job: Job) -> dict[str, Any]:
        release.wait(30)
        return {}

    holder = space.jobs.submit("test", "hold the writer", hold)
    # The worker thread picks the job up asynchronously; on a loaded machine that takes a
    # while, and until then the library is not busy (a removal would rightly go ahead).
    started = time.monotonic()
    while holder.view().state != JobState.RUNNING:
        assert time.monotonic() - started < 30, "the worker never started the job"
        time.sleep(0.01)
    try:
        url = loopback.add("/queued", ARTICLE.replace("Pipeline", "Queued").encode())
        queued = client.post("/api/sources", json={"urls": [url]})
        assert queued.status_code == 202 and queued.json()["state"] == "queued"
        removal = client.delete("/api/sources/1")
        assert removal.status_code == 409
        assert "busy" in removal.json()["detail"]
        assert client.get(f"/api/jobs/{queued.json()['id']}").json()["position"] == 0
        assert client.get("/api/sources").json()["busy"] is True
        # A debate that waits already shows its rounds (a page subscribing now draws 0/1).
        debate = client.post("/api/debates", json={"question": QUESTION, "rounds": 1})
        assert debate.status_code == 202 and debate.json()["state"] == "queued"
        assert debate.json()["progress"]["rounds"] == {"done": 0, "total": 1}
    finally:
        release.set()
    assert wait_job(client, holder.id)["state"] == "done"
    assert wait_job(client, queued.json()["id"])["state"] == "done"
    finished = wait_job(client, debate.json()["id"])
    assert finished["state"] == "done" and finished["progress"]["rounds"]["done"] == 1


def test_another_process_holding_the_lock_is_reported(
    client: TestClient, settings: Settings, loopback: Any
) -> None:
    with open(Path(settings.library) / "write.lock", "a+") as handle:
        # flock locks belong to the open file, so this holds the lock against the app's
        # own opens exactly as another process would.
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            job = client.post("/api/sources", json={"urls": [loopback.url("/hello")]}).json()
            failed = wait_job(client, job["id"])
            assert failed["state"] == "failed" and "one writer per library" in failed["error"]
            removal = client.delete("/api/sources/2")
            assert removal.status_code == 409 and "one writer" in removal.json()["detail"]
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def test_remove_source(client: TestClient) -> None:
    removed = client.delete("/api/sources/3")
    assert removed.status_code == 200 and removed.json()["removed"]["number"] == 3
    assert client.get("/api/sources/3").status_code == 404
    assert client.delete("/api/sources/3").status_code == 404


# -- limits, hosts, origins, tokens ----------------------------------------------------


def test_request_bodies_are_capped(settings: Settings, embedder: Any) -> None:
    small = settings.model_copy(update={"max_download_bytes": 4096})
    with TestClient(create_app(small, embedder=embedder), base_url=BASE) as limited:
        big_json = {"question": "x" * (2 * 1024 * 1024)}
        assert limited.post("/api/debates", json=big_json).status_code == 413
        files = [("files", ("big.md", b"# big\n" + b"a" * 20_000, "text/markdown"))]
        response = limited.post("/api/sources/upload", files=files)
        assert response.status_code == 413 and "limit" in response.text

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            for _ in range(100):
                yield b"{" * 20_000

        streamed = limited.post(
            "/api/debates", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413


def test_only_loopback_host_names_are_served(client: TestClient) -> None:
    assert client.get("/api/health", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/api/health", headers={"Host": "localhost:8400"}).status_code == 200


def test_cross_origin_writes_are_refused(client: TestClient) -> None:
    response = client.post(
        "/api/sources",
        json={"urls": ["http://127.0.0.1:1/x"]},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status_code == 403
    same = client.post(
        "/api/debates", json={"question": "x"}, headers={"Origin": "http://127.0.0.1:8400"}
    )
    assert same.status_code == 422  # got past the origin check (the question is too short)


def test_token_is_required_for_every_api_call(settings: Settings, embedder: Any) -> None:
    app = create_app(settings, embedder=embedder, token="s3cret-token")
    with TestClient(app, base_url="http://192.0.2.10:8400") as remote:
        assert remote.get("/").status_code == 200  # the page itself holds no data
        assert remote.get("/api/health").json()["auth"] is True
        for path in ("/api/sources", "/api/runs", "/api/search?q=x", "/openapi.json"):
            assert remote.get(path).status_code == 401, path
        wrong = remote.get("/api/sources", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = remote.get("/api/sources", headers={"Authorization": "Bearer s3cret-token"})
        assert right.status_code == 200
        assert remote.post("/api/session", json={"token": "nope"}).status_code == 401
        assert remote.post("/api/session", json={"token": "s3cret-token"}).status_code == 200
        assert remote.get("/api/sources").status_code == 200  # the cookie now


def test_binding_beyond_loopback_needs_a_token() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_bind(host, None)
    for host in ("0.0.0.0", "192.168.1.5", "example.org"):
        with pytest.raises(ServeError, match="without a token"):
            check_bind(host, None)
        check_bind(host, "a-token")
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "without a token" in result.output


def test_a_library_built_with_other_settings_is_explained(
    settings: Settings, embedder: Any
) -> None:
    other = settings.model_copy(update={"chunk_size": 800})
    with TestClient(create_app(other, embedder=embedder), base_url=BASE) as mismatched:
        response = mismatched.get("/api/sources")
        assert response.status_code == 409
        assert "different embedding or chunking settings" in response.json()["detail"]


def test_generated_run_names_are_fresh(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from web.runs import RunStore

    store = RunStore(tmp_path)
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = store.new_name("Is it an advantage, or an imbalance?", now)
    assert first == "20250102-030405-is-it-an-advantage-or-an"
    assert store.new_name("Is it an advantage, or an imbalance?", now, taken={first}) == (
        first + "-2"
    )
    assert store.path(first).parent == tmp_path.resolve()

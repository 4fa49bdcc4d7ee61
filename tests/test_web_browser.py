"""The page in real headless Chromium (Debian's package), driven by Playwright.

The real server runs (uvicorn on a free loopback port). Through the page: add a source
from a loopback URL and upload a file, run a debate with the extractive engine, open the
report, click a citation and see its exact passage highlighted in the source text, close
it with Esc and reopen it from the keyboard, toggle the audit overlay, switch to Chinese,
download the Markdown, and take screenshots into test-output/. No request may leave the
server and the page may log no error (a content-policy violation would be one).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest
from web_support import ARTICLE, QUESTION, build_library

from report.i18n import message
from web.app import create_app

CHROMIUM = Path(os.environ.get("AGORA_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
JOB_TIMEOUT_MS = 240_000

if not CHROMIUM.exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install Debian's chromium package "
        "(apt-get install chromium chromium-driver) to run the browser tests",
        allow_module_level=True,
    )
playwright_sync = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[str]:
    """The real app under uvicorn in a thread; yields its base URL."""
    import uvicorn

    settings = build_library(tmp_path_factory.mktemp("web-browser"), embedder)
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, embedder=embedder), host="127.0.0.1", port=port, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def test_add_debate_read_cite_audit_translate(server: str, browser: Any, loopback: Any) -> None:
    OUTPUT.mkdir(exist_ok=True)
    article = loopback.add("/pipeline", ARTICLE.encode())
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: None if r.url.startswith(server) else problems.append(f"request to {r.url}"),
    )
    expect = playwright_sync.expect

    # The library, and a source added from a loopback URL through the page.
    page.goto(server + "/")
    expect(page.locator("#sources tbody tr")).to_have_count(4)
    page.fill("#add-url", article)
    page.click("#add-form button[type=submit]")
    job = page.locator("#library-jobs .job").first
    expect(job).to_have_attribute("data-state", "done", timeout=JOB_TIMEOUT_MS)
    expect(job.locator("[data-phase=fetch]")).to_contain_text("1 of 1")
    row = page.locator("#sources tbody tr", has_text="Pipeline conversion after AI adoption")
    expect(row).to_have_count(1)
    expect(row.locator(".status")).to_have_text("ok")

    # And a file uploaded through the page.
    notes = "# Support desk notes\n\n" + "Support agents used AI to draft replies. " * 20
    page.set_input_files(
        "#upload-files",
        files=[{"name": "desk-notes.md", "mimeType": "text/markdown", "buffer": notes.encode()}],
    )
    page.click("#upload-form button[type=submit]")
    job = page.locator("#library-jobs .job").first
    expect(job).to_contain_text("desk-notes.md")
    expect(job).to_have_attribute("data-state", "done", timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#sources tbody tr", has_text="Support desk notes")).to_have_count(1)

    # A two-round debate with the extractive engine; progress per round.
    page.click("nav >> text=Debates")
    page.fill("#debate-question", QUESTION)
    page.fill("#debate-rounds", "2")
    page.click("#debate-form button[type=submit]")
    job = page.locator("#debate-jobs .job").first
    expect(job).to_have_attribute("data-state", "done", timeout=JOB_TIMEOUT_MS)
    expect(job.locator("[data-phase=rounds]")).to_contain_text("2 of 2")
    expect(job.locator(".log")).to_contain_text("round 1/2 done")
    job.get_by_role("link", name="Read the report").click()

    # The report: the same sections as the Markdown one, with [n] citations.
    expect(page.locator("#report h2").first).to_be_visible()
    headings = page.locator("#report h2").all_text_contents()
    assert any(message("en", "h_verdict") in h for h in headings), headings
    cite = page.locator("#report a.cite").first
    cite.click()

    # The exact passage, highlighted inside its source's text.
    panel = page.locator("#passage")
    expect(panel).to_be_visible()
    mark = page.locator("#passage-text mark#cited-passage")
    expect(mark).to_be_visible()
    number = cite.get_attribute("data-n")
    chunk_id = cite.get_attribute("data-chunk")
    run = page.locator("#report-run").text_content()
    source = _cited_source(server, run, number)
    # The runs list shows the verdict's status as a badge, as report.json has it.
    status = httpx.get(f"{server}/api/runs/{run}/report", params={"format": "json"}).json()
    badge = page.locator(f'#runs li[data-run="{run}"] .badge')
    expect(badge).to_have_attribute("data-status", status["verdict"]["status"])
    detail = httpx.get(f"{server}/api/sources/{source}").json()
    chunk = next(c for c in detail["chunks"] if c["chunk_id"] == chunk_id)
    assert mark.text_content() == detail["text"][chunk["start"] : chunk["end"]]
    assert page.locator("#passage-text").text_content() == detail["text"]
    assert len(detail["chunks"]) > 1 and chunk["end"] - chunk["start"] < len(detail["text"])
    assert _in_view(mark, page.locator("#passage-text"))
    page.screenshot(path=str(OUTPUT / "web-passage.png"))

    # Esc closes the panel and gives focus back to the citation; Enter reopens it.
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert page.evaluate("document.activeElement.matches('a.cite')")
    page.keyboard.press("Enter")
    expect(mark).to_be_visible()
    page.click("#passage-close")
    expect(panel).to_be_hidden()

    # The audit overlay: runs the audit, then colours each claim by verdict.
    page.click("#audit-toggle")
    expect(page.locator("#audit-toggle")).to_have_attribute("aria-pressed", "true", timeout=60_000)
    expect(page.locator("#report")).to_have_class(re.compile(r"\baudit-on\b"))
    supported = page.locator("#report .audit-supported").first
    expect(supported).to_be_visible()
    colour = supported.evaluate("e => getComputedStyle(e).borderLeftColor")
    assert colour == "rgb(46, 125, 50)", colour
    expect(page.locator("#report .legend")).to_be_visible()
    page.click("#audit-toggle")
    expect(page.locator("#report .legend")).to_be_hidden()
    page.click("#audit-toggle")
    expect(page.locator("#report .legend")).to_be_visible()

    # Chinese, with the overlay kept; citations still open their passages.
    page.click("#lang-zh")
    expect(page.locator("#report")).to_have_attribute("lang", "zh")
    verdict_zh = page.locator("#report h2").filter(has_text=message("zh", "h_verdict"))
    expect(verdict_zh.first).to_be_visible()
    expect(page.locator("#report .audit-supported").first).to_be_visible()
    page.screenshot(path=str(OUTPUT / "web-report-zh.png"), full_page=False)

    # Downloads, in the chosen language.
    with page.expect_download() as download:
        page.click("#dl-md")
    assert download.value.suggested_filename.endswith(".zh.md")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert re.search(r"\[\d+\]", text)
    with page.expect_download(timeout=120_000) as download:
        page.click("#dl-pdf")
    assert download.value.suggested_filename.endswith(".zh.pdf")
    pdf = pypdf.PdfReader(download.value.path())
    text = "".join(p.extract_text() for p in pdf.pages)
    assert re.search(r"\[\d+\]", text) and message("zh", "h_verdict") in text

    # A phone's width: the panel becomes a bottom sheet, the page stays usable.
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#report a.cite").nth(1).click()
    expect(mark).to_be_visible()
    box = panel.bounding_box()
    assert box is not None and box["width"] <= 390 and box["x"] >= 0
    page.screenshot(path=str(OUTPUT / "web-phone.png"))
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("nav >> text=Library")
    expect(page.locator("#sources tbody tr")).to_have_count(6)
    page.screenshot(path=str(OUTPUT / "web-library.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(OUTPUT / "web-library-phone.png"))

    context.close()
    assert not problems, problems


def _cited_source(server: str, run: str | None, number: str | None) -> int:
    """The library number behind report number [n], from the report's citation table."""
    report = httpx.get(f"{server}/api/runs/{run}/report", params={"format": "json"}).json()
    return next(
        int(c["library_number"]) for c in report["citations"] if str(c["report_number"]) == number
    )


def _in_view(inner: Any, outer: Any) -> bool:
    a, b = inner.bounding_box(), outer.bounding_box()
    return bool(a and b and a["y"] < b["y"] + b["height"] and a["y"] + a["height"] > b["y"])


def test_api_documentation_renders_offline(server: str, browser: Any) -> None:
    """Swagger UI from the package's own files: every endpoint listed, nothing remote."""
    page = browser.new_page()
    remote: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else remote.append(r.url))
    page.goto(server + "/docs")
    operations = page.locator(".swagger-ui .opblock")
    playwright_sync.expect(operations.first).to_be_visible(timeout=30_000)
    assert operations.count() >= 15
    page.close()
    assert not remote, remote

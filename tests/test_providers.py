"""Search providers against fake SearXNG and Brave endpoints on loopback, and
`agora library discover`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from helpers import LOREM_AI, article_html
from loopback import LoopbackServer
from typer.testing import CliRunner

import agora.cli.common as cli
import ingest
from ingest import Library
from ingest.embedding import Embedder
from ingest.providers import (
    BRAVE_VARIABLE,
    SEARXNG_VARIABLE,
    Brave,
    ProviderError,
    ProviderNotConfigured,
    SearXNG,
    make_provider,
)

TOPIC = "AI adoption in go-to-market teams"


def route(path: str, params: dict[str, str | int]) -> str:
    """The path and query string httpx sends for these parameters."""
    url = httpx.URL(path, params=params)
    return f"{url.path}?{url.query.decode()}"


def searxng_page(server: LoopbackServer, page: int, urls: list[str]) -> None:
    results = [{"url": u, "title": f"Result {u[-6:]}", "content": "snippet"} for u in urls]
    body = json.dumps({"query": TOPIC, "results": results}).encode()
    params: dict[str, str | int] = {"q": TOPIC, "format": "json", "pageno": page}
    server.add(route("/search", params), body, content_type="application/json")


def fake_searxng(server: LoopbackServer) -> list[str]:
    """Two pages of results, the second repeating one of the first, then the first again
    (SearXNG repeats rather than ends). Result URLs are pages on the same server."""
    pages = []
    for n in range(1, 4):
        path = f"/found/{n}.html"
        server.add(path, article_html(f"Found {n}", f"Finding {n}. " + LOREM_AI * 2).encode())
        pages.append(server.url(path))
    searxng_page(server, 1, [pages[0] + "?utm_source=searx", pages[1]])
    searxng_page(server, 2, [pages[1], pages[2]])
    searxng_page(server, 3, [pages[0]])
    return pages


def test_searxng_pages_until_nothing_new(loopback: LoopbackServer) -> None:
    pages = fake_searxng(loopback)
    provider = SearXNG(loopback.url("/"))
    try:
        results = provider.search(TOPIC, 30)
        assert [r.url for r in results] == pages  # deduplicated, tracking stripped
        assert results[0].title and results[0].provider == "searxng"
        requested = [r.path for r in loopback.requests]
        assert len(requested) == 3  # page 3 brought nothing new: stop there
        assert [r.url for r in provider.search(TOPIC, 1)] == pages[:1]
    finally:
        provider.close()


def test_searxng_without_json_format_says_what_to_change(loopback: LoopbackServer) -> None:
    params: dict[str, str | int] = {"q": TOPIC, "format": "json", "pageno": 1}
    loopback.add(route("/search", params), b"<html>forbidden</html>", status=403)
    with pytest.raises(ProviderError, match=r"search\.formats"):
        SearXNG(loopback.url("")).search(TOPIC, 10)
    with pytest.raises(ProviderError, match="could not be reached"):
        SearXNG("http://127.0.0.1:9").search(TOPIC, 10)


def test_brave_sends_the_token(loopback: LoopbackServer) -> None:
    hits = [{"url": f"https://example.org/{n}", "title": f"T{n}"} for n in range(3)]
    body = json.dumps({"web": {"results": hits}}).encode()
    params: dict[str, str | int] = {"q": TOPIC, "count": 2, "offset": 0}
    loopback.add(route("/res/v1/web/search", params), body, content_type="application/json")
    brave = Brave("secret-token", endpoint=loopback.url("/res/v1/web/search"))
    results = brave.search(TOPIC, 2)
    assert [r.url for r in results] == ["https://example.org/0", "https://example.org/1"]
    assert loopback.requests[0].headers["x-subscription-token"] == "secret-token"

    loopback.add(route("/res/v1/web/search", params), b"{}", status=401)
    with pytest.raises(ProviderError, match=BRAVE_VARIABLE):
        brave.search(TOPIC, 2)


def test_unconfigured_providers_name_their_variable() -> None:
    with pytest.raises(ProviderNotConfigured, match=SEARXNG_VARIABLE):
        make_provider("searxng")
    with pytest.raises(ProviderNotConfigured, match=BRAVE_VARIABLE):
        make_provider("brave")
    with pytest.raises(ProviderNotConfigured, match="searxng, brave"):
        make_provider("altavista")


def test_discover_command(
    tmp_path: Path,
    loopback: LoopbackServer,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = CliRunner()
    lib = ["--library", str(tmp_path / "lib")]
    result = runner.invoke(cli.app, ["library", "discover", TOPIC, "--provider", "searxng", *lib])
    assert result.exit_code == 2
    assert SEARXNG_VARIABLE in result.stderr

    # commands import Library where they open one (agora/cli/common.py)
    monkeypatch.setattr(ingest, "Library", lambda settings: Library(settings, embedder=embedder))
    pages = fake_searxng(loopback)
    monkeypatch.setenv(SEARXNG_VARIABLE, loopback.url(""))
    result = runner.invoke(cli.app, ["library", "discover", TOPIC, "--list-only", "--json"])
    assert result.exit_code == 0, result.stderr
    assert [r["url"] for r in json.loads(result.stdout)] == pages
    assert not (tmp_path / "lib").exists()  # listing adds nothing

    args = ["library", "discover", TOPIC, "--max", "2", "--delay", "0", "--json", *lib]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(p["url"], p["status"], p["number"]) for p in report["pages"]] == [
        (pages[0], "added", 1),
        (pages[1], "added", 2),
    ]

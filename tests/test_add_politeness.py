"""`library add` over HTTP honours robots.txt (unless told not to) and spaces requests to
one host by the politeness delay."""

from __future__ import annotations

import time
from pathlib import Path

from helpers import LOREM_AI, article_html, open_library
from loopback import LoopbackServer
from typer.testing import CliRunner

from agora.cli import app
from ingest import Outcome
from ingest.embedding import Embedder


def test_robots_txt_is_honoured_unless_ignored(
    tmp_path: Path, loopback: LoopbackServer, embedder: Embedder
) -> None:
    loopback.add("/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    open_page = loopback.add("/open.html", article_html("Open", LOREM_AI * 3).encode())
    private = loopback.add("/private/p.html", article_html("Private", LOREM_AI * 4).encode())
    with open_library(tmp_path / "lib", embedder) as lib:
        summary = lib.add([open_page, private])
        outcomes = {r.source.location: r for r in summary.results}
        assert outcomes[open_page].outcome == Outcome.ADDED
        refused = outcomes[private]
        assert refused.outcome == Outcome.FAILED
        assert "robots.txt" in (refused.reason or "") and "--ignore-robots" in (
            refused.reason or ""
        )
    assert "/private/p.html" not in [r.path for r in loopback.requests]
    assert [r.path for r in loopback.requests].count("/robots.txt") == 1

    result = CliRunner().invoke(
        app, ["library", "add", private, "--ignore-robots", "--library", str(tmp_path / "lib")]
    )
    assert result.exit_code == 0, result.stderr
    assert "/private/p.html" in [r.path for r in loopback.requests]


def test_requests_to_one_host_are_spaced(
    tmp_path: Path, loopback: LoopbackServer, embedder: Embedder
) -> None:
    pages = [
        loopback.add(
            f"/p{i}.html", article_html(f"Page {i}", f"Page {i}. " + LOREM_AI * 3).encode()
        )
        for i in range(4)
    ]
    with open_library(tmp_path / "lib", embedder, crawl_delay=0.4) as lib:
        started = time.monotonic()
        lib.add(pages)
        elapsed = time.monotonic() - started
    # robots.txt plus four pages on one host: at least four gaps of 0.4 s.
    assert elapsed >= 1.6

"""Fetch safety: private, loopback and link-local addresses are refused by default."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from helpers import LOREM_AI, article_html, open_library
from loopback import LoopbackServer
from typer.testing import CliRunner

from agora.cli import app
from agora.settings import Settings
from ingest import Outcome
from ingest.embedding import Embedder
from ingest.fetch import FetchError, fetch
from ingest.transport import _connectable_address


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    with pytest.raises(FetchError, match="private or local address"):
        _connectable_address(address, 80, allow_private=False)
    allowed = _connectable_address(address, 80, allow_private=True)
    assert ipaddress.ip_address(allowed) == ipaddress.ip_address(address)


def test_public_addresses_pass() -> None:
    assert _connectable_address("93.184.216.34", 443, allow_private=False) == "93.184.216.34"


def test_loopback_fetch_is_refused_before_any_request(loopback: LoopbackServer) -> None:
    settings = Settings(allow_private=False).fetch_config()
    for url in (loopback.url("/hello"), f"http://localhost:{loopback.port}/hello"):
        with pytest.raises(FetchError) as caught:
            fetch(url, settings)
        assert "--allow-private" in caught.value.reason
    assert loopback.requests == []
    assert fetch(loopback.url("/hello"), Settings(allow_private=True).fetch_config()).content


def test_library_records_the_refusal_and_the_cli_flag_allows_it(
    tmp_path: Path, loopback: LoopbackServer, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = loopback.add("/page.html", article_html("Local page", LOREM_AI * 3).encode())
    with open_library(tmp_path / "lib", embedder, allow_private=False) as lib:
        (result,) = lib.add([page]).results
        assert result.outcome == Outcome.FAILED
        assert "private or local address" in (result.reason or "")
    monkeypatch.delenv("AGORA_ALLOW_PRIVATE")
    runner = CliRunner()
    refused = runner.invoke(app, ["library", "add", page, "--library", str(tmp_path / "cli")])
    assert refused.exit_code == 1 and "allow-private" in refused.stderr
    allowed = runner.invoke(
        app, ["library", "add", page, "--allow-private", "--library", str(tmp_path / "cli")]
    )
    assert allowed.exit_code == 0, allowed.stderr

"""A library on a real `chroma run` server: shared by clients, numbered without races."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from helpers import write_corpus

from agora.settings import Settings
from ingest import Library, Outcome
from ingest.check import check_library
from ingest.chroma_catalog import ChromaCatalog
from ingest.embedding import Embedder
from ingest.store import open_chroma_server
from ingest.types import Source, SourceStatus
from retrieval import search


def test_two_clients_share_one_library(
    tmp_path: Path, chroma_server: str, embedder: Embedder
) -> None:
    write_corpus(tmp_path / "docs")
    first = Library(
        Settings(
            library=tmp_path / "a", chroma_url=chroma_server, library_name="shared-lib"
        ).library_config(),
        embedder=embedder,
    )
    second = Library(
        Settings(
            library=tmp_path / "b", chroma_url=chroma_server, library_name="shared-lib"
        ).library_config(),
        embedder=embedder,
    )
    first.add([str(tmp_path / "docs" / "engineering.md")])
    second.add([str(tmp_path / "docs" / "notes.txt")])
    for client in (first, second):
        assert [s.number for s in client.sources()] == [1, 2]
    passages = search(second, "engineering speed report", k=2)
    assert passages[0].source == 1  # added by the other client, found by this one
    assert not (tmp_path / "a" / "catalog.sqlite").exists()  # the catalog is in the server
    assert check_library(first).consistent


def test_four_concurrent_clients_add_disjoint_sources(tmp_path: Path, chroma_server: str) -> None:
    folders = []
    for client in range(4):
        folder = tmp_path / f"docs-{client}"
        folder.mkdir()
        for i in range(6):
            (folder / f"c{client}-{i}.md").write_text(
                f"# Client {client} note {i}\n\n"
                + f"Client {client} observed item {i} about AI and delivery speed. " * 15
            )
        folders.append(folder)
    env = {**os.environ, "AGORA_CHROMA_URL": chroma_server, "AGORA_LIBRARY_NAME": "race-lib"}
    agora = str(Path(sys.executable).parent / "agora")
    processes = [
        subprocess.Popen(
            [agora, "library", "add", str(folder), "--library", str(tmp_path / f"local-{i}")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, folder in enumerate(folders)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr

    check = Settings(library=tmp_path / "check", chroma_url=chroma_server, library_name="race-lib")
    with Library(check.library_config()) as lib:
        sources = lib.sources()
        assert len(sources) == 24
        assert sorted(s.number or 0 for s in sources) == list(range(1, 25))
        assert all(s.status == SourceStatus.OK for s in sources)
        chunk_ids = lib.chunk_ids()
        assert sum(s.chunk_count for s in sources) == len(chunk_ids)
        assert lib.store.count() == len(chunk_ids)  # every chunk exactly once
        assert lib.store.ids() == chunk_ids


def test_the_cli_reaches_the_server_with_chroma_url(tmp_path: Path, chroma_server: str) -> None:
    from typer.testing import CliRunner

    from agora.cli import app

    write_corpus(tmp_path / "docs")
    runner = CliRunner()
    common = ["--chroma-url", chroma_server]
    target = ["--library", str(tmp_path / "team-library")]
    added = runner.invoke(app, [*common, "library", "add", str(tmp_path / "docs"), *target])
    assert added.exit_code == 0, added.stderr
    listed = runner.invoke(app, [*common, "library", "list", "--json", *target])
    assert len(json.loads(listed.stdout)) == 4
    assert not (tmp_path / "team-library" / "catalog.sqlite").exists()
    found = runner.invoke(
        app, [*common, "search", "sourdough starter", "-k", "1", "--json", *target]
    )
    assert "sourdough" in found.stdout.lower()


def test_catalog_requests_are_per_group_not_per_source(
    tmp_path: Path, chroma_server: str, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every HTTP round trip costs milliseconds: the catalog reads and writes a group of
    sources at once. Before batching, a new source cost about 12 requests and an unchanged
    one 2; now a group costs a few, whatever its size."""
    group = 8
    docs = tmp_path / "docs"
    docs.mkdir()
    count = 40
    for i in range(count - 2):
        (docs / f"n{i:02d}.md").write_text(
            f"# Note {i}\n\n" + f"Observation {i} about delivery and AI tools. " * 12
        )
    (docs / "n38-copy.md").write_text((docs / "n00.md").read_text())  # skipped: a twin
    (docs / "n39-empty.md").write_text("")  # failed: no text
    requests: list[str] = []
    send = httpx.Client.send

    def counting(client: httpx.Client, request: httpx.Request, **kwargs: object) -> object:
        if str(request.url).startswith(chroma_server):
            requests.append(request.url.path)
        return send(client, request, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.Client, "send", counting)
    settings = Settings(library=tmp_path / "lib", chroma_url=chroma_server, library_name="rtt")
    config = replace(settings.library_config(), group_size=group)
    groups = math.ceil(count / group)
    with Library(config, embedder=embedder) as lib:
        requests.clear()
        summary = lib.add([str(docs)])
        assert (summary.count(Outcome.ADDED), summary.count(Outcome.SKIPPED)) == (38, 1)
        assert summary.count(Outcome.FAILED) == 1
        assert len(requests) <= 25 * groups + 10, requests  # was about 12 per source

        requests.clear()
        again = lib.add([str(docs)])
        assert again.count(Outcome.UNCHANGED) == 38
        assert len(requests) <= 8 * groups + 5, requests  # was 2 per unchanged source

        (docs / "n01.md").write_text("# Note 1, revised\n\n" + "A new observation. " * 20)
        requests.clear()
        changed = lib.add([str(docs)])
        assert changed.count(Outcome.UPDATED) == 1
        assert len(requests) <= 25 * groups + 10, requests

        sources = lib.sources()
        assert sorted(s.number or 0 for s in sources) == list(range(1, count + 1))
        assert lib.store.ids() == lib.chunk_ids()
        assert check_library(lib).consistent


def test_a_batch_of_claims_that_partly_loses_retries_only_the_losers(
    chroma_server: str,
) -> None:
    """Two clients claim numbers in batches with stale counts: every source gets exactly
    one number, no number is shared, and none is skipped."""
    client = open_chroma_server(chroma_server)
    first, second = (ChromaCatalog(client, "claims-lib", vectors=None) for _ in range(2))

    def failed(source_id: str) -> Source:
        return Source(
            source_id=source_id,
            location=f"/tmp/{source_id}",
            status=SourceStatus.FAILED,
            reason="test",
            fetched_at=datetime.now(UTC),
        )

    numbers: dict[str, int] = {}
    for catalog, batch in (
        (second, ["b0"]),  # counts 0 claims: takes 1
        (first, ["a0"]),  # counts 1 claim: takes 2
        (second, ["b1", "b2", "b3"]),  # tries 2, 3, 4: loses 2, so b1 goes round again
        (first, ["a1", "a2"]),  # tries 3 and 4 (lost), then 5 (lost) and 6, then 7
    ):
        for source in catalog.record_failures([failed(source_id) for source_id in batch]):
            numbers[source.source_id] = source.number or 0
    assert sorted(numbers.values()) == list(range(1, 8))
    assert numbers["b1"] == 5 and numbers["b2"] == 3 and numbers["b3"] == 4
    for catalog in (first, second):
        assert {s.source_id: s.number for s in catalog.sources()} == numbers
        again = catalog.record_failures([failed("a1"), failed("b1")])  # numbers never change
        assert [s.number for s in again] == [numbers["a1"], numbers["b1"]]

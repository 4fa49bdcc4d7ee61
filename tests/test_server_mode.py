"""A library on a real `chroma run` server: shared by clients, numbered without races."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import write_corpus

from agora.settings import Settings
from ingest import Library
from ingest.check import check_library
from ingest.embedding import Embedder
from ingest.types import SourceStatus
from retrieval import search


def test_two_clients_share_one_library(
    tmp_path: Path, chroma_server: str, embedder: Embedder
) -> None:
    write_corpus(tmp_path / "docs")
    first = Library(
        Settings(library=tmp_path / "a", chroma_url=chroma_server, library_name="shared-lib"),
        embedder=embedder,
    )
    second = Library(
        Settings(library=tmp_path / "b", chroma_url=chroma_server, library_name="shared-lib"),
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
    with Library(check) as lib:
        sources = lib.sources()
        assert len(sources) == 24
        assert sorted(s.number or 0 for s in sources) == list(range(1, 25))
        assert all(s.status == SourceStatus.OK for s in sources)
        chunk_ids = lib.catalog.chunk_ids()
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

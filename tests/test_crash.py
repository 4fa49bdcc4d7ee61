"""Crash safety: a real `agora library add` killed with SIGKILL, then rerun, leaves a
consistent library; `library check` finds and repairs divergence."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from helpers import open_library, write_corpus
from typer.testing import CliRunner

from agora.cli import app
from ingest.check import check_library
from ingest.embedding import Embedder
from ingest.types import SourceStatus


def _ok_sources(catalog: Path) -> int:
    if not catalog.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM sources WHERE status='ok'").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # schema not there yet


def test_kill_9_during_ingest_then_rerun(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(200):
        (docs / f"note-{i:03d}.md").write_text(
            f"# Note {i}\n\n" + f"Observation {i} about delivery, sales and AI tools. " * 12
        )
    library = tmp_path / "lib"
    command = [
        str(Path(sys.executable).parent / "agora"),
        "library",
        "add",
        str(docs),
        "--library",
        str(library),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while _ok_sources(library / "catalog.sqlite") < 64 and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.05)
    assert process.poll() is None, "ingest finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = _ok_sources(library / "catalog.sqlite")
    assert 64 <= killed_at < 200

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr

    result = CliRunner().invoke(app, ["library", "check", "--json", "--library", str(library)])
    assert result.exit_code == 0, result.stdout
    with open_library(library, Embedder()) as lib:
        sources = lib.sources()
        assert len(sources) == 200
        assert all(s.status == SourceStatus.OK for s in sources)
        assert sorted(s.number or 0 for s in sources) == list(range(1, 201))
        chunk_ids = lib.chunk_ids()
        assert lib.store.count() == len(chunk_ids)  # no duplicates, nothing missing
        assert lib.store.ids() == chunk_ids
        for source in sources:
            assert source.chunk_count == len(lib.chunks(source)) > 0


def test_check_finds_and_repairs_divergence(tmp_path: Path, embedder: Embedder) -> None:
    write_corpus(tmp_path / "docs")
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(tmp_path / "docs")])
        victim = lib.chunks(lib.get(1))[0]
        lib.store.delete_chunks([victim.chunk_id])
        lib.store.collection.add(
            ids=["orphan:0"], embeddings=[np.ones(embedder.dimension).tolist()]
        )
        report = check_library(lib)
        assert report.orphan_vectors == ["orphan:0"]
        assert report.missing_vectors == [victim.chunk_id]
        assert not report.consistent

    cli = CliRunner().invoke(app, ["library", "check", "--library", str(tmp_path / "lib")])
    assert cli.exit_code == 1 and "1 orphan vectors" in cli.stdout

    with open_library(tmp_path / "lib", embedder) as lib:
        check_library(lib, repair=True)
        after = check_library(lib)
        assert after.consistent
        assert lib.store.ids() == lib.chunk_ids()


def test_a_second_process_is_refused_while_one_writes(tmp_path: Path, embedder: Embedder) -> None:
    files = write_corpus(tmp_path / "docs")
    with open_library(tmp_path / "lib", embedder) as lib, lib.writing():
        blocked = subprocess.run(
            [
                str(Path(sys.executable).parent / "agora"),
                "library",
                "add",
                str(files["notes"]),
                "--library",
                str(tmp_path / "lib"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert blocked.returncode == 2
    assert "one writer per library" in blocked.stderr
    assert f"pid {os.getpid()}" in blocked.stderr

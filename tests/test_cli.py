"""The `agora` command as a user runs it: add, list, show, search, remove, exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import LOREM_AI, article_html, write_corpus
from loopback import LoopbackServer
from typer.testing import CliRunner

from agora.cli import app

runner = CliRunner()


def agora(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_add_list_show_search_remove(tmp_path: Path, loopback: LoopbackServer) -> None:
    write_corpus(tmp_path / "docs")
    page = loopback.add("/gtm.html", article_html("Pipeline conversion", LOREM_AI * 3).encode())
    lib = str(tmp_path / "lib")

    code, _, err = agora("library", "add", str(tmp_path / "docs"), page, "--library", lib)
    assert code == 0, err
    assert "5 added" in err

    code, out, _ = agora("library", "list", "--json", "--library", lib)
    listed = json.loads(out)
    assert [s["number"] for s in listed] == [1, 2, 3, 4, 5]
    assert {s["status"] for s in listed} == {"ok"}
    assert {"number", "title", "kind", "status", "chunk_count", "reason"} <= set(listed[0])
    numbers = {s["number"] for s in listed}

    code, out, _ = agora("library", "show", "5", "--json", "--library", lib)
    shown = json.loads(out)
    assert shown["source"]["url"] == page
    for chunk in shown["chunks"]:
        assert shown["text"][chunk["start"] : chunk["end"]] == chunk["text"]

    code, out, _ = agora("library", "show", "5", "--library", lib)
    assert "──── chunk 0 [" in out and "Pipeline conversion" in out

    code, out, _ = agora(
        "search", "pipeline conversion and AI", "-k", "4", "--json", "--library", lib
    )
    passages = json.loads(out)
    assert 0 < len(passages) <= 4
    assert {p["source"] for p in passages} <= numbers
    assert {"source", "chunk_id", "title", "text", "score"} <= set(passages[0])

    code, out, _ = agora("library", "remove", "5", "--library", lib)
    assert code == 0 and "removed source 5" in out
    code, _, err = agora("library", "show", "5", "--library", lib)
    assert code == 2 and "no source 5" in err


def test_add_exits_non_zero_only_when_nothing_could_be_added(
    tmp_path: Path, loopback: LoopbackServer
) -> None:
    lib = str(tmp_path / "lib")
    code, _, err = agora("library", "add", loopback.url("/404"), "--library", lib)
    assert code == 1
    assert "404" in err
    good = loopback.add("/ok.html", article_html("Fine", LOREM_AI * 3).encode())
    code, _, err = agora("library", "add", good, loopback.url("/500"), "--library", lib)
    assert code == 0
    assert "1 added" in err and "1 failed" in err


def test_add_from_a_url_list_and_a_manifest(tmp_path: Path, loopback: LoopbackServer) -> None:
    first = loopback.add("/a.html", article_html("Alpha", LOREM_AI * 3).encode())
    second = loopback.add("/b.html", article_html("Beta", "Other words entirely. " * 30).encode())
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# reading list\n{first}\n\n{second}\n")
    lib = str(tmp_path / "lib")
    code, _, err = agora("library", "add", "--from", str(urls), "--library", lib)
    assert code == 0, err
    (tmp_path / "doc.md").write_text("Plain notes about AI. " * 20)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {"sources": [{"location": "doc.md", "title": "Given title", "date": "2024-01-02"}]}
        )
    )
    code, _, err = agora("library", "add", "--from", str(manifest), "--library", lib)
    assert code == 0, err
    code, out, _ = agora("library", "list", "--json", "--library", lib)
    listed = json.loads(out)
    assert [s["title"] for s in listed] == ["Alpha", "Beta", "Given title"]
    assert listed[2]["date"] == "2024-01-02"


def test_bad_manifest_and_empty_query_give_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = agora("library", "add", "--from", str(bad), "--library", str(tmp_path / "l"))
    assert code == 2 and "not a valid manifest" in err
    code, _, err = agora("library", "add", "--library", str(tmp_path / "l"))
    assert code == 2 and "nothing to add" in err
    code, _, err = agora("search", "   ", "--library", str(tmp_path / "l"))
    assert code == 2 and "empty" in err


def test_console_script_uses_agora_library_env(tmp_path: Path) -> None:
    write_corpus(tmp_path / "docs")
    env = {**os.environ, "AGORA_LIBRARY": str(tmp_path / "env-lib")}
    script = Path(sys.executable).parent / "agora"
    added = subprocess.run(
        [str(script), "library", "add", str(tmp_path / "docs" / "notes.txt")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    listed = subprocess.run(
        [str(script), "library", "list", "--json"], env=env, capture_output=True, text=True
    )
    assert json.loads(listed.stdout)[0]["title"] == "Field notes on sourdough starters"
    assert (tmp_path / "env-lib" / "catalog.sqlite").is_file()


def test_malformed_locations_are_refused_by_name_and_nothing_is_stored(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    code, _, err = agora("library", "add", "http://", "--library", str(lib))
    assert code == 2 and "not a valid URL" in err
    assert "robots.txt" not in err
    code, _, err = agora("library", "add", "ftp://x.org/a", "--library", str(lib))
    assert code == 2
    assert "unsupported scheme 'ftp' (http, https and local paths are supported)" in err
    assert "file not found" not in err
    # The same from a reading list: the URL is not turned into a path next to the list.
    urls = tmp_path / "urls.txt"
    urls.write_text("ftp://x.org/a\n")
    code, _, err = agora("library", "add", "--from", str(urls), "--library", str(lib))
    assert code == 2 and "unsupported scheme 'ftp'" in err and str(tmp_path) not in err
    # Nothing was opened, let alone stored.
    assert not lib.exists()


def test_library_add_refuses_malformed_locations_before_storing(tmp_path: Path) -> None:
    """The Python API refuses them too, before any source is recorded."""
    from helpers import library_config

    from ingest import Library, LibraryError

    docs = tmp_path / "docs"
    write_corpus(docs)
    with Library(library_config(tmp_path / "lib")) as lib:
        for location, expected in (
            ("https://", "not a valid URL"),
            ("http://host:port/x", "not a valid URL"),
            ("gopher://x.org/", "unsupported scheme 'gopher'"),
        ):
            with pytest.raises(LibraryError, match=re.escape(expected)):
                lib.add([str(docs), location])
        assert lib.sources() == []


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    # Each command imports what it runs: `agora stance` must not pay about a second for the
    # ingest pipeline, BM25 and the models before it reads its first pair.
    heavy = ("trafilatura", "pypdf", "chromadb", "bm25s", "scipy", "torch", "sentence_transformers",
             "numpy", "pydantic")  # fmt: skip
    code = f"import sys, agora.cli; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"

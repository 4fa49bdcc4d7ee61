"""Hybrid retrieval on a small real library: fusion, filters, and a BM25 index that stays
in step with adds, removes and restarts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import LOREM_AI, article_html, open_library
from loopback import LoopbackServer

from ingest import Library
from ingest.embedding import Embedder
from retrieval.hybrid import INDEX_FOLDER, Retriever
from retrieval.lexical import BM25Index
from retrieval.types import SearchFilters

PART_CODE = "Part XQ-7731 failed its torque test three times in the spring batch."


def _write_docs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "parts.md").write_text(
        "---\ntitle: Supplier quality log\ndate: 2023-04-02\n---\n# Supplier quality log\n\n"
        + PART_CODE
        + " Nothing else in this log concerns software. " * 5
    )
    (folder / "velocity.md").write_text(
        "---\ntitle: Engineering velocity\ndate: 2025-06-10\n---\n# Engineering velocity\n\n"
        "Developers finished their work much sooner once assistants wrote first drafts of "
        "code; reviews shortened and releases became more frequent. " * 3
    )
    (folder / "sales.md").write_text(
        "---\ntitle: Sales pipeline notes\ndate: 2024-11-20\n---\n# Sales pipeline notes\n\n"
        "Pipeline conversion stayed flat although marketing drafted more campaigns. " * 4
    )


@pytest.fixture
def library(tmp_path: Path, embedder: Embedder) -> Library:
    _write_docs(tmp_path / "docs")
    lib = open_library(tmp_path / "lib", embedder)
    lib.add([str(tmp_path / "docs")])
    return lib


def _numbers(lib: Library) -> dict[str, int]:
    return {Path(s.path or "").stem: s.number or 0 for s in lib.sources()}


def test_fusion_finds_exact_codes_and_paraphrases(library: Library) -> None:
    retriever = Retriever(library)
    numbers = _numbers(library)
    exact = retriever.search("XQ-7731", k=2)
    assert exact[0].source == numbers["parts"]
    assert "bm25" in exact[0].scores  # found lexically: no embedding knows this code
    paraphrase = retriever.search("programmers shipped faster with AI help", k=2)
    assert paraphrase[0].source == numbers["velocity"]
    assert paraphrase[0].scores["dense_rank"] == 1
    for passage in exact + paraphrase:
        assert passage.scores["fused"] == passage.score


def test_filters_by_source_kind_and_date(library: Library) -> None:
    retriever = Retriever(library)
    numbers = _numbers(library)
    only_sales = retriever.search(
        "engineering velocity", k=5, filters=SearchFilters(sources=[numbers["sales"]])
    )
    assert {p.source for p in only_sales} == {numbers["sales"]}
    recent = retriever.search("quality log torque", k=5, filters=SearchFilters(date_from="2024"))
    assert numbers["parts"] not in {p.source for p in recent}
    assert recent
    old = retriever.search("code reviews", k=5, filters=SearchFilters(date_to="2023-12-31"))
    assert {p.source for p in old} == {numbers["parts"]}
    none = retriever.search("anything", k=5, filters=SearchFilters(kinds=["pdf"]))
    assert none == []


def test_domain_filter(tmp_path: Path, loopback: LoopbackServer, embedder: Embedder) -> None:
    page = loopback.add("/a.html", article_html("Web page about AI", LOREM_AI * 3).encode())
    (tmp_path / "local.md").write_text("# Local file\n\n" + LOREM_AI * 3)
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([page, str(tmp_path / "local.md")])
        hits = Retriever(lib).search(
            "pipeline conversion", k=5, filters=SearchFilters(domains=["127.0.0.1"])
        )
        assert {p.source for p in hits} == {1}
        assert all(p.url == page for p in hits)


def test_bm25_index_follows_adds_removes_and_restarts(
    tmp_path: Path, library: Library, embedder: Embedder
) -> None:
    retriever = Retriever(library)
    retriever.search("torque", k=1)
    folder = library.root / INDEX_FOLDER
    assert set(BM25Index.load(folder).chunk_ids) == library.chunk_ids()

    extra = tmp_path / "extra.md"
    extra.write_text("# Torque wrench calibration\n\n" + "Calibrate the torque wrench. " * 20)
    library.add([str(extra)])
    hits = retriever.search("torque wrench calibration", k=1)
    assert hits[0].path == str(extra)
    assert set(BM25Index.load(folder).chunk_ids) == library.chunk_ids()

    removed = _numbers(library)["parts"]
    library.remove(removed)
    assert removed not in {p.source for p in retriever.search("XQ-7731 torque", k=5)}
    assert set(BM25Index.load(folder).chunk_ids) == library.chunk_ids()

    version = json.loads((folder / "agora-version.json").read_text())["chunks_version"]
    assert version == library.chunks_version()
    library.close()
    with open_library(library.root, embedder) as reopened:
        again = Retriever(reopened).search("torque wrench calibration", k=1)
        assert again[0].path == str(extra)
        assert set(BM25Index.load(folder).chunk_ids) == reopened.chunk_ids()


def test_a_corrupt_index_is_rebuilt(library: Library) -> None:
    Retriever(library).search("torque", k=1)
    (library.root / INDEX_FOLDER / "chunk_ids.json").write_text("not json")
    hits = Retriever(library).search("XQ-7731", k=1)
    assert hits and "bm25" in hits[0].scores


def test_an_index_built_from_other_text_is_rebuilt(library: Library) -> None:
    Retriever(library).search("torque", k=1)
    state_file = library.root / INDEX_FOLDER / "agora-version.json"
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps({**state, "format": 1}))
    index_before = (library.root / INDEX_FOLDER / "meta.json").stat().st_mtime_ns
    Retriever(library).search("torque", k=1)
    assert json.loads(state_file.read_text())["format"] == 2
    assert (library.root / INDEX_FOLDER / "meta.json").stat().st_mtime_ns != index_before

"""The library end to end with real parts: files on disk, a real Chroma, the real model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import open_library, write_corpus

from ingest import LibraryError, Outcome
from ingest.embedding import Embedder
from ingest.types import SourceKind, SourceStatus
from retrieval import search


def test_folder_is_ingested_with_numbers_kinds_and_metadata(
    tmp_path: Path, embedder: Embedder
) -> None:
    files = write_corpus(tmp_path / "docs")
    with open_library(tmp_path / "lib", embedder) as lib:
        summary = lib.add([str(tmp_path / "docs")])
        assert summary.count(Outcome.ADDED) == 4, summary
        sources = lib.sources()
        assert [s.number for s in sources] == [1, 2, 3, 4]
        by_path = {Path(s.path or ""): s for s in sources}
        engineering = by_path[files["engineering"]]
        assert engineering.kind == SourceKind.MARKDOWN
        assert engineering.title == "Engineering speed report"
        assert engineering.author == "Platform Team"
        assert engineering.date == "2025-09-01"
        assert by_path[files["survey"]].kind == SourceKind.PDF
        assert by_path[files["gtm"]].kind == SourceKind.HTML
        assert by_path[files["gtm"]].title == "Go-to-market after AI"
        assert all(s.status == SourceStatus.OK and s.chunk_count > 0 for s in sources)
        assert lib.store.count() == sum(s.chunk_count for s in sources)
        assert lib.store.ids() == lib.chunk_ids()
        pdf_chunks = lib.chunks(by_path[files["survey"]])
        covered = {p for c in pdf_chunks for p in range(c.page or 0, (c.page_end or 0) + 1)}
        assert covered == {1, 2}


def test_readding_unchanged_is_a_no_op(tmp_path: Path, embedder: Embedder) -> None:
    write_corpus(tmp_path / "docs")
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(tmp_path / "docs")])
        ids_before = lib.store.ids()
        again = lib.add([str(tmp_path / "docs")])
        assert again.count(Outcome.UNCHANGED) == 4
        assert again.chunks_embedded == 0
        assert lib.store.ids() == ids_before


def test_changed_source_replaces_its_chunks_and_keeps_its_number(
    tmp_path: Path, embedder: Embedder
) -> None:
    files = write_corpus(tmp_path / "docs")
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(tmp_path / "docs")])
        notes = next(s for s in lib.sources() if s.path == str(files["notes"]))
        old_ids = {c.chunk_id for c in lib.chunks(notes)}
        files["notes"].write_text("Revised notes on sourdough.\n\n" + "Use rye flour. " * 40)
        result = lib.add([str(files["notes"])])
        assert result.count(Outcome.UPDATED) == 1
        updated = lib.get(notes.number or 0)
        new_ids = {c.chunk_id for c in lib.chunks(updated)}
        assert updated.content_hash != notes.content_hash
        assert not old_ids & new_ids
        store_ids = lib.store.ids()
        assert new_ids <= store_ids and not old_ids & store_ids
        assert store_ids == lib.chunk_ids()


def test_remove_deletes_chunks_and_numbers_are_never_reused(
    tmp_path: Path, embedder: Embedder
) -> None:
    files = write_corpus(tmp_path / "docs")
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(tmp_path / "docs")])
        removed = lib.remove(2)
        assert removed.number == 2
        assert all(s.number != 2 for s in lib.sources())
        assert lib.store.ids() == lib.chunk_ids()
        assert not any(i.startswith(removed.source_id) for i in lib.store.ids())
        with pytest.raises(LibraryError, match="no source 2"):
            lib.get(2)
        # Re-adding the removed file gives it a new number: 2 is retired.
        lib.add([removed.path or ""])
        assert max(s.number or 0 for s in lib.sources()) == 5
    assert files  # the corpus stays on disk


def test_numbers_survive_a_restart(tmp_path: Path, embedder: Embedder) -> None:
    files = write_corpus(tmp_path / "docs")
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(files["engineering"]), str(files["gtm"])])
        before = {s.source_id: s.number for s in lib.sources()}
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(files["notes"])])
        after = {s.source_id: s.number for s in lib.sources()}
    assert {k: after[k] for k in before} == before
    assert sorted(after.values()) == [1, 2, 3]


def test_duplicate_text_under_another_name_is_skipped(tmp_path: Path, embedder: Embedder) -> None:
    files = write_corpus(tmp_path / "docs")
    copy = tmp_path / "copy-of-notes.txt"
    copy.write_text(files["notes"].read_text())
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(files["notes"])])
        summary = lib.add([str(copy)])
        (result,) = summary.results
        assert result.outcome == Outcome.SKIPPED
        assert "same text as source 1" in (result.reason or "")
        assert lib.get(2).status == SourceStatus.SKIPPED


def test_a_twin_skipped_earlier_in_the_same_add_no_longer_counts(
    tmp_path: Path, embedder: Embedder
) -> None:
    """The catalog is read once per group, but each source is still judged as if those
    before it in the group were already recorded: a source that turns into a copy of
    another is skipped, and a new file with its old text is then no copy of anything."""
    first, second, revived = (tmp_path / f"{name}.txt" for name in ("first", "second", "old"))
    first_text = "Field notes on sourdough starters.\n\n" + "Feed it twice a day. " * 20
    first.write_text(first_text)
    second.write_text("Field notes on rye bread.\n\n" + "Rye needs a longer proof. " * 20)
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(first), str(second)])
        first.write_text(second.read_text())
        revived.write_text(first_text)
        summary = lib.add([str(first), str(revived)])
        outcomes = [(r.outcome, r.source.number) for r in summary.results]
        assert outcomes == [(Outcome.SKIPPED, 1), (Outcome.ADDED, 3)]
        assert "same text as source 2" in (summary.results[0].reason or "")
        assert lib.get(1).status == SourceStatus.SKIPPED
        assert lib.get(3).status == SourceStatus.OK


def test_missing_file_fails_with_reason_and_nothing_is_lost(
    tmp_path: Path, embedder: Embedder
) -> None:
    files = write_corpus(tmp_path / "docs")
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(files["engineering"])])
        ids = lib.store.ids()
        summary = lib.add([str(tmp_path / "nope.md")])
        assert not summary.anything_usable
        failed = lib.get(2)
        assert failed.status == SourceStatus.FAILED
        assert "not found" in (failed.reason or "")
        assert lib.store.ids() == ids
        assert lib.get(1).status == SourceStatus.OK


def test_a_source_that_fails_on_refresh_keeps_its_previous_version(
    tmp_path: Path, embedder: Embedder
) -> None:
    files = write_corpus(tmp_path / "docs")
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(files["engineering"])])
        ids = lib.store.ids()
        files["engineering"].write_text("")
        summary = lib.add([str(files["engineering"])])
        (result,) = summary.results
        assert result.outcome == Outcome.FAILED
        assert "kept the version" in (result.reason or "")
        assert lib.get(1).status == SourceStatus.OK
        assert lib.store.ids() == ids


def test_other_chunking_settings_are_refused_not_mixed(tmp_path: Path, embedder: Embedder) -> None:
    write_corpus(tmp_path / "docs")
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(tmp_path / "docs" / "notes.txt")])
    with pytest.raises(LibraryError, match="different embedding or chunking"):
        open_library(tmp_path / "lib", embedder, chunk_size=500)


def test_second_writer_gets_a_clear_message(tmp_path: Path, embedder: Embedder) -> None:
    if os.environ.get("AGORA_CHROMA_URL"):
        pytest.skip("on a Chroma server, writers coordinate through the server, not a lock")
    files = write_corpus(tmp_path / "docs")
    first = open_library(tmp_path / "lib", embedder)
    second = open_library(tmp_path / "lib", embedder)
    with first.writing(), pytest.raises(LibraryError, match="one writer per library"):
        second.add([str(files["notes"])])


def test_chroma_default_embedding_function_never_runs(tmp_path: Path, embedder: Embedder) -> None:
    lib = open_library(tmp_path / "lib", embedder)
    with pytest.raises(ValueError, match="embedding function"):
        lib.store.collection.add(ids=["x"], documents=["would need a default model"])


def test_search_returns_passages_numbered_as_in_the_list(
    tmp_path: Path, embedder: Embedder
) -> None:
    write_corpus(tmp_path / "docs")
    with open_library(tmp_path / "lib", embedder) as lib:
        lib.add([str(tmp_path / "docs")])
        numbers = {s.number: s for s in lib.sources()}
        passages = search(lib, "sourdough starter feeding flour and water", k=3)
        assert passages, "search found nothing"
        top = passages[0]
        assert numbers[top.source].path and numbers[top.source].path.endswith("notes.txt")
        for passage in passages:
            source = numbers[passage.source]
            assert passage.chunk_id.startswith(source.source_id)
            text, _ = lib.text(source)
            assert text[passage.start : passage.end] == passage.text
        scores = [p.score for p in passages]
        assert scores == sorted(scores, reverse=True)

"""Library.add keeps one group ahead: the next group is fetched and extracted while the
current one is embedded and stored, and the result is the same as doing them in turn."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers import open_library

import ingest.library as library_module
from ingest import Outcome
from ingest.embedding import Embedder
from ingest.library import Library, SourceRequest
from ingest.types import SourceStatus


def test_next_group_is_extracted_while_this_one_is_stored(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(6):
        body = f"Finding {i} on sales cycles and engineering throughput. " * 12
        (docs / f"note-{i}.md").write_text(f"# Note {i}\n\n{body}\n")
    (docs / "empty.md").write_text("")  # fails in extraction (first file, first group)
    monkeypatch.setattr(library_module, "GROUP_SIZE", 3)

    events: list[tuple[str, str, int]] = []  # (what, thread, first file index of the group)
    extract_started = threading.Event()
    real_extract = Library._fetch_and_extract
    real_store = Library._store_group

    def first(group: list) -> int:  # type: ignore[type-arg]
        return sorted(str(path) for path in docs.iterdir()).index(group[0].location)

    def extract(self, group, fetcher, progress):  # type: ignore[no-untyped-def]
        events.append(("extract", threading.current_thread().name, first(group)))
        if first(group) > 0:
            extract_started.set()
        return real_extract(self, group, fetcher, progress)

    def store(self, group, summary, progress):  # type: ignore[no-untyped-def]
        if first(group) == 0:
            # The second group's extraction must start while the first is being stored.
            assert extract_started.wait(timeout=10), "the next group was not extracted ahead"
        events.append(("store", threading.current_thread().name, first(group)))
        return real_store(self, group, summary, progress)

    monkeypatch.setattr(Library, "_fetch_and_extract", extract)
    monkeypatch.setattr(Library, "_store_group", store)
    with open_library(tmp_path / "lib", embedder) as lib:
        summary = lib.add([SourceRequest(location=str(docs))])
        sources = lib.sources()

    main = threading.main_thread().name
    assert [e for e in events if e[0] == "store"] == [
        ("store", main, 0),
        ("store", main, 3),
        ("store", main, 6),
    ]
    assert all(thread != main for what, thread, _ in events if what == "extract")
    # Numbers follow the files' order, as when the groups ran one after the other.
    by_number = sorted(sources, key=lambda source: source.number)
    assert [Path(source.location).name for source in by_number] == sorted(
        path.name for path in docs.iterdir()
    )
    outcomes = [result.outcome for result in summary.results]
    assert outcomes.count(Outcome.ADDED) == 6
    failed = [s for s in sources if s.status == SourceStatus.FAILED]
    assert [Path(s.location).name for s in failed] == ["empty.md"]


def test_an_add_that_fails_abandons_the_group_prepared_ahead(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C or an error while storing must not wait for a whole next group of fetches."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(6):
        (docs / f"note-{i}.md").write_text(f"# Note {i}\n\n" + "Sales cycles and AI. " * 20)
    monkeypatch.setattr(library_module, "GROUP_SIZE", 2)
    monkeypatch.setattr(library_module, "FETCH_WORKERS", 1)  # the group ahead reads in order
    fetchers: list[library_module._Fetcher] = []

    class Capturing(library_module._Fetcher):
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            fetchers.append(self)

    reads: list[str] = []
    real_read = library_module.read_local

    def read(path: Path, limit: int) -> bytes:
        if path.name == "note-2.md":  # first file of the group ahead: hold it until abandoned
            assert fetchers[0].abandoned.wait(timeout=10)
        reads.append(path.name)
        return real_read(path, limit)

    def store(self, group, summary, progress):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(library_module, "_Fetcher", Capturing)
    monkeypatch.setattr(library_module, "read_local", read)
    monkeypatch.setattr(Library, "_store_group", store)
    with open_library(tmp_path / "lib", embedder) as lib, pytest.raises(RuntimeError):
        lib.add([SourceRequest(location=str(docs))])
    # note-2 is read if its fetch began before the failure, skipped if not; none after it.
    assert reads in (["note-0.md", "note-1.md"], ["note-0.md", "note-1.md", "note-2.md"])

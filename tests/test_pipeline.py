"""Library.add keeps one group ahead: the next group is fetched and extracted while the
current one is embedded and stored, and the result is the same as doing them in turn.

Watched through public seams only: the library's config (group size, fetch workers), a
recording `Progress`, and the fake embedder's hook (tests/fake_embedder.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from fake_embedder import FakeEmbedder
from helpers import library_config

from ingest import Library, Outcome, SourceRequest
from ingest.types import SourceStatus


class Recording:
    """A Progress that notes which thread advanced which phase, and can hold one."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []  # (phase, thread name)
        self.changed = threading.Condition()
        self.hold: tuple[str, int, threading.Event] | None = None  # (phase, nth, release)

    def start(self, phase: str, total: int) -> None:
        pass

    def grow(self, phase: str, amount: int) -> None:
        pass

    def advance(self, phase: str, amount: int = 1) -> None:
        with self.changed:
            self.events.append((phase, threading.current_thread().name))
            count = self.count(phase)
            self.changed.notify_all()
        if self.hold is not None and self.hold[:2] == (phase, count):
            assert self.hold[2].wait(timeout=10), "the hold was never released"
            time.sleep(0.5)  # what released it has time to finish its step first

    def count(self, phase: str) -> int:
        return sum(1 for seen, _ in self.events if seen == phase)

    def wait_for(self, phase: str, count: int) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count(phase) >= count, timeout=10)


def test_next_group_is_extracted_while_this_one_is_stored(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(6):
        body = f"Finding {i} on sales cycles and engineering throughput. " * 12
        (docs / f"note-{i}.md").write_text(f"# Note {i}\n\n{body}\n")
    (docs / "empty.md").write_text("")  # fails in extraction (first file, first group)
    progress = Recording()

    def while_embedding(texts: Sequence[str]) -> None:
        if len(fake_embedder.calls) == 0:
            # The second group's extraction must start while the first is being stored.
            extracted = progress.wait_for("extract", 4)
            assert extracted, "the next group was not extracted ahead"

    fake_embedder.before_embed = while_embedding
    config = replace(library_config(tmp_path / "lib"), group_size=3)
    with Library(config, embedder=fake_embedder) as lib:
        summary = lib.add([SourceRequest(location=str(docs))], progress=progress)
        sources = lib.sources()

    main = threading.main_thread().name
    # One encoder call per group with something to embed, all on the calling thread...
    assert fake_embedder.calls == [(main, 2), (main, 3), (main, 1)]
    # ...while every fetch and extraction ran on the side.
    assert progress.count("fetch") == progress.count("extract") == 7
    assert all(t != main for phase, t in progress.events if phase in ("fetch", "extract"))
    # Numbers follow the files' order, as when the groups ran one after the other.
    by_number = sorted(sources, key=lambda source: source.number or 0)
    assert [Path(source.location).name for source in by_number] == sorted(
        path.name for path in docs.iterdir()
    )
    outcomes = [result.outcome for result in summary.results]
    assert outcomes.count(Outcome.ADDED) == 6
    failed = [s for s in sources if s.status == SourceStatus.FAILED]
    assert [Path(s.location).name for s in failed] == ["empty.md"]


def test_an_add_that_fails_abandons_the_group_prepared_ahead(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    """Ctrl-C or an error while storing must not wait for a whole next group of fetches."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(6):
        (docs / f"note-{i}.md").write_text(f"# Note {i}\n\n" + "Sales cycles and AI. " * 20)
    failed = threading.Event()
    progress = Recording()
    # The first read of the group ahead (note-2) holds until the add has failed (and has
    # had half a second to unwind); the reads after it must then be skipped.
    progress.hold = ("fetch", 3, failed)

    def disk_full(texts: Sequence[str]) -> None:
        failed.set()
        raise RuntimeError("disk full")

    fake_embedder.before_embed = disk_full
    config = replace(library_config(tmp_path / "lib"), group_size=2, fetch_workers=1)
    with Library(config, embedder=fake_embedder) as lib, pytest.raises(RuntimeError):
        lib.add([SourceRequest(location=str(docs))], progress=progress)
    # note-2 is read if its fetch began before the failure, skipped if not; none after it.
    assert progress.count("fetch") in (2, 3)

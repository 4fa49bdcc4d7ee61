"""BM25 index: tokenisation, ranking, and consistency across add / remove / save / load."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.lexical import BM25Index, LexicalIndexError, Tokenizer

CHUNKS = [
    ("s1:0", "Aspirin reduces the risk of heart attacks in older adults."),
    ("s1:1", "Daily aspirin use increases gastrointestinal bleeding."),
    ("s2:0", "Faster engineering teams ship features that win market share."),
    ("s3:0", "Glioblastoma stem cells overexpress the A20 protein."),
    ("s3:1", "The weather in spring is mild and rainy."),
]


def ids(hits: list[tuple[str, float]]) -> list[str]:
    return [chunk_id for chunk_id, _ in hits]


def test_tokenizer_stems_and_drops_stopwords() -> None:
    tokens = Tokenizer()("The engineers was engineering faster engines")
    assert "the" not in tokens and "was" not in tokens
    assert tokens.count("engin") == 3  # engineers / engineering / engines share a stem
    assert Tokenizer(stem=False, stopwords=False)("The cats") == ["the", "cats"]


def test_search_ranks_the_matching_chunk_first() -> None:
    index = BM25Index.build(CHUNKS)
    assert ids(index.search("does aspirin cause bleeding?", 3))[0] == "s1:1"
    assert ids(index.search("engineering speed and market advantage", 1)) == ["s2:0"]
    hits = index.search("aspirin", 10)
    assert set(ids(hits)) == {"s1:0", "s1:1"}  # chunks scoring 0 are left out
    assert all(score > 0 for _, score in hits)
    assert index.search("", 5) == [] and index.search("zzzz qqqq", 5) == []
    assert index.search("aspirin", 0) == []


def test_remove_and_replace_keep_the_index_consistent() -> None:
    index = BM25Index.build(CHUNKS)
    assert index.remove(["s1:0", "s1:1", "unknown"]) == 2
    assert "s1:0" not in index and len(index) == 3
    assert index.search("aspirin", 5) == []
    # Same result as an index built from scratch on what is left (idf, lengths included).
    fresh = BM25Index.build([c for c in CHUNKS if not c[0].startswith("s1:")])
    for query in ("stem cells protein", "market engineering", "rain"):
        got, expected = index.search(query, 5), fresh.search(query, 5)
        assert ids(got) == ids(expected)
        assert [s for _, s in got] == pytest.approx([s for _, s in expected])
    # Re-adding an existing id replaces its text rather than duplicating it.
    index.add([("s3:1", "Aspirin in spring")])
    assert len(index) == 3 and ids(index.search("aspirin", 5)) == ["s3:1"]
    assert index.search("weather", 5) == []


def test_save_load_round_trip_and_changes_after_restart(tmp_path: Path) -> None:
    index = BM25Index.build(CHUNKS, k1=0.9, b=0.6)
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert loaded.chunk_ids == index.chunk_ids and (loaded.k1, loaded.b) == (0.9, 0.6)
    for query in ("aspirin bleeding", "glioblastoma A20", "market"):
        assert loaded.search(query, 5) == index.search(query, 5)
    # Change after a restart, save over the old folder, load again.
    loaded.remove(["s2:0"])
    loaded.add([("s4:0", "Market advantage comes from distribution, not speed.")])
    loaded.save(tmp_path / "bm25")
    again = BM25Index.load(tmp_path / "bm25")
    assert "s2:0" not in again and ids(again.search("market advantage", 1)) == ["s4:0"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bm25"]  # no staging left over


def test_empty_index_and_bad_folder(tmp_path: Path) -> None:
    empty = BM25Index()
    assert empty.search("anything", 3) == [] and len(empty) == 0
    empty.save(tmp_path / "empty")
    assert len(BM25Index.load(tmp_path / "empty")) == 0
    with pytest.raises(LexicalIndexError):
        BM25Index.load(tmp_path / "missing")
    with pytest.raises(ValueError):
        BM25Index(method="bm25l")


def test_load_recovers_from_a_save_interrupted_mid_swap(tmp_path: Path) -> None:
    index = BM25Index.build(CHUNKS)
    index.save(tmp_path / "bm25")
    # A crash between the two renames leaves only the previous index, as .bm25.old.
    (tmp_path / "bm25").rename(tmp_path / ".bm25.old")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert loaded.search("aspirin bleeding", 2) == index.search("aspirin bleeding", 2)

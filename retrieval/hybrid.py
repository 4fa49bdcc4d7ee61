"""Hybrid retrieval over one library: dense vectors in Chroma plus BM25, fused.

The BM25 index lives in the library folder (``bm25/``) and follows the catalog: the
catalog bumps a counter on every change to its chunks, the index remembers the counter it
was built at, and a stale index is brought up to date (only the changed chunks are
tokenised) before it answers. A `Retriever` keeps the index and the source table in
memory between queries, so a batch of queries or a web app pays for them once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from ingest.library import Library
from ingest.store import date_key, source_domain
from ingest.types import Source, SourceStatus
from retrieval.filters import chroma_where
from retrieval.fusion import reciprocal_rank_fusion, weighted_fusion
from retrieval.lexical import BM25Index, LexicalIndexError
from retrieval.types import Passage, SearchFilters

INDEX_FOLDER = "bm25"
VERSION_FILE = "agora-version.json"
# Bump when what BM25 indexes for a chunk changes (`_lexical_text`): indexes written under
# another format are rebuilt from scratch.
TEXT_FORMAT = 2


@dataclass(frozen=True)
class HybridConfig:
    """How dense and lexical results are combined. The defaults are the configuration
    scripts/bench_retrieval.py chose on SciFact dev claims (docs/benchmarks.md): min-max
    normalised scores over each retriever's top 100, weighted BM25 0.6 and dense 0.4, which
    beat tuned reciprocal rank fusion on the held-out claims (0.750 vs 0.741 nDCG@10)."""

    candidates: int = 100  # taken from each retriever before fusion
    fusion: Literal["rrf", "weighted"] = "weighted"
    rrf_k: float = 60.0  # only for fusion="rrf"
    dense_weight: float = 0.4
    lexical_weight: float = 0.6


def _lexical_text(source: Source | None, text: str) -> str:
    """What BM25 indexes for a chunk: the source title twice (the benchmark's setting: a
    title names what a passage is about even when the passage never repeats it), then the
    passage."""
    if source is None or not source.title:
        return text
    return f"{source.title}\n{source.title}\n{text}"


@dataclass
class _Snapshot:
    """Everything derived from one catalog version."""

    version: str
    index: BM25Index
    sources: dict[str, Source]  # source_id -> ok source
    chunk_source: np.ndarray  # per index position: position in `source_ids`
    source_ids: list[str]


class Retriever:
    """Hybrid search over a library; create one and reuse it for many queries."""

    def __init__(self, library: Library, config: HybridConfig | None = None):
        self.library = library
        self.config = config or HybridConfig()
        self._snapshot: _Snapshot | None = None

    # -- the lexical index, kept in step with the catalog ---------------------------------

    def _current(self) -> _Snapshot:
        version = self.library.chunks_version()
        if self._snapshot is not None and self._snapshot.version == version:
            return self._snapshot
        folder = self.library.root / INDEX_FOLDER
        sources = {s.source_id: s for s in self.library.sources(SourceStatus.OK)}
        if self._snapshot is not None:
            index = self._snapshot.index
        else:
            loaded = self._load(folder)
            saved = _saved_state(folder)
            if loaded is None or saved.get("format") != TEXT_FORMAT:
                loaded = None  # missing, unreadable or built from other text: start afresh
            elif saved.get("chunks_version") == version:
                return self._remember(version, loaded, sources)  # saved after the last change
            index = loaded or BM25Index()
        wanted = self.library.chunk_ids()
        stale = [chunk_id for chunk_id in index.chunk_ids if chunk_id not in wanted]
        missing = sorted(wanted - set(index.chunk_ids))
        index.remove(stale)
        chunks = self.library.chunks_by_id(missing)
        index.add(
            (c.chunk_id, _lexical_text(sources.get(c.source_id), c.text)) for c in chunks.values()
        )
        index.save(folder)
        state = {"chunks_version": version, "format": TEXT_FORMAT}
        (folder / VERSION_FILE).write_text(json.dumps(state))
        return self._remember(version, index, sources)

    def _remember(self, version: str, index: BM25Index, sources: dict[str, Source]) -> _Snapshot:
        source_ids = sorted(sources)
        position = {source_id: i for i, source_id in enumerate(source_ids)}
        chunk_source = np.array(
            [position.get(chunk_id.split(":", 1)[0], -1) for chunk_id in index.chunk_ids],
            dtype=np.int64,
        )
        self._snapshot = _Snapshot(version, index, sources, chunk_source, source_ids)
        return self._snapshot

    @staticmethod
    def _load(folder: Path) -> BM25Index | None:
        """The index saved in `folder`, or None if missing or unreadable (it is then
        rebuilt from the catalog)."""
        try:
            return BM25Index.load(folder)
        except LexicalIndexError:
            return None

    def _allowed(self, snapshot: _Snapshot, filters: SearchFilters | None) -> np.ndarray | None:
        """A mask over index positions, or None when nothing is filtered out."""
        if filters is None or filters.empty:
            return None
        keep = np.zeros(len(snapshot.source_ids), dtype=bool)
        for i, source_id in enumerate(snapshot.source_ids):
            keep[i] = _matches(snapshot.sources[source_id], filters)
        return (snapshot.chunk_source >= 0) & keep[np.maximum(snapshot.chunk_source, 0)]

    # -- search ---------------------------------------------------------------------------

    def search(self, query: str, k: int = 8, filters: SearchFilters | None = None) -> list[Passage]:
        """The k best passages for `query`, best first, each with its component scores."""
        if not query.strip():
            raise ValueError("the search query is empty")
        snapshot = self._current()
        depth = max(self.config.candidates, k)
        vector = self.library.embedder.embed([query])[0]
        dense = [
            (hit.chunk_id, hit.score)
            for hit in self.library.store.query(vector, depth, where=chroma_where(filters))
        ]
        scores = snapshot.index.score_all(query)
        allowed = self._allowed(snapshot, filters)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0).astype(np.float32)
        lexical = snapshot.index.top(scores, depth)
        fused = self._fuse(dense, lexical)[:k]
        return self._passages(snapshot, fused, dense, lexical)

    def _fuse(
        self, dense: list[tuple[str, float]], lexical: list[tuple[str, float]]
    ) -> list[tuple[str, float]]:
        weights = [self.config.dense_weight, self.config.lexical_weight]
        if self.config.fusion == "weighted":
            return weighted_fusion([dense, lexical], weights=weights)
        return reciprocal_rank_fusion([dense, lexical], k=self.config.rrf_k, weights=weights)

    def _passages(
        self,
        snapshot: _Snapshot,
        fused: list[tuple[str, float]],
        dense: list[tuple[str, float]],
        lexical: list[tuple[str, float]],
    ) -> list[Passage]:
        chunks = self.library.chunks_by_id([chunk_id for chunk_id, _ in fused])
        dense_rank = {chunk_id: (rank, score) for rank, (chunk_id, score) in enumerate(dense, 1)}
        lexical_rank = {c: (rank, s) for rank, (c, s) in enumerate(lexical, 1)}
        passages = []
        for chunk_id, score in fused:
            chunk = chunks.get(chunk_id)
            source = snapshot.sources.get(chunk.source_id) if chunk else None
            if chunk is None or source is None or source.number is None:
                continue  # a vector whose source is gone; never shown
            parts: dict[str, float] = {"fused": score}
            if chunk_id in dense_rank:
                parts["dense_rank"], parts["dense"] = dense_rank[chunk_id]
            if chunk_id in lexical_rank:
                parts["bm25_rank"], parts["bm25"] = lexical_rank[chunk_id]
            passages.append(
                Passage(
                    source=source.number,
                    chunk_id=chunk_id,
                    title=source.title,
                    url=source.url,
                    path=source.path,
                    date=source.date,
                    text=chunk.text,
                    start=chunk.start,
                    end=chunk.end,
                    page=chunk.page,
                    score=score,
                    scores=parts,
                )
            )
        return passages


def _saved_state(folder: Path) -> dict[str, object]:
    """What the index folder says it was built from ({} if it says nothing readable)."""
    try:
        state = json.loads((folder / VERSION_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _matches(source: Source, filters: SearchFilters) -> bool:
    """The same conditions as `chroma_where`, for the BM25 side."""
    if filters.sources and source.number not in filters.sources:
        return False
    kind = source.kind.value if source.kind else ""
    if filters.kinds and kind not in {k.lower() for k in filters.kinds}:
        return False
    if filters.domains and source_domain(source) not in {d.lower() for d in filters.domains}:
        return False
    day = date_key(source.date)
    if filters.date_from and not (day and day >= date_key(filters.date_from)):
        return False
    return not (filters.date_to and not (day and day <= date_key(filters.date_to, end=True)))

"""`rerank()`: the hybrid search's best candidates, re-ordered by the reader model's
calibrated relevance (a probability, 0..1, that the passage bears on the query).

The reader reads the query and each passage together (a cross-encoder), which a first-stage
retriever cannot afford over the whole library; on 30 candidates it can (docs/benchmarks.md,
section "Reader model"). The final score blends the calibrated relevance with the fused
first-stage score (min-max scaled over the candidates); the weight was chosen on the reader's
SciFact tune claims, never on its test claims (see FIRST_STAGE_WEIGHT).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.library import Library
from retrieval.search import search
from retrieval.types import Passage, SearchFilters

if TYPE_CHECKING:
    from reader import Reader

CANDIDATES = 30
# Chosen on the reader's SciFact *tune* claims through the product itself
# (scripts/bench_rerank.py: the hybrid search's 30 best chunks of the SciFact library, ranked
# by document); a blend is adopted only when it beats the first stage alone by 0.01 nDCG@10
# or more there (smaller differences are noise on 123 claims). With the shipped reader the
# best blend, 0.25, reached 0.676 against the first stage's 0.662 (0.5: 0.669, 0.75: 0.666,
# the reader alone 0.638). Until 2026-12-01 the weight (0.75) was chosen over a BM25 first
# stage, the product's library not being built then; the test figures of every weight are in
# docs/benchmarks.md ("Reranking through the product"): there the blend does not beat the
# first stage, so the gain on tune may be noise.
FIRST_STAGE_WEIGHT = 0.25


def shared_reader() -> Reader:
    """The reader model, loaded once per process (ReaderModelMissing when absent)."""
    from reader import Reader

    return Reader.shared()


def passage_text(passage: Passage) -> str:
    """What the reader sees: the chunk, led by its source's title as in training."""
    if passage.title and not passage.text.startswith(passage.title):
        return f"{passage.title}. {passage.text}"
    return passage.text


def rerank_passages(
    query: str,
    passages: list[Passage],
    reader: Reader | None = None,
    first_stage_weight: float = FIRST_STAGE_WEIGHT,
) -> list[Passage]:
    """The passages, best first by the blended score; each gets scores["relevance"]."""
    if not passages:
        return []
    relevance = (reader or shared_reader()).relevance(query, [passage_text(p) for p in passages])
    return blend(passages, relevance, first_stage_weight)


def blend(
    passages: list[Passage], relevance: list[float], first_stage_weight: float
) -> list[Passage]:
    """Order by (1 - w) * relevance + w * first-stage score min-max scaled over the list."""
    fused = [p.score for p in passages]
    low, high = min(fused), max(fused)
    ranked = []
    for passage, probability in zip(passages, relevance, strict=True):
        first = (passage.score - low) / (high - low) if high > low else 1.0
        blended = (1 - first_stage_weight) * probability + first_stage_weight * first
        scores = {**passage.scores, "first_stage": passage.score, "relevance": probability}
        ranked.append(passage.model_copy(update={"score": round(blended, 4), "scores": scores}))
    ranked.sort(key=lambda p: -p.score)
    return ranked


def rerank(
    library: Library,
    query: str,
    k: int = 10,
    filters: SearchFilters | None = None,
    candidates: int = CANDIDATES,
) -> list[Passage]:
    """The k best of the hybrid search's `candidates` best passages, by the reader."""
    return rerank_passages(query, search(library, query, k=max(k, candidates), filters=filters))[:k]

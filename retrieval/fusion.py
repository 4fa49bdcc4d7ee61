"""Combining ranked lists and keeping a brief diverse: pure functions, no I/O.

A *ranking* here is a sequence of ``(key, score)`` pairs, best first, where ``key`` is
usually a chunk id. Every function returns a new ranking in the same shape, best first, and
breaks ties by first appearance so results are deterministic.

- :func:`reciprocal_rank_fusion` uses ranks only (robust when scores are not comparable).
- :func:`weighted_fusion` mixes normalised scores with tuned weights; the benchmark in
  ``scripts/bench_retrieval.py`` compares it with RRF and picks the product default.
- :func:`per_source_cap` keeps one long source from filling a brief.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Literal, TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)
Ranking = Sequence[tuple[K, float]]
Normalization = Literal["minmax", "zscore", "max", "none"]


def _ordered(scores: Mapping[K, float], first_seen: Mapping[K, int]) -> list[tuple[K, float]]:
    return sorted(scores.items(), key=lambda item: (-item[1], first_seen[item[0]]))


def reciprocal_rank_fusion(
    rankings: Sequence[Ranking[K]],
    k: float = 60.0,
    weights: Sequence[float] | None = None,
    limit: int | None = None,
) -> list[tuple[K, float]]:
    """Reciprocal rank fusion (Cormack et al., 2009): ``sum_i w_i / (k + rank_i)``.

    ``rankings`` are best-first lists; scores in them are ignored, only ranks (1-based)
    count. A key missing from a ranking gets nothing from it. ``k`` damps the advantage of
    the very top ranks (60 in the paper; smaller trusts the top more). ``weights`` (one
    per ranking, default 1) tilt the fusion toward one retriever. ``limit`` truncates.
    """
    if weights is not None and len(weights) != len(rankings):
        raise ValueError("weights needs one entry per ranking")
    if k < 0:
        raise ValueError("k must be >= 0")
    fused: dict[K, float] = {}
    first_seen: dict[K, int] = {}
    for which, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else float(weights[which])
        for rank, (key, _score) in enumerate(ranking, start=1):
            first_seen.setdefault(key, len(first_seen))
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return _ordered(fused, first_seen)[:limit]


def normalize(ranking: Ranking[K], method: Normalization = "minmax") -> dict[K, float]:
    """Scores of one ranking mapped to a common scale.

    ``minmax``: (s - min) / (max - min) over the ranking, so its best is 1 and worst 0
    (all equal: all 1). ``zscore``: (s - mean) / std (std 0: all 0). ``max``: s / max
    (for non-negative scores such as BM25). ``none``: unchanged.
    """
    keys = [key for key, _ in ranking]
    values = np.array([score for _, score in ranking], dtype=np.float64)
    if len(values) == 0:
        return {}
    if method == "minmax":
        low, high = values.min(), values.max()
        scaled = (values - low) / (high - low) if high > low else np.ones_like(values)
    elif method == "zscore":
        std = values.std()
        scaled = (values - values.mean()) / std if std > 0 else np.zeros_like(values)
    elif method == "max":
        high = values.max()
        scaled = values / high if high > 0 else np.zeros_like(values)
    elif method == "none":
        scaled = values
    else:
        raise ValueError(f"unknown normalisation {method!r}")
    return dict(zip(keys, scaled.tolist(), strict=True))


def weighted_fusion(
    rankings: Sequence[Ranking[K]],
    weights: Sequence[float],
    normalization: Normalization = "minmax",
    missing: float | None = None,
    limit: int | None = None,
) -> list[tuple[K, float]]:
    """Convex combination of normalised scores: ``sum_i w_i * norm_i(score)``.

    Each ranking is normalised on its own (see :func:`normalize`). A key that one ranking
    did not return gets ``missing`` from it; by default that is the lowest normalised score
    that ranking gave (its result list is cut at some depth, so an absent key scored at most
    that). Give the retriever you trust more the larger weight; weights need not sum to 1.
    """
    if len(weights) != len(rankings):
        raise ValueError("weights needs one entry per ranking")
    normalised = [normalize(ranking, normalization) for ranking in rankings]
    first_seen: dict[K, int] = {}
    for ranking in rankings:
        for key, _score in ranking:
            first_seen.setdefault(key, len(first_seen))
    floors = [
        (missing if missing is not None else min(scores.values(), default=0.0))
        for scores in normalised
    ]
    fused = {
        key: sum(
            float(w) * scores.get(key, floor)
            for w, scores, floor in zip(weights, normalised, floors, strict=True)
        )
        for key in first_seen
    }
    return _ordered(fused, first_seen)[:limit]


def per_source_cap(
    ranking: Ranking[K],
    source_of: Callable[[K], Hashable] | Mapping[K, Hashable],
    cap: int,
    limit: int | None = None,
) -> list[tuple[K, float]]:
    """Keep at most ``cap`` items from any one source, preserving order.

    ``source_of`` maps a key to its source (a function or a mapping). Items over the cap are
    dropped, so the next-best items from other sources move up; ``limit`` truncates the
    result (apply the cap to a deeper candidate list than you need, then limit).
    """
    if cap < 1:
        raise ValueError("cap must be at least 1")
    lookup = source_of.__getitem__ if isinstance(source_of, Mapping) else source_of
    taken: dict[Hashable, int] = {}
    kept: list[tuple[K, float]] = []
    for key, score in ranking:
        source = lookup(key)
        if taken.get(source, 0) >= cap:
            continue
        taken[source] = taken.get(source, 0) + 1
        kept.append((key, score))
        if limit is not None and len(kept) >= limit:
            break
    return kept

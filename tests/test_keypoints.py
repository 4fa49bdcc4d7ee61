"""Key points: passages that make the same point are grouped, with the real embedder."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.embedding import Embedder
from report.keypoints import PointInput, cluster_indices, group_points

UNIFORMS_BULLYING = "School uniforms reduce bullying because no child stands out for cheap clothes."
UNIFORMS_BULLYING_2 = "With uniforms, poorer pupils are teased less since everyone dresses alike."
UNIFORMS_COST = "Uniforms are expensive for families, who must buy several sets every year."
UNIFORMS_EXPRESSION = "Uniforms stop children from expressing their identity through clothing."


@pytest.fixture(scope="module")
def embed():
    return Embedder().embed


def test_paraphrases_merge_and_distinct_points_stay_apart(embed) -> None:
    items = [
        PointInput("a", UNIFORMS_BULLYING, "keep", (1,)),
        PointInput("b", UNIFORMS_BULLYING_2, "keep", (2,)),
        PointInput("c", UNIFORMS_COST, "abandon", (3,)),
        PointInput("d", UNIFORMS_EXPRESSION, "abandon", (3,)),
    ]
    points = group_points(items, embed)
    by_keys = {frozenset(p.keys): p for p in points}
    assert frozenset({"a", "b"}) in by_keys  # the same point in other words
    bullying = by_keys[frozenset({"a", "b"})]
    assert bullying.side == "keep" and bullying.sources == [1, 2] and bullying.weight == 2
    assert points[0] is bullying  # two sources outweigh one
    assert all(len(p.keys) == 1 for p in points if p is not bullying)


def test_points_never_mix_sides(embed) -> None:
    items = [
        PointInput("a", UNIFORMS_BULLYING, "keep", (1,)),
        PointInput("b", UNIFORMS_BULLYING_2, "abandon", (2,)),
    ]
    assert sorted(len(p.keys) for p in group_points(items, embed)) == [1, 1]


def test_without_an_embedder_every_item_is_its_own_point() -> None:
    items = [PointInput(k, UNIFORMS_BULLYING, "keep", (1,)) for k in "xyz"]
    assert [p.keys for p in group_points(items, None)] == [["x"], ["y"], ["z"]]


def test_cluster_indices_merges_by_average_linkage() -> None:
    vectors = np.array([[1, 0], [0.96, 0.28], [0, 1], [0.28, 0.96]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert cluster_indices(vectors, 0.5) == [[0, 1], [2, 3]]
    assert cluster_indices(vectors, 0.99) == [[0], [1], [2], [3]]
    assert cluster_indices(vectors, -1.0) == [[0, 1, 2, 3]]

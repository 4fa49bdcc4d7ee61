"""Fusion and diversity: ordering, ties and caps on small hand-made rankings."""

from __future__ import annotations

import pytest

from retrieval.fusion import (
    normalize,
    per_source_cap,
    reciprocal_rank_fusion,
    weighted_fusion,
)


def keys(ranking: list[tuple[str, float]]) -> list[str]:
    return [key for key, _ in ranking]


def test_rrf_rewards_agreement_between_lists() -> None:
    lexical = [("a", 9.0), ("b", 5.0), ("x", 1.0)]
    dense = [("c", 0.9), ("b", 0.8), ("d", 0.1)]
    fused = reciprocal_rank_fusion([lexical, dense], k=60)
    # b is 2nd in both lists, so it beats a and c, which are 1st in one list only.
    assert keys(fused) == ["b", "a", "c", "x", "d"]
    assert fused[0][1] == pytest.approx(2 / 62)


def test_rrf_ignores_scores_and_breaks_ties_by_first_appearance() -> None:
    fused = reciprocal_rank_fusion([[("x", 1e9), ("y", -5.0)], [("y", 0.0), ("x", 0.0)]])
    assert keys(fused) == ["x", "y"]
    assert fused[0][1] == pytest.approx(fused[1][1])


def test_rrf_weights_and_limit() -> None:
    first, second = [("a", 1.0), ("b", 0.5)], [("b", 1.0), ("a", 0.5)]
    assert keys(reciprocal_rank_fusion([first, second], weights=[2.0, 1.0])) == ["a", "b"]
    assert keys(reciprocal_rank_fusion([first, second], weights=[1.0, 2.0])) == ["b", "a"]
    assert len(reciprocal_rank_fusion([first, second], limit=1)) == 1
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([first, second], weights=[1.0])


def test_normalize_methods() -> None:
    ranking = [("a", 4.0), ("b", 2.0), ("c", 0.0)]
    assert normalize(ranking, "minmax") == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert normalize(ranking, "max") == {"a": 1.0, "b": 0.5, "c": 0.0}
    z = normalize(ranking, "zscore")
    assert z["b"] == pytest.approx(0.0) and z["a"] == pytest.approx(-z["c"])
    assert normalize([("a", 3.0), ("b", 3.0)], "minmax") == {"a": 1.0, "b": 1.0}
    assert normalize([], "minmax") == {}


def test_weighted_fusion_follows_the_weights() -> None:
    lexical = [("lex", 10.0), ("both", 6.0), ("x", 0.0)]
    dense = [("dense", 0.9), ("both", 0.7), ("y", 0.1)]
    assert keys(weighted_fusion([lexical, dense], [1.0, 0.0]))[0] == "lex"
    assert keys(weighted_fusion([lexical, dense], [0.0, 1.0]))[0] == "dense"
    balanced = weighted_fusion([lexical, dense], [0.5, 0.5])
    assert keys(balanced)[0] == "both"  # 0.5*0.6 + 0.5*0.75 beats 0.5*1 + 0.5*floor
    # A key missing from a list gets that list's floor (its lowest normalised score).
    assert dict(balanced)["lex"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.0)
    assert dict(weighted_fusion([lexical, dense], [0.5, 0.5], missing=-1.0))["lex"] == (
        pytest.approx(0.0)
    )


def test_per_source_cap_keeps_order_and_lets_other_sources_up() -> None:
    ranking = [("s1:a", 1.0), ("s1:b", 0.9), ("s1:c", 0.8), ("s2:a", 0.7), ("s1:d", 0.6)]
    capped = per_source_cap(ranking, lambda key: key.split(":")[0], cap=2)
    assert keys(capped) == ["s1:a", "s1:b", "s2:a"]
    mapping = {key: key.split(":")[0] for key, _ in ranking}
    assert keys(per_source_cap(ranking, mapping, cap=1, limit=1)) == ["s1:a"]
    with pytest.raises(ValueError):
        per_source_cap(ranking, mapping, cap=0)

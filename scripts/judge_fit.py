"""Features, models and thresholds for the citation judge (used by scripts/train_judge.py).

Two heads over the same feature rows (``audit.features``): *support* (supported vs the
rest) and *contradiction* (contradicted vs the rest). Each is a logistic regression or small
boosted trees, whichever scores better out of fold (5 folds by group); thresholds are chosen
on the out-of-fold scores of the natural (not synthetic) training pairs, giving every data
set the same say.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from judge_data import SEED, Pair


def featurize(pairs: Sequence[Pair], extractor: Any) -> np.ndarray:
    """Feature rows for pairs, in batches (as the judge computes them at run time)."""
    rows = []
    for start in range(0, len(pairs), 256):
        batch = pairs[start : start + 256]
        features, _ = extractor.features([(p.claim, p.passage) for p in batch])
        rows.append(features)
    return np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)


def binary_macro_f1(y: np.ndarray, predicted: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, predicted, average="macro", labels=[0, 1], zero_division=0))


def dataset_weights(datasets: Sequence[str], share: dict[str, float] | None = None) -> np.ndarray:
    """Every data set carries the same total weight, whatever its size (times its `share`,
    1 unless given)."""
    counts = Counter(datasets)
    share = share or {}
    return np.array(
        [share.get(d, 1.0) * len(datasets) / (len(counts) * counts[d]) for d in datasets]
    )


def fit_model(kind: str, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict:
    """Fit a logistic regression ("logistic") or boosted trees ("hist": histogram boosting,
    fast; "trees": scikit-learn's classic one, slow on judge-extra's 50k rows); return the
    JSON-able spec."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1.0, max_iter=2000)
        model.fit(z, y, sample_weight=w)
        return {
            "kind": "logistic",
            "mean": mean.round(6).tolist(),
            "scale": scale.round(6).tolist(),
            "coef": model.coef_[0].round(6).tolist(),
            "intercept": round(float(model.intercept_[0]), 6),
        }
    if kind == "hist":
        return _hist_trees(z, y, w) | {
            "mean": mean.round(6).tolist(),
            "scale": scale.round(6).tolist(),
        }
    from sklearn.ensemble import GradientBoostingClassifier

    model = GradientBoostingClassifier(
        n_estimators=150, learning_rate=0.05, max_depth=3, subsample=0.8, random_state=SEED % 2**31
    )
    model.fit(z, y, sample_weight=w)
    prior = float(np.average(y, weights=w))
    trees = []
    for estimator in model.estimators_[:, 0]:
        t = estimator.tree_
        trees.append(
            {
                "left": t.children_left.tolist(),
                "right": t.children_right.tolist(),
                "feature": [max(0, int(f)) for f in t.feature],
                "threshold": [round(float(v), 6) for v in t.threshold],
                "value": [round(float(v), 6) for v in t.value[:, 0, 0]],
            }
        )
    return {
        "kind": "trees",
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "learning_rate": model.learning_rate,
        "init": round(math.log(prior / (1 - prior)), 6),
        "trees": trees,
    }


def _hist_trees(z: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict:
    """Histogram gradient boosting (fast on 50k+ rows), stored in the "trees" layout the judge
    applies: its leaf values already carry the learning rate, so the spec's rate is 1."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=40,
        l2_regularization=1.0, early_stopping=False, random_state=SEED % 2**31,
    )  # fmt: skip
    model.fit(z, y, sample_weight=w)
    trees = []
    for (
        predictor,
    ) in model._predictors:  # SEE: sklearn/ensemble/_hist_gradient_boosting/predictor.py
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        trees.append(
            {
                "left": np.where(leaf, -1, nodes["left"].astype(np.int64)).tolist(),
                "right": np.where(leaf, -1, nodes["right"].astype(np.int64)).tolist(),
                "feature": nodes["feature_idx"].astype(int).tolist(),
                "threshold": [round(float(v), 6) for v in nodes["num_threshold"]],
                "value": [round(float(v), 6) for v in nodes["value"]],
            }
        )
    return {
        "kind": "trees",
        "learning_rate": 1.0,
        "init": round(float(np.ravel(model._baseline_prediction)[0]), 6),
        "trees": trees,
    }


def out_of_fold(
    kind: str, x: np.ndarray, y: np.ndarray, w: np.ndarray, groups: Sequence[str]
) -> np.ndarray:
    """Scores for each training pair from a model that did not see its group (5 folds)."""
    from sklearn.model_selection import GroupKFold

    scores = np.zeros(len(y))
    for train_idx, test_idx in GroupKFold(n_splits=5).split(x, y, groups):
        spec = fit_model(kind, x[train_idx], y[train_idx], w[train_idx])
        scores[test_idx] = score_with(spec, x[test_idx])
    return scores


def score_with(model_spec: dict, x: np.ndarray) -> np.ndarray:
    """Apply a fitted model spec exactly as the judge does at run time."""
    from audit.features import FEATURE_NAMES
    from audit.judge import JudgeModel

    spec = {
        "features": list(FEATURE_NAMES),
        "idf": {},
        "idf_default": 1.0,
        "thresholds": {"supported": 0.5, "partially_supported": 0.25},
        "model": model_spec,
    }
    return JudgeModel(spec).score(x)


def choose_thresholds(
    scores: np.ndarray, labels: Sequence[str], datasets: Sequence[str]
) -> tuple[float, float, float]:
    """Supported threshold: best mean per-data-set macro-F1 (supported vs not); partial
    threshold below it: best mean per-data-set three-way macro-F1. Returns both and the F1."""
    from sklearn.metrics import f1_score

    labels_arr, ds = np.asarray(labels), np.asarray(datasets)
    # contradicted counts as not supported in the three-way F1 (its own head decides it)
    labels_arr = np.where(labels_arr == "contradicted", "not_supported", labels_arr)
    names = sorted(set(datasets))
    grid = np.round(np.linspace(0.02, 0.98, 97), 2)
    y = (labels_arr == "supported").astype(int)

    def binary(t: float) -> float:
        return float(
            np.mean(
                [binary_macro_f1(y[ds == d], (scores[ds == d] >= t).astype(int)) for d in names]
            )
        )

    f1_hi, t_hi = max((binary(t), -t) for t in grid)
    t_hi = -t_hi

    def three_way(t_lo: float) -> float:
        predicted = np.where(
            scores >= t_hi,
            "supported",
            np.where(scores >= t_lo, "partially_supported", "not_supported"),
        )
        return float(
            np.mean([
                f1_score(labels_arr[ds == d], predicted[ds == d], average="macro",
                         labels=sorted(set(labels_arr[ds == d])), zero_division=0)
                for d in names
            ])
        )  # fmt: skip

    _, t_lo = max((three_way(t), t) for t in grid if t <= t_hi)
    return float(t_hi), float(t_lo), f1_hi


def choose_contradiction_threshold(
    scores: np.ndarray, y: np.ndarray, datasets: Sequence[str]
) -> tuple[float, float, float]:
    """The threshold with the best F1 of 'contradicted', over the data sets that label it,
    never below 0.5 (calling a source's claim contradicted is an accusation: better missed
    than false). Returns it with that F1 and its precision."""
    from sklearn.metrics import f1_score, precision_score

    ds = np.asarray(datasets)
    names = sorted({d for d in set(datasets) if y[ds == d].any()})
    keep = np.isin(ds, names)
    best = (-1.0, 0.5, 0.0)
    for t in np.round(np.linspace(0.5, 0.95, 46), 2):
        predicted = (scores[keep] >= t).astype(int)
        f1 = float(f1_score(y[keep], predicted, zero_division=0))
        if f1 > best[0]:
            precision = float(precision_score(y[keep], predicted, zero_division=0))
            best = (f1, float(t), precision)
    return best[1], best[0], best[2]

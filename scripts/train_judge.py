"""Train the citation judge's two small models and write ``audit/judge_model.json``.

    .venv/bin/python scripts/train_judge.py [--data ../shared/data] [--extra-share 1.0]

Reproducible: fixed seeds, fixed splits (``audit/splits.json`` for SciFact, WiCE and
ExpertQA; a hash of the group for judge-extra, see ``scripts/judge_data.py``), the same
weights from the same data. Training pairs: the training splits of the four sources, plus
made ones (``scripts/judge_synth.py``: hard negatives, changed numbers and negations, random
passages, partial support). Two heads over the feature rows of ``audit.features``:

* support (supported vs the rest), logistic regression or histogram boosted trees
  (``--kinds``), whichever wins out of fold; a supported threshold (best mean per-data-set
  macro-F1) and a partial one below;
* contradiction (contradicted vs the rest; SciFact CONTRADICT, judge-extra's refuted pairs,
  made negations and numbers), logistic; its threshold is the best F1 at 0.5 or above.

Feature rows are cached under ``.cache/judge/`` (by pair and feature set), so a second run
with other weights takes seconds. About 15-25 minutes from scratch on 2 busy cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from judge_data import (  # noqa: E402
    DATA,
    SEED,
    SPLITS_JSON,
    TEST_SHARE,
    Pair,
    load_all,
    load_splits,
    make_splits,
    split_pairs,
)
from judge_fit import (  # noqa: E402
    choose_contradiction_threshold,
    choose_thresholds,
    dataset_weights,
    featurize,
    fit_model,
    out_of_fold,
)
from judge_synth import (  # noqa: E402
    hard_negatives,
    idf_table,
    partial_pairs,
    perturbed_negatives,
    unique,
)

CACHE = ROOT / ".cache" / "judge"
MODEL_JSON = ROOT / "audit" / "judge_model.json"


def training_pairs(train: dict[str, list[Pair]]) -> tuple[list[Pair], list[Pair]]:
    """The natural training pairs and the made ones."""
    natural = [p for pairs in train.values() for p in pairs]
    made = [n for name in ("scifact", "expertqa") for n in hard_negatives(train[name])]
    made += perturbed_negatives([p for p in natural if p.dataset != "extra"])
    made += partial_pairs(natural)
    return natural, made


class FeatureCache:
    """Feature rows by (claim, passage), for one feature set and idf table, kept on disk."""

    def __init__(self, extractor, tag: str):  # type: ignore[no-untyped-def]
        self.extractor = extractor
        self.path = CACHE / f"features-{tag}.pkl"
        self.rows: dict[tuple[str, str], np.ndarray] = {}
        if self.path.exists():
            with self.path.open("rb") as handle:
                self.rows = pickle.load(handle)

    def features(self, pairs: Sequence[Pair]) -> np.ndarray:
        missing = list({(p.claim, p.passage): p for p in pairs if (p.claim, p.passage) not in
                        self.rows}.values())  # fmt: skip
        if missing:
            start = time.perf_counter()
            print(f"featurizing {len(missing)} pairs", flush=True)
            for pair, row in zip(missing, featurize(missing, self.extractor), strict=True):
                self.rows[(pair.claim, pair.passage)] = row
            print(f"  {len(missing) / (time.perf_counter() - start):.0f} pairs/s", flush=True)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("wb") as handle:
                pickle.dump(self.rows, handle)
        return np.stack([self.rows[(p.claim, p.passage)] for p in pairs]).astype(np.float64)


def feature_cache(train: dict[str, list[Pair]]) -> tuple[FeatureCache, dict[str, float], float]:
    """The extractor the judge will use, with the idf table of the training passages
    (SciFact, WiCE, ExpertQA: judge-extra's one-sentence passages would skew it)."""
    from audit.encoder import StaticEncoder
    from audit.features import FEATURE_NAMES
    from audit.judge import FeatureExtractor

    passages = unique([p.passage for name in ("scifact", "wice", "expertqa") for p in train[name]])
    idf, idf_default = idf_table(passages, max_terms=4000)
    extractor = FeatureExtractor(StaticEncoder(), idf, idf_default)
    tag = hashlib.sha1(
        json.dumps([FEATURE_NAMES, sorted(idf.items()), idf_default]).encode()
    ).hexdigest()[:10]
    return FeatureCache(extractor, tag), idf, idf_default


def fit_head(
    name: str,
    kinds: Sequence[str],
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    groups: Sequence[str],
) -> tuple[str, dict[str, np.ndarray]]:
    """Out-of-fold scores of each kind of model; the caller picks."""
    scores = {}
    for kind in kinds:
        start = time.perf_counter()
        scores[kind] = out_of_fold(kind, x, y, w, groups)
        print(f"{name} {kind}: out of fold in {time.perf_counter() - start:.0f} s", flush=True)
    return name, scores


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=MODEL_JSON)
    parser.add_argument(
        "--extra-share", type=float, default=1.0,
        help="weight of judge-extra as a whole, relative to one of the other data sets",
    )  # fmt: skip
    parser.add_argument(
        "--kinds", default="logistic,hist", help="support head candidates: logistic, hist, trees"
    )
    args = parser.parse_args(argv)

    from audit.features import FEATURE_NAMES

    datasets = load_all(args.data)
    if not SPLITS_JSON.exists():  # the first run fixes the groups; later runs keep them
        splits = make_splits({k: v for k, v in datasets.items() if k != "extra"})
        SPLITS_JSON.write_text(json.dumps({
            "seed": SEED, "test_share": TEST_SHARE, "datasets": splits,
            "note": "groups: SciFact claim+abstract clusters, WiCE article, ExpertQA question",
        }, indent=1, ensure_ascii=False) + "\n")  # fmt: skip
    train = split_pairs(datasets, load_splits(), "train")
    natural, made = training_pairs(train)
    pairs = natural + made
    print(f"training pairs: {len(natural)} natural + {len(made)} made", flush=True)
    print(f"  labels: {dict(Counter(p.label for p in pairs))}", flush=True)

    cache, idf, idf_default = feature_cache(train)
    x = cache.features(pairs)
    w = dataset_weights([p.dataset for p in pairs], {"extra": args.extra_share})
    groups = [p.group for p in pairs]
    is_natural = np.array([not p.synthetic for p in pairs])
    y_support = np.array([p.label == "supported" for p in pairs], dtype=int)
    y_contra = np.array([p.label == "contradicted" for p in pairs], dtype=int)

    _, support = fit_head("support", args.kinds.split(","), x, y_support, w, groups)
    results = {}
    for kind, oof in support.items():
        results[kind] = choose_thresholds(
            oof[is_natural], [p.label for p in natural], [p.dataset for p in natural]
        )
        print(f"support {kind}: out-of-fold macro-F1 {results[kind][2]:.3f} "
              f"(supported >= {results[kind][0]}, partial >= {results[kind][1]})")  # fmt: skip
    kind = max(results, key=lambda k: results[k][2])
    t_hi, t_lo, _ = results[kind]

    _, contra = fit_head("contradiction", ["logistic"], x, y_contra, w, groups)
    t_contra, f1_contra, precision_contra = choose_contradiction_threshold(
        contra["logistic"][is_natural], y_contra[is_natural], [p.dataset for p in natural]
    )
    print(f"contradiction: out-of-fold F1 {f1_contra:.3f}, precision {precision_contra:.3f} "
          f"(>= {t_contra})")  # fmt: skip

    spec = {
        "version": 2,
        "about": "Citation judge weights: scripts/train_judge.py writes, audit/judge.py applies",
        "features": list(FEATURE_NAMES),
        "encoder": "static-minilm (rank-weighted word-piece vectors of all-MiniLM-L6-v2)",
        "model": fit_model(kind, x, y_support, w),
        "contradiction_model": fit_model("logistic", x, y_contra, w),
        "thresholds": {"supported": t_hi, "partially_supported": t_lo, "contradicted": t_contra},
        "idf": idf,
        "idf_default": idf_default,
        "training": {
            "pairs": len(natural),
            "made_pairs": len(made),
            "per_data_set": dict(Counter(p.dataset for p in natural)),
            "labels": dict(Counter(p.label for p in pairs)),
            "extra_share": args.extra_share,
            "support_out_of_fold_macro_f1": {k: round(v[2], 4) for k, v in results.items()},
            "support_chosen": kind,
            "contradiction_out_of_fold": {
                "f1": round(f1_contra, 4), "precision": round(precision_contra, 4)
            },
        },
    }  # fmt: skip
    args.out.write_text(json.dumps(spec, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB, support head {kind})")


if __name__ == "__main__":
    main()

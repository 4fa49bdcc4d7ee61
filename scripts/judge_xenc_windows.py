"""Why the six-layer judge cross-encoder loses WiCE, and two fixes that were measured.

    .venv/bin/python scripts/judge_xenc_windows.py [--xenc build/judge-xenc/xenc6.safetensors]

Needs the candidate file and the checkpoint that `scripts/train_judge_xenc.py` leaves under
build/judge-xenc/. Prints, for WiCE and SciFact, tune and dev (`audit/splits.json` test
groups, as `bench_judge.py` reads them):

1. *Several windows*: the passage's sentences ranked by likeness to the claim (as
   `audit.crossenc.window` ranks them) cut into up to four windows of the cross-encoder's
   size; AUC (supported vs the rest) of the best window's p(supported) over the first k,
   beside the feature judge's score.
2. *A coverage-aware combination*: the stack of `train_judge_xenc.fit_stack` with the share
   of the passage the window holds (and its products with the other inputs) added; mean
   macro-F1 over the tune sets by grouped 5-fold cross-validation, with and without.

Nothing here is shipped; the figures are quoted in docs/benchmarks.md (Citation judge).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import train_judge_xenc as trainer  # noqa: E402
from bench_judge import test_sets  # noqa: E402
from judge_data import Pair  # noqa: E402
from judge_fit import binary_macro_f1, choose_thresholds  # noqa: E402

from audit import crossenc  # noqa: E402


def ranked_windows(claim: str, passage: str, encoder: Any, tokenizer: Any, k: int) -> list[str]:
    """Up to k windows: the sentences in `crossenc.window`'s order of likeness, cut where the
    window is full, each in passage order."""
    texts, lengths, room = crossenc.sentences_and_room(claim, passage, tokenizer)
    if not texts:
        return [passage[: crossenc.MAX_CHARS]]
    windows: list[str] = []
    current: list[int] = []
    used = 0
    for i in crossenc.by_likeness(claim, texts, encoder):
        if used + lengths[i] > room and current:
            windows.append(" ".join(texts[j] for j in sorted(current)))
            current, used = [], 0
            if len(windows) == k:
                return windows
        current.append(int(i))
        used += lengths[i]
    return [*windows, " ".join(texts[j] for j in sorted(current))] if current else windows


def coverage(pairs: list[Pair], tokenizer: Any) -> np.ndarray:
    """Share of the passage's tokens that fit the window (1: all of it)."""
    out = []
    for p in pairs:
        _, lengths, room = crossenc.sentences_and_room(p.claim, p.passage, tokenizer)
        out.append(min(1.0, room / max(sum(lengths), 1)))
    return np.array(out)


def several_windows(sets: dict[str, list[Pair]], xenc: Any, feature: Any) -> None:
    from sklearn.metrics import roc_auc_score

    from audit.encoder import StaticEncoder

    encoder = StaticEncoder()
    for name, pairs in sets.items():
        y = np.array([p.label == "supported" for p in pairs], dtype=int)
        windows = [ranked_windows(p.claim, p.passage, encoder, xenc.tokenizer, 4) for p in pairs]
        flat = [(i, w) for i, ws in enumerate(windows) for w in ws]
        probs = xenc.probabilities([pairs[i].claim for i, _ in flat], [w for _, w in flat])
        by_pair: dict[int, list[float]] = {}
        for (i, _), row in zip(flat, probs, strict=True):
            by_pair.setdefault(i, []).append(float(row[0]))
        aucs = [
            roc_auc_score(y, [max(by_pair[i][:k]) for i in range(len(pairs))]) for k in (1, 2, 3, 4)
        ]
        print(f"{name}: {len(pairs)} pairs, {np.mean([len(w) for w in windows]):.1f} windows; "
              f"AUC best of 1-4 windows {' / '.join(f'{a:.3f}' for a in aucs)}; "
              f"feature judge {roc_auc_score(y, feature(pairs)):.3f}", flush=True)  # fmt: skip


def stack_columns(feature: np.ndarray, probs: np.ndarray, cover: np.ndarray | None) -> np.ndarray:
    x = crossenc.stack_inputs(feature, probs)
    if cover is None:
        return x
    return np.column_stack([x, cover, cover[:, None] * x])


def coverage_stack(
    tune: list[Pair], probs: np.ndarray, feature: np.ndarray, cover: np.ndarray
) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    labels = [p.label for p in tune]
    sets = [p.dataset for p in tune]
    y = np.array([label == "supported" for label in labels], dtype=int)
    weights = np.array([1.0 / Counter(sets)[d] for d in sets]) * len(tune)
    for name, columns in (("without", None), ("with coverage", cover)):
        x = stack_columns(feature, probs, columns)
        out_of_fold = np.zeros(len(y))
        for fit, held in GroupKFold(5).split(x, y, [p.group for p in tune]):
            model = LogisticRegression(C=1.0, max_iter=2000)
            model.fit(x[fit], y[fit], sample_weight=weights[fit])
            out_of_fold[held] = model.predict_proba(x[held])[:, 1]
        threshold = choose_thresholds(out_of_fold, labels, sets)[0]
        ds = np.array(sets)
        f1 = {d: binary_macro_f1(y[ds == d], (out_of_fold[ds == d] >= threshold).astype(int))
              for d in sorted(set(sets))}  # fmt: skip
        print(f"stack {name}: tune CV mean {np.mean(list(f1.values())):.3f} "
              + " ".join(f"{d} {v:.3f}" for d, v in f1.items()), flush=True)  # fmt: skip


def main() -> None:
    import torch

    from audit.judge import Judge
    from ingest.embedding import resolve_model_path
    from reader.model import apply_state, load_base

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--xenc", type=Path, default=trainer.BUILD / "xenc6.safetensors")
    args = parser.parse_args()
    _, tune = trainer.build_rows(random.Random(trainer.SEED))
    _, test = test_sets(None)
    judge = Judge(quotes=False, cross_encoder=False)

    def feature(pairs: list[Pair]) -> np.ndarray:
        return np.array([j.score for j in judge.judge_many([(p.claim, p.passage) for p in pairs])])

    xenc = crossenc.CrossEncoder.load(args.xenc)
    several_windows(
        {"tune wice": [p for p in tune if p.dataset == "wice"],
         "tune scifact": [p for p in tune if p.dataset == "scifact"],
         "dev wice": test["wice"], "dev scifact": test["scifact"]},
        xenc, feature,
    )  # fmt: skip
    layers = int(xenc.meta["trained_layers"])
    tokenizer, base = load_base(resolve_model_path(crossenc.BASE_MODEL))
    crossenc.quantize_lower(base, layers)
    head = crossenc.make_head(base.config.hidden_size)
    apply_state(base, head, torch.load(trainer.BUILD / f"checkpoint-{layers}.pt")["state"])
    base.eval()
    probs = trainer.predict(base, head, trainer.frozen_cache(base, tokenizer, tune, "tune", layers),
                            layers)  # fmt: skip
    coverage_stack(tune, probs, feature(tune), coverage(tune, tokenizer))


if __name__ == "__main__":
    main()

"""Key points on IBM's ArgKP (train and dev only; its test motions are never read).

Two figures, written to docs/benchmarks.md:

1. **Key point matching**, as in the KPA 2021 shared task (Friedman et al., 2021): each
   argument is matched to its best-scoring key point of the same motion and stance (score:
   cosine of all-MiniLM-L6-v2 embeddings, what `report.keypoints` groups with); per motion
   and stance, the top half of those matches by score is ranked and average precision is
   computed, strict (unlabelled pairs count as wrong) and relaxed (as right); the mean over
   motion/stance groups is the mAP. Reported on dev, beside the same on train.
2. **Grouping**: `report.keypoints.cluster_indices` over the arguments of each motion and
   stance; a pair of arguments "makes the same point" when both match one key point.
   Pairwise precision, recall and F1 for several thresholds on train (where the threshold
   is chosen) and on dev (reported, not tuned).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_keypoints.py
"""

from __future__ import annotations

import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchlib import markdown_table, write_section  # noqa: E402

from ingest.embedding import Embedder  # noqa: E402
from report.keypoints import MERGE_THRESHOLD, cluster_indices  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "argkp"
THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


def read(split: str) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]], dict]:
    def rows(name: str) -> list[dict[str, str]]:
        with (DATA / f"{name}_{split}.csv").open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    arguments = {row["arg_id"]: row for row in rows("arguments")}
    key_points = {row["key_point_id"]: row for row in rows("key_points")}
    labels = {(row["arg_id"], row["key_point_id"]): int(row["label"]) for row in rows("labels")}
    return arguments, key_points, labels


def average_precision(labels: list[int], scores: list[float]) -> float:
    """As sklearn's average_precision_score: the mean of precision at each positive."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    hits, total = 0, 0.0
    for rank, i in enumerate(order, 1):
        if labels[i]:
            hits += 1
            total += hits / rank
    return total / hits if hits else 0.0


def matching_map(arguments, key_points, labels, vectors) -> tuple[float, float]:
    groups: dict[tuple[str, str], list[tuple[float, str, str]]] = defaultdict(list)
    for arg_id, arg in arguments.items():
        candidates = [
            k
            for k, kp in key_points.items()
            if kp["topic"] == arg["topic"] and kp["stance"] == arg["stance"]
        ]
        if not candidates:
            continue
        scores = [float(vectors[arg_id] @ vectors[k]) for k in candidates]
        best = int(np.argmax(scores))
        groups[(arg["topic"], arg["stance"])].append((scores[best], arg_id, candidates[best]))
    strict, relaxed = [], []
    for matches in groups.values():
        top = sorted(matches, reverse=True)[: len(matches) // 2]
        scores = [score for score, _, _ in top]
        strict.append(average_precision([labels.get((a, k), 0) for _, a, k in top], scores))
        relaxed.append(average_precision([labels.get((a, k), 1) for _, a, k in top], scores))
    return float(np.mean(strict)), float(np.mean(relaxed))


def grouping_scores(arguments, labels, vectors, threshold: float) -> tuple[float, float, float]:
    matched: dict[str, set[str]] = defaultdict(set)
    for (arg_id, kp_id), label in labels.items():
        if label == 1:
            matched[arg_id].add(kp_id)
    by_group: dict[tuple[str, str], list[str]] = defaultdict(list)
    for arg_id, arg in arguments.items():
        if matched[arg_id]:  # arguments with a known key point only: the others are unknown
            by_group[(arg["topic"], arg["stance"])].append(arg_id)
    true_pos = predicted = actual = 0
    for ids in by_group.values():
        matrix = np.stack([vectors[i] for i in ids])
        cluster_of = {}
        for number, cluster in enumerate(cluster_indices(matrix, threshold)):
            for index in cluster:
                cluster_of[ids[index]] = number
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                same = cluster_of[ids[a]] == cluster_of[ids[b]]
                truth = bool(matched[ids[a]] & matched[ids[b]])
                predicted += same
                actual += truth
                true_pos += same and truth
    precision = true_pos / predicted if predicted else 0.0
    recall = true_pos / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    embedder = Embedder()
    started = time.perf_counter()
    results = {}
    for split in ("train", "dev"):
        arguments, key_points, labels = read(split)
        ids = list(arguments) + list(key_points)
        texts = [arguments[i]["argument"] for i in arguments] + [
            key_points[k]["key_point"] for k in key_points
        ]
        vectors = dict(zip(ids, embedder.embed(texts), strict=True))
        strict, relaxed = matching_map(arguments, key_points, labels, vectors)
        grouping = {t: grouping_scores(arguments, labels, vectors, t) for t in THRESHOLDS}
        results[split] = (strict, relaxed, grouping, len(arguments))
        print(f"{split}: matching mAP strict {strict:.3f} relaxed {relaxed:.3f}")
        for t, (p, r, f) in grouping.items():
            print(f"  threshold {t:.2f}: pairwise P {p:.3f} R {r:.3f} F1 {f:.3f}")
    best = max(THRESHOLDS, key=lambda t: results["train"][2][t][2])
    seconds = time.perf_counter() - started
    rows = [
        [
            split,
            n,
            f"{strict:.3f}",
            f"{relaxed:.3f}",
            f"{(strict + relaxed) / 2:.3f}",
        ]
        for split, (strict, relaxed, _, n) in results.items()
    ]
    grouping_rows = [
        [
            f"{t:.2f}" + (" (chosen on train)" if t == best else ""),
            *(f"{results['train'][2][t][i]:.3f}" for i in range(3)),
            *(f"{results['dev'][2][t][i]:.3f}" for i in range(3)),
        ]
        for t in THRESHOLDS
    ]
    body = (
        "Command: `HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_keypoints.py`. ArgKP train "
        "(24 motions) and dev (4 motions) only; the test motions are never read. Scores are "
        "cosines of the packaged all-MiniLM-L6-v2 embeddings, as `report/keypoints.py` uses.\n\n"
        "**Key point matching** (KPA 2021 shared-task metric: best key point per argument, "
        "top half by score per motion and stance, average precision, mean over groups). "
        "Published for reference: the shared task's best systems, fine-tuned on ArgKP train, "
        "reached about 0.79 strict / 0.93 relaxed mAP on its test set.\n\n"
        + markdown_table(["split", "arguments", "mAP strict", "mAP relaxed", "mean"], rows)
        + "\n\n**Grouping passages into key points** (`cluster_indices`, average linkage): "
        "pairwise precision / recall / F1 of 'these two arguments make the same point' "
        "against ArgKP's matches.\n\n"
        + markdown_table(
            ["threshold", "train P", "train R", "train F1", "dev P", "dev R", "dev F1"],
            grouping_rows,
        )
        + f"\n\nThe report uses `MERGE_THRESHOLD = {MERGE_THRESHOLD}`"
        + (
            " (the threshold chosen on train)."
            if best == MERGE_THRESHOLD
            else f"; the train optimum in this run is {best}."
        )
        + f" Run time {seconds:.0f} s."
    )
    write_section("keypoints", "Key points (ArgKP train/dev)", body)
    print(f"chosen threshold on train: {best}; written to docs/benchmarks.md")


if __name__ == "__main__":
    main()

"""Train the citation judge's small model and write ``audit/judge_model.json``.

    .venv/bin/python scripts/train_judge.py [--data ../shared/data]

Reproducible: the same data give the same splits (``audit/splits.json``) and the same
weights. Three labelled sets, each split by group so that no test claim, question or page is
seen in training:

* SciFact train: claim + cited abstract. SUPPORT -> supported, CONTRADICT -> unsupported, a
  cited abstract with no evidence label (not enough info) -> unsupported. Groups: connected
  claims and abstracts (claims that share an abstract, e.g. a claim and its negation, stay
  together).
* WiCE dev: claim + the cited web page (the whole list of evidence sentences, since the
  support is often spread over distant sentences). supported / partially_supported /
  not_supported. Groups: the Wikipedia article the claim comes from.
* ExpertQA rand_val: claim + its cited evidence passages. Complete -> supported, Partial and
  Incomplete -> partially_supported; claims without evidence (Missing) are uncited, not a
  judge's job. Groups: the expert question.

Training also adds hard negatives (a training claim with a similar abstract or page of a
different training group, labelled unsupported) so that topical overlap alone does not pass.
Embeddings of the training data are cached under ``.cache/judge/``.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import json
import math
import re
import sys
import tokenize
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.features import content_terms, split_sentences, words  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SPLITS_JSON = ROOT / "audit" / "splits.json"
CACHE = ROOT / ".cache" / "judge"
SEED = 20240605
TEST_SHARE = 0.3
LABELS = ("supported", "partially_supported", "unsupported")


@dataclass(frozen=True)
class Pair:
    """One labelled claim–passage pair."""

    dataset: str
    group: str
    pair_id: str
    claim: str
    passage: str
    label: str  # one of LABELS
    synthetic: bool = False


# --------------------------------------------------------------------------------------------
# Loading


def _numpy_string_array(text: str) -> list[str]:
    """Parse a NumPy array repr of strings ("['a' 'b']"): adjacent literals, no commas."""
    out = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING:
            out.append(ast.literal_eval(token.string))
    return out


def _id_list(text: str) -> list[str]:
    return re.findall(r"\d+", text)


def load_scifact(data: Path) -> list[Pair]:
    csv.field_size_limit(10**8)
    with (data / "scifact" / "corpus.csv").open(newline="") as handle:
        abstracts = {
            row["doc_id"]: " ".join(s.strip() for s in _numpy_string_array(row["abstract"]))
            for row in csv.DictReader(handle)
        }
    labels: dict[tuple[str, str], str] = {}
    claims: dict[str, str] = {}
    cited: dict[str, list[str]] = defaultdict(list)
    with (data / "scifact" / "claims_train.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            claims[row["id"]] = row["claim"]
            for doc in _id_list(row["cited_doc_ids"]):
                if doc not in cited[row["id"]]:
                    cited[row["id"]].append(doc)
            if row["evidence_label"]:
                labels[(row["id"], row["evidence_doc_id"])] = row["evidence_label"]
    # Groups: connected components of the claim–abstract graph.
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for claim_id, docs in cited.items():
        for doc in docs:
            a, b = find("c" + claim_id), find("d" + doc)
            if a != b:
                parent[max(a, b)] = min(a, b)
    members: dict[str, list[int]] = defaultdict(list)
    for claim_id in claims:
        members[find("c" + claim_id)].append(int(claim_id))
    group_of = {str(c): f"scifact-c{min(ms)}" for ms in members.values() for c in ms}

    pairs = []
    for claim_id, docs in sorted(cited.items(), key=lambda kv: int(kv[0])):
        for doc in docs:
            if doc not in abstracts:
                continue
            raw = labels.get((claim_id, doc), "")
            label = "supported" if raw == "SUPPORT" else "unsupported"
            pairs.append(
                Pair("scifact", group_of[claim_id], f"scifact:{claim_id}:{doc}",
                     claims[claim_id], abstracts[doc], label)
            )  # fmt: skip
    return pairs


WICE_LABELS = {
    "supported": "supported",
    "partially_supported": "partially_supported",
    "not_supported": "unsupported",
}


def load_wice(data: Path) -> list[Pair]:
    pairs = []
    with (data / "wice" / "dev.jsonl").open() as handle:
        for line in handle:
            row = json.loads(line)
            passage = "\n".join(s.strip() for s in row["evidence"] if s.strip())
            pairs.append(
                Pair("wice", "wice-" + row["meta"]["claim_title"], "wice:" + row["meta"]["id"],
                     row["claim"], passage, WICE_LABELS[row["label"]])
            )  # fmt: skip
    return pairs


EXPERTQA_LABELS = {
    "Complete": "supported",
    "Partial": "partially_supported",
    "Incomplete": "partially_supported",
}
_CITATION_MARK = re.compile(r"\s*\[\d+\](?:\[\d+\])*")


def strip_citation_marks(claim: str) -> str:
    """'... of protection [3].' -> '... of protection.' (the marks are not claim content)."""
    return _CITATION_MARK.sub("", claim).strip()


def load_expertqa(data: Path) -> list[Pair]:
    pairs = []
    with (data / "expertqa" / "rand_val.jsonl").open() as handle:
        for qi, line in enumerate(handle):
            row = json.loads(line)
            qkey = hashlib.sha1(row["question"].encode()).hexdigest()[:10]
            for system in sorted(row["answers"]):
                for ci, claim in enumerate(row["answers"][system]["claims"]):
                    label = EXPERTQA_LABELS.get(str(claim["support"]))
                    if label is None or not claim["evidence"]:
                        continue
                    # each piece of evidence is "[n] url\n\npassage"
                    texts = [e.split("\n\n", 1)[-1].strip() for e in claim["evidence"]]
                    pairs.append(
                        Pair("expertqa", f"expertqa-{qkey}", f"expertqa:{qi}:{system}:{ci}",
                             strip_citation_marks(claim["claim_string"]),
                             "\n\n".join(t for t in texts if t), label)
                    )  # fmt: skip
    return pairs


def load_all(data: Path = DATA) -> dict[str, list[Pair]]:
    return {"scifact": load_scifact(data), "wice": load_wice(data), "expertqa": load_expertqa(data)}


# --------------------------------------------------------------------------------------------
# Splits


def make_splits(
    datasets: dict[str, list[Pair]], seed: int = SEED
) -> dict[str, dict[str, list[str]]]:
    """Per data set: groups shuffled with a fixed seed, TEST_SHARE of them held out."""
    splits = {}
    for name, pairs in datasets.items():
        groups = sorted({p.group for p in pairs})
        rng = np.random.default_rng([seed, len(name)])
        order = rng.permutation(len(groups))
        n_test = round(TEST_SHARE * len(groups))
        test = sorted(groups[i] for i in order[:n_test])
        train = sorted(groups[i] for i in order[n_test:])
        splits[name] = {"train_groups": train, "test_groups": test}
    return splits


def load_splits(path: Path = SPLITS_JSON) -> dict[str, dict[str, list[str]]]:
    return json.loads(path.read_text())["datasets"]


def split_pairs(
    datasets: dict[str, list[Pair]], splits: dict[str, dict[str, list[str]]], part: str
) -> dict[str, list[Pair]]:
    """The train or test pairs of each data set."""
    out = {}
    for name, pairs in datasets.items():
        keep = set(splits[name][f"{part}_groups"])
        out[name] = [p for p in pairs if p.group in keep]
    return out


# --------------------------------------------------------------------------------------------
# Vocabulary statistics (document frequency over training passages)


def idf_table(passages: Iterable[str], max_terms: int = 6000) -> tuple[dict[str, float], float]:
    """idf of the most frequent terms over sentences of the training passages; rare -> default."""
    df: Counter[str] = Counter()
    n = 0
    for passage in passages:
        for sentence in split_sentences(passage):
            n += 1
            df.update(set(content_terms(words(sentence.text))))
    default = math.log(n / 2.0)
    # ties broken by the term itself: set order varies between runs (hash randomisation)
    common = sorted(df.items(), key=lambda tc: (-tc[1], tc[0]))[:max_terms]
    table = {t: round(math.log(n / c), 2) for t, c in sorted(common)}
    return table, round(default, 2)


def unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --------------------------------------------------------------------------------------------
# Hard negatives (training only)


def hard_negatives(pairs: Sequence[Pair], per_claim: int = 1) -> list[Pair]:
    """Each supported training claim with the most word-overlapping passage of another group.

    Topically close passages that do not back the claim teach the model that overlap in
    subject alone is not support.
    """
    passages = unique([p.passage for p in pairs])
    group_of = {}
    for p in pairs:
        group_of.setdefault(p.passage, set()).add(p.group)
    terms = [set(content_terms(words(text))) for text in passages]
    out = []
    for p in pairs:
        if p.label != "supported":
            continue
        claim_terms = set(content_terms(words(p.claim)))
        scored = sorted(
            (
                (-len(claim_terms & t) / (1 + len(claim_terms)), i)
                for i, t in enumerate(terms)
                if p.group not in group_of[passages[i]]
            ),
        )[:per_claim]
        for rank, (_, i) in enumerate(scored):
            out.append(
                Pair(p.dataset, p.group, f"{p.pair_id}:neg{rank}", p.claim, passages[i],
                     "unsupported", synthetic=True)
            )  # fmt: skip
    return out


_AUXILIARY = re.compile(
    r"\b(is|are|was|were|can|could|will|would|may|might|has|have|had|does|do|did|should)\b"
)
_VERB_S = re.compile(r"\b([a-z]{3,}(?:es|s))\b")


def negated(claim: str) -> str | None:
    """The claim with a negation added ("X is Y" -> "X is not Y"); None when it has one."""
    if any(w in words(claim) for w in ("not", "no", "never")):
        return None
    match = _AUXILIARY.search(claim)
    if match:
        return f"{claim[: match.end()]} not{claim[match.end() :]}"
    return f"It is not the case that {claim[0].lower()}{claim[1:]}"


def renumbered(claim: str) -> str | None:
    """The claim with its first number changed (12 -> 19, 2.5 -> 4.5, 1998 -> 2005)."""
    match = re.search(r"(?<![\w.])\d+(?:\.\d+)?", claim)
    if not match:
        return None
    raw = match.group()
    value = float(raw)
    new = value + 7 if value >= 10 else value + 2
    text = f"{new:.{len(raw.split('.')[1])}f}" if "." in raw else str(int(new))
    return claim[: match.start()] + text + claim[match.end() :]


def perturbed_negatives(pairs: Sequence[Pair], seed: int = SEED) -> list[Pair]:
    """Supported claims made unsupported: a number changed, a negation added, or a random
    passage of another group (the judge must score these below the original)."""
    rng = np.random.default_rng(seed)
    supported = [p for p in pairs if p.label == "supported"]
    out = []
    for p in supported:
        number = renumbered(p.claim)
        if number and any(c.isdigit() for c in p.passage):
            out.append(
                Pair(p.dataset, p.group, p.pair_id + ":num", number, p.passage, "unsupported", True)
            )
        negation = negated(p.claim)
        if negation and rng.random() < 0.5:
            out.append(
                Pair(
                    p.dataset, p.group, p.pair_id + ":neg", negation, p.passage, "unsupported", True
                )
            )
        other = pairs[int(rng.integers(len(pairs)))]
        if other.group != p.group:
            out.append(
                Pair(
                    p.dataset,
                    p.group,
                    p.pair_id + ":rand",
                    p.claim,
                    other.passage,
                    "unsupported",
                    True,
                )
            )
    return out


# --------------------------------------------------------------------------------------------
# Features, models, thresholds


def featurize(pairs: Sequence[Pair], extractor) -> np.ndarray:  # type: ignore[no-untyped-def]
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


def dataset_weights(datasets: Sequence[str]) -> np.ndarray:
    """Every data set carries the same total weight, whatever its size."""
    counts = Counter(datasets)
    return np.array([len(datasets) / (len(counts) * counts[d]) for d in datasets])


def fit_model(kind: str, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict:
    """Fit a logistic regression or small boosted trees; return the JSON-able spec."""
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
            np.where(scores >= t_lo, "partially_supported", "unsupported"),
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


# --------------------------------------------------------------------------------------------
# Main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=ROOT / "audit" / "judge_model.json")
    args = parser.parse_args()

    from audit.features import FEATURE_NAMES
    from audit.judge import FeatureExtractor, StaticEncoder

    datasets = load_all(args.data)
    splits = make_splits(datasets)
    SPLITS_JSON.write_text(
        json.dumps(
            {
                "seed": SEED,
                "test_share": TEST_SHARE,
                "note": "groups: SciFact claim+abstract clusters, WiCE article, ExpertQA question",
                "datasets": splits,
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n"
    )
    train = [p for pairs in split_pairs(datasets, splits, "train").values() for p in pairs]
    negatives = [
        n
        for name in ("scifact", "expertqa")
        for n in hard_negatives([p for p in train if p.dataset == name])
    ] + perturbed_negatives(train)
    pairs = train + negatives
    print(f"training pairs: {len(train)} natural + {len(negatives)} hard negatives")

    idf, idf_default = idf_table(unique([p.passage for p in train]), max_terms=4000)
    extractor = FeatureExtractor(StaticEncoder(), idf, idf_default)
    x = featurize(pairs, extractor).astype(np.float64)
    y = np.array([p.label == "supported" for p in pairs], dtype=int)
    w = dataset_weights([p.dataset for p in pairs])
    groups = [p.group for p in pairs]
    natural = np.array([not p.synthetic for p in pairs])

    results = {}
    for kind in ("logistic", "trees"):
        oof = out_of_fold(kind, x, y, w, groups)
        t_hi, t_lo, f1 = choose_thresholds(
            oof[natural], [p.label for p in train], [p.dataset for p in train]
        )
        results[kind] = (f1, t_hi, t_lo)
        print(f"{kind}: out-of-fold macro-F1 {f1:.3f} (supported >= {t_hi}, partial >= {t_lo})")
    kind = max(results, key=lambda k: results[k][0])
    f1, t_hi, t_lo = results[kind]
    spec = {
        "version": 1,
        "about": "Citation judge weights: scripts/train_judge.py writes, audit/judge.py applies",
        "features": list(FEATURE_NAMES),
        "encoder": "static-minilm (rank-weighted word-piece vectors of all-MiniLM-L6-v2)",
        "model": fit_model(kind, x, y, w),
        "thresholds": {"supported": t_hi, "partially_supported": t_lo},
        "idf": idf,
        "idf_default": idf_default,
        "training": {
            "pairs": len(train),
            "hard_negatives": len(negatives),
            "per_data_set": dict(Counter(p.dataset for p in train)),
            "out_of_fold_macro_f1": {k: round(v[0], 4) for k, v in results.items()},
            "chosen": kind,
        },
    }
    args.out.write_text(json.dumps(spec, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB, {kind}) and {SPLITS_JSON}")


if __name__ == "__main__":
    main()

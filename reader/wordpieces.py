"""The packaged MiniLM's tokenizer (its ``tokenizer.json``, read by `tokenizers`, the library
BertTokenizerFast wraps), called like BertTokenizerFast for the part Agora uses.

Its own module, without torch: the stance model runs on onnxruntime (reader/stance.py), and
`agora stance` then never imports torch (1.25 s of its start-up on these cores).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class WordPieces:
    """The package's tokenizer.json, called like BertTokenizerFast for what Agora needs:
    single texts or (first, second) pairs, truncation of the second, padding to the
    longest; torch tensors ("pt"), numpy arrays ("np") or lists. Thread-safe: a call sets
    truncation and padding on the one `tokenizers.Tokenizer` and clears them after, so
    calls take turns (one lock here, not one in every caller)."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(path))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._lock = threading.Lock()
        self.pad_id = int(self._tokenizer.token_to_id("[PAD]") or 0)

    def tokenize(self, text: str) -> list[str]:
        with self._lock:
            return list(self._tokenizer.encode(text, add_special_tokens=False).tokens)

    def count(self, text: str, limit: int) -> int:
        """Word-pieces in `text`, counted up to `limit` (a 100 kB passage is not tokenised
        in full)."""
        ids = self(text, add_special_tokens=False, truncation=True, max_length=limit)
        return len(ids["input_ids"])

    def convert_tokens_to_string(self, tokens: Sequence[str]) -> str:
        return str(self._tokenizer.decoder.decode(list(tokens)))

    def __call__(
        self,
        texts: str | Sequence[str],
        pairs: str | Sequence[str] | None = None,
        *,
        truncation: bool | str = False,
        max_length: int | None = None,
        padding: bool = False,
        return_tensors: str | None = None,
        add_special_tokens: bool = True,
    ) -> dict[str, Any]:
        single = isinstance(texts, str)
        firsts = [texts] if isinstance(texts, str) else list(texts)
        seconds = [pairs] if isinstance(pairs, str) else pairs
        inputs: list[Any] = firsts if seconds is None else list(zip(firsts, seconds, strict=True))
        tokenizer = self._tokenizer
        with self._lock:
            if truncation and max_length:
                strategy = truncation if isinstance(truncation, str) else "longest_first"
                tokenizer.enable_truncation(max_length, strategy=strategy)
            if padding:
                tokenizer.enable_padding(pad_id=self.pad_id, pad_token="[PAD]")  # to the longest
            try:
                encodings = tokenizer.encode_batch(inputs, add_special_tokens=add_special_tokens)
            finally:
                tokenizer.no_truncation()
                tokenizer.no_padding()
        columns = {
            "input_ids": [e.ids for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
        }
        if return_tensors == "pt":
            import torch

            return {k: torch.tensor(v, dtype=torch.long) for k, v in columns.items()}
        if return_tensors == "np":
            import numpy as np

            return {k: np.asarray(v, dtype=np.int64) for k, v in columns.items()}
        if single:
            return {k: v[0] for k, v in columns.items()}
        return columns

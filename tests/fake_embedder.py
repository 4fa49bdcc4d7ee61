"""A stand-in for the embedding model: hashed bag-of-words vectors, instant and
deterministic.

It is an `Embedder` (the library's public seam for its model) whose `embed` never loads a
model. Tests of the ingest pipeline's flow use it to watch and steer the encoder step:
`calls` records the thread and size of every call, and `before_embed`, when set, runs
first (a test pauses there, or raises to make the add fail mid-way).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Sequence

import numpy as np

from ingest.embedding import Embedder

DIMENSION = 64
_WORD = re.compile(r"\w+")


class FakeEmbedder(Embedder):
    def __init__(self) -> None:
        super().__init__("minilm")  # resolves the packaged model's folder; never loads it
        self.calls: list[tuple[str, int]] = []  # (thread name, texts) per call
        self.before_embed: Callable[[Sequence[str]], None] | None = None

    @property
    def fingerprint(self) -> str:
        return f"fake-words-{DIMENSION}"

    @property
    def dimension(self) -> int:
        return DIMENSION

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.before_embed is not None:
            self.before_embed(texts)
        self.calls.append((threading.current_thread().name, len(texts)))
        vectors = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=2).digest()
                vectors[row, int.from_bytes(digest) % DIMENSION] += 1.0
            vectors[row, 0] += 1e-3  # no all-zero row, whatever the text
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

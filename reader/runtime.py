"""The trained encoders at inference: an ONNX graph (the six layers and the heads, int8) run
by onnxruntime over the packaged MiniLM's embeddings, looked up in numpy. No torch.

    graph = Graph.load(Path("reader/stance.onnx"), "stance")   # GraphMissing if absent
    batch = graph.encode(firsts, passages, window=128)         # numpy arrays
    probabilities, = graph.run(batch)

Why onnxruntime, not torch: a command that only reads (`agora stance`) then never imports
torch (1.25 s of start-up on these cores, against 0.15 s for onnxruntime, which chromadb
installs anyway), and its int8 kernels, with weights quantised per output channel, stay
closer to the fp32 model than torch's dynamic quantisation (per tensor) and read a batch
faster (docs/benchmarks.md, Reader model). The word, position and type embeddings are
frozen in training and are the package's, so a file holds only what was trained; the torch
networks the files are exported from (reader/export.py) are reader/model.py's and
reader/stance_net.py's.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reader.inputs import tokenize


class Embeddings:
    """The package's word + position + type embeddings and their LayerNorm, in numpy: the
    part of the encoder the ONNX files leave out (BERT's embedding layer, computed alike)."""

    def __init__(self, model_path: Path, eps: float = 1e-12) -> None:
        from safetensors import safe_open

        with safe_open(str(model_path / "model.safetensors"), framework="np") as handle:
            names = {k.removeprefix("bert."): k for k in handle.keys()}  # noqa: SIM118

            def table(name: str) -> np.ndarray:
                return np.asarray(handle.get_tensor(names[f"embeddings.{name}"]), np.float32)

            self.words = table("word_embeddings.weight")
            self.positions = table("position_embeddings.weight")
            self.types = table("token_type_embeddings.weight")
            self.gamma = table("LayerNorm.weight")
            self.beta = table("LayerNorm.bias")
        self.eps = eps

    def __call__(self, input_ids: np.ndarray, token_type_ids: np.ndarray) -> np.ndarray:
        summed = (
            self.words[input_ids]
            + self.positions[: input_ids.shape[1]][None]
            + self.types[token_type_ids]
        )
        centred = summed - summed.mean(-1, keepdims=True)
        variance = (centred * centred).mean(-1, keepdims=True)
        return (centred / np.sqrt(variance + self.eps) * self.gamma + self.beta).astype(np.float32)


@functools.cache
def _package(model_path: Path) -> tuple[Embeddings, Any]:
    """The package's embedding tables and tokenizer, read once per process: the reader and
    the stance model share them (the word table alone is 47 MB), and both are read-only."""
    from reader.wordpieces import WordPieces

    return Embeddings(model_path), WordPieces(model_path / "tokenizer.json")


class Graph:
    """One exported encoder with its tokenizer and embeddings; `run` is thread-safe
    (onnxruntime's `run` is, and so is the tokenizer, reader/wordpieces.py). One thread per
    `run`: callers spread batches over one worker per core."""

    def __init__(
        self, session: Any, embeddings: Embeddings, tokenizer: Any, meta: dict[str, Any]
    ) -> None:
        self.session = session
        self.embeddings = embeddings
        self.tokenizer = tokenizer
        self.meta = meta

    @classmethod
    def load(cls, path: Path, key: str) -> Graph:
        """The graph at `path` (callers check it is there), its metadata the JSON under
        `key`."""
        import onnxruntime

        from ingest.embedding import resolve_model_path

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        meta = json.loads(session.get_modelmeta().custom_metadata_map.get(key, "{}"))
        embeddings, tokenizer = _package(resolve_model_path(meta.get("base_model", "minilm")))
        return cls(session, embeddings, tokenizer, meta)

    def encode(self, firsts: Sequence[str], passages: Sequence[str], window: int) -> dict[str, Any]:
        """(first segment, passage) pairs as one batch of numpy arrays, cut to `window`."""
        return tokenize(self.tokenizer, firsts, passages, window, tensors="np")

    def run(self, batch: dict[str, Any]) -> list[np.ndarray]:
        """The graph's outputs for one encoded batch."""
        hidden = self.embeddings(batch["input_ids"], batch["token_type_ids"])
        feeds = {"hidden": hidden, "attention_mask": batch["attention_mask"]}
        return list(self.session.run(None, feeds))

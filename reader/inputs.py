"""What the reader and the stance model read: the question with its two options spelled out
as the first segment, the passage as the second, cut to the model's window.

No torch here: the stance model runs on onnxruntime (reader/stance.py) and takes numpy
arrays (`tensors="np"`); the reader and training take torch tensors (`tensors="pt"`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

QUESTION_TOKENS = 64  # a long question is cut first, so the passage keeps its room


def pair_text(question: str, options: Sequence[str]) -> str:
    """The first segment: the question and, explicitly, the options it is read against."""
    return f"{question} (options: {options[0]} | {options[1]})"


def tokenize(
    tokenizer: Any,
    firsts: Sequence[str],
    passages: Sequence[str],
    max_tokens: int,
    tensors: str = "pt",
    first_tokens: int = QUESTION_TOKENS,
) -> dict[str, Any]:
    """Pairs, cut to the window: the first segment to `first_tokens`, the passage to the
    rest (a claim for the judge's cross-encoder, audit/crossenc.py, takes its own cap)."""
    cut = [
        tokenizer.convert_tokens_to_string(tokenizer.tokenize(q)[:first_tokens])
        if len(q) > 4 * first_tokens
        else q
        for q in firsts
    ]
    return dict(
        tokenizer(
            cut,
            list(passages),
            truncation="only_second",
            max_length=max_tokens,
            padding=True,
            return_tensors=tensors,
        )
    )

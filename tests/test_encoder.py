"""reader/encoder.py: the packaged MiniLM without `transformers`, checked against it."""

from __future__ import annotations

import pytest
import torch

from ingest.embedding import resolve_model_path
from reader.encoder import load

QUESTIONS = [
    "Should we abandon school uniforms? (options: yes | no)",
    "Is AI in engineering an advantage or an imbalance? (options: advantage | imbalance)",
    "Is it true that metformin lowers HbA1c?",
]
PASSAGES = [
    "Uniforms cost families money, and they stop pupils expressing who they are. " * 12,
    "Engineering teams shipped faster.",
    "Metformin reduced HbA1c by 1.2 percentage points in the trial (n=412).",
]


@pytest.fixture(scope="module")
def both() -> tuple:
    from transformers import AutoModel, AutoTokenizer

    path = resolve_model_path("minilm")
    ours = load(path)
    theirs = (
        AutoTokenizer.from_pretrained(str(path), local_files_only=True),
        AutoModel.from_pretrained(str(path), local_files_only=True).eval(),
    )
    return ours, theirs


def test_pairs_tokenise_as_the_hugging_face_tokenizer_does(both) -> None:
    (tokenizer, _), (reference, _) = both
    kwargs = dict(truncation="only_second", max_length=48, padding=True, return_tensors="pt")
    ours = tokenizer(QUESTIONS, PASSAGES, **kwargs)
    theirs = reference(QUESTIONS, PASSAGES, **kwargs)
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert torch.equal(ours[key], theirs[key]), key
    assert ours["input_ids"].shape[1] == 48  # the long passage was cut to the window
    plain = tokenizer(PASSAGES, add_special_tokens=False)["input_ids"]
    assert plain == reference(PASSAGES, add_special_tokens=False)["input_ids"]
    pieces = tokenizer.tokenize(QUESTIONS[1])
    assert pieces == reference.tokenize(QUESTIONS[1])
    assert tokenizer.convert_tokens_to_string(pieces[:5]) == reference.convert_tokens_to_string(
        pieces[:5]
    )


def test_the_encoder_computes_what_bert_computes(both) -> None:
    (tokenizer, encoder), (_, reference) = both
    batch = tokenizer(QUESTIONS, PASSAGES, truncation="only_second", max_length=96,
                      padding=True, return_tensors="pt")  # fmt: skip
    with torch.inference_mode():
        ours = encoder(**batch).last_hidden_state
        theirs = reference(**batch).last_hidden_state
    read = batch["attention_mask"].bool()  # padded positions are never pooled
    assert ours.shape == theirs.shape
    assert (ours - theirs)[read].abs().max().item() < 1e-4
    # and padding does not leak into what is read: the short pair alone gives the same
    alone = tokenizer(QUESTIONS[1:2], PASSAGES[1:2], return_tensors="pt")
    with torch.inference_mode():
        single = encoder(**alone).last_hidden_state[0]
    assert (single - ours[1, : single.shape[0]]).abs().max().item() < 1e-4


def test_training_mode_uses_dropout_and_eval_mode_does_not(both) -> None:
    (tokenizer, encoder), _ = both
    batch = tokenizer(QUESTIONS[:1], PASSAGES[:1], return_tensors="pt")
    encoder.train()
    try:
        first = encoder(**batch).last_hidden_state
        second = encoder(**batch).last_hidden_state
    finally:
        encoder.eval()
    assert not torch.allclose(first, second)
    with torch.inference_mode():
        assert torch.equal(encoder(**batch).last_hidden_state, encoder(**batch).last_hidden_state)


def test_the_tokenizer_takes_concurrent_calls_with_different_settings(both) -> None:
    # Each call sets truncation and padding on the one tokenizers.Tokenizer; the lock in
    # WordPieces keeps one caller's settings out of another's call (no caller locks).
    from concurrent.futures import ThreadPoolExecutor

    (tokenizer, _), _ = both
    long = PASSAGES[0] * 4

    def padded(_: int) -> list[int]:
        return tokenizer(QUESTIONS, PASSAGES, truncation="only_second", max_length=32,
                         padding=True)["input_ids"][1]  # fmt: skip

    def counted(_: int) -> int:
        return tokenizer.count(long, 50_000)

    alone = padded(0), counted(0)
    with ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(padded, i) for i in range(200)]
        counts = [pool.submit(counted, i) for i in range(200)]
        assert all(job.result() == alone[0] for job in jobs)
        assert all(job.result() == alone[1] for job in counts)
    assert alone[1] == len(tokenizer.tokenize(long)) > 100
    assert tokenizer.count(long, 40) == 40

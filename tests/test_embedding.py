"""The encoder: offline model, unit vectors in input order, batch-parallel path equal to the
plain one-text-at-a-time path."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from ingest.embedding import SMALL_BATCH, Embedder, EmbeddingModelError

TEXTS = [
    "AI-assisted teams cut pull-request cycle time by 31.8 percent.",
    "Nonfarm labour productivity grew 5.2% in the third quarter of 2025.",
    "Go-to-market teams saw little change in conversion after adopting assistants.",
    "The obesity epidemic raises the incidence of type 2 diabetes.",
    "short",
    "A much longer passage about product management, discovery interviews, roadmap "
    "prioritisation and the slow feedback loops between shipping and learning what users "
    "actually need, which no code assistant shortens on its own.",
] * 4  # 24 texts: more than SMALL_BATCH, several batches, varied lengths


@pytest.fixture(scope="module")
def exact() -> Embedder:
    """fp32, so batched and one-by-one vectors agree to float precision (int8 activation
    scales depend on what else is in the batch)."""
    return Embedder(quantize=False, batch_size=4)


def test_parallel_batches_match_one_text_at_a_time_in_input_order(exact: Embedder) -> None:
    assert len(TEXTS) > SMALL_BATCH
    batched = exact.embed(TEXTS)
    singles = np.vstack([exact.embed([text]) for text in TEXTS])
    assert batched.shape == (len(TEXTS), exact.dimension)
    np.testing.assert_allclose(batched, singles, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    # Different texts get different vectors: a row mix-up would break this, not the norms.
    assert float(batched[0] @ batched[3]) < 0.9


def test_int8_default_stays_close_to_fp32(embedder: Embedder, exact: Embedder) -> None:
    cosines = np.sum(embedder.embed(TEXTS) * exact.embed(TEXTS), axis=1)
    assert cosines.min() > 0.8


def test_concurrent_callers_share_one_embedder(embedder: Embedder) -> None:
    expected = embedder.embed(TEXTS[:3])
    results: list[np.ndarray] = []
    errors: list[BaseException] = []

    def query() -> None:
        try:
            for _ in range(5):
                results.append(embedder.embed(TEXTS[:3]))
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=query) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 20
    for vectors in results:
        np.testing.assert_allclose(vectors, expected, atol=1e-5)


def test_empty_input_and_unknown_model() -> None:
    assert Embedder().embed([]).shape == (0, 384)
    with pytest.raises(EmbeddingModelError, match="neither a built-in model"):
        Embedder("/nonexistent/model-folder")

"""The reader's files: reader/reader.onnx (what runs, reader/runtime.py) is the export of
reader/reader.safetensors (what training wrote), computes what the torch network does, and
reading relevance needs no torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from reader.export import sha256
from reader.inputs import pair_text, tokenize
from reader.model import WEIGHTS_FILE, export_onnx, forward, load_net
from reader.reader import MODEL_FILE, Reader

QUESTION = "Does vitamin D supplementation reduce fracture risk in older adults?"
OPTIONS = ["yes", "no"]
PASSAGES = [
    "In a trial of 2,686 adults over 65, vitamin D every four months cut fractures by 22%.",
    "The committee meets on the first Tuesday of each month in the town hall annex.",
]


def torch_reading(base: object, heads: torch.nn.Module, tokenizer: object) -> np.ndarray:
    """[relevance logit, p(yes), p(no), p(no side)] per passage, from the torch network."""
    batch = tokenize(tokenizer, [pair_text(QUESTION, OPTIONS)] * 2, PASSAGES, 256)
    with torch.inference_mode():
        relevance, stance = forward(base, heads, batch)  # type: ignore[arg-type]
    return np.column_stack([relevance.numpy(), torch.softmax(stance, -1).numpy()])


def onnx_reading(path: Path) -> np.ndarray:
    reader = Reader.load(path)
    graph = reader.network.graph
    relevance, stance = graph.run(graph.encode([pair_text(QUESTION, OPTIONS)] * 2, PASSAGES, 256))
    return np.column_stack([relevance, stance])


@pytest.fixture(scope="module")
def network() -> tuple:
    return load_net(WEIGHTS_FILE)


def test_the_export_computes_what_the_network_does(network: tuple, tmp_path: Path) -> None:
    base, heads, tokenizer, meta = network
    expected = torch_reading(base, heads, tokenizer)
    export_onnx(base, heads, tmp_path / "fp32.onnx", meta, quantize=False)
    assert onnx_reading(tmp_path / "fp32.onnx") == pytest.approx(expected, abs=1e-4)
    assert Reader.load(tmp_path / "fp32.onnx").threshold == pytest.approx(meta["threshold"])


def test_the_shipped_file_is_the_export_of_the_shipped_weights(network: tuple) -> None:
    base, heads, tokenizer, meta = network
    reader = Reader.load(MODEL_FILE)
    assert reader.meta["source_sha256"] == sha256(WEIGHTS_FILE) and reader.meta["int8"] is True
    assert MODEL_FILE.stat().st_size < 25 * 2**20
    assert reader.platt == pytest.approx(tuple(meta["platt"]))
    expected = torch_reading(base, heads, tokenizer)
    got = onnx_reading(MODEL_FILE)
    assert got[:, 0] == pytest.approx(expected[:, 0], abs=0.5)  # logits, int8 against fp32
    assert got[0, 0] > got[1, 0] and expected[0, 0] > expected[1, 0]  # on topic reads higher
    assert got[:, 1:] == pytest.approx(expected[:, 1:], abs=0.15)


def test_reading_imports_neither_torch_nor_transformers() -> None:
    """Relevance and stance, as the debate reads them: torch's import alone is 1.25 s of
    `agora stance`'s start-up on these cores, transformers' BERT module about 4 s."""
    code = (
        "import sys; from reader import Reader; r = Reader.load(); "
        "[reading] = r.read('Should we ban X?', ['X harms people.']); "
        "assert reading.relevance is not None and r.stance_source == 'stance model'; "
        "print([m for m in ('torch', 'transformers') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

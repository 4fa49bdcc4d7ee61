"""The stance model's files (reader/stance_net.py, reader/stance.py): what training saves
(the six layers and the head, fp16, over the packaged embeddings) loads back; the ONNX
export computes what the torch network does; the shipped ONNX file is the export of the
shipped weights; and the margin rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from reader.export import sha256
from reader.stance import STANCE_FILE, StanceModel, StanceModelMissing
from reader.stance_net import STANCE_WEIGHTS, StanceNet, encode, export_onnx, load_net, save

QUESTION = "Should our city ban cars from the historic centre?"
PASSAGES = [
    "Banning cars made the old town cleaner and safer.",
    "A car ban would cut off elderly residents who cannot walk far.",
    "The museum opens at nine on weekdays and at ten on Sundays, except in August.",
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, StanceNet]:
    from ingest.embedding import resolve_model_path
    from reader.model import load_base

    torch.manual_seed(3)
    _, base = load_base(resolve_model_path("minilm"))
    net = StanceNet(base)
    with torch.no_grad():  # move the layers off the package's weights, as training does
        for param in net.base.encoder.parameters():
            param.add_(torch.randn_like(param) * 0.02)
    net.eval()
    path = tmp_path_factory.mktemp("stance") / "stance.safetensors"
    save(path, net, {"base_model": "minilm", "margin": 0.2})
    return path, net


def torch_probabilities(net: StanceNet, tokenizer: object) -> np.ndarray:
    batch = encode(tokenizer, [QUESTION] * 3, [["yes", "no"]] * 3, PASSAGES)
    with torch.inference_mode():
        return torch.softmax(net(batch), -1).numpy()


def test_saved_layers_and_head_load_back(saved: tuple[Path, StanceNet]) -> None:
    path, net = saved
    loaded, tokenizer, meta = load_net(path)
    assert path.stat().st_size < 25 * 1024 * 1024  # embeddings are not in the file
    assert meta["margin"] == pytest.approx(0.2)
    expected = torch_probabilities(net, tokenizer)
    assert torch_probabilities(loaded, tokenizer) == pytest.approx(expected, abs=2e-3)  # fp16
    fresh = StanceNet(net.base).eval()  # a random head reads differently: the head was loaded
    assert not np.allclose(torch_probabilities(fresh, tokenizer), expected, atol=1e-2)


def test_the_onnx_export_computes_what_the_network_does(
    saved: tuple[Path, StanceNet], tmp_path: Path
) -> None:
    """fp32 export: the same numbers (the numpy embeddings and the graph together are the
    torch network); int8 export: close, and the metadata rides along."""
    path = saved[0]
    loaded, tokenizer, meta = load_net(path)
    expected = torch_probabilities(loaded, tokenizer)
    export_onnx(loaded, tmp_path / "fp32.onnx", meta, quantize=False, source=sha256(path))
    plain = StanceModel.load(tmp_path / "fp32.onnx")
    got = np.array(plain.probabilities(QUESTION, ["yes", "no"], PASSAGES))
    assert got == pytest.approx(expected, abs=1e-4)
    assert plain.margin == pytest.approx(0.2) and plain.meta["source_sha256"] == sha256(path)
    export_onnx(loaded, tmp_path / "int8.onnx", meta, source=sha256(path))
    int8 = StanceModel.load(tmp_path / "int8.onnx")
    assert (tmp_path / "int8.onnx").stat().st_size < 0.3 * (tmp_path / "fp32.onnx").stat().st_size
    assert np.array(int8.probabilities(QUESTION, ["yes", "no"], PASSAGES)) == pytest.approx(
        expected, abs=0.05
    )


def test_the_shipped_onnx_file_is_the_export_of_the_shipped_weights() -> None:
    """reader/stance.onnx is what runs; reader/stance.safetensors what training wrote. A new
    training run that forgot to export would leave them apart."""
    model = StanceModel.load(STANCE_FILE)
    assert model.meta["source_sha256"] == sha256(STANCE_WEIGHTS)
    assert model.meta["int8"] is True and STANCE_FILE.stat().st_size < 25 * 2**20
    net, tokenizer, meta = load_net(STANCE_WEIGHTS)
    assert model.margin == pytest.approx(meta["margin"])
    expected = torch_probabilities(net, tokenizer)
    got = np.array(model.probabilities(QUESTION, ["yes", "no"], PASSAGES))
    # int8 against fp32: on 192 SciFact pairs 0.015 apart on average, 0.11 at most
    assert got == pytest.approx(expected, abs=0.15)
    assert (got.argmax(1) == expected.argmax(1)).all()


def test_a_call_below_the_margin_takes_no_side(
    saved: tuple[Path, StanceNet], tmp_path: Path
) -> None:
    net, _, meta = load_net(saved[0])
    export_onnx(net, tmp_path / "stance.onnx", meta)
    model = StanceModel.load(tmp_path / "stance.onnx")
    assert model.leaning([0.55, 0.40, 0.05]) is None  # 0.15 apart: below 0.2
    assert model.leaning([0.70, 0.25, 0.05]) == 0
    assert model.leaning([0.10, 0.60, 0.30]) == 1
    assert model.leaning([0.30, 0.05, 0.65]) is None  # no side is likelier


def test_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(StanceModelMissing, match=r"export_models\.py"):
        StanceModel.load(tmp_path / "absent.onnx")
    with pytest.raises(StanceModelMissing, match=r"train_stance\.py"):
        load_net(tmp_path / "absent.safetensors")

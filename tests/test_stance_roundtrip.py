"""The stance model's file format (reader/stance.py): what training saves is what loads
(the six layers and the head, fp16, over the packaged embeddings), and the margin rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from reader.stance import StanceModel, StanceModelMissing, StanceNet, encode, save

QUESTION = "Should our city ban cars from the historic centre?"
PASSAGES = [
    "Banning cars made the old town cleaner and safer.",
    "A car ban would cut off elderly residents who cannot walk far.",
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


def test_saved_layers_and_head_load_back(saved: tuple[Path, StanceNet]) -> None:
    path, net = saved
    model = StanceModel.load(path)
    assert path.stat().st_size < 25 * 1024 * 1024  # embeddings are not in the file
    assert model.margin == pytest.approx(0.2)
    batch = encode(model.tokenizer, [QUESTION] * 2, [["yes", "no"]] * 2, PASSAGES)
    with torch.inference_mode():
        expected = torch.softmax(net(batch), -1).tolist()
    got = model.probabilities(QUESTION, ["yes", "no"], PASSAGES)
    for row, want in zip(got, expected, strict=True):
        assert row == pytest.approx(want, abs=2e-3)  # fp16 on disk
    fresh = StanceNet(net.base)  # a random head reads differently: the head was loaded
    with torch.inference_mode():
        assert not torch.allclose(fresh.eval()(batch), model.net(batch), atol=1e-3)


def test_a_call_below_the_margin_takes_no_side(saved: tuple[Path, StanceNet]) -> None:
    model = StanceModel.load(saved[0])
    assert model.leaning([0.55, 0.40, 0.05]) is None  # 0.15 apart: below 0.2
    assert model.leaning([0.70, 0.25, 0.05]) == 0
    assert model.leaning([0.10, 0.60, 0.30]) == 1
    assert model.leaning([0.30, 0.05, 0.65]) is None  # no side is likelier


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StanceModelMissing, match=r"train_stance\.py"):
        StanceModel.load(tmp_path / "absent.safetensors")

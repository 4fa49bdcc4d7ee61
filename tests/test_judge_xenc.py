"""The judge's cross-encoder: the passage window, the shipped file, and the cascade."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audit import crossenc
from audit.encoder import StaticEncoder
from audit.judge import JUDGE_NAME, XENC_NAME, Judge
from ingest.types import Verdict

PASSAGE = (
    "The trial enrolled 412 adults with type 2 diabetes across 14 clinics. "
    "Metformin reduced HbA1c by 1.2 percentage points over 24 weeks compared with placebo. "
    "Adverse events were mild and mostly gastrointestinal."
)
SUPPORTED = "Metformin lowered HbA1c by 1.2 percentage points over 24 weeks versus placebo."
UNRELATED = "The Eiffel Tower was completed in 1889 for the World's Fair in Paris."


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cross-encoder file as the training script writes it: the packaged MiniLM's top layer
    and a seeded four-way head (untrained: these tests check the mechanics, not the quality),
    with the metadata the judge reads."""
    import torch

    from ingest.embedding import resolve_model_path
    from reader.model import load_base

    torch.manual_seed(0)
    _, base = load_base(resolve_model_path(crossenc.BASE_MODEL))
    head = crossenc.make_head(base.config.hidden_size)
    meta = {
        "base_model": crossenc.BASE_MODEL,
        "trained_layers": 1,
        "labels": list(crossenc.LABELS),
        "band": [0.3, 0.7],
        "stack": {"coef": [1.0, 2.0, 0.0, -1.0, -1.0], "intercept": 0.0},
        "thresholds": {"supported": 0.5, "partially_supported": 0.3, "contradicted": 0.6,
                       "band_supported": 0.5, "band_partially_supported": 0.3},
    }  # fmt: skip
    path = tmp_path_factory.mktemp("xenc") / "judge_xenc.safetensors"
    crossenc.save(path, base, head, meta)
    return path


@pytest.fixture(scope="module")
def xenc(model_file: Path) -> crossenc.CrossEncoder:
    return crossenc.CrossEncoder.load(model_file)


def test_the_window_keeps_a_short_passage_and_picks_the_claims_sentence_from_a_long_one(
    xenc: crossenc.CrossEncoder,
) -> None:
    encoder = StaticEncoder()
    short = crossenc.window(SUPPORTED, PASSAGE, encoder, xenc.tokenizer)
    assert short == PASSAGE
    before = " ".join(f"Clinic {i} kept its records on paper until {1900 + i}." for i in range(60))
    after = " ".join(
        f"Clinic {i} kept its records on paper until {1900 + i}." for i in range(60, 120)
    )
    long_passage = f"{before} {PASSAGE.split('. ')[1]}. {after}"
    cut = crossenc.window(SUPPORTED, long_passage, encoder, xenc.tokenizer)
    assert "Metformin reduced HbA1c by 1.2 percentage points" in cut
    assert len(cut) < len(long_passage) / 4
    tokens = len(xenc.tokenizer(SUPPORTED, cut)["input_ids"])
    assert tokens <= crossenc.MAX_TOKENS
    # sentences keep their passage order
    chosen = [s for s in cut.split(". ") if s.startswith("Clinic")]
    numbers = [int(s.split()[1]) for s in chosen]
    assert numbers == sorted(numbers)


def test_the_file_holds_only_the_trained_part_and_loads_offline_in_a_fresh_process(
    model_file: Path,
) -> None:
    from safetensors import safe_open

    with safe_open(str(model_file), framework="pt") as handle:
        keys = list(handle.keys())
    assert keys and all(k.startswith(("layer.5.", "head.")) for k in keys)
    assert model_file.stat().st_size < 25 * 2**20
    meta = crossenc.read_meta(model_file)  # from the header, without torch
    assert meta["band"] == [0.3, 0.7] and meta["labels"] == list(crossenc.LABELS)
    code = (
        "import sys, pathlib; from audit.crossenc import CrossEncoder; "
        "x = CrossEncoder.load(pathlib.Path(sys.argv[1])); "
        "p = x.probabilities(['a claim'], ['a passage']); print(round(float(p.sum()), 3))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(model_file)],
        capture_output=True,
        text=True,
        env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": ":".join(sys.path)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "1.0"


def test_a_file_with_every_layer_trained_loads_them_all(tmp_path: Path) -> None:
    # What `train_judge_xenc.py` writes by default: all six layers, run in int8 when judging.
    import torch

    from ingest.embedding import resolve_model_path
    from reader.model import forward, load_base

    torch.manual_seed(1)
    _, base = load_base(resolve_model_path(crossenc.BASE_MODEL))
    for parameter in base.encoder.layer[
        0
    ].parameters():  # a trained layer differs from the package's
        parameter.data += 0.3 * torch.randn_like(parameter)
    head = crossenc.make_head(base.config.hidden_size)
    head[1].weight.data *= 10  # a decided head, so that what the layers read shows
    path = tmp_path / "six.safetensors"
    crossenc.save(path, base, head, {"trained_layers": 6, "labels": list(crossenc.LABELS)})
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        keys = list(handle.keys())
    layers = {int(k.split(".")[1]) for k in keys if k.startswith("layer.")}
    assert layers == set(range(6))
    six = crossenc.CrossEncoder.load(path)
    assert six.trained == 6
    probs = six.probabilities([SUPPORTED], [PASSAGE])
    # The saved layer 0 was loaded, not the packaged one: the reading is that of the model
    # saved (as stored, fp16, then run in int8 as the judge runs it). Compared in int8 on
    # both sides: fp32 against int8 differs by up to 0.14 with this perturbed layer.
    head.eval()
    with torch.no_grad():
        for parameter in base.encoder.parameters():  # the layers; embeddings stay packaged
            parameter.copy_(parameter.half().float())
    crossenc.quantize_lower(base, 0)
    with torch.inference_mode():
        batch = crossenc.tokenize(six.tokenizer, [SUPPORTED], [PASSAGE])
        expected = torch.softmax(forward(base, head.half().float(), batch), -1).numpy()
    assert np.allclose(probs, expected, atol=1e-4)
    assert np.isclose(probs.sum(), 1.0, atol=1e-5)
    _, packaged = load_base(resolve_model_path(crossenc.BASE_MODEL))
    with torch.inference_mode():
        untouched = torch.softmax(forward(packaged, head, batch), -1)
    assert np.abs(untouched.numpy() - expected).max() > 0.2


def test_a_missing_file_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="train_judge_xenc"):
        crossenc.CrossEncoder.load(tmp_path / "absent.safetensors")
    with pytest.raises(FileNotFoundError):
        Judge(cross_encoder=True, xenc_path=tmp_path / "absent.safetensors")
    assert Judge(xenc_path=tmp_path / "absent.safetensors").name == JUDGE_NAME


def test_probabilities_do_not_depend_on_the_batch(xenc: crossenc.CrossEncoder) -> None:
    negated = "Metformin did not lower HbA1c over 24 weeks compared with placebo."
    probs = xenc.probabilities([SUPPORTED, negated, UNRELATED], [PASSAGE, PASSAGE, "Short."])
    assert probs.shape == (3, 4) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    alone = xenc.probabilities([negated], [PASSAGE])
    # int8 activations are scaled per batch (dynamic quantisation): close, not equal
    assert np.allclose(alone[0], probs[1], atol=0.02)
    assert not np.allclose(probs[0], probs[2], atol=1e-3)  # the pair is read


def test_the_cascade_consults_the_cross_encoder_only_when_unsure(model_file: Path) -> None:
    features_only = Judge(cross_encoder=False)
    assert features_only.name == JUDGE_NAME and features_only.xenc_path is None
    judge = Judge(xenc_path=model_file)
    assert judge.name == XENC_NAME
    unrelated = [(UNRELATED, PASSAGE)]
    assert features_only.judge_many(unrelated)[0].score < 0.3  # below the band
    assert judge.judge_many(unrelated)[0].score == features_only.judge_many(unrelated)[0].score
    assert judge._xenc is None  # nothing unsure: torch and the model never loaded
    # every pair that is not a quote, with cascade=False: the combined score
    every = Judge(xenc_path=model_file, cascade=False)
    pairs = [(SUPPORTED, PASSAGE), (UNRELATED, PASSAGE)]
    feature = np.array([j.score for j in features_only.judge_many(pairs)])
    probs = every.xenc.probabilities([c for c, _ in pairs], [p for _, p in pairs])
    expected = crossenc.combine(every.xenc_meta, feature, probs)
    results = every.judge_many(pairs)
    assert np.allclose([r.score for r in results], expected, atol=1e-6)
    for result, score in zip(results, expected, strict=True):
        if result.verdict != Verdict.CONTRADICTED:
            wanted = (
                Verdict.SUPPORTED if score >= 0.5
                else Verdict.PARTIALLY_SUPPORTED if score >= 0.3
                else Verdict.NOT_SUPPORTED
            )  # fmt: skip
            assert result.verdict == wanted
        else:
            assert probs[results.index(result), 3] >= 0.6


def test_a_verbatim_quote_stays_supported_without_the_model(model_file: Path) -> None:
    judge = Judge(xenc_path=model_file, cascade=False)
    result = judge.judge(PASSAGE.split(". ")[1] + ".", PASSAGE)
    assert result.verdict == Verdict.SUPPORTED and result.quote is not None
    assert judge._xenc is None  # a quote never reaches the cross-encoder

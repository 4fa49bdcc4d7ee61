"""The default citation judge: sentences with offsets, features, and the trained model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from audit.features import FEATURE_NAMES, FEATURES, numbers, split_sentences
from audit.judge import MODEL_JSON, Judge, Judgement, JudgeModel

PASSAGE = (
    "The trial enrolled 412 adults with type 2 diabetes across 14 clinics. "
    "Metformin reduced HbA1c by 1.2 percentage points over 24 weeks compared with placebo. "
    "Adverse events were mild and mostly gastrointestinal.\n"
    "Funding came from a public research council (Dr. A. Smith, e.g. grant 7)."
)
SUPPORTED = "Metformin lowered HbA1c by 1.2 percentage points over 24 weeks versus placebo."
NUMBER_CHANGED = "Metformin lowered HbA1c by 4.8 percentage points over 24 weeks versus placebo."
NEGATED = "Metformin did not lower HbA1c over 24 weeks compared with placebo."
UNRELATED_PASSAGE = (
    "The Eiffel Tower was completed in 1889 for the World's Fair in Paris. "
    "It is 330 metres tall and was the tallest man-made structure for 41 years."
)


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge()


def test_sentences_carry_offsets_into_the_passage() -> None:
    sentences = split_sentences(PASSAGE)
    assert [s.text[:12] for s in sentences] == [
        "The trial en",
        "Metformin re",
        "Adverse even",
        "Funding came",
    ]
    for sentence in sentences:
        assert PASSAGE[sentence.start : sentence.end] == sentence.text


def test_numbers_are_read_from_digits_and_words() -> None:
    assert numbers("412 adults, 1.2 points, 1,500 mg and twelve weeks") == {
        412.0,
        1.2,
        1500.0,
        12.0,
    }


def test_every_feature_explains_itself() -> None:
    assert len(FEATURE_NAMES) == len(set(FEATURE_NAMES))
    assert all(why.strip() for why in FEATURES.values())


def test_supported_paraphrase_beats_changed_number_negation_and_unrelated(judge: Judge) -> None:
    supported, number, negation, unrelated = judge.judge_many(
        [
            (SUPPORTED, PASSAGE),
            (NUMBER_CHANGED, PASSAGE),
            (NEGATED, PASSAGE),
            (SUPPORTED, UNRELATED_PASSAGE),
        ]
    )
    assert supported.score > number.score
    assert supported.score > negation.score
    assert supported.score > unrelated.score
    assert supported.verdict != "unsupported"
    assert unrelated.verdict == "unsupported"
    assert supported.best_sentence.startswith("Metformin reduced HbA1c")


def test_best_sentence_offsets_index_the_passage(judge: Judge) -> None:
    for claim in (SUPPORTED, NEGATED, "The trial ran in 14 clinics."):
        result = judge.judge(claim, PASSAGE)
        assert PASSAGE[result.best_start : result.best_end] == result.best_sentence
        assert result.best_sentence


def test_empty_passage_is_unsupported_without_a_sentence(judge: Judge) -> None:
    result = judge.judge(SUPPORTED, "")
    assert result.verdict == "unsupported"
    assert (result.best_sentence, result.best_start, result.best_end) == ("", 0, 0)


def test_judgement_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError):
        Judgement.model_validate(
            {
                "verdict": "supported",
                "score": 0.9,
                "best_sentence": "x",
                "best_start": 0,
                "best_end": 1,
                "extra": True,
            }
        )


def test_model_json_loads_and_scores_deterministically(judge: Judge) -> None:
    spec = json.loads(MODEL_JSON.read_text())
    assert spec["features"] == list(FEATURE_NAMES)
    assert (
        0.0 <= spec["thresholds"]["partially_supported"] <= spec["thresholds"]["supported"] <= 1.0
    )
    pairs = [(SUPPORTED, PASSAGE), (NEGATED, PASSAGE)]
    first = [j.score for j in judge.judge_many(pairs)]
    judge.clear_caches()
    again = [j.score for j in Judge().judge_many(pairs)]
    assert first == again
    features, _ = judge.extractor.features(pairs)
    scores = JudgeModel.load().score(features)
    assert np.allclose(scores, first, atol=1e-6)

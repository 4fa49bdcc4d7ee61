"""The default citation judge: sentences with offsets, features, and the trained model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from audit.features import FEATURE_NAMES, FEATURES, numbers
from audit.judge import MODEL_JSON, Judge, JudgeModel
from ingest.text import split_passage
from ingest.types import Judgement, QuoteMatch, Verdict

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
    sentences = split_passage(PASSAGE)
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
    assert supported.verdict in (Verdict.SUPPORTED, Verdict.PARTIALLY_SUPPORTED)
    assert unrelated.verdict == Verdict.NOT_SUPPORTED
    assert supported.best_sentence.startswith("Metformin reduced HbA1c")


def test_best_sentence_offsets_index_the_passage(judge: Judge) -> None:
    for claim in (SUPPORTED, NEGATED, "The trial ran in 14 clinics."):
        result = judge.judge(claim, PASSAGE)
        assert PASSAGE[result.best_start : result.best_end] == result.best_sentence
        assert result.best_sentence


def test_empty_passage_is_unsupported_without_a_sentence(judge: Judge) -> None:
    result = judge.judge(SUPPORTED, "")
    assert result.verdict == Verdict.NOT_SUPPORTED
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
    features_only = Judge(cross_encoder=False)  # the cross-encoder: tests/test_judge_xenc.py
    first = [j.score for j in features_only.judge_many(pairs)]
    features_only.clear_caches()
    again = [j.score for j in Judge(cross_encoder=False).judge_many(pairs)]
    assert first == again
    features, _ = judge.extractor.features(pairs)
    scores = JudgeModel.load().score(features)
    assert np.allclose(scores, first, atol=1e-6)


# The passage as a PDF page holds it: the supported sentence broken across lines, a word
# hyphenated at the line end, a ligature and curly quotes.
PDF_PASSAGE = (
    "The trial enrolled 412 adults with \u201ctype 2\u201d diabetes across 14 clinics. Met-\n"
    "formin reduced HbA1c by 1.2 percentage points over 24 weeks compared\n"
    "with placebo. Adverse events were mild and the \ufb01ndings were consistent."
)
QUOTE = "Metformin reduced HbA1c by 1.2 percentage points over 24 weeks compared with placebo."


def test_a_verbatim_quote_of_a_laid_out_passage_is_supported_with_its_span(judge: Judge) -> None:
    result = judge.judge(QUOTE, PDF_PASSAGE)
    assert result.verdict == Verdict.SUPPORTED and result.quote == QuoteMatch.VERBATIM
    assert result.quote_start is not None and result.quote_end is not None
    located = PDF_PASSAGE[result.quote_start : result.quote_end]
    assert located.startswith("Met-\nformin") and located.endswith("with placebo")
    assert PDF_PASSAGE[result.best_start : result.best_end] == result.best_sentence
    assert result.best_start <= result.quote_start < result.quote_end <= result.best_end
    # without the quote check the models alone decide, and no span is claimed
    alone = Judge(quotes=False).judge(QUOTE, PDF_PASSAGE)
    assert alone.quote is None and alone.quote_start is None


def test_near_verbatim_quote_is_supported_and_marked(judge: Judge) -> None:
    near = QUOTE.replace("compared with", "versus")
    result = judge.judge(near, PDF_PASSAGE)
    assert (result.verdict, result.quote) == (Verdict.SUPPORTED, QuoteMatch.NEAR_VERBATIM)


def test_a_changed_quote_is_not_taken_for_a_quote(judge: Judge) -> None:
    number = judge.judge(QUOTE.replace("1.2", "3.4"), PDF_PASSAGE)
    negated = judge.judge(QUOTE.replace("reduced", "did not reduce"), PDF_PASSAGE)
    assert number.quote is None and negated.quote is None
    assert number.verdict != Verdict.SUPPORTED  # the passage states another number
    assert negated.verdict == Verdict.CONTRADICTED


def test_contradiction_head_separates_opposite_from_unrelated(judge: Judge) -> None:
    passage = "Kellogg's products are marketed in over 180 countries around the world."
    opposite = judge.judge("Kellogg's products are marketed in only one country.", passage)
    unrelated = judge.judge("The Eiffel Tower was completed in 1889.", passage)
    assert unrelated.verdict == Verdict.NOT_SUPPORTED
    features, _ = judge.extractor.features(
        [
            ("Kellogg's products are marketed in only one country.", passage),
            ("The Eiffel Tower was completed in 1889.", passage),
        ]
    )
    against = judge.model.contradiction_score(features)
    assert against[0] > against[1]
    assert opposite.verdict != Verdict.SUPPORTED


def test_verdicts_written_before_four_verdicts_still_read() -> None:
    assert Verdict("unsupported") == Verdict.NOT_SUPPORTED
    with pytest.raises(ValueError):
        Verdict("maybe")


def test_the_model_ships_in_the_repository(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A fresh clone judges with what git holds: the model file is tracked (not ignored, not
    a large-file pointer), under 25 MB, and a copy of it anywhere loads and judges."""
    import shutil
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", MODEL_JSON.name],
        cwd=MODEL_JSON.parent,
        capture_output=True,
    )
    assert tracked.returncode == 0, "audit/judge_model.json is not committed"
    assert MODEL_JSON.stat().st_size < 25 * 2**20
    assert MODEL_JSON.read_text().startswith("{")
    copy = tmp_path / "judge_model.json"
    shutil.copy(MODEL_JSON, copy)
    result = Judge(model_path=copy).judge(QUOTE.replace("compared with", "against"), PASSAGE)
    assert result.verdict in (Verdict.SUPPORTED, Verdict.PARTIALLY_SUPPORTED)

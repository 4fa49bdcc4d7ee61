"""Sentence roles (`reader.roles`): each role on hand-written sentences, forecasts dated
against the run date, and the held-out labelled set against the regexes roles replaced."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest

from reader.roles import SentenceRole, sentence_role, sentence_roles
from reader.timex import time_refs

RUN = date(2026, 11, 30)
ROOT = Path(__file__).resolve().parent.parent
TEST_SET = ROOT / "tests" / "data" / "sentence_roles.jsonl"


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        ("The city should replace its diesel buses with electric ones.", "recommendation"),
        ("We recommend a phased roll-out starting with two depots.", "recommendation"),
        ("Measure the net gain before rebalancing anything.", "recommendation"),
        ("Before rebalancing anything, measure the net.", "recommendation"),
        ("cannabis should not be legalized until long-term studies exist", "recommendation"),
        ("Battery prices will keep falling as production scales.", "forecast"),
        ("Demand is expected to double over the next five years.", "forecast"),
        ("However, the sample was small and the result may not generalise.", "caveat"),
        ("The study cannot separate the effect of the tool from other trends.", "caveat"),
        ("Resolution rates rose by 14% on average.", "statistic"),
        ("Diabetes predicted mortality (RR 1.57; 95% CI 1.38 to 1.81; P < 0.001).", "statistic"),
        ("Gains were concentrated among less experienced workers.", "finding"),
        ("The trial enrolled 412 patients across 12 sites.", "background"),
        (
            "In 1987 Solow observed that computers were everywhere but in the data.",
            "background",
        ),
        ("This review will evaluate the evidence on vitamin D and obesity.", "background"),
    ],
)
def test_each_role_on_hand_written_sentences(sentence: str, role: str) -> None:
    assert sentence_role(sentence, RUN).role == SentenceRole(role)


def test_a_necessity_stated_as_a_regularity_is_not_advice() -> None:
    # The example: quoted as a "proposal" by the old regex, it advises no one.
    text = (
        "When a general purpose technology arrives, firms must make large investments in "
        "complementary intangible assets: new processes, training, data and designs."
    )
    assert sentence_role(text, RUN).role == SentenceRole.FINDING


def test_a_discourse_marker_is_not_an_instruction() -> None:
    # From the demo report, where it was quoted as "A source recommends": the verb opens a
    # way of reading, not advice; advice after such a marker still counts.
    text = (
        "Read that way, an engineering team that gets faster while the rest of the "
        "organisation stays the same is not holding an advantage."
    )
    assert sentence_role(text, RUN).role == SentenceRole.FINDING
    advice = "Put simply, measure the net before you rebalance."
    assert sentence_role(advice, RUN).role == SentenceRole.RECOMMENDATION
    assert sentence_role("Read the contract before signing.", RUN).role == (
        SentenceRole.RECOMMENDATION
    )


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        # From the demo report ("A source recommends: Support tickets rose 18% ..."): a
        # verb that is a noun here, the sentence's own verb coming third.
        ("Support tickets rose 18%, about half of them about new features.", "statistic"),
        ("Test results were mixed across the three sites.", "finding"),
        ("Use cases varied widely between teams.", "finding"),
        ("Review the results before the board meeting.", "recommendation"),
        ("Track which tickets rose after each release.", "recommendation"),
        ("Train staff based on their roles.", "recommendation"),
    ],
)
def test_a_noun_that_looks_like_a_verb_is_not_an_instruction(sentence: str, role: str) -> None:
    assert sentence_role(sentence, RUN).role == SentenceRole(role)


def test_reported_advice_in_a_past_dated_sentence_is_not_a_recommendation() -> None:
    text = (
        "By 2025, press reports quoted the company's chief executive acknowledging that a "
        "focus on cost had hurt service quality and saying customers should always be able "
        "to reach a human."
    )
    assert sentence_role(text, RUN).role != SentenceRole.RECOMMENDATION


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("Electric buses will make up half of the fleet by 2030.", "2030"),
        ("The new depot is expected to open in June 2027.", "2027-06"),
        ("The plant opens in mid-2028.", "2028-06"),
        ("Prices are expected to fall over the next five years.", "2031"),
        ("Within 18 months the gap is likely to close.", "2028-05"),
        ("Demand will rise next year.", "2027"),
        ("In 2026 the gap will close further.", "2026"),  # December is still ahead
    ],
)
def test_a_forecast_gets_the_time_it_refers_to(sentence: str, label: str) -> None:
    found = sentence_role(sentence, RUN)
    assert found.role == SentenceRole.FORECAST
    assert found.when is not None and found.when.label == label
    assert found.when_date is not None and found.when_date >= RUN


@pytest.mark.parametrize(
    "sentence",
    [
        "By 2025, the share of AI-written code will have doubled.",
        "Gartner predicted in July 2024 that many projects would be abandoned by 2025.",
        "The heating will be fixed in Q3 2026.",
    ],
)
def test_a_time_already_past_is_not_a_forecast(sentence: str) -> None:
    assert sentence_role(sentence, RUN).role != SentenceRole.FORECAST
    # ... while the same words read earlier are a forecast
    assert sentence_role(sentence, date(2020, 1, 1)).role == SentenceRole.FORECAST


def test_relative_times_count_from_the_document_date_when_known() -> None:
    text = "Sales will double within two years."
    assert sentence_role(text, RUN).when.label == "2028"  # type: ignore[union-attr]
    written = sentence_role(text, RUN, written=date(2022, 3, 1))
    assert written.role != SentenceRole.FORECAST  # ended in March 2024: history now
    [old] = time_refs(text, RUN, written=date(2022, 3, 1))
    assert old.end == date(2024, 3, 1)


def test_a_forecast_reported_in_a_past_year_counts_from_that_year() -> None:
    text = "Economists projected in 2023 that output would rise by 7% over a decade."
    found = sentence_role(text, RUN)
    assert found.role == SentenceRole.FORECAST
    assert found.when is not None and found.when.label == "2033"
    # ... even when the document that reports it is dated later
    later = sentence_role(text, RUN, written=date(2025, 4, 14))
    assert later.when is not None and later.when.label == "2033"


def test_the_batch_form_matches_one_by_one() -> None:
    sentences = ["Measure the net.", "Costs will fall by 2031.", "Uptake rose 34%."]
    assert sentence_roles(sentences, RUN) == [sentence_role(s, RUN) for s in sentences]


def test_roles_beat_the_regex_baseline_on_the_held_out_test_set() -> None:
    if not TEST_SET.exists():
        pytest.skip(f"held-out labels {TEST_SET.relative_to(ROOT)} not in this checkout yet")
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_roles

    rows = [json.loads(line) for line in TEST_SET.read_text(encoding="utf-8").splitlines() if line]
    ours = bench_roles.score(rows, bench_roles.classifier)
    base = bench_roles.score(rows, bench_roles.baseline)
    assert ours["macro_f1"] > base["macro_f1"], (ours["macro_f1"], base["macro_f1"])

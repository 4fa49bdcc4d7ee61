"""No prediction is dated before the run date: a source's "by 2025" read in 2026 is history."""

from __future__ import annotations

from datetime import UTC, datetime

from test_report_props import make_debate

from report.build import build_report
from report.outlook import forecasts
from report.reading import Reading, horizon, looks_back

PAST = "By 2025, analysts said, adoption across the sector will have doubled from its base."
FUTURE = "By 2029, analysts expect adoption across the sector will have doubled from its base."


def test_horizon_and_looks_back_read_the_year_against_the_run_date() -> None:
    assert horizon(PAST, 2026) is None
    assert looks_back(PAST, 2026)
    assert horizon(FUTURE, 2026) == ("By 2029", 36)
    assert not looks_back(FUTURE, 2026)
    assert horizon("Within two years the gap will close.", 2026) == ("Within two years", 24)
    assert not looks_back("In 2026 the gap will close further.", 2026)


def test_a_past_dated_forecast_never_becomes_a_prediction() -> None:
    debate = make_debate(3, 2, [[[([0], False)], [([1], False)], [([2], False)]]], [1, -1, 0], [60])
    debate.created_at = datetime(2026, 11, 30, tzinfo=UTC)
    cited = debate.ledger.cited
    assert len(cited) >= 2
    texts = {cited[0]: PAST, cited[1]: FUTURE}
    for brief in debate.briefs.values():
        for item in brief.evidence:
            if item.key in texts:
                item.text = texts[item.key]
    sentences = [sentence for _, sentence, _ in forecasts(Reading(debate))]
    assert FUTURE in sentences
    assert PAST not in sentences
    report = build_report(debate)
    quoted = [str(p.statement.text) for p in report.predictions]
    assert any("2029" in text for text in quoted)
    assert not any("2025" in text for text in quoted)
    assert all(p.horizon_months > 0 for p in report.predictions)

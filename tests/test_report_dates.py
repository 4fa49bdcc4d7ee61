"""No prediction is dated before the run date: a source's "by 2025" read in 2026 is history."""

from __future__ import annotations

from datetime import UTC, datetime

from test_report_props import make_debate

from report.build import build_report
from report.outlook import forecasts
from report.reading import Reading
from report.types import Phrase

PAST = "By 2025, analysts said, adoption across the sector will have doubled from its base."
FUTURE = "By 2029, analysts expect adoption across the sector will have doubled from its base."


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
    [dated] = [p for p in report.predictions if "2029" in str(p.statement.text)]
    assert dated.horizon_months == 37  # 2026-11-30 to the end of 2029
    assert isinstance(dated.time_frame, Phrase) and dated.time_frame.args["when"] == "2029"
    # Nor does a past-dated forecast become a step on a future path.
    for path in report.future_paths:
        assert not any(PAST in str(m.event.text) for m in path.milestones)

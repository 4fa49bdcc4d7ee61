"""The report quotes each sentence for what it is (`reader.roles`): predictions only from
forecasts about the future, proposals only from recommendations, cautions among the risks,
and future paths from the forecasts and recommendations on each side, in time order."""

from __future__ import annotations

from datetime import UTC, datetime

from test_report_props import check_report, make_debate

from debate.types import Debate, Move
from reader.roles import SentenceRole, sentence_role
from report.build import build_report
from report.outlook import proposals
from report.reading import Reading
from report.types import Phrase

RUN = datetime(2026, 11, 30, tzinfo=UTC)
FINDING = (
    "When a general purpose technology arrives, firms must make large investments in "
    "complementary intangible assets such as new processes and training."
)
ADVICE = "Measure the net gain end to end before rebalancing any team."
PAST = "By 2025, analysts said, adoption across the sector will have doubled from its base."
DATED = "Electric buses will make up half of the city fleet by 2029, the operator expects."
UNDATED = "Maintenance costs are expected to fall as depots learn to service the new fleet."
CAUTION = "However, the pilot was small and its results may not generalise to other cities."
PASSAGES = [
    f"{FINDING} {PAST}",
    f"{DATED} {ADVICE}",
    f"{UNDATED} {CAUTION}",
    "Depot operators should train mechanics on high-voltage systems before the buses arrive.",
]


def roles_debate() -> Debate:
    """Three advisors, one round; every passage leans to the first option. The first
    advisor's PROPOSE turn quotes a finding, the second's quotes advice."""
    debate = make_debate(2, 2, [[[([0], False)], [([0], False)], [([1], False)]]], [1], [70])
    debate.created_at = RUN
    keys = sorted({item.key for brief in debate.briefs.values() for item in brief.evidence})
    texts = dict(zip(keys, PASSAGES, strict=False))
    for brief in debate.briefs.values():
        for item in brief.evidence:
            item.text = texts.get(item.key, item.text)
    for turn, quote in zip(debate.rounds[0].turns, (FINDING, ADVICE, UNDATED), strict=True):
        turn.move = Move.PROPOSE
        turn.claims[0].text = quote
        turn.claims[0].citations = [next(k for k, t in texts.items() if quote in t)]
    debate.ledger.cited = list(keys)
    return debate


def test_only_recommendations_become_proposals() -> None:
    debate = roles_debate()
    chosen = [item.claim.text for item in proposals(Reading(debate))]
    assert chosen == [ADVICE]  # the finding said in a PROPOSE turn is not a proposal
    report = build_report(debate)
    quoted = [
        step.action.text.args["quote"]
        for step in report.action_plan
        if isinstance(step.action.text, Phrase) and step.action.text.key == "act_proposal"
    ]
    assert quoted == [ADVICE]
    check_report(report)


def test_predictions_quote_only_forecasts_about_the_future() -> None:
    report = build_report(roles_debate())
    quotes = [
        p.statement.text.args["quote"]
        for p in report.predictions
        if isinstance(p.statement.text, Phrase) and p.statement.text.key == "pred_quote"
    ]
    assert quotes and set(quotes) <= {DATED, UNDATED}
    for quote in quotes:
        assert sentence_role(quote, RUN.date()).role == SentenceRole.FORECAST
    dated = next(p for p in report.predictions if DATED in str(p.statement.text))
    assert dated.horizon_months == 37  # 2026-11-30 to the end of 2029


def test_future_paths_follow_forecasts_and_recommendations_in_time_order() -> None:
    report = build_report(roles_debate())
    [path] = report.future_paths  # every passage leans one way: one side has a path
    months = [m.month for m in path.milestones]
    assert months == sorted(months)
    advice = " ".join(str(m.event.text) for m in path.milestones if m.basis == "recommendation")
    assert ADVICE in advice
    dated = next(m for m in path.milestones if m.basis == "forecast_dated")
    assert DATED in str(dated.event.text) and dated.month == 37
    everything = " ".join(str(m.event.text) for m in path.milestones)
    assert FINDING not in everything and PAST not in everything and CAUTION not in everything
    for milestone in path.milestones:
        assert milestone.event.citations  # each quotes a cited passage


def test_risks_quote_the_cautions_of_cited_passages() -> None:
    debate = roles_debate()
    report = build_report(debate)
    cautions = [
        r for r in report.risks if isinstance(r.text, Phrase) and r.text.key == "risk_caveat"
    ]
    assert [r.text.args["quote"] for r in cautions if isinstance(r.text, Phrase)] == [CAUTION]
    [key] = cautions[0].citations
    assert CAUTION in Reading(debate).passages[key].text

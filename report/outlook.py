"""The report's forward-looking sections built without a generative model: predictions,
the action plan and the future paths.

As in `report.extractive`, every sentence is a catalog template whose arguments are counts,
names, dates and verbatim quotes, or a quotation of a passage the debate cited: forecasts
are quoted, not made, and each probability is a panel vote or the evidence balance (and
says which).

What may be quoted where follows each sentence's role (`reader.roles`, read on the run
date): predictions quote only forecasts about the future (dated after the run date, or
undated), the action plan takes up only recommendations, and each future path strings
together the forecasts and recommendations of the passages on its side, in time order.
"""

from __future__ import annotations

from datetime import date, timedelta

from debate.stance import evidence_probability
from debate.types import Move
from reader.roles import Role, SentenceRole
from report.reading import CitedClaim, Reading
from report.sufficiency import coverage
from report.types import (
    ActionStep,
    FuturePath,
    Milestone,
    Phrase,
    Prediction,
    Statement,
    Text,
    Timing,
)

DEFAULT_HORIZON = 12  # months, for forecasts whose source gives no time frame
MAX_QUOTED_FORECASTS = 3
# Months for path steps that name no time: acting on a recommendation comes first, an
# undated forecast at the report's horizon. They order the steps; they forecast nothing.
ACT_MONTHS = (3, 6, 9)
UNDATED_MONTHS = (12, 18, 24)
MAX_MILESTONES = 6


# -----------------------------------------------------------------------------------
# 2. Predictions


def _balance(reading: Reading, lean: str | None) -> tuple[float, Text]:
    if lean is None or not reading.sided:
        return 0.5, Phrase(key="basis_evidence_neutral")
    same = reading.cited_counts[lean]
    probability = evidence_probability(same, reading.sided)
    basis = Phrase(
        key="basis_evidence_balance", args={"same": same, "sided": reading.sided, "option": lean}
    )
    return probability, basis


def forecasts(reading: Reading) -> list[tuple[str, str, Role]]:
    """(chunk id, sentence, role) for the forecasts of cited passages, about the future
    only; those with a stated time and a leaning first, one per passage."""
    found = []
    for order, chunk_id in enumerate(reading.debate.ledger.cited):
        for sentence, role in reading.with_role(chunk_id, SentenceRole.FORECAST)[:1]:
            if len(sentence) < 40:
                continue
            rank = (role.when is None, reading.leaning([chunk_id]) is None, order)
            found.append((rank, chunk_id, sentence, role))
    found.sort(key=lambda item: item[0])
    return [(chunk_id, sentence, role) for _, chunk_id, sentence, role in found]


def months_ahead(reading: Reading, role: Role) -> int | None:
    """Months from the run date to the time a forecast refers to (None: it names none)."""
    return max(1, role.when.months_after(reading.run_date)) if role.when else None


def predictions(reading: Reading) -> list[Prediction]:
    if not coverage(reading.debate).sufficient:
        return []  # no evidence, no probabilities
    debate = reading.debate
    made: list[Prediction] = []
    votes = debate.confidences
    months = DEFAULT_HORIZON
    if votes:
        mean = sum(c.percent for c in votes) / len(votes) / 100
        backers = [c.advisor for c in votes if c.percent >= 50]
        if reading.vote_option is not None:
            text: Text = Phrase(
                key="pred_verdict_holds", args={"months": months, "option": reading.vote_option}
            )
        else:
            text = Phrase(key="pred_panel_holds", args={"months": months})
        made.append(
            Prediction(
                statement=Statement(text=text, advisors=backers),
                time_frame=Phrase(key="horizon_months", args={"months": months}),
                horizon_months=months,
                probability=round(mean, 4),
                method="panel vote",
                basis=Phrase(key="basis_panel_vote", args={"count": len(votes)}),
            )
        )
    for chunk_id, sentence, role in forecasts(reading)[:MAX_QUOTED_FORECASTS]:
        probability, basis = _balance(reading, reading.leaning([chunk_id]))
        stated = months_ahead(reading, role)
        if role.when is not None and stated is not None:
            span = stated
            frame: Text = Phrase(
                key="horizon_resolved",
                args={"words": role.when.words, "when": role.when.label, "months": span},
            )
        else:
            span = DEFAULT_HORIZON
            frame = Phrase(key="horizon_default", args={"months": span})
        made.append(
            Prediction(
                statement=Statement(
                    text=Phrase(key="pred_quote", args={"quote": sentence}),
                    citations=[chunk_id],
                ),
                time_frame=frame,
                horizon_months=span,
                probability=round(probability, 4),
                method="evidence balance",
                basis=basis,
            )
        )
    if len(made) < 3 and reading.other is not None:
        # Too few quoted forecasts: the complement of the verdict is still a falsifiable
        # forecast, with the evidence balance for the other side.
        probability, basis = _balance(reading, reading.other)
        made.append(
            Prediction(
                statement=Statement(
                    text=Phrase(
                        key="pred_verdict_flips", args={"months": months, "option": reading.other}
                    )
                ),
                time_frame=Phrase(key="horizon_months", args={"months": months}),
                horizon_months=months,
                probability=round(probability, 4),
                method="evidence balance",
                basis=basis,
            )
        )
    return made[:5]


# -----------------------------------------------------------------------------------
# 3. Action plan


def _week_end(day: date) -> date:
    return day + timedelta(days=6 - day.weekday())


def proposals(reading: Reading) -> list[CitedClaim]:
    """Cited claims that are recommendations (`reader.roles`), PROPOSE turns first (the last
    round's), one per advisor. A finding said in a PROPOSE turn is not a proposal."""
    cited = [c for c in reading.claims if c.claim.citations]
    proposing = [c for c in cited if c.turn.move == Move.PROPOSE]
    chosen: list[CitedClaim] = []
    for item in [*reversed(proposing), *cited]:
        if item.advisor not in {c.advisor for c in chosen} and reading.recommends(item.claim.text):
            chosen.append(item)
    return chosen


def gather_evidence_plan(reading: Reading, run_date: date) -> list[ActionStep]:
    """When the library cannot answer: find sources, add them, debate again."""
    question = reading.debate.question
    return [
        ActionStep(
            action=Statement(text=Phrase(key="act_discover", args={"question": question})),
            timing=Timing(kind="this_week", due=_week_end(run_date)),
            owner=Phrase(key="owner_analyst"),
        ),
        ActionStep(
            action=Statement(text=Phrase(key="act_add_sources")),
            timing=Timing(kind="by_date", due=run_date + timedelta(days=14)),
            owner=Phrase(key="owner_analyst"),
        ),
        ActionStep(
            action=Statement(text=Phrase(key="act_debate_again", args={"question": question})),
            timing=Timing(kind="by_date", due=run_date + timedelta(days=21)),
            owner=Phrase(key="owner_you"),
        ),
    ]


def action_plan(reading: Reading, run_date: date) -> list[ActionStep]:
    if not coverage(reading.debate).sufficient:
        return gather_evidence_plan(reading, run_date)
    debate = reading.debate
    option = reading.option
    if option is not None:
        share = Phrase(key="act_share", args={"option": option})
        script = Phrase(
            key="script_share",
            args={"option": option, "pro": reading.cited_counts[option], "sided": reading.sided},
        )
    else:
        share, script = Phrase(key="act_share_open"), Phrase(key="script_share_open")
    steps = [
        ActionStep(
            action=Statement(text=share),
            timing=Timing(kind="this_week", due=_week_end(run_date)),
            owner=Phrase(key="owner_you"),
            script=script,
        )
    ]
    weak = [
        c
        for c in reading.checks
        if c.verdict in ("partially_supported", "not_supported", "contradicted")
    ]
    if weak:
        weakest = min(weak, key=lambda c: c.score)
        steps.append(
            ActionStep(
                action=Statement(
                    text=Phrase(key="act_check", args={"count": len(weak), "quote": weakest.claim}),
                    citations=list(weakest.citations),
                ),
                timing=Timing(kind="by_date", due=run_date + timedelta(days=14)),
                owner=Phrase(key="owner_analyst"),
                script=Phrase(key="script_check"),
            )
        )
    for offset, item in zip((30, 60), proposals(reading), strict=False):
        due = run_date + timedelta(days=offset)
        role = debate.member(item.advisor).advisor.role if item.advisor in debate.briefs else ""
        steps.append(
            ActionStep(
                action=Statement(
                    text=Phrase(
                        key="act_proposal", args={"advisor": item.advisor, "quote": item.claim.text}
                    ),
                    citations=list(item.claim.citations),
                ),
                timing=Timing(kind="by_date", due=due),
                owner=Phrase(key="owner_advisor", args={"advisor": item.advisor, "role": role}),
                script=Phrase(
                    key="script_proposal",
                    args={"quote": item.claim.text, "date": due.isoformat()},
                ),
            )
        )
    steps.append(
        ActionStep(
            action=Statement(text=Phrase(key="act_review", args={"date": run_date.isoformat()})),
            timing=Timing(kind="by_date", due=run_date + timedelta(days=90)),
            owner=Phrase(key="owner_you"),
        )
    )
    return steps


# -----------------------------------------------------------------------------------
# 4. Future paths


def _steps(reading: Reading, chunk_ids: list[str]) -> list[tuple[int, str, str, Role]]:
    """(month, chunk id, sentence, role) for the forecasts and recommendations of these
    passages, in time order: a forecast that names a time sits at the month it resolves to;
    recommendations take the early months and undated forecasts the later ones, in the
    order the debate cited them."""
    dated, acts, undated = [], [], []
    for chunk_id in chunk_ids:
        for sentence, role in reading.with_role(
            chunk_id, SentenceRole.FORECAST, SentenceRole.RECOMMENDATION
        )[:2]:
            months = months_ahead(reading, role)
            if months is not None:
                dated.append((months, chunk_id, sentence, role))
            elif role.role == SentenceRole.RECOMMENDATION:
                acts.append((chunk_id, sentence, role))
            else:
                undated.append((chunk_id, sentence, role))
    placed = [
        (month, *item)
        for slots, items in ((ACT_MONTHS, acts), (UNDATED_MONTHS, undated))
        for month, item in zip(slots, items, strict=False)
    ]
    steps = sorted([*dated, *placed], key=lambda step: step[0])
    return steps[:MAX_MILESTONES]


def _milestones(
    steps: list[tuple[int, str, str, Role]], forecast_at: dict[str, Prediction]
) -> list[Milestone]:
    """Each step as a milestone quoting its sentence; a forecast that is one of the
    predictions is shown with its probability."""
    placed = []
    for month, chunk_id, sentence, role in steps:
        forecast = forecast_at.get(chunk_id)
        if role.role == SentenceRole.RECOMMENDATION:
            text = Phrase(key="milestone_recommendation", args={"quote": sentence})
            basis = "recommendation"
        elif (
            forecast is not None
            and isinstance(forecast.statement.text, Phrase)
            and forecast.statement.text.args.get("quote") == sentence
        ):
            text = Phrase(
                key="milestone_forecast",
                args={"percent": round(forecast.probability * 100), "quote": sentence},
            )
            basis = "forecast_dated" if role.when else "forecast"
        else:
            text = Phrase(key="milestone_quote", args={"quote": sentence})
            basis = "forecast_dated" if role.when else "forecast"
        placed.append(
            Milestone(month=month, event=Statement(text=text, citations=[chunk_id]), basis=basis)
        )
    return placed


def future_paths(reading: Reading, made: list[Prediction]) -> list[FuturePath]:
    if not coverage(reading.debate).sufficient:
        return []  # no evidence to lay a path with
    forecast_at = {p.statement.citations[0]: p for p in made if p.statement.citations}
    first = reading.first_round()
    # Cited passages in the order the debate first cited them.
    cited = sorted(reading.debate.ledger.cited, key=lambda key: first.get(key, 99))
    paths = []
    for option in reading.options:
        side = [key for key in cited if reading.leaning([key]) == option]
        steps = _steps(reading, side)
        if len(steps) >= 2:
            paths.append(
                FuturePath(
                    title=Phrase(key="path_title_option", args={"option": option}),
                    premise=Phrase(key="path_premise_option", args={"option": option}),
                    option=option,
                    milestones=_milestones(steps, forecast_at),
                )
            )
    # The reframe path: passages the REFRAME turns cited that lean to neither option (those
    # that lean are already on their option's path).
    reframed = [
        key
        for c in reading.claims
        if c.claim.citations and c.turn.move == Move.REFRAME
        for key in c.claim.citations[:1]
        if reading.leaning([key]) not in reading.options
    ]
    steps = _steps(reading, list(dict.fromkeys(reframed)))
    if len(steps) >= 2:
        paths.append(
            FuturePath(
                title=Phrase(key="path_title_reframe"),
                premise=Phrase(key="path_premise_reframe"),
                milestones=_milestones(steps, forecast_at),
            )
        )
    return paths[:3]

"""The report's forward-looking sections built without a generative model: predictions,
the action plan and the future paths.

As in `report.extractive`, every sentence is a catalog template whose arguments are counts,
names, dates and verbatim quotes, or a quotation of a passage the debate cited: forecasts
are quoted, not made, and each probability is a panel vote or the evidence balance (and
says which).
"""

from __future__ import annotations

from datetime import date, timedelta

from debate.stance import evidence_probability
from debate.types import Move
from report.reading import ACTION, FORWARD, CitedClaim, Reading, horizon, looks_back
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
MILESTONE_MONTHS = (3, 6, 9, 12, 18, 24)
MAX_QUOTED_FORECASTS = 3


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


def forecasts(reading: Reading) -> list[tuple[str, str, tuple[str, int] | None]]:
    """(chunk id, sentence, stated horizon) for forward-looking sentences of cited passages,
    those with a stated time frame and a leaning first, one per passage."""
    run_year = reading.debate.created_at.year
    found = []
    for order, chunk_id in enumerate(reading.debate.ledger.cited):
        for sentence in reading.sentences(chunk_id):
            if sentence.endswith("?") or len(sentence) < 40 or not FORWARD.search(sentence):
                continue
            if looks_back(sentence, run_year):
                continue
            stated = horizon(sentence, run_year)
            rank = (stated is None, reading.leaning([chunk_id]) is None, order)
            found.append((rank, chunk_id, sentence, stated))
            break
    found.sort(key=lambda item: item[0])
    return [(chunk_id, sentence, stated) for _, chunk_id, sentence, stated in found]


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
    for chunk_id, sentence, stated in forecasts(reading)[:MAX_QUOTED_FORECASTS]:
        probability, basis = _balance(reading, reading.leaning([chunk_id]))
        if stated is not None:
            words, span = stated
            frame: Text = Phrase(key="horizon_source", args={"words": words, "months": span})
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
    """Claims that recommend something: PROPOSE turns first (the last round's), then any
    cited claim that reads as a recommendation; one per advisor."""
    cited = [c for c in reading.claims if c.claim.citations]
    proposing = [c for c in cited if c.turn.move == Move.PROPOSE]
    recommending = [c for c in cited if ACTION.search(c.claim.text)]
    chosen: list[CitedClaim] = []
    for item in [*reversed(proposing), *recommending]:
        if item.advisor not in {c.advisor for c in chosen} and ACTION.search(item.claim.text):
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


def _milestones(
    items: list[tuple[str, str]], forecast_at: dict[str, Prediction]
) -> list[Milestone]:
    """(chunk id, quote) pairs placed on months 3, 6, 9 ... in the order given; a quote that
    is one of the predictions is shown as that forecast."""
    placed = []
    for month, (chunk_id, quote) in zip(MILESTONE_MONTHS, items, strict=False):
        forecast = forecast_at.get(chunk_id)
        if forecast is not None and isinstance(forecast.statement.text, Phrase):
            quote = str(forecast.statement.text.args["quote"])  # the forecast sentence itself
            text = Phrase(
                key="milestone_forecast",
                args={"percent": round(forecast.probability * 100), "quote": quote},
            )
            basis = "forecast"
        else:
            text = Phrase(key="milestone_quote", args={"quote": quote})
            basis = "quote"
        placed.append(
            Milestone(month=month, event=Statement(text=text, citations=[chunk_id]), basis=basis)
        )
    return placed


def future_paths(reading: Reading, made: list[Prediction]) -> list[FuturePath]:
    if not coverage(reading.debate).sufficient:
        return []  # no evidence to lay a path with
    forecast_at = {p.statement.citations[0]: p for p in made if p.statement.citations}
    first = reading.first_round()
    by_option: dict[str, list[tuple[str, str]]] = {o: [] for o in reading.options}
    seen: set[str] = set()
    cited = sorted(
        (c for c in reading.claims if c.claim.citations),
        key=lambda c: (first.get(c.claim.citations[0], 99), c.turn.round),
    )
    for item in cited:
        key = item.claim.citations[0]
        lean = reading.leaning([key])
        if lean in by_option and key not in seen:
            seen.add(key)
            by_option[lean].append((key, item.claim.text))
    paths = [
        FuturePath(
            title=Phrase(key="path_title_option", args={"option": option}),
            premise=Phrase(key="path_premise_option", args={"option": option}),
            option=option,
            milestones=_milestones(items, forecast_at),
        )
        for option, items in by_option.items()
        if len(items) >= 2
    ]
    reframes = [
        (c.claim.citations[0], c.claim.text)
        for c in cited
        if c.turn.move == Move.REFRAME and c.claim.citations[0] not in seen
    ]
    reframes = list(dict(reframes).items())
    if len(reframes) >= 2:
        paths.append(
            FuturePath(
                title=Phrase(key="path_title_reframe"),
                premise=Phrase(key="path_premise_reframe"),
                milestones=_milestones(reframes, forecast_at),
            )
        )
    return paths[:3]

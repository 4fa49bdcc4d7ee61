"""The report's sections built without a generative model.

Every sentence is either a catalog template (`Phrase`) whose arguments are counts, names,
dates and verbatim quotes, or a quotation of a passage the debate cited. Nothing is
forecast or judged here: probabilities are panel votes or the evidence balance (and say
which), milestones quote cited passages, and each section's note says how it was built.
"""

from __future__ import annotations

from datetime import date, timedelta

from debate.types import CITE, Debate, MemberKind, Move, cite
from report.reading import ACTION, FORWARD, CitedClaim, Reading, horizon
from report.types import (
    ActionStep,
    EvidenceItem,
    FuturePath,
    Milestone,
    PanelEntry,
    Phrase,
    Prediction,
    ReportRound,
    ReportTurn,
    Statement,
    Text,
    Timing,
    Verdict,
)

DEFAULT_HORIZON = 12  # months, for forecasts whose source gives no time frame
MILESTONE_MONTHS = (3, 6, 9, 12, 18, 24)
MAX_EVIDENCE = 12
MAX_QUOTED_FORECASTS = 3


def quote_of(item: CitedClaim, reading: Reading) -> Text:
    """A claim's text: verbatim quotes become a quote phrase, engine prose stays prose."""
    return (
        Phrase(key="quote", args={"quote": item.claim.text}) if reading.quoted else item.claim.text
    )


def said(item: CitedClaim) -> Statement:
    return Statement(
        text=Phrase(
            key="quote_said",
            args={"advisor": item.advisor, "round": item.turn.round, "quote": item.claim.text},
        ),
        citations=list(item.claim.citations),
    )


# -----------------------------------------------------------------------------------
# 1. Verdict


def strongest(reading: Reading) -> tuple[CitedClaim | None, CitedClaim | None]:
    """The best-backed cited claim for the verdict, and the strongest one against it
    (the Contrarian's count for a little more: objecting is their job)."""
    cited = [c for c in reading.claims if c.claim.citations]
    if not cited:
        return None, None
    if reading.vote_option is None:
        best = max(cited, key=lambda c: reading.support(c.claim))
        against = [c for c in cited if reading.kind(c.advisor) == MemberKind.CONTRARIAN]
        return best, (against[0] if against else None)
    pro = [c for c in cited if reading.leaning(c.claim.citations) == reading.vote_option]
    con = [c for c in cited if reading.leaning(c.claim.citations) == reading.other]

    def objection(item: CitedClaim) -> float:
        bonus = 0.2 if reading.kind(item.advisor) == MemberKind.CONTRARIAN else 0.0
        return reading.strength(item) + bonus

    return (
        max(pro, key=reading.strength) if pro else None,
        max(con, key=objection) if con else None,
    )


def verdict(reading: Reading) -> Verdict:
    debate = reading.debate
    if reading.option is not None:
        answer: Text = Phrase(
            key="verdict_answer",
            args={
                "option": reading.option,
                "pro": reading.cited_counts[reading.option],
                "sided": reading.sided,
            },
        )
    elif reading.sided and len(reading.options) == 2:
        a, b = reading.options
        answer = Phrase(
            key="verdict_close",
            args={"a": a, "b": b, "pa": reading.cited_counts[a], "pb": reading.cited_counts[b]},
        )
    else:
        answer = debate.leaning or Phrase(key="verdict_none")
    stats = reading.confidence_stats()
    checked = len(reading.checks)
    backed = sum(c.verdict == "supported" for c in reading.checks)
    low, low_name, high, high_name, median = stats or (0, "-", 0, "-", 0)
    reasoning = Phrase(
        key="verdict_reasoning" if reading.vote_option else "verdict_reasoning_plain",
        args={
            "option": reading.vote_option or "",
            "low": low,
            "low_name": low_name,
            "high": high,
            "high_name": high_name,
            "median": median,
            "backed": backed,
            "checked": checked,
        },
    )
    best, against = strongest(reading)
    return Verdict(
        option=reading.option,
        answer=Statement(text=answer),
        reasoning=Statement(text=reasoning),
        strongest_evidence=said(best) if best else None,
        strongest_objection=said(against) if against else None,
    )


# -----------------------------------------------------------------------------------
# 2. Predictions


def _balance(reading: Reading, lean: str | None) -> tuple[float, Text]:
    if lean is None or not reading.sided:
        return 0.5, Phrase(key="basis_evidence_neutral")
    same = reading.cited_counts[lean]
    probability = (same + 1) / (reading.sided + 2)
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
            stated = horizon(sentence, run_year)
            rank = (stated is None, reading.leaning([chunk_id]) is None, order)
            found.append((rank, chunk_id, sentence, stated))
            break
    found.sort(key=lambda item: item[0])
    return [(chunk_id, sentence, stated) for _, chunk_id, sentence, stated in found]


def predictions(reading: Reading) -> list[Prediction]:
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


def action_plan(reading: Reading, run_date: date) -> list[ActionStep]:
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


# -----------------------------------------------------------------------------------
# 5. The deeper story


def deeper_story(reading: Reading) -> list[Statement]:
    debate = reading.debate
    story: list[Statement] = []
    numbers = [r.number for r in debate.rounds]
    if len(reading.options) == 2 and len(numbers) >= 2:
        a, b = reading.options
        first, last = reading.round_counts(numbers[0]), reading.round_counts(numbers[-1])
        story.append(
            Statement(
                text=Phrase(
                    key="story_shift",
                    args={
                        "first": numbers[0],
                        "last": numbers[-1],
                        "a": a,
                        "b": b,
                        "a_first": first[a],
                        "b_first": first[b],
                        "a_last": last[a],
                        "b_last": last[b],
                    },
                )
            )
        )
    users: dict[str, list[str]] = {}
    for item in reading.claims:
        for key in item.claim.citations:
            users.setdefault(key, [])
            if item.advisor not in users[key]:
                users[key].append(item.advisor)
    if users:
        common = max(users, key=lambda key: (len(users[key]), -list(users).index(key)))
        quote = next(c.claim.text for c in reading.claims if common in c.claim.citations)
        story.append(
            Statement(
                text=Phrase(
                    key="story_common",
                    args={
                        "count": len(users[common]),
                        "advisors": ", ".join(users[common]),
                        "quote": quote,
                    },
                ),
                citations=[common],
            )
        )
    if debate.rounds:
        last_round = debate.rounds[-1]
        better = [
            CitedClaim(t, i, c)
            for t in last_round.turns
            if reading.kind(t.advisor) == MemberKind.DOMAIN
            for i, c in enumerate(t.claims)
            if c.citations
        ]
        if better:
            pick = max(
                better, key=lambda c: (bool(ACTION.search(c.claim.text)), reading.strength(c))
            )
            story.append(
                Statement(
                    text=Phrase(key="story_better", args={"quote": pick.claim.text}),
                    citations=list(pick.claim.citations),
                )
            )
    contrarian = [
        c
        for c in reading.claims
        if c.claim.citations
        and reading.kind(c.advisor) == MemberKind.CONTRARIAN
        and len(users.get(c.claim.citations[0], [])) == 1
    ]
    if contrarian:
        pick = max(contrarian, key=reading.strength)
        story.append(
            Statement(
                text=Phrase(key="story_contrarian", args={"quote": pick.claim.text}),
                citations=list(pick.claim.citations),
            )
        )
    return story


# -----------------------------------------------------------------------------------
# 6-9. Evidence, risks, panel, rounds


def evidence(reading: Reading) -> list[EvidenceItem]:
    """Distinct claims, strongest first; experience claims end with the advisor's name."""
    grouped: dict[str, list[CitedClaim]] = {}
    for item in reading.claims:
        grouped.setdefault(item.claim.text, []).append(item)
    ranked = sorted(grouped.values(), key=lambda items: -max(map(reading.strength, items)))
    # Both sides, strongest first within each: alternate between leanings so the evidence
    # for the verdict does not crowd out the evidence against it.
    # Passages that take no side come after both sides.
    sides: dict[str | None, list[list[CitedClaim]]] = {}
    for items in ranked:
        if not items[0].claim.text.endswith("?"):  # a question is not evidence
            sides.setdefault(reading.leaning(items[0].claim.citations), []).append(items)
    neutral = sides.pop(None, [])
    ordered: list[list[CitedClaim]] = []
    while any(sides.values()):
        for side in dict.fromkeys([reading.option, reading.other, *sides]):
            if sides.get(side):
                ordered.append(sides[side].pop(0))
    ordered += neutral
    bullets = []
    for items in ordered[:MAX_EVIDENCE]:
        first = items[0]
        citations = list(dict.fromkeys(k for item in items for k in item.claim.citations))
        bullets.append(
            EvidenceItem(
                statement=Statement(
                    text=quote_of(first, reading) if citations else first.claim.text,
                    citations=citations,
                    advisors=[] if citations else [first.advisor],
                ),
                leaning=reading.leaning(citations) if citations else None,
                cited_by=list(dict.fromkeys(item.advisor for item in items)),
            )
        )
    return bullets


def risks(reading: Reading) -> list[Statement]:
    found: list[Statement] = []
    cited = [c for c in reading.claims if c.claim.citations]
    against = sorted(
        (c for c in cited if reading.other and reading.leaning(c.claim.citations) == reading.other),
        key=lambda c: -reading.strength(c),
    )
    quoted: set[str] = set()
    for item in against:
        if item.claim.text not in quoted and len(quoted) < 2:
            quoted.add(item.claim.text)
            found.append(
                Statement(
                    text=Phrase(key="risk_objection", args={"quote": item.claim.text}),
                    citations=list(item.claim.citations),
                )
            )
    weak = [
        c
        for c in reading.checks
        if c.verdict in ("partially_supported", "not_supported", "contradicted")
    ]
    if weak:
        found.append(
            Statement(
                text=Phrase(
                    key="risk_unchecked", args={"count": len(weak), "checked": len(reading.checks)}
                )
            )
        )
    for vote in reading.debate.confidences:
        if vote.percent < 50:
            found.append(
                Statement(
                    text=Phrase(
                        key="risk_low_confidence",
                        args={"advisor": vote.advisor, "percent": vote.percent},
                    )
                )
            )
    if reading.stances:
        if reading.sided < 10:
            found.append(Statement(text=Phrase(key="risk_thin", args={"sided": reading.sided})))
        found.append(Statement(text=Phrase(key="risk_heuristic")))
    return found


def panel(debate: Debate) -> list[PanelEntry]:
    votes = {c.advisor: c for c in debate.confidences}
    entries = []
    for member in debate.panel:
        vote = votes.get(member.advisor.name)
        entries.append(
            PanelEntry(
                advisor=member.advisor.name,
                role=member.advisor.role,
                kind=member.kind.value,
                confidence=vote.percent if vote else None,
                reason=vote.reason if vote else None,
                method=vote.method if vote else None,
            )
        )
    return entries


def rounds(debate: Debate) -> list[ReportRound]:
    """The transcript; a claim citation missing from its turn's text is appended as a
    marker, so every chunk a claim cites is numbered in the report."""
    shown = []
    for round_ in debate.rounds:
        turns = []
        for turn in round_.turns:
            in_text = set(CITE.findall(turn.text))
            missing = [
                key for claim in turn.claims for key in claim.citations if key not in in_text
            ]
            text = " ".join([turn.text, *(cite(key) for key in dict.fromkeys(missing))])
            turns.append(
                ReportTurn(
                    advisor=turn.advisor,
                    move=turn.move,
                    text=text.strip(),
                    claims=[
                        Statement(
                            text=claim.text,
                            citations=list(claim.citations),
                            advisors=[turn.advisor] if claim.experience else [],
                        )
                        for claim in turn.claims
                    ],
                )
            )
        shown.append(
            ReportRound(
                number=round_.number,
                theme=round_.theme,
                summary=round_.summary.text if round_.summary else "",
                turns=turns,
            )
        )
    return shown

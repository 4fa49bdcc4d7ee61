"""The report's sections built without a generative model.

Every sentence is either a catalog template (`Phrase`) whose arguments are counts, names,
dates and verbatim quotes, or a quotation of a passage the debate cited. Nothing is
forecast or judged here: probabilities are panel votes or the evidence balance (and say
which), milestones quote cited passages, and each section's note says how it was built.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from debate.quote_use import use_counts
from debate.stance import (
    BUSINESS_RIGHT,
    HEAD_METHOD,
    MODEL_METHOD,
    NARROW,
    NARROW_RIGHT,
    WIDE,
    WIDE_RIGHT,
)
from debate.types import CITE, Debate, MemberKind, cite
from reader.roles import SentenceRole
from report.keypoints import KeyPoint, PointInput, group_points
from report.reading import CitedClaim, Reading
from report.sufficiency import Coverage, coverage
from report.types import (
    CitedPoint,
    PanelEntry,
    Phrase,
    ReportRound,
    ReportTurn,
    Statement,
    Text,
    Verdict,
)

MAX_EVIDENCE = 12


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
    covered = coverage(debate)
    if not covered.sufficient:
        return insufficient_verdict(reading, covered)
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
        status="leans" if reading.option is not None else "too_close",
        option=reading.option,
        answer=Statement(text=answer),
        reasoning=Statement(text=reasoning),
        sides=sides(reading),
        readings=readings(reading),
        quote_use=quote_use(reading),
        strongest_evidence=said(best) if best else None,
        strongest_objection=said(against) if against else None,
    )


def sides(reading: Reading) -> list[Statement]:
    """The argument on each side as key points: how many, from how many sources, and the
    strongest one, in its most central passage's words (citing that passage: the
    evidence section cites every passage behind each point)."""
    found = key_points(reading)
    out = []
    for option in dict.fromkeys([reading.option, *reading.options]):
        points = found.on(option) if option else []
        if not points:
            continue
        label = points[0].label
        out.append(
            Statement(
                text=Phrase(
                    key="verdict_side",
                    args={
                        "option": option,
                        "points": len(points),
                        "sources": len({n for p in points for n in p.sources}),
                        "weight": points[0].weight,
                        "point": f"“{label}”" if reading.quoted else label,
                    },
                ),
                citations=citation_keys(found.grouped[points[0].label_key]),  # the quote's own
            )
        )
    return out


def readings(reading: Reading) -> Statement | None:
    """How many of the passages the verdict counts lean only narrowly, and what a narrow
    call is worth (`debate.stance.NARROW`); None when none does."""
    if not reading.narrow_count:
        return None
    args = {
        "narrow": reading.narrow_count,
        "sided": reading.sided,
        "margin": NARROW,
        "narrow_right": round(100 * NARROW_RIGHT),
        "wide": WIDE,
        "wide_right": round(100 * WIDE_RIGHT),
    }
    return Statement(text=Phrase(key="verdict_readings", args=args))


def quote_use(reading: Reading) -> Statement | None:
    """The Auditor's check of how quotes were used, totalled over the debate."""
    counts = use_counts(reading.checks)
    if not counts["measured"]:
        return None
    return Statement(text=Phrase(key="verdict_quote_use", args=counts))


def insufficient_verdict(reading: Reading, covered: Coverage) -> Verdict:
    """The library cannot answer: say what it holds instead, and how to add what would."""
    titles = [source.title for source in reading.debate.ledger.library if source.title][:5]
    return Verdict(
        status="insufficient_evidence",
        option=None,
        answer=Statement(
            text=Phrase(
                key="verdict_insufficient",
                args={"passages": covered.passages, "sources": covered.sources},
            )
        ),
        reasoning=Statement(
            text=Phrase(
                key="verdict_insufficient_reasoning",
                args={
                    "held_back": covered.held_back,
                    "covers": "; ".join(f"“{t}”" for t in titles) or "-",
                    "question": reading.debate.question,
                },
            )
        ),
    )


# -----------------------------------------------------------------------------------
# 5. The deeper story


# -----------------------------------------------------------------------------------
# 6-9. Evidence, risks, panel, rounds


@dataclass(frozen=True)
class Points:
    """The debate's claims grouped into key points (strongest first), and the claims
    behind each quoted text."""

    grouped: dict[str, list[CitedClaim]]
    points: list[KeyPoint]

    def on(self, side: str | None) -> list[KeyPoint]:
        return [p for p in self.points if p.side == side]


# The verdict, the evidence and the deeper story all read the same key points; grouping
# embeds every quote, so it is done once per Reading (held only for the report's build).
@lru_cache(maxsize=4)
def key_points(reading: Reading) -> Points:
    grouped: dict[str, list[CitedClaim]] = {}
    for item in reading.claims:
        if not item.claim.text.endswith("?"):  # a question is not evidence
            grouped.setdefault(item.claim.text, []).append(item)
    quoted = {text: items for text, items in grouped.items() if items[0].claim.citations}
    points = group_points(
        [
            PointInput(
                key=text,
                text=text,
                side=reading.leaning(citation_keys(items)),
                sources=tuple(reading.sources_of(citation_keys(items))),
            )
            for text, items in quoted.items()
        ],
        reading.embed,
    )
    strength = {text: max(map(reading.strength, items)) for text, items in grouped.items()}
    points.sort(key=lambda p: (-p.weight, -max(strength[k] for k in p.keys), p.label_key))
    return Points(grouped, points)


def evidence(reading: Reading) -> list[CitedPoint]:
    """Key points, strongest first, alternating between the sides so the evidence for the
    verdict does not crowd out the evidence against it; points that take no side and
    experience claims (ending with the advisor's name) come after both sides."""
    found = key_points(reading)
    grouped, points = found.grouped, list(found.points)
    quoted = {text for point in points for text in point.keys}
    sides: dict[str | None, list[KeyPoint]] = {}
    for point in points:
        sides.setdefault(point.side, []).append(point)
    neutral = sides.pop(None, [])
    ordered: list[KeyPoint] = []
    while any(sides.values()):
        for side in dict.fromkeys([reading.option, reading.other, *sides]):
            if sides.get(side):
                ordered.append(sides[side].pop(0))
    bullets = [_point_bullet(point, grouped, reading) for point in [*ordered, *neutral]]
    # An uncited claim is evidence only as an advisor's stated experience (design.md: marked
    # so); one that is neither cited nor experience stands on nothing and is left out.
    for text, items in grouped.items():
        if text not in quoted and any(item.claim.experience for item in items):
            bullets.append(
                CitedPoint(
                    statement=Statement(text=text, advisors=[items[0].advisor]),
                    cited_by=list(dict.fromkeys(item.advisor for item in items)),
                    sources=0,
                )
            )
    return bullets[:MAX_EVIDENCE]


def citation_keys(items: list[CitedClaim]) -> list[str]:
    return list(dict.fromkeys(k for item in items for k in item.claim.citations))


def _point_bullet(
    point: KeyPoint, grouped: dict[str, list[CitedClaim]], reading: Reading
) -> CitedPoint:
    """A key point as a bullet: its most central quote, citing every passage behind it."""
    items = [item for text in point.keys for item in grouped[text]]
    return CitedPoint(
        statement=Statement(
            text=quote_of(grouped[point.label_key][0], reading), citations=citation_keys(items)
        ),
        leaning=point.side,
        narrow=reading.narrowly(citation_keys(items), point.side),
        cited_by=list(dict.fromkeys(item.advisor for item in items)),
        sources=point.weight,
        passages=len(point.keys),
    )


def _cautions(reading: Reading, quoted: set[str], limit: int = 2) -> list[Statement]:
    """Caveat sentences (`reader.roles`) quoted from cited passages, those behind the verdict
    first: a limit the verdict's own evidence admits is the risk most worth reading."""
    cited = reading.debate.ledger.cited
    order = sorted(
        range(len(cited)), key=lambda i: (reading.leaning([cited[i]]) != reading.vote_option, i)
    )
    found: list[Statement] = []
    for i in order:
        for sentence, _ in reading.with_role(cited[i], SentenceRole.CAVEAT)[:1]:
            if len(found) < limit and not any(sentence in q or q in sentence for q in quoted):
                quoted.add(sentence)
                found.append(
                    Statement(
                        text=Phrase(key="risk_caveat", args={"quote": sentence}),
                        citations=[cited[i]],
                    )
                )
    return found


def risks(reading: Reading) -> list[Statement]:
    found: list[Statement] = []
    cited = [c for c in reading.claims if c.claim.citations]
    against = sorted(
        (c for c in cited if reading.other and reading.leaning(c.claim.citations) == reading.other),
        key=lambda c: -reading.strength(c),
    )
    quoted: set[str] = set()
    # A verdict too close to call decides nothing an objection could overturn: the risk is
    # then that of leaning toward the side the panel voted on.
    key, args = (
        ("risk_objection", {})
        if reading.option
        else ("risk_objection_close", {"option": reading.vote_option})
    )
    for item in against:
        if item.claim.text not in quoted and len(quoted) < 2:
            quoted.add(item.claim.text)
            found.append(
                Statement(
                    text=Phrase(key=key, args={**args, "quote": item.claim.text}),
                    citations=list(item.claim.citations),
                )
            )
    found += _cautions(reading, quoted)
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
        # The risk names the weakest reading any passage got.
        methods = {s.method for s in reading.stances.values()}
        key, method_args = "risk_heuristic", dict[str, str | int | float]()
        if methods <= {MODEL_METHOD}:
            choice = reading.debate.frame.kind == "choice"
            key = "risk_stance_model_choice" if choice else "risk_stance_model"
            method_args = {"business_right": round(100 * BUSINESS_RIGHT)}
        elif methods <= {MODEL_METHOD, HEAD_METHOD}:
            key = "risk_reader"
        found.append(Statement(text=Phrase(key=key, args=method_args)))
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

"""The report's claims, for the citation audit: every `Statement` with the chunk ids behind
it, in section order.

`agora audit runs/x/` can judge each claim against the passages of its chunk ids (the
report's citation table holds their text). The HTML marks an item with the verdict of
every audited claim whose text it contains, so an audit.json whose claim texts are these
`text`s lines up with the page exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from debate.types import CITE
from report.layout import Layout
from report.types import Phrase, Report, Statement


@dataclass(frozen=True)
class ReportClaim:
    section: str  # verdict, predictions, action_plan, future_paths, deeper_story, ...
    text: str  # the assertion in English, markers removed (a quote when it quotes one)
    chunk_ids: list[str] = field(default_factory=list)  # its citations, in order
    advisors: list[str] = field(default_factory=list)  # experience or votes behind it


def statements(report: Report) -> Iterator[tuple[str, Statement]]:
    """(section, statement) in the order the report renders them."""
    v = report.verdict
    for item in (v.answer, v.reasoning, v.strongest_evidence, v.strongest_objection):
        if item is not None:
            yield "verdict", item
    for prediction in report.predictions:
        yield "predictions", prediction.statement
    for step in report.action_plan:
        yield "action_plan", step.action
    for path in report.future_paths:
        for milestone in path.milestones:
            yield "future_paths", milestone.event
    for paragraph in report.deeper_story:
        yield "deeper_story", paragraph
    for bullet in report.evidence:
        yield "evidence", bullet.statement
    for risk in report.risks:
        yield "risks", risk
    for round_ in report.rounds:
        for turn in round_.turns:
            for claim in turn.claims:
                yield "rounds", claim


def report_claims(report: Report) -> list[ReportClaim]:
    english = Layout(report, "en")
    claims = []
    for section, statement in statements(report):
        text = statement.text
        # A templated sentence around a quote asserts the quote; the judge sees only that.
        quoted = text.args.get("quote") if isinstance(text, Phrase) else None
        rendered = str(quoted) if quoted is not None else english.say(text)
        chunk_ids = [*CITE.findall(rendered), *statement.citations]
        claims.append(
            ReportClaim(
                section=section,
                text=" ".join(CITE.sub("", rendered).split()),
                chunk_ids=list(dict.fromkeys(chunk_ids)),
                advisors=list(statement.advisors),
            )
        )
    return claims

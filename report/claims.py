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

from audit.auditor import Candidate, CitationInput, ClaimInput
from debate.types import CITE
from report.layout import Layout
from report.types import CITING_SECTIONS, Phrase, Report, Statement


@dataclass(frozen=True)
class ReportClaim:
    section: str  # verdict, predictions, action_plan, future_paths, deeper_story, ...
    text: str  # the assertion in English, markers removed (a quote when it quotes one)
    chunk_ids: list[str] = field(default_factory=list)  # its citations, in order
    advisors: list[str] = field(default_factory=list)  # experience or votes behind it


def _section_statements(report: Report, section: str) -> Iterator[Statement]:
    """The statements of one section, in the order the layout renders them."""
    if section == "verdict":
        v = report.verdict
        items = (
            v.answer,
            v.readings,
            v.reasoning,
            *v.sides,
            v.quote_use,
            v.strongest_evidence,
            v.strongest_objection,
        )
        yield from (item for item in items if item is not None)
    elif section == "predictions":
        yield from (prediction.statement for prediction in report.predictions)
    elif section == "action_plan":
        yield from (step.action for step in report.action_plan)
    elif section == "future_paths":
        yield from (m.event for path in report.future_paths for m in path.milestones)
    elif section in ("deeper_story", "risks"):
        yield from getattr(report, section)
    elif section == "evidence":
        yield from (bullet.statement for bullet in report.evidence)
    elif section == "rounds":
        yield from (c for r in report.rounds for turn in r.turns for c in turn.claims)
    # "panel" makes no statements: its confidences are votes, not claims.


def statements(report: Report) -> Iterator[tuple[str, Statement]]:
    """(section, statement) in the order the report renders them (`CITING_SECTIONS`)."""
    for section in CITING_SECTIONS:
        for statement in _section_statements(report, section):
            yield section, statement


def report_claims(report: Report) -> list[ReportClaim]:
    english = Layout(report, "en")
    claims = []
    for section, statement in statements(report):
        text = statement.text
        # A templated sentence around a quote ("...: “quote”") or a key point ("For X: 8 key
        # points from 7 sources; the strongest, from 3 sources: “point”") asserts that quote
        # or point, and cites its passages; the judge sees only that, not the counting.
        quoted = _asserted(text)
        rendered = quoted if quoted is not None else english.say(text)
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


QUOTING_ARGS = ("quote", "point")


def _asserted(text: object) -> str | None:
    """The quote or key point a templated sentence is built around, or None."""
    if not isinstance(text, Phrase):
        return None
    found = next((text.args[name] for name in QUOTING_ARGS if name in text.args), None)
    return None if found is None else str(found).strip().removeprefix("“").removesuffix("”")


def audit_inputs(report: Report) -> list[ClaimInput]:
    """A report's claims for the audit, each citing the exact chunks behind its numbers (the
    report's citation table holds their text, so no library is needed). Claims attributed
    to an advisor's experience cite no source and are audited as uncited."""
    number_of: dict[str, int] = {}
    passages: dict[str, Candidate] = {}
    for entry in report.citations:
        for chunk in entry.chunks:
            number_of[chunk.chunk_id] = entry.report_number
            passages[chunk.chunk_id] = Candidate(entry.library_number, chunk.chunk_id, chunk.text)
    claims = []
    for claim in report_claims(report):
        citations = [
            CitationInput(label=str(number_of[c]), candidates=[passages[c]])
            if c in passages
            else CitationInput(label=c, problem=f"chunk {c} is not in the citation table")
            for c in claim.chunk_ids
        ]
        claims.append(ClaimInput(text=claim.text, citations=citations))
    return claims

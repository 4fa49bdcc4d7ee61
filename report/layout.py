"""The report laid out as a list of blocks, the one place that decides section order.

Both writers (Markdown and HTML) serialise the same blocks, and the builder numbers
citations by scanning the same blocks, so "numbered by first appearance" holds in every
format and language by construction. Blocks carry `[@chunk_id]` markers; writers turn
them into `[n]` with the report's citation table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from debate.types import CITE, cite
from report.i18n import message
from report.types import CITING_SECTIONS, Report, SourceEntry, Statement, Text

Translate = Callable[[str], str]


@dataclass(frozen=True)
class Span:
    """Inline text. style: '' plain, 'strong', 'em', 'move' (a move tag), 'break'."""

    text: str
    style: str = ""


Line = list[Span]


@dataclass
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass
class Para:
    spans: Line
    note: bool = False  # a note about the report itself, never a claim to audit


@dataclass
class Items:
    items: list[Line]
    numbers: list[int] | None = None  # an ordered list with these numbers
    claims: bool = True  # whether items are claims an audit may mark


@dataclass
class Table:
    header: list[str]
    rows: list[list[Line]] = field(default_factory=list)


Block = Heading | Para | Items | Table


class Layout:
    """Turns a `Report` into blocks in one language (see the module docstring)."""

    def __init__(self, report: Report, lang: str = "en", translate: Translate | None = None):
        self.report = report
        self.lang = lang
        self.translate = translate

    def t(self, key: str, **args: object) -> str:
        return message(self.lang, key, **args)

    def say(self, text: Text) -> str:
        """A phrase from the catalog, or prose (translated when a translator is given)."""
        if isinstance(text, str):
            return self.translate(text) if self.translate else text
        return self.t(text.key, **text.args)

    def statement(self, statement: Statement, *, before: Line | None = None) -> Line:
        spans = [*(before or []), Span(self.say(statement.text))]
        spans += self.backing(statement)
        return spans

    def backing(self, statement: Statement) -> Line:
        spans = []
        if statement.advisors:
            spans.append(Span(f" ({', '.join(statement.advisors)})"))
        if statement.citations:
            spans.append(Span(" " + "".join(cite(c) for c in statement.citations)))
        return spans

    def note(self, section: str) -> list[Block]:
        return [
            Para([Span(self.say(n.note), "em")], note=True)
            for n in self.report.generated_by
            if n.section == section
        ]

    # -- the document ------------------------------------------------------------------

    def blocks(self) -> list[Block]:
        return [*self.body(), *self.back_matter()]

    def body(self) -> list[Block]:
        """Sections 1-9: everything that can cite."""
        r = self.report
        blocks: list[Block] = [Heading(1, self.t("title"), "top")]
        blocks.append(
            Para(
                [
                    Span(
                        self.t(
                            "run_date",
                            date=r.run_date.isoformat(),
                            debate_engine=r.debate_engine.name,
                            engine=r.engine.name,
                        ),
                        "em",
                    )
                ],
                note=True,
            )
        )
        if self.lang != r.language:
            key = "prose_translated" if self.translate else "prose_untranslated"
            blocks.append(Para([Span(self.t(key), "em")], note=True))
        blocks += [Heading(2, self.t("h_question"), "question"), Para([Span(r.question, "strong")])]
        for section in CITING_SECTIONS:
            blocks += getattr(self, section)()
        return blocks

    def verdict(self) -> list[Block]:
        v = self.report.verdict
        blocks: list[Block] = [Heading(2, self.t("h_verdict"), "verdict"), *self.note("verdict")]
        blocks.append(Para([Span(self.say(v.answer.text), "strong"), *self.backing(v.answer)]))
        if v.readings is not None:
            blocks.append(Para(self.statement(v.readings)))
        blocks.append(Para(self.statement(v.reasoning)))
        if v.sides:
            blocks.append(Items([self.statement(side) for side in v.sides]))
        if v.quote_use is not None:
            blocks.append(Para(self.statement(v.quote_use)))
        for label, item in (
            ("strongest_evidence", v.strongest_evidence),
            ("strongest_objection", v.strongest_objection),
        ):
            if item is not None:
                blocks.append(
                    Para(
                        self.statement(
                            item, before=[Span(self.t(label), "strong"), Span(self.t("colon"))]
                        )
                    )
                )
        return blocks

    def predictions(self) -> list[Block]:
        items = []
        for p in self.report.predictions:
            line = [
                Span(f"[{self.t('probability', percent=round(p.probability * 100))}]", "strong"),
                Span(" "),
                Span(self.say(p.time_frame), "em"),
                Span(self.t("colon")),
                *self.statement(p.statement),
                Span("", "break"),
                Span(self.t("derived_by") + self.t("colon") + self.t("method_" + p.method), "em"),
                Span(f" — {self.say(p.basis)}"),
            ]
            items.append(line)
        head = Heading(2, self.t("h_predictions"), "predictions")
        return [head, *self.note("predictions"), self._items(items)]

    def action_plan(self) -> list[Block]:
        items = []
        for step in self.report.action_plan:
            due = step.timing.due.isoformat()
            line = [
                Span(self.t(step.timing.kind, date=due), "strong"),
                Span(" — "),
                *self.statement(step.action),
                Span("", "break"),
                Span(self.t("owner") + self.t("colon"), "em"),
                Span(self.say(step.owner)),
            ]
            if step.script is not None:
                line += [
                    Span("", "break"),
                    Span(self.t("say") + self.t("colon"), "em"),
                    Span(self.say(step.script)),
                ]
            items.append(line)
        head = Heading(2, self.t("h_action_plan"), "action-plan")
        return [head, *self.note("action_plan"), self._items(items, numbered=True)]

    def future_paths(self) -> list[Block]:
        blocks: list[Block] = [Heading(2, self.t("h_future_paths"), "future-paths")]
        blocks += self.note("future_paths")
        if not self.report.future_paths:
            blocks.append(self._items([]))
        for path in self.report.future_paths:
            blocks.append(Heading(3, self.say(path.title)))
            blocks.append(Para([Span(self.say(path.premise), "em")]))
            items = [
                self.statement(
                    m.event,
                    before=[
                        Span(self.t("month", month=m.month), "strong"),
                        Span(f" ({self.t('basis_' + m.basis)})" + self.t("colon")),
                    ],
                )
                for m in path.milestones
            ]
            blocks.append(self._items(items))
        return blocks

    def deeper_story(self) -> list[Block]:
        blocks: list[Block] = [Heading(2, self.t("h_deeper_story"), "deeper-story")]
        blocks += self.note("deeper_story")
        blocks += [Para(self.statement(s)) for s in self.report.deeper_story]
        return blocks

    def evidence(self) -> list[Block]:
        items = []
        for item in self.report.evidence:
            leans = "leans_narrowly" if item.narrow else "leans"
            before = [Span(self.t(leans, option=item.leaning), "move"), Span(" ")]
            line = [*(before if item.leaning else []), Span(self.say(item.statement.text))]
            if item.passages > 1 or item.sources > 1:
                weight = self.t("point_weight", passages=item.passages, sources=item.sources)
                line.append(Span(f" ({weight})", "em"))
            if item.cited_by and item.statement.citations:
                line.append(
                    Span(f" — {self.t('cited_by', advisors=', '.join(item.cited_by))}", "em")
                )
            line += self.backing(item.statement)
            items.append(line)
        head = Heading(2, self.t("h_evidence"), "evidence")
        return [head, *self.note("evidence"), *self.sides(), self._items(items)]

    def sides(self) -> list[Block]:
        """One line per side: how many key points and distinct sources stand behind it."""
        chunk_sources = self.report.ledger.chunk_sources
        lines: list[Block] = []
        for side in dict.fromkeys(i.leaning for i in self.report.evidence if i.leaning):
            points = [i for i in self.report.evidence if i.leaning == side]
            keys = [k for point in points for k in point.statement.citations]
            sources = {chunk_sources[k] for k in keys if k in chunk_sources}
            lines.append(
                Para(
                    [
                        Span(
                            self.t(
                                "side_weight", option=side, points=len(points), sources=len(sources)
                            )
                        )
                    ]
                )
            )
        return lines

    def risks(self) -> list[Block]:
        items = [self.statement(s) for s in self.report.risks]
        return [Heading(2, self.t("h_risks"), "risks"), *self.note("risks"), self._items(items)]

    def panel(self) -> list[Block]:
        table = Table(
            [
                self.t("col_advisor"),
                self.t("col_role"),
                self.t("col_confidence"),
                self.t("col_reason"),
            ]
        )
        for entry in self.report.panel:
            role = f"{entry.role} ({self.t('kind_' + entry.kind)})"
            confidence = "" if entry.confidence is None else f"{entry.confidence}%"
            reason = self.say(entry.reason) if entry.reason else ""
            table.rows.append(
                [[Span(entry.advisor, "strong")], [Span(role)], [Span(confidence)], [Span(reason)]]
            )
        return [Heading(2, self.t("h_panel"), "panel"), *self.note("panel"), table]

    def rounds(self) -> list[Block]:
        blocks: list[Block] = [Heading(2, self.t("h_rounds"), "rounds"), *self.note("rounds")]
        for round_ in self.report.rounds:
            theme = self.say(round_.theme)
            blocks.append(Heading(3, self.t("round", number=round_.number, theme=theme)))
            if round_.summary:
                blocks.append(
                    Para(
                        [
                            Span(self.t("summary") + self.t("colon"), "em"),
                            Span(self.say(round_.summary)),
                        ]
                    )
                )
            items = [
                [
                    Span(turn.advisor, "strong"),
                    Span(" "),
                    Span(turn.move.value, "move"),
                    Span(" "),
                    Span(self.say(turn.text)),
                ]
                for turn in round_.turns
            ]
            blocks.append(self._items(items))
        return blocks

    def back_matter(self) -> list[Block]:
        """Sections 10-11: the sources (numbered by the citation table) and the closing."""
        s = self.report.sources
        blocks: list[Block] = [
            Heading(2, self.t("h_sources"), "sources"),
            Para(
                [
                    Span(
                        self.t(
                            "source_counts",
                            retrieved=s.retrieved_count,
                            cited=s.cited_count,
                            unused=s.unused_count,
                            never=s.never_retrieved_count,
                        )
                    )
                ],
                note=True,
            ),
            Heading(3, self.t("h_research_library"), "research-library"),
        ]
        cited = [entry for entry in s.library if entry.report_number is not None]
        if cited:
            blocks.append(
                Items(
                    [self.source_line(entry) for entry in cited],
                    numbers=[e.report_number for e in cited if e.report_number is not None],
                    claims=False,
                )
            )
        else:
            blocks.append(Para([Span(self.t("none"))], note=True))
        blocks.append(Heading(3, self.t("h_unused_sources"), "unused-sources"))
        blocks.append(Para([Span(self.t("unused_count", count=s.unused_count))], note=True))
        if s.unused:
            blocks.append(Items([self.source_line(e) for e in s.unused], claims=False))
        if s.never_retrieved:
            count = len(s.never_retrieved)
            blocks.append(Para([Span(self.t("never_count", count=count))], note=True))
            blocks.append(Items([self.source_line(e) for e in s.never_retrieved], claims=False))
        blocks.append(Para([Span(self.say(self.report.closing), "em")], note=True))
        return blocks

    def source_line(self, entry: SourceEntry) -> Line:
        title = entry.title or self.t("untitled")
        details = ", ".join(x for x in (entry.author, entry.date) if x)
        line = [Span(title, "strong")]
        if details:
            line.append(Span(f" — {details}"))
        location = entry.url or entry.path
        if location:
            line.append(Span(f". {location}"))
        line.append(Span(f" ({self.t('library_number', number=entry.library_number)})", "em"))
        return line

    def _items(self, items: list[Line], numbered: bool = False) -> Block:
        if not items:
            return Para([Span(self.t("none"))], note=True)
        return Items(items, numbers=list(range(1, len(items) + 1)) if numbered else None)


_RUN = re.compile(r"(?:\s*\[@[^\]\s]+\])+")


def numbered(text: str, numbers: dict[str, int], fmt: Callable[[int, str], str]) -> str:
    """Replace each run of [@chunk_id] markers with its report numbers: one per source,
    in order; a chunk missing from the table is never rendered (invariant 3)."""

    def run(match: re.Match[str]) -> str:
        first: dict[int, str] = {}  # number -> the first chunk cited for it in this run
        for chunk_id in CITE.findall(match.group(0)):
            if chunk_id in numbers:
                first.setdefault(numbers[chunk_id], chunk_id)
        if not first:
            return ""
        lead = " " if match.group(0)[:1].isspace() else ""
        return lead + "".join(fmt(n, chunk_id) for n, chunk_id in first.items())

    return _RUN.sub(run, text)


def plain(line: Line) -> str:
    """A line's text without markers or styling, whitespace and quotes normalised (for
    matching audit claims)."""
    text = CITE.sub("", "".join(span.text for span in line))
    return normalise(text)


_QUOTES = str.maketrans("“”‘’", "\"\"''")


def normalise(text: str) -> str:
    text = text.translate(_QUOTES)
    return " ".join(text.split()).lower()


def markers_in(blocks: list[Block]) -> list[str]:
    """Chunk ids in order of appearance (with repeats) across the blocks."""
    found: list[str] = []
    for block in blocks:
        lines: list[Line] = []
        if isinstance(block, Para):
            lines = [block.spans]
        elif isinstance(block, Items):
            lines = block.items
        elif isinstance(block, Table):
            lines = [cell for row in block.rows for cell in row]
        for line in lines:
            for span in line:
                found += CITE.findall(span.text)
    return found

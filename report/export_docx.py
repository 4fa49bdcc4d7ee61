"""Word (.docx): the report's layout written with python-docx.

The same blocks the Markdown and HTML writers serialise (`report.layout`), so sections,
numbers and languages agree with every other format. Headings are Word headings (they
make the navigation pane), lists are Word lists, the panel is a Word table. Each `[n]` is
an internal hyperlink to a bookmark on its entry in the research library, and with an
`Audit` each claim gets a coloured left border (the HTML's marks) under a legend.

python-docx has no API for internal hyperlinks, bookmarks or paragraph borders, so those
few elements are built with its oxml helpers.
"""

from __future__ import annotations

import io
import itertools
import re
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from audit.types import Audit
from report.i18n import message
from report.layout import Block, Heading, Items, Layout, Line, Para, Table, Translate, numbered
from report.render_html import SEVERITY, _is_note, _verdict_of, _verdicts
from report.render_md import citation_numbers
from report.types import Report

# The audit's colours, as in the HTML report (render_html.CSS): one per verdict it can give.
VERDICT_COLOURS = {
    "supported": "2E7D32",
    "partially_supported": "F9A825",
    "not_supported": "C62828",
    "contradicted": "6A1B1B",
    "uncited": "BDBDBD",
    "citation_unresolvable": "8E24AA",
}
LINK_COLOUR = "1A56A6"
MUTED = RGBColor(0x5F, 0x63, 0x68)
# What may follow <w:pBdr> inside <w:pPr> (the schema fixes the order of its children).
PPR_AFTER_BORDER = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
# Where a citation number sits in text that `numbered` has rewritten.
MARK = "\x00"


def export_docx(
    report: Report,
    lang: str = "en",
    *,
    audit: Audit | None = None,
    translate: Translate | None = None,
) -> bytes:
    """The report as a Word document in `lang`, with the audit's marks when given."""
    writer = _Writer(report, lang, audit)
    blocks = Layout(report, lang, translate).blocks()
    # Audit claims are English sentences: match them against the English layout, which has
    # the same blocks in the same order (notes, which differ by language, are skipped).
    english = iter(b for b in Layout(report, "en").blocks() if not _is_note(b))
    for index, block in enumerate(blocks):
        writer.block(block, block if _is_note(block) else next(english))
        if index == 0 and audit is not None and isinstance(block, Heading):
            writer.legend(audit)
    buffer = io.BytesIO()
    writer.doc.save(buffer)
    return buffer.getvalue()


class _Writer:
    def __init__(self, report: Report, lang: str, audit: Audit | None):
        self.lang = lang
        self.numbers = citation_numbers(report)
        self.verdicts = _verdicts(audit)
        self.bookmarks = itertools.count(1)
        self.doc: DocumentObject = Document()
        properties = self.doc.core_properties
        properties.title = report.question
        properties.language = "zh-CN" if lang == "zh" else "en"
        properties.author = "Agora"
        _set_fonts(self.doc, lang)

    # -- blocks ------------------------------------------------------------------------

    def block(self, block: Block, en_block: Block) -> None:
        if isinstance(block, Heading):
            # Level 1 is the document's title; sections are Heading 1, subsections Heading 2.
            self.doc.add_heading(block.text, level=0 if block.level == 1 else block.level - 1)
        elif isinstance(block, Para):
            paragraph = self.doc.add_paragraph()
            self.line(paragraph, block.spans, muted=block.note)
            if not block.note and isinstance(en_block, Para):
                self.mark(paragraph, _verdict_of(en_block.spans, self.verdicts))
        elif isinstance(block, Items):
            self.items(block, en_block)
        else:
            self.table(block)

    def items(self, block: Items, en_block: Block) -> None:
        for index, item in enumerate(block.items):
            if block.numbers is not None and not block.claims:
                # The research library: "[n]" as the citations show it, and the bookmark
                # every [n] in the text links to.
                paragraph = self.doc.add_paragraph()
                number = block.numbers[index]
                self.bookmark(paragraph, f"src_{number}", f"[{number}] ")
                paragraph.paragraph_format.left_indent = Pt(24)
                paragraph.paragraph_format.first_line_indent = Pt(-24)
            else:
                style = "List Number" if block.numbers is not None else "List Bullet"
                paragraph = self.doc.add_paragraph(style=style)
            self.line(paragraph, item)
            if block.claims and isinstance(en_block, Items):
                self.mark(paragraph, _verdict_of(en_block.items[index], self.verdicts))

    def table(self, block: Table) -> None:
        table = self.doc.add_table(rows=1, cols=len(block.header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, block.header, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        for row in block.rows:
            cells = table.add_row().cells
            for cell, line in zip(cells, row, strict=True):
                self.line(cell.paragraphs[0], line)
        self.doc.add_paragraph()

    def legend(self, audit: Audit) -> None:
        totals = audit.totals
        paragraph = self.doc.add_paragraph()
        paragraph.add_run(message(self.lang, "audit_legend", judge=audit.judge)).bold = True
        paragraph.add_run().add_break()
        for verdict in [v for v in SEVERITY if v in totals.by_verdict] or SEVERITY:
            run = paragraph.add_run("■ ")
            run.font.color.rgb = RGBColor.from_string(VERDICT_COLOURS[verdict])
            label = message(self.lang, "verdict_" + verdict)
            paragraph.add_run(f"{label} ({totals.by_verdict.get(verdict, 0)})   ")
        paragraph.add_run().add_break()
        summary = message(
            self.lang,
            "audit_totals",
            recall=round(totals.citation_recall * 100),
            precision=round(totals.citation_precision * 100),
            claims=totals.claims,
        )
        paragraph.add_run(summary).font.color.rgb = MUTED

    # -- inline ------------------------------------------------------------------------

    def line(self, paragraph: Paragraph, spans: Line, *, muted: bool = False) -> None:
        for span in spans:
            if span.style == "break":
                paragraph.add_run().add_break()
                continue
            text = numbered(_xml_safe(span.text), self.numbers, _marked)
            # Split on the marks: even pieces are text, odd pieces are citation numbers.
            for position, piece in enumerate(text.split(MARK)):
                if position % 2:
                    self.link(paragraph, f"src_{piece}", f"[{piece}]")
                elif piece:
                    run = paragraph.add_run(piece)
                    run.bold = span.style in ("strong", "move") or None
                    run.italic = span.style == "em" or None
                    if span.style == "move":
                        run.font.small_caps = True
                    if muted:
                        run.font.color.rgb = MUTED

    def link(self, paragraph: Paragraph, anchor: str, text: str) -> None:
        """An internal hyperlink (to a bookmark), coloured like a link."""
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), anchor)
        link.set(qn("w:history"), "1")
        run = OxmlElement("w:r")
        properties = OxmlElement("w:rPr")
        colour = OxmlElement("w:color")
        colour.set(qn("w:val"), LINK_COLOUR)
        properties.append(colour)
        run.append(properties)
        run.append(_text(text))
        link.append(run)
        paragraph._p.append(link)

    def bookmark(self, paragraph: Paragraph, name: str, text: str) -> None:
        """A bold run wrapped in a bookmark named `name` (letters, digits, underscores)."""
        ident = str(next(self.bookmarks))
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), ident)
        start.set(qn("w:name"), name)
        paragraph._p.append(start)
        paragraph.add_run(text).bold = True
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), ident)
        paragraph._p.append(end)

    def mark(self, paragraph: Paragraph, verdict: str | None) -> None:
        """The audit's verdict as a coloured bar left of the paragraph, as in the HTML."""
        if verdict is None:
            return
        border = OxmlElement("w:pBdr")
        left = OxmlElement("w:left")
        for key, value in (
            ("val", "single"),
            ("sz", "24"),
            ("space", "6"),
            ("color", VERDICT_COLOURS[verdict]),
        ):
            left.set(qn(f"w:{key}"), value)
        border.append(left)
        paragraph._p.get_or_add_pPr().insert_element_before(border, *PPR_AFTER_BORDER)


def _marked(number: int, _chunk_id: str) -> str:
    return f"{MARK}{number}{MARK}"


def _xml_safe(text: str) -> str:
    """Without the control characters XML cannot hold (python-docx refuses them), and
    without MARK, so source text can never fake a citation."""
    return _CONTROL.sub("", text)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text(value: str) -> Any:
    element = OxmlElement("w:t")
    element.set(qn("xml:space"), "preserve")
    element.text = value
    return element


def _set_fonts(doc: DocumentObject, lang: str) -> None:
    """Body text at 10.5 pt; Chinese text in a Chinese face with its language marked, so
    Word picks a CJK font and Chinese line breaking. (Word documents name fonts rather than
    embed them; the reader's Word substitutes what it has.)"""
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    if lang != "zh":
        return
    properties = normal.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), "SimSun")
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "en-US")
    language.set(qn("w:eastAsia"), "zh-CN")
    properties.append(language)

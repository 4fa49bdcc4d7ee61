"""Markdown: the report's default format. The research library is a numbered list under
its own heading, so `agora audit report.md --library lib/` can resolve every [n]."""

from __future__ import annotations

from report.layout import Block, Heading, Items, Layout, Line, Para, Translate, numbered
from report.types import Report


def render_markdown(report: Report, lang: str = "en", translate: Translate | None = None) -> str:
    numbers = citation_numbers(report)
    out: list[str] = []
    for block in Layout(report, lang, translate).blocks():
        out.append(_block(block, numbers))
    return "\n\n".join(out).rstrip() + "\n"


def citation_numbers(report: Report) -> dict[str, int]:
    return {c.chunk_id: entry.report_number for entry in report.citations for c in entry.chunks}


def _block(block: Block, numbers: dict[str, int]) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + block.text
    if isinstance(block, Para):
        return _line(block.spans, numbers)
    if isinstance(block, Items):
        if block.numbers is None:
            return "\n".join("- " + _line(item, numbers, "  ") for item in block.items)
        return "\n".join(
            f"{n}. " + _line(item, numbers, " " * (len(str(n)) + 2))
            for n, item in zip(block.numbers, block.items, strict=True)
        )
    rows = [
        "| " + " | ".join(_cell(h) for h in block.header) + " |",
        "|" + "---|" * len(block.header),
    ]
    for row in block.rows:
        rows.append("| " + " | ".join(_cell(_line(cell, numbers)) for cell in row) + " |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _line(spans: Line, numbers: dict[str, int], indent: str = "") -> str:
    parts = []
    for span in spans:
        text = numbered(span.text, numbers, lambda n, _chunk: f"[{n}]")
        if span.style == "break":
            parts.append("  \n" + indent)
        elif not text.strip():
            parts.append(text)
        elif span.style == "strong":
            parts.append(_wrap(text, "**"))
        elif span.style == "em":
            parts.append(_wrap(text, "*"))
        elif span.style == "move":
            parts.append(f"`{text}`")
        else:
            parts.append(text)
    return "".join(parts)


def _wrap(text: str, mark: str) -> str:
    """Emphasis around the words only: Markdown ignores '** word **'."""
    stripped = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{mark}{stripped}{mark}{trail}"

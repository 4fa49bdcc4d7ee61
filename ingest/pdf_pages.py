"""A PDF's pages without their furniture: page numbers and running headers and footers.

pypdf gives each page's text as laid out, so "Page 1 of 2" and the title repeated at the
top of page 2 land in the middle of whatever sentence crosses the page break, and the
sentence splitter then quotes "Illustrative case: ... FY2026 experiments and build the
internal tools ..." as one sentence. Lines are dropped only where furniture sits (among the
first or last two lines of a page) and only when they are page numbers, the document's
title again after its first page, or the same line (numbers aside, when short) at the same
end of two or more pages. A sentence that runs on across the break is then joined by one
line break rather than a paragraph break.
"""

from __future__ import annotations

import re

EDGE = 2  # lines at each end of a page where headers and footers sit
SHORT = 40  # characters: a header line this short may differ from page to page in numbers
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:page|p\.|seite|página|页)?\s*\d{1,4}(?:\s*(?:of|/|von|de)\s*\d{1,4})?"
    r"(?:\s*[-–—])?$",
    re.IGNORECASE,
)
_ELLIPSIS = ("...", "…")
_SENTENCE_END = tuple(".!?:;\"'”’)]")


def strip_furniture(pages: list[str], title: str | None) -> list[str]:
    """Each page's text without page numbers and running headers and footers."""
    lines = [page.split("\n") for page in pages]
    edges = [_edges(page) for page in lines]
    repeated = {
        end: _repeated(
            [[page[i] for i in edge[end]] for page, edge in zip(lines, edges, strict=True)]
        )
        for end in ("top", "bottom")
    }
    out = []
    for number, (page, edge) in enumerate(zip(lines, edges, strict=True)):
        keep = []
        for index, line in enumerate(page):
            end = "top" if index in edge["top"] else "bottom" if index in edge["bottom"] else None
            if end is None or not _furniture(line, end, number, title, repeated[end]):
                keep.append(line)
        out.append("\n".join(keep).strip())
    return out


def separator(before: str, after: str) -> str:
    """How two pages join: one line break when a sentence runs on, else a paragraph."""
    if before and after and not before.endswith(_SENTENCE_END) and after[:1].islower():
        return "\n"
    return "\n\n"


def _furniture(line: str, end: str, page: int, title: str | None, repeated: set[str]) -> bool:
    text = line.strip()
    if not text:
        return False
    if _PAGE_NUMBER.match(text):
        return True
    if end == "top" and page == 0:
        return False  # the first page's opening lines are its heading, even when repeated
    if end == "top" and title and _same_title(text, title):
        return True
    return _key(text) in repeated


def _edges(page: list[str]) -> dict[str, list[int]]:
    """Where a page's furniture can sit: its first and last EDGE lines that are not blank."""
    filled = [index for index, line in enumerate(page) if line.strip()]
    return {"top": filled[:EDGE], "bottom": filled[-EDGE:]}


def _repeated(edges: list[list[str]]) -> set[str]:
    """Lines (as `_key` compares them) found at this end of two or more pages."""
    seen: dict[str, int] = {}
    for lines in edges:
        for key in {_key(line) for line in lines}:
            seen[key] = seen.get(key, 0) + 1
    return {key for key, count in seen.items() if count >= 2 and len(key) > 3}


def _key(line: str) -> str:
    """A line as headers repeat it: exactly, or, when short, with other numbers ("Annual
    report - 3", "Annual report - 4"); a long line differing in numbers is body text."""
    text = " ".join(line.lower().split())
    return re.sub(r"\d+", "#", text) if len(text) <= SHORT else text


def _same_title(line: str, title: str) -> bool:
    """The title, or its start cut with an ellipsis, as running headers print it."""
    line_key, title_key = " ".join(line.lower().split()), " ".join(title.lower().split())
    for mark in _ELLIPSIS:
        if line_key.endswith(mark):
            start = line_key.removesuffix(mark).rstrip()
            return len(start) >= 12 and title_key.startswith(start)
    return line_key == title_key

"""Sentence-aware chunking that keeps exact character offsets (and PDF pages).

A chunk is always ``text[start:end]`` of the extracted text, so a citation can point at
the exact passage. Chunks are packed greedily from whole sentences up to ``chunk_size``
characters; the trailing sentences of a chunk, up to ``overlap`` characters, open the next
one so that a claim spanning a boundary is still retrievable. A heading starts a new chunk
and becomes the ``section`` of the chunks beneath it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.text import split_sentences as text_sentences
from ingest.types import Chunk, ExtractedDocument, PageSpan, make_chunk_id

_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Span:
    """A [start, end) range of the extracted text."""

    start: int
    end: int


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of text[start:end] (``ingest.text.split_sentences``, the splitter the
    judge and the debate share), offsets into `text`."""
    return [Span(s.start, s.end) for s in text_sentences(text, start, end)]


def _heading_text(line: str) -> str | None:
    """The heading a line stands for, if it is one (Markdown '#' lines only)."""
    match = _MARKDOWN_HEADING.match(line)
    return match.group(1) if match else None


@dataclass(frozen=True)
class _Unit:
    """A sentence (or a heading line) with the section it falls under."""

    span: Span
    section: str | None
    is_heading: bool


def _units(text: str) -> Iterator[_Unit]:
    """Walk the text line by line: heading lines are units of their own, and each run of
    other non-blank lines (a paragraph) is split into sentences."""
    section: str | None = None
    block_start: int | None = None
    offset = 0
    for line in text.splitlines(keepends=True):
        line_end = offset + len(line)
        stripped = line.strip()
        heading = _heading_text(stripped)
        if (heading is not None or not stripped) and block_start is not None:
            for span in split_sentences(text, block_start, offset):
                yield _Unit(span, section, False)
            block_start = None
        if heading is not None:
            section = heading
            heading_span = _trimmed(text, offset, line_end)
            if heading_span:
                yield _Unit(heading_span, section, True)
        elif stripped and block_start is None:
            block_start = offset
        offset = line_end
    if block_start is not None:
        for span in split_sentences(text, block_start, len(text)):
            yield _Unit(span, section, False)


def _split_long(text: str, span: Span, limit: int) -> list[Span]:
    """Cut a sentence longer than `limit` at word boundaries."""
    pieces: list[Span] = []
    start = span.start
    while span.end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        cut = cut if cut > start else start + limit
        piece = _trimmed(text, start, cut)
        if piece:
            pieces.append(piece)
        start = cut
    last = _trimmed(text, start, span.end)
    if last:
        pieces.append(last)
    return pieces


def _page_at(pages: list[PageSpan], offset: int) -> int | None:
    if not pages:
        return None
    starts = [page.start for page in pages]
    index = max(bisect_right(starts, offset) - 1, 0)
    return pages[index].page


def chunk_spans(text: str, chunk_size: int, overlap: int) -> list[tuple[Span, str | None]]:
    """Chunk boundaries (and section) for `text`; see the module docstring."""
    units: list[_Unit] = []
    for unit in _units(text):
        if unit.span.end - unit.span.start > chunk_size:
            units += [
                _Unit(piece, unit.section, False)
                for piece in _split_long(text, unit.span, chunk_size)
            ]
        else:
            units.append(unit)

    chunks: list[tuple[Span, str | None]] = []
    current: list[_Unit] = []

    def length(group: list[_Unit]) -> int:
        return group[-1].span.end - group[0].span.start if group else 0

    def flush() -> list[_Unit]:
        """Emit the current chunk; return the sentences that overlap into the next one."""
        if not current or all(unit.is_heading for unit in current):
            return current  # a lone heading waits for its body
        first, last = current[0], current[-1]
        body = next((unit for unit in current if not unit.is_heading), first)
        chunks.append((Span(first.span.start, last.span.end), body.section))
        carried: list[_Unit] = []
        for unit in reversed(current[1:]):
            if unit.is_heading or length([unit, *carried]) > overlap:
                break
            carried.insert(0, unit)
        return carried

    for unit in units:
        if unit.is_heading and any(not u.is_heading for u in current):
            current = flush()
            current = []  # never carry text across a heading
        elif current and unit.span.end - current[0].span.start > chunk_size:
            current = flush()
            # If the carried overlap plus this unit is still too long, drop the overlap.
            if current and unit.span.end - current[0].span.start > chunk_size:
                current = []
        current.append(unit)
    if current and any(not u.is_heading for u in current):
        flush()
    return chunks


def chunk_document(
    document: ExtractedDocument, source_id: str, chunk_size: int = 1000, overlap: int = 150
) -> list[Chunk]:
    """Chunks of an extracted document, ids derived from the content hash."""
    content_hash = document.content_hash
    chunks = []
    for index, (span, section) in enumerate(chunk_spans(document.text, chunk_size, overlap)):
        chunks.append(
            Chunk(
                chunk_id=make_chunk_id(source_id, content_hash, index),
                source_id=source_id,
                index=index,
                text=document.text[span.start : span.end],
                start=span.start,
                end=span.end,
                page=_page_at(document.pages, span.start),
                page_end=_page_at(document.pages, span.end - 1),
                section=section,
            )
        )
    return chunks

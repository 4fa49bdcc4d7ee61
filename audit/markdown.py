"""Audit any Markdown report that cites sources as [n] and ends with a numbered reference
list: claims are the report's sentences; each [n] is resolved through the reference list
to a library source by URL, then file path, then title. A reference that matches nothing,
or more than one source, is reported as unresolvable, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from audit.auditor import Candidate, CitationInput, ClaimInput
from ingest.chunking import split_sentences
from ingest.library import Library
from ingest.locations import normalise_url
from ingest.types import Source, SourceStatus

_REFERENCE_HEADING = re.compile(
    r"^#{1,6}\s*(references|sources|bibliography|works cited|research library|citations|"
    r"参考文献|参考资料|来源|研究资料)\b",
    re.IGNORECASE,
)
_REFERENCE_ENTRY = re.compile(r"^\s*(?:[-*]\s*)?(?:\[(\d+)\]|(\d+)[.)])\s+(.+)$")
_MARKER = re.compile(r"\[(\d+(?:\s*[-–,]\s*\d+)*)\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*[-–,]\s*\d+)*\])+)")
_URL = re.compile(r"https?://[^\s<>)\]]+")
_PATHLIKE = re.compile(r"(?:[\w.~-]*/)*[\w.-]+\.(?:pdf|md|markdown|html?|txt)\b", re.IGNORECASE)
MIN_CLAIM_WORDS = 5


@dataclass(frozen=True)
class Reference:
    number: int
    text: str


def _expand(labels: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*,\s*", labels):
        bounds = re.split(r"\s*[-–]\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            low, high = int(bounds[0]), int(bounds[1])
            numbers.extend(range(low, high + 1) if 0 < high - low < 50 else [low, high])
        elif part.isdigit():
            numbers.append(int(part))
    return numbers


def split_report(markdown: str) -> tuple[str, list[Reference]]:
    """The body and the numbered reference list (from the last references heading on)."""
    lines = markdown.splitlines()
    heading_at = max(
        (i for i, line in enumerate(lines) if _REFERENCE_HEADING.match(line.strip())),
        default=None,
    )
    if heading_at is None:
        return markdown, []
    references = []
    for line in lines[heading_at + 1 :]:
        match = _REFERENCE_ENTRY.match(line)
        if match:
            references.append(Reference(int(match.group(1) or match.group(2)), match.group(3)))
    return "\n".join(lines[:heading_at]), references


def extract_claims(body: str) -> list[tuple[str, list[int]]]:
    """Sentences of the body with the numbers they cite; headings, tables and code skipped;
    short uncited fragments (under five words) are not claims."""
    body = re.sub(r"```.*?```", "", body, flags=re.DOTALL)
    body = re.sub(r"\A---\n.*?\n---\n", "", body, flags=re.DOTALL)  # front matter
    claims = []
    for raw_line in body.splitlines():
        line = raw_line.strip()
        if not line or line.startswith(("#", "|", ">", "<!--")):
            continue
        line = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", line)  # list markers
        line = _MARKERS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", line)
        for span in split_sentences(line):
            sentence = line[span.start : span.end]
            numbers = [n for m in _MARKER.finditer(sentence) for n in _expand(m.group(1))]
            text = re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", sentence))
            text = re.sub(r"\s{2,}", " ", text).strip()
            text = re.sub(r"[*_`]", "", text)
            if numbers or len(text.split()) >= MIN_CLAIM_WORDS:
                claims.append((text, list(dict.fromkeys(numbers))))
    return claims


def _normal_title(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def resolve_reference(reference: Reference, sources: list[Source]) -> Source | str:
    """The library source a reference entry names, or why none could be chosen."""
    for url in _URL.findall(reference.text):
        wanted = normalise_url(url.rstrip(".,;"))
        hits = [s for s in sources if wanted in {normalise_url(s.url or ""), s.location}]
        if len(hits) == 1:
            return hits[0]
    for candidate in _PATHLIKE.findall(reference.text):
        exact = [s for s in sources if s.path and s.path.endswith(candidate)]
        if len(exact) == 1:
            return exact[0]
        by_name = [s for s in sources if s.path and Path(s.path).name == Path(candidate).name]
        if len(by_name) == 1:
            return by_name[0]
    entry = _normal_title(reference.text)
    titled = [s for s in sources if s.title and len(_normal_title(s.title)) >= 8]
    hits = [s for s in titled if _normal_title(s.title or "") in entry]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        longest = max(hits, key=lambda s: len(s.title or ""))
        if sum(len(s.title or "") == len(longest.title or "") for s in hits) == 1:
            return longest  # one title contains the others ("Report" vs "Report 2025")
        return f"reference [{reference.number}] matches several library sources by title"
    return f"reference [{reference.number}] matches no library source by url, path or title"


def markdown_claims(markdown: str, library: Library) -> list[ClaimInput]:
    """Claims of a Markdown report with their citations resolved to library passages."""
    body, references = split_report(markdown)
    sources = library.sources(SourceStatus.OK)
    resolved: dict[int, Source | str] = {
        ref.number: resolve_reference(ref, sources) for ref in references
    }
    claims = []
    for text, numbers in extract_claims(body):
        citations = []
        for number in numbers:
            target = resolved.get(number, f"[{number}] is not in the reference list")
            if isinstance(target, str):
                citations.append(CitationInput(label=str(number), problem=target))
                continue
            candidates = [
                Candidate(source=target.number, chunk_id=chunk.chunk_id, text=chunk.text)
                for chunk in library.chunks(target)
            ]
            citations.append(CitationInput(label=str(number), candidates=candidates))
        claims.append(ClaimInput(text=text, citations=citations))
    return claims

"""Reference-manager exports as sources: BibTeX (.bib), RIS (.ris) and CSL-JSON (.json).

Zotero, JabRef, Mendeley and EndNote export a library in these formats; each entry becomes
one `SourceRequest` carrying the entry's title, authors and date, which win over what
extraction guesses from the document. What is fetched, in order:

1. an attached file: BibTeX's ``file`` field (``Description:path:mime``, several separated
   by ``;``, with ``\\:`` and ``\\;`` escaped, as Zotero, JabRef and Mendeley write it),
   RIS's ``L1``/``L2`` links; relative paths are resolved against the export's folder;
2. else the entry's URL;
3. else its DOI, resolved at https://doi.org/.

An entry with none of these still becomes a request, with a `problem`, so the add records
it as a failed source with that reason (and the CLI lists it) rather than dropping it.

The formats are read with maintained parsers (bibtexparser, rispy; CSL-JSON is JSON). Only
the ``file`` field's small syntax, which no parser reads, is split here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import bibtexparser
import rispy
from bibtexparser.middlewares import (
    MergeNameParts,
    MonthIntMiddleware,
    SeparateCoAuthors,
    SplitNameParts,
)
from pylatexenc.latex2text import LatexNodes2Text

from ingest.errors import LibraryError
from ingest.local import SUPPORTED_EXTENSIONS
from ingest.requests import SourceRequest

REFERENCE_SUFFIXES = frozenset({".bib", ".bibtex", ".ris", ".json"})
DOI_RESOLVER = "https://doi.org/"
MAX_AUTHORS = 6  # more are shortened to "..., et al." in the source's author line


@dataclass
class Reference:
    """One entry of an export, in the terms Agora needs."""

    key: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    files: list[str] = field(default_factory=list)  # paths or file:// / http(s) links
    urls: list[str] = field(default_factory=list)
    doi: str | None = None


def read_references(path: Path, *, local_files: bool = True) -> list[SourceRequest] | None:
    """The requests of a reference export, or None when `path` is not one (a .json that
    is Agora's own manifest rather than CSL-JSON, or another suffix).

    `local_files=False` (the web app, which reads nothing from the server's disk on a
    visitor's behalf) skips attached files that are paths, taking the URL or DOI."""
    suffix = path.suffix.lower()
    if suffix not in REFERENCE_SUFFIXES:
        return None
    try:
        raw = path.read_text(encoding="utf-8-sig")  # exports on Windows often start with a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    if suffix == ".json":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            return None  # the manifest reader says what is wrong with it
        if not is_csl_json(data):
            return None
        references = [_from_csl(item, index) for index, item in enumerate(data, 1)]
    elif suffix == ".ris":
        references = _read_ris(raw, path)
    else:
        references = _read_bibtex(raw, path)
    if not references:
        raise LibraryError(f"{path}: no reference entries found")
    return [_request(reference, path.resolve(), local_files) for reference in references]


def is_csl_json(data: Any) -> bool:
    """CSL-JSON is a list of items, each with an "id" or a "type"; Agora's manifest is
    ``{"sources": [...]}`` or a list of strings or of items with a "location"."""
    return (
        isinstance(data, list)
        and bool(data)
        and all(
            isinstance(item, dict) and ("id" in item or "type" in item) and "location" not in item
            for item in data
        )
    )


# -- what to fetch --------------------------------------------------------------------------


def _request(reference: Reference, export: Path, local_files: bool = True) -> SourceRequest:
    metadata = {
        "title": reference.title,
        "author": _author_line(reference.authors),
        "date": reference.date,
    }
    base = export.parent
    missing: list[str] = []
    for attachment in reference.files:
        if attachment.lower().startswith(("http://", "https://")):
            return SourceRequest(location=attachment, **metadata)
        found = _local_file(attachment, base) if local_files else None
        if found is not None:
            return SourceRequest(location=str(found), **metadata)
        missing.append(attachment)
    web = [url for url in reference.urls if url.lower().startswith(("http://", "https://"))]
    if web:
        return SourceRequest(location=web[0], **metadata)
    if reference.doi:
        return SourceRequest(location=DOI_RESOLVER + quote(reference.doi, safe="/:;()"), **metadata)
    if missing and not local_files:
        problem = (
            f"its attached file ({missing[0]}) is a path on the computer that exported it; "
            "the web app fetches only URLs and DOIs, so add this export with "
            "`agora library add --from FILE` on the machine that holds the files"
        )
    elif missing:
        problem = (
            f"the attached file was not found or cannot be read ({missing[0]}), and the entry "
            "has no URL or DOI to fetch instead"
        )
    elif reference.urls:
        problem = (
            f"nothing to fetch: its URL ({reference.urls[0]}) is not an http(s) address, "
            "and the entry has no attached file or DOI"
        )
    else:
        problem = "nothing to fetch: the entry has no attached file, URL or DOI"
    return SourceRequest(location=f"{export}#{reference.key}", problem=problem, **metadata)


def _local_file(attachment: str, base: Path) -> Path | None:
    """The attached file if it exists and Agora can read it, else None."""
    if attachment.lower().startswith("file:"):
        attachment = unquote(urlsplit(attachment).path)
    elif re.match(r"^[a-z][a-z0-9+.-]*://", attachment, re.IGNORECASE):
        return None  # EndNote's internal-pdf://, Zotero's zotero://: not files we can open
    path = Path(attachment).expanduser()
    candidates = [path] if path.is_absolute() else [base / path]
    if not path.is_absolute():
        # Mendeley Desktop on Linux drops the leading "/" of absolute paths.
        candidates.append(Path("/") / path)
    for candidate in candidates:
        if candidate.is_file() and candidate.suffix.lower() in SUPPORTED_EXTENSIONS:
            return candidate.resolve()
    return None


def _author_line(authors: list[str]) -> str | None:
    names = [name for name in authors if name]
    if not names:
        return None
    if len(names) > MAX_AUTHORS:
        return ", ".join(names[:MAX_AUTHORS]) + ", et al."
    return ", ".join(names)


# -- BibTeX -------------------------------------------------------------------------------

_LATEX = LatexNodes2Text()


def _read_bibtex(raw: str, path: Path) -> list[Reference]:
    # Names are split on "and" and their parts put back as "First von Last, Jr" while the
    # braces are still there (so "{World Bank}" stays one name); LaTeX is decoded per
    # field below, and never in `file`, whose backslashes escape ":" and ";".
    library = bibtexparser.parse_string(
        raw,
        append_middleware=[
            SeparateCoAuthors(),
            SplitNameParts(),
            MergeNameParts(style="first"),
            MonthIntMiddleware(True),
        ],
    )
    if library.failed_blocks:
        first = library.failed_blocks[0]
        count = len(library.failed_blocks)
        where = f" at line {first.start_line + 1}" if first.start_line is not None else ""
        raise LibraryError(
            f"{path}: {count} entr{'y' if count == 1 else 'ies'} could not be read, the first"
            f"{where} ({first.error}); fix or remove it and add the file again"
        )
    references = []
    for entry in library.entries:
        fields = {key.lower(): value.value for key, value in entry.fields_dict.items()}
        names = fields.get("author") or fields.get("editor") or []
        if isinstance(names, str):
            names = [names]
        references.append(
            Reference(
                key=entry.key,
                title=_latex(fields.get("title")),
                authors=[_latex(name) or "" for name in names],
                date=_bibtex_date(fields),
                files=split_file_field(str(fields.get("file", ""))),
                urls=_urls(fields.get("url")),
                doi=_doi(fields.get("doi")),
            )
        )
    return references


def _latex(value: Any) -> str | None:
    if not value:
        return None
    text = _LATEX.latex_to_text(str(value))
    return " ".join(text.split()) or None


def _bibtex_date(fields: dict[str, Any]) -> str | None:
    """biblatex's ``date`` as written (ISO 8601), else ``year`` and ``month``."""
    if fields.get("date"):
        return str(fields["date"]).strip()
    year = str(fields.get("year", "")).strip()
    if not re.fullmatch(r"\d{4}", year):
        return year or None
    month = fields.get("month")
    return f"{year}-{month:02d}" if isinstance(month, int) and 1 <= month <= 12 else year


def split_file_field(value: str) -> list[str]:
    """The paths in a BibTeX ``file`` field.

    JabRef and Mendeley write ``Description:path:type`` entries separated by ``;``, escaping
    ``:``, ``;`` and ``\\`` in them with a backslash (``:C\\:/Users/me/paper.pdf:pdf``);
    Zotero writes the same shape unescaped on Unix (``Full Text PDF:/home/me/a.pdf:
    application/pdf``); Better BibTeX may write just the path. A Windows path whose colon
    was not escaped ends up split in the middle, so every part between the first and the
    last is joined back."""
    entries: list[list[str]] = [[""]]
    escaped = False
    for char in value.strip():
        if escaped:
            entries[-1][-1] += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ";":
            entries.append([""])
        elif char == ":":
            entries[-1].append("")
        else:
            entries[-1][-1] += char
    paths = []
    for parts in entries:
        # "path", or "path:type" without a description, or "description:path:type"
        path = parts[0] if len(parts) <= 2 else ":".join(parts[1:-1])
        if path.strip():
            paths.append(path.strip())
    return paths


# -- RIS ----------------------------------------------------------------------------------


def _read_ris(raw: str, path: Path) -> list[Reference]:
    # L1 (attached file) and L2 (full text link) may repeat, once per attachment: read
    # them as lists (rispy keeps only the last value of a tag it expects once).
    list_tags = [*rispy.LIST_TYPE_TAGS, "L1", "L2"]
    try:
        entries = rispy.loads(raw, list_tags=list_tags)
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise LibraryError(f"{path} is not a valid RIS file: {exc}") from exc
    references = []
    for index, entry in enumerate(entries, 1):
        title = entry.get("title") or entry.get("primary_title")
        authors = entry.get("authors") or entry.get("first_authors") or []
        references.append(
            Reference(
                key=str(entry.get("id") or f"entry {index}"),
                title=" ".join(str(title).split()) if title else None,
                authors=[_name(author) for author in authors],
                date=_ris_date(entry),
                files=[
                    *_urls(entry.get("file_attachments1")),
                    *_urls(entry.get("file_attachments2")),
                ],
                urls=_urls(entry.get("urls")),
                doi=_doi(entry.get("doi")),
            )
        )
    return references


def _name(name: str) -> str:
    """ "Last, First" (RIS, BibTeX) as "First Last"; anything else as written."""
    parts = [part.strip() for part in str(name).split(",")]
    if len(parts) == 2 and all(parts):
        return f"{parts[1]} {parts[0]}"
    return str(name).strip()


def _ris_date(entry: dict[str, Any]) -> str | None:
    """RIS dates are "YYYY/MM/DD/other" with empty parts allowed ("2021///")."""
    for key in ("date", "year", "publication_year"):
        value = str(entry.get(key) or "").strip()
        parts = [part for part in value.split("/")[:3] if part.strip()]
        if parts and re.fullmatch(r"\d{4}", parts[0]):
            numbers = [parts[0], *(f"{int(p):02d}" for p in parts[1:] if p.isdigit())]
            return "-".join(numbers)
        if value:
            return value
    return None


# -- CSL-JSON ---------------------------------------------------------------------------


def _from_csl(item: dict[str, Any], index: int) -> Reference:
    authors = []
    for person in item.get("author") or item.get("editor") or []:
        if isinstance(person, dict):
            literal = person.get("literal")
            given_family = " ".join(
                str(person[part])
                for part in ("given", "non-dropping-particle", "family")
                if person.get(part)
            )
            authors.append(str(literal or given_family))
    files = item.get("file") or []  # not CSL, but some exporters add their attachments
    return Reference(
        key=str(item.get("id") or f"item {index}"),
        title=" ".join(str(item["title"]).split()) if item.get("title") else None,
        authors=[name for name in authors if name],
        date=_csl_date(item.get("issued")),
        files=split_file_field(files) if isinstance(files, str) else _urls(files),
        urls=_urls(item.get("URL")),
        doi=_doi(item.get("DOI")),
    )


def _csl_date(issued: Any) -> str | None:
    """CSL dates: {"date-parts": [[2021, 3, 15]]}, or {"raw"|"literal": "..."}."""
    if not isinstance(issued, dict):
        return None
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        first = [str(part) for part in parts[0]]
        if re.fullmatch(r"\d{4}", first[0]):
            return "-".join([first[0], *(f"{int(p):02d}" for p in first[1:3] if p.isdigit())])
    for key in ("raw", "literal"):
        if issued.get(key):
            return str(issued[key]).strip()
    return None


# -- shared --------------------------------------------------------------------------------


def _urls(value: Any) -> list[str]:
    """A field holding one link, several separated by whitespace, or a list of them."""
    if not value:
        return []
    values = value if isinstance(value, list) else str(value).split()
    return [str(v).strip() for v in values if str(v).strip()]


def _doi(value: Any) -> str | None:
    """A DOI without the resolver or "doi:" prefix it is sometimes written with."""
    if not value:
        return None
    doi = str(value).strip()
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.IGNORECASE)
    return doi or None

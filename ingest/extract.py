"""Turn a source's bytes into plain text plus the metadata found along the way.

One entry point, :func:`extract`, dispatches on the sniffed :class:`SourceKind`:

- HTML goes through trafilatura, which drops navigation, footers and other boilerplate.
  We decode the bytes ourselves first, because trafilatura guesses encodings from the
  bytes alone and ignores the page's declared charset.
- PDF goes through pypdf page by page, without page numbers and running headers and
  footers (``ingest.pdf_pages``); ``pages`` records where each page's text sits in the
  joined text, so chunks can cite page numbers.
- Text and markdown are decoded (``ingest.decoding``), newlines normalised, and (for
  markdown) YAML front matter read for metadata and removed.

Whatever cannot give usable text raises :class:`ExtractionError` with a ``reason`` a
person can act on: a login wall, a scanned PDF, a password-protected file, an empty file.
"""

from __future__ import annotations

import html
import io
import re
from datetime import date, datetime
from typing import Any

import trafilatura
import yaml
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, LimitReachedError
from trafilatura.settings import Document

from ingest.decoding import decode_text
from ingest.pdf_pages import separator, strip_furniture
from ingest.types import ExtractedDocument, PageSpan, SourceKind

# A plain-text title longer than this is a paragraph, not a title.
MAX_TITLE_CHARS = 120


class ExtractionError(Exception):
    """No usable text could be extracted; ``reason`` says why, for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def extract(
    content: bytes,
    kind: SourceKind,
    *,
    url: str | None = None,
    name: str | None = None,
    min_text_chars: int = 200,
    declared_type: str | None = None,
) -> ExtractedDocument:
    """Extract text and metadata from ``content`` of the given ``kind``.

    ``url`` is where a web page came from (trafilatura resolves the canonical URL with
    it); ``name`` is the file name, accepted for symmetry with sniffing but unused here
    (falling back to it as a title is the caller's choice); ``declared_type`` is the HTTP
    Content-Type, whose charset helps decode HTML and text. Raises
    :class:`ExtractionError` when the result is empty or shorter than ``min_text_chars``.
    """
    if not content.strip():
        raise ExtractionError("empty file" if url is None else "empty response body")
    if kind is SourceKind.HTML:
        return _extract_html(content, url, min_text_chars, declared_type)
    if kind is SourceKind.PDF:
        return _extract_pdf(content, min_text_chars)
    return _extract_text(content, kind, min_text_chars, declared_type)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -------------------------------------------------------------------------------- HTML
_TITLE_TAG = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")


def _too_short(length: int, what: str) -> ExtractionError:
    return ExtractionError(f"extracted only {length} characters of readable text ({what})")


def _extract_html(
    content: bytes, url: str | None, min_text_chars: int, declared_type: str | None
) -> ExtractedDocument:
    page = decode_text(content, declared_type, is_html=True)
    # Passing str, not bytes: with bytes trafilatura re-detects the encoding and ignores
    # the page's declared charset.
    # SEE: https://github.com/adbar/trafilatura/issues/231
    result = trafilatura.bare_extraction(
        page,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        # htmldate's "extensive search" guesses dates from any date-like text on the
        # page (copyright lines, comments); a wrong date is worse than none.
        date_extraction_params={"original_date": True, "extensive_search": False},
    )
    # bare_extraction returns a dict only when asked to (as_dict); be strict anyway.
    document = result if isinstance(result, Document) else None
    raw = document.text if document is not None else None
    # One paragraph per line from trafilatura; blank lines between them match the
    # text and markdown kinds, so chunking sees the same paragraph boundaries.
    lines = [_SPACES.sub(" ", line).strip() for line in (raw or "").splitlines()]
    text = "\n\n".join(line for line in lines if line)
    if len(text) < max(min_text_chars, 1):
        raise _too_short(len(text), "a navigation page, login wall, or page built by JavaScript?")
    title = document.title if document is not None else None
    if not title:
        match = _TITLE_TAG.search(page)
        if match:
            title = _SPACES.sub(" ", html.unescape(match.group(1))).strip() or None
    return ExtractedDocument(
        kind=SourceKind.HTML,
        text=text,
        title=title,
        author=_clean(document.author if document is not None else None),
        date=_iso_date(document.date if document is not None else None),
        url=(document.url if document is not None else None) or url,
    )


# --------------------------------------------------------------------------------- PDF
_PDF_SPACES = re.compile(r"[ \t\u00a0]+")
_PDF_BLANK_LINES = re.compile(r"\n{3,}")
_JUNK_TITLES = {"untitled", "untitled document", "title", "document", "microsoft word"}


def _normalise_page(text: str) -> str:
    """Conservative clean-up of one page: collapse runs of spaces, trim lines, drop
    runs of blank lines. Words and line breaks stay where pypdf put them."""
    text = _normalise_newlines(text).replace("\x00", "")
    lines = [_PDF_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _PDF_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _extract_pdf(content: bytes, min_text_chars: int) -> ExtractedDocument:
    # pypdf raises a wide and version-dependent set of exceptions on malformed files
    # (PdfReadError, but also ValueError, KeyError, struct.error, RecursionError...),
    # so any failure while parsing means "not a readable PDF".
    # SEE: https://pypdf.readthedocs.io/en/stable/user/robustness.html
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            _decrypt(reader)
        page_texts = [_page_text(page) for page in reader.pages]
    except ExtractionError:
        raise
    except MemoryError as exc:
        # Under the sandbox's memory cap (ingest.sandbox) a decompression bomb lands here.
        raise ExtractionError(
            "the PDF expands beyond the memory limit when decompressed (a decompression "
            "bomb?); raise AGORA_PARSE_MEMORY_MB if it is genuine"
        ) from exc
    except LimitReachedError as exc:
        # ... or here, when pypdf's own cap on one stream's output (75 MB) trips first:
        # which one does depends on how much memory the parsing worker already holds.
        # SEE: https://pypdf.readthedocs.io/en/stable/user/security.html
        raise ExtractionError(
            "a stream of the PDF expands beyond pypdf's decompression limit (a "
            f"decompression bomb?): {_short_error(exc)}"
        ) from exc
    except Exception as exc:
        raise ExtractionError(
            f"not a readable PDF (damaged or truncated: {_short_error(exc)})"
        ) from exc

    title, author, created = _pdf_metadata(reader)
    text = ""
    spans: list[PageSpan] = []
    for number, page_text in enumerate(strip_furniture(page_texts, title), start=1):
        if not page_text:
            continue  # an image-only or blank page: no span, page numbers stay true
        if text:
            text += separator(text, page_text)
        spans.append(PageSpan(page=number, start=len(text), end=len(text) + len(page_text)))
        text += page_text

    pages = len(page_texts)
    if not text:
        raise ExtractionError(
            f"PDF of {_pages(pages)} has no extractable text (scanned images? OCR is not supported)"
        )
    if len(text) < min_text_chars:
        raise _too_short(
            len(text), f"from a PDF of {_pages(pages)}; scanned images? OCR is not supported"
        )
    return ExtractedDocument(
        kind=SourceKind.PDF, text=text, title=title, author=author, date=created, pages=spans
    )


def _decrypt(reader: PdfReader) -> None:
    """Open a PDF encrypted with an empty user password (common for "no copying"
    restrictions); anything that needs a real password fails with that reason."""
    try:
        result = reader.decrypt("")
    except DependencyError as exc:
        # pypdf does RC4 by itself but needs the cryptography package for AES.
        raise ExtractionError(
            "encrypted PDF using AES; install the 'cryptography' package to open it"
        ) from exc
    except NotImplementedError as exc:
        raise ExtractionError(f"encrypted PDF with an unsupported scheme ({exc})") from exc
    if result == PasswordType.NOT_DECRYPTED:
        raise ExtractionError("encrypted PDF that needs a password")


def _page_text(page: Any) -> str:
    return _normalise_page(page.extract_text() or "")


def _pdf_metadata(reader: PdfReader) -> tuple[str | None, str | None, str | None]:
    """Title, author and creation date (ISO), each None when absent or unreadable."""
    try:
        info = reader.metadata
    except Exception:  # malformed info dictionary: the text is still good
        return None, None, None
    if info is None:
        return None, None, None
    title = author = created = None
    try:
        title = _clean(info.title)
        if title and title.lower().removeprefix("microsoft word - ") in _JUNK_TITLES:
            title = None
        elif title:
            title = title.removeprefix("Microsoft Word - ")
    except Exception:
        title = None
    try:
        author = _clean(info.author)
    except Exception:
        author = None
    try:
        when = info.creation_date
        created = when.date().isoformat() if when is not None else None
    except Exception:  # dates in the wild ignore the D:YYYYMMDD... format
        created = None
    return title, author, created


def _pages(count: int) -> str:
    return f"{count} page" if count == 1 else f"{count} pages"


def _short_error(exc: Exception) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {message[:160]}" if message else name


# ----------------------------------------------------------------------- text, markdown
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_SETEXT_H1 = re.compile(r"^ {0,3}(\S[^\n]*)\n {0,3}=+[ \t]*$", re.MULTILINE)


def _extract_text(
    content: bytes, kind: SourceKind, min_text_chars: int, declared_type: str | None
) -> ExtractedDocument:
    text = _normalise_newlines(decode_text(content, declared_type)).replace("\x00", "")
    meta: dict[str, Any] = {}
    if kind is SourceKind.MARKDOWN:
        text, meta = _split_front_matter(text)
    text = text.strip()
    if not text:
        raise ExtractionError("empty file")
    if len(text) < min_text_chars:
        raise _too_short(len(text), "too short to be a useful source")

    title = _clean(_as_text(meta.get("title")))
    if title is None and kind is SourceKind.MARKDOWN:
        title = _markdown_title(text)
    if title is None and kind is SourceKind.TEXT:
        first = next((line.strip() for line in text.split("\n") if line.strip()), "")
        title = first if len(first) < MAX_TITLE_CHARS else None
    author_value = meta.get("author", meta.get("authors"))
    return ExtractedDocument(
        kind=kind,
        text=text,
        title=title,
        author=_clean(_as_text(author_value)),
        date=_iso_date(meta.get("date")),
    )


def _split_front_matter(text: str) -> tuple[str, dict[str, Any]]:
    """Remove YAML front matter and return it parsed; leave the text alone when the
    block is not valid YAML mapping (it may be a horizontal rule and a paragraph)."""
    text = text.removeprefix("\ufeff")
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return text, {}
    if not isinstance(meta, dict):
        return text, {}
    return text[match.end() :], {str(key).lower(): value for key, value in meta.items()}


def _markdown_title(text: str) -> str | None:
    found = [m for m in (_ATX_H1.search(text), _SETEXT_H1.search(text)) if m is not None]
    if not found:
        return None
    first = min(found, key=lambda m: m.start())
    return _clean(first.group(1))


# ----------------------------------------------------------------------------- helpers
def _as_text(value: Any) -> str | None:
    """YAML values come as strings, numbers, dates or lists of names."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        names = [_as_text(item) for item in value]
        return ", ".join(name for name in names if name) or None
    if isinstance(value, dict):
        return _as_text(value.get("name"))
    return str(value)


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    cleaned = _SPACES.sub(" ", str(value)).strip()
    return cleaned or None


_DATE_FORMATS = ("%Y/%m/%d", "%d.%m.%Y", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y")


def _iso_date(value: Any) -> str | None:
    """An ISO 8601 date (YYYY-MM-DD) from a date, datetime or common date string."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raw = str(value).strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern).date().isoformat()
        except ValueError:
            continue
    # A bare year or year-month is still a useful ISO 8601 value.
    if re.fullmatch(r"\d{4}(-\d{2})?", raw):
        return raw
    return None

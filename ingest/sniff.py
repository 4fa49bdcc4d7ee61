"""What a source's bytes are: PDF, HTML, Markdown or text, or refused by name.

The kind comes from the magic bytes (:func:`sniff_kind`), never from the declared
Content-Type: servers routinely send PDFs as ``text/html`` or
``application/octet-stream``. Web pages (``ingest.fetch``) and local files
(``ingest.local``) are sniffed alike.
"""

from __future__ import annotations

from ingest.errors import FetchError
from ingest.types import SourceKind

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# (signature, offset, what it is). Checked before the text heuristics, so a PNG whose
# first bytes happen to look printable is still refused by name.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"GIF87a", 0, "GIF image"),
    (b"GIF89a", 0, "GIF image"),
    (b"II*\x00", 0, "TIFF image"),
    (b"MM\x00*", 0, "TIFF image"),
    (b"\x00\x00\x01\x00", 0, "icon image"),
    (b"8BPS", 0, "Photoshop image"),
    (b"wOFF", 0, "web font"),
    (b"wOF2", 0, "web font"),
    (b"\x1f\x8b", 0, "gzip archive"),
    (b"1AY&SY", 4, "bzip2 archive"),
    (b"\xfd7zXZ\x00", 0, "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "RAR archive"),
    (b"\x28\xb5\x2f\xfd", 0, "zstd archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "legacy Office document (.doc, .xls or .ppt)"),
    (b"{\\rtf", 0, "RTF document"),
    (b"\x7fELF", 0, "ELF executable"),
    (b"\xca\xfe\xba\xbe", 0, "Java class or Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", 0, "Mach-O executable"),
    (b"\x00asm", 0, "WebAssembly module"),
    (b"SQLite format 3\x00", 0, "SQLite database"),
    (b"ID3\x03", 0, "MP3 audio"),
    (b"ID3\x04", 0, "MP3 audio"),
    (b"OggS", 0, "Ogg audio or video"),
    (b"fLaC", 0, "FLAC audio"),
    (b"\x1aE\xdf\xa3", 0, "Matroska/WebM video"),
    (b"ftyp", 4, "MP4/QuickTime video or HEIF/AVIF image"),
)

_ZIP_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"word/", "Word document (.docx)"),
    (b"xl/", "Excel workbook (.xlsx)"),
    (b"ppt/", "PowerPoint presentation (.pptx)"),
    (b"application/epub+zip", "EPUB e-book"),
    (b"application/vnd.oasis.opendocument", "OpenDocument file"),
)

_HTML_MARKERS = ("<!doctype html", "<html", "<head", "<body")
_MARKDOWN_NAMES = (".md", ".markdown")
_HTML_NAMES = (".html", ".htm", ".xhtml")
# Control bytes that do occur in real text: tab, newline, vertical tab, form feed,
# carriage return, escape (ANSI colours in logs).
_TEXT_CONTROLS = frozenset(b"\t\n\x0b\x0c\r\x1b")


def sniff_kind(
    content: bytes, declared_type: str | None = None, name: str | None = None
) -> SourceKind:
    """What ``content`` is, decided from its bytes; the declared type and name only
    choose between the text kinds (markdown, HTML by extension, plain text).

    Raises :class:`FetchError` ("unsupported content: <what>") for images, archives,
    executables, Office files and other binary data.
    """
    head = content[:1024]
    encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), None)
    if encoding in (None, "utf-8"):
        body = head[3:] if encoding == "utf-8" else head
        stripped = body.lstrip()
        if stripped.startswith(b"%PDF-"):
            return SourceKind.PDF
        _refuse_binary(content)
        text_head = stripped.decode("latin-1").lower()
    else:
        text_head = head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n").lower()

    if text_head.startswith("<"):
        if any(marker in text_head for marker in _HTML_MARKERS):
            return SourceKind.HTML
        if text_head.startswith("<svg") or "<svg" in text_head[:300]:
            raise FetchError("unsupported content: SVG image")
        if text_head.startswith(("<rss", "<feed")) or (
            text_head.startswith("<?xml") and ("<rss" in text_head or "<feed" in text_head)
        ):
            raise FetchError("unsupported content: RSS/Atom feed (give the article URLs)")
    # The PDF header may follow some junk; readers accept it within the first 1024 bytes.
    if encoding is None and b"%PDF-" in head:
        return SourceKind.PDF

    lowered_name = (name or "").lower()
    mime = (declared_type or "").split(";", 1)[0].strip().lower()
    if lowered_name.endswith(_MARKDOWN_NAMES) or mime in ("text/markdown", "text/x-markdown"):
        return SourceKind.MARKDOWN
    if lowered_name.endswith(_HTML_NAMES):
        return SourceKind.HTML
    return SourceKind.TEXT


def _refuse_binary(content: bytes) -> None:
    for signature, offset, what in _SIGNATURES:
        if content[offset : offset + len(signature)] == signature:
            raise FetchError(f"unsupported content: {what}")
    if content[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        head = content[:4096]
        what = next((kind for marker, kind in _ZIP_KINDS if marker in head), "ZIP archive")
        raise FetchError(f"unsupported content: {what}")
    if content[:4] == b"RIFF" and content[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        riff = {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}
        raise FetchError(f"unsupported content: {riff[content[8:12]]}")
    if content[:2] == b"MZ" and b"\x00" in content[:64]:
        raise FetchError("unsupported content: Windows executable")
    sample = content[:4096]
    if not sample:
        return
    nul = sample.count(0)
    control = sum(1 for byte in sample if byte < 0x20 and byte not in _TEXT_CONTROLS)
    # Text almost never holds NUL bytes; a few stray control bytes happen (bad copies).
    if nul / len(sample) > 0.01 or control / len(sample) > 0.10:
        raise FetchError("unsupported content: binary data (not text, HTML or PDF)")

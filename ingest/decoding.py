"""Bytes to text, the way browsers do it: BOM, then UTF-8, then the declared charset
(HTTP header or ``<meta>``), then Western European text, then detection.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels that mean something else on the web: browsers decode "iso-8859-1" as
# windows-1252 and "shift_jis" as windows-31j (the WHATWG Encoding Standard), and pages
# rely on it (curly quotes from 0x93/0x94, NEC/IBM kanji extensions).
# SEE: https://encoding.spec.whatwg.org/#names-and-labels
_WEB_ENCODINGS = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc-kr": "cp949",
    # A meta tag cannot honestly declare UTF-16 (it would not be readable as ASCII).
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}

_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_META_TAG = re.compile(rb"<meta\s[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb"""([A-Za-z_:][-\w:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")


def _codec(label: str | None) -> str | None:
    """A Python codec name for an encoding label, or None if Python does not know it."""
    if not label:
        return None
    label = label.strip().lower()
    label = _WEB_ENCODINGS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _charset_from_content_type(declared_type: str | None) -> str | None:
    match = _CHARSET_PARAM.search(declared_type or "")
    return match.group(1) if match else None


def _charset_from_meta(content: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` tag within its first 4 KB.

    Attributes are parsed rather than grepped for "charset=", so that
    ``<meta name="description" content="charset=gbk">`` does not count.
    """
    for tag in _META_TAG.finditer(content[:4096]):
        attributes = {
            key.lower(): value.strip(b"\"'") for key, value in _ATTRIBUTE.findall(tag.group(0))
        }
        if b"charset" in attributes:
            return attributes[b"charset"].decode("ascii", errors="ignore")
        if attributes.get(b"http-equiv", b"").lower() == b"content-type":
            found = _CHARSET_PARAM.search(attributes.get(b"content", b"").decode("ascii", "ignore"))
            if found:
                return found.group(1)
    return None


def decode_text(content: bytes, declared_type: str | None = None, *, is_html: bool = False) -> str:
    """Decode bytes to text: BOM, then UTF-8, then declared charsets, then detection.

    Valid UTF-8 wins over a declared single-byte charset on purpose: servers often
    declare iso-8859-1 for UTF-8 pages, while legacy text that happens to be valid UTF-8
    (beyond plain ASCII) is vanishingly rare.
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = [_charset_from_content_type(declared_type)]
    if is_html:
        declared.append(_charset_from_meta(content))
    for label in declared:
        codec = _codec(label)
        if codec is None:
            continue
        try:
            return content.decode(codec)
        except UnicodeDecodeError:
            continue  # the declaration is wrong; try the next clue
    western = _as_western_european(content)
    if western is not None:
        return western
    # Detection looks at a sample: it is slow on megabytes and a sample is enough.
    best = from_bytes(content[:65536]).best()
    if best is not None and best.encoding:
        return content.decode(best.encoding, errors="replace")
    return content.decode("cp1252", errors="replace")


# Non-ASCII characters that Western European text in windows-1252 is made of: accented
# letters and typographic punctuation. Left out on purpose: ð þ ý (Turkish ğ ş ı read as
# windows-1252), superscripts and ¤ ¦ ¨ ´ ¸ (Polish and Czech letters read as it).
_WESTERN = frozenset(
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜßàáâãäåæçèéêëìíîïñòóôõöøùúûüÿŒœŠšŽžŸ“”‘’„–—…«»€£¥§°©®™•·¡¿ "
)


def _as_western_european(content: bytes) -> str | None:
    """The text as windows-1252 when it plainly is Western European text, else None.

    charset-normalizer often misreads short French or German text in windows-1252 as
    cp850, cp1250 or mac_roman (all decode without error); yet windows-1252 is the
    most common legacy encoding by far. Accept it when every non-ASCII character is a
    plausible Western one and they are a minority of the letters: Cyrillic, Greek or
    Japanese bytes read as windows-1252 give mostly non-ASCII "letters".
    """
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError:
        return None
    non_ascii = [char for char in text if ord(char) > 127]
    ascii_letters = sum(1 for char in text if char.isascii() and char.isalpha())
    if not non_ascii or any(char not in _WESTERN for char in non_ascii):
        return None
    if len(non_ascii) > 0.3 * (len(non_ascii) + ascii_letters):
        return None
    return text

"""Text normalisation and sentence splitting, shared by chunking, the citation judge and the
debate's quotes, so that all three agree on what a sentence is and when two texts say the
same words.

* :func:`tidy` undoes layout only (hyphenated line ends, whitespace runs): the form quotes
  are shown in. :func:`normalize` also turns the text of web pages and PDFs into plain
  comparable prose: compatibility forms (NFKC: ligatures such as "ﬁ", full-width letters,
  no-break spaces), curly quotes to straight ones, every dash and the minus sign to "-",
  soft hyphens and zero-width characters removed, a word hyphenated at a line end joined
  again ("treat-\\nment" -> "treatment"), and every run of whitespace one space.
* :func:`match_key` is the same text case-folded with the hyphens inside words removed, so
  that "well-\\nknown", "well-known" and "Well‐known" compare equal. :func:`match_key_map`
  also says, for each character of the key, which character of the original it came from:
  a quote found in the key can be reported with offsets into the original text.
* :func:`split_sentences` splits prose into sentences with offsets (``text[s.start:s.end] ==
  s.text``); chunking calls it on each paragraph. :func:`split_passage` reads the layout
  first (paragraphs, headings, list items; a line break inside a paragraph does *not* end a
  sentence, since PDFs and wrapped Markdown break lines mid-sentence), then splits each
  unit with :func:`split_sentences`. The judge and the debate read passages with it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# --------------------------------------------------------------------------------------------
# Normalisation

_QUOTES = {c: "'" for c in "‘’‚‛′`´"} | {c: '"' for c in "“”„‟″«»"}
_DASHES = {c: "-" for c in "‐‑‒–—―−⁃﹘﹣－"}
_INVISIBLE = {c: "" for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff"}
_TABLE = _QUOTES | _DASHES | _INVISIBLE

# A word broken at a line end: the hyphen, the line break and the indent go.
_HYPHENATED = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?=[a-z])")
_SPACE = re.compile(r"\s+")
_WORD_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")

# Each step is (pattern, replacement); the replacement is a plain string so that the fast
# path (re.sub) and the mapped path (_sub_map) compute the same text.
_NORMALIZE_STEPS: tuple[tuple[re.Pattern[str], str], ...] = ((_HYPHENATED, ""), (_SPACE, " "))
_KEY_STEPS: tuple[tuple[re.Pattern[str], str], ...] = ((_WORD_HYPHEN, ""),)


@lru_cache(maxsize=4096)
def _char(c: str) -> str:
    """One character as normalised text: table first, else its NFKC form."""
    mapped = _TABLE.get(c)
    if mapped is not None:
        return mapped
    return unicodedata.normalize("NFKC", c) if not c.isascii() else c


def _chars(text: str) -> str:
    if text.isascii() and "`" not in text:
        return text
    return "".join(_char(c) for c in text)


def tidy(text: str) -> str:
    """Layout undone, characters kept: hyphenated line ends joined, whitespace runs one
    space. The form a quoted sentence is shown in."""
    for pattern, replacement in _NORMALIZE_STEPS:
        text = pattern.sub(replacement, text)
    return text.strip()


def normalize(text: str) -> str:
    """Comparable plain text (see the module docstring); words and their order are kept."""
    return tidy(_chars(text))


def match_key(text: str) -> str:
    """:func:`normalize`, case-folded, hyphens inside words removed: the form quotes are
    compared in."""
    text = normalize(text).casefold()
    for pattern, replacement in _KEY_STEPS:
        text = pattern.sub(replacement, text)
    return text


def match_key_map(text: str) -> tuple[str, list[int]]:
    """:func:`match_key` and, per character of it, the offset of the original character it
    comes from (``len(text)`` past the end is appended, so ``offsets[j]`` works for an end)."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, c in enumerate(text):
        for piece in _char(c):
            chars.append(piece)
            offsets.append(index)
    out = "".join(chars)
    for pattern, replacement in _NORMALIZE_STEPS:
        out, offsets = _sub_map(pattern, replacement, out, offsets)
    # strip, as normalize() does
    lead = len(out) - len(out.lstrip())
    out, offsets = out.strip(), offsets[lead : lead + len(out.strip())]
    folded: list[str] = []
    folded_offsets: list[int] = []
    for c, offset in zip(out, offsets, strict=True):
        for piece in c.casefold():
            folded.append(piece)
            folded_offsets.append(offset)
    out, offsets = "".join(folded), folded_offsets
    for pattern, replacement in _KEY_STEPS:
        out, offsets = _sub_map(pattern, replacement, out, offsets)
    return out, [*offsets, len(text)]


def _sub_map(
    pattern: re.Pattern[str], replacement: str, text: str, offsets: list[int]
) -> tuple[str, list[int]]:
    """pattern.sub(replacement, text), carrying each character's original offset along (a
    replacement's characters take the offset of the match's first character)."""
    out: list[str] = []
    out_offsets: list[int] = []
    position = 0
    for match in pattern.finditer(text):
        out.append(text[position : match.start()])
        out_offsets.extend(offsets[position : match.start()])
        out.append(replacement)
        out_offsets.extend([offsets[match.start()]] * len(replacement))
        position = match.end()
    out.append(text[position:])
    out_offsets.extend(offsets[position:])
    return "".join(out), out_offsets


# --------------------------------------------------------------------------------------------
# Sentences


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: its text, exactly ``source[start:end]``, and its offsets."""

    text: str
    start: int
    end: int


# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) before
# whitespace and an opening capital, digit, quote or bracket.
_SENTENCE_END = re.compile(r"""[.!?…]["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])""")


def _wordlist(text: str) -> list[str]:
    return text.split()


# Words whose full stop does not end a sentence (single letters, as initials, neither).
ABBREVIATIONS = frozenset(
    _wordlist(
        """e.g i.e etc vs al fig figs eq dr mr mrs ms prof st jr sr inc ltd co corp no vol pp jan
        feb mar apr jun jul aug sep sept oct nov dec approx est u.s u.k cf ca ref refs"""
    )
)


def _is_abbreviation(text: str, period_at: int) -> bool:
    word_start = period_at
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:period_at].lower().strip("(\"'")
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Sentences of the prose text[start:end], whitespace trimmed, offsets into ``text``.
    Line breaks are whitespace here: call :func:`split_passage` for laid-out text."""
    end = len(text) if end is None else end
    found: list[Sentence] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if text[match.start()] == "." and _is_abbreviation(text, match.start()):
            continue
        span = _trim(text, cursor, match.end())
        if span:
            found.append(Sentence(text[span[0] : span[1]], *span))
        cursor = match.end()
    span = _trim(text, cursor, end)
    if span:
        found.append(Sentence(text[span[0] : span[1]], *span))
    return found


_LIST_MARK = re.compile(r"(?:#+|>|[-*•]|\d{1,2}[.)])\s+")
HEADING_CHARS = 60  # a shorter line without end punctuation, before a capital, is a heading
MAX_SENTENCE_CHARS = 600  # longer "sentences" (tables, run-on text) are cut at ; , or space


def split_passage(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[Sentence]:
    """Sentences of a laid-out passage (a chunk, a page): paragraphs end at blank lines,
    headings and list items at their line's end, and a list mark ("- ", "2. ") is left out
    of its item's sentence. Sentences without a letter or digit are dropped, and any longer
    than ``max_chars`` are cut. ``text[s.start:s.end] == s.text`` for each one."""
    sentences: list[Sentence] = []
    for start, end in _layout_units(text):
        for sentence in split_sentences(text, start, end):
            sentences.extend(_cut(text, sentence, max_chars))
    return [s for s in sentences if len(s.text) >= 2 and any(c.isalnum() for c in s.text)]


def _layout_units(text: str) -> list[tuple[int, int]]:
    """[start, end) of each paragraph, heading and list item, in order."""
    lines: list[tuple[int, int]] = []  # the paragraph's lines so far, trimmed
    units: list[tuple[int, int]] = []
    offset = 0
    for raw in [*text.splitlines(keepends=True), ""]:
        span = _trim(text, offset, offset + len(raw))
        offset += len(raw)
        if span is None:  # a blank line (or the end) closes the paragraph
            units.extend(_paragraph(text, lines))
            lines = []
        else:
            lines.append(span)
    return units


def _paragraph(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    units: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for index, (start, end) in enumerate(lines):
        line = text[start:end]
        following = text[lines[index + 1][0]] if index + 1 < len(lines) else ""
        heading = line.startswith("#") or (
            len(line) < HEADING_CHARS
            and not line.endswith((".", "!", "?", ":", ",", ";"))
            and following.isupper()
        )
        mark = _LIST_MARK.match(line)
        if heading or mark:
            if current:
                units.append(current)
            current = (start + (mark.end() if mark else 0), end)
            if heading:
                units.append(current)
                current = None
        else:
            current = (current[0], end) if current else (start, end)
    if current:
        units.append(current)
    return units


def _cut(text: str, sentence: Sentence, limit: int) -> list[Sentence]:
    """A sentence longer than ``limit`` cut at '; ', ', ' or a space."""
    pieces: list[Sentence] = []
    start, end = sentence.start, sentence.end
    while end - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind("; "), window.rfind(", "), window.rfind(" "))
        cut = start + (cut + 1 if cut > limit // 3 else limit)
        span = _trim(text, start, cut)
        if span:
            pieces.append(Sentence(text[span[0] : span[1]], *span))
        start = cut
    span = _trim(text, start, end)
    if span:
        pieces.append(Sentence(text[span[0] : span[1]], *span))
    return pieces


def sentence_texts(text: str) -> list[str]:
    """The passage's sentences as one-line text, for quoting (:func:`split_passage`, each
    sentence :func:`tidy`)."""
    return [tidy(s.text) for s in split_passage(text)]


# Citation-like markers inside source text: data, never citations (design invariant 4).
CITATION_MARKER = re.compile(
    r"\[\s*\d+(?:\s*[-–,;]\s*\d+)*\s*\]"  # [12], [1-3], [1, 2]
    r"|【\s*\d+[^】]*】"  # 【2】, 【4†source】
    r"|\^\[\d+\]"  # ^[1]
)


def strip_markers(text: str) -> str:
    """Remove citation-like markers from source text (they are data, never citations)."""
    return re.sub(r"[ \t]{2,}", " ", CITATION_MARKER.sub("", text))

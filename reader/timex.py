"""The time a sentence refers to, resolved to a calendar date: "by 2030", "in June 2027",
"mid-2028", "Q3 2027", "over the next five years", "within 18 months", "next year".

Every expression resolves to the last day of the period it names (a year to 31 December, a
month to its last day, "the next five years" to five years after the anchor), so that "in
2026" read on 2026-11-30 is still ahead and "by 2025" is behind. Relative spans are counted
from an anchor: a past year the sentence gives for a forecast it reports ("projected in 2023
... over a decade"), else the document's date when the caller knows it, else the run date.

Only the calendar arithmetic comes from a library (dateutil's relativedelta). Finding the
expressions is a handful of patterns: dateparser's search was tried and rejected, because it
resolves a bare "2030" to the run date's day and month, misses "mid-2027" and "within two
years", and took two seconds on one phrase.
# SEE: https://dateparser.readthedocs.io/en/latest/usage.html#search-for-dates
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_COUNTS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "eighteen": 18,
    "twenty": 20,
    "thirty": 30,
    "fifty": 50,
    "a couple of": 2,
    "a few": 3,
    "several": 3,
}
_UNIT_MONTHS = {"month": 1, "quarter": 3, "year": 12, "decade": 120}
_COUNT = r"(?P<count>\d{1,3}|a couple of|a few|several|" + "|".join(_COUNTS) + r")"
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

# Absolute: "June 2027", "Q3 2027", "H1 2028", "mid-2027", "the end of 2030", "2030".
_ABSOLUTE = re.compile(
    r"\b(?:(?:by|in|until|till|before|through|around|toward|towards|during|from|after)\s+)?"
    r"(?:(?:the\s+)?(?P<part>end|middle|start|beginning|spring|summer|autumn|fall|winter)"
    r"\s+of\s+)?(?:(?P<half>mid|early|late)[-\s])?"
    r"(?:" + _MONTH + r"\s+(?:\d{1,2},?\s+)?|(?P<quarter>Q[1-4]|H[12])\s+|"
    r"(?:the\s+)?(?P<fy>FY|fiscal\s+year)\s*)?" + _YEAR + r"(?P<decade>s)?\b(?!-\d)",
    re.IGNORECASE,
)
# Relative: "within (the next) five years", "over the next decade", "in 18 months",
# "five years from now", "next year", "this year", "by the end of the decade".
_RELATIVE = re.compile(
    r"\b(?:(?:within|in|over|during|for)\s+(?:the\s+)?(?:next|coming)\s+|(?:within|in)\s+)"
    + _COUNT
    + r"\s+(?P<unit>months?|quarters?|years?|decades?)\b"
    r"|\b(?:over|within|in)\s+(?:the\s+)?(?P<next>next|coming)\s+(?P<unit1>month|quarter|year|decade)\b"
    r"|\b" + _COUNT.replace("count", "count2") + r"\s+(?P<unit2>months?|years?|decades?)\s+"
    r"(?:from\s+now|hence|ahead|later)\b"
    r"|\b(?P<near>next|this|the\s+coming)\s+(?P<unit3>month|quarter|year|decade)\b"
    r"|\bover\s+a\s+decade\b"
    r"|\bby\s+the\s+end\s+of\s+the\s+(?P<unit4>decade|year)\b",
    re.IGNORECASE,
)


# A forecast reported in the past tense: its relative span runs from when it was made.
_REPORTED = re.compile(
    r"\b(?:projected|predicted|forecast|estimated|expected|said|wrote|warned|argued)\b", re.I
)


@dataclass(frozen=True)
class TimeRef:
    """A time a sentence refers to."""

    words: str  # the sentence's own words ("by 2030", "over the next five years")
    end: date  # the last day of the period named
    label: str  # the period at the precision stated: "2030", "2027-06", "2031-11"
    relative: bool  # counted from an anchor rather than stated on the calendar

    def months_after(self, day: date) -> int:
        """Whole months from `day` to the end of this period (0 when already past)."""
        delta = relativedelta(self.end, day)
        return max(0, delta.years * 12 + delta.months)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _absolute(match: re.Match[str]) -> TimeRef:
    year = int(match["year"])
    words = match.group(0).strip()
    if match["decade"]:  # "the 2030s"
        return TimeRef(words, date(year + 9, 12, 31), str(year + 9), False)
    if match["month"]:
        month = _MONTHS[match["month"].lower().rstrip(".")]
        return TimeRef(words, _month_end(year, month), f"{year}-{month:02d}", False)
    if match["quarter"]:
        code = match["quarter"].upper()
        month = int(code[1]) * (3 if code[0] == "Q" else 6)
        return TimeRef(words, _month_end(year, month), f"{year}-{month:02d}", False)
    season = {"spring": 5, "summer": 8, "autumn": 11, "fall": 11, "winter": 12}
    part = (match["part"] or "").lower()
    half = (match["half"] or "").lower()
    if part in season:
        month = season[part]
        return TimeRef(words, _month_end(year, month), f"{year}-{month:02d}", False)
    if half == "mid" or part == "middle":
        return TimeRef(words, _month_end(year, 6), f"{year}-06", False)
    if half == "early" or part in ("start", "beginning"):
        return TimeRef(words, _month_end(year, 3), f"{year}-03", False)
    return TimeRef(words, date(year, 12, 31), str(year), False)


def _count(raw: str) -> int | None:
    raw = " ".join(raw.lower().split())
    return int(raw) if raw.isdigit() else _COUNTS.get(raw)


def _relative(match: re.Match[str], anchor: date) -> TimeRef | None:
    words = match.group(0).strip()
    lowered = words.lower()
    if lowered == "over a decade":
        months = 120
    elif match["unit4"]:
        if match["unit4"].lower() == "year":
            end = date(anchor.year, 12, 31)
        else:
            end = date(anchor.year - anchor.year % 10 + 9, 12, 31)
        return TimeRef(words, end, str(end.year), True)
    elif match["near"]:
        unit = match["unit3"].lower()
        ahead = 0 if match["near"].lower() == "this" else 1
        if unit == "year":
            year = anchor.year + ahead
            return TimeRef(words, date(year, 12, 31), str(year), True)
        months = _UNIT_MONTHS[unit] * max(ahead, 1)
    elif match["next"]:
        months = _UNIT_MONTHS[match["unit1"].lower()]
    else:
        raw = match["count"] or match["count2"]
        unit = (match["unit"] or match["unit2"]).lower().rstrip("s")
        count = _count(raw)
        if count is None:
            return None
        months = count * _UNIT_MONTHS[unit]
    end = anchor + relativedelta(months=months)
    label = f"{end.year}-{end.month:02d}" if months < 12 or months % 12 else str(end.year)
    return TimeRef(words, end, label, True)


def time_refs(sentence: str, run_date: date, written: date | None = None) -> list[TimeRef]:
    """Every time `sentence` refers to, in order of appearance."""
    absolute = [(m.start(), _absolute(m)) for m in _ABSOLUTE.finditer(sentence)]
    # A span counted from a year the sentence states ("projected in 2023 ... over a decade")
    # is counted from that year when the document's own date is unknown.
    past = [ref.end.year for _, ref in absolute if ref.end < run_date]
    anchor = written or run_date
    if past and _REPORTED.search(sentence):
        anchor = date(max(past), 12, 31)  # the year the forecast was made, not published
    found = list(absolute)
    taken = [(m.start(), m.end()) for m in _ABSOLUTE.finditer(sentence)]
    for match in _RELATIVE.finditer(sentence):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        ref = _relative(match, anchor)
        if ref is not None:
            found.append((match.start(), ref))
    return [ref for _, ref in sorted(found, key=lambda item: item[0])]


def latest(refs: list[TimeRef]) -> TimeRef | None:
    """The latest of several times: the one a forecast is about ("predicted in July 2024
    that ... by the end of 2025" is about 2025)."""
    return max(refs, key=lambda ref: ref.end) if refs else None

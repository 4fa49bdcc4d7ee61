"""Is the claim a quote of its passage? Found word for word, it is supported outright.

The debate quotes its sources, and so do people: a quoted sentence must never be judged
unsupported because the source broke a line in the middle of it, hyphenated a word at a
line end, or used curly quotes and ligatures. Both texts are compared in
``ingest.text.match_key`` form (normalised, case-folded), and the quote's offsets are
mapped back into the original passage.

* verbatim: the claim (its end punctuation aside) is contained in the passage, on word
  boundaries;
* near-verbatim: 90% or more of the claim's words appear in order within one stretch of
  the passage not much longer than the claim (an ellipsis, a dropped aside, a changed word).

Guards, because a quote torn from its context can say the opposite of its source: no claim
of fewer than four words counts; a near-verbatim claim may not differ from the passage in a
number or a negation; and a quote preceded, in its own sentence, by a negation or a phrase
that puts it in doubt ("it is not true that", "no evidence that", "whether") is no quote.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.text import match_key, match_key_map
from ingest.types import QuoteMatch


def _wordlist(text: str) -> list[str]:
    return text.split()


MIN_WORDS = 4
NEAR_SHARE = 0.9
_TOKEN = re.compile(r"\w+")
_NEGATIONS = frozenset(
    _wordlist(
        """not no never none nor neither without cannot nothing nobody don doesn didn isn aren
        wasn weren won wouldn couldn shouldn hasn haven hadn"""
    )  # "don't" -> don, t
)
# Words that, before a quote in the same sentence, stop it from being the source's claim.
_DOUBT = _NEGATIONS | frozenset(
    _wordlist(
        """whether if unless false myth untrue unproven unclear doubt doubts question questioned
        claim claims claimed belief believed hypothesis hypothesized hypothesised"""
    )
)
_SENTENCE_BREAK = re.compile(r"[.!?;:]\s")


@dataclass(frozen=True, slots=True)
class Quote:
    """Where a claim was found in its passage."""

    kind: QuoteMatch
    start: int  # offsets into the original passage
    end: int
    share: float  # share of the claim's words matched in order (1.0 when verbatim)


def find_quote(claim: str, passage: str) -> Quote | None:
    """The claim located in the passage as a verbatim or near-verbatim quote, or None."""
    claim_key = match_key(claim).strip(" .,;:!?\"'()[]")
    claim_tokens = _TOKEN.findall(claim_key)
    if len(claim_tokens) < MIN_WORDS:
        return None
    passage_key = match_key(passage)
    passage_counts = Counter(_TOKEN.findall(passage_key))
    present = sum(min(n, passage_counts[t]) for t, n in Counter(claim_tokens).items())
    if present < NEAR_SHARE * len(claim_tokens):
        return None  # the cheap test every unrelated pair fails
    key, offsets = match_key_map(passage)
    quote = _verbatim(claim_key, key) or _near_verbatim(claim_tokens, key)
    if quote is None:
        return None
    kind, start, end, share = quote
    if _in_doubt(key, start, set(claim_tokens)):
        return None
    return Quote(kind, offsets[start], offsets[end - 1] + 1, share)


def _verbatim(claim_key: str, key: str) -> tuple[QuoteMatch, int, int, float] | None:
    start = key.find(claim_key)
    while start >= 0:
        end = start + len(claim_key)
        before = key[start - 1] if start else " "
        after = key[end] if end < len(key) else " "
        if not before.isalnum() and not after.isalnum():
            return QuoteMatch.VERBATIM, start, end, 1.0
        start = key.find(claim_key, start + 1)
    return None


def _near_verbatim(claim: list[str], key: str) -> tuple[QuoteMatch, int, int, float] | None:
    """Longest in-order match of the claim's words within the passage stretch that holds most
    of them; accepted at NEAR_SHARE when what differs is neither a number nor a negation."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(key)]
    words = [t for t, _, _ in tokens]
    width = int(len(claim) * 1.3) + 2
    wanted = Counter(claim)
    best_at, best_count = 0, -1
    window: Counter[str] = Counter()
    for index, word in enumerate(words):
        window[word] += 1
        if index >= width:
            window[words[index - width]] -= 1
        count = sum(min(n, window[t]) for t, n in wanted.items())
        if count > best_count:
            best_at, best_count = max(0, index - width + 1), count
    lo, hi = max(0, best_at - 3), min(len(words), best_at + width + 3)
    matched = _lcs(claim, words[lo:hi])
    if len(matched) < NEAR_SHARE * len(claim):
        return None
    claim_hits = {i for i, _ in matched}
    first, last = lo + matched[0][1], lo + matched[-1][1]
    passage_hits = {lo + j for _, j in matched}
    missed = [w for i, w in enumerate(claim) if i not in claim_hits]
    extra = [words[j] for j in range(first, last + 1) if j not in passage_hits]
    if last - first + 1 > width or any(_risky(w) for w in missed + extra):
        return None
    share = len(matched) / len(claim)
    return QuoteMatch.NEAR_VERBATIM, tokens[first][1], tokens[last][2], share


def _risky(word: str) -> bool:
    """A word whose absence or addition can flip what a sentence says."""
    return word in _NEGATIONS or any(c.isdigit() for c in word)


def _lcs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of a and b (a is short: a claim)."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        row, below = rows[i], rows[i + 1]
        for j in range(len(b) - 1, -1, -1):
            row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
    pairs, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif rows[i + 1][j] >= rows[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _in_doubt(key: str, start: int, claim_words: set[str]) -> bool:
    """Does the quote's own sentence, before the quote, negate or question it?"""
    breaks = list(_SENTENCE_BREAK.finditer(key, 0, start))
    lead = key[breaks[-1].end() if breaks else 0 : start]
    return any(w in _DOUBT and w not in claim_words for w in _TOKEN.findall(lead))

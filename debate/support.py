"""Does a cited passage back a claim? The Auditor's FACTCHECK asks this of every claim.

The citation judge in `audit.judge` answers it when it is installed and loads; otherwise a
clearly labelled fallback scores the best cosine between the claim and the passage's
sentences with the library's own embedder. Either way the method's name travels with each
`FactCheck`, so a reader knows which one produced a verdict.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import numpy as np

from debate.types import FactCheck, Turn, TurnRef

log = logging.getLogger(__name__)

Verdict = Literal["supported", "partially_supported", "unsupported"]


class SupportScorer(Protocol):
    method: str

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[Verdict, float, str]]:
        """(verdict, score in [0, 1], best passage sentence) per (claim, passage) pair."""
        ...


class JudgeScorer:
    """The citation audit's judge (audit.judge.Judge)."""

    method = "audit.judge"

    def __init__(self, judge: Any):
        self.judge = judge

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[Verdict, float, str]]:
        if not pairs:
            return []
        return [(j.verdict, float(j.score), j.best_sentence) for j in self.judge.judge_many(pairs)]


class CosineScorer:
    """Fallback: best claim-sentence cosine. A support *score*, not the citation audit."""

    method = "cosine support score (fallback; not the citation audit)"
    SUPPORTED, PARTIAL = 0.8, 0.6

    def __init__(self, embedder: Any):
        self.embedder = embedder

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[Verdict, float, str]]:
        results: list[tuple[Verdict, float, str]] = []
        for claim, passage in pairs:
            sentences = split_sentences(passage) or [passage]
            vectors = self.embedder.embed([claim, *sentences])
            cosines = vectors[1:] @ vectors[0]
            best = int(np.argmax(cosines))
            value = float(np.clip(cosines[best], 0.0, 1.0))
            verdict: Verdict = (
                "supported"
                if value >= self.SUPPORTED
                else "partially_supported"
                if value >= self.PARTIAL
                else "unsupported"
            )
            results.append((verdict, value, sentences[best]))
        return results


def default_scorer(embedder: Any) -> SupportScorer:
    """The audit's judge if it imports and loads; the cosine fallback otherwise."""
    try:
        from audit.judge import Judge

        return JudgeScorer(Judge())
    except Exception as exc:  # any failure to load means: fall back, and say so
        log.warning("citation judge unavailable (%s); using the cosine support score", exc)
        return CosineScorer(embedder)


_LINE_MARK = re.compile(r"^\s*(?:#+|>|[-*•]|\d{1,2}[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
HEADING_CHARS = 60


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage. Sources wrap lines mid-sentence (Markdown, PDF text), so
    lines are joined into paragraphs first; headings and list items start new ones. A
    short line without end punctuation followed by a capitalised line reads as a heading
    ("Recommendation")."""
    units: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        current: list[str] = []
        for index, line in enumerate(lines):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            heading = line.startswith("#") or (
                len(line) < HEADING_CHARS
                and not line.endswith((".", "!", "?", ":", ",", ";"))
                and following[:1].isupper()
            )
            if heading or _LINE_MARK.match(line):
                if current:
                    units.append(" ".join(current))
                current = [_LINE_MARK.sub("", line)]
                if heading:
                    units.append(current.pop())
            else:
                current.append(line)
        if current:
            units.append(" ".join(current))
    return [part.strip() for unit in units for part in _SENTENCE_END.split(unit) if part.strip()]


def fact_check(
    turns: Sequence[Turn], passages: dict[str, str], scorer: SupportScorer
) -> list[FactCheck]:
    """Each claim of `turns` against the passages it cites (chunk id -> text); a claim's
    best-scoring passage decides. Claims without citations are reported as 'uncited'."""
    pairs: list[tuple[str, str]] = []
    owners: list[tuple[Turn, int]] = []
    checks: list[FactCheck] = []
    for turn in turns:
        for index, claim in enumerate(turn.claims):
            target = TurnRef(round=turn.round, advisor=turn.advisor, claim=index)
            known = [key for key in claim.citations if key in passages]
            if not known:
                checks.append(
                    FactCheck(
                        target=target,
                        claim=claim.text,
                        citations=list(claim.citations),
                        verdict="uncited",
                        score=0.0,
                        method=scorer.method,
                    )
                )
            for key in known:
                pairs.append((claim.text, passages[key]))
                owners.append((turn, index))
    best: dict[tuple[int, int], FactCheck] = {}
    for (turn, index), (verdict, score, sentence) in zip(owners, scorer.score(pairs), strict=True):
        slot = (id(turn), index)
        if slot not in best or score > best[slot].score:
            claim = turn.claims[index]
            best[slot] = FactCheck(
                target=TurnRef(round=turn.round, advisor=turn.advisor, claim=index),
                claim=claim.text,
                citations=list(claim.citations),
                verdict=verdict,
                score=round(min(max(score, 0.0), 1.0), 4),
                best_sentence=sentence,
                method=scorer.method,
            )
    return checks + list(best.values())

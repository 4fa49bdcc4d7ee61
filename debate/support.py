"""Does a cited passage back a claim? The Auditor's FACTCHECK asks this of every claim.

The debate does not import the audit: whoever builds a debate hands it a judge that meets
`SupportJudge` (the audit's `audit.judge.Judge` does), either as a scorer
(`JudgeScorer(judge)`) or once for every engine built afterwards (`provide_judge`, which the
command line and the web app call at start-up). Without one, a clearly labelled fallback
scores the best cosine between the claim and the passage's sentences with the library's own
embedder. Either way the method's name travels with each `FactCheck`, so a reader knows
which one produced a verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from debate.types import FactCheck, Turn, TurnRef
from ingest.text import sentence_texts
from ingest.types import Judgement, Verdict

log = logging.getLogger(__name__)


class SupportJudge(Protocol):
    """A citation judge as the debate needs it (`audit.judge.Judge` qualifies)."""

    @property
    def name(self) -> str: ...

    def judge_many(self, pairs: Sequence[tuple[str, str]]) -> list[Judgement]: ...


class SupportScorer(Protocol):
    method: str

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[Verdict, float, str]]:
        """(verdict, score in [0, 1], best passage sentence) per (claim, passage) pair."""
        ...


class JudgeScorer:
    """A citation judge (the audit's, passed in by whoever builds the debate)."""

    method = "audit.judge"

    def __init__(self, judge: SupportJudge):
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
            verdict = (
                Verdict.SUPPORTED
                if value >= self.SUPPORTED
                else Verdict.PARTIALLY_SUPPORTED
                if value >= self.PARTIAL
                else Verdict.NOT_SUPPORTED
            )
            results.append((verdict, value, sentences[best]))
        return results


_judge_factory: Callable[[], SupportJudge] | None = None


def provide_judge(factory: Callable[[], SupportJudge] | None) -> None:
    """Set how engines built from now on make their judge (called on first need; None: the
    cosine fallback)."""
    global _judge_factory
    _judge_factory = factory


def default_scorer(embedder: Any) -> SupportScorer:
    """The provided judge if there is one and it loads; the cosine fallback otherwise."""
    if _judge_factory is None:
        return CosineScorer(embedder)
    try:
        return JudgeScorer(_judge_factory())
    except Exception as exc:  # any failure to load means: fall back, and say so
        log.warning("citation judge unavailable (%s); using the cosine support score", exc)
        return CosineScorer(embedder)


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage as one-line text, for quoting (``ingest.text.sentence_texts``:
    the splitter chunking and the judge share; lines wrapped mid-sentence are joined, headings
    and list items stand alone)."""
    return sentence_texts(text)


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
                        verdict=Verdict.UNCITED,
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

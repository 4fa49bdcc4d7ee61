"""Whether the library can answer the question at all, before any verdict.

The briefs hold only passages the reader model judged to bear on the question
(`retrieval.brief.relevance_gate`), so what is left in them is the evidence. When too few
passages, or too few distinct sources, survive that gate, the report says the library
cannot answer: it names no option, gives no probabilities, and its action plan is about
gathering evidence. The thresholds are chosen on questions written for the demo library,
on topic and off it (`scripts/bench_sufficiency.py`, docs/benchmarks.md).

Without the reader model nothing was gated (`Brief.relevance_method` is None), and the
report cannot tell; it then says so instead of claiming sufficiency.
"""

from __future__ import annotations

from dataclasses import dataclass

from debate.types import Debate

# At least this many relevant passages from at least this many sources (chosen on the
# demo library's on- and off-topic questions: docs/benchmarks.md, "Evidence sufficiency").
MIN_PASSAGES = 4
MIN_SOURCES = 2
# The reader model alone lets through passages that share a register with the question but
# not its subject (an economics question on an AI-productivity library): the question must
# also be close to the library's nearest passages (mean cosine of its 5 best dense hits).
MIN_TOPICAL = 0.35


@dataclass(frozen=True)
class Coverage:
    """What the briefs hold after the relevance gate."""

    passages: int  # distinct relevant passages across all briefs
    sources: int  # distinct library sources behind them
    held_back: int  # candidates judged not to bear on the question
    gated: bool  # False: no reader model, relevance unknown
    topical: float | None  # Brief.topical: the question against its nearest passages

    @property
    def sufficient(self) -> bool:
        if self.topical is not None and self.topical < MIN_TOPICAL:
            return False
        if not self.gated:
            return True  # relevance unknown (no reader model): counts cannot tell
        return self.passages >= MIN_PASSAGES and self.sources >= MIN_SOURCES


def coverage(debate: Debate) -> Coverage:
    keys: dict[str, int] = {}
    for brief in debate.briefs.values():
        for item in brief.evidence:
            keys[item.key] = item.source
    briefs = list(debate.briefs.values())
    return Coverage(
        passages=len(keys),
        sources=len(set(keys.values())),
        held_back=sum(brief.held_back for brief in briefs),
        gated=bool(briefs) and all(brief.relevance_method for brief in briefs),
        topical=max((b.topical for b in briefs if b.topical is not None), default=None),
    )

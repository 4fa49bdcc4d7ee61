"""The debate's fact-checks take their judge through a protocol, never by importing the
audit, and carry the four verdicts through."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from audit.judge import Judge
from debate import support
from debate.support import CosineScorer, JudgeScorer, default_scorer, fact_check
from debate.types import Claim, Move, Turn
from ingest.types import Judgement, Verdict

PASSAGE = (
    "Teams that adopted the assistants cut their pull-request cycle time by 31.8 percent.\n"
    "Review queues shrank as well."
)


class OneVerdictJudge:
    """A judge that meets debate.support.SupportJudge and answers one verdict."""

    name = "scripted"

    def __init__(self, verdict: Verdict):
        self.verdict = verdict
        self.seen: list[tuple[str, str]] = []

    def judge_many(self, pairs: Sequence[tuple[str, str]]) -> list[Judgement]:
        self.seen += pairs
        return [
            Judgement(verdict=self.verdict, score=0.1, best_sentence="", best_start=0, best_end=0)
            for _ in pairs
        ]


class FixedEmbedder:
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.ones((len(texts), 4), dtype=np.float32) / 2.0


def _turn(*claims: Claim) -> Turn:
    return Turn(round=1, advisor="A", move=Move.SHARE, text="...", claims=list(claims))


def test_fact_checks_carry_a_contradiction_from_the_judge_they_were_given() -> None:
    judge = OneVerdictJudge(Verdict.CONTRADICTED)
    cited = Claim(text="Cycle time rose.", citations=["c1"])
    bare = Claim(text="In my experience it works.", experience=True)
    checks = fact_check([_turn(cited, bare)], {"c1": PASSAGE}, JudgeScorer(judge))
    verdicts = {c.claim: c.verdict for c in checks}
    assert verdicts == {"Cycle time rose.": Verdict.CONTRADICTED, bare.text: Verdict.UNCITED}
    assert judge.seen == [("Cycle time rose.", PASSAGE)]
    # what debate.json holds reads back as the same enum, and old files' word still reads
    dumped = checks[-1].model_dump(mode="json")
    assert dumped["verdict"] in ("contradicted", "uncited")
    legacy = checks[0].model_validate(
        {**checks[0].model_dump(mode="json"), "verdict": "unsupported"}
    )
    assert legacy.verdict == Verdict.NOT_SUPPORTED


def test_the_provided_judge_is_used_and_without_one_the_cosine_fallback() -> None:
    try:
        support.provide_judge(lambda: OneVerdictJudge(Verdict.SUPPORTED))
        assert isinstance(default_scorer(FixedEmbedder()), JudgeScorer)
        support.provide_judge(None)
        assert isinstance(default_scorer(FixedEmbedder()), CosineScorer)

        def broken() -> Judge:
            raise OSError("model file missing")

        support.provide_judge(broken)
        assert isinstance(default_scorer(FixedEmbedder()), CosineScorer)  # and a warning
    finally:
        support.provide_judge(Judge)  # as tests/conftest.py sets it


def test_make_engine_hands_the_given_judge_to_the_auditor() -> None:
    from debate.engine import make_engine

    given = OneVerdictJudge(Verdict.CONTRADICTED)
    assert make_engine(None, judge=given).settings()["factcheck"] == JudgeScorer.method
    assert make_engine(None).settings()["factcheck"] != JudgeScorer.method  # chosen later


def test_the_audit_judge_meets_the_debate_protocol_and_debate_never_imports_audit() -> None:
    scorer = JudgeScorer(Judge())
    ((verdict, score, sentence),) = scorer.score(
        [("Teams cut their pull-request cycle time by 31.8 percent.", PASSAGE)]
    )
    assert verdict == Verdict.SUPPORTED and score > 0.5 and "31.8 percent" in sentence
    for path in (Path(__file__).parent.parent / "debate").glob("*.py"):
        tree = ast.parse(path.read_text())
        modules = [
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
        assert not [m for m in modules if m.split(".")[0] == "audit"], path.name

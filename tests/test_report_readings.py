"""How sure the stance readings are: the verdict says how many of the passages it counts lean
only narrowly (debate.stance.NARROW), and an evidence bullet whose passages all lean narrowly
says so, in English and Chinese. The stance model's narrow calls are barely better than a
coin on the tune motions; a count built from them must not read as settled."""

from __future__ import annotations

from test_report_props import OPTIONS, check_report, make_debate

from debate.stance import MODEL_METHOD, NARROW, is_narrow
from debate.types import Debate, PassageStance
from report.build import build_report
from report.i18n import CATALOG
from report.reading import Reading
from report.render import render

# Three rounds of three advisors, each citing one passage of its brief per turn.
PLAN = [[[([r], False)] for _ in range(3)] for r in range(3)]


def debate_with(scores: list[float], method: str = MODEL_METHOD) -> Debate:
    """A debate whose passages' stances have these signed scores (cycled), read by `method`;
    a score of 0 takes no side, as `debate.stance` reads it."""
    debate = make_debate(4, 2, PLAN, [1, -1, 1, -1], [60, 40, 55])
    debate.stances = [
        PassageStance(
            chunk_id=s.chunk_id,
            leaning=None if score == 0 else OPTIONS[0] if score > 0 else OPTIONS[1],
            score=score,
            method=method,
        )
        for s, score in zip(debate.stances, scores * len(debate.stances), strict=False)
    ]
    return debate


def test_a_narrow_reading_is_a_model_call_under_the_margin() -> None:
    def stance(score: float, method: str = MODEL_METHOD, side: str | None = "a") -> PassageStance:
        return PassageStance(chunk_id="c", leaning=side, score=score, method=method)

    assert is_narrow(stance(NARROW / 2)) and is_narrow(stance(-NARROW / 2))
    assert not is_narrow(stance(NARROW)) and not is_narrow(stance(-0.9))
    assert not is_narrow(stance(0.01, side=None))  # no side: nothing to be narrow about
    assert not is_narrow(stance(0.01, method="option mentions; a heuristic"))


def test_the_verdict_counts_the_narrow_readings_it_rests_on() -> None:
    debate = debate_with([0.1, -0.05, 0.7, -0.6])  # half the passages narrow
    reading = Reading(debate)
    stances = {s.chunk_id: s for s in debate.stances}
    cited = [stances[c] for c in debate.ledger.cited]
    expected = sum(1 for s in cited if s.leaning and abs(s.score) < NARROW)
    assert 0 < expected < reading.sided  # the debate cites both kinds
    report = build_report(debate)
    check_report(report)
    readings = report.verdict.readings
    assert readings is not None
    assert readings.text.args["narrow"] == expected  # type: ignore[union-attr]
    assert readings.text.args["sided"] == reading.sided  # type: ignore[union-attr]
    english, chinese = render(report, "md", "en"), render(report, "md", "zh")
    said = f"{expected} of the {reading.sided} cited passages that take a side lean by less than"
    assert f"{said} {NARROW}" in english
    assert f"有 {expected} 段在立场模型的概率上只领先不到 {NARROW}" in chinese
    # The sentence comes right after the answer it qualifies.
    answer_end = english.index("**", english.index("## Verdict") + 20)
    assert english.index("How sure those readings are", answer_end) < english.index("Confidence in")


def test_an_evidence_bullet_says_when_all_its_passages_lean_narrowly() -> None:
    debate = debate_with([0.1, -0.05, 0.7, -0.6])
    reading = Reading(debate)
    report = build_report(debate)
    sided = [item for item in report.evidence if item.leaning]
    assert {item.narrow for item in sided} == {True, False}
    for item in sided:
        toward = [
            reading.stances[c]
            for c in item.statement.citations
            if reading.stances[c].leaning == item.leaning
        ]
        assert item.narrow == all(abs(s.score) < NARROW for s in toward)
    english, chinese = render(report, "md", "en"), render(report, "md", "zh")
    narrow = sum(item.narrow for item in sided)
    assert english.count("`leans narrowly toward") == narrow
    assert english.count("`leans toward") == len(sided) - narrow
    assert chinese.count(CATALOG["zh"]["leans_narrowly"].split("“")[0]) == narrow


def test_wide_or_heuristic_readings_add_no_caveat() -> None:
    for debate in (debate_with([0.7, -0.6]), debate_with([0.1, -0.05], method="heuristic")):
        report = build_report(debate)
        assert report.verdict.readings is None
        assert not any(item.narrow for item in report.evidence)
        assert "How sure those readings are" not in render(report, "md", "en")
        assert "leans narrowly" not in render(report, "md", "en")

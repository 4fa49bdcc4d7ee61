"""The Auditor's check of how a claim uses its passages: whether they lean the way the
speaker argues, and whether they bear on the round's theme; the round summaries and the
report carry the figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import QUESTION
from test_report_props import OPTIONS, make_debate

from debate import Debate, run_debate
from debate.quote_use import UseChecker, use_counts, use_sentence
from debate.stance import BUSINESS_RIGHT, HEAD_METHOD, MODEL_METHOD
from debate.types import Claim, FactCheck, Move, QuestionFrame, Turn, TurnRef
from ingest.types import Verdict
from report.build import build_report
from report.render import render

THEME = "Who holds the measurement: what was measured?"


def embed(texts: list[str]) -> np.ndarray:
    """Closeness to the theme is how often a text says 'measur'."""
    rows = np.array([[t.lower().count("measur"), 1.0] for t in texts])
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _setup() -> tuple[Debate, list[str]]:
    # One round, two advisors; chunk leanings +1, -1, 0, ... (options[0], options[1], none).
    debate = make_debate(2, 3, [[[([0], False)], [([0], False)]]], [1, -1, 0, 1, -1, 0], [60, 60])
    debate.themes = [THEME]
    brief = debate.briefs["Advisor A"]
    for n, item in enumerate(brief.evidence):  # 0..3 mentions: a spread around the median
        item.text = f"Passage {n}. " + "We measured it. " * n
    return debate, [item.key for item in brief.evidence]


def _check(keys: list[str], index: int) -> FactCheck:
    return FactCheck(
        target=TurnRef(round=1, advisor="Advisor A", claim=index),
        claim=f"claim {index}",
        citations=keys,
        verdict=Verdict.SUPPORTED,
        score=0.9,
        method="test",
    )


def test_a_quote_is_checked_for_its_leaning_and_its_theme() -> None:
    debate, keys = _setup()
    stances = {s.chunk_id: s for s in debate.stances}
    leaning = {key: stances[key].leaning for key in keys}
    pro = next(k for k in keys if leaning[k] == OPTIONS[0])
    con = next(k for k in keys if leaning[k] == OPTIONS[1])
    none = next(k for k in keys if leaning[k] is None)
    turn = Turn(round=1, advisor="Advisor A", move=Move.SHARE, text="", argues=OPTIONS[0])
    turn.claims = [Claim(text="x", citations=[k]) for k in (pro, con, none)]
    checks = [_check([k], i) for i, k in enumerate((pro, con, none))]
    checks.append(_check([], 3))  # uncited: nothing to measure
    used = UseChecker(embed, stances).check(debate, checks, [turn])
    assert [c.use.agrees if c.use else "-" for c in used] == [True, False, None, "-"]
    assert all(c.use.argued == OPTIONS[0] for c in used[:3] if c.use)
    # Theme: passages 2 and 3 mention measuring more than the brief's median passage.
    on = {key: c.use.on_theme for key, c in zip((pro, con, none), used, strict=False) if c.use}
    for key, value in on.items():
        assert value == (keys.index(key) >= 2), key
    counts = use_counts(used)
    assert counts == {
        "measured": 3,
        "agree": 1,
        "against": 1,
        "on_theme": sum(on.values()),
    }
    sentence = use_sentence(used)
    assert sentence is not None and "1 cite passages leaning the way" in sentence


def test_a_turn_that_argues_nothing_is_never_counted_against() -> None:
    debate, keys = _setup()
    stances = {s.chunk_id: s for s in debate.stances}
    turn = Turn(round=1, advisor="Advisor A", move=Move.SHARE, text="")
    turn.claims = [Claim(text="x", citations=[keys[1]])]
    (check,) = UseChecker(embed, stances).check(debate, [_check([keys[1]], 0)], [turn])
    assert check.use is not None and check.use.agrees is None and check.use.argued is None


@pytest.fixture(scope="module")
def run(demo_library, tmp_path_factory: pytest.TempPathFactory) -> Debate:
    return run_debate(demo_library, QUESTION, tmp_path_factory.mktemp("use") / "run", rounds=2)


def test_the_debate_and_the_report_carry_the_use_figures(run: Debate, demo_library) -> None:
    checks = [c for turn in run.turns() for c in turn.checks]
    measured = [c for c in checks if c.use is not None]
    assert measured and all(c.citations for c in measured)
    domain = [t for t in run.turns() if t.argues is not None]
    assert domain and all(t.argues in run.frame.options for t in domain)
    for round_ in run.rounds:  # each round's summary says how its checked quotes were used
        auditor = [c for t in round_.turns for c in t.checks]
        if any(c.use for c in auditor):
            assert round_.summary is not None
            assert use_sentence(auditor) in round_.summary.agreements
    report = build_report(run, demo_library)
    assert report.verdict.quote_use is not None
    counts = use_counts(checks)
    assert report.verdict.quote_use.text.args == counts  # type: ignore[union-attr]
    markdown = render(report, "md")
    assert f"checked how {counts['measured']} cited claims used their passages" in markdown


def test_the_verdict_and_the_story_are_organised_by_key_points(run: Debate, demo_library) -> None:
    report = build_report(run, demo_library)
    sides = report.verdict.sides
    assert sides and all(s.citations for s in sides)
    options = [s.text.args["option"] for s in sides]  # type: ignore[union-attr]
    assert len(set(options)) == len(options) and set(options) <= set(run.frame.options)
    if report.verdict.option is not None:
        assert options[0] == report.verdict.option  # the verdict's side first
    first = report.deeper_story[0].text
    assert first.key == "story_points"  # type: ignore[union-attr]
    leanings = {p.leaning for p in report.evidence}
    assert set(options) <= leanings  # a side summarised has its key points in the evidence
    markdown = render(report, "md")
    assert "key points from" in markdown and "argument turns on" in markdown
    assert "要点" in render(report, "md", "zh")


def test_debate_json_from_before_the_use_check_still_loads(run: Debate, tmp_path: Path) -> None:
    data = run.model_dump(mode="json")
    for round_ in data["rounds"]:
        for turn in round_["turns"]:
            turn.pop("argues")
            for check in turn["checks"]:
                check.pop("use")
    old = Debate.model_validate(data)
    assert all(c.use is None for t in old.turns() for c in t.checks)


def test_the_risks_say_how_the_leanings_were_read(run: Debate, demo_library) -> None:
    """Read by the stance model or the reader's head: the risk says how often its calls are
    right; read by the heuristic: the risk names it; a mix: the weakest reading is named."""
    keys = {s.text.key for s in build_report(run, demo_library).risks}  # type: ignore[union-attr]
    assert {s.method for s in run.stances} == {MODEL_METHOD}
    # The demo question is "an advantage or an imbalance?": read as two yes/no questions,
    # whose figures the risk gives; a yes/no question gets the yes/no figure.
    assert run.frame.options[:2] == ["advantage", "imbalance"]
    assert "risk_stance_model_choice" in keys and not keys & {"risk_reader", "risk_heuristic"}
    yes_no = run.model_copy(deep=True)
    yes_no.frame = QuestionFrame(kind="yes_no", options=["yes", "no"])
    keys = {s.text.key for s in build_report(yes_no, demo_library).risks}  # type: ignore[union-attr]
    assert "risk_stance_model" in keys and "risk_stance_model_choice" not in keys
    by = {
        HEAD_METHOD: "risk_reader",
        "yes/no cue words (supporting vs undercutting); a heuristic": "risk_heuristic",
    }
    for method, expected in by.items():
        other = run.model_copy(deep=True)
        for stance in other.stances:
            stance.method = method
        keys = {s.text.key for s in build_report(other, demo_library).risks}  # type: ignore[union-attr]
        models = {"risk_stance_model", "risk_stance_model_choice"}
        assert expected in keys and len(keys & {*by.values(), *models}) == 1
    mixed = run.model_copy(deep=True)
    mixed.stances[0].method = HEAD_METHOD
    keys = {s.text.key for s in build_report(mixed, demo_library).risks}  # type: ignore[union-attr]
    assert "risk_reader" in keys and not keys & {"risk_stance_model", "risk_stance_model_choice"}


def test_the_stance_model_risk_gives_its_measured_share_on_business_passages(
    run: Debate, demo_library
) -> None:
    """The risk quotes how often the stance model's calls were right on the hand-labelled
    business passages (debate.stance.BUSINESS_RIGHT, scripts/bench_stance_business.py),
    for a choice and a yes/no question, in English and Chinese."""
    yes_no = run.model_copy(deep=True)
    yes_no.frame = QuestionFrame(kind="yes_no", options=["yes", "no"])
    percent = round(100 * BUSINESS_RIGHT)
    for debate in (run, yes_no):
        report = build_report(debate, demo_library)
        english, chinese = render(report, "md", "en"), render(report, "md", "zh")
        assert f"only {percent}% of its calls were right (a coin would get half" in english
        assert f"只有 {percent}% 的判断正确" in chinese
        assert "has not been measured" not in english

"""What a model gets wrong is caught and shown: a part it cannot write falls back to the
extractive engine for that part only (recorded in debate.json and noted in the report),
and prompts are fitted into the context window openly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fake_llm import PASSAGE_KEY, ScriptedLLM, debate_responder, fake_model, pipeline_responder
from helpers import ONE_ADVISOR_PANEL, QUESTION

from debate import Debate, run_debate
from debate.llm import LLMEngine
from debate.support import CosineScorer
from report import outlook
from report.build import build_report
from report.reading import Reading
from report.render import render


def _debate(demo_library, embedder, out: Path, respond, window: int | None = None):  # type: ignore[no-untyped-def]
    (out.parent / "panel.yaml").write_text(ONE_ADVISOR_PANEL)
    llm = ScriptedLLM(responder=respond)
    model = fake_model(llm)
    model.backend.context_window = window  # type: ignore[attr-defined]
    engine = LLMEngine(model, scorer=CosineScorer(embedder))
    debate = run_debate(
        demo_library, QUESTION, out, rounds=1, engine=engine, panel_file=out.parent / "panel.yaml"
    )
    return debate, llm, out


@pytest.fixture(scope="module")
def fallen(demo_library, embedder, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A one-round debate in which the model never gives the Contrarian a valid turn."""
    good = debate_responder()

    def respond(prompt: str) -> str:
        if '"title":"TurnReply"' in prompt and "You are The Contrarian" in prompt:
            return '{"move": "SHARE", "text": "no claims"}'
        return good(prompt)

    return _debate(demo_library, embedder, tmp_path_factory.mktemp("fb") / "run", respond)


def test_a_turn_the_model_cannot_write_is_written_by_the_extractive_engine(
    fallen: tuple[Debate, ScriptedLLM, Path],
) -> None:
    debate, _, out = fallen
    (fallback,) = debate.fallbacks
    assert (fallback.part, fallback.round, fallback.advisor) == ("turn", 1, "The Contrarian")
    assert "after 3 attempts" in fallback.why and "claims" in fallback.why
    turns = {t.advisor: t for t in debate.rounds[0].turns}
    assert set(turns) == {"Dana Sales", "The Contrarian", "The Auditor"}
    contrarian = turns["The Contrarian"]
    brief = debate.briefs["The Contrarian"]
    cited = [key for claim in contrarian.claims for key in claim.citations]
    assert cited and set(cited) <= brief.chunk_ids()  # an extractive turn: quotes from its brief
    texts = {item.key: " ".join(item.text.split()) for item in brief.evidence}
    for claim in contrarian.claims:
        quote = " ".join(claim.text.removesuffix(" …").split())
        assert any(quote in texts[key] for key in claim.citations), quote
    failed = [c for c in debate.llm_calls if c.purpose == "turn r1 The Contrarian"]
    assert [(c.ok, c.attempts) for c in failed] == [(False, 3)]
    others = [c for c in debate.llm_calls if c.purpose == "turn r1 Dana Sales"]
    assert [(c.ok, c.attempts) for c in others] == [(True, 1)]
    saved = Debate.model_validate_json((out / "debate.json").read_text())
    assert saved.fallbacks == debate.fallbacks  # debate.json records it


def test_the_report_says_which_parts_fell_back_and_why(
    fallen: tuple[Debate, ScriptedLLM, Path], demo_library
) -> None:
    debate, _, _ = fallen
    base = pipeline_responder()

    def respond(prompt: str) -> str:  # the model cannot write the future paths
        if '"title":"PathsReply"' in prompt:
            return "I would rather not."
        return base(prompt)

    report = build_report(debate, demo_library, fake_model(ScriptedLLM(responder=respond)))
    methods = {n.section: n.method for n in report.generated_by if n.note.key != "note_debate"}  # type: ignore[union-attr]
    assert methods["predictions"] == "llm" and methods["future_paths"] == "extractive"
    reading = Reading(debate, demo_library.embedder.embed)
    extractive_paths = outlook.future_paths(reading, outlook.predictions(reading))
    assert report.future_paths == extractive_paths  # the extractive builder's (maybe none)
    assert [(f.part, f.advisor) for f in report.fallbacks] == [
        ("turn", "The Contrarian"),
        ("future_paths", None),
    ]
    text = render(report, "md")
    assert "gave no valid reply for the future paths" in text
    assert "gave no valid turn for The Contrarian in round 1" in text
    assert "the extractive engine wrote it instead" in text
    assert "语言模型未能给出有效的" in render(report, "md", "zh")


def test_prompts_are_fitted_into_the_window_and_say_what_was_cut(
    demo_library, embedder, tmp_path: Path
) -> None:
    debate, llm, _ = _debate(
        demo_library, embedder, tmp_path / "run", debate_responder(), window=3200
    )
    turns = [c for c in debate.llm_calls if c.purpose.startswith("turn")]
    assert len(turns) == 3 and all(c.ok for c in turns) and not debate.fallbacks
    assert all(c.fitted and "passages" in c.fitted for c in turns)
    prompts = [p for p in llm.prompts if '"title":"TurnReply"' in p]
    for prompt in prompts:
        shown = len(PASSAGE_KEY.findall(prompt))
        assert 0 < shown < 12
        assert len(prompt) // 4 < 3200  # the estimate the fake model counts with
    cut = re.search(r"best (\d+) of (\d+) passages", turns[0].fitted or "")
    if cut:  # fewer passages: the prompt shows exactly that many
        assert len(PASSAGE_KEY.findall(prompts[0])) == int(cut[1])


def test_a_turn_that_cites_nothing_it_was_shown_falls_back_and_never_becomes_evidence(
    demo_library, embedder, tmp_path: Path
) -> None:
    """Seen with gemma3-270m: a schema-valid turn of placeholders citing nothing. It must
    not enter the debate uncited, nor reach the report's evidence without a source."""
    good = debate_responder()
    filler = "The other side says: - [QUOTE] - [QUOTE]"

    def respond(prompt: str) -> str:
        if '"title":"TurnReply"' in prompt and "You are The Auditor" in prompt:
            claims = [{"text": filler, "citations": []}, {"text": "x", "citations": ["nope"]}]
            return json.dumps({"move": "FACTCHECK", "text": filler, "claims": claims})
        return good(prompt)

    debate, _, _ = _debate(demo_library, embedder, tmp_path / "run", respond)
    (fallback,) = debate.fallbacks
    assert (fallback.part, fallback.advisor) == ("turn", "The Auditor")
    assert "no claim cites a passage from the brief" in fallback.why
    assert "it cited: 'nope'" in fallback.why  # what the model wrote, to diagnose from the record
    auditor = next(t for t in debate.rounds[0].turns if t.advisor == "The Auditor")
    assert auditor.claims and all(c.citations or c.experience for c in auditor.claims)
    assert all(filler not in c.text for t in debate.turns() for c in t.claims)
    report = build_report(debate, demo_library)
    assert report.evidence
    for point in report.evidence:  # every item carries a source, or is marked experience
        assert point.statement.citations or point.statement.advisors, point


def test_a_section_whose_every_item_is_dropped_falls_back(
    fallen: tuple[Debate, ScriptedLLM, Path], demo_library
) -> None:
    """Seen with gemma3-270m: valid predictions, all for a time already past at the run
    date, so all dropped. The section must not come out empty: the extractive builder's
    predictions stand in, and the report says why."""
    debate, _, _ = fallen
    base = pipeline_responder()

    def respond(prompt: str) -> str:
        if '"title":"PredictionsReply"' in prompt:
            past = json.loads(base(prompt))
            for p in past["predictions"]:
                p["time_frame"] = "by 2020"
            return json.dumps(past)
        return base(prompt)

    report = build_report(debate, demo_library, fake_model(ScriptedLLM(responder=respond)))
    reading = Reading(debate, demo_library.embedder.embed)
    assert report.predictions and report.predictions == outlook.predictions(reading)
    (fallback,) = [f for f in report.fallbacks if f.part == "predictions"]
    assert "every item of its predictions was dropped" in fallback.why
    assert "every item of its predictions was dropped" in render(report, "md")

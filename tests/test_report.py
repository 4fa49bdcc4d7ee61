"""The report from a real extractive debate on the demo corpus: every section present and
honest about how it was built, the run folder's files, the CLI, the LLM-written sections
(through the scripted fake LLM) and translation with citations intact."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fake_llm import ScriptedLLM, fake_model
from test_report_props import NUMBER, check_report
from typer.testing import CliRunner

from agora.cli import app
from debate import Debate, run_debate
from report.build import EXTRACTIVE_SECTIONS, build_report
from report.files import ReportError, report_for_run, write_renderings
from report.i18n import ZH
from report.llm import SENTENCE
from report.render import render
from report.translate import Translator, protect, restore
from report.types import Phrase, Report

QUESTION = (
    "We see AI gains in engineering but not in product or go-to-market: "
    "is that an advantage or an imbalance?"
)


@pytest.fixture(scope="module")
def run(demo_library, tmp_path_factory: pytest.TempPathFactory) -> tuple[Debate, Report, Path]:
    out = tmp_path_factory.mktemp("report-run")
    debate = run_debate(demo_library, QUESTION, out, rounds=5)
    return debate, build_report(debate, demo_library), out


def test_every_section_is_present_and_says_how_it_was_built(run) -> None:
    debate, report, _ = run
    assert report.question == QUESTION
    answer = report.verdict.answer.text
    assert isinstance(answer, Phrase) and answer.key in ("verdict_answer", "verdict_close")
    assert report.verdict.option in ("advantage", "imbalance", None)
    assert report.verdict.strongest_evidence and report.verdict.strongest_objection
    assert 3 <= len(report.predictions) <= 5
    for prediction in report.predictions:
        backing = prediction.statement.citations or prediction.statement.advisors
        assert backing and 0 <= prediction.probability <= 1
        assert prediction.method in ("panel vote", "evidence balance")
    assert report.action_plan and report.action_plan[0].timing.kind == "this_week"
    assert all(step.timing.due >= report.run_date for step in report.action_plan)
    # A path is laid only with the forecasts and recommendations on its side: the demo's
    # "imbalance" passages mostly caution, so it may have one path.
    assert 1 <= len(report.future_paths) <= 3
    for path in report.future_paths:
        months = [m.month for m in path.milestones]
        assert len(months) >= 2 and months == sorted(months)
        assert all(m.event.citations for m in path.milestones)  # each quotes a passage
        assert all(m.basis != "quote" for m in path.milestones)
    for section in ("deeper_story", "evidence", "risks", "panel", "rounds"):
        assert getattr(report, section), section
    assert len(report.rounds) == len(debate.rounds)
    notes = {note.section: note for note in report.generated_by}
    for section in EXTRACTIVE_SECTIONS:
        assert notes[section].method == "extractive"
        assert isinstance(notes[section].note, Phrase)
    assert report.engine.name == "extractive"
    assert "extractive engine" in render(report, "md")
    check_report(report)


def test_report_cites_what_the_debate_cited_and_knows_authors(run) -> None:
    debate, report, _ = run
    assert set(report.ledger.cited) == set(debate.ledger.cited)
    assert report.sources.cited_count == len(debate.ledger.cited_sources())
    assert any(entry.author for entry in report.sources.library)
    assert all(entry.source_id for entry in report.sources.library)
    assert not report.dropped_citations


def test_evidence_bullets_end_with_a_number_or_an_advisor(run) -> None:
    _, report, _ = run
    markdown = render(report, "md")
    section = markdown.split("## Evidence", 1)[1].split("\n## ", 1)[0]
    bullets = [line for line in section.splitlines() if line.startswith("- ")]
    assert len(bullets) == len(report.evidence)
    for line in bullets:
        assert re.search(r"(\[\d+\]|\([^()]+\))$", line), line


def test_run_folder_gets_every_rendering_and_the_cli_rerenders(run, demo_library) -> None:
    _, report, out = run
    paths = write_renderings(out, report)
    names = sorted(p.name for p in paths)
    assert names == sorted(
        ["report.json", "report.md", "report.html", "report.zh.md", "report.zh.html"]
    )
    assert report_for_run(out) == report  # loads report.json, builds nothing
    runner = CliRunner()
    for fmt in ("md", "html", "json"):
        result = runner.invoke(app, ["report", str(out), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert result.output == render(report, fmt)  # type: ignore[arg-type]
    zh = runner.invoke(app, ["report", str(out), "--lang", "zh"])
    assert zh.exit_code == 0 and "## 预测" in zh.output and ZH["prose_untranslated"] in zh.output
    target = out / "copy.html"
    result = runner.invoke(app, ["report", str(out), "--format", "html", "--out", str(target)])
    assert result.exit_code == 0 and target.read_text() == render(report, "html")


def test_cli_builds_report_json_from_the_debate_when_missing(run, demo_library, tmp_path) -> None:
    _, report, out = run
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "debate.json").write_text((out / "debate.json").read_text())
    result = CliRunner().invoke(
        app, ["report", str(copy), "--format", "json", "--library", str(demo_library.root)]
    )
    assert result.exit_code == 0, result.output
    built = Report.model_validate_json((copy / "report.json").read_text())
    assert built.citations == report.citations and built.sources == report.sources


def test_cli_report_errors_are_clear(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(app, ["report", str(empty)])
    assert result.exit_code == 2 and "no debate.json" in result.output
    with pytest.raises(ReportError, match=r"no debate\.json"):
        report_for_run(empty)
    bad = CliRunner().invoke(app, ["report", str(empty), "--format", "odt"])
    assert bad.exit_code == 2 and "md, html, json, pdf or docx" in bad.output


@pytest.mark.parametrize(
    ("verdict", "legend"),
    [("not_supported", "not supported"), ("contradicted", "contradicted by its source")],
)
def test_html_marks_audit_verdicts_with_a_legend(run, verdict: str, legend: str) -> None:
    from audit.types import Audit, AuditTotals, ClaimAudit, ClaimVerdict

    _, report, _ = run
    evidence = report.evidence[0].statement.text
    assert isinstance(evidence, Phrase)
    claims = [
        ClaimAudit(text=str(evidence.args["quote"]), citations=[], verdict=ClaimVerdict(verdict))
    ]
    audit = Audit(
        target="run",
        judge="test judge",
        claims=claims,
        totals=AuditTotals(
            claims=1,
            by_verdict={verdict: 1},
            citations=1,
            citation_recall=0.0,
            citation_precision=0.0,
        ),
    )
    for lang in ("en", "zh"):
        page = render(report, "html", lang, audit=audit)
        assert 'class="legend note"' in page and "test judge" in page
        assert f'data-verdict="{verdict}"' in page and f'class="audit-{verdict}"' in page
    assert f"{legend} (1)" in render(report, "html", "en", audit=audit)


# ---------------------------------------------------------------------------------------
# The LLM path, through the scripted fake


def report_responder(real: str, invented: str = "invented:chunk:9", past: str = ""):  # type: ignore[no-untyped-def]
    def respond(prompt: str) -> str:
        statement = {
            "text": f"Teams will converge [@{real}] as [7] claims [@{invented}].",
            "citations": [real, invented],
            "advisors": ["The Auditor", "Nobody"],
        }
        if '"title":"PredictionsReply"' in prompt:
            prediction = {
                **statement,
                "time_frame": "within 12 months",
                "horizon_months": 12,
                "probability": 70,
                "rationale": "The balance of the debate.",
            }
            dated = {**prediction, "text": past, "time_frame": "by 2025"} if past else prediction
            return json.dumps({"predictions": [prediction, prediction, dated]})
        if '"title":"PathsReply"' in prompt:
            milestone = {**statement, "month": 6, "forecast": False}
            path = {
                "title": "Fix data",
                "premise": "If you treat data as the root cause ...",
                "milestones": [milestone, {**milestone, "month": 3}],
            }
            return json.dumps({"paths": [path, path]})
        if '"title":"StoryReply"' in prompt:
            return json.dumps({"paragraphs": [statement]})
        if '"title":"TranslationReply"' in prompt:
            items = re.findall(r"^\d+\. (\".*\")$", prompt.rsplit("user:", 1)[-1], re.MULTILINE)
            texts = [json.loads(item) for item in items]
            return json.dumps({"translations": [f"译文 {text}" for text in texts]})
        raise AssertionError(f"unexpected prompt: {prompt[:200]}")

    return respond


def test_a_model_prediction_for_a_time_already_past_is_dropped(run, demo_library) -> None:
    debate, _, _ = run
    past = "By 2025, most sales teams will run their pipeline reviews with an assistant."
    responder = report_responder(debate.ledger.cited[0], past=past)
    report = build_report(debate, demo_library, fake_model(ScriptedLLM(responder=responder)))
    assert [p.method for p in report.predictions] == ["llm judgement"] * 2
    assert not any("2025" in str(p.statement.text) for p in report.predictions)


def test_llm_writes_sections_and_cannot_cite_outside_the_debate(run, demo_library) -> None:
    debate, _, out = run
    real = debate.ledger.cited[0]
    engine = fake_model(ScriptedLLM(responder=report_responder(real)))
    report = build_report(debate, demo_library, engine)
    notes = {n.section: n.method for n in report.generated_by}
    assert notes["predictions"] == notes["future_paths"] == notes["deeper_story"] == "llm"
    assert notes["evidence"] == "extractive"
    assert all(p.method == "llm judgement" for p in report.predictions)
    assert report.predictions[0].statement.citations == [real]
    assert report.predictions[0].statement.advisors == ["The Auditor"]
    assert [m.month for m in report.future_paths[0].milestones] == [3, 6]
    assert [d.chunk_id for d in report.dropped_citations] == ["invented:chunk:9"]
    assert len(report.llm_calls) == 3 and all(call.ok for call in report.llm_calls)
    text = report.predictions[0].statement.text
    assert isinstance(text, str) and "[7]" not in text and "invented" not in text
    assert f"[@{real}]" in text
    assert "invented" not in render(report, "md")
    check_report(report)
    # Translation: prose translated, citations unchanged, cached in the run folder.
    translator = Translator(engine, "zh", cache=out)
    translator.warm(report)
    zh = render(report, "md", "zh", translate=translator)
    assert "译文" in zh and ZH["prose_translated"] in zh
    en_numbers = NUMBER.findall(render(report, "md"))
    assert NUMBER.findall(zh) == en_numbers
    assert (out / "translations.zh.json").exists()


def test_a_constrained_section_cites_only_what_the_debate_cited(run, demo_library) -> None:
    """Where the backend constrains replies, a section's citations are an enum of the
    debate's cited keys, its advisors of the panel's names, and its lists are bounded."""
    debate, _, _ = run
    model = fake_model(ScriptedLLM(responder=report_responder(debate.ledger.cited[0])))
    schemas: list[dict] = []
    chat = model.backend.chat
    model.backend.chat = lambda m, schema, n: (schemas.append(schema), chat(m, schema, n))[1]  # type: ignore[method-assign]
    build_report(debate, demo_library, model)
    titles = [s["title"] for s in schemas if s]
    assert titles[:3] == ["PredictionsReply", "PathsReply", "StoryReply"]
    names = [m.advisor.name for m in debate.panel]
    checked = 0
    for schema in schemas[:3]:
        for name in ("PredictionReply", "MilestoneReply", "StatementReply"):
            statement = schema["$defs"].get(name)
            if statement is None:
                continue
            props = statement["properties"]
            assert props["citations"]["items"]["enum"] == sorted(debate.ledger.cited)
            assert props["advisors"]["items"]["enum"] == names
            assert props["citations"]["maxItems"] == 4 and props["advisors"]["maxItems"] == 6
            assert props["text"]["maxLength"] == SENTENCE  # free text bounded as well
            checked += 1
    assert checked == 3  # a prediction, a milestone, a story paragraph


def test_translation_never_changes_citations() -> None:
    text, markers = protect("Gains [@a:b:1] were real [3], said [@c:d:2].")
    assert text == "Gains ⟦0⟧ were real ⟦1⟧, said ⟦2⟧." and len(markers) == 3
    assert restore("收益 ⟦0⟧ 是真的 ⟦1⟧，⟦2⟧。", markers) == "收益 [@a:b:1] 是真的 [3]，[@c:d:2]。"
    assert restore("收益 ⟦0⟧ 是真的。", markers) is None  # a lost citation: keep the original
    assert restore("⟦0⟧ ⟦0⟧ ⟦1⟧ ⟦2⟧", markers) is None


def test_auditing_a_run_writes_audit_json_and_marks_the_html(run) -> None:
    _, report, out = run
    write_renderings(out, report)
    result = CliRunner().invoke(app, ["audit", str(out), "--json"])
    assert result.exit_code == 0, result.stderr
    audit = json.loads(result.stdout)
    assert json.loads((out / "audit.json").read_text()) == audit
    numbers = {entry.report_number for entry in report.citations}
    cited = [c for c in audit["claims"] if c["citations"]]
    assert cited, "the report's claims carry citations"
    for claim in cited:
        for citation in claim["citations"]:
            assert int(citation["label"]) in numbers  # report numbers, all resolvable
            assert citation["chunk_id"] and citation["problem"] is None
    totals = audit["totals"]
    assert totals["claims"] == len(audit["claims"])
    assert sum(totals["by_verdict"].values()) == totals["claims"]
    # Extractive claims quote their passages, so nearly all are backed.
    assert totals["citation_recall"] > 0.5 and totals["citation_precision"] > 0.8
    page = (out / "report.html").read_text()
    assert "audit-supported" in page and "citation recall" in page.lower()


def test_auditing_a_folder_without_a_report_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["audit", str(tmp_path)])
    assert result.exit_code == 2
    assert "no report.json" in result.stderr

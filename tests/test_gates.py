"""The report says plainly when the library cannot answer, and a debate over nothing is refused.

Real components throughout: the demo library (real embedder, real Chroma), the reader model
that ships in reader/, the CLI in process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agora.cli import app
from agora.pipeline import Pipeline
from agora.settings import load_settings
from ingest import Library

OFF_TOPIC = "Should our city replace its diesel buses with electric buses by 2030?"
ON_TOPIC = (
    "We see AI gains in engineering but not in product or go-to-market: "
    "is that an advantage or an imbalance?"
)


def test_a_debate_on_a_missing_library_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    library, out = tmp_path / "no" / "such" / "folder", tmp_path / "run"
    result = CliRunner().invoke(
        app, ["debate", OFF_TOPIC, "--library", str(library), "--out", str(out)]
    )
    assert result.exit_code != 0
    assert "does not exist" in result.output and "agora library add" in result.output
    assert not library.exists() and not out.exists()


def test_a_debate_on_an_empty_library_is_refused_before_its_run_folder(tmp_path: Path) -> None:
    library, out = tmp_path / "empty", tmp_path / "run"
    Library(load_settings(library=library).library_config()).close()  # exists, no sources
    result = CliRunner().invoke(
        app, ["debate", OFF_TOPIC, "--library", str(library), "--out", str(out)]
    )
    assert result.exit_code != 0
    assert "has no sources" in result.output and "agora library add" in result.output
    assert not out.exists()


@pytest.mark.slow
def test_an_off_topic_question_ends_in_insufficient_evidence(demo_library, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = Pipeline(demo_library).run(OFF_TOPIC, out, rounds=1)
    verdict = result.report.verdict
    assert verdict.status == "insufficient_evidence" and verdict.option is None
    assert result.report.predictions == [] and result.report.future_paths == []
    assert all(p.probability is None for p in result.report.predictions)
    briefs = result.debate.briefs.values()
    assert sum(brief.held_back for brief in briefs) > 0  # the gate held passages back
    assert all(brief.relevance_method for brief in briefs)
    saved = json.loads((out / "report.json").read_text())
    assert saved["verdict"]["status"] == "insufficient_evidence"
    markdown = (out / "report.md").read_text()
    assert "library cannot answer" in markdown and "agora library discover" in markdown
    assert "%]" not in markdown  # no probability anywhere


@pytest.mark.slow
def test_the_demo_question_names_its_evidence(demo_library, tmp_path: Path) -> None:
    result = Pipeline(demo_library).run(ON_TOPIC, tmp_path / "run", rounds=1)
    verdict = result.report.verdict
    assert verdict.status in ("leans", "too_close")
    assert (verdict.option is not None) == (verdict.status == "leans")
    kept = [item for brief in result.debate.briefs.values() for item in brief.evidence]
    assert kept and all(item.relevance is not None for item in kept)
    assert result.report.evidence  # key points from the cited passages

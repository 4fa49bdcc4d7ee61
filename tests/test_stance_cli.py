"""`agora stance` and `agora search --rerank` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_reader import CON, OFF_TOPIC, PRO, QUESTION
from typer.testing import CliRunner

from agora.cli import app

runner = CliRunner()


def agora(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_stance_of_one_passage_as_json() -> None:
    code, out, err = agora("stance", QUESTION, "--passage", PRO, "--json")
    assert code == 0, err
    record = json.loads(out)
    assert record["options"] == ["yes", "no"]
    assert record["leaning"] in ("yes", "no", None)
    assert set(record["probabilities"]) == {"yes", "no", "no side"}
    best = max(record["probabilities"], key=record["probabilities"].get)
    # A leaning is the likeliest option; the stance model may still call no side when the
    # two options are closer than its margin (chosen on the tune motions).
    assert record["leaning"] in (None, best) and not (best == "no side" and record["leaning"])
    assert "relevance" not in record  # the reader is a second pass, run only when asked
    assert record["method"] == "stance model"
    code, out, err = agora("stance", QUESTION, "--passage", PRO, "--relevance", "--json")
    assert code == 0, err
    rated = json.loads(out)
    assert 0.0 <= rated["relevance"] <= 1.0
    assert rated["method"] == "stance model, relevance by the reader model"
    assert rated["probabilities"] == record["probabilities"]  # the same stance either way


def test_stance_text_output_names_the_leaning_and_the_off_topic_passage() -> None:
    code, out, err = agora(
        "stance", QUESTION, "--passage", CON, "--passage", OFF_TOPIC, "--relevance"
    )
    assert code == 0, err
    first, second = out.split("leans:")[1:]
    assert second.strip().startswith("no side")  # the recipe takes no side
    assert "options: yes / no" in first
    assert out.count("relevance: ") == 2


def test_pairs_file_answers_every_good_line_and_names_the_broken_ones(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    lines = [
        json.dumps({"question": QUESTION, "passage": PRO}).encode(),
        b'{"question": "unterminated',
        json.dumps({"question": QUESTION, "passage": CON}).encode(),
        json.dumps({"question": "", "passage": PRO}).encode(),
        b"",
        json.dumps({"question": QUESTION, "passage": OFF_TOPIC}).encode()[:-2] + b' \xff"}',
    ]
    pairs.write_bytes(b"\n".join(lines) + b"\n")
    code, out, err = agora("stance", "--pairs", str(pairs), "--json", "--relevance")
    assert code == 1
    records = {r["line"]: r for r in map(json.loads, out.splitlines())}
    assert records[1]["options"] == records[3]["options"] == ["yes", "no"]
    assert records[1]["relevance"] > records[6]["relevance"]  # on topic vs the recipe
    assert "error" in records[2] and "error" in records[4]
    assert records[6]["options"] == ["yes", "no"]  # the bad byte was replaced, line answered
    assert "line 2" in err and "line 4" in err
    assert 5 not in records  # blank lines are skipped, not errors


def test_the_console_script_ends_quickly_with_all_its_output(tmp_path: Path) -> None:
    # `agora stance` ends the process without the interpreter's teardown (agora.cli.main):
    # through a pipe (block-buffered) every record and the error must still arrive, and the
    # exit status must be the command's own.
    pairs = tmp_path / "pairs.jsonl"
    good = [json.dumps({"question": QUESTION, "passage": p}) for p in (PRO, CON) * 40]
    pairs.write_text("\n".join([*good, "not json"]) + "\n")
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [sys.executable, "-c", "from agora.cli import main; main()", "stance", "--pairs",
         str(pairs), "--json"],
        capture_output=True, text=True, timeout=120, env=buffered,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["line"] for r in lines] == list(range(1, 82))
    assert all(r["leaning"] in ("yes", "no", None) for r in lines[:80])
    assert "line 81" in done.stderr and "the rest are answered" in done.stderr
    usage = subprocess.run(
        [sys.executable, "-c", "from agora.cli import main; main()", "stance"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert usage.returncode == 2 and "--pairs FILE" in usage.stderr


def test_missing_model_falls_back_to_the_keyword_heuristic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGORA_READER_MODEL", str(tmp_path / "absent.safetensors"))
    code, out, err = agora(
        "stance", QUESTION, "--passage", "The study found that the ban improved air quality."
    )
    assert code == 0, err
    assert "using the keyword heuristic" in err
    assert "keyword heuristic" in out
    assert "leans: yes" in out  # "found that", "improv": supporting cue words


def test_stance_needs_a_passage() -> None:
    code, _, err = agora("stance", QUESTION)
    assert code == 2
    assert "--passage" in err


@pytest.mark.slow
def test_search_rerank_gives_calibrated_relevance(demo_library) -> None:  # type: ignore[no-untyped-def]
    question = "Is the gap between engineering and go-to-market an advantage or an imbalance?"
    root = str(demo_library.root)
    code, out, err = agora("search", question, "--rerank", "-k", "5", "--json", "--library", root)
    assert code == 0, err
    passages = json.loads(out)
    assert len(passages) == 5
    relevance = [p["scores"]["relevance"] for p in passages]
    assert all(0.0 <= r <= 1.0 for r in relevance)
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)
    code, plain, _ = agora("search", question, "-k", "5", "--json", "--library", root)
    assert all("relevance" not in p["scores"] for p in json.loads(plain))

"""Every script under scripts/ still imports: scripts are outside mypy's packages, so a
module moved in the library (as `read_request_list` and `ndcg_recall_at_k` were) would
otherwise break a benchmark silently until someone runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"

PROBE = """
import importlib, pathlib, sys
sys.path.insert(0, {folder!r})
failed = []
for path in sorted(pathlib.Path({folder!r}).glob("*.py")):
    try:
        importlib.import_module(path.stem)
    except Exception as exc:
        failed.append(f"{{path.name}}: {{exc!r}}")
print("\\n".join(failed))
"""


def test_every_script_imports() -> None:
    names = sorted(p.stem for p in SCRIPTS.glob("*.py"))
    assert {"bench_llm", "bench_reader", "train_stance", "demo"} <= set(names)
    probe = PROBE.format(folder=str(SCRIPTS))
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=600, check=True
    )
    assert result.stdout.strip() == "", result.stdout


def test_the_business_stance_set_is_labelled_against_its_questions_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """scripts/data/stance_business.jsonl: every demo-library chunk once per question, each
    label one of the question's options or no side; and the benchmark's scoring counts a
    'no side' answer on a sided passage as wrong and averages F1 over the gold's sides."""
    monkeypatch.syspath_prepend(str(SCRIPTS))
    from bench_stance_business import NO_SIDE, load, scores

    from reader.framing import frame_options

    data = load()
    assert len(data) == 3
    chunk_sets = [{row["chunk_id"] for row in rows} for rows in data.values()]
    assert all(
        len(chunks) == len(rows) for chunks, rows in zip(chunk_sets, data.values(), strict=True)
    )
    assert chunk_sets[0] == chunk_sets[1] == chunk_sets[2]
    for question, rows in data.items():
        options = frame_options(question)[1]
        assert {row["label"] for row in rows} - {None} <= set(options)
        assert all(row["label"] or not row["clear"] for row in rows)  # no side is never clear
    gold = ["yes", "yes", NO_SIDE, NO_SIDE]
    got = scores(gold, ["yes", NO_SIDE, "no", NO_SIDE], ["yes", "no"])
    assert got["right"] == 1 and got["called"] == 1 and got["coverage"] == 0.5
    assert got["sided_f1"] == 2 / 3  # 'yes' only: precision 1, recall 1/2

"""Evidence sufficiency on the demo library: when is a question one the library cannot answer?

Questions written for this benchmark (`scripts/data/sufficiency_questions.json`, by hand:
on-topic ones about AI productivity in engineering, product and go-to-market, which the demo
library covers, and off-topic ones it does not). For each, the briefs a debate would build
(the panel chosen for the question, `debate.run.build_briefs` with the reader model's
relevance gate) and what survives the gate: relevant passages and distinct sources. The
thresholds in `report/sufficiency.py` are chosen here: the smallest (passages, sources) pair
that keeps every on-topic question and stops every off-topic one, with the margin on each
side printed.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_sufficiency.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchlib import markdown_table, write_section  # noqa: E402

from agora.settings import load_settings  # noqa: E402
from debate.panel import fit_panel  # noqa: E402
from debate.run import build_briefs  # noqa: E402
from ingest import Library  # noqa: E402
from ingest.requests import read_request_list  # noqa: E402
from report.sufficiency import MIN_PASSAGES, MIN_SOURCES, MIN_TOPICAL  # noqa: E402

QUESTIONS = ROOT / "scripts" / "data" / "sufficiency_questions.json"
MANIFEST = ROOT / "corpus" / "ai-imbalance" / "manifest.json"


def coverage(library: Library, question: str) -> tuple[int, int, int, float]:
    panel, _ = fit_panel(library, question, None)
    briefs = build_briefs(library, question, panel, 12)
    keys = {item.key: item.source for brief in briefs.values() for item in brief.evidence}
    held = sum(brief.held_back for brief in briefs.values())
    topical = max((b.topical or 0.0) for b in briefs.values())
    return len(keys), len(set(keys.values())), held, topical


def sufficient(passages: int, sources: int, topical: float) -> bool:
    return topical >= MIN_TOPICAL and passages >= MIN_PASSAGES and sources >= MIN_SOURCES


def main() -> None:
    questions = json.loads(QUESTIONS.read_text())
    started = time.perf_counter()
    rows, measured = [], []
    with (
        tempfile.TemporaryDirectory() as folder,
        Library(load_settings(library=Path(folder)).library_config()) as library,
    ):
        library.add(read_request_list(MANIFEST))
        for kind in ("on_topic", "off_topic"):
            for question in questions[kind]:
                passages, sources, held, topical = coverage(library, question)
                measured.append((kind, passages, sources, topical))
                verdict = "answerable" if sufficient(passages, sources, topical) else "insufficient"
                rows.append(
                    [
                        kind.replace("_", "-"),
                        question,
                        passages,
                        sources,
                        held,
                        f"{topical:.2f}",
                        verdict,
                    ]
                )
                print(
                    f"{kind:9} {passages:3} passages {sources:3} sources {topical:.2f} {question}"
                )
    on = [m[1:] for m in measured if m[0] == "on_topic"]
    off = [m[1:] for m in measured if m[0] == "off_topic"]
    correct = sum(sufficient(*m) for m in on) + sum(not sufficient(*m) for m in off)
    seconds = time.perf_counter() - started
    body = (
        "Command: `HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_sufficiency.py`. The demo "
        f"library (corpus/ai-imbalance, {len(json.loads(MANIFEST.read_text())['sources'])} "
        "sources, 5 of them off the topic on purpose); questions written for this benchmark in "
        "`scripts/data/sufficiency_questions.json`. For each question: the briefs a debate "
        "builds (its fitted panel, 12 passages each) after the reader model's relevance gate, "
        "the distinct relevant passages and sources left, and the candidates held back.\n\n"
        + markdown_table(
            ["kind", "question", "passages", "sources", "held back", "topical", "report says"],
            rows,
        )
        + f"\n\nThresholds in `report/sufficiency.py`: topical similarity at least "
        f"{MIN_TOPICAL} and at least {MIN_PASSAGES} relevant passages from {MIN_SOURCES} "
        f"sources. On-topic: lowest topical {min(m[2] for m in on):.2f}, fewest passages "
        f"{min(m[0] for m in on)}; off-topic: highest topical {max(m[2] for m in off):.2f}, "
        f"most passages {max(m[0] for m in off)}. "
        f"{correct} of {len(measured)} questions classified as intended. Dev figures: the "
        f"thresholds were chosen on these questions. Run time {seconds:.0f} s."
    )
    write_section("sufficiency", "Evidence sufficiency (demo library)", body)
    print(f"{correct}/{len(measured)} as intended; written to docs/benchmarks.md")


if __name__ == "__main__":
    main()

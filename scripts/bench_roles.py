"""Sentence roles (`reader.roles`) against hand labels, beside the regexes they replaced.

Reads a JSONL file of labelled sentences (id, text, role, when, source; the held-out test set
is `tests/data/sentence_roles.jsonl`, the dev set the classifier was built on is
`scripts/data/sentence_roles_dev.jsonl`) and reports, for the classifier and the baseline:
precision, recall and F1 per role, macro-F1 over the six roles, forecast `when` accuracy,
and speed. Every sentence is read on the run date the labels were made for (2026-11-30).

The baseline is the report's reading before roles existed (report/reading.py at ddfb922),
copied here verbatim so it stays fixed: a sentence matching ACTION is a recommendation; else
one matching FORWARD that `looks_back` does not reject is a forecast (its `when`: the year of
`horizon`'s stated time frame); everything else is a finding, the role the report gave any
cited sentence it did not single out. It never says statistic, caveat or background.

    .venv/bin/python scripts/bench_roles.py                      # test set (+ dev, labelled)
    .venv/bin/python scripts/bench_roles.py --test other.jsonl --no-write
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchlib import markdown_table, write_section  # noqa: E402

from reader.roles import SentenceRole, sentence_role  # noqa: E402

RUN_DATE = date(2026, 11, 30)
TEST = ROOT / "tests" / "data" / "sentence_roles.jsonl"
DEV = ROOT / "scripts" / "data" / "sentence_roles_dev.jsonl"
ROLES = [role.value for role in SentenceRole]

# -- the baseline: report/reading.py at ddfb922, verbatim --------------------------------
FORWARD = re.compile(
    r"\b(?:will|won't|is likely to|are likely to|expects? to|expected to|projected|"
    r"forecasts?|predicts?|by 20\d\d|within (?:the next )?\w+ (?:months?|years?)|"
    r"over the next|in the coming|over a decade)\b",
    re.IGNORECASE,
)
ACTION = re.compile(
    r"\b(?:should|must|needs? to|ought to)\b"
    r"|^(?:Treat|Measure|Invest|Build|Redesign|Start|Stop|Shift|Redirect|Fix|Point|Judge|"
    r"Direct|Move|Put|Make|Use|Run|Ask|Set|Fund|Track|Define|Clean|Check)\b"
    r"|^Before [^,]+, [a-z]+ the\b",
)
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}
_NUMBERS |= {"twelve": 12, "eighteen": 18}
_HORIZON = re.compile(
    r"\b(?:within|in|over)\s+(?:the\s+)?(?:next\s+)?(\d+|[a-z]+)\s+(months?|years?)\b"
    r"|\bby\s+(20\d\d)\b|\b(over a decade|next year|this year)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:by|in|until|before|through)\s+(20\d\d)\b", re.IGNORECASE)


def _horizon_months(sentence: str, run_year: int) -> int | None:
    match = _HORIZON.search(sentence)
    if match is None:
        return None
    if match.group(3):
        year = int(match.group(3))
        return None if year < run_year else max(3, (year - run_year) * 12)
    if match.group(4):
        return {"over a decade": 120, "next year": 12, "this year": 6}[match.group(4).lower()]
    raw = match.group(1).lower()
    count = int(raw) if raw.isdigit() else _NUMBERS.get(raw)
    if count is None:
        return None
    return count * (12 if match.group(2).lower().startswith("year") else 1)


def baseline(text: str) -> tuple[str, str | None]:
    if ACTION.search(text):
        return "recommendation", None
    years = [int(y) for y in _YEAR.findall(text)]
    if FORWARD.search(text) and not (years and max(years) < RUN_DATE.year):
        months = _horizon_months(text, RUN_DATE.year)
        if months is None:
            return "forecast", None
        total = RUN_DATE.year * 12 + RUN_DATE.month - 1 + months
        return "forecast", str(total // 12)
    return "finding", None


def classifier(text: str) -> tuple[str, str | None]:
    found = sentence_role(text, RUN_DATE)
    return found.role.value, found.when.label if found.when else None


# -- scoring -------------------------------------------------------------------------------


def load(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    bad = [r.get("id") for r in rows if r.get("role") not in ROLES]
    if bad:
        raise SystemExit(f"{path}: rows with a role outside {ROLES}: {bad[:5]}")
    return rows


def score(rows: list[dict], predict: Callable[[str], tuple[str, str | None]]) -> dict:
    started = time.perf_counter()
    predicted = [predict(row["text"]) for row in rows]
    seconds = time.perf_counter() - started
    per_role = {}
    for role in ROLES:
        tp = sum(1 for r, (p, _) in zip(rows, predicted, strict=True) if p == role == r["role"])
        fp = sum(1 for r, (p, _) in zip(rows, predicted, strict=True) if p == role != r["role"])
        fn = sum(1 for r, (p, _) in zip(rows, predicted, strict=True) if r["role"] == role != p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_role[role] = (precision, recall, f1, tp + fn)
    # `when` is scored on the sentences labelled forecast that the method also called one:
    # exact (same period at the same precision) and by year.
    both = [
        (r.get("when"), w)
        for r, (p, w) in zip(rows, predicted, strict=True)
        if r["role"] == "forecast" and p == "forecast"
    ]
    exact = sum(1 for gold, got in both if (gold or None) == got)
    year = sum(1 for gold, got in both if (gold or "")[:4] == (got or "")[:4])
    accuracy = sum(1 for r, (p, _) in zip(rows, predicted, strict=True) if p == r["role"])
    return {
        "per_role": per_role,
        "macro_f1": sum(v[2] for v in per_role.values()) / len(ROLES),
        "accuracy": accuracy / len(rows),
        "when": (exact, year, len(both)),
        "speed": len(rows) / seconds if seconds else float("inf"),
    }


def table(name: str, rows: list[dict]) -> tuple[str, dict, dict]:
    ours, base = score(rows, classifier), score(rows, baseline)
    lines = [
        [
            role,
            n,
            f"{ours['per_role'][role][0]:.2f}",
            f"{ours['per_role'][role][1]:.2f}",
            f"{ours['per_role'][role][2]:.2f}",
            f"{base['per_role'][role][0]:.2f}",
            f"{base['per_role'][role][1]:.2f}",
            f"{base['per_role'][role][2]:.2f}",
        ]
        for role in ROLES
        for n in [ours["per_role"][role][3]]
    ]
    lines.append(
        [
            "**macro-F1**",
            len(rows),
            "",
            "",
            f"**{ours['macro_f1']:.3f}**",
            "",
            "",
            f"{base['macro_f1']:.3f}",
        ]
    )
    lines.append(
        [
            "accuracy",
            len(rows),
            "",
            "",
            f"{ours['accuracy']:.3f}",
            "",
            "",
            f"{base['accuracy']:.3f}",
        ]
    )
    heads = ["role", "n", "P", "R", "F1", "baseline P", "baseline R", "baseline F1"]

    def when(s: dict) -> str:
        exact, year, n = s["when"]
        return f"{exact}/{n} exact, {year}/{n} same year" if n else "no forecast found by both"

    body = (
        f"**{name}** ({len(rows)} sentences)\n\n{markdown_table(heads, lines)}\n\n"
        f"Forecast `when` (on sentences labelled forecast and called forecast): roles "
        f"{when(ours)}; baseline {when(base)}. Speed: roles {ours['speed']:,.0f} "
        f"sentences/s, baseline {base['speed']:,.0f} sentences/s (one core).\n"
    )
    return body, ours, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test", type=Path, default=TEST, help="held-out labels (JSONL)")
    parser.add_argument("--dev", type=Path, default=DEV, help="dev labels (JSONL)")
    parser.add_argument("--no-write", action="store_true", help="print, do not touch docs")
    args = parser.parse_args()
    parts = []
    if args.test.exists():
        body, ours, base = table(f"Test set: `{args.test.relative_to(ROOT)}`", load(args.test))
        parts.append(body)
        print(f"test: roles macro-F1 {ours['macro_f1']:.3f}, baseline {base['macro_f1']:.3f}")
    else:
        parts.append(f"*Test set `{args.test}` not present: not measured.*\n")
        print(f"no test set at {args.test}")
    body, ours, base = table(
        "Dev set (the classifier was built and tuned on it; not a held-out figure)", load(args.dev)
    )
    parts.append(body)
    print(f"dev: roles macro-F1 {ours['macro_f1']:.3f}, baseline {base['macro_f1']:.3f}")
    intro = (
        "`reader.roles.sentence_role` (rules over cue words, modal verbs, tense, numbers and "
        "time expressions) against hand labels, run date 2026-11-30, beside the baseline "
        "(the FORWARD/ACTION regexes the report used before: ACTION -> recommendation, else "
        "FORWARD and not past-dated -> forecast, else finding; it never predicts statistic, "
        "caveat or background). Rerun: `.venv/bin/python scripts/bench_roles.py`.\n\n"
    )
    text = intro + "\n".join(parts)
    if args.no_write:
        print(text)
    else:
        write_section("roles", "Sentence roles", text)


if __name__ == "__main__":
    main()

"""The report in a run folder: build or load report.json, write every rendering next to it.

A run folder holds debate.json (the debate stage's output); this stage adds report.json
(the full `Report`), report.md and report.html, and their Chinese renderings
report.zh.md and report.zh.html. If the folder holds an audit.json (`agora audit`), the
HTML marks each claim with its verdict.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from audit.types import Audit
from debate.run import DebateError, load_debate
from ingest.library import Library
from llm import Model
from report.build import build_report
from report.layout import Translate
from report.render import Format, render
from report.translate import kept_translations
from report.types import Report

REPORT = "report.json"
AUDIT = "audit.json"
SUFFIXES: dict[Format, str] = {"md": ".md", "html": ".html", "json": ".json"}


class ReportError(RuntimeError):
    """A problem a user can act on (the message says how)."""


def load_report(run_dir: Path) -> Report | None:
    """The saved report of a run folder, or None if it has none yet."""
    path = Path(run_dir) / REPORT
    if not path.exists():
        return None
    try:
        return Report.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        raise ReportError(
            f"cannot read {path}: {exc}; delete it to rebuild from debate.json"
        ) from exc


def load_audit(run_dir: Path) -> Audit | None:
    path = Path(run_dir) / AUDIT
    if not path.exists():
        return None
    try:
        return Audit.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from exc


def report_for_run(
    run_dir: Path,
    library: Library | None = None,
    model: Model | None = None,
    *,
    rebuild: bool = False,
) -> Report:
    """report.json if the folder has one (and `rebuild` is off); otherwise the report
    built from debate.json and saved as report.json."""
    run_dir = Path(run_dir)
    if not rebuild and (saved := load_report(run_dir)) is not None:
        return saved
    debate_path = run_dir / "debate.json"
    if not debate_path.exists():
        raise ReportError(
            f"{run_dir} holds no debate.json: run `agora debate QUESTION --out {run_dir}` first"
        )
    try:
        debate = load_debate(debate_path)
    except DebateError as exc:
        raise ReportError(str(exc)) from exc
    if not debate.complete:
        raise ReportError(
            f"the debate in {run_dir} is not finished ({len(debate.rounds)} of "
            f"{len(debate.themes)} rounds): continue it with `agora debate ... --resume`"
        )
    report = build_report(debate, library, model)
    write_text(run_dir / REPORT, render(report, "json"))
    return report


def output_name(fmt: Format, lang: str) -> str:
    return "report" + ("" if lang == "en" else f".{lang}") + SUFFIXES[fmt]


def write_renderings(
    run_dir: Path,
    report: Report,
    languages: tuple[str, ...] = ("en", "zh"),
    translators: dict[str, Translate] | None = None,
) -> list[Path]:
    """report.json, then Markdown and HTML in each language; returns the paths written.

    A language without a translator uses the translations the folder keeps, if any."""
    run_dir = Path(run_dir)
    audit = load_audit(run_dir)
    written = [run_dir / REPORT]
    write_text(written[0], render(report, "json"))
    for lang in languages:
        translate = (translators or {}).get(lang)
        if translate is None and lang != report.language:
            # What a model translated before (re-rendering after an audit, say).
            translate = kept_translations(run_dir, lang)
        formats: tuple[Format, ...] = ("md", "html")
        for fmt in formats:
            path = run_dir / output_name(fmt, lang)
            text = render(report, fmt, lang, audit=audit, translate=translate)
            write_text(path, text)
            written.append(path)
    return written


def write_text(path: Path, text: str) -> None:
    """Atomically, so an interrupted run never leaves half a report."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)

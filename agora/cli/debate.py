"""`agora debate` and `agora report`: run a debate and render its report."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agora.cli.common import (
    ApiBaseOption,
    LibraryOption,
    LLMOption,
    app,
    err,
    fail,
    open_library,
    out,
    settings_for,
)

if TYPE_CHECKING:
    from ingest import Library


@app.command("report")
def report_command(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by `agora debate`.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="md, html, json, pdf or docx (pdf and docx go to --out, or into the run "
            "folder as report[.zh].pdf|docx).",
        ),
    ] = "md",
    lang: Annotated[str, typer.Option("--lang", help="en or zh.")] = "en",
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to FILE instead of printing.")
    ] = None,
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm",
            help="A model for the sections that need one and for translation "
            "(default: extractive; used only when report.json is built or with --lang zh).",
        ),
    ] = None,
    api_base: ApiBaseOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Rebuild report.json from debate.json.")
    ] = False,
    library: LibraryOption = None,
) -> None:
    """Render a run's report (building report.json from debate.json if it is missing)."""
    from report.export_files import EXPORTS, ExportError, export_name, export_report
    from report.files import ReportError, load_audit, load_report
    from report.render import FORMATS, render

    if fmt not in FORMATS and fmt not in EXPORTS:
        fail(f"--format {fmt!r}: expected md, html, json, pdf or docx")
    if lang not in ("en", "zh"):
        fail(f"--lang {lang!r}: expected en or zh")
    if not (run_dir / "debate.json").exists() and not (run_dir / "report.json").exists():
        fail(f"{run_dir} holds no debate.json: run `agora debate QUESTION --out {run_dir}` first")
    try:
        report = None if rebuild else load_report(run_dir)
        if report is None:
            report = _build_report(run_dir, library, llm, api_base)
        translate = _translator(run_dir, lang, llm, api_base) if report.language != lang else None
        if translate is not None:
            translate.warm(report)
        audit = load_audit(run_dir)
        output: str | bytes
        if fmt in FORMATS:
            output = render(report, fmt, lang, audit=audit, translate=translate)
        elif fmt in EXPORTS:
            output = export_report(report, fmt, lang, audit=audit, translate=translate)
    except (ReportError, ExportError) as exc:
        fail(str(exc))
    if out_file is None and isinstance(output, str):
        sys.stdout.write(output)
        return
    # PDF and Word are binary: into a file, by default in the run folder.
    out_file = out_file or run_dir / export_name(fmt, lang)
    if isinstance(output, bytes):
        out_file.write_bytes(output)
    else:
        out_file.write_text(output, encoding="utf-8")
    out.print(f"report written to {out_file}", markup=False, highlight=False, soft_wrap=True)


def _engine(llm: str | None, api_base: str | None) -> Any:
    """The model engine for --llm, or None (the extractive builders, prose untranslated)."""
    if not llm:
        return None
    from debate.engine import make_engine
    from debate.llm import LLMConfigError

    try:
        return make_engine(llm, api_base=api_base)
    except LLMConfigError as exc:
        fail(str(exc))


@contextmanager
def _library_if_any(library: Path | None) -> Iterator[Library | None]:
    """The library when there is one (for source metadata); without it, reports take
    what the briefs recorded."""
    settings = settings_for(library)
    if settings.chroma_url or settings.library.exists():
        with open_library(library) as lib:
            yield lib
    else:
        yield None


def _build_report(
    run_dir: Path, library: Path | None, llm: str | None, api_base: str | None
) -> Any:
    """report.json rebuilt from debate.json."""
    from report.files import report_for_run

    engine = _engine(llm, api_base)
    with _library_if_any(library) as lib:
        return report_for_run(run_dir, lib, engine, rebuild=True)


def _translator(run_dir: Path, lang: str, llm: str | None, api_base: str | None) -> Any:
    """A translator for the prose when a model is configured; None keeps the prose as it
    is (the rendering says so)."""
    if not llm:
        return None
    from report.translate import Translator

    return Translator(_engine(llm, api_base), lang, cache=run_dir)


def _write_report(
    run_dir: Path, library: Path | None, llm: str | None, api_base: str | None
) -> None:
    """After a debate: report.json, and Markdown and HTML in English and Chinese (the
    Chinese prose translated by the model, with --llm). The web app's debate jobs call
    the same `write_run_reports`."""
    from debate.llm import LLMOutputError
    from report.files import ReportError, write_run_reports

    engine = _engine(llm, api_base)
    try:
        with _library_if_any(library) as lib:
            paths = write_run_reports(run_dir, lib, engine)
    except (ReportError, LLMOutputError) as exc:
        fail(f"the debate is saved, but the report failed: {exc}")
    out.print("report:")
    for path in paths:
        out.print(f"  {path}", markup=False, highlight=False, soft_wrap=True)


@app.command("debate")
def debate_command(
    question: Annotated[str, typer.Argument(help="The decision question.")],
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Run folder for panel, briefs and debate JSON.")
    ],
    rounds: Annotated[
        int | None,
        typer.Option(
            "--rounds", help="Number of rounds (default 5; on --resume, as saved).", min=1
        ),
    ] = None,
    panel: Annotated[
        Path | None, typer.Option("--panel", help="YAML panel file (overrides the panel).")
    ] = None,
    llm: LLMOption = None,
    api_base: ApiBaseOption = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue after the last complete round.")
    ] = False,
    library: LibraryOption = None,
) -> None:
    """A panel of advisors debates the question over themed rounds, citing the library."""
    from debate import DebateError, PanelError, run_debate
    from debate.llm import LLMConfigError, LLMOutputError

    with open_library(library) as lib:
        try:
            result = run_debate(
                lib,
                question,
                out_dir,
                rounds=rounds,
                engine=llm or "extractive",
                panel_file=panel,
                resume=resume,
                api_base=api_base,
                progress=lambda message: err.print(message, markup=False, soft_wrap=True),
            )
        except (DebateError, PanelError, LLMConfigError, LLMOutputError) as exc:
            fail(str(exc))
    cited = len(result.ledger.cited_sources())
    out.print(
        f"{len(result.rounds)} rounds, {len(result.turns())} turns by {len(result.panel)} "
        f"advisors ({result.engine.name} engine); {cited} sources cited, "
        f"{len(result.ledger.unused_sources())} retrieved but unused"
    )
    if result.dropped_citations:
        out.print(f"{len(result.dropped_citations)} citations outside a brief were dropped")
    for name in ("panel.json", "briefs.json", "debate.json"):
        out.print(f"  {out_dir / name}", markup=False, highlight=False, soft_wrap=True)
    _write_report(out_dir, library, llm, api_base)

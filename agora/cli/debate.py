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
    ContextWindowOption,
    LibraryOption,
    LLMOption,
    app,
    err,
    fail,
    load_model_or_fail,
    open_library,
    out,
    settings_for,
)

if TYPE_CHECKING:
    from ingest import Library
    from llm import Model


@app.command("report")
def report_command(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by `agora debate`.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, html or json.")] = "md",
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
    context_window: ContextWindowOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Rebuild report.json from debate.json.")
    ] = False,
    library: LibraryOption = None,
) -> None:
    """Render a run's report (building report.json from debate.json if it is missing)."""
    from llm import LLMConnectionError, LLMOutputError
    from report.files import ReportError, load_audit, load_report
    from report.render import FORMATS, render

    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: expected md, html or json")
    if lang not in ("en", "zh"):
        fail(f"--lang {lang!r}: expected en or zh")
    if not (run_dir / "debate.json").exists() and not (run_dir / "report.json").exists():
        fail(f"{run_dir} holds no debate.json: run `agora debate QUESTION --out {run_dir}` first")
    loaded: list[Model | None] = []

    def model() -> Model | None:
        """Loaded on first need (building report.json, translating), and only once."""
        if not loaded:
            loaded.append(load_model_or_fail(llm, api_base, context_window))
        return loaded[0]

    try:
        report = None if rebuild else load_report(run_dir)
        if report is None:
            report = _build_report(run_dir, library, model())
        translate = _translator(run_dir, lang, model()) if report.language != lang else None
        if translate is not None:
            translate.warm(report)
        text = render(report, fmt, lang, audit=load_audit(run_dir), translate=translate)
    except (ReportError, LLMOutputError, LLMConnectionError) as exc:
        fail(str(exc))
    if out_file is None:
        sys.stdout.write(text)
        return
    out_file.write_text(text, encoding="utf-8")
    out.print(f"report written to {out_file}", markup=False, highlight=False, soft_wrap=True)


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


def _build_report(run_dir: Path, library: Path | None, model: Model | None) -> Any:
    """report.json rebuilt from debate.json."""
    from report.files import report_for_run

    with _library_if_any(library) as lib:
        return report_for_run(run_dir, lib, model, rebuild=True)


def _translator(run_dir: Path, lang: str, model: Model | None) -> Any:
    """A translator for the prose when a model is configured; None keeps the prose as it
    is (the rendering says so)."""
    if model is None:
        return None
    from report.translate import Translator

    return Translator(model, lang, cache=run_dir)


def _write_report(run_dir: Path, library: Path | None, model: Model | None) -> None:
    """After a debate: report.json, and Markdown and HTML in English and Chinese (the
    Chinese prose translated by the model, with --llm). The web app's debate jobs call
    the same `write_run_reports`."""
    from llm import LLMConnectionError, LLMOutputError
    from report.files import ReportError, write_run_reports

    try:
        with _library_if_any(library) as lib:
            paths = write_run_reports(run_dir, lib, model)
    except (ReportError, LLMOutputError, LLMConnectionError) as exc:
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
    context_window: ContextWindowOption = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue after the last complete round.")
    ] = False,
    library: LibraryOption = None,
) -> None:
    """A panel of advisors debates the question over themed rounds, citing the library."""
    from debate import DebateError, PanelError, make_engine, run_debate
    from llm import LLMConnectionError, LLMOutputError

    # One model for the whole command: the debate's turns, then the report and translation.
    model = load_model_or_fail(llm, api_base, context_window)
    with open_library(library) as lib:
        try:
            result = run_debate(
                lib,
                question,
                out_dir,
                rounds=rounds,
                engine=make_engine(model),
                panel_file=panel,
                resume=resume,
                progress=lambda message: err.print(message, markup=False, soft_wrap=True),
            )
        except (DebateError, PanelError, LLMOutputError, LLMConnectionError) as exc:
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
    _write_report(out_dir, library, model)

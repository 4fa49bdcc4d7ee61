"""`agora debate` and `agora report`: run a debate and render its report."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    require_library,
    settings_for,
)

if TYPE_CHECKING:
    from ingest import Library
    from llm import Model


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
    context_window: ContextWindowOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Rebuild report.json from debate.json.")
    ] = False,
    library: LibraryOption = None,
) -> None:
    """Render a run's report (building report.json from debate.json if it is missing)."""
    from agora.pipeline import Pipeline
    from llm import LLMConnectionError, LLMOutputError
    from report.export_files import EXPORTS, ExportError, export_name
    from report.files import ReportError
    from report.render import FORMATS

    if fmt not in FORMATS and fmt not in EXPORTS:
        fail(f"--format {fmt!r}: expected md, html, json, pdf or docx")
    if lang not in ("en", "zh"):
        fail(f"--lang {lang!r}: expected en or zh")
    if not (run_dir / "debate.json").exists() and not (run_dir / "report.json").exists():
        fail(f"{run_dir} holds no debate.json: run `agora debate QUESTION --out {run_dir}` first")

    def model() -> Model | None:
        return load_model_or_fail(llm, api_base, context_window)

    try:
        with _library_if_any(library) as lib:
            pipeline = Pipeline(lib, load_model=model)
            if rebuild:
                pipeline.report(run_dir, rebuild=True)
            output = pipeline.render_one(run_dir, fmt, lang)
    except (ReportError, ExportError, LLMOutputError, LLMConnectionError) as exc:
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
    from agora.pipeline import Pipeline
    from debate import DebateError, PanelError
    from llm import LLMConnectionError, LLMOutputError
    from report.files import ReportError

    require_library(library)
    # One model for the whole command: the debate's turns, the report and the translation.
    model = load_model_or_fail(llm, api_base, context_window)
    progress = lambda message: err.print(message, markup=False, soft_wrap=True)  # noqa: E731
    with open_library(library) as lib:
        try:
            result = Pipeline(lib, model, progress=progress).run(
                question, out_dir, rounds=rounds, panel_file=panel, resume=resume
            )
        except (DebateError, PanelError, ReportError, LLMOutputError, LLMConnectionError) as exc:
            fail(str(exc))
    debate = result.debate
    cited = len(debate.ledger.cited_sources())
    out.print(
        f"{len(debate.rounds)} rounds, {len(debate.turns())} turns by {len(debate.panel)} "
        f"advisors ({debate.engine.name} engine); {cited} sources cited, "
        f"{len(debate.ledger.unused_sources())} retrieved but unused"
    )
    if debate.dropped_citations:
        out.print(f"{len(debate.dropped_citations)} citations outside a brief were dropped")
    for name in ("panel.json", "briefs.json", "debate.json"):
        out.print(f"  {out_dir / name}", markup=False, highlight=False, soft_wrap=True)
    verdict = result.report.verdict
    status = verdict.status.replace("_", " ")
    out.print(f"verdict: {status}" + (f" ({verdict.option})" if verdict.option else ""))
    out.print("report:")
    for path in result.written:
        out.print(f"  {path}", markup=False, highlight=False, soft_wrap=True)

"""The `agora` command: a thin layer that parses, calls one API function, and prints."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from agora.progress import RichProgress
from agora.settings import load_settings
from audit.types import Audit
from ingest import Library, LibraryError, Outcome, SourceRequest
from ingest.library import IngestSummary, read_request_list
from ingest.types import Chunk, Source

app = typer.Typer(
    help="Agora: evidence-grounded decision research.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
library_app = typer.Typer(help="Build and inspect a source library.", no_args_is_help=True)
app.add_typer(library_app, name="library")

out = Console()
err = Console(stderr=True)

LibraryOption = Annotated[
    Path | None,
    typer.Option(
        "--library",
        "-l",
        help="Library folder (default: $AGORA_LIBRARY or ./library).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _open(library: Path | None, **overrides: object) -> Library:
    try:
        return Library(load_settings(library=library, **overrides))
    except LibraryError as exc:
        _fail(str(exc))


def _fail(message: str, code: int = 2) -> NoReturn:
    # soft_wrap: long paths and URLs stay on one line, copyable.
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@library_app.command("add")
def library_add(
    locations: Annotated[
        list[str] | None, typer.Argument(help="URLs, files or folders.", show_default=False)
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="A file of locations, one per line, or a JSON/YAML manifest with metadata.",
        ),
    ] = None,
    library: LibraryOption = None,
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private", help="Allow URLs on private, loopback or link-local addresses."
        ),
    ] = False,
) -> None:
    """Add sources; each one ends up ok, skipped, or failed with a reason."""
    requests = [SourceRequest(location=location) for location in locations or []]
    if from_file is not None:
        try:
            requests += read_request_list(from_file)
        except LibraryError as exc:
            _fail(str(exc))
    if not requests:
        _fail("nothing to add: give URLs, files or folders, or --from FILE")
    with _open(library, allow_private=allow_private or None) as lib:
        try:
            with RichProgress(err) as progress:
                summary = lib.add(requests, progress=progress)
        except LibraryError as exc:
            _fail(str(exc))
        _print_summary(summary)
        if not summary.anything_usable:
            raise typer.Exit(1)


def _print_summary(summary: IngestSummary) -> None:
    problems = [r for r in summary.results if r.outcome in (Outcome.FAILED, Outcome.SKIPPED)]
    if problems:
        table = Table("#", "location", "outcome", "reason", title="Not added")
        for result in problems:
            table.add_row(
                str(result.source.number or ""),
                result.source.location,
                result.outcome.value,
                result.reason or "",
            )
        err.print(table)
    counts = ", ".join(f"{summary.count(o)} {o.value}" for o in Outcome)
    err.print(f"{counts}; {summary.chunks_embedded} chunks embedded")


@library_app.command("list")
def library_list(library: LibraryOption = None, as_json: JsonOption = False) -> None:
    """Every source: number, title, kind, status, chunks, and the reason if it failed."""
    with _open(library) as lib:
        sources = lib.sources()
    if as_json:
        _print_json([source.model_dump(mode="json") for source in sources])
        return
    table = Table("#", "title", "kind", "status", "chunks", "reason / location")
    for source in sources:
        status_style = {"ok": "green", "failed": "red", "skipped": "yellow"}[source.status.value]
        table.add_row(
            str(source.number),
            source.title or "",
            source.kind.value if source.kind else "",
            f"[{status_style}]{source.status.value}[/]",
            str(source.chunk_count),
            source.reason or source.url or source.path or source.location,
        )
    out.print(table)
    out.print(f"{len(sources)} sources in {lib.root}")


@library_app.command("show")
def library_show(
    number: Annotated[int, typer.Argument(help="Source number, as in `library list`.")],
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """A source's metadata and its extracted text with chunk boundaries."""
    with _open(library) as lib:
        try:
            source = lib.get(number)
        except LibraryError as exc:
            _fail(str(exc))
        text, pages = lib.text(source)
        chunks = lib.chunks(source)
    if as_json:
        _print_json(
            {
                "source": source.model_dump(mode="json"),
                "text": text,
                "pages": [page.model_dump() for page in pages],
                "chunks": [chunk.model_dump() for chunk in chunks],
            }
        )
        return
    _print_source(source)
    if text:
        out.print(with_chunk_marks(text, chunks), markup=False, highlight=False)


def _print_source(source: Source) -> None:
    fields = source.model_dump(mode="json", exclude={"source_id"})
    for key, value in fields.items():
        if value not in (None, ""):
            out.print(f"[bold]{key:>12}[/]: {value}", highlight=False)
    out.print()


def with_chunk_marks(text: str, chunks: list[Chunk]) -> str:
    """The text with a marker line where each chunk starts (chunks may overlap)."""
    marks = sorted((chunk.start, chunk) for chunk in chunks)
    pieces, cursor = [], 0
    for start, chunk in marks:
        pieces.append(text[cursor:start])
        page = f", page {chunk.page}" if chunk.page else ""
        pieces.append(f"\n──── chunk {chunk.index} [{chunk.start}:{chunk.end}{page}] ────\n")
        cursor = start
    pieces.append(text[cursor:])
    return "".join(pieces)


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="How many passages.", min=1)] = 8,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Passages matching a query, each with its source number."""
    from retrieval import search

    with _open(library) as lib:
        try:
            passages = search(lib, query, k=k)
        except ValueError as exc:
            _fail(str(exc))
    if as_json:
        _print_json([passage.model_dump(mode="json") for passage in passages])
        return
    for rank, passage in enumerate(passages, 1):
        where = passage.url or passage.path or ""
        out.print(
            f"[bold]{rank}. [{passage.source}] {passage.title or where}[/] "
            f"(score {passage.score:.3f})"
        )
        out.print(passage.text, markup=False, highlight=False)
        out.print()
    if not passages:
        err.print("no passages found (is the library empty?)")


@library_app.command("check")
def library_check(
    repair: Annotated[
        bool, typer.Option("--repair", help="Delete orphan vectors, re-embed missing ones.")
    ] = False,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify that the catalog and Chroma agree (after a crash, say), and repair them."""
    from ingest.check import check_library

    with _open(library) as lib:
        try:
            report = check_library(lib, repair=repair)
        except LibraryError as exc:
            _fail(str(exc))
    if as_json:
        _print_json(report.model_dump(mode="json"))
    else:
        out.print(
            f"{report.sources} sources, {report.chunks} chunks, {report.vectors} vectors; "
            f"{len(report.orphan_vectors)} orphan vectors, "
            f"{len(report.missing_vectors)} chunks without vectors"
            + (" (repaired)" if repair and not report.consistent else "")
        )
        if report.interrupted:
            numbers = ", ".join(str(n) for n in report.interrupted)
            out.print(f"interrupted sources (add them again): {numbers}")
    if not report.consistent and not repair:
        raise typer.Exit(1)


@library_app.command("remove")
def library_remove(
    number: Annotated[int, typer.Argument(help="Source number to remove.")],
    library: LibraryOption = None,
) -> None:
    """Remove a source and its chunks; its number is never reused."""
    with _open(library) as lib:
        try:
            source = lib.remove(number)
        except LibraryError as exc:
            _fail(str(exc))
    out.print(f"removed source {number}: {source.title or source.location}")


@app.command("audit")
def audit_command(
    target: Annotated[
        Path | None,
        typer.Argument(help="A Markdown report with [n] citations and a reference list."),
    ] = None,
    pairs: Annotated[
        Path | None,
        typer.Option(
            "--pairs", help='JSON lines {"claim", "passage"}; prints one verdict per line.'
        ),
    ] = None,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check, claim by claim, that each cited passage backs its claim."""
    from audit import audit_markdown, judge_pairs
    from audit.api import AuditInputError

    if pairs is not None:
        try:
            with pairs.open(encoding="utf-8") as lines:
                for result in judge_pairs(lines):
                    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        except (OSError, AuditInputError) as exc:
            _fail(f"{pairs}: {exc}")
        return
    if target is None:
        _fail("give a report to audit, or --pairs FILE")
    if target.is_dir():
        _fail(f"{target} is a folder; give the Markdown report inside it")
    with _open(library) as lib:
        try:
            audit = audit_markdown(target, lib)
        except AuditInputError as exc:
            _fail(str(exc))
    if as_json:
        _print_json(audit.model_dump(mode="json"))
        return
    _print_audit(audit)


def _print_audit(audit: Audit) -> None:
    colours = {
        "supported": "green",
        "partially_supported": "yellow",
        "unsupported": "red",
        "uncited": "dim",
        "citation_unresolvable": "magenta",
    }
    table = Table("verdict", "score", "cites", "claim", "best cited sentence")
    for claim in audit.claims:
        verdict = claim.verdict.value
        cites = ", ".join(f"[{c.label}]" + ("?" if c.problem else "") for c in claim.citations)
        table.add_row(
            f"[{colours[verdict]}]{verdict}[/]",
            "" if claim.score is None else f"{claim.score:.2f}",
            cites,
            claim.text,
            claim.best_sentence or "",
        )
    out.print(table)
    for claim in audit.claims:
        for citation in claim.citations:
            if citation.problem:
                err.print(f"[magenta]unresolvable[/] [{citation.label}]: {citation.problem}")
    totals = audit.totals
    out.print(
        f"{totals.claims} claims, {totals.citations} citations; "
        f"citation recall {totals.citation_recall:.0%}, precision {totals.citation_precision:.0%} "
        f"(judge: {audit.judge})"
    )


@app.command("debate")
def debate_command(
    question: Annotated[str, typer.Argument(help="The decision question.")],
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Run folder for panel, briefs and debate JSON.")
    ],
    rounds: Annotated[int, typer.Option("--rounds", help="Number of rounds.", min=1)] = 5,
    panel: Annotated[
        Path | None, typer.Option("--panel", help="YAML panel file (overrides the panel).")
    ] = None,
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm",
            help="openai:MODEL, ollama:MODEL or gguf:/path/model.gguf "
            "(default: the extractive engine, no generative model).",
        ),
    ] = None,
    api_base: Annotated[
        str | None,
        typer.Option("--api-base", help="OpenAI-compatible server URL (or $OPENAI_BASE_URL)."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue after the last complete round.")
    ] = False,
    library: LibraryOption = None,
) -> None:
    """A panel of advisors debates the question over themed rounds, citing the library."""
    from debate import DebateError, PanelError, run_debate
    from debate.llm import LLMConfigError, LLMOutputError

    with _open(library) as lib:
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
                progress=lambda message: err.print(message, markup=False, highlight=False),
            )
        except (DebateError, PanelError, LLMConfigError, LLMOutputError) as exc:
            _fail(str(exc))
    cited = len(result.ledger.cited_sources())
    out.print(
        f"{len(result.rounds)} rounds, {len(result.turns())} turns by {len(result.panel)} "
        f"advisors ({result.engine.name} engine); {cited} sources cited, "
        f"{len(result.ledger.unused_sources())} retrieved but unused"
    )
    if result.dropped_citations:
        out.print(f"{len(result.dropped_citations)} citations outside a brief were dropped")
    for name in ("panel.json", "briefs.json", "debate.json"):
        out.print(f"  {out_dir / name}")


if __name__ == "__main__":
    app()

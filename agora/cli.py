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
from agora.settings import Settings, load_settings
from audit.types import Audit
from ingest import Library, LibraryError, Outcome, SourceRequest
from ingest.library import IngestSummary, read_request_list
from ingest.types import Chunk, Source
from retrieval.types import Advisor, SearchFilters

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


# Options given before the command (`agora --chroma-url URL library add ...`).
_GLOBAL_OPTIONS: dict[str, object] = {}


@app.callback()
def _global_options(
    chroma_url: Annotated[
        str | None,
        typer.Option(
            "--chroma-url",
            help="Keep the library on a Chroma server (http://HOST:PORT); also "
            "AGORA_CHROMA_URL. Default: an embedded Chroma in the library folder.",
        ),
    ] = None,
) -> None:
    """Agora: evidence-grounded decision research."""
    _GLOBAL_OPTIONS.clear()
    if chroma_url:
        _GLOBAL_OPTIONS["chroma_url"] = chroma_url


def _settings(library: Path | None, **overrides: object) -> Settings:
    """Settings from the environment, then global options, then this command's options."""
    return load_settings(library=library, **{**_GLOBAL_OPTIONS, **overrides})


def _open(library: Path | None, **overrides: object) -> Library:
    try:
        return Library(_settings(library, **overrides))
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
    sitemap: Annotated[
        list[str] | None,
        typer.Option("--sitemap", help="Add the pages an XML sitemap (or index) lists."),
    ] = None,
    feed: Annotated[
        list[str] | None,
        typer.Option("--feed", help="Add the pages an RSS, Atom or JSON feed lists."),
    ] = None,
    max_listed: Annotated[
        int, typer.Option("--max", min=1, help="Pages taken from sitemaps and feeds at most.")
    ] = 200,
    ignore_robots: Annotated[
        bool, typer.Option("--ignore-robots", help="Fetch URLs even where robots.txt says no.")
    ] = False,
) -> None:
    """Add sources; each one ends up ok, skipped, or failed with a reason."""
    requests = [SourceRequest(location=location) for location in locations or []]
    if from_file is not None:
        try:
            requests += read_request_list(from_file)
        except LibraryError as exc:
            _fail(str(exc))
    if sitemap or feed:
        listed = [*(sitemap or []), *(feed or [])]
        requests += _listed_pages(listed, max_listed, library, allow_private)
    if not requests:
        _fail("nothing to add: give URLs, files or folders, or --from FILE")
    overrides = {
        "allow_private": allow_private or None,
        "respect_robots": False if ignore_robots else None,
    }
    with _open(library, **overrides) as lib:
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


def _listed_pages(
    urls: list[str], limit: int, library: Path | None, allow_private: bool
) -> list[SourceRequest]:
    """The pages that sitemaps and feeds list (`library add --sitemap/--feed`)."""
    from ingest.feeds import ListingError, read_listings

    settings = _settings(library, allow_private=allow_private or None)
    try:
        pages, problems = read_listings(urls, settings, limit=limit)
    except ListingError as exc:
        _fail(exc.reason)
    for problem in problems:
        err.print(f"[yellow]warning:[/] could not read {problem}", soft_wrap=True)
    if not pages:
        _fail(f"{', '.join(urls)} lists no pages")
    err.print(f"{len(pages)} pages listed by {', '.join(urls)}", soft_wrap=True)
    return pages


AllowPrivateOption = Annotated[
    bool,
    typer.Option(
        "--allow-private", help="Allow URLs on private, loopback or link-local addresses."
    ),
]
DelayOption = Annotated[
    float,
    typer.Option(
        "--delay",
        min=0,
        envvar="AGORA_CRAWL_DELAY",
        help="Seconds between requests to one host (a longer robots.txt Crawl-delay wins).",
    ),
]
IgnoreRobotsOption = Annotated[
    bool, typer.Option("--ignore-robots", help="Fetch pages that robots.txt forbids.")
]


@library_app.command("crawl")
def library_crawl(
    seeds: Annotated[list[str], typer.Argument(help="Seed URLs to start from.")],
    max_pages: Annotated[
        int, typer.Option("--max-pages", min=1, help="Pages fetched at most.")
    ] = 50,
    max_depth: Annotated[
        int, typer.Option("--max-depth", min=0, help="Links followed from a seed.")
    ] = 3,
    same_domain: Annotated[
        bool,
        typer.Option("--same-domain/--any-domain", help="Stay on the seeds' hosts."),
    ] = True,
    include: Annotated[
        str | None, typer.Option("--include", help="Follow only links matching this regex.")
    ] = None,
    exclude: Annotated[
        str | None, typer.Option("--exclude", help="Never follow links matching this regex.")
    ] = None,
    relevant_to: Annotated[
        str | None,
        typer.Option("--relevant-to", help="Add only pages close to this topic statement."),
    ] = None,
    min_similarity: Annotated[
        float,
        typer.Option("--min-similarity", min=-1, max=1, help="Similarity a kept page needs."),
    ] = 0.25,
    delay: DelayOption = 1.0,
    ignore_robots: IgnoreRobotsOption = False,
    allow_private: AllowPrivateOption = False,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Crawl breadth-first from seed URLs; every page is added, or listed with a reason."""
    import re

    from ingest.crawl import CrawlOptions

    for name, pattern in (("--include", include), ("--exclude", exclude)):
        try:
            re.compile(pattern or "")
        except re.error as exc:
            _fail(f"{name} is not a valid regular expression ({exc})")
    options = CrawlOptions(
        max_pages=max_pages,
        max_depth=max_depth,
        same_domain=same_domain,
        include=include,
        exclude=exclude,
        topic=relevant_to,
        min_similarity=min_similarity,
        delay=delay,
        respect_robots=not ignore_robots,
    )
    _run_crawl(seeds, options, library, allow_private, as_json)


def _run_crawl(
    seeds: list[str], options: Any, library: Path | None, allow_private: bool, as_json: bool
) -> None:
    from ingest.crawl import crawl

    with _open(library, allow_private=allow_private or None) as lib:
        try:
            with RichProgress(err) as progress:
                report = crawl(lib, seeds, options, progress)
        except (LibraryError, ValueError) as exc:
            _fail(str(exc))
    if as_json:
        _print_json(report.model_dump(mode="json"))
    else:
        _print_crawl(report)
    if not report.anything_usable:
        raise typer.Exit(1)


def _print_crawl(report: Any) -> None:
    from ingest.crawl import PageStatus

    kept = (PageStatus.ADDED, PageStatus.UPDATED, PageStatus.UNCHANGED)
    problems = [page for page in report.pages if page.status not in kept]
    if problems:
        table = Table("#", "url", "status", "similarity", "reason", title="Not added")
        for page in problems:
            table.add_row(
                str(page.number or ""),
                page.url,
                page.status.value,
                "" if page.similarity is None else f"{page.similarity:.2f}",
                page.reason or "",
            )
        err.print(table)
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in PageStatus if report.count(s))
    err.print(f"{len(report.pages)} pages: {counts or 'none'}")


@library_app.command("discover")
def library_discover(
    topic: Annotated[str, typer.Argument(help="What to search the web for.")],
    provider: Annotated[
        str, typer.Option("--provider", help="Search provider: searxng or brave.")
    ] = "searxng",
    max_results: Annotated[int, typer.Option("--max", min=1, help="Results at most.")] = 30,
    min_similarity: Annotated[
        float | None,
        typer.Option(
            "--min-similarity", min=-1, max=1, help="Add only pages this close to the topic."
        ),
    ] = None,
    list_only: Annotated[
        bool, typer.Option("--list-only", help="Print the results; add nothing.")
    ] = False,
    searxng_url: Annotated[
        str | None,
        typer.Option("--searxng-url", envvar="AGORA_SEARXNG_URL", help="SearXNG base URL."),
    ] = None,
    brave_api_key: Annotated[
        str | None,
        typer.Option(
            "--brave-api-key", envvar="AGORA_BRAVE_API_KEY", help="Brave Search API token."
        ),
    ] = None,
    delay: DelayOption = 1.0,
    ignore_robots: IgnoreRobotsOption = False,
    allow_private: AllowPrivateOption = False,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search the web for a topic and add the results (needs a search provider)."""
    from ingest.crawl import CrawlOptions
    from ingest.providers import ProviderError, ProviderNotConfigured, make_provider

    try:
        engine = make_provider(provider, searxng_url=searxng_url, brave_api_key=brave_api_key)
    except ProviderNotConfigured as exc:
        _fail(str(exc))
    try:
        results = engine.search(topic, max_results)
    except ProviderError as exc:
        _fail(str(exc))
    finally:
        engine.close()
    if not results:
        _fail(f"{provider} found nothing for {topic!r}", code=1)
    if list_only:
        if as_json:
            _print_json([result.model_dump(mode="json") for result in results])
        else:
            for rank, result in enumerate(results, 1):
                out.print(f"{rank}. {result.title or ''}\n   {result.url}", highlight=False)
        return
    err.print(f"{len(results)} results from {provider}")
    # Results go through the crawler with depth 0: the normal ingest path, plus robots.txt,
    # per-host politeness and the optional relevance filter.
    options = CrawlOptions(
        max_pages=len(results),
        max_depth=0,
        same_domain=False,
        topic=topic if min_similarity is not None else None,
        min_similarity=min_similarity if min_similarity is not None else 0.0,
        delay=delay,
        respect_robots=not ignore_robots,
    )
    _run_crawl([result.url for result in results], options, library, allow_private, as_json)


SourceFilter = Annotated[
    list[int] | None, typer.Option("--source", help="Only this source number (repeatable).")
]
KindFilter = Annotated[
    list[str] | None, typer.Option("--kind", help="Only html, pdf, text or markdown.")
]
DomainFilter = Annotated[
    list[str] | None, typer.Option("--domain", help="Only web sources from this host.")
]
SinceFilter = Annotated[
    str | None, typer.Option("--since", help="Published on/after (YYYY-MM-DD).")
]
UntilFilter = Annotated[
    str | None, typer.Option("--until", help="Published on/before (YYYY-MM-DD).")
]


def _filters(
    sources: list[int] | None,
    kinds: list[str] | None,
    domains: list[str] | None,
    since: str | None,
    until: str | None,
) -> SearchFilters:
    return SearchFilters(
        sources=sources, kinds=kinds, domains=domains, date_from=since, date_to=until
    )


@app.command("search")
def search_command(
    query: Annotated[str | None, typer.Argument(help="What to look for.")] = None,
    k: Annotated[int, typer.Option("-k", help="How many passages.", min=1)] = 8,
    queries: Annotated[
        Path | None,
        typer.Option("--queries", help="A file of queries, one per line: one JSON line each."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the dense, BM25 and fused scores.")
    ] = False,
    source: SourceFilter = None,
    kind: KindFilter = None,
    domain: DomainFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Passages matching a query (dense + BM25, fused), each with its source number."""
    from retrieval import search

    filters = _filters(source, kind, domain, since, until)
    if queries is not None:
        try:
            lines = [line.strip() for line in queries.read_text(encoding="utf-8").splitlines()]
        except OSError as exc:
            _fail(f"cannot read {queries}: {exc.strerror or exc}")
        with _open(library) as lib:
            for line in filter(None, lines):
                passages = search(lib, line, k=k, filters=filters)
                record = {"query": line, "passages": [p.model_dump(mode="json") for p in passages]}
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    if query is None:
        _fail("give a query, or --queries FILE")
    with _open(library) as lib:
        try:
            passages = search(lib, query, k=k, filters=filters)
        except ValueError as exc:
            _fail(str(exc))
    if as_json:
        _print_json([passage.model_dump(mode="json") for passage in passages])
        return
    for rank, passage in enumerate(passages, 1):
        where = passage.url or passage.path or ""
        out.print(f"[bold]{rank}. [{passage.source}] {passage.title or where}[/]")
        if explain:
            out.print(_explain(passage.scores), highlight=False)
        out.print(passage.text, markup=False, highlight=False)
        out.print()
    if not passages:
        err.print("no passages found (is the library empty, or are the filters too narrow?)")


def _explain(scores: dict[str, float]) -> str:
    """One line: which retriever ranked the passage where, and the fused score."""
    parts = []
    if "dense_rank" in scores:
        parts.append(f"dense #{int(scores['dense_rank'])} (cosine {scores['dense']:.3f})")
    else:
        parts.append("dense: not in top candidates")
    if "bm25_rank" in scores:
        parts.append(f"BM25 #{int(scores['bm25_rank'])} (score {scores['bm25']:.2f})")
    else:
        parts.append("BM25: no matching terms in top candidates")
    parts.append(f"fused {scores.get('fused', 0.0):.4f}")
    return "   " + "; ".join(parts)


@app.command("brief")
def brief_command(
    question: Annotated[str, typer.Argument(help="The decision question.")],
    advisor: Annotated[
        str, typer.Option("--advisor", help="Name of a built-in advisor, or a new name.")
    ] = "The Auditor",
    role: Annotated[str | None, typer.Option("--role", help="Role, for a new advisor.")] = None,
    lens: Annotated[
        str | None, typer.Option("--lens", help="What they look for, for a new advisor.")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="How many passages.", min=1)] = 8,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """What one advisor would be shown for a question: their brief, with source numbers."""
    from retrieval.brief import build_brief, render_brief

    person = _advisor(advisor, role, lens)
    with _open(library) as lib:
        try:
            brief = build_brief(lib, question, person, k=k)
        except ValueError as exc:
            _fail(str(exc))
    if as_json:
        _print_json(brief.model_dump(mode="json"))
        return
    out.print(f"[bold]{person.name}[/] — {person.role}")
    out.print(f"queries: {' | '.join(brief.queries)}", highlight=False)
    out.print()
    out.print(render_brief(brief), markup=False, highlight=False)


def _advisor(name: str, role: str | None, lens: str | None) -> Advisor:
    """A built-in advisor by name, or a new one from --role and --lens."""
    from debate.panel import builtin_panel, with_fixed_roles

    if role is None and lens is None:
        known = {m.advisor.name.lower(): m.advisor for m in with_fixed_roles(builtin_panel())}
        if name.lower() in known:
            return known[name.lower()]
        _fail(
            f"no built-in advisor named {name!r}: choose one of "
            f"{', '.join(sorted(a.name for a in known.values()))}, or give --role and --lens"
        )
    return Advisor(name=name, role=role or "Advisor", lens=lens or "")


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
    api_base: Annotated[
        str | None,
        typer.Option("--api-base", help="OpenAI-compatible server URL (or $OPENAI_BASE_URL)."),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Rebuild report.json from debate.json.")
    ] = False,
    library: LibraryOption = None,
) -> None:
    """Render a run's report (building report.json from debate.json if it is missing)."""
    from report.files import ReportError, load_audit, load_report
    from report.render import FORMATS, render

    if fmt not in FORMATS:
        _fail(f"--format {fmt!r}: expected md, html or json")
    if lang not in ("en", "zh"):
        _fail(f"--lang {lang!r}: expected en or zh")
    if not (run_dir / "debate.json").exists() and not (run_dir / "report.json").exists():
        _fail(f"{run_dir} holds no debate.json: run `agora debate QUESTION --out {run_dir}` first")
    try:
        report = None if rebuild else load_report(run_dir)
        if report is None:
            report = _build_report(run_dir, library, llm, api_base)
        translate = _translator(run_dir, lang, llm, api_base) if report.language != lang else None
        if translate is not None:
            translate.warm(report)
        text = render(report, fmt, lang, audit=load_audit(run_dir), translate=translate)
    except ReportError as exc:
        _fail(str(exc))
    if out_file is None:
        sys.stdout.write(text)
        return
    out_file.write_text(text, encoding="utf-8")
    out.print(f"report written to {out_file}", markup=False, highlight=False, soft_wrap=True)


def _build_report(
    run_dir: Path, library: Path | None, llm: str | None, api_base: str | None
) -> Any:
    """report.json rebuilt from debate.json, with source metadata from the library when
    there is one (without it, from what the briefs recorded)."""
    from debate.engine import make_engine
    from debate.llm import LLMConfigError
    from report.files import report_for_run

    settings = _settings(library)
    try:
        engine = make_engine(llm, api_base=api_base) if llm else None
    except LLMConfigError as exc:
        _fail(str(exc))
    if settings.chroma_url or settings.library.exists():
        with _open(library) as lib:
            return report_for_run(run_dir, lib, engine, rebuild=True)
    return report_for_run(run_dir, None, engine, rebuild=True)


def _translator(run_dir: Path, lang: str, llm: str | None, api_base: str | None) -> Any:
    """A translator for the prose when a model is configured; None keeps the prose as it
    is (the rendering says so)."""
    if not llm:
        return None
    from debate.engine import make_engine
    from debate.llm import LLMConfigError
    from report.translate import Translator

    try:
        return Translator(make_engine(llm, api_base=api_base), lang, cache=run_dir)
    except LLMConfigError as exc:
        _fail(str(exc))


def _write_report(
    run_dir: Path, library: Path | None, llm: str | None, api_base: str | None
) -> None:
    """After a debate: report.json, and Markdown and HTML in English and Chinese."""
    from debate.llm import LLMOutputError
    from report.files import ReportError, write_renderings

    try:
        report = _build_report(run_dir, library, llm, api_base)
        translator = _translator(run_dir, "zh", llm, api_base)
        if translator is not None:
            translator.warm(report)
        translators = {"zh": translator} if translator else {}
        paths = write_renderings(run_dir, report, translators=translators)
    except (ReportError, LLMOutputError) as exc:
        _fail(f"the debate is saved, but the report failed: {exc}")
    out.print("report:")
    for path in paths:
        out.print(f"  {path}", markup=False, highlight=False, soft_wrap=True)


@app.command("serve")
def serve_command(
    library: LibraryOption = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (not loopback: needs --token).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8400,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="AGORA_WEB_TOKEN",
            help="Require this token for every API call (Bearer header, or entered on the page).",
            show_default=False,
        ),
    ] = None,
    runs: Annotated[
        Path | None, typer.Option("--runs", help="Folder for debate runs (default: LIBRARY/runs).")
    ] = None,
    allow_private: AllowPrivateOption = False,
) -> None:
    """The web app: browse the library, run debates, read and audit the reports."""
    from web.serve import ServeError, check_bind, serve

    try:
        check_bind(host, token)
    except ServeError as exc:
        _fail(str(exc))
    settings = load_settings(library=library, allow_private=allow_private or None)
    err.print(f"Agora on http://{host}:{port}/ (library {settings.library})", soft_wrap=True)
    serve(settings, host=host, port=port, token=token, runs_dir=runs)


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
        _fail("give a run folder or a report to audit, or --pairs FILE")
    if target.is_dir():
        from audit import audit_run

        try:
            audit = audit_run(target)
        except AuditInputError as exc:
            _fail(str(exc))
        if as_json:
            _print_json(audit.model_dump(mode="json"))
        else:
            _print_audit(audit)
            out.print(f"written: {target / 'audit.json'} (and the HTML reports mark each claim)")
        return
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
    rounds: Annotated[
        int | None,
        typer.Option(
            "--rounds", help="Number of rounds (default 5; on --resume, as saved).", min=1
        ),
    ] = None,
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
                progress=lambda message: err.print(message, markup=False, soft_wrap=True),
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
        out.print(f"  {out_dir / name}", markup=False, highlight=False, soft_wrap=True)
    _write_report(out_dir, library, llm, api_base)


if __name__ == "__main__":
    app()

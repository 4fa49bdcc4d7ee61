"""`agora library ...`: build, inspect, crawl, check and prune a source library."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from agora.cli.common import (
    AllowPrivateOption,
    JsonOption,
    LibraryOption,
    err,
    fail,
    library_app,
    open_library,
    out,
    print_json,
    settings_for,
)
from agora.progress import RichProgress
from ingest.errors import LibraryError

if TYPE_CHECKING:  # pydantic models: imported where used, so other commands start faster
    from ingest import IngestSummary, SourceRequest
    from ingest.types import Chunk, Source


@library_app.command("add")
def library_add(
    locations: Annotated[
        list[str] | None, typer.Argument(help="URLs, files or folders.", show_default=False)
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="A file of locations, one per line; a JSON/YAML manifest with metadata; or a "
            "reference manager's export (.bib, .ris, CSL-JSON): its files, URLs or DOIs.",
        ),
    ] = None,
    library: LibraryOption = None,
    allow_private: AllowPrivateOption = False,
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
    from ingest import SourceRequest
    from ingest.locations import check_location
    from ingest.requests import read_request_list

    requests = [SourceRequest(location=location) for location in locations or []]
    try:
        if from_file is not None:
            requests += read_request_list(from_file)
        # A malformed location fails the command before anything is opened or stored.
        for request in requests:
            check_location(request.location)
    except LibraryError as exc:
        fail(str(exc))
    if sitemap or feed:
        listed = [*(sitemap or []), *(feed or [])]
        requests += _listed_pages(listed, max_listed, library, allow_private)
    if not requests:
        fail("nothing to add: give URLs, files or folders, or --from FILE")
    overrides = {
        "allow_private": allow_private or None,
        "respect_robots": False if ignore_robots else None,
    }
    with open_library(library, **overrides) as lib:
        try:
            with RichProgress(err) as progress:
                summary = lib.add(requests, progress=progress)
        except LibraryError as exc:
            fail(str(exc))
        _print_summary(summary)
        if not summary.anything_usable:
            raise typer.Exit(1)


def _print_summary(summary: IngestSummary) -> None:
    from ingest import Outcome

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
    with open_library(library) as lib:
        sources = lib.sources()
    if as_json:
        print_json([source.model_dump(mode="json") for source in sources])
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
    with open_library(library) as lib:
        try:
            source = lib.get(number)
        except LibraryError as exc:
            fail(str(exc))
        text, pages = lib.text(source)
        chunks = lib.chunks(source)
    if as_json:
        print_json(
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

    settings = settings_for(library, allow_private=allow_private or None)
    try:
        pages, problems = read_listings(urls, settings.fetch_config(), limit=limit)
    except ListingError as exc:
        fail(exc.reason)
    for problem in problems:
        err.print(f"[yellow]warning:[/] could not read {problem}", soft_wrap=True)
    if not pages:
        fail(f"{', '.join(urls)} lists no pages")
    err.print(f"{len(pages)} pages listed by {', '.join(urls)}", soft_wrap=True)
    return pages


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
            fail(f"{name} is not a valid regular expression ({exc})")
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

    with open_library(library, allow_private=allow_private or None) as lib:
        try:
            with RichProgress(err) as progress:
                report = crawl(lib, seeds, options, progress)
        except (LibraryError, ValueError) as exc:
            fail(str(exc))
    if as_json:
        print_json(report.model_dump(mode="json"))
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
        fail(str(exc))
    try:
        results = engine.search(topic, max_results)
    except ProviderError as exc:
        fail(str(exc))
    finally:
        engine.close()
    if not results:
        fail(f"{provider} found nothing for {topic!r}", code=1)
    if list_only:
        if as_json:
            print_json([result.model_dump(mode="json") for result in results])
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

    with open_library(library) as lib:
        try:
            report = check_library(lib, repair=repair)
        except LibraryError as exc:
            fail(str(exc))
    if as_json:
        print_json(report.model_dump(mode="json"))
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
    with open_library(library) as lib:
        try:
            source = lib.remove(number)
        except LibraryError as exc:
            fail(str(exc))
    out.print(f"removed source {number}: {source.title or source.location}")

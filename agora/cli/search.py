"""`agora search` and `agora brief`: what retrieval finds, and what an advisor is shown."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agora.cli.common import (
    JsonOption,
    LibraryOption,
    app,
    err,
    fail,
    open_library,
    out,
    print_json,
)

if TYPE_CHECKING:  # imported where used: retrieval's package pulls in BM25 and SciPy
    from retrieval.types import Advisor, Passage, SearchFilters

CountOption = Annotated[int, typer.Option("-k", help="How many passages.", min=1)]
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
    from retrieval.types import SearchFilters

    return SearchFilters(
        sources=sources, kinds=kinds, domains=domains, date_from=since, date_to=until
    )


@app.command("search")
def search_command(
    query: Annotated[str | None, typer.Argument(help="What to look for.")] = None,
    k: CountOption = 8,
    queries: Annotated[
        Path | None,
        typer.Option("--queries", help="A file of queries, one per line: one JSON line each."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the dense, BM25 and fused scores.")
    ] = False,
    rerank: Annotated[
        bool,
        typer.Option(
            "--rerank",
            help="Read the 30 best with the reader model: calibrated relevance, 0..1.",
        ),
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
    search = _searcher(rerank)

    filters = _filters(source, kind, domain, since, until)
    if queries is not None:
        try:
            lines = [line.strip() for line in queries.read_text(encoding="utf-8").splitlines()]
        except OSError as exc:
            fail(f"cannot read {queries}: {exc.strerror or exc}")
        with open_library(library) as lib:
            for line in filter(None, lines):
                passages = search(lib, line, k=k, filters=filters)
                record = {"query": line, "passages": [p.model_dump(mode="json") for p in passages]}
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    if query is None:
        fail("give a query, or --queries FILE")
    with open_library(library) as lib:
        try:
            passages = search(lib, query, k=k, filters=filters)
        except ValueError as exc:
            fail(str(exc))
    if as_json:
        print_json([passage.model_dump(mode="json") for passage in passages])
        return
    for rank, passage in enumerate(passages, 1):
        where = passage.url or passage.path or ""
        out.print(f"[bold]{rank}. [{passage.source}] {passage.title or where}[/]")
        if "relevance" in passage.scores:
            out.print(f"   relevance {passage.scores['relevance']:.2f}", highlight=False)
        if explain:
            out.print(_explain(passage.scores), highlight=False)
        out.print(passage.text, markup=False, highlight=False)
        out.print()
    if not passages:
        err.print("no passages found (is the library empty, or are the filters too narrow?)")


def _searcher(rerank: bool) -> Callable[..., list[Passage]]:
    """Plain hybrid search, or the reader's re-ordering of its best candidates."""
    if not rerank:
        from retrieval import search

        return search
    from reader import ReaderModelMissing
    from retrieval.rerank import rerank as reranked
    from retrieval.rerank import shared_reader

    try:
        shared_reader()
    except ReaderModelMissing as exc:
        fail(f"--rerank needs the reader model: {exc}")
    return reranked


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
    k: CountOption = 8,
    library: LibraryOption = None,
    as_json: JsonOption = False,
) -> None:
    """What one advisor would be shown for a question: their brief, with source numbers."""
    from retrieval.brief import build_brief, render_brief

    person = _advisor(advisor, role, lens)
    with open_library(library) as lib:
        try:
            brief = build_brief(lib, question, person, k=k)
        except ValueError as exc:
            fail(str(exc))
    if as_json:
        print_json(brief.model_dump(mode="json"))
        return
    out.print(f"[bold]{person.name}[/] — {person.role}")
    out.print(f"queries: {' | '.join(brief.queries)}", highlight=False)
    out.print()
    out.print(render_brief(brief), markup=False, highlight=False)


def _advisor(name: str, role: str | None, lens: str | None) -> Advisor:
    """A built-in advisor by name, or a new one from --role and --lens."""
    from debate.panel import AUDITOR, CONTRARIAN
    from debate.roles import CATALOGUE

    if role is None and lens is None:
        known = {a.name.lower(): a for a in (*CATALOGUE, CONTRARIAN, AUDITOR)}
        if name.lower() in known:
            return known[name.lower()]
        fail(
            f"no built-in advisor named {name!r}: choose one of "
            f"{', '.join(sorted(a.name for a in known.values()))}, or give --role and --lens"
        )
    from retrieval.types import Advisor

    return Advisor(name=name, role=role or "Advisor", lens=lens or "")

"""`agora audit`: does each cited passage back its claim?"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from agora.cli.common import (
    ApiBaseOption,
    ContextWindowOption,
    JsonOption,
    LibraryOption,
    app,
    err,
    fail,
    load_model_or_fail,
    open_library,
    out,
    print_json,
)

if TYPE_CHECKING:
    from audit.llm_judge import LLMJudge
    from audit.types import Audit


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
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm",
            help="Judge with a model: openai:MODEL, ollama:MODEL or gguf:/path/model.gguf "
            "(default: the built-in features-v2 judge, no generative model).",
        ),
    ] = None,
    api_base: ApiBaseOption = None,
    context_window: ContextWindowOption = None,
) -> None:
    """Check, claim by claim, that each cited passage backs its claim."""
    from audit import audit_markdown, judge_pairs
    from audit.api import AuditInputError
    from audit.auditor import Auditor

    judge = _llm_judge(llm, api_base, context_window) if llm else None
    auditor = Auditor(judge) if judge else None
    if pairs is not None:
        try:
            with pairs.open(encoding="utf-8") as lines:
                for result in judge_pairs(lines, judge):
                    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        except (OSError, AuditInputError) as exc:
            fail(f"{pairs}: {exc}")
        _warn_fallbacks(judge)
        return
    if target is None:
        fail("give a run folder or a report to audit, or --pairs FILE")
    if target.is_dir():
        from agora.pipeline import Pipeline
        from report.files import ReportError

        try:
            audit = Pipeline(None, judge=judge).audit(target)
        except ReportError as exc:
            fail(str(exc))
        _warn_fallbacks(judge)
        if as_json:
            print_json(audit.model_dump(mode="json"))
        else:
            _print_audit(audit)
            out.print(f"written: {target / 'audit.json'} (and the HTML reports mark each claim)")
        return
    with open_library(library) as lib:
        try:
            audit = audit_markdown(target, lib, auditor)
        except AuditInputError as exc:
            fail(str(exc))
    _warn_fallbacks(judge)
    if as_json:
        print_json(audit.model_dump(mode="json"))
        return
    _print_audit(audit)


def _llm_judge(spec: str, api_base: str | None, context_window: int | None) -> LLMJudge:
    from audit.llm_judge import LLMJudge

    model = load_model_or_fail(spec, api_base, context_window)
    assert model is not None  # spec is given
    return LLMJudge(model)


def _warn_fallbacks(judge: LLMJudge | None) -> None:
    """Say on stderr when the LLM judge leaned on the default judge (each judgement's note
    and the audit's judge name say it too)."""
    if judge is not None and (judge.counts["invalid reply"] or judge.counts["quote not found"]):
        err.print(f"note: judge: {judge.name}", markup=False, highlight=False, soft_wrap=True)


def _print_audit(audit: Audit) -> None:
    colours = {
        "supported": "green",
        "partially_supported": "yellow",
        "not_supported": "red",
        "contradicted": "bold red",
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

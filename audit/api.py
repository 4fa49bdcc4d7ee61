"""The audit's public functions; the CLI calls these."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from audit.auditor import Auditor, Candidate, CitationInput, ClaimInput
from audit.judge import CitationJudge, Judge
from audit.markdown import markdown_claims
from audit.types import Audit
from ingest.library import Library
from report.claims import report_claims
from report.types import Report

PAIR_BATCH = 256


class AuditInputError(ValueError):
    """An input the audit cannot read; the message says which and why."""


def audit_markdown(path: Path, library: Library, auditor: Auditor | None = None) -> Audit:
    """Audit a Markdown report against the library its references point into."""
    try:
        markdown = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditInputError(f"cannot read {path}: {exc}") from exc
    auditor = auditor or Auditor()
    claims, totals = auditor.audit(markdown_claims(markdown, library))
    return Audit(target=str(path), judge=auditor.judge.name, claims=claims, totals=totals)


def run_claims(report: Report) -> list[ClaimInput]:
    """A report's claims, each citing the exact chunks behind its numbers (the report's
    citation table holds their text, so no library is needed). Claims attributed to an
    advisor's experience cite no source and are audited as uncited."""
    number_of: dict[str, int] = {}
    passages: dict[str, Candidate] = {}
    for entry in report.citations:
        for chunk in entry.chunks:
            number_of[chunk.chunk_id] = entry.number
            passages[chunk.chunk_id] = Candidate(entry.source, chunk.chunk_id, chunk.text)
    claims = []
    for claim in report_claims(report):
        citations = [
            CitationInput(label=str(number_of[c]), candidates=[passages[c]])
            if c in passages
            else CitationInput(label=c, problem=f"chunk {c} is not in the citation table")
            for c in claim.chunk_ids
        ]
        claims.append(ClaimInput(text=claim.text, citations=citations))
    return claims


def audit_run(run_dir: Path, auditor: Auditor | None = None) -> Audit:
    """Audit the report of a run folder; writes audit.json and re-renders the HTML
    reports so each claim shows its verdict."""
    from report.files import AUDIT, ReportError, load_report, write_renderings, write_text

    try:
        report = load_report(run_dir)
    except ReportError as exc:
        raise AuditInputError(str(exc)) from exc
    if report is None:
        raise AuditInputError(
            f"{run_dir} holds no report.json: run `agora debate` (or `agora report`) first"
        )
    auditor = auditor or Auditor()
    claims, totals = auditor.audit(run_claims(report))
    audit = Audit(target=str(run_dir), judge=auditor.judge.name, claims=claims, totals=totals)
    write_text(run_dir / AUDIT, audit.model_dump_json(indent=2) + "\n")
    write_renderings(run_dir, report)
    return audit


def judge_pairs(
    lines: Iterable[str], judge: CitationJudge | None = None
) -> Iterator[dict[str, Any]]:
    """One result per JSON line {"claim": ..., "passage": ...}, in order, judged in batches:
    verdict, score, best sentence; "quote" (match, start, end in the passage) where the claim
    was found word for word; a "note" where the judgement carries one (an LLM judge's
    fallback)."""
    judge = judge or Judge()
    batch: list[tuple[str, str]] = []

    def flush() -> Iterator[dict[str, Any]]:
        for judgement in judge.judge_many(batch):
            result: dict[str, Any] = {
                "verdict": judgement.verdict.value,
                "score": round(judgement.score, 4),
                "best_sentence": judgement.best_sentence,
            }
            if judgement.quote is not None:  # found word for word: where, in the passage
                result["quote"] = {
                    "match": judgement.quote.value,
                    "start": judgement.quote_start,
                    "end": judgement.quote_end,
                }
            if judgement.note:
                result["note"] = judgement.note
            yield result
        batch.clear()

    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            claim, passage = item["claim"], item["passage"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise AuditInputError(
                f'line {number}: expected {{"claim": "...", "passage": "..."}} ({exc})'
            ) from exc
        if not isinstance(claim, str) or not isinstance(passage, str):
            raise AuditInputError(f"line {number}: claim and passage must be strings")
        batch.append((claim, passage))
        if len(batch) >= PAIR_BATCH:
            yield from flush()
    yield from flush()

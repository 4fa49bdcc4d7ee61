"""The audit's public functions; the CLI calls these."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from audit.auditor import Auditor
from audit.judge import CitationJudge, Judge
from audit.markdown import markdown_claims
from audit.types import Audit
from ingest.library import Library

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

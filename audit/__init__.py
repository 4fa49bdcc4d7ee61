"""Audit: does each cited passage really back its claim?

Entry points: `Auditor.audit` for claims with the exact passages they cite (the pipeline
hands it a run's report claims: `report.claims.audit_inputs`), `audit_markdown` for any
Markdown report with [n] citations and a numbered reference list, `judge_pairs` for batches
of claim/passage pairs. `Judge` is the claim-passage judge underneath;
`audit.llm_judge.LLMJudge` asks an LLM instead (`--llm`). The audit depends on `ingest`
alone: it never imports the debate or the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.exports import lazy_exports

if TYPE_CHECKING:
    from audit.api import audit_markdown, judge_pairs
    from audit.types import Audit, ClaimVerdict

__all__ = ["Audit", "ClaimVerdict", "audit_markdown", "judge_pairs"]
__getattr__ = lazy_exports(
    __name__,
    {
        "Audit": "audit.types",
        "ClaimVerdict": "audit.types",
        "audit_markdown": "audit.api",
        "judge_pairs": "audit.api",
    },
)

"""Audit: does each cited passage really back its claim?

Entry points: `audit_run` for a run folder Agora wrote (exact chunks behind each
claim), `audit_markdown` for any Markdown report with [n] citations and a numbered
reference list, `judge_pairs` for batches of claim/passage pairs. `Judge` is the
claim-passage judge underneath; `audit.llm_judge.LLMJudge` asks an LLM instead (`--llm`).
"""

from audit.api import audit_markdown, audit_run, judge_pairs
from audit.types import Audit, ClaimVerdict

__all__ = ["Audit", "ClaimVerdict", "audit_markdown", "audit_run", "judge_pairs"]

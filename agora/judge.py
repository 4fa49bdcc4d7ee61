"""The citation judge the application hands to the debate.

The debate's Auditor checks claims with the audit's judge, but the debate may not import the
audit (dependencies point one way), so the application layer passes it in: the command line
and the web app call :func:`install` at start-up, and engines built afterwards use it.
"""

from __future__ import annotations

from debate.support import SupportJudge, provide_judge


def citation_judge() -> SupportJudge:
    """The audit's default judge (loaded when an engine first needs it)."""
    from audit.judge import Judge

    return Judge()


def install() -> None:
    """Let every debate engine built from now on fact-check with :func:`citation_judge`."""
    provide_judge(citation_judge)

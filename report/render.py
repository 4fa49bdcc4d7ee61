"""One entry point for every format: Markdown (default), HTML and JSON."""

from __future__ import annotations

from typing import Literal

from audit.types import Audit
from report.i18n import LANGUAGES
from report.layout import Translate
from report.render_html import render_html
from report.render_md import render_markdown
from report.types import Report

Format = Literal["md", "html", "json"]
FORMATS: tuple[Format, ...] = ("md", "html", "json")


def render(
    report: Report,
    fmt: Format = "md",
    lang: str = "en",
    *,
    audit: Audit | None = None,
    translate: Translate | None = None,
) -> str:
    """The report as text. JSON is the full model (language-neutral: phrases stay keys)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "html":
        return render_html(report, lang, audit=audit, translate=translate)
    if fmt == "md":
        return render_markdown(report, lang, translate=translate)
    raise ValueError(f"unknown format {fmt!r}: expected md, html or json")

"""PDF and Word exports of a report: one entry point for the CLI and the web app.

The text formats (Markdown, HTML, JSON) live in `report.render`; these two are binary and
need heavier libraries (WeasyPrint with Pango, python-docx), imported only when asked for.
"""

from __future__ import annotations

from typing import Literal

from audit.types import Audit
from report.i18n import LANGUAGES
from report.layout import Translate
from report.types import Report

Export = Literal["pdf", "docx"]
EXPORTS: tuple[Export, ...] = ("pdf", "docx")
MEDIA: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class ExportError(RuntimeError):
    """A problem a user can act on (the message says how)."""


def export_report(
    report: Report,
    fmt: Export,
    lang: str = "en",
    *,
    audit: Audit | None = None,
    translate: Translate | None = None,
) -> bytes:
    """The report as a PDF or Word file in `lang`, with the audit's marks when given."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    if fmt == "pdf":
        from report.export_pdf import export_pdf

        return export_pdf(report, lang, audit=audit, translate=translate)
    if fmt == "docx":
        from report.export_docx import export_docx

        return export_docx(report, lang, audit=audit, translate=translate)
    raise ValueError(f"unknown export format {fmt!r}: expected pdf or docx")


def export_name(fmt: str, lang: str) -> str:
    """The file name in a run folder: report.pdf, report.zh.docx, ..."""
    return "report" + ("" if lang == "en" else f".{lang}") + f".{fmt}"

"""The report: every section of the advisory brief, with numbered citations.

`build_report(debate, library, model)` makes the `Report` (JSON: the full model);
`render(report, "md" | "html" | "json", lang="en" | "zh")` renders it; `report_for_run`
and `write_renderings` read and write a run folder; `report_claims` lists the claims with
their chunk ids for the citation audit.
"""

from report.build import build_report
from report.claims import ReportClaim, report_claims
from report.files import ReportError, load_report, report_for_run, write_renderings
from report.render import FORMATS, render
from report.types import Report

__all__ = [
    "FORMATS",
    "Report",
    "ReportClaim",
    "ReportError",
    "build_report",
    "load_report",
    "render",
    "report_claims",
    "report_for_run",
    "write_renderings",
]

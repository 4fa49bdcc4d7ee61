"""PDF: the self-contained HTML report typeset by WeasyPrint, with a print stylesheet.

The HTML already carries everything a PDF needs: each `[n]` is a link to `#src-n`, the
research library's entries carry those ids, and the audit marks each claim with a
coloured bar and a legend. WeasyPrint turns the links into PDF link annotations with
named destinations, embeds (subsets of) the fonts it used, and draws page numbers from
`@page` margin boxes. The route was chosen over Chromium's `--print-to-pdf` by measurement
(README, "PDF and Word"): it runs in-process, is as fast, and its output has page numbers
without Chromium's date, title and file:// URL in the margins.

The report's HTML is ours and escapes everything from sources, but it is still rendered
with a fetcher that refuses every URL: a PDF export never touches the network or the disk.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from typing import Any

from audit.types import Audit
from report.export_files import ExportError
from report.layout import Translate
from report.render_html import render_html
from report.types import Report

# Added after the report's own stylesheet. A4 with page numbers in the bottom margin;
# the research library's numbers printed as "[n]" so they match the citations; Chinese
# glyphs fall back to a CJK font from Debian's packages (fonts-wqy-zenhei or
# fonts-noto-cjk) after the Latin faces.
PRINT_CSS = """
@page{size:A4;margin:18mm 17mm 20mm;
@bottom-center{content:counter(page) " / " counter(pages);font:9pt 'DejaVu Sans',sans-serif;
color:#5f6368}}
body{margin:0;max-width:none;font-size:10.5pt;
font-family:Georgia,'DejaVu Serif','Noto Serif CJK SC','WenQuanYi Zen Hei',
'Noto Sans CJK SC',serif}
h1,h2,h3{font-family:'DejaVu Sans','Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif}
h2,h3{break-after:avoid}
a.cite{color:#1a56a6;vertical-align:baseline;font-size:1em}
li[id^="src-"]{list-style:none;text-indent:-2.2em;margin-left:-.3em}
li[id^="src-"]::before{content:"[" attr(value) "]";display:inline-block;width:2.2em;
text-indent:0}
a[href^="http"]::after{content:none}
"""

CJK_FONT_HELP = (
    "no Chinese font is installed, so a Chinese PDF would show empty boxes: install one "
    "from Debian's packages (apt-get install fonts-wqy-zenhei, or fonts-noto-cjk; "
    "`make demo` and `make test` do this)"
)
PANGO_HELP = (
    "WeasyPrint cannot load Pango ({error}): install it from Debian's packages "
    "(apt-get install libpango-1.0-0 libpangoft2-1.0-0; `make demo` and `make test` do this)"
)


def export_pdf(
    report: Report,
    lang: str = "en",
    *,
    audit: Audit | None = None,
    translate: Translate | None = None,
) -> bytes:
    """The report as a PDF in `lang`, with the audit's marks when `audit` is given."""
    if lang == "zh" and not has_cjk_font():
        raise ExportError(CJK_FONT_HELP)
    weasyprint = _weasyprint()
    page = render_html(report, lang, audit=audit, translate=translate)
    # SEE: https://doc.courtbouillon.org/weasyprint/stable/first_steps.html#security
    # An empty list of allowed protocols makes every fetch fail (and WeasyPrint then skips
    # the resource), so nothing in a report can reach the network or read a local file.
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=())
    document = weasyprint.HTML(string=page, url_fetcher=fetcher)
    style = weasyprint.CSS(string=PRINT_CSS, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[style])
    return pdf


def _weasyprint() -> Any:
    try:
        import weasyprint
        import weasyprint.urls
    except OSError as exc:  # Pango is a system library, loaded when WeasyPrint is imported
        raise ExportError(PANGO_HELP.format(error=exc)) from exc
    return weasyprint


@lru_cache(maxsize=1)
def has_cjk_font() -> bool:
    """Whether fontconfig knows a font that covers Chinese. Without `fc-list` (fontconfig's
    tools are not installed) we cannot tell, and assume there is one."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True
    try:
        found = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return True
    return bool(found.stdout.strip())

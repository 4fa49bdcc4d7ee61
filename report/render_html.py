"""HTML: one self-contained file (inline CSS and a few lines of inline script, nothing
fetched), readable in print. Every [n] is a link whose popover shows the cited passage and
its source; the passages travel in a JSON blob inside the page. With an `Audit`, each
claim (a paragraph or list item of sections 1-9) is marked with its verdict.

Everything from sources or engines is escaped: it is data, never markup.
"""

from __future__ import annotations

import html
import json
from typing import Any

from audit.types import Audit
from report.i18n import message
from report.layout import (
    Block,
    Heading,
    Items,
    Layout,
    Line,
    Para,
    Table,
    Translate,
    normalise,
    numbered,
    plain,
)
from report.render_md import citation_numbers
from report.types import Report

# Worst first: an item holding several audited sentences shows the worst verdict, except
# that "uncited" (templated connectives) never hides a real verdict.
SEVERITY = [
    "contradicted",
    "not_supported",
    "citation_unresolvable",
    "partially_supported",
    "supported",
    "uncited",
]

CSS = """
:root{--ink:#1d1d1f;--muted:#5f6368;--line:#d9dce1;--accent:#1a56a6;--bg:#fff}
body{font:16px/1.6 Georgia,'Noto Serif','Songti SC','SimSun',serif;color:var(--ink);
background:var(--bg);max-width:52rem;margin:2rem auto;padding:0 1.25rem}
h1,h2,h3{font-family:system-ui,-apple-system,'Segoe UI','PingFang SC',sans-serif;
line-height:1.25}
h2{border-bottom:1px solid var(--line);padding-bottom:.2rem;margin-top:2.2rem}
.note{color:var(--muted);font-size:.92rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border:1px solid var(--line);padding:.35rem .5rem;vertical-align:top;text-align:left}
.move{font:600 .75rem system-ui,sans-serif;letter-spacing:.04em;background:#eef1f5;
border-radius:3px;padding:.05rem .35rem}
a.cite{color:var(--accent);text-decoration:none;font-size:.85em;vertical-align:super;
cursor:pointer}
a.cite:hover,a.cite:focus{text-decoration:underline}
#popover{position:absolute;display:none;max-width:30rem;background:#fff;
border:1px solid var(--line);box-shadow:0 4px 18px rgba(0,0,0,.15);padding:.7rem .9rem;
font-size:.9rem;line-height:1.45;z-index:10;white-space:pre-wrap}
#popover .src{display:block;margin-top:.5rem;color:var(--muted);font-size:.82rem}
.audit-supported{border-left:4px solid #2e7d32;padding-left:.5rem}
.audit-partially_supported{border-left:4px solid #f9a825;padding-left:.5rem}
.audit-not_supported{border-left:4px solid #c62828;padding-left:.5rem}
.audit-contradicted{border-left:4px double #6a1b1b;padding-left:.5rem;background:#fdecea}
.audit-uncited{border-left:4px solid #bdbdbd;padding-left:.5rem}
.audit-citation_unresolvable{border-left:4px solid #8e24aa;padding-left:.5rem}
.legend span{display:inline-block;margin-right:1rem}
@media print{body{margin:0;max-width:none;font-size:11pt}#popover{display:none!important}
a.cite{color:inherit;vertical-align:baseline}h2{break-after:avoid}li,tr{break-inside:avoid}
a[href^="http"]::after{content:" (" attr(href) ")";font-size:.8em;color:var(--muted)}}
"""

# Shows a cited passage next to its [n], from the JSON blob; textContent only, so passage
# text can never become markup.
SCRIPT = """
(function(){
var data=JSON.parse(document.getElementById('citations').textContent);
var pop=document.getElementById('popover');var open=null;
function show(a){var c=data.chunks[a.dataset.chunk]||{};var s=data.sources[a.dataset.n]||{};
pop.textContent=c.text||'';var src=document.createElement('span');src.className='src';
src.textContent='['+a.dataset.n+'] '+(s.label||'');pop.appendChild(src);
var r=a.getBoundingClientRect();pop.style.left=Math.max(8,window.scrollX+r.left-40)+'px';
pop.style.top=(window.scrollY+r.bottom+6)+'px';pop.style.display='block';open=a;}
function hide(){pop.style.display='none';open=null;}
document.querySelectorAll('a.cite').forEach(function(a){
a.addEventListener('mouseenter',function(){show(a);});
a.addEventListener('mouseleave',function(){if(!a.dataset.pinned)hide();});
a.addEventListener('click',function(e){e.preventDefault();
if(open===a&&a.dataset.pinned){delete a.dataset.pinned;hide();}
else{document.querySelectorAll('a.cite[data-pinned]').forEach(function(b){
delete b.dataset.pinned;});a.dataset.pinned='1';show(a);}});});
document.addEventListener('keydown',function(e){if(e.key==='Escape')hide();});
})();
"""


def render_html(
    report: Report,
    lang: str = "en",
    audit: Audit | None = None,
    translate: Translate | None = None,
) -> str:
    numbers = citation_numbers(report)
    blocks = Layout(report, lang, translate).blocks()
    # Audit claims are English sentences: match them against the English layout, which has
    # the same blocks in the same order as any other language's.
    # Notes (which differ between languages) are never claims, so they are skipped.
    english = iter(b for b in Layout(report, "en").blocks() if not _is_note(b))
    verdicts = _verdicts(audit)
    body = []
    for block in blocks:
        en_block = block if _is_note(block) else next(english)
        body.append(_block(block, en_block, numbers, verdicts))
    if audit is not None:
        body.insert(_after_title(blocks), _legend(audit, lang))
    title = html.escape(report.question)
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<article>\n"
        + "\n".join(body)
        + '\n</article>\n<div id="popover" role="tooltip"></div>\n'
        + '<script type="application/json" id="citations">'
        + _blob(report)
        + "</script>\n<script>"
        + SCRIPT
        + "</script>\n</body>\n</html>\n"
    )


def _is_note(block: Block) -> bool:
    return isinstance(block, Para) and block.note


def popover_data(report: Report) -> dict[str, Any]:
    """What the popovers show: each number's source and each cited chunk's passage."""
    sources: dict[str, dict[str, object]] = {}
    by_number = {e.report_number: e for e in report.sources.library if e.report_number}
    for entry in report.citations:
        described = by_number.get(entry.report_number)
        parts = []
        if described is not None:
            parts = [
                x
                for x in (
                    described.title,
                    described.author,
                    described.date,
                    described.url or described.path,
                )
                if x
            ]
        label = " — ".join(parts)
        sources[str(entry.report_number)] = {"source": entry.library_number, "label": label}
    chunks = {
        chunk.chunk_id: {"n": entry.report_number, "text": chunk.text, "page": chunk.page}
        for entry in report.citations
        for chunk in entry.chunks
    }
    return {"sources": sources, "chunks": chunks}


def _blob(report: Report) -> str:
    text = json.dumps(popover_data(report), ensure_ascii=False)
    # Inside <script>, only "</" can end the element early; escaping it keeps it JSON.
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _verdicts(audit: Audit | None) -> list[tuple[str, str]]:
    if audit is None:
        return []
    return [(normalise(c.text), c.verdict.value) for c in audit.claims if normalise(c.text)]


def _verdict_of(en_line: Line, verdicts: list[tuple[str, str]]) -> str | None:
    """The worst verdict among audited claims this line contains."""
    text = plain(en_line)
    found = [verdict for claim, verdict in verdicts if claim in text]
    if not found:
        return None
    return min(found, key=SEVERITY.index)


def _block(
    block: Block, en_block: Block, numbers: dict[str, int], verdicts: list[tuple[str, str]]
) -> str:
    if isinstance(block, Heading):
        anchor = f' id="{html.escape(block.anchor)}"' if block.anchor else ""
        return f"<h{block.level}{anchor}>{html.escape(block.text)}</h{block.level}>"
    if isinstance(block, Para):
        assert isinstance(en_block, Para)  # same layout, another language
        verdict = None if block.note else _verdict_of(en_block.spans, verdicts)
        classes = " ".join(x for x in ("note" if block.note else "", _cls(verdict)) if x)
        attr = f' class="{classes}"' if classes else ""
        return f"<p{attr}{_title(verdict)}>{_line(block.spans, numbers)}</p>"
    if isinstance(block, Items):
        assert isinstance(en_block, Items)
        tag = "ol" if block.numbers is not None else "ul"
        rows = []
        for index, item in enumerate(block.items):
            verdict = _verdict_of(en_block.items[index], verdicts) if block.claims else None
            attrs = ""
            if block.numbers is not None:
                number = block.numbers[index]
                attrs += f' value="{number}"'
                if not block.claims:
                    attrs += f' id="src-{number}"'
            if verdict:
                attrs += f' class="{_cls(verdict)}"{_title(verdict)}'
            rows.append(f"<li{attrs}>{_line(item, numbers)}</li>")
        return f"<{tag}>\n" + "\n".join(rows) + f"\n</{tag}>"
    assert isinstance(block, Table)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
    rows = [
        "<tr>" + "".join(f"<td>{_line(cell, numbers)}</td>" for cell in row) + "</tr>"
        for row in block.rows
    ]
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>"
    )


def _cls(verdict: str | None) -> str:
    return f"audit-{verdict}" if verdict else ""


def _title(verdict: str | None) -> str:
    return f' data-verdict="{verdict}"' if verdict else ""


def _line(spans: Line, numbers: dict[str, int]) -> str:
    parts = []
    for span in spans:
        if span.style == "break":
            parts.append("<br>")
            continue
        text = numbered(html.escape(span.text, quote=False), numbers, _anchor)
        if span.style == "strong":
            text = f"<strong>{text}</strong>"
        elif span.style == "em":
            text = f"<em>{text}</em>"
        elif span.style == "move":
            text = f'<span class="move">{text}</span>'
        parts.append(text)
    return "".join(parts)


def _anchor(number: int, chunk_id: str) -> str:
    chunk = html.escape(chunk_id)
    return (
        f'<a class="cite" href="#src-{number}" data-n="{number}" data-chunk="{chunk}">'
        f"[{number}]</a>"
    )


def _after_title(blocks: list[Block]) -> int:
    return 1 if blocks and isinstance(blocks[0], Heading) else 0


def _legend(audit: Audit, lang: str) -> str:
    totals = audit.totals
    keys = [v for v in SEVERITY if v in totals.by_verdict] or SEVERITY
    entries = "".join(
        f'<span class="{_cls(v)}">{html.escape(message(lang, "verdict_" + v))} '
        f"({totals.by_verdict.get(v, 0)})</span>"
        for v in keys
    )
    summary = message(
        lang,
        "audit_totals",
        recall=round(totals.citation_recall * 100),
        precision=round(totals.citation_precision * 100),
        claims=totals.claims,
    )
    legend = html.escape(message(lang, "audit_legend", judge=audit.judge))
    return (
        f'<div class="legend note"><strong>{legend}</strong><br>{entries}<br>'
        f"{html.escape(summary)}</div>"
    )

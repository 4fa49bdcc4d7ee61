"""PDF and Word exports of a finished run (a real extractive debate on the demo corpus,
audited), read back with pypdf and python-docx: the question, every [n], Chinese text, the
links from each [n] to its source, page numbers, embedded fonts, the audit's marks; and
the same files from the CLI and the web app."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import docx
import pypdf
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from agora.cli import app
from agora.pipeline import Pipeline
from agora.settings import Settings
from debate import run_debate
from report.build import build_report
from report.export_docx import VERDICT_COLOURS
from report.export_files import export_report
from report.files import load_audit, write_renderings
from report.i18n import ZH
from report.types import Report

QUESTION = (
    "We see AI gains in engineering but not in product or go-to-market: "
    "is that an advantage or an imbalance?"
)
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def run(demo_library, tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    out = tmp_path_factory.mktemp("export-run") / "run"
    debate = run_debate(demo_library, QUESTION, out, rounds=3)
    report = build_report(debate, demo_library)
    write_renderings(out, report)
    Pipeline(None).audit(out)  # audit.json: the exports carry its marks
    return report, out


def numbers(report: Report) -> set[int]:
    return {entry.report_number for entry in report.citations}


def flat(text: str) -> str:
    return " ".join(text.split())


# -- PDF ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdfs(run: tuple[Report, Path]) -> dict[str, pypdf.PdfReader]:
    """Both languages through the CLI, as a user makes them."""
    _, out = run
    readers = {}
    for lang in ("en", "zh"):
        target = out / f"exported.{lang}.pdf"
        result = CliRunner().invoke(
            app, ["report", str(out), "--format", "pdf", "--lang", lang, "--out", str(target)]
        )
        assert result.exit_code == 0, result.output
        readers[lang] = pypdf.PdfReader(target)
    return readers


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_text_gives_back_the_question_every_number_and_chinese(
    run: tuple[Report, Path], pdfs: dict[str, pypdf.PdfReader], lang: str
) -> None:
    report, _ = run
    reader = pdfs[lang]
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    assert QUESTION in text  # selectable text, not an image
    for n in numbers(report):
        assert f"[{n}]" in text
    if lang == "zh":
        assert ZH["title"] in text and ZH["h_predictions"] in text
        assert len(CJK.findall(text)) > 200
    else:
        assert not CJK.search(text) and "Predictions" in text
    assert reader.metadata is not None and reader.metadata.title == QUESTION
    legend = "引用核查" if lang == "zh" else "Citation audit"
    assert legend in text  # the audit's legend; its marks are the bars it explains


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_numbers_link_to_their_sources_and_pages_are_numbered(
    run: tuple[Report, Path], pdfs: dict[str, pypdf.PdfReader], lang: str
) -> None:
    report, _ = run
    reader = pdfs[lang]
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    assert total > 3
    for index, page in enumerate(pages):
        assert f"{index + 1} / {total}" in page  # the footer's page number
    destinations = reader.named_destinations
    library_heading = ZH["h_research_library"] if lang == "zh" else "Research library"
    first_source_page = next(i for i, p in enumerate(pages) if library_heading in p)
    linked: set[int] = set()
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            dest = str(link.get("/Dest", ""))
            if link.get("/Subtype") != "/Link" or not dest.startswith("src-"):
                continue
            n = int(dest.removeprefix("src-"))
            linked.add(n)
            target = reader.get_destination_page_number(destinations[dest])
            assert target >= first_source_page  # lands in the research library ...
            assert f"[{n}]" in pages[target]  # ... on the page that lists [n]
    assert linked == numbers(report)
    by_number = {e.report_number: e for e in report.sources.library if e.report_number}
    first = by_number[1].title or ""
    target = reader.get_destination_page_number(destinations["src-1"])
    assert first.split()[0] in pages[target]


@pytest.mark.slow
def test_pdf_fonts_are_embedded_with_a_chinese_face(pdfs: dict[str, pypdf.PdfReader]) -> None:
    for lang, reader in pdfs.items():
        names = set()
        for page in reader.pages:
            for font in (page["/Resources"].get("/Font") or {}).values():
                font = font.get_object()
                descriptor = font.get("/FontDescriptor")
                if font.get("/DescendantFonts"):
                    descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
                descriptor = descriptor.get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                names.add(str(font.get("/BaseFont")))
        cjk = {n for n in names if re.search(r"WenQuanYi|CJK|Noto Sans SC|Noto Serif SC", n)}
        assert bool(cjk) == (lang == "zh"), names


def test_a_chinese_pdf_without_a_chinese_font_says_what_to_install(
    run: tuple[Report, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from report import export_pdf

    _, out = run
    monkeypatch.setattr(export_pdf, "has_cjk_font", lambda: False)
    result = CliRunner().invoke(
        app, ["report", str(out), "-f", "pdf", "--lang", "zh", "-o", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 2 and "fonts-wqy-zenhei" in result.output
    assert not (tmp_path / "x.pdf").exists()


# -- Word ---------------------------------------------------------------------------------


def bookmarks(document: Any) -> set[str]:
    body = document.element.body
    return {b.get(docx.oxml.ns.qn("w:name")) for b in body.iter(docx.oxml.ns.qn("w:bookmarkStart"))}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_word_has_headings_lists_the_panel_table_citations_and_sources(
    run: tuple[Report, Path], lang: str
) -> None:
    report, out = run
    result = CliRunner().invoke(app, ["report", str(out), "--format", "docx", "--lang", lang])
    assert result.exit_code == 0, result.output
    path = out / ("report.docx" if lang == "en" else "report.zh.docx")  # the default place
    document = docx.Document(str(path))
    paragraphs = document.paragraphs
    text = "\n".join(p.text for p in paragraphs)
    assert document.core_properties.title == QUESTION
    assert any(p.text == QUESTION for p in paragraphs)
    styles = [p.style.name for p in paragraphs]
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    expected = ZH["h_predictions"] if lang == "zh" else "Predictions"
    assert expected in headings and styles.count("Title") == 1
    assert styles.count("List Number") == len(report.action_plan)
    assert styles.count("List Bullet") >= len(report.evidence) + len(report.risks)
    (table,) = document.tables  # the panel
    assert len(table.rows) == len(report.panel) + 1
    assert table.rows[1].cells[0].text == report.panel[0].advisor
    # Every [n] is a link to the bookmark on its research-library entry.
    links = [h for p in paragraphs for h in p.hyperlinks]
    assert {int(h.fragment.removeprefix("src_")) for h in links} == numbers(report)
    assert all(h.text == f"[{h.fragment.removeprefix('src_')}]" for h in links)
    assert {f"src_{n}" for n in numbers(report)} <= bookmarks(document)
    cited = [e for e in report.sources.library if e.report_number]
    listed = [p.text for p in paragraphs if re.match(r"\[\d+\] ", p.text)]
    assert [line.split("]")[0] + "]" for line in listed] == [f"[{e.report_number}]" for e in cited]
    assert all((e.title or "") in line for e, line in zip(cited, listed, strict=True))
    if lang == "zh":
        assert ZH["title"] in text and len(CJK.findall(text)) > 200
    else:
        assert not CJK.search(text)


def test_word_keeps_the_audit_marks(run: tuple[Report, Path]) -> None:
    report, out = run
    audit = load_audit(out)
    assert audit is not None
    document = docx.Document(io.BytesIO(export_report(report, "docx", audit=audit)))
    qn = docx.oxml.ns.qn
    colours = [left.get(qn("w:color")) for left in document.element.body.iter(qn("w:left"))]
    marked = {v for v, colour in VERDICT_COLOURS.items() if colour in colours}
    assert set(audit.totals.by_verdict) - {"uncited"} <= marked | {"uncited"}
    assert "supported" in marked
    assert any("Citation audit" in p.text for p in document.paragraphs)
    plain = docx.Document(io.BytesIO(export_report(report, "docx")))
    assert not list(plain.element.body.iter(qn("w:pBdr")))  # no audit, no marks


# -- the web app ----------------------------------------------------------------------------


@pytest.mark.slow
def test_web_downloads_pdf_and_word(run: tuple[Report, Path], tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from web.app import create_app

    _, out = run
    runs = tmp_path / "runs"
    shutil.copytree(out, runs / "r1")
    settings = Settings(library=tmp_path / "library")
    web_app = create_app(settings, embedder=embedder, runs_dir=runs)
    with TestClient(web_app, base_url="http://127.0.0.1:8400") as client:
        for fmt, lang in (("pdf", "zh"), ("docx", "en")):
            response = client.get(
                "/api/runs/r1/report", params={"format": fmt, "lang": lang, "download": True}
            )
            assert response.status_code == 200, response.text
            name = "r1.zh.pdf" if lang == "zh" else "r1.docx"
            assert f'filename="{name}"' in response.headers["content-disposition"]
            if fmt == "pdf":
                assert response.headers["content-type"] == "application/pdf"
                text = "".join(
                    p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages
                )
                assert CJK.search(text) and "[1]" in text
            else:
                document = docx.Document(io.BytesIO(response.content))
                assert document.core_properties.title == QUESTION


def test_word_has_a_colour_for_every_verdict_the_audit_gives() -> None:
    from ingest.types import Verdict
    from report.export_docx import VERDICT_COLOURS
    from report.render_html import SEVERITY

    assert set(VERDICT_COLOURS) == set(SEVERITY)
    assert {str(v) for v in Verdict} <= set(VERDICT_COLOURS)

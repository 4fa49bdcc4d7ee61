"""Ingesting by URL from a real HTTP server on loopback, and every failure kind."""

from __future__ import annotations

from pathlib import Path

from helpers import LOREM_AI, article_html, open_library
from loopback import LoopbackServer, make_pdf

from ingest import Outcome
from ingest.embedding import Embedder
from ingest.types import SourceKind, SourceStatus


def _encrypted_pdf(password: str) -> bytes:
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(BytesIO(make_pdf(["Secret findings about AI adoption. " * 20]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password="owner")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_html_and_pdf_by_url(tmp_path: Path, loopback: LoopbackServer, embedder: Embedder) -> None:
    page = loopback.add(
        "/report.html", article_html("AI and the sales floor", LOREM_AI * 3).encode()
    )
    pdf = loopback.add(
        "/paper.pdf",
        make_pdf([LOREM_AI, "Page two: " + LOREM_AI], title="Bottlenecks", author="Ops Lab"),
        content_type="application/pdf",
    )
    open_pdf = loopback.add(
        "/open.pdf", _encrypted_pdf(""), content_type="application/octet-stream"
    )
    with open_library(tmp_path / "lib", embedder) as lib:
        summary = lib.add([page, pdf, open_pdf])
        assert summary.count(Outcome.ADDED) == 3, [r.reason for r in summary.results]
        html, paper, opened = lib.sources()
        assert (html.kind, html.title, html.url) == (
            SourceKind.HTML,
            "AI and the sales floor",
            page,
        )
        assert html.author == "Jane Analyst" and html.date == "2025-10-01"
        assert (paper.kind, paper.title, paper.author) == (SourceKind.PDF, "Bottlenecks", "Ops Lab")
        assert opened.kind == SourceKind.PDF and opened.chunk_count > 0
        text, pages = lib.text(paper)
        assert [p.page for p in pages] == [1, 2]
        assert "Page two" in text[pages[1].start : pages[1].end]


def test_every_bad_input_becomes_a_failed_source_with_a_reason(
    tmp_path: Path, loopback: LoopbackServer, embedder: Embedder
) -> None:
    good = loopback.add("/good.html", article_html("Good page", LOREM_AI * 3).encode())
    broken_pdf = loopback.add(
        "/broken.pdf", make_pdf([LOREM_AI])[:400], content_type="application/pdf"
    )
    locked_pdf = loopback.add(
        "/locked.pdf", _encrypted_pdf("s3cret"), content_type="application/pdf"
    )
    nav_only = loopback.add(
        "/nav.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>"
    )
    big = loopback.add("/big.txt", b"word " * 400_000, content_type="text/plain")
    unreachable = "http://127.0.0.1:9/nothing-listens-here"
    expected = {
        unreachable: "connect",
        loopback.url("/404"): "404",
        loopback.url("/500"): "500",
        loopback.url("/redirect-loop"): "redirect",
        loopback.url("/png"): "unsupported",
        loopback.url("/empty"): "empty",
        broken_pdf: "PDF",
        locked_pdf: "password",
        nav_only: "characters",
        big: "limit",
    }
    with open_library(tmp_path / "lib", embedder, max_download_bytes=1_000_000) as lib:
        lib.add([good])
        kept_ids = lib.store.ids()
        summary = lib.add(list(expected))
        assert summary.count(Outcome.FAILED) == len(expected)
        assert not summary.anything_usable
        by_location = {s.location: s for s in lib.sources()}
        for url, needle in expected.items():
            source = by_location[url]
            assert source.status == SourceStatus.FAILED
            assert needle.lower() in (source.reason or "").lower(), (url, source.reason)
            assert source.number is not None and source.chunk_count == 0
        assert lib.get(1).status == SourceStatus.OK
        assert lib.store.ids() == kept_ids == lib.chunk_ids()


def test_pdf_declared_as_html_is_read_as_pdf(
    tmp_path: Path, loopback: LoopbackServer, embedder: Embedder
) -> None:
    with open_library(tmp_path / "lib", embedder) as lib:
        summary = lib.add([loopback.url("/wrong-type")])
        (result,) = summary.results
        assert result.outcome == Outcome.ADDED, result.reason
        assert result.source.kind == SourceKind.PDF


def test_a_folder_with_unreadable_and_unsupported_files(tmp_path: Path, embedder: Embedder) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "good.md").write_text("# Good\n\n" + LOREM_AI * 2)
    (folder / "empty.txt").write_text("")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    (folder / "dangling.md").symlink_to(folder / "missing-target.md")
    with open_library(tmp_path / "lib", embedder) as lib:
        summary = lib.add([str(folder)])
        outcomes = {Path(r.source.location).name: r for r in summary.results}
        assert outcomes["good.md"].outcome == Outcome.ADDED
        assert outcomes["empty.txt"].outcome == Outcome.FAILED
        assert outcomes["broken.pdf"].outcome == Outcome.FAILED
        assert outcomes["dangling.md"].outcome == Outcome.FAILED
        assert "image.png" not in outcomes  # not a document type: left alone, not an error
        assert summary.anything_usable
        for name in ("empty.txt", "broken.pdf", "dangling.md"):
            assert outcomes[name].reason, name

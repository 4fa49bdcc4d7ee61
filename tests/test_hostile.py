"""Hostile inputs end as failed sources with a reason, within their limits, and never
damage what the library already holds."""

from __future__ import annotations

import time
import zlib
from pathlib import Path

from helpers import LOREM_AI, article_html, open_library
from loopback import make_pdf

from ingest import Outcome
from ingest.embedding import Embedder
from ingest.types import SourceStatus


def _pdf_with_stream(stream: bytes, filters: str = "/FlateDecode") -> bytes:
    """A one-page PDF whose content stream is `stream` (already encoded), xref included."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> "
        b">> >> >>",
        b"<< /Length %d /Filter %s >>\nstream\n" % (len(stream), filters.encode())
        + stream
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _bomb(decompressed_mb: int) -> bytes:
    packer = zlib.compressobj(9)
    block = b"0" * (1024 * 1024)
    body = b"".join(packer.compress(block) for _ in range(decompressed_mb)) + packer.flush()
    return _pdf_with_stream(body)


def _slow_pdf() -> bytes:
    """Small on disk, but pypdf needs several seconds for its 40,000 text operators."""
    return _pdf_with_stream(zlib.compress(b"BT /F1 12 Tf 72 712 Td (Slow text) Tj ET\n" * 40_000))


def test_hostile_pdfs_fail_within_limits(tmp_path: Path, embedder: Embedder) -> None:
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "good.md").write_text("# Good\n\n" + LOREM_AI * 2)
    (folder / "bomb.pdf").write_bytes(_bomb(600))
    nested = b"[" * 200_000 + b"]" * 200_000
    (folder / "nested.pdf").write_bytes(_pdf_with_stream(nested, filters="[]"))
    (folder / "slow.pdf").write_bytes(_slow_pdf())
    with open_library(tmp_path / "lib", embedder, parse_memory_mb=300, parse_timeout=2.0) as lib:
        started = time.monotonic()
        summary = lib.add([str(folder)])
        elapsed = time.monotonic() - started
        outcomes = {Path(r.source.location).name: r for r in summary.results}
        assert outcomes["good.md"].outcome == Outcome.ADDED
        for name in ("bomb.pdf", "nested.pdf", "slow.pdf"):
            assert outcomes[name].outcome == Outcome.FAILED, (name, outcomes[name].reason)
            assert outcomes[name].reason, name
        assert "longer than 2 s" in (outcomes["slow.pdf"].reason or "")
        assert "memory" in (outcomes["bomb.pdf"].reason or "")
        assert elapsed < 60
        good = outcomes["good.md"].source
        assert lib.get(good.number or 0).status == SourceStatus.OK
        assert lib.store.ids() == lib.catalog.chunk_ids()


def test_the_sandbox_recovers_after_a_killed_parse(tmp_path: Path, embedder: Embedder) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a-slow.pdf").write_bytes(_slow_pdf())
    (folder / "b-fine.pdf").write_bytes(make_pdf([LOREM_AI * 3], title="Fine"))
    with open_library(tmp_path / "lib", embedder, parse_timeout=2.0) as lib:
        summary = lib.add([str(folder)])
        outcomes = {Path(r.source.location).name: r.outcome for r in summary.results}
    assert outcomes == {"a-slow.pdf": Outcome.FAILED, "b-fine.pdf": Outcome.ADDED}


def test_html_with_a_gigantic_inline_script(tmp_path: Path, embedder: Embedder) -> None:
    script = "<script>var x = '" + "A" * 8_000_000 + "';</script>"
    page = article_html("Article behind a big script", LOREM_AI * 3).replace(
        "<body>", "<body>" + script
    )
    (tmp_path / "big.html").write_text(page)
    with open_library(tmp_path / "lib", embedder) as lib:
        started = time.monotonic()
        (result,) = lib.add([str(tmp_path / "big.html")]).results
        assert result.outcome == Outcome.ADDED, result.reason
        assert time.monotonic() - started < 30
        text, _ = lib.text(result.source)
        assert "AAAA" not in text and "pipeline conversion" in text

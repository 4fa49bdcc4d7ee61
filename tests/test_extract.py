"""Extraction of real HTML, PDF, text and markdown documents."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from loopback import make_pdf
from pypdf import PdfWriter

from ingest.decoding import decode_text
from ingest.extract import ExtractionError, extract
from ingest.text import split_passage
from ingest.types import SourceKind

ARTICLE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Heat pumps in cold climates | Example News</title>
  <meta name="author" content="Jane Doe">
  <meta property="article:published_time" content="2024-03-05T10:00:00Z">
  <link rel="canonical" href="https://news.example.org/heat-pumps">
</head>
<body>
  <header><nav>
    <a href="/">Home</a> <a href="/world">World</a> <a href="/tech">Technology</a>
    <a href="/subscribe">Subscribe to our newsletter</a>
  </nav></header>
  <main><article>
    <h1>Heat pumps in cold climates</h1>
    <p>Field trials in Norway and Canada show that modern air-source heat pumps keep
    working at minus twenty-five degrees, with a seasonal coefficient of performance
    above two and a half.</p>
    <p>Installers report that the main obstacle is not the outdoor temperature but the
    sizing of the unit: undersized systems fall back on resistive heating for much of
    the winter, which erases most of the savings.</p>
    <p>Researchers recommend a heat-loss calculation before purchase and warn that ducts
    in unheated attics lose a large share of the delivered heat.</p>
  </article></main>
  <footer><p>Copyright 2024 Example News. All rights reserved.</p>
  <a href="/privacy">Privacy policy</a></footer>
</body>
</html>
"""

FRENCH = "Le café coûte trois euros à Genève, déjà « cher » selon les habitués — œuvre naïve. "


def french_page(meta: str = "") -> str:
    return (
        f"<html><head>{meta}<title>Café à Genève</title></head><body><article>"
        f"<h1>Café à Genève</h1><p>{FRENCH * 4}</p><p>{FRENCH * 3}</p></article></body></html>"
    )


# ------------------------------------------------------------------------------ HTML
def test_html_article_drops_boilerplate_and_keeps_metadata() -> None:
    document = extract(ARTICLE.encode(), SourceKind.HTML, url="http://127.0.0.1/a")

    assert document.kind is SourceKind.HTML
    assert "seasonal coefficient of performance" in document.text
    assert "ducts in unheated attics" in document.text
    assert "Subscribe to our newsletter" not in document.text
    assert "All rights reserved" not in document.text
    assert document.title == "Heat pumps in cold climates"
    assert document.author == "Jane Doe"
    assert document.date == "2024-03-05"
    assert document.url == "https://news.example.org/heat-pumps"
    # Paragraphs are separated by blank lines, as in text and markdown sources.
    assert "above two and a half.\n\nInstallers report" in document.text


@pytest.mark.parametrize(
    ("meta", "declared_type"),
    [
        ("<meta charset='windows-1252'>", None),
        ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">', None),
        ("", "text/html; charset=windows-1252"),
        ("", None),  # nothing declared: detection must still get it right
    ],
    ids=["meta-charset", "meta-http-equiv", "http-header", "undeclared"],
)
def test_windows_1252_page_keeps_its_accents(meta: str, declared_type: str | None) -> None:
    content = french_page(meta).encode("cp1252")

    document = extract(content, SourceKind.HTML, declared_type=declared_type)

    assert document.title == "Café à Genève"
    assert "Le café coûte trois euros à Genève, déjà « cher »" in document.text
    assert "— œuvre naïve" in document.text


def test_shift_jis_page_decodes() -> None:
    sentence = "東京では新しい研究が発表されました。エネルギー効率の改善について説明しています。"
    page = (
        "<html><head><meta charset='Shift_JIS'><title>日本の記事</title></head><body>"
        f"<article><p>{sentence * 6}</p></article></body></html>"
    )

    document = extract(page.encode("shift_jis"), SourceKind.HTML)

    assert document.title == "日本の記事"
    assert sentence in document.text


def test_utf8_page_wins_over_a_wrong_latin1_header() -> None:
    content = french_page().encode("utf-8")

    document = extract(content, SourceKind.HTML, declared_type="text/html; charset=iso-8859-1")

    assert "Le café coûte" in document.text


def test_meta_description_mentioning_a_charset_is_not_a_declaration() -> None:
    page = french_page('<meta name="description" content="charset=shift_jis">')

    assert "Le café coûte" in decode_text(page.encode("cp1252"), is_html=True)


def test_page_with_almost_no_text_is_refused() -> None:
    login = (
        b"<html><head><title>Sign in</title></head><body><nav><a href='/'>Home</a></nav>"
        b"<form><p>Please log in to continue.</p><input name=user><input type=password>"
        b"</form><footer>(c) 2024</footer></body></html>"
    )

    with pytest.raises(ExtractionError) as caught:
        extract(login, SourceKind.HTML)

    assert caught.value.reason.startswith("extracted only ")
    assert caught.value.reason.endswith(
        "characters of readable text (a navigation page, login wall, or page built by JavaScript?)"
    )


def test_javascript_shell_page_is_refused() -> None:
    shell = (
        b"<!doctype html><html><head><title>App</title></head>"
        b"<body><div id=root></div><script src=/app.js></script></body></html>"
    )

    with pytest.raises(ExtractionError, match="extracted only 0 characters"):
        extract(shell, SourceKind.HTML)


# ------------------------------------------------------------------------------- PDF
def encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PAGES = [f"Page {n} is about topic{n}-marker and nothing else.   " * 8 for n in (1, 2, 3)]


def test_pdf_pages_map_exactly_onto_the_text() -> None:
    pdf = make_pdf(
        PAGES,
        title="Annual heat report",
        author="Jane Roe",
        created=datetime(2023, 6, 1, 12, 0, tzinfo=UTC),
    )

    document = extract(pdf, SourceKind.PDF)

    assert [span.page for span in document.pages] == [1, 2, 3]
    for span in document.pages:
        page_text = document.text[span.start : span.end]
        assert f"topic{span.page}-marker" in page_text
        assert all(
            f"topic{other}-marker" not in page_text for other in (1, 2, 3) if other != span.page
        )
        assert page_text == page_text.strip()
    assert document.text == "\n\n".join(document.text[s.start : s.end] for s in document.pages)
    assert "  " not in document.text  # runs of spaces collapsed
    assert (document.title, document.author, document.date) == (
        "Annual heat report",
        "Jane Roe",
        "2023-06-01",
    )


def test_blank_pages_get_no_span_and_keep_true_page_numbers() -> None:
    document = extract(make_pdf(["", PAGES[1], "", PAGES[2]]), SourceKind.PDF)

    assert [span.page for span in document.pages] == [2, 4]
    assert "topic3-marker" in document.text[document.pages[1].start : document.pages[1].end]


def test_pdf_encrypted_with_an_empty_password_opens() -> None:
    document = extract(encrypted(make_pdf(PAGES), ""), SourceKind.PDF)

    assert "topic2-marker" in document.text
    assert len(document.pages) == 3


def test_pdf_with_a_real_password_fails_with_the_reason() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(encrypted(make_pdf(PAGES), "s3cret"), SourceKind.PDF)

    assert caught.value.reason == "encrypted PDF that needs a password"


def test_truncated_pdf_is_not_readable() -> None:
    pdf = make_pdf(PAGES)

    with pytest.raises(ExtractionError) as caught:
        extract(pdf[: len(pdf) // 2], SourceKind.PDF)

    assert caught.value.reason.startswith("not a readable PDF (damaged or truncated: ")


def test_pdf_without_text_says_ocr_is_not_supported() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(make_pdf(["", ""]), SourceKind.PDF)

    assert caught.value.reason == (
        "PDF of 2 pages has no extractable text (scanned images? OCR is not supported)"
    )


def test_pdf_with_too_little_text_is_refused() -> None:
    with pytest.raises(ExtractionError, match=r"^extracted only 10 characters .* 1 page;"):
        extract(make_pdf(["Too short."]), SourceKind.PDF)


# ------------------------------------------------------------------ text and markdown
BODY = "Heat pumps move heat instead of making it. " * 8


def test_markdown_front_matter_gives_metadata_and_is_removed() -> None:
    markdown = (
        "---\n"
        'title: "Heat pumps: a field guide"\n'
        "author:\n  - Ann Lee\n  - Bo Chen\n"
        "date: 2024-02-29\n"
        "---\n\n"
        f"# Introduction\n\n{BODY}\n"
    )

    document = extract(markdown.encode(), SourceKind.MARKDOWN)

    assert document.kind is SourceKind.MARKDOWN
    assert document.title == "Heat pumps: a field guide"
    assert document.author == "Ann Lee, Bo Chen"
    assert document.date == "2024-02-29"
    assert document.text.startswith("# Introduction\n\n")
    assert "title:" not in document.text


def test_markdown_title_is_the_first_heading_and_newlines_are_normalised() -> None:
    markdown = f"\ufeffSome preface.\r\n\r\n# The Real Title #\r\n\r\n{BODY}\r\n".encode()

    document = extract(markdown, SourceKind.MARKDOWN)

    assert document.title == "The Real Title"
    assert "\r" not in document.text
    assert document.text.startswith("Some preface.\n\n# The Real Title")


def test_plain_text_title_is_a_short_first_line() -> None:
    short = extract(f"\n\nField notes\n\n{BODY}".encode(), SourceKind.TEXT)
    long_first_line = extract(BODY.encode(), SourceKind.TEXT)

    assert short.title == "Field notes"
    assert long_first_line.title is None


def test_windows_1252_text_file_decodes() -> None:
    document = extract(f"Notes\n\n{FRENCH * 4}".encode("cp1252"), SourceKind.TEXT)

    assert "Le café coûte trois euros à Genève" in document.text


@pytest.mark.parametrize("content", [b"", b"  \n\n\t", b"\xef\xbb\xbf"])
def test_empty_file_is_refused(content: bytes) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(content, SourceKind.TEXT, name="empty.txt")

    assert caught.value.reason == "empty file"


def test_short_text_is_refused_with_its_length() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(b"Just a line.", SourceKind.TEXT, min_text_chars=200)

    assert caught.value.reason == (
        "extracted only 12 characters of readable text (too short to be a useful source)"
    )
    assert extract(b"Just a line.", SourceKind.TEXT, min_text_chars=5).text == "Just a line."


def test_pdf_page_furniture_is_dropped_and_a_sentence_runs_on_across_the_break() -> None:
    # As the demo's PDFs are laid out: the title atop every page after the first, "Page N
    # of 3" at the foot of each, a footer line repeated, and a sentence crossing page 1's end.
    # Before, the splitter quoted "Annual heat report experiments and build ..." as one
    # sentence.
    title = "Annual heat report"
    body = "Cooling demand rose in every district we measured this summer. " * 6
    pages = [
        f"{title}\n{body}\nThe answer is to use the capacity to run more\nHarbour City Council"
        "\nPage 1 of 3",
        f"{title}\nexperiments and build the tools the wards keep asking for.\n{body}\n"
        "2023 was the hottest year on record\nHarbour City Council\nPage 2 of 3",
        f"{title}\n{body}\nHarbour City Council\nPage 3 of 3",
    ]
    document = extract(make_pdf(pages, title=title), SourceKind.PDF)
    text = document.text
    assert "Page 1 of 3" not in text and "Page 3 of 3" not in text
    assert "Harbour City Council" not in text  # the same footer line on every page
    assert text.count(title) == 1 and text.startswith(title)  # the heading on page 1 stays
    assert "2023 was the hottest year on record" in text  # body text, not furniture
    sentences = [s.text for s in split_passage(text)]
    assert (
        "The answer is to use the capacity to run more\nexperiments and build the tools the "
        "wards keep asking for." in sentences
    )
    second = document.pages[1]
    assert text[second.start : second.end].startswith("experiments and build")
    assert [span.page for span in document.pages] == [1, 2, 3]

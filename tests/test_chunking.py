"""Chunking keeps exact offsets, respects sentences, sizes, headings and PDF pages."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document, chunk_spans, split_sentences
from ingest.embedding import embedding_text
from ingest.types import Chunk, ExtractedDocument, PageSpan, SourceKind


def _doc(text: str, pages: list[PageSpan] | None = None) -> ExtractedDocument:
    return ExtractedDocument(kind=SourceKind.TEXT, text=text, pages=pages or [])


def test_sentences_respect_abbreviations_and_decimals() -> None:
    text = "Growth was 5.2% in Q3. Dr. Smith et al. found e.g. a gain. The U.S. Fed agreed!"
    sentences = [text[s.start : s.end] for s in split_sentences(text)]
    assert sentences == [
        "Growth was 5.2% in Q3.",
        "Dr. Smith et al. found e.g. a gain.",
        "The U.S. Fed agreed!",
    ]


def test_chunks_are_exact_slices_within_size_and_overlap() -> None:
    text = " ".join(f"Sentence {i} talks about delivery speed and teams." for i in range(60))
    chunks = chunk_document(_doc(text), "src", chunk_size=300, overlap=100)
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert len(chunk.text) <= 300
        assert chunk.text[0].isupper() and chunk.text.endswith(".")  # whole sentences
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end  # overlap carried over
        assert before.end - after.start <= 100
        assert after.start > before.start


def test_chunk_ids_follow_content_hash() -> None:
    text = "Alpha beta gamma. " * 100
    first = chunk_document(_doc(text), "s1", 200, 0)
    changed = chunk_document(_doc(text + "Delta."), "s1", 200, 0)
    assert first[0].chunk_id.startswith("s1:") and first[0].chunk_id.endswith(":0")
    assert first[0].chunk_id != changed[0].chunk_id
    assert first[0].chunk_id == chunk_document(_doc(text), "s1", 200, 0)[0].chunk_id


def test_headings_start_chunks_and_name_sections() -> None:
    text = (
        "# Findings\n\nTeams shipped faster. Reviews got shorter.\n\n"
        "## Risks\nQuality dipped in month two. Rework rose.\n"
    )
    chunks = chunk_document(_doc(text), "s", 1000, 100)
    assert [c.section for c in chunks] == ["Findings", "Risks"]
    assert chunks[1].text.startswith("## Risks")
    assert "Teams shipped" not in chunks[1].text  # no overlap across a heading


def test_pdf_pages_are_recorded() -> None:
    page_one = "First page sentence. " * 20
    page_two = "Second page sentence. " * 20
    text = page_one + "\n\n" + page_two
    pages = [
        PageSpan(page=1, start=0, end=len(page_one)),
        PageSpan(page=2, start=len(page_one) + 2, end=len(text)),
    ]
    chunks = chunk_document(_doc(text, pages), "s", 250, 0)
    assert chunks[0].page == 1
    assert chunks[-1].page == 2
    assert any(c.page == 1 and c.page_end == 2 for c in chunks) or all(
        c.page == c.page_end for c in chunks
    )
    for chunk in chunks:
        expected = 1 if chunk.start < len(page_one) else 2
        assert chunk.page == expected


def test_overlong_sentence_is_split_at_words() -> None:
    text = "word " * 500
    spans = chunk_spans(text, 200, 0)
    assert all(span.end - span.start <= 200 for span, _ in spans)
    assert sum(len(text[s.start : s.end].split()) for s, _ in spans) == 500


_sentence = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters=" ,%"),
    min_size=1,
    max_size=80,
).map(lambda s: s.strip().capitalize() + ".")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_sentence, min_size=1, max_size=40),
    st.integers(100, 600),
    st.integers(0, 150),
)
def test_every_sentence_is_covered_and_slices_are_exact(
    sentences: list[str], size: int, overlap: int
) -> None:
    text = " ".join(sentences)
    chunks = chunk_document(_doc(text), "p", size, overlap)
    covered = set()
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        covered.update(range(chunk.start, chunk.end))
    non_space = {i for i, ch in enumerate(text) if not ch.isspace()}
    assert non_space <= covered


def test_embedding_text_prefixes_the_title_once() -> None:
    def chunk(text: str) -> Chunk:
        return Chunk(chunk_id="s:h:0", source_id="s", index=0, text=text, start=0, end=len(text))

    body = chunk("Cycle time fell by 31.8% after the rollout.")
    assert embedding_text("AI and delivery", body) == "AI and delivery\n" + body.text
    assert embedding_text(None, body) == body.text
    opening = chunk("# AI  and Delivery\n\nCycle time fell by 31.8% after the rollout.")
    assert embedding_text("AI and delivery", opening) == opening.text  # already there
    mention = chunk("Later on, AI and delivery were compared.")
    assert embedding_text("AI and delivery", mention).startswith("AI and delivery\n")

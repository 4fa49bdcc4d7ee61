"""The shared normaliser and sentence splitter (ingest/text.py) and quote location
(audit/quotes.py): what makes a verbatim quote match its passage however it is laid out."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.quotes import find_quote
from ingest.text import (
    match_key,
    match_key_map,
    normalize,
    sentence_texts,
    split_passage,
    split_sentences,
    tidy,
)
from ingest.types import QuoteMatch

SENTENCE = "Metformin reduced HbA1c by 1.2 percentage points over 24 weeks compared with placebo."
# The same sentence as a PDF holds it: a line break mid-sentence, a word hyphenated at the
# line end, a ligature, curly quotes and an en dash around it.
PDF = (
    "The trial enrolled 412 adults \u201cwith type 2 diabetes\u201d \u2013 across 14 clinics.\n"
    "Metformin reduced HbA1c by 1.2 percentage points over 24 weeks com-\n"
    "pared with placebo. Adverse events were mild and the \ufb01ndings held."
)


def test_normalize_undoes_layout_and_typography() -> None:
    assert normalize("a  \ufb01ne\n\u201cquote\u201d \u2014 it\u2019s  treat-\n  ment") == (
        'a fine "quote" - it\'s treatment'
    )
    # a hyphen before a capital or a digit is a real hyphen, not a broken word
    assert normalize("Covid-\n19 and anti-\nBritish") == "Covid-\n19 and anti-\nBritish".replace(
        "\n", " "
    )
    assert tidy("line one\n  line two\u2014kept") == "line one line two\u2014kept"


def test_match_key_folds_case_and_hyphens_inside_words() -> None:
    assert match_key("Well-\nknown") == match_key("well-known") == match_key("WELL\u2010KNOWN")
    assert match_key("Well-\nknown") == "wellknown"


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("ab -\n\t.\u201c\u201d\ufb01\u2013\u00adAÉß")), max_size=40
    )
)
def test_match_key_map_agrees_with_match_key_and_points_into_the_original(text: str) -> None:
    key, offsets = match_key_map(text)
    assert key == match_key(text)
    assert len(offsets) == len(key) + 1
    assert offsets == sorted(offsets)
    assert all(0 <= offset <= len(text) for offset in offsets)


def test_split_passage_joins_wrapped_lines_and_keeps_offsets() -> None:
    text = (
        "Key findings\n"
        "The cat sat on\nthe mat. It was e.g. happy.\n\n"
        "- first item of a list\n"
        "- second item\n"
        "# A heading\n"
        "Closing words."
    )
    sentences = split_passage(text)
    assert [" ".join(s.text.split()) for s in sentences] == [
        "Key findings",
        "The cat sat on the mat.",
        "It was e.g. happy.",
        "first item of a list",
        "second item",
        "A heading",
        "Closing words.",
    ]
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
    assert sentence_texts("A line broken\nin the mid-\ndle of it. Next.") == [
        "A line broken in the middle of it.",
        "Next.",
    ]


def test_split_sentences_is_prose_only_and_respects_abbreviations() -> None:
    text = "See refs. 5,6 for details. Dr. Smith et al. agreed (cf. Table 2). Done."
    assert [s.text for s in split_sentences(text)] == [
        "See refs. 5,6 for details.",
        "Dr. Smith et al. agreed (cf. Table 2).",
        "Done.",
    ]


def test_a_verbatim_quote_is_found_in_its_laid_out_passage_with_offsets() -> None:
    quote = find_quote(SENTENCE, PDF)
    assert quote is not None and quote.kind == QuoteMatch.VERBATIM
    assert PDF[quote.start : quote.end] == (
        "Metformin reduced HbA1c by 1.2 percentage points over 24 weeks com-\npared with placebo"
    )
    ligature = find_quote("Adverse events were mild and the findings held", PDF)
    assert ligature is not None and PDF[ligature.start : ligature.end].endswith("\ufb01ndings held")
    curly = find_quote(
        'The trial enrolled 412 adults "with type 2 diabetes" - across 14 clinics', PDF
    )
    assert curly is not None and curly.start == 0


def test_near_verbatim_quotes_are_marked_as_such() -> None:
    dropped = "Metformin reduced HbA1c by 1.2 percentage points over 24 weeks versus placebo."
    quote = find_quote(dropped, PDF)
    assert quote is not None and quote.kind == QuoteMatch.NEAR_VERBATIM
    assert 0.9 <= quote.share < 1.0
    assert PDF[quote.start : quote.end].startswith("Metformin reduced")


def test_quotes_that_change_what_the_source_says_are_not_quotes() -> None:
    assert find_quote(SENTENCE.replace("1.2", "4.8"), PDF) is None  # a number changed
    assert find_quote(SENTENCE.replace("reduced", "did not reduce"), PDF) is None
    assert find_quote("Metformin reduced HbA1c.", PDF) is None  # too short to count
    torn = "There is no evidence that metformin reduced HbA1c by 1.2 points over 24 weeks."
    assert find_quote("metformin reduced HbA1c by 1.2 points over 24 weeks", torn) is None
    assert find_quote("Sales doubled in the second quarter of the year.", PDF) is None

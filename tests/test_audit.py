"""The citation audit: ALCE arithmetic, the judge on a fixture, Markdown reports whose
references resolve by url, path and title, and the batch pairs mode."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from helpers import article_html, open_library
from loopback import LoopbackServer
from typer.testing import CliRunner

from agora.cli import app
from audit.auditor import Auditor, Candidate, CitationInput, ClaimInput
from audit.citations import recall_and_precision, relevant_citations
from audit.markdown import extract_claims, split_report
from audit.types import ClaimVerdict
from ingest.embedding import Embedder

PASSAGE = (
    "In a 2025 study of AI coding assistants, teams that adopted the assistants cut their "
    "pull-request cycle time by 31.8 percent. Review queues shrank as well. Sales teams at the "
    "same firms reported no change in pipeline conversion."
)
UNRELATED = "Feed a sourdough starter twice a day with equal weights of flour and water."


def _supports_when_all_of(required: set[str]) -> object:
    """A fake judge: the passages support the claim iff they contain every required word."""

    def supports(passages: Sequence[str], claim: str) -> bool:
        text = " ".join(passages)
        return all(word in text for word in required)

    return supports


@pytest.mark.parametrize(
    ("passages", "required", "expected"),
    [
        (["alpha"], {"alpha"}, [True]),
        (["beta"], {"alpha"}, [False]),
        (["alpha", "alpha too"], {"alpha"}, [True, True]),  # each supports alone
        (["alpha", "beta"], {"alpha"}, [True, False]),  # beta irrelevant: ALCE's rule
        (["alpha", "beta"], {"alpha", "beta"}, [True, True]),  # needed together
        (["alpha", "beta"], {"gamma"}, [False, False]),  # not jointly supported
        ([], {"alpha"}, []),
    ],
)
def test_alce_relevance(passages: list[str], required: set[str], expected: list[bool]) -> None:
    assert relevant_citations("claim", passages, _supports_when_all_of(required)) == expected  # type: ignore[arg-type]


def test_alce_totals_count_uncited_claims_against_recall() -> None:
    recall, precision = recall_and_precision([True, False, False], [[True, False], [False], []])
    assert recall == pytest.approx(1 / 3)
    assert precision == pytest.approx(1 / 3)
    assert recall_and_precision([], []) == (0.0, 0.0)


def _claim(text: str, *passages: str) -> ClaimInput:
    citations = [
        CitationInput(label=str(i), candidates=[Candidate(source=i, chunk_id=f"c{i}", text=p)])
        for i, p in enumerate(passages, 1)
    ]
    return ClaimInput(text=text, citations=citations)


def test_judge_on_a_fixture_separates_support_from_changes() -> None:
    auditor = Auditor()
    supported = _claim("AI-assisted teams cut pull-request cycle time by 31.8 percent.", PASSAGE)
    number_changed = _claim("AI-assisted teams cut pull-request cycle time by 58 percent.", PASSAGE)
    negated = _claim("AI-assisted teams did not cut pull-request cycle time.", PASSAGE)
    unrelated = _claim("AI-assisted teams cut pull-request cycle time by 31.8 percent.", UNRELATED)
    uncited = ClaimInput(text="AI-assisted teams cut pull-request cycle time by 31.8 percent.")
    audits, totals = auditor.audit([supported, number_changed, negated, unrelated, uncited])
    verdicts = [a.verdict for a in audits]
    against = (ClaimVerdict.NOT_SUPPORTED, ClaimVerdict.CONTRADICTED)
    assert verdicts[0] == ClaimVerdict.SUPPORTED
    assert verdicts[1] in against and verdicts[2] in against  # the passage says otherwise
    assert verdicts[3] == ClaimVerdict.NOT_SUPPORTED  # an unrelated passage contradicts nothing
    assert verdicts[4] == ClaimVerdict.UNCITED
    scores = [a.score for a in audits[:4]]
    assert scores[0] is not None and all(s is not None and s < scores[0] for s in scores[1:])
    assert audits[0].best_sentence and "31.8 percent" in audits[0].best_sentence
    assert audits[0].best_source == 1
    assert totals.citation_recall == pytest.approx(1 / 5)
    assert totals.citation_precision == pytest.approx(1 / 4)
    assert totals.by_verdict == dict(Counter(v.value for v in verdicts))
    assert set(totals.by_verdict) <= {"supported", "not_supported", "contradicted", "uncited"}


def test_an_irrelevant_extra_citation_lowers_precision_only() -> None:
    auditor = Auditor()
    claim = _claim(
        "AI-assisted teams cut pull-request cycle time by 31.8 percent.", PASSAGE, UNRELATED
    )
    audits, totals = auditor.audit([claim])
    assert audits[0].verdict == ClaimVerdict.SUPPORTED
    assert [c.relevant for c in audits[0].citations] == [True, False]
    assert (totals.citation_recall, totals.citation_precision) == (1.0, 0.5)


REPORT = """# Findings

AI-assisted teams cut pull-request cycle time by 31.8 percent [1].
Sales teams reported no change in pipeline conversion. [2]
Feed a sourdough starter twice a day with equal weights of flour and water [3].
The board expects a doubling of revenue from this alone [4].
A sentence without any citation at all sits here.

## References

1. AI assistants study. Example Lab. {url}
2. Local copy: {path}
3. A beginner's starter guide
4. A report nobody has in the library
"""


def test_markdown_report_references_resolve_by_url_path_and_title(
    tmp_path: Path, loopback: LoopbackServer, embedder: Embedder
) -> None:
    url = loopback.add("/study.html", article_html("AI assistants study", PASSAGE * 2).encode())
    notes = tmp_path / "sales-notes.md"
    notes.write_text("# Sales notes\n\n" + PASSAGE + " " + PASSAGE)
    guide = tmp_path / "guide.md"
    guide.write_text("# A beginner's starter guide\n\n" + UNRELATED * 4)
    report = tmp_path / "report.md"
    report.write_text(REPORT.format(url=url, path=notes))
    library = tmp_path / "lib"
    with open_library(library, embedder) as lib:
        lib.add([url, str(notes), str(guide)])

    result = CliRunner().invoke(app, ["audit", str(report), "--library", str(library), "--json"])
    assert result.exit_code == 0, result.stderr
    audit = json.loads(result.stdout)
    claims = {c["text"][:20]: c for c in audit["claims"]}
    assert [c["citations"][0]["source"] for c in audit["claims"][:3]] == [1, 2, 3]
    assert claims["AI-assisted teams cu"]["verdict"] == "supported"
    assert claims["Sales teams reported"]["verdict"] == "supported"
    unresolved = claims["The board expects a "]
    assert unresolved["verdict"] == "citation_unresolvable"
    assert "matches no library source" in unresolved["citations"][0]["problem"]
    assert claims["A sentence without a"]["verdict"] == "uncited"
    assert audit["totals"]["claims"] == 5


def test_reference_list_parsing_and_claim_extraction() -> None:
    body, references = split_report(REPORT.format(url="https://x.org/a", path="docs/a.md"))
    assert [r.number for r in references] == [1, 2, 3, 4]
    claims = extract_claims(body + "\nShort bit.\nSee [5-7] and [9, 10] for more on this.")
    assert claims[1] == ("Sales teams reported no change in pipeline conversion.", [2])
    assert ("See and for more on this.", [5, 6, 7, 9, 10]) in claims
    assert all(text != "Short bit." for text, _ in claims)
    assert all(not text.startswith("#") for text, _ in claims)


def test_missing_reference_number_is_reported_not_guessed(
    tmp_path: Path, embedder: Embedder
) -> None:
    report = tmp_path / "r.md"
    report.write_text("Claim about a thing that matters a lot [7].\n\n## Sources\n1. Something\n")
    with open_library(tmp_path / "lib", embedder) as lib:
        from audit import audit_markdown

        audit = audit_markdown(report, lib)
    (claim,) = audit.claims
    assert claim.verdict == ClaimVerdict.CITATION_UNRESOLVABLE
    assert claim.citations[0].problem == "[7] is not in the reference list"


def test_pairs_mode_prints_one_verdict_per_line(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    rows = [
        {"claim": "Teams cut pull-request cycle time by 31.8 percent.", "passage": PASSAGE},
        {"claim": "Teams cut pull-request cycle time by 31.8 percent.", "passage": UNRELATED},
    ]
    pairs.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = CliRunner().invoke(app, ["audit", "--pairs", str(pairs), "--json"])
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["verdict"] for line in lines] == ["supported", "not_supported"]
    assert lines[0]["score"] > lines[1]["score"]
    # a sentence quoted from a passage that breaks its line mid-sentence: supported, located
    wrapped = PASSAGE.replace("cut their ", "cut their\n")
    quote = "Teams that adopted the assistants cut their pull-request cycle time by 31.8 percent."
    pairs.write_text(json.dumps({"claim": quote, "passage": wrapped}) + "\n")
    quoted = CliRunner().invoke(app, ["audit", "--pairs", str(pairs), "--json"])
    (line,) = [json.loads(text) for text in quoted.stdout.splitlines()]
    assert line["verdict"] == "supported" and line["quote"]["match"] == "verbatim"
    located = wrapped[line["quote"]["start"] : line["quote"]["end"]]
    assert (
        located
        == "teams that adopted the assistants cut their\npull-request cycle time by 31.8 percent"
    )
    pairs.write_text('{"claim": "no passage"}\n')
    bad = CliRunner().invoke(app, ["audit", "--pairs", str(pairs)])
    assert bad.exit_code == 2 and "line 1" in bad.stderr


def test_a_quoted_claim_records_its_span_in_the_chunk_that_holds_it() -> None:
    wrapped = PASSAGE.replace("Review queues", "Review\nqueues")
    claim = _claim("Review queues shrank as well.", UNRELATED, wrapped)
    ((audit,), _) = Auditor().audit([claim])
    assert audit.verdict == ClaimVerdict.SUPPORTED
    assert audit.quote is not None and audit.quote.match == "verbatim"
    assert (audit.quote.chunk_id, audit.quote.source) == ("c2", 2)  # the second citation
    assert wrapped[audit.quote.start : audit.quote.end] == "Review\nqueues shrank as well"
    assert audit.model_dump(mode="json")["quote"]["match"] == "verbatim"  # as audit.json has it

"""The report's citation invariants on synthetic debates: numbering by first appearance,
every [n] resolving to one source of the research library, no cited source among the
unused, counts that add up, stable JSON round trips, complete Chinese labels, a
self-contained HTML page whose popover data covers every [n]. A hypothesis test drives
random claim/citation sets through all of it. No embedding model is needed here.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from debate.types import (
    Claim,
    Confidence,
    Debate,
    EngineInfo,
    MemberKind,
    Move,
    PanelMember,
    PassageStance,
    QuestionFrame,
    Round,
    RoundSummary,
    Turn,
    cite,
)
from report.build import build_report
from report.i18n import CATALOG, EN, ZH, placeholders
from report.render import render
from report.render_html import popover_data
from report.types import Phrase, Report
from retrieval.ledger import Ledger, LedgerSource
from retrieval.types import Advisor, Brief, Evidence

QUESTION = "Is the engineering gain an advantage or an imbalance?"
OPTIONS = ["advantage", "imbalance"]
NUMBER = re.compile(r"\[(\d+)\]")


# ---------------------------------------------------------------------------------------
# A synthetic debate


def chunk_id(source: int, index: int) -> str:
    return f"src{source:04d}:abcdef012345:{index}"


def make_debate(
    sources: int,
    chunks_per_source: int,
    plan: list[list[list[tuple[list[int], bool]]]],
    leanings: list[int],
    confidences: list[int],
    library_size: int | None = None,
) -> Debate:
    """`plan[round][advisor]` is that turn's claims: (indices into the advisor's brief,
    experience?). Advisors' briefs are rotations of the chunk pool; `leanings` gives each
    chunk -1, 0 or +1 (toward options[1], neither, options[0])."""
    pool = [chunk_id(s, i) for s in range(1, sources + 1) for i in range(chunks_per_source)]
    names = [f"Advisor {chr(65 + i)}" for i in range(len(plan[0]))]
    kinds = [MemberKind.DOMAIN] * len(names)
    if len(names) >= 3:
        kinds[-1] = MemberKind.CONTRARIAN
    panel = [
        PanelMember(advisor=Advisor(name=n, role=f"role of {n}", lens="lens"), kind=k)
        for n, k in zip(names, kinds, strict=True)
    ]
    briefs = {}
    for a, name in enumerate(names):
        keys = pool[a % len(pool) :] + pool[: a % len(pool)]
        evidence = [
            Evidence(
                key=key,
                source=int(key[3:7]),
                title=f"Source {int(key[3:7])}",
                path=f"/docs/source-{int(key[3:7])}.md",
                text=f"Passage {key}. It says something that will matter within 2 years.",
                start=0,
                end=10,
                score=1.0,
                query=QUESTION,
            )
            for key in keys[: max(1, len(keys) * 2 // 3)]
        ]
        briefs[name] = Brief(
            question=QUESTION, advisor=panel[a].advisor, queries=[QUESTION], evidence=evidence
        )
    total = library_size or sources + 2
    ledger = Ledger(
        library=[LedgerSource(number=n, title=f"Source {n}") for n in range(1, total + 1)]
    )
    for brief in briefs.values():
        ledger.record_brief(brief)
    rounds = []
    for r, turns_plan in enumerate(plan, 1):
        turns = []
        for name, claims_plan in zip(names, turns_plan, strict=True):
            brief = [item.key for item in briefs[name].evidence]
            claims = []
            for picks, experience in claims_plan:
                keys = list(dict.fromkeys(brief[i % len(brief)] for i in picks))
                if experience or not keys:
                    claims.append(
                        Claim(text=f"{name} has seen this in round {r}.", experience=True)
                    )
                else:
                    claims.append(Claim(text=f"{name} says {keys[0]} matters.", citations=keys))
            text = (
                " ".join(f"“{c.text}” " + "".join(cite(k) for k in c.citations) for c in claims)
                or "Nothing to add."
            )
            turns.append(Turn(round=r, advisor=name, move=Move.SHARE, text=text, claims=claims))
            ledger.mark_cited(k for c in claims for k in c.citations)
        rounds.append(
            Round(
                number=r, theme=f"Theme {r}", turns=turns, summary=RoundSummary(text=f"Round {r}.")
            )
        )
    stances = [
        PassageStance(
            chunk_id=key,
            leaning={1: OPTIONS[0], -1: OPTIONS[1], 0: None}[leanings[i % len(leanings)]],
            score=0.5 * leanings[i % len(leanings)],
            method="test",
        )
        for i, key in enumerate(pool)
    ]
    return Debate(
        question=QUESTION,
        created_at=datetime(2025, 11, 20, tzinfo=UTC),
        engine=EngineInfo(name="extractive"),
        frame=QuestionFrame(kind="choice", options=OPTIONS),
        panel=panel,
        themes=[f"Theme {r}" for r in range(1, len(plan) + 1)],
        rounds=rounds,
        leaning="On balance the evidence leans one way.",
        confidences=[
            Confidence(advisor=n, percent=confidences[i % len(confidences)], reason="r", method="m")
            for i, n in enumerate(names)
        ],
        stances=stances,
        ledger=ledger,
        briefs=briefs,
    )


# ---------------------------------------------------------------------------------------
# The checks every report must pass, in every format and language


def body_and_library(markdown: str, heading: str) -> tuple[str, str]:
    body, _, rest = markdown.partition(f"\n### {heading}\n")
    return body, rest


def check_report(report: Report) -> None:
    """Invariants 1 and 2, counts, round trip, HTML and zh (see the module docstring)."""
    # The citation table: numbers 1..k, one distinct source each.
    numbers = [entry.report_number for entry in report.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len({entry.library_number for entry in report.citations}) == len(numbers)
    for entry in report.citations:
        assert entry.chunks
        for chunk in entry.chunks:
            assert report.ledger.chunk_sources[chunk.chunk_id] == entry.library_number
    # Sources: cited in table order, none of them unused, counts add up.
    sources = report.sources
    cited_in_order = [e.library_number for e in report.citations]
    assert [s.library_number for s in sources.library] == cited_in_order
    assert [s.report_number for s in sources.library] == numbers
    unused = {s.library_number for s in sources.unused}
    assert not {s.library_number for s in sources.library} & unused
    assert sources.cited_count == len(sources.library)
    assert sources.unused_count == len(sources.unused)
    assert sources.cited_count + sources.unused_count == sources.retrieved_count
    assert sources.retrieved_count == len(report.ledger.retrieved_sources())
    assert report.ledger.cited_sources() == [e.library_number for e in report.citations]
    assert report.ledger.unused_sources() == [s.library_number for s in sources.unused]

    for lang in ("en", "zh"):
        markdown = render(report, "md", lang)
        heading = CATALOG[lang]["h_research_library"]
        body, library = body_and_library(markdown, heading)
        # Numbering by first appearance: each new number is the next one.
        cited = [int(n) for n in NUMBER.findall(body)]
        first = list(dict.fromkeys(cited))
        assert first == list(range(1, len(first) + 1)), first
        assert set(cited) == set(numbers)  # every number is used, and resolves
        listed = [int(m) for m in re.findall(r"^(\d+)\. ", library, re.MULTILINE)]
        assert listed == numbers
        assert "[@" not in markdown
        # The round trip through JSON renders the same text.
        again = Report.model_validate_json(report.model_dump_json())
        assert render(again, "md", lang) == markdown
        check_html(report, lang, first)


def check_html(report: Report, lang: str, order: list[int]) -> None:
    page = render(report, "html", lang)
    assert not re.search(r"<(?:script|img|iframe)[^>]+src=|<link\b|@import|url\(", page)
    assert not re.search(r"\b(?:src|href)=\"(?:https?:)?//", page.split("<h2", 1)[0])
    blob = re.search(r'<script type="application/json" id="citations">(.*?)</script>', page, re.S)
    assert blob is not None
    data = json.loads(blob.group(1))
    assert data == json.loads(json.dumps(popover_data(report)))
    anchors = re.findall(
        r'<a class="cite" href="#src-(\d+)" data-n="(\d+)" data-chunk="([^"]+)">'
        r"\[(\d+)\]</a>",
        page,
    )
    shown = [int(n) for _, n, _, _ in anchors]
    assert list(dict.fromkeys(shown)) == order
    for href, n, chunk, label in anchors:
        assert href == n == label and n in data["sources"]
        assert data["chunks"][chunk]["n"] == int(n)
        assert f'id="src-{n}"' in page
    # No citation text outside anchors: every [n] in the page's text is a link.
    text_numbers = re.findall(r">\[(\d+)\]<", page)
    assert len(text_numbers) == len(anchors)


# ---------------------------------------------------------------------------------------
# Tests


def test_catalog_is_complete_in_both_languages() -> None:
    assert EN.keys() == ZH.keys()
    for key, english in EN.items():
        assert ZH[key].strip(), key
        assert placeholders(english) == placeholders(ZH[key]), key


def test_numbers_follow_first_appearance_and_resolve() -> None:
    plan = [
        [[([2], False)], [([0, 1], False)], [([0], False), ([], True)]],
        [[([1], False)], [([3], False)], [([2], False)]],
    ]
    debate = make_debate(4, 2, plan, [1, -1, 0], [70, 40, 55])
    report = build_report(debate)
    check_report(report)
    assert report.sources.never_retrieved_count == 2
    never = report.sources.never_retrieved
    retrieved = set(report.ledger.retrieved_sources())
    assert len(never) == 2 and not {entry.library_number for entry in never} & retrieved
    # The first number in the report belongs to the first chunk cited in section order.
    markdown = render(report, "md")
    listed = markdown.split("Never retrieved into any brief (2):", 1)[1]
    for entry in never:
        name = f"Source {entry.library_number}"
        assert name in listed and entry.title == name
    first_marker = NUMBER.search(markdown)
    assert first_marker is not None and first_marker.group(1) == "1"


def test_experience_claims_show_the_advisor_and_no_number() -> None:
    plan = [[[([], True)], [([0], False)]], [[([], True)], [([1], False)]]]
    report = build_report(make_debate(2, 2, plan, [1, -1], [60, 60]))
    check_report(report)
    experience = [e for e in report.evidence if not e.statement.citations]
    assert experience and experience[0].statement.advisors == ["Advisor A"]
    markdown = render(report, "md")
    assert "Advisor A has seen this in round 1. (Advisor A)" in markdown


def test_a_report_with_no_citations_still_renders() -> None:
    plan = [[[([], True)], [([], True)]]]
    report = build_report(make_debate(2, 1, plan, [0], [50]))
    check_report(report)
    assert report.citations == [] and report.sources.cited_count == 0
    assert report.sources.unused_count == report.sources.retrieved_count == 2


def test_chinese_rendering_has_no_english_labels() -> None:
    plan = [
        [[([0], False)], [([1], False)], [([2], False)]],
        [[([3], False)], [([4], False)], [([5], False)]],
    ]
    report = build_report(make_debate(6, 1, plan, [1, -1], [80, 30, 60]))
    markdown = render(report, "md", "zh")
    headings = [EN[k] for k in EN if k.startswith("h_") or k == "title"]
    for line in markdown.splitlines():
        if line.startswith("#"):
            assert not any(h in line for h in headings), line
    for label in ("Strongest evidence", "Owner", "Derived by", "Month ", "This week", "By 20"):
        assert label not in markdown
    assert ZH["prose_untranslated"] in markdown
    assert "研究资料" in markdown and "未使用的来源" in markdown and "预测" in markdown


claims_strategy = st.lists(
    st.tuples(st.lists(st.integers(0, 20), max_size=3), st.booleans()), max_size=3
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sources=st.integers(1, 6),
    chunks=st.integers(1, 3),
    advisors=st.integers(2, 4),
    rounds=st.integers(1, 3),
    data=st.data(),
)
def test_random_claims_always_render_consistently(
    sources: int, chunks: int, advisors: int, rounds: int, data: st.DataObject
) -> None:
    plan = [[data.draw(claims_strategy) for _ in range(advisors)] for _ in range(rounds)]
    leanings = data.draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=1, max_size=5))
    confidences = data.draw(st.lists(st.integers(0, 100), min_size=1, max_size=4))
    report = build_report(make_debate(sources, chunks, plan, leanings, confidences))
    check_report(report)


def test_claims_for_the_audit_carry_numbered_chunks_and_mark_the_html() -> None:
    from audit.types import Audit, AuditTotals, ClaimAudit, ClaimVerdict
    from report.claims import report_claims

    plan = [
        [[([0], False)], [([1, 2], False)], [([], True)]],
        [[([3], False)], [([4], False)], [([5], False)]],
    ]
    report = build_report(make_debate(6, 1, plan, [1, -1, 0], [80, 30, 60]))
    claims = report_claims(report)
    numbered = {c.chunk_id for entry in report.citations for c in entry.chunks}
    assert {k for claim in claims for k in claim.chunk_ids} == numbered
    assert {claim.section for claim in claims} >= {"verdict", "predictions", "evidence", "rounds"}
    # "For X: 2 key points from 2 sources; the strongest, ...: “point”" asserts its point:
    # the audit judges the point against its passages, not the counting around it.
    sides = [s for s in report.verdict.sides if isinstance(s.text, Phrase)]
    assert sides
    for side in sides:
        point = str(side.text.args["point"]).strip("“”")  # type: ignore[union-attr]
        assert any(c.text == point and c.section == "verdict" for c in claims), point
    assert not any(c.text.startswith("For “") for c in claims)
    cited = [claim for claim in claims if claim.chunk_ids]
    audit = Audit(
        target="run",
        judge="test",
        claims=[
            ClaimAudit(text=claim.text, citations=[], verdict=ClaimVerdict.SUPPORTED)
            for claim in cited
        ],
        totals=AuditTotals(
            claims=len(cited),
            by_verdict={"supported": len(cited)},
            citations=len(cited),
            citation_recall=1.0,
            citation_precision=1.0,
        ),
    )
    page = render(report, "html", audit=audit)
    marked = re.findall(r'data-verdict="supported">(.*?)</(?:li|p)>', page, re.S)
    for claim in cited:  # every audited claim lands on an item of the page
        assert any(claim.text.split("“")[-1][:30] in html_text for html_text in marked), claim


def test_a_narrow_split_is_too_close_to_call() -> None:
    plan = [[[([0, 1], False)], [([1], False)]]]  # cites chunks 1, 2 (A) and 3 (B)
    close = build_report(make_debate(3, 1, plan, [1, 1, -1], [60, 40]))
    check_report(close)
    answer = close.verdict.answer.text
    assert close.verdict.option is None  # 2 to 1 is not a verdict
    assert isinstance(answer, Phrase) and answer.key == "verdict_close"
    assert "too close to call: 2 passages lean toward “advantage” and 1" in render(close, "md")
    # Nothing was decided that an objection could overturn: the risk is in leaning one way.
    (objection,) = [r.text for r in close.risks if isinstance(r.text, Phrase)
                    and r.text.key.startswith("risk_objection")]  # fmt: skip
    assert objection.key == "risk_objection_close" and objection.args["option"] == "advantage"
    assert "Leaning toward “advantage” would be wrong if this holds" in render(close, "md")
    clear = build_report(make_debate(3, 1, plan, [1, 1, 1], [60, 40]))
    answer = clear.verdict.answer.text
    assert clear.verdict.option == "advantage"  # 3 to 0 is
    assert isinstance(answer, Phrase) and answer.key == "verdict_answer"


def test_a_claim_neither_cited_nor_experience_is_never_evidence() -> None:
    plan = [[[([], True)], [([0], False)]]]
    debate = make_debate(2, 1, plan, [1, -1], [60, 60])
    bare = Claim(text="Everyone knows this works.", citations=[], experience=False)
    debate.rounds[0].turns[1].claims.append(bare)
    texts = [str(e.statement.text) for e in build_report(debate).evidence]
    assert any("has seen this" in t for t in texts)  # experience stays, marked
    assert not any("Everyone knows" in t for t in texts)

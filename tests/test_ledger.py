"""Ledger bookkeeping: retrieved vs cited vs unused vs never retrieved."""

from __future__ import annotations

from retrieval.ledger import Ledger, LedgerSource
from retrieval.types import Advisor, Brief, Evidence


def _brief(advisor: str, items: list[tuple[str, int]]) -> Brief:
    evidence = [
        Evidence(
            key=key, source=source, text=f"text of {key}", start=0, end=9, score=1.0, query="q"
        )
        for key, source in items
    ]
    return Brief(
        question="q",
        advisor=Advisor(name=advisor, role="r", lens="l"),
        queries=["q"],
        evidence=evidence,
    )


def test_scripted_sequence() -> None:
    ledger = Ledger(library=[LedgerSource(number=n, title=f"S{n}") for n in range(1, 7)])
    ledger.record_brief(_brief("Ana", [("c1", 1), ("c2", 2), ("c3", 2)]))
    ledger.record_brief(_brief("Ben", [("c4", 3), ("c2", 2), ("c5", 4)]))
    assert ledger.retrieved_sources() == [1, 2, 3, 4]
    assert ledger.never_retrieved() == [5, 6]
    assert ledger.unused_sources() == [1, 2, 3, 4]

    assert ledger.mark_cited(["c4", "c1"]) == []
    assert ledger.mark_cited(["c9", "c4"]) == ["c9"]  # never in a brief: refused
    assert ledger.cited == ["c4", "c1"]
    assert ledger.cited_sources() == [3, 1]  # order of first citation
    assert ledger.unused_sources() == [2, 4]
    assert set(ledger.cited_sources()).isdisjoint(ledger.unused_sources())
    assert ledger.sources_in_brief("Ana") == [1, 2]

    counts = (
        len(ledger.cited_sources()) + len(ledger.unused_sources()) + len(ledger.never_retrieved())
    )
    assert counts == len(ledger.library)


def test_ledger_round_trips_through_json() -> None:
    ledger = Ledger(library=[LedgerSource(number=1, title="A")])
    ledger.record_brief(_brief("Ana", [("c1", 1)]))
    ledger.mark_cited(["c1"])
    again = Ledger.model_validate_json(ledger.model_dump_json())
    assert again == ledger and again.cited_sources() == [1]

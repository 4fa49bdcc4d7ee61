"""Build the `Report` from a finished debate.

The sections come from the extractive builders (`report.extractive`), or, for predictions,
future paths and the deeper story, from the language model (`report.llm`) when the command
loaded one. Then citations are numbered: the body is laid out (`report.layout`) and scanned for
markers, so report numbers follow first appearance in section order (invariant 2); each
number stands for one source (invariant 1); a marker for a chunk no brief retrieved is
logged as dropped and never rendered (invariant 3).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from debate.types import Debate, DroppedCitation, EngineFallback, EngineInfo
from ingest.library import Library, LibraryError
from llm import Model
from report import extractive, outlook, story
from report.layout import Layout, markers_in
from report.reading import Reading
from report.sufficiency import coverage
from report.types import (
    CitationEntry,
    CitedChunk,
    Phrase,
    Report,
    SectionMethod,
    SectionNote,
    SourceEntry,
    Sources,
)
from retrieval.ledger import Ledger

log = logging.getLogger(__name__)

# Sections a generative model writes when the report engine is one.
LLM_SECTIONS = ("predictions", "future_paths", "deeper_story")
EXTRACTIVE_SECTIONS = (
    "verdict",
    "predictions",
    "action_plan",
    "future_paths",
    "deeper_story",
    "evidence",
    "risks",
)


def build_report(
    debate: Debate, library: Library | None = None, model: Model | None = None
) -> Report:
    """The report for `debate`; `library` supplies source metadata (author, source id).

    With a `model` (the one the command loaded), predictions, future paths and the deeper
    story are written by it; without one, by the extractive builders. Everything else is
    built from the debate either way.
    """
    reading = Reading(debate, library.embedder.embed if library is not None else None)
    run_date = debate.created_at.date()
    made = outlook.predictions(reading)
    sections: dict[str, Any] = {
        "verdict": extractive.verdict(reading),
        "predictions": made,
        "action_plan": outlook.action_plan(reading, run_date),
        "future_paths": outlook.future_paths(reading, made),
        "deeper_story": story.deeper_story(reading),
        "evidence": extractive.evidence(reading),
        "risks": extractive.risks(reading),
    }
    dropped: list[DroppedCitation] = []
    failed: list[EngineFallback] = []
    calls = []
    methods: dict[str, SectionMethod] = dict.fromkeys(EXTRACTIVE_SECTIONS, "extractive")
    # With too little evidence the model writes nothing: no predictions, no paths to invent.
    if model is not None and coverage(debate).sufficient:
        from report.llm import write_sections

        written, dropped, failed = write_sections(model, reading)
        sections.update(written)
        methods.update(dict.fromkeys(written, "llm"))
        calls = model.take_calls()
    name = _model_name(model)
    report = Report(
        question=debate.question,
        run_date=run_date,
        generated_at=datetime.now(UTC),
        **sections,
        panel=extractive.panel(debate),
        rounds=extractive.rounds(debate),
        sources=Sources(
            library=[],
            unused=[],
            retrieved_count=0,
            cited_count=0,
            unused_count=0,
            never_retrieved_count=0,
        ),
        closing=Phrase(key="closing_llm", args={"model": name})
        if model is not None
        else Phrase(key="closing_extractive"),
        citations=[],
        ledger=debate.ledger.model_copy(deep=True),
        engine=EngineInfo(
            name="llm" if model is not None else "extractive",
            settings=model.settings() if model is not None else {},
        ),
        debate_engine=debate.engine,
        generated_by=_notes(methods, name) + _fallback_notes(debate.fallbacks, failed, name),
        dropped_citations=[*debate.dropped_citations, *dropped],
        llm_calls=calls,
        fallbacks=[*debate.fallbacks, *failed],
    )
    return number_citations(report, reading, library)


def _model_name(model: Model | None) -> str:
    if model is None:
        return "-"
    settings = model.settings()
    return str(settings.get("model") or settings.get("spec") or model.spec)


def _notes(methods: dict[str, SectionMethod], model: str) -> list[SectionNote]:
    notes = []
    for section, method in methods.items():
        if method == "llm":
            note = Phrase(key="note_llm", args={"model": model})
        else:
            note = Phrase(key=f"note_{section}_extractive")
        notes.append(SectionNote(section=section, method=method, note=note))
    for section in ("panel", "rounds"):
        notes.append(SectionNote(section=section, method="debate", note=Phrase(key="note_debate")))
    return notes


def _fallback_notes(
    debate: list[EngineFallback], report: list[EngineFallback], model: str
) -> list[SectionNote]:
    """Where the model failed: on each report section it could not write, and on the
    rounds (or the panel) for each part of the debate the extractive engine wrote."""
    notes = []
    for fallback in report:
        what = f"reply for the {fallback.part.replace('_', ' ')}"
        phrase = Phrase(
            key="note_llm_fallback", args={"model": model, "what": what, "why": brief(fallback)}
        )
        notes.append(SectionNote(section=fallback.part, method="extractive", note=phrase))
    for fallback in debate:
        if fallback.part == "turn":
            what = f"turn for {fallback.advisor} in round {fallback.round}"
        elif fallback.part == "summary":
            what = f"summary of round {fallback.round}"
        else:
            what = fallback.part
        section = "panel" if fallback.part in ("panel", "confidences") else "rounds"
        phrase = Phrase(key="note_part_fallback", args={"what": what, "why": brief(fallback)})
        notes.append(SectionNote(section=section, method="debate", note=phrase))
    return notes


def brief(fallback: EngineFallback, limit: int = 240) -> str:
    """The reason, short enough for a note (report.json keeps it whole)."""
    why = " ".join(fallback.why.split())
    return why if len(why) <= limit else why[:limit].rsplit(" ", 1)[0] + " …"


def number_citations(report: Report, reading: Reading, library: Library | None) -> Report:
    """Fill in the citation table, the sources section and the ledger's citation order
    from the markers of the laid-out body (see the module docstring)."""
    ledger: Ledger = report.ledger
    order: list[str] = []
    dropped = list(report.dropped_citations)
    for chunk_id in markers_in(Layout(report).body()):
        if chunk_id in order:
            continue
        if chunk_id not in ledger.chunk_sources:
            log.warning("report cites %s, which no brief retrieved: dropped", chunk_id)
            if all(d.chunk_id != chunk_id or d.advisor != "report" for d in dropped):
                dropped.append(
                    DroppedCitation(
                        advisor="report",
                        round=0,
                        chunk_id=chunk_id,
                        why="not retrieved into any brief (the report cannot cite it)",
                    )
                )
            continue
        order.append(chunk_id)
    table: dict[int, CitationEntry] = {}  # library number -> entry, in order of first citation
    for chunk_id in order:
        number = ledger.chunk_sources[chunk_id]
        passage = reading.passages.get(chunk_id)
        entry = table.setdefault(
            number,
            CitationEntry(report_number=len(table) + 1, library_number=number, chunks=[]),
        )
        entry.chunks.append(
            CitedChunk(
                chunk_id=chunk_id,
                text=passage.text if passage else "",
                page=passage.page if passage else None,
            )
        )
    described = {
        number: describe(number, reading, library) for number in ledger.retrieved_sources()
    }
    for number, entry in table.items():
        entry.source_id = described[number].source_id
    cited = [
        described[number].model_copy(update={"report_number": entry.report_number})
        for number, entry in table.items()
    ]
    unused = [described[n] for n in ledger.retrieved_sources() if n not in table]
    titles = {source.number: source.title for source in ledger.library}
    # From the catalog, else with the title the ledger recorded.
    never = [
        _from_catalog(number, library) or SourceEntry(library_number=number, title=titles[number])
        for number in ledger.never_retrieved()
    ]
    ledger.cited = order
    sources = Sources(
        library=cited,
        unused=unused,
        retrieved_count=len(ledger.retrieved_sources()),
        cited_count=len(cited),
        unused_count=len(unused),
        never_retrieved_count=len(never),
        never_retrieved=never,
    )
    return report.model_copy(
        update={
            "citations": list(table.values()),
            "sources": sources,
            "ledger": ledger,
            "dropped_citations": dropped,
        }
    )


def _from_catalog(number: int, library: Library | None) -> SourceEntry | None:
    """A source's entry as the library's catalog has it; None without it there."""
    if library is None:
        return None
    try:
        source = library.get(number)
    except LibraryError:
        return None
    return SourceEntry(
        library_number=number,
        source_id=source.source_id,
        title=source.title,
        author=source.author,
        date=source.date,
        url=source.url,
        path=source.path,
    )


def describe(number: int, reading: Reading, library: Library | None) -> SourceEntry:
    """A source's entry from the library's catalog, or from what the briefs recorded when
    the library is not at hand (or no longer holds the source)."""
    entry = _from_catalog(number, library)
    if entry is not None:
        return entry
    seen = next((e for e in reading.passages.values() if e.source == number), None)
    return SourceEntry(
        library_number=number,
        title=seen.title if seen else None,
        date=seen.date if seen else None,
        url=seen.url if seen else None,
        path=seen.path if seen else None,
    )

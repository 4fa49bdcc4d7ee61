"""Run a debate into a folder, one round at a time, resumably.

The folder gets ``panel.json`` (who sits on the panel and the round themes),
``briefs.json`` (what each advisor was shown) and ``debate.json`` (the `Debate`: rewritten
atomically after the briefs and after every completed round). ``resume=True`` reloads
debate.json and continues after its last complete round; a round interrupted half-way is
rerun from its start.

Whatever the engine, every turn passes through `enforce_citations` before it is kept: a
citation to a chunk outside the speaker's brief is dropped and logged as a
`DroppedCitation`, never rendered, and citation-like "[n]" markers are stripped from the
text (design invariants 3 and 4).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from debate.engine import Engine, make_engine
from debate.panel import DEFAULT_PANEL_SIZE, check_names, fit_panel, load_panel_file, themes_for
from debate.stance import frame_question
from debate.types import (
    CITE,
    Claim,
    Debate,
    DroppedCitation,
    EngineInfo,
    MemberKind,
    PanelChoice,
    PanelMember,
    Round,
    Turn,
)
from ingest.library import Library
from ingest.types import SourceStatus
from retrieval.brief import build_brief, strip_markers
from retrieval.ledger import Ledger, LedgerSource
from retrieval.types import Brief

Progress = Callable[[str], None]
DEFAULT_ROUNDS = 5


class DebateError(RuntimeError):
    """A problem a user can act on (the message says how)."""


def run_debate(
    library: Library,
    question: str,
    out_dir: Path,
    *,
    rounds: int | None = None,
    engine: Engine | str | None = None,
    panel_file: Path | None = None,
    resume: bool = False,
    themes: list[str] | None = None,
    brief_k: int = 12,  # more than 5 rounds use, so what goes uncited is a real choice
    progress: Progress | None = None,
    panel_size: int = DEFAULT_PANEL_SIZE,
) -> Debate:
    """Debate `question` with evidence from `library`; files go to `out_dir`.

    `engine` is an `Engine` (`make_engine(model)`); None means the extractive engine.
    `rounds` defaults to 5 for a new debate and to the saved number on resume (a larger
    number adds rounds to a resumed debate).
    """
    say = progress or (lambda message: None)
    out_dir = Path(out_dir)
    if not resume and not library.sources(SourceStatus.OK):
        # Refused before the run folder exists: a debate over nothing is not a report.
        raise DebateError(
            f"library {library.root} has no sources: add some with "
            f"`agora library add URL-OR-PATH --library {library.root}` "
            '(or find some with `agora library discover "QUESTION"`)'
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = engine if isinstance(engine, Engine) else make_engine(engine)
    debate_path = out_dir / "debate.json"
    if debate_path.exists() and not resume:
        raise DebateError(
            f"{out_dir} already holds a debate; pass --resume to continue it, "
            "or choose another --out folder"
        )
    if resume and debate_path.exists():
        debate = load_debate(debate_path)
        if question and question.strip() != debate.question.strip():
            raise DebateError(
                f"{debate_path} is a debate about another question: {debate.question!r}"
            )
        if rounds is not None and rounds > len(debate.themes):
            debate.themes = themes_for(rounds, debate.themes)
        say(f"resuming after round {len(debate.rounds)} of {len(debate.themes)}")
    else:
        debate = start_debate(
            library,
            question,
            out_dir,
            chosen,
            rounds or DEFAULT_ROUNDS,
            panel_file,
            themes,
            brief_k,
            panel_size,
        )
        say(f"panel of {len(debate.panel)} and their briefs written to {out_dir}")
    chosen.prepare(debate, library)
    for number in range(len(debate.rounds) + 1, len(debate.themes) + 1):
        round_ = play_round(debate, chosen, number)
        debate.rounds.append(round_)
        debate.llm_calls += chosen.take_calls()
        save_json(debate_path, debate)
        say(f"round {number}/{len(debate.themes)} done ({len(round_.turns)} turns): {round_.theme}")
    if not debate.confidences:
        leaning, confidences = chosen.conclude(debate)
        debate.leaning = leaning
        debate.confidences = confidences
        debate.llm_calls += chosen.take_calls()
        save_json(debate_path, debate)
    say(f"debate written to {debate_path}")
    return debate


def start_debate(
    library: Library,
    question: str,
    out_dir: Path,
    engine: Engine,
    rounds: int,
    panel_file: Path | None,
    themes: list[str] | None,
    brief_k: int,
    panel_size: int = DEFAULT_PANEL_SIZE,
) -> Debate:
    """Panel, briefs and an empty transcript, written to disk."""
    if not question.strip():
        raise DebateError("the question is empty")
    file_themes = None
    if panel_file is not None:
        panel, file_themes = load_panel_file(panel_file)
        choice = PanelChoice(method="file", note=f"read from {panel_file}")
    else:
        proposed = engine.propose_panel(question)
        panel, choice = fit_panel(library, question, proposed, panel_size)
        check_names(panel)
    themes = themes_for(rounds, themes or file_themes)
    save_json(
        out_dir / "panel.json",
        {"question": question, "panel": panel, "panel_choice": choice, "themes": themes},
    )
    briefs = build_briefs(library, question, panel, brief_k)
    save_json(out_dir / "briefs.json", briefs)
    ledger = Ledger(
        library=[
            LedgerSource(number=source.number, title=source.title)
            for source in library.sources(SourceStatus.OK)
            if source.number is not None
        ]
    )
    for brief in briefs.values():
        ledger.record_brief(brief)
    debate = Debate(
        question=question,
        created_at=datetime.now(UTC),
        engine=EngineInfo(name=engine.name, settings=engine.settings()),
        frame=frame_question(question),
        panel=panel,
        panel_choice=choice,
        themes=themes,
        ledger=ledger,
        briefs=briefs,
        llm_calls=engine.take_calls(),
    )
    save_json(out_dir / "debate.json", debate)
    return debate


def build_briefs(
    library: Library, question: str, panel: list[PanelMember], k: int
) -> dict[str, Brief]:
    """Everyone's brief; the Contrarian's last, preferring what nobody else was shown."""
    briefs: dict[str, Brief] = {}
    for member in panel:
        if member.kind != MemberKind.CONTRARIAN:
            briefs[member.advisor.name] = build_brief(library, question, member.advisor, k=k)
    seen = {item.key for brief in briefs.values() for item in brief.evidence}
    for member in panel:
        if member.kind == MemberKind.CONTRARIAN:
            briefs[member.advisor.name] = build_brief(
                library, question, member.advisor, k=k, prefer_outside=seen
            )
    return {member.advisor.name: briefs[member.advisor.name] for member in panel}


def play_round(debate: Debate, engine: Engine, number: int) -> Round:
    """Every advisor speaks once, in panel order; then the round is summarised."""
    round_ = Round(number=number, theme=debate.themes[number - 1])
    for member in debate.panel:
        turn = engine.turn(debate, round_, member)
        turn = enforce_citations(turn, member, debate, number)
        round_.turns.append(turn)
    for turn in round_.turns:
        refused = debate.ledger.mark_cited(key for claim in turn.claims for key in claim.citations)
        if refused:  # enforce_citations kept only brief chunks, and every brief is in the ledger
            raise RuntimeError(f"citations outside every brief reached the ledger: {refused}")
    round_.summary = engine.summarize(debate, round_)
    return round_


def enforce_citations(turn: Turn, member: PanelMember, debate: Debate, number: int) -> Turn:
    """Keep only citations from the speaker's brief; log the rest; strip fake markers."""
    name = member.advisor.name
    allowed = debate.briefs[name].chunk_ids()
    dropped: dict[str, DroppedCitation] = {}

    def keep(key: str) -> bool:
        if key in allowed:
            return True
        dropped.setdefault(
            key,
            DroppedCitation(
                advisor=name,
                round=number,
                chunk_id=key,
                why=f"not in {name}'s brief (the engine cited something it was not shown)",
            ),
        )
        return False

    claims = []
    for claim in turn.claims:
        citations = list(dict.fromkeys(key for key in claim.citations if keep(key)))
        text = clean_text(CITE.sub("", claim.text))
        if text:
            experience = claim.experience and not citations
            claims.append(Claim(text=text, citations=citations, experience=experience))
    text = CITE.sub(lambda m: m.group(0) if keep(m.group(1)) else "", turn.text)
    responds_to = turn.responds_to
    if responds_to is not None and responds_to.advisor not in debate.briefs:
        responds_to = None
    debate.dropped_citations.extend(dropped.values())
    return turn.model_copy(
        update={
            "round": number,
            "advisor": name,
            "text": clean_text(text),
            "claims": claims,
            "responds_to": responds_to,
        }
    )


def clean_text(text: str) -> str:
    """Engine prose with citation-like '[n]' markers removed: only [@chunk_id] cites."""
    return " ".join(strip_markers(text).split())


def load_debate(path: Path) -> Debate:
    try:
        return Debate.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        raise DebateError(f"cannot resume from {path}: {exc}") from exc


def save_json(path: Path, data: Any) -> None:
    """Write JSON atomically, so an interrupted run never leaves half a file."""
    payload = _jsonable(data)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _jsonable(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, dict):
        return {key: _jsonable(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_jsonable(value) for value in data]
    return data

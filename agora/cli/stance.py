"""`agora stance`: which option a passage leans to (the stance model), and with
`--relevance` how relevant it is (the reader model: a second, slower pass).

    agora stance "QUESTION" --passage "TEXT" [--passage ...] [--relevance] [--json]
    agora stance --pairs pairs.jsonl --json     # {"question", "passage"} per line

When the model file is missing, the keyword heuristic of debate/stance.py answers instead,
with a warning, and every record says which method was used.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from agora.cli.common import JsonOption, app, err, fail, out, print_json, quick_exit_when_done

HEURISTIC = "keyword heuristic (debate/stance.py; the reader model file is missing)"
MODEL = {"stance model": "stance model, relevance by the reader model", "reader": "reader model"}
STANCE_ONLY = {"stance model": "stance model", "reader": "reader model"}


@app.command("stance")
def stance_command(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    passage: Annotated[
        list[str] | None,
        typer.Option("--passage", help="A passage to read (repeatable; '-' reads stdin)."),
    ] = None,
    pairs: Annotated[
        Path | None,
        typer.Option("--pairs", help='A JSONL file: {"question": ..., "passage": ...} per line.'),
    ] = None,
    relevance: Annotated[
        bool,
        typer.Option(
            "--relevance",
            help="Also rate how relevant each passage is (the reader model; about 3x slower).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Which option each passage leans to (or no side), with probabilities."""
    quick_exit_when_done()  # it opens no library and starts no process: nothing to tear down
    if pairs is not None:
        if question is not None or passage:
            fail("give either --pairs FILE, or a question with --passage")
        _pairs_mode(pairs, as_json, relevance)
        return
    if question is None or not passage:
        fail('give a question and --passage "TEXT", or --pairs FILE')
    texts: list[str | bytes] = [sys.stdin.buffer.read() if p == "-" else p for p in passage]
    records = _read([(question, text) for text in texts], relevance)
    for record in records:
        if "error" in record:
            fail(record["error"])
    if as_json:
        print_json(records[0] if len(records) == 1 else records)
        return
    for record in records:
        _print_record(record)


def _pairs_mode(path: Path, as_json: bool, relevance: bool) -> None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    good: list[tuple[int, str, str]] = []
    broken: list[tuple[int, str]] = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        parsed = _parse_pair(line)
        if isinstance(parsed, str):
            broken.append((number, parsed))
        else:
            good.append((number, *parsed))
    records = _read([(q, p) for _, q, p in good], relevance)
    results = {number: record for (number, _, _), record in zip(good, records, strict=True)}
    results.update({number: {"error": message} for number, message in broken})
    failures = 0
    for number in sorted(results):
        record = {"line": number, **results[number]}
        if "error" in record:
            failures += 1
            err.print(
                f"[bold red]error:[/] {path}, line {number}: {record['error']}", soft_wrap=True
            )
        if as_json:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif "error" not in record:
            out.print(f"[bold]line {number}[/]", highlight=False)
            _print_record(record)
    if failures:
        err.print(f"{failures} of {len(results)} lines could not be read; the rest are answered")
        raise typer.Exit(1)


def _parse_pair(line: bytes) -> tuple[str, str] | str:
    """(question, passage), or why the line cannot be read."""
    text = line.decode("utf-8", errors="replace")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not a JSON object ({exc.msg})"
    if not isinstance(value, dict):
        return 'not a JSON object with "question" and "passage"'
    question, passage = value.get("question"), value.get("passage")
    if not isinstance(question, str) or not question.strip():
        return 'no "question" (or it is empty)'
    if not isinstance(passage, str) or not passage.strip():
        return 'no "passage" (or it is empty)'
    return question, passage


def _read(pairs: list[tuple[str, str | bytes]], relevance: bool) -> list[dict[str, Any]]:
    """One record per pair: the trained models' reading, or the heuristic's without them."""
    from reader import Reader, ReaderInputError, ReaderModelMissing

    try:
        reader = Reader.load()
    except ReaderModelMissing as exc:
        err.print(f"[yellow]warning:[/] {exc}; using the keyword heuristic", soft_wrap=True)
        return [_heuristic(q, p) for q, p in pairs]
    records: list[dict[str, Any]] = []
    readable = []
    for index, (question, passage) in enumerate(pairs):
        try:
            _check(question, passage)
            readable.append(index)
        except ReaderInputError as exc:
            records.append({"error": str(exc)})
            continue
        records.append({})
    readings = reader.read_pairs([pairs[i] for i in readable], relevance=relevance)
    method = MODEL[reader.stance_source] if relevance else STANCE_ONLY[reader.stance_source]
    for index, reading in zip(readable, readings, strict=True):
        records[index] = {**reading.as_json(), "method": method}
    return records


def _check(question: str, passage: str | bytes) -> None:
    from reader.reader import clean_text

    clean_text(question, "question")
    clean_text(passage, "passage")


def _heuristic(question: str, passage: str | bytes) -> dict[str, Any]:
    from debate.stance import frame_question, read_stances
    from reader.reader import ReaderInputError, clean_text

    try:
        q_text, _ = clean_text(question, "question")
        p_text, notes = clean_text(passage, "passage")
    except ReaderInputError as exc:
        return {"error": str(exc)}
    frame = frame_question(q_text)
    stance = read_stances(frame, {"p": p_text})["p"]
    record: dict[str, Any] = {
        "options": frame.options,
        "leaning": stance.leaning,
        "probabilities": {},
        "relevance": None,
        "score": stance.score,
        "method": HEURISTIC,
    }
    if notes:
        record["notes"] = notes
    return record


def _print_record(record: dict[str, Any]) -> None:
    leaning = record["leaning"] or "no side"
    out.print(f"leans: [bold]{leaning}[/]   (options: {' / '.join(record['options'])})")
    if record["probabilities"]:
        shares = ", ".join(f"{k} {v:.0%}" for k, v in record["probabilities"].items())
        out.print(f"probabilities: {shares}", highlight=False)
    if record.get("relevance") is not None:
        out.print(f"relevance: {record['relevance']:.2f}", highlight=False)
    out.print(f"method: {record['method']}", highlight=False)
    for note in record.get("notes", []):
        out.print(f"note: {note}", highlight=False)
    out.print()

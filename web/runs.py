"""The runs folder: one sub-folder per debate, named by a strict pattern.

A run name reaches the file system from a URL, so it is checked twice: against a pattern
that has no dots, slashes or backslashes at all (so no `..`, no hidden files, no absolute
paths), and by resolving the path (symlinks included) and requiring that it stays inside
the runs folder.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
RUN_NAME_HELP = "1-80 characters: letters, digits, '-' and '_', starting with a letter or digit"


class RunNameError(ValueError):
    """A run name that is malformed or would leave the runs folder."""


class RunInfo(BaseModel):
    """A run folder, summarised for the list of runs."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Folder name; the run's id in URLs.")
    question: str | None = Field(None, description="The decision question.")
    created_at: datetime | None = Field(None, description="When the debate began (UTC).")
    rounds_done: int = Field(0, description="Rounds finished.")
    rounds_total: int = Field(0, description="Rounds planned.")
    engine: str | None = Field(
        None, description="Engine that wrote the debate: 'extractive' or 'llm SPEC'."
    )
    has_report: bool = Field(False, description="report.json exists.")
    has_audit: bool = Field(False, description="audit.json exists.")
    verdict_status: str | None = Field(
        None,
        description="The report's verdict status: leans, too_close or insufficient_evidence.",
    )
    verdict_option: str | None = Field(None, description="The option it leans to, if any.")


class RunStore:
    """Run folders under one root (by default `<library>/runs`)."""

    def __init__(self, root: Path):
        self.root = Path(root).expanduser().resolve()

    def path(self, name: str) -> Path:
        """The folder of run `name`; RunNameError if the name is not acceptable."""
        if not RUN_NAME.fullmatch(name):
            raise RunNameError(f"invalid run name {name!r}: {RUN_NAME_HELP}")
        path = (self.root / name).resolve()
        if path.parent != self.root:  # a symlinked run folder pointing elsewhere
            raise RunNameError(f"run {name!r} is not inside {self.root}")
        return path

    def existing(self, name: str) -> Path | None:
        """The folder of an existing run, or None."""
        path = self.path(name)
        return path if path.is_dir() else None

    def new_name(
        self, question: str, now: datetime | None = None, taken: set[str | None] | None = None
    ) -> str:
        """A fresh name: time stamp and the question's first words (avoiding folders that
        exist and the `taken` names of runs still waiting to start)."""
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        words = re.findall(r"[A-Za-z0-9]+", question.lower())[:6]
        base = "-".join([stamp, *words])[:72].rstrip("-")
        name, suffix = base, 2
        while (self.root / name).exists() or name in (taken or set()):
            name, suffix = f"{base}-{suffix}", suffix + 1
        return name

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            (
                p.name
                for p in self.root.iterdir()
                if p.is_dir() and not p.is_symlink() and RUN_NAME.fullmatch(p.name)
            ),
            reverse=True,
        )

    def info(self, name: str) -> RunInfo:
        path = self.path(name)
        fields: dict[str, object] = {
            "name": name,
            "has_report": (path / "report.json").is_file(),
            "has_audit": (path / "audit.json").is_file(),
        }
        try:
            debate = json.loads((path / "debate.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            debate = {}  # still starting (no debate.json yet), or unreadable
        if isinstance(debate, dict) and debate:
            fields["question"] = debate.get("question")
            fields["created_at"] = debate.get("created_at")
            fields["rounds_done"] = len(debate.get("rounds") or [])
            fields["rounds_total"] = len(debate.get("themes") or [])
            fields["engine"] = _engine_label(debate.get("engine"))
        fields.update(_verdict(path / "report.json"))
        return RunInfo.model_validate(fields)

    def list(self) -> list[RunInfo]:
        return [self.info(name) for name in self.names()]


def _engine_label(engine: object) -> str | None:
    """'extractive', or 'llm SPEC' for a model engine (as /api/health names it)."""
    if not isinstance(engine, dict):
        return None
    name, spec = engine.get("name"), (engine.get("settings") or {}).get("spec")
    return f"{name} {spec}" if name and spec else name


def _verdict(path: Path) -> dict[str, object]:
    """The verdict's status and option from report.json (nothing while it is missing or
    unreadable: the list shows the run as in progress or without a report)."""
    try:
        verdict = json.loads(path.read_text(encoding="utf-8")).get("verdict") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(verdict, dict):
        return {}
    return {"verdict_status": verdict.get("status"), "verdict_option": verdict.get("option")}

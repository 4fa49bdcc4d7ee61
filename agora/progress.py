"""Rich progress bars for the terminal; silent when output is not a terminal."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class RichProgress:
    """One bar per phase; implements `ingest.progress.Progress`."""

    def __init__(self, console: Console):
        self._bars = Progress(
            TextColumn("{task.description:>8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._bars.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._bars.stop()

    def start(self, phase: str, total: int) -> None:
        self._tasks[phase] = self._bars.add_task(phase, total=total)

    def advance(self, phase: str, amount: int = 1) -> None:
        self._bars.advance(self._tasks[phase], amount)

    def grow(self, phase: str, amount: int) -> None:
        task = self._tasks[phase]
        current = self._bars.tasks[self._bars.task_ids.index(task)].total or 0
        self._bars.update(task, total=current + amount)

"""Background jobs: adds, debates and audits run one at a time on one worker thread.

Why one worker: an embedded library has one writer at a time (its lock file), report and
audit files are written with pid-named temporary files, and on two cores a second debate
would only halve the speed of the first. So a job that arrives while another runs waits
in a first-in-first-out queue instead of failing; the queue is bounded (a full queue
answers 429) so a client cannot pile up unbounded work.

The worker opens its own `Library` (SQLite connections belong to the thread that made
them) and keeps it between jobs, so the BM25 index and the Chroma client load once.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ingest import Library

log = logging.getLogger(__name__)

MAX_WAITING = 16  # queued jobs at most; one more is refused with 429
KEEP_FINISHED = 200  # finished jobs remembered for their status endpoints
MAX_MESSAGES = 500  # progress messages kept per job


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Phase(BaseModel):
    """One measurable part of a job: sources fetched, chunks embedded, rounds played."""

    model_config = ConfigDict(extra="forbid")

    done: int = Field(0, description="Units finished so far.")
    total: int = Field(0, description="Units expected (0 while unknown).")


class JobView(BaseModel):
    """A job as the API shows it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Job id, for /api/jobs/{id} and its event stream.")
    kind: str = Field(description="add, debate or audit.")
    title: str = Field(description="What the job does, for a person.")
    state: JobState = Field(description="queued, running, done or failed.")
    position: int | None = Field(None, description="Jobs ahead of it, while queued.")
    created_at: datetime = Field(description="When it was submitted (UTC).")
    started_at: datetime | None = Field(None, description="When it began running.")
    finished_at: datetime | None = Field(None, description="When it ended.")
    progress: dict[str, Phase] = Field(
        default_factory=dict, description="Phases: fetch/extract/embed, or rounds."
    )
    messages: list[str] = Field(default_factory=list, description="Progress lines, in order.")
    run: str | None = Field(None, description="The run folder a debate or audit works on.")
    result: dict[str, Any] | None = Field(None, description="What a finished job produced.")
    error: str | None = Field(None, description="Why it failed, for a person.")
    version: int = Field(0, description="Grows with every change; event streams compare it.")


Work = Callable[[Library, "Job"], dict[str, Any]]


class Job:
    """One unit of background work and what is known about it so far (thread-safe)."""

    def __init__(
        self,
        kind: str,
        title: str,
        work: Work,
        run: str | None = None,
        phases: dict[str, Phase] | None = None,
    ):
        self.id = uuid.uuid4().hex[:12]
        self.work = work
        self._lock = threading.Lock()
        self._view = JobView(
            id=self.id,
            kind=kind,
            title=title,
            state=JobState.QUEUED,
            created_at=datetime.now(UTC),
            run=run,
            progress=dict(phases or {}),
        )

    def view(self) -> JobView:
        with self._lock:
            return self._view.model_copy(deep=True)

    @property
    def finished(self) -> bool:
        return self._view.state in (JobState.DONE, JobState.FAILED)

    def _update(self, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self._view, key, value)
            self._view.version += 1

    def say(self, message: str) -> None:
        """Record a progress line (shown by the page as it arrives)."""
        with self._lock:
            self._view.messages = [*self._view.messages, message][-MAX_MESSAGES:]
            self._view.version += 1

    def phase(self, name: str, done: int | None = None, total: int | None = None) -> None:
        """Set a phase's counters (either may be left as it is)."""
        with self._lock:
            current = self._view.progress.get(name, Phase())
            self._view.progress = {
                **self._view.progress,
                name: Phase(
                    done=current.done if done is None else done,
                    total=current.total if total is None else total,
                ),
            }
            self._view.version += 1

    def advance(self, name: str, amount: int = 1) -> None:
        with self._lock:
            current = self._view.progress.get(name, Phase())
            self._view.progress = {
                **self._view.progress,
                name: Phase(done=current.done + amount, total=max(current.total, 0)),
            }
            self._view.version += 1


class JobProgress:
    """`ingest.progress.Progress` that reports into a job (fetch, extract, embed)."""

    def __init__(self, job: Job):
        self.job = job

    def start(self, phase: str, total: int) -> None:
        self.job.phase(phase, done=0, total=total)

    def advance(self, phase: str, amount: int = 1) -> None:
        self.job.advance(phase, amount)

    def grow(self, phase: str, amount: int) -> None:
        total = self.job.view().progress.get(phase, Phase()).total
        self.job.phase(phase, total=total + amount)


class QueueFull(RuntimeError):
    """Too many jobs are waiting already."""


class JobQueue:
    """A FIFO of jobs and the single worker thread that runs them."""

    def __init__(self, open_library: Callable[[], Library]):
        self._open_library = open_library
        self._library: Library | None = None
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        # Held while a job runs; synchronous writes (removing a source) take it too, so
        # nothing writes the library beside a running job.
        self.writer = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="agora-jobs", daemon=True)
        self._thread.start()

    def submit(
        self,
        kind: str,
        title: str,
        work: Work,
        run: str | None = None,
        phases: dict[str, Phase] | None = None,
    ) -> Job:
        """Queue `work`; `phases` are the counters it will advance, shown from the first
        event on (a client that subscribes while the job waits sees "rounds 0/2", not a
        job without rounds)."""
        with self._lock:
            waiting = sum(1 for job in self._jobs.values() if job.view().state == JobState.QUEUED)
            if waiting >= MAX_WAITING:
                raise QueueFull(
                    f"{waiting} jobs are already waiting; try again when some have finished"
                )
            job = Job(kind, title, work, run, phases)
            self._jobs[job.id] = job
            self._forget_old()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def views(self) -> list[JobView]:
        """Every remembered job, newest first, with queue positions filled in."""
        with self._lock:
            jobs = list(self._jobs.values())
        views = [job.view() for job in jobs]
        waiting = sorted(
            (v for v in views if v.state == JobState.QUEUED), key=lambda v: v.created_at
        )
        for position, view in enumerate(waiting):
            view.position = position
        return sorted(views, key=lambda v: v.created_at, reverse=True)

    def view(self, job_id: str) -> JobView | None:
        for view in self.views():
            if view.id == job_id:
                return view
        return None

    def active(self) -> list[JobView]:
        """Jobs queued or running."""
        return [v for v in self.views() if v.state in (JobState.QUEUED, JobState.RUNNING)]

    def close(self, timeout: float = 5.0) -> None:
        """Stop after the running job (queued ones are dropped)."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _forget_old(self) -> None:
        finished = [job for job in self._jobs.values() if job.finished]
        for job in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job.id]

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                break
            with self.writer:
                self._run(job)
        if self._library is not None:
            self._library.close()

    def _run(self, job: Job) -> None:
        job._update(state=JobState.RUNNING, started_at=datetime.now(UTC))
        try:
            if self._library is None:
                self._library = self._open_library()
            result = job.work(self._library, job)
        except Exception as exc:  # a job's failure is data for its status endpoint
            log.warning("job %s (%s) failed", job.id, job.view().kind, exc_info=True)
            job._update(state=JobState.FAILED, error=_reason(exc), finished_at=datetime.now(UTC))
            return
        job._update(state=JobState.DONE, result=result, finished_at=datetime.now(UTC))


def _reason(exc: Exception) -> str:
    """The message of an error we expect (they are written for people), or its type."""
    message = str(exc).strip()
    return message or type(exc).__name__

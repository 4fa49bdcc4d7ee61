"""Debates, their run folders, reports, audits, and the jobs behind them."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from ingest import Library
from ingest.types import SourceStatus
from report.export_files import MEDIA as EXPORT_MEDIA
from web.jobs import Job, JobView, Phase
from web.models import StartDebate
from web.routes_library import Space, submit_job
from web.runs import RunInfo, RunNameError
from web.workspace import Workspace

router = APIRouter(prefix="/api", tags=["debates"])
ROUND_DONE = re.compile(r"^round (\d+)/(\d+) done")
EVENT_POLL = 0.25  # seconds between looks at a job while streaming its events
MEDIA: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json; charset=utf-8",
}
MEDIA.update({str(fmt): media for fmt, media in EXPORT_MEDIA.items()})
ReportFormat = Literal["md", "html", "json", "pdf", "docx"]
# A report opened in the browser runs its own small inline script (the [n] popovers)
# and nothing else.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def _run_path(space: Workspace, name: str, *, must_exist: bool = True) -> Path:
    try:
        path = space.runs.path(name)
    except RunNameError as exc:
        raise HTTPException(400, str(exc)) from exc
    if must_exist and not path.is_dir():
        raise HTTPException(404, f"there is no run named {name!r}")
    return path


@router.post(
    "/debates",
    status_code=202,
    response_model=JobView,
    summary="Start a debate (a background job; the report is written when it ends)",
)
async def start_debate(body: StartDebate, space: Space) -> JobView:
    pending = {v.run for v in space.jobs.active()}
    name = body.name or space.runs.new_name(body.question, taken=pending)
    run_dir = _run_path(space, name, must_exist=False)
    if run_dir.exists() or name in pending:
        raise HTTPException(409, f"a run named {name!r} exists already; choose another name")
    question, rounds = body.question.strip(), body.rounds
    if not await space.read(lambda library: library.sources(SourceStatus.OK)):
        # Refused before a job or a run folder exists (as `agora debate` refuses).
        raise HTTPException(
            409, "the library has no sources: add some (Sources, above) before a debate"
        )
    model, engine = space.llm, space.engine

    def work(library: Library, job: Job) -> dict[str, Any]:
        # As `agora debate [--llm SPEC]`: the pipeline from question to report (with a
        # model, the report's model sections and the Chinese prose translated).
        from agora.pipeline import Pipeline

        job.say(f"engine: {engine}")

        def progress(message: str) -> None:
            job.say(message)
            if match := ROUND_DONE.match(message):
                job.phase("rounds", done=int(match[1]), total=int(match[2]))

        pipeline = Pipeline(library, model.model if model else None, progress=progress)
        debate = pipeline.run(question, run_dir, rounds=rounds).debate
        job.say("report written")
        return {
            "run": name,
            "engine": engine,
            "rounds": len(debate.rounds),
            "cited_sources": len(debate.ledger.cited_sources()),
            "unused_sources": len(debate.ledger.unused_sources()),
        }

    rounds_phase = {"rounds": Phase(done=0, total=rounds)}
    return submit_job(space, "debate", f"Debate: {question}", work, name, rounds_phase)


@router.get("/runs", response_model=list[RunInfo], summary="Every run, newest first")
async def list_runs(space: Space) -> list[RunInfo]:
    return await asyncio.to_thread(space.runs.list)


@router.get("/runs/{name}", response_model=RunInfo, summary="One run")
async def show_run(name: str, space: Space) -> RunInfo:
    _run_path(space, name)
    return await asyncio.to_thread(space.runs.info, name)


@router.get(
    "/runs/{name}/report",
    summary="The run's report as Markdown, HTML, JSON, PDF or Word, in English or Chinese",
    responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA.values()}}},
)
async def get_report(
    name: str,
    space: Space,
    format: Annotated[ReportFormat, Query(description="md, html, json, pdf, docx")] = "html",
    lang: Annotated[Literal["en", "zh"], Query(description="en or zh")] = "en",
    download: Annotated[bool, Query(description="As an attachment.")] = False,
) -> Response:
    run_dir = _run_path(space, name)
    body = await asyncio.to_thread(_render, run_dir, format, lang)
    headers = {}
    if download or format in ("pdf", "docx"):
        lang_part = "" if lang == "en" or format == "json" else f".{lang}"
        headers["Content-Disposition"] = f'attachment; filename="{name}{lang_part}.{format}"'
    if format == "html":
        headers["Content-Security-Policy"] = REPORT_CSP
    return Response(body, media_type=MEDIA[format], headers=headers)


def _render(run_dir: Path, fmt: ReportFormat, lang: str) -> str | bytes:
    """Rendered now, so the HTML always shows the latest audit; in another language, with
    the translations the run keeps (a model translated them when the debate ended). PDF
    and Word are built from the same report, audit and translations."""
    from agora.pipeline import Pipeline
    from report.export_files import ExportError
    from report.files import REPORT, ReportError

    if not (run_dir / REPORT).is_file():
        raise HTTPException(
            404, "this run has no report yet (is its debate still running, or did it fail?)"
        )
    try:
        return Pipeline(None).render_one(run_dir, fmt, lang)
    except ReportError as exc:
        raise HTTPException(500, str(exc)) from exc
    except ExportError as exc:  # a system package missing on the server: it says which
        raise HTTPException(503, str(exc)) from exc


@router.get("/runs/{name}/audit", summary="The run's audit (audit.json)")
async def get_audit(name: str, space: Space) -> Response:
    path = _run_path(space, name) / "audit.json"
    if not path.is_file():
        raise HTTPException(404, "this run has not been audited yet: POST to this address")
    return Response(path.read_bytes(), media_type="application/json")


@router.post(
    "/runs/{name}/audit",
    status_code=202,
    response_model=JobView,
    summary="Audit the run's report, claim by claim (a background job)",
)
async def start_audit(name: str, space: Space) -> JobView:
    run_dir = _run_path(space, name)
    if not (run_dir / "report.json").is_file():
        raise HTTPException(409, "this run has no report yet; wait for its debate to finish")

    model = space.llm

    def work(library: Library, job: Job) -> dict[str, Any]:
        # As `agora audit RUN [--llm SPEC]`: the LLM judge when the server has a model.
        from agora.pipeline import Pipeline

        judge = model.judge() if model else None
        audit = Pipeline(library, judge=judge, progress=job.say).audit(run_dir)
        totals = audit.totals
        judged = f" (judge: {audit.judge})" if model else ""
        job.say(
            f"{totals.claims} claims: citation recall {totals.citation_recall:.0%}, "
            f"precision {totals.citation_precision:.0%}{judged}"
        )
        return {"run": name, "judge": audit.judge, "totals": totals.model_dump(mode="json")}

    return submit_job(space, "audit", f"Audit {name}", work, name)


jobs_router = APIRouter(prefix="/api", tags=["jobs"])


@jobs_router.get("/jobs", response_model=list[JobView], summary="Recent jobs, newest first")
async def list_jobs(space: Space) -> list[JobView]:
    return space.jobs.views()


@jobs_router.get("/jobs/{job_id}", response_model=JobView, summary="A job's state and progress")
async def show_job(job_id: str, space: Space) -> JobView:
    view = space.jobs.view(job_id)
    if view is None:
        raise HTTPException(404, f"there is no job {job_id!r}")
    return view


@jobs_router.get(
    "/jobs/{job_id}/events",
    summary="A job's progress as Server-Sent Events (one 'job' event per change)",
    response_class=StreamingResponse,
)
async def job_events(job_id: str, space: Space, request: Request) -> Response:
    if space.jobs.get(job_id) is None:
        return JSONResponse({"detail": f"there is no job {job_id!r}"}, status_code=404)

    async def stream() -> AsyncIterator[str]:
        seen = -1
        while not await request.is_disconnected():
            view = space.jobs.view(job_id)
            if view is None:
                return
            if view.version != seen:
                seen = view.version
                yield f"event: job\ndata: {json.dumps(view.model_dump(mode='json'))}\n\n"
            if view.state in ("done", "failed"):
                return
            await asyncio.sleep(EVENT_POLL)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

"""Library endpoints: list, show, add (URLs or uploads), remove, search."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile

from ingest import Library, LibraryError, SourceRequest
from ingest.local import SUPPORTED_EXTENSIONS
from ingest.locations import check_location, is_url
from retrieval.types import Passage, SearchFilters
from web.jobs import Job, JobProgress, JobView, Phase, QueueFull, Work
from web.models import AddUrls, ChunkSpan, SourceDetail, SourceList
from web.workspace import Workspace

router = APIRouter(prefix="/api", tags=["library"])
UPLOAD_PATH = "/api/sources/upload"
MAX_FILES = 20
COPY_BLOCK = 1024 * 1024


def workspace(request: Request) -> Workspace:
    return request.app.state.workspace


Space = Annotated[Workspace, Depends(workspace)]


def library_error(exc: LibraryError) -> HTTPException:
    """LibraryError messages are written for people; the lock message means 'busy'."""
    busy = "one writer per library" in str(exc)
    return HTTPException(409 if busy else 400, str(exc))


@router.get("/sources", response_model=SourceList, summary="Every source of the library")
async def list_sources(space: Space) -> SourceList:
    sources = await space.read(lambda lib: lib.sources())
    return SourceList(sources=sources, busy=bool(space.jobs.active()))


@router.get(
    "/sources/{number}",
    response_model=SourceDetail,
    summary="A source's metadata, extracted text and chunk boundaries",
)
async def show_source(number: int, space: Space) -> SourceDetail:
    def detail(lib: Library) -> SourceDetail:
        source = lib.get(number)
        text, pages = lib.text(source)
        chunks = [
            ChunkSpan(
                chunk_id=c.chunk_id,
                index=c.index,
                start=c.start,
                end=c.end,
                page=c.page,
                section=c.section,
            )
            for c in lib.chunks(source)
        ]
        return SourceDetail(source=source, text=text, pages=pages, chunks=chunks)

    try:
        return await space.read(detail)
    except LibraryError as exc:
        raise HTTPException(404, str(exc)) from exc


@router.post(
    "/sources",
    status_code=202,
    response_model=JobView,
    summary="Add sources by URL (a background job)",
)
async def add_urls(body: AddUrls, space: Space) -> JobView:
    bad = [url for url in body.urls if not is_url(url.strip())]
    if bad:
        raise HTTPException(
            422, f"only http(s) URLs can be added here (upload files instead): {bad[0]!r}"
        )
    for url in body.urls:
        try:
            check_location(url.strip())  # "http://": refused here, not in the job
        except LibraryError as exc:
            raise HTTPException(422, str(exc)) from exc
    metadata = {"title": body.title, "author": body.author, "date": body.date}
    if len(body.urls) > 1 and any(metadata.values()):
        raise HTTPException(422, "title, author and date can be given for one URL only")
    requests = [SourceRequest(location=url.strip(), **metadata) for url in body.urls]
    title = body.urls[0] if len(body.urls) == 1 else f"{len(body.urls)} URLs"
    return _submit_add(space, requests, f"Add {title}")


@router.post(
    "/sources/upload",
    status_code=202,
    response_model=JobView,
    summary="Upload files (PDF, HTML, Markdown, text) and add them (a background job)",
)
async def upload(
    space: Space,
    files: Annotated[list[UploadFile], File(description="The files to add.")],
    title: Annotated[str | None, Form(max_length=500, description="Title (one file)")] = None,
) -> JobView:
    if len(files) > MAX_FILES:
        raise HTTPException(422, f"at most {MAX_FILES} files per upload")
    if title and len(files) > 1:
        raise HTTPException(422, "a title can be given for one file only")
    requests = []
    for upload_file in files:
        path = await _store_upload(space, upload_file)
        requests.append(SourceRequest(location=str(path), title=title or None))
    names = ", ".join(Path(r.location).name for r in requests)
    return _submit_add(space, requests, f"Upload {names}")


@router.post(
    "/sources/references",
    status_code=202,
    response_model=JobView,
    summary="Add the entries of a reference manager's export: BibTeX, RIS or CSL-JSON "
    "(a background job); each entry's URL or DOI is fetched",
)
async def upload_references(
    space: Space,
    file: Annotated[UploadFile, File(description="A .bib, .ris or CSL-JSON .json export.")],
) -> JobView:
    from ingest.references import REFERENCE_SUFFIXES, read_references

    path = await _store_upload(space, file, REFERENCE_SUFFIXES)
    try:
        # Attached files are paths on the uploader's computer: never read from this disk.
        requests = read_references(path, local_files=False)
    except LibraryError as exc:
        raise HTTPException(422, str(exc)) from exc
    if requests is None:
        raise HTTPException(
            422, f"{path.name} is not a BibTeX, RIS or CSL-JSON export (CSL-JSON is a list)"
        )
    return _submit_add(space, requests, f"References from {path.name}")


def safe_filename(name: str | None) -> str:
    """A file name that is only a name: no folders, no leading dots, plain characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")[-120:]
    return cleaned or "upload"


async def _store_upload(
    space: Space, upload_file: UploadFile, suffixes: frozenset[str] = SUPPORTED_EXTENSIONS
) -> Path:
    """Copy an upload into <library>/uploads/<content hash>/<name>: the same file uploaded
    twice lands on the same path, so re-adding it is idempotent like any other source."""
    name = safe_filename(upload_file.filename)
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise HTTPException(
            415,
            f"{name}: unsupported file type; upload {', '.join(sorted(suffixes))}",
        )
    limit = space.settings.max_download_bytes
    space.uploads.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=space.uploads, delete=False, suffix=".part") as tmp:
        staged = Path(tmp.name)
        try:
            while block := await upload_file.read(COPY_BLOCK):
                size += len(block)
                if size > limit:
                    raise HTTPException(
                        413, f"{name} is larger than the {limit // (1024 * 1024)} MB limit"
                    )
                digest.update(block)
                tmp.write(block)
        except BaseException:
            tmp.close()
            staged.unlink(missing_ok=True)
            raise
    folder = space.uploads / digest.hexdigest()[:16]
    folder.mkdir(exist_ok=True)
    target = folder / name
    staged.replace(target)
    return target


def _submit_add(space: Workspace, requests: list[SourceRequest], title: str) -> JobView:
    def work(library: Library, job: Job) -> dict[str, Any]:
        job.say(f"adding {len(requests)} source(s)")
        summary = library.add(requests, progress=JobProgress(job))
        for result in summary.results:
            label = result.source.title or result.source.location
            reason = f": {result.reason}" if result.reason else ""
            job.say(f"{result.outcome.value} [{result.source.number}] {label}{reason}")
        job.say(f"{summary.chunks_embedded} chunks embedded")
        return summary.model_dump(mode="json")

    return submit_job(space, "add", title, work)


def submit_job(
    space: Workspace,
    kind: str,
    title: str,
    work: Work,
    run: str | None = None,
    phases: dict[str, Phase] | None = None,
) -> JobView:
    """Queue a job, or answer 429 when too many already wait (every route queues this way)."""
    try:
        return space.jobs.submit(kind, title, work, run=run, phases=phases).view()
    except QueueFull as exc:
        raise HTTPException(429, str(exc)) from exc


@router.delete(
    "/sources/{number}",
    summary="Remove a source and its chunks (its number is never reused)",
    responses={409: {"description": "A job is writing the library; try again later."}},
)
async def remove_source(number: int, space: Space) -> dict[str, Any]:
    # A removal is quick, so it runs now rather than as a job; but never beside a running
    # job (a debate reading these chunks, an add writing them): that is a 409.
    if not space.jobs.writer.acquire(blocking=False):
        running = [v for v in space.jobs.active() if v.state == "running"]
        what = f"{running[0].kind} job '{running[0].title}'" if running else "a job"
        raise HTTPException(
            409, f"the library is busy with {what}; remove the source when it has finished"
        )
    try:
        source = await space.read(lambda lib: lib.remove(number))
    except LibraryError as exc:
        raise HTTPException(404 if "there is no source" in str(exc) else 409, str(exc)) from exc
    finally:
        space.jobs.writer.release()
    return {"removed": source.model_dump(mode="json")}


@router.get("/search", response_model=list[Passage], summary="Passages matching a query")
async def search_library(
    space: Space,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="What to look for.")],
    k: Annotated[int, Query(ge=1, le=50, description="How many passages.")] = 8,
    source: Annotated[list[int] | None, Query(description="Only these numbers.")] = None,
    kind: Annotated[list[str] | None, Query(description="Only these kinds.")] = None,
    domain: Annotated[list[str] | None, Query(description="Only these hosts.")] = None,
    since: Annotated[str | None, Query(description="Published on/after.")] = None,
    until: Annotated[str | None, Query(description="Published on/before.")] = None,
) -> list[Passage]:
    from retrieval import search

    filters = SearchFilters(
        sources=source, kinds=kind, domains=domain, date_from=since, date_to=until
    )
    try:
        return await space.read(lambda lib: search(lib, q, k=k, filters=filters))
    except (ValueError, LibraryError) as exc:
        raise HTTPException(400, str(exc)) from exc

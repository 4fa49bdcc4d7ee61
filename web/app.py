"""The FastAPI application: the JSON API, its documentation, and the page that uses it.

`create_app(settings)` builds one app around one library folder. Everything is served
from this process: the page from `web/static/`, the API documentation from Swagger UI's
files shipped by the `swagger-ui-py` package (or, without it, a plain list of endpoints).
Nothing is loaded from a CDN.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from agora import judge
from agora.settings import Settings
from ingest import LibraryError
from ingest.embedding import Embedder
from web import routes_library, routes_runs
from web.models import Health, Token
from web.security import COOKIE, BodyLimit, Guard, SecurityHeaders, token_matches
from web.workspace import LanguageModel, Workspace

STATIC = Path(__file__).resolve().parent / "static"
MAX_BODY = 1024 * 1024  # JSON bodies: questions and URL lists are small
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1"]


def create_app(
    settings: Settings,
    *,
    token: str | None = None,
    embedder: Embedder | None = None,
    runs_dir: Path | None = None,
    allowed_hosts: list[str] | None = None,
    max_body: int = MAX_BODY,
    max_upload: int | None = None,
    llm: LanguageModel | None = None,
) -> FastAPI:
    """The web app for the library `settings.library`.

    `token`: when set, every API call needs it (``Authorization: Bearer`` or the page's
    cookie). `allowed_hosts`: Host headers accepted; by default only loopback names when
    there is no token, which stops DNS-rebinding pages from reaching a local server.
    `max_upload` defaults to the download limit (`AGORA_MAX_DOWNLOAD_BYTES`) plus room
    for the multipart envelope. `llm`: the model debates and audits use (`agora serve
    --llm`); without it, the extractive engine and the built-in judge.
    """
    judge.install()  # the debate's Auditor fact-checks with the audit's judge
    space = Workspace(settings, embedder=embedder, runs_dir=runs_dir, llm=llm)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        space.close()

    app = FastAPI(
        title="Agora",
        summary="Evidence-grounded decision research: library, debates, reports, audits.",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.workspace = space
    app.state.token = token
    app.include_router(routes_library.router)
    app.include_router(routes_runs.router)
    app.include_router(routes_runs.jobs_router)
    _add_pages(app)
    _add_session(app)

    @app.exception_handler(LibraryError)
    async def library_problem(request: Request, exc: LibraryError) -> JSONResponse:
        # Raised when the library cannot be opened (built with other embedding or
        # chunking settings, say); its message tells the user what to do.
        return JSONResponse({"detail": str(exc)}, status_code=409)

    upload_limit = max_upload or settings.max_download_bytes + 1024 * 1024
    app.add_middleware(
        BodyLimit,
        limit=max_body,
        upload_limit=upload_limit,
        upload_paths=(routes_library.UPLOAD_PATH,),
    )
    app.add_middleware(Guard, token=token)
    hosts = allowed_hosts or (["*"] if token else LOOPBACK_NAMES)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(SecurityHeaders)
    return app


def _add_pages(app: FastAPI) -> None:
    swagger = _swagger_assets()
    if swagger is not None:  # before /static, which would otherwise answer its paths
        app.mount("/static/swagger", StaticFiles(directory=swagger), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        if swagger is None:
            return HTMLResponse(_endpoint_list(app.openapi()))
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Agora API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            # The validator badge would call validator.swagger.io: keep everything local.
            swagger_ui_parameters={"validatorUrl": None},
        )


def _swagger_assets() -> Path | None:
    """Swagger UI's files as the swagger-ui-py package ships them, if it is installed."""
    try:
        import swagger_ui
    except ImportError:
        return None
    folder = Path(swagger_ui.__file__).resolve().parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def _endpoint_list(schema: dict[str, Any]) -> str:
    """A plain page listing the endpoints, when Swagger UI's files are not installed."""
    rows = []
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            rows.append(
                f"<li><code>{html.escape(method.upper())} {html.escape(path)}</code> "
                f"{html.escape(operation.get('summary', ''))}</li>"
            )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Agora API</title>'
        '</head><body><h1>Agora API</h1><p>The full description: <a href="/openapi.json">'
        f"/openapi.json</a> (OpenAPI).</p><ul>{''.join(rows)}</ul></body></html>"
    )


def _add_session(app: FastAPI) -> None:
    @app.get("/api/health", response_model=Health, tags=["session"], summary="Is it up?")
    async def health(request: Request) -> Health:
        space: Workspace = request.app.state.workspace
        return Health(
            library=str(space.root), auth=bool(request.app.state.token), engine=space.engine
        )

    @app.post(
        "/api/session",
        tags=["session"],
        summary="Exchange the token for a cookie (for the page, its event streams and links)",
    )
    async def session(body: Token, request: Request) -> JSONResponse:
        token: str | None = request.app.state.token
        if token is None:
            return JSONResponse({"auth": False})
        if not token_matches(body.token, token):
            raise HTTPException(401, "wrong token")
        response = JSONResponse({"auth": True})
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

"""`agora serve`: the local web app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agora.cli.common import (
    AllowPrivateOption,
    ApiBaseOption,
    ContextWindowOption,
    LibraryOption,
    LLMOption,
    app,
    err,
    fail,
    load_model_or_fail,
    require_library,
)


@app.command("serve")
def serve_command(
    library: LibraryOption = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (not loopback: needs --token).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8400,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="AGORA_WEB_TOKEN",
            help="Require this token for every API call (Bearer header, or entered on the page).",
            show_default=False,
        ),
    ] = None,
    runs: Annotated[
        Path | None, typer.Option("--runs", help="Folder for debate runs (default: LIBRARY/runs).")
    ] = None,
    allow_private: AllowPrivateOption = False,
    llm: LLMOption = None,
    api_base: ApiBaseOption = None,
    create: Annotated[
        bool,
        typer.Option("--create", help="Start with an empty library if LIBRARY does not exist."),
    ] = False,
    context_window: ContextWindowOption = None,
) -> None:
    """The web app: browse the library, run debates, read and audit the reports.

    With --llm, debates started from the page use that model as `agora debate --llm`
    does (turns, report sections, the Chinese translation), and audits its judge."""
    from web.serve import ServeError, check_bind, serve
    from web.workspace import EXTRACTIVE, LanguageModel

    try:
        check_bind(host, token)
    except ServeError as exc:
        fail(str(exc))
    if not create:
        require_library(library)  # a mistyped --library would otherwise start empty
    # Here, so that a bad spec stops the server before it starts.
    loaded = load_model_or_fail(llm, api_base, context_window)
    model = LanguageModel(loaded.spec, loaded) if loaded is not None else None
    from agora.settings import load_settings

    settings = load_settings(library=library, allow_private=allow_private or None)
    engine = model.label if model else EXTRACTIVE
    err.print(
        f"Agora on http://{host}:{port}/ (library {settings.library}; engine: {engine})",
        soft_wrap=True,
    )
    serve(settings, host=host, port=port, token=token, runs_dir=runs, llm=model)

"""`agora serve`: the local web app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agora.cli.common import (
    AllowPrivateOption,
    LibraryOption,
    app,
    err,
    fail,
)
from agora.settings import load_settings


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
) -> None:
    """The web app: browse the library, run debates, read and audit the reports."""
    from web.serve import ServeError, check_bind, serve

    try:
        check_bind(host, token)
    except ServeError as exc:
        fail(str(exc))
    settings = load_settings(library=library, allow_private=allow_private or None)
    err.print(f"Agora on http://{host}:{port}/ (library {settings.library})", soft_wrap=True)
    serve(settings, host=host, port=port, token=token, runs_dir=runs)

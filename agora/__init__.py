"""Agora: evidence-grounded decision research.

The `agora` package is the application shell: settings shared by every stage and the
command-line interface. The stages themselves live in `ingest`, `retrieval` and `debate`,
and their dependencies point one way (debate -> retrieval -> ingest); the shell builds
their config values from its settings and passes them down (ingest never imports agora).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("agora")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

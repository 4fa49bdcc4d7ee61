"""Package exports loaded on first use (PEP 562), for the packages whose `__init__` would
otherwise import everything: a command that needs one light module (the CLI's settings
read `ingest.config`) then does not pay for the whole pipeline (trafilatura, pypdf,
Chroma) or the judge's models."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], object]:
    """A module `__getattr__` that imports `name` from `homes[name]` when it is first asked
    for. A package whose export shares its name with a submodule (`retrieval.search`)
    cannot use it: importing the submodule sets the attribute first."""

    def __getattr__(name: str) -> object:
        if name in homes:
            return getattr(importlib.import_module(homes[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__

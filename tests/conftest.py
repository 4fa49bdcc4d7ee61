"""Shared fixtures. Every test gets its own library folder and settings environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from loopback import loopback  # noqa: F401

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def isolated_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point AGORA_LIBRARY at a fresh folder and clear any other AGORA_ setting."""
    for name in list(os.environ):
        if name.startswith("AGORA_"):
            monkeypatch.delenv(name)
    library = tmp_path / "library"
    monkeypatch.setenv("AGORA_LIBRARY", str(library))
    # Every test server is on loopback, which fetch refuses by default; the tests of
    # that refusal turn it back off explicitly.
    monkeypatch.setenv("AGORA_ALLOW_PRIVATE", "true")
    return library


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The real packaged model, loaded once per test session."""
    from ingest.embedding import Embedder

    model = Embedder()
    model.embed(["warm up"])
    return model

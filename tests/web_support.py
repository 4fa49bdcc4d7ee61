"""Shared by the web app's tests (no tests of its own): a small library, and waiting for
background jobs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from helpers import article_html, open_library, write_corpus

from agora.settings import Settings
from ingest.embedding import Embedder

QUESTION = (
    "We see AI gains in engineering but not in product or go-to-market: "
    "is that an advantage or an imbalance?"
)
ARTICLE = article_html(
    "Pipeline conversion after AI adoption",
    "Go-to-market teams adopted AI assistants for prospect research, yet pipeline "
    "conversion stayed flat for three quarters while engineering throughput rose. "
    * 4
    + "\n\n"
    + "Revenue leaders said data quality in the CRM, not the tools, limited any gain. " * 4,
)


# Small chunks, so that every source has several and a cited passage is a real part of
# its source's text (the page must highlight that part, not the whole text).
CHUNKING = {"chunk_size": 300, "chunk_overlap": 50}


def build_library(folder: Path, embedder: Embedder) -> Settings:
    """A four-document library (Markdown, HTML, text, PDF) and the settings to open it."""
    files = write_corpus(folder / "corpus")
    library = open_library(folder / "library", embedder, **CHUNKING)
    library.add([str(path) for path in files.values()])
    library.close()
    return Settings(
        library=folder / "library",
        allow_private=True,
        crawl_delay=0,
        **CHUNKING,  # type: ignore[arg-type]
    )


def wait_job(client: Any, job_id: str, timeout: float = 240.0) -> dict[str, Any]:
    """Poll a job until it is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()
        if view["state"] in ("done", "failed"):
            return view
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")

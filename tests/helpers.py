"""Small builders shared by tests: documents on disk and PDFs made with fpdf2."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from loopback import make_pdf

from agora.settings import Settings
from ingest import Library, LibraryConfig
from ingest.embedding import Embedder


def article_html(
    title: str, body: str, author: str = "Jane Analyst", date: str = "2025-10-01"
) -> str:
    """A realistic article page: boilerplate navigation and footer around the content."""
    paragraphs = "\n".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="author" content="{author}"><meta name="date" content="{date}"></head>
<body><nav><a href="/">Home</a> | <a href="/about">About</a> | <a href="/blog">Blog</a></nav>
<article><h1>{title}</h1>{paragraphs}</article>
<footer>Copyright 2025 Example Org. All rights reserved. Privacy | Terms</footer>
</body></html>"""


LOREM_AI = (
    "Teams using AI coding assistants merged pull requests faster, cutting cycle time by "
    "about a third in the first quarter after adoption. Product managers reported no "
    "comparable change in discovery work, and go-to-market teams saw pipeline conversion "
    "stay flat. The bottleneck moved from writing code to deciding what to build."
)


def write_corpus(folder: Path) -> dict[str, Path]:
    """A small mixed folder: Markdown, HTML, text and a two-page PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "engineering": folder / "engineering.md",
        "gtm": folder / "gtm.html",
        "notes": folder / "notes.txt",
        "survey": folder / "survey.pdf",
    }
    files["engineering"].write_text(
        "---\ntitle: Engineering speed report\nauthor: Platform Team\ndate: 2025-09-01\n---\n"
        "# Engineering speed report\n\n" + LOREM_AI + "\n\n" + "Review latency fell. " * 30
    )
    files["gtm"].write_text(
        article_html(
            "Go-to-market after AI",
            "Sales cycles did not shorten even as engineering output rose. " * 6
            + "\n\n"
            + "Marketing teams adopted AI for drafting copy but measured no pipeline gain. " * 5,
        )
    )
    files["notes"].write_text(
        "Field notes on sourdough starters\n\n"
        + "Feed the starter twice a day with equal weights of flour and water. " * 12
    )
    files["survey"].write_bytes(
        make_pdf(
            [
                "Survey of 400 product managers. " * 10 + "Most saw no productivity change.",
                "Second page: executives expect gains within 12 months. " * 8,
            ],
            title="Product management survey 2025",
        )
    )
    return files


def library_config(folder: Path, **settings: object) -> LibraryConfig:
    """The config of a library in a test folder. On a Chroma server (--chroma-server)
    each folder gets its own library name there."""
    if os.environ.get("AGORA_CHROMA_URL"):
        digest = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:12]
        settings.setdefault("library_name", f"test-{digest}")
    return Settings(library=folder, **settings).library_config()  # type: ignore[arg-type]


def open_library(folder: Path, embedder: Embedder, **settings: object) -> Library:
    """A library in a test folder that reuses the session's loaded embedder."""
    return Library(library_config(folder, **settings), embedder=embedder)


# The demo question, and a one-advisor panel file (the fixed roles join it): the LLM-path
# tests' debates, kept short.
QUESTION = (
    "We see AI gains in engineering but not in product or go-to-market: "
    "is that an advantage or an imbalance?"
)
ONE_ADVISOR_PANEL = """
advisors:
  - name: Dana Sales
    role: Head of revenue operations
    lens: go-to-market teams, sales and marketing AI pilots, CRM data quality, pipeline
"""

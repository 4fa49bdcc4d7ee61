"""Shared by the benchmarks: machine description and a section writer for docs/benchmarks.md.

Each benchmark owns one section, delimited by HTML comments, and replaces only that section,
so benchmarks can be rerun independently without clobbering each other's figures.
"""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\n"
    "Written by the scripts in `scripts/`; each section says the machine and date it ran on.\n"
    "Rerun a section with the command named in it.\n"
)


def machine_description() -> str:
    """One line: CPU model, cores, memory, Python and torch versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    try:
        import torch

        torch_part = f", torch {torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        torch_part = ""
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}{torch_part}"


def stamp() -> str:
    """Machine and date line for the top of a section."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"*Machine: {machine_description()}. Date: {now}.*"


def write_section(name: str, title: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the section called `name` in docs/benchmarks.md."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n## {title}\n\n{stamp()}\n\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text}\n{block}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)

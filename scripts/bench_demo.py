"""End to end: the wall time of the demo (`make demo` after installation): build the demo
library from scratch, run a 5-round extractive debate, write the report in both languages
and audit it. Writes the figure to docs/benchmarks.md.

    .venv/bin/python scripts/bench_demo.py [--no-write]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from benchlib import write_section  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable,
            str(ROOT / "scripts" / "demo.py"),
            "--library",
            f"{tmp}/library",
            "--out",
            f"{tmp}/run",
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        warm = time.perf_counter() - started
    body = (
        "`scripts/demo.py` (what `make demo` runs once `.venv` exists), extractive engine: "
        "build the 21-document demo library, list it, debate 5 rounds with 6 advisors, "
        "write report.json/.md/.html in English and Chinese, audit every claim.\n\n"
        f"| run | seconds |\n|---|---|\n| new library | {cold:.1f} |\n"
        f"| library already built (sources unchanged) | {warm:.1f} |\n\n"
        "Goal (issue 6): under 60 s after installation on 2 cores. Command: "
        "`.venv/bin/python scripts/bench_demo.py`."
    )
    print(body)
    if not args.no_write:
        write_section("demo", "make demo, end to end", body)


if __name__ == "__main__":
    main()

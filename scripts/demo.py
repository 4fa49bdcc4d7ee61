"""`make demo`: build the demo library, run a debate, write the report, its audit and a PDF.

Runs the real `agora` commands in-process, so the demo exercises exactly what a user types.
Rerunning is cheap: unchanged sources are recognised and not embedded again, and the
debate starts afresh in its run folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from agora.cli import app

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus" / "ai-imbalance" / "manifest.json"


def run(*args: str) -> None:
    print(f"\n$ agora {' '.join(args)}", flush=True)
    app(list(args), standalone_mode=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--library", type=Path, default=ROOT / "library" / "demo")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "demo")
    args = parser.parse_args()
    question = str(json.loads(CORPUS.read_text())["question"])
    started = time.perf_counter()
    library = str(args.library)
    run("library", "add", "--from", str(CORPUS), "--library", library)
    run("library", "list", "--library", library)
    if args.out.exists():
        shutil.rmtree(args.out)  # a fresh debate each time; --resume is for interrupted runs
    run("debate", question, "--library", library, "--out", str(args.out))
    run("audit", str(args.out))
    run("report", str(args.out), "--format", "pdf", "--out", str(args.out / "report.pdf"))
    seconds = time.perf_counter() - started
    print(f"\nDemo finished in {seconds:.0f} s.")
    print(f"  library: {args.library}")
    for name in (
        "report.md",
        "report.html",
        "report.zh.md",
        "report.zh.html",
        "report.pdf",
        "audit.json",
    ):
        print(f"  {name:>15}: {args.out / name}")
    print(f"Open {args.out / 'report.html'} in a browser; hover a [n] to see its passage.")


if __name__ == "__main__":
    main()

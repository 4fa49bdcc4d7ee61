"""`make demo`: build the demo library from corpus/ and show what is in it.

Runs the real `agora` commands in-process, so the demo exercises exactly what a user types.
Rerunning is cheap: unchanged sources are recognised and not embedded again.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from agora.cli import app

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "corpus" / "ai-imbalance" / "manifest.json"


def run(*args: str) -> None:
    print(f"\n$ agora {' '.join(args)}", flush=True)
    app(list(args), standalone_mode=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--library", type=Path, default=ROOT / "library" / "demo")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "demo")
    args = parser.parse_args()
    started = time.perf_counter()
    library = str(args.library)
    run("library", "add", "--from", str(MANIFEST), "--library", library)
    run("library", "list", "--library", library)
    run(
        "search",
        "where did the bottleneck move after AI sped up engineering",
        "-k",
        "3",
        "--library",
        library,
    )
    print(f"\nDemo library: {args.library} ({time.perf_counter() - started:.1f} s)")
    print(f"Try: .venv/bin/agora library show 1 --library {library}")


if __name__ == "__main__":
    main()

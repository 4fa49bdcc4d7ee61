"""Write reader/stance.onnx (int8, what `Reader` runs) from reader/stance.safetensors (fp16,
what scripts/train_stance.py saves), or any saved stance file to any path.

    .venv/bin/python scripts/export_stance.py [WEIGHTS] [--out ONNX]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader.stance import STANCE_FILE  # noqa: E402
from reader.stance_net import STANCE_WEIGHTS, export_file  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("weights", type=Path, nargs="?", default=STANCE_WEIGHTS)
    parser.add_argument("--out", type=Path, default=STANCE_FILE)
    args = parser.parse_args()
    export_file(args.weights, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 2**20:.1f} MB) from {args.weights}")


if __name__ == "__main__":
    main()

"""Write the ONNX files the product runs (int8, reader/runtime.py) from the trained weights:
reader/reader.onnx from reader/reader.safetensors (scripts/train_reader.py) and
reader/stance.onnx from reader/stance.safetensors (scripts/train_stance.py). Both training
scripts do this at their end; run it alone after training elsewhere (a GPU box).

    .venv/bin/python scripts/export_models.py [--only reader|stance]
    .venv/bin/python scripts/export_models.py --only stance --weights W --out O
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader import model, stance_net  # noqa: E402
from reader.reader import MODEL_FILE  # noqa: E402
from reader.stance import STANCE_FILE  # noqa: E402

MODELS = {
    "reader": (model.WEIGHTS_FILE, MODEL_FILE, model.export_file),
    "stance": (stance_net.STANCE_WEIGHTS, STANCE_FILE, stance_net.export_file),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(MODELS))
    parser.add_argument("--weights", type=Path, help="with --only: another weights file")
    parser.add_argument("--out", type=Path, help="with --only: another ONNX path")
    args = parser.parse_args()
    if (args.weights or args.out) and not args.only:
        parser.error("--weights and --out need --only")
    for name in [args.only] if args.only else sorted(MODELS):
        weights, out, export = MODELS[name]
        weights, out = args.weights or weights, args.out or out
        export(weights, out)
        print(f"wrote {out} ({out.stat().st_size / 2**20:.1f} MB) from {weights}")


if __name__ == "__main__":
    main()

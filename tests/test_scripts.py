"""Every script under scripts/ still imports: scripts are outside mypy's packages, so a
module moved in the library (as `read_request_list` and `ndcg_recall_at_k` were) would
otherwise break a benchmark silently until someone runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"

PROBE = """
import importlib, pathlib, sys
sys.path.insert(0, {folder!r})
failed = []
for path in sorted(pathlib.Path({folder!r}).glob("*.py")):
    try:
        importlib.import_module(path.stem)
    except Exception as exc:
        failed.append(f"{{path.name}}: {{exc!r}}")
print("\\n".join(failed))
"""


def test_every_script_imports() -> None:
    names = sorted(p.stem for p in SCRIPTS.glob("*.py"))
    assert {"bench_llm", "bench_reader", "train_stance", "demo"} <= set(names)
    probe = PROBE.format(folder=str(SCRIPTS))
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=600, check=True
    )
    assert result.stdout.strip() == "", result.stdout

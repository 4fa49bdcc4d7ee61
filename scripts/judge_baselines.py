"""Baselines and probe sets for scripts/bench_judge.py.

* the cosine baseline: the full MiniLM model (``ingest.embedding.Embedder``, int8) embeds the
  claim and the passage sentences; the best sentence's cosine against a threshold tuned on
  the training splits. On long pages only the 12 sentences sharing most words with the claim
  are embedded. Vectors are cached under .cache/judge/.
* the judge of an earlier commit ("today's judge" before a change), run from ``git archive``
  of its ``audit/`` package in a subprocess, on the same pairs;
* verbatim quotes: sentences copied from test passages, the passage laid out as web pages
  and PDFs lay text out (lines wrapped mid-sentence, words hyphenated at line ends, curly
  quotes, ligatures). A quote is a claim its passage supports by definition.
"""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from judge_data import ROOT, Pair
from judge_fit import binary_macro_f1

from audit.features import prepare
from ingest.text import split_passage

CACHE = ROOT / ".cache" / "judge"
DATASETS = ("scifact", "wice", "expertqa")
MAX_BASELINE_SENTENCES = 12


def split_sentences(text: str) -> list:  # type: ignore[type-arg]
    return split_passage(text)


def candidate_sentences(pair: Pair) -> list[str]:
    sentences = [s.text for s in split_sentences(pair.passage)]
    if len(sentences) > MAX_BASELINE_SENTENCES:
        claim = prepare(pair.claim).terms
        sentences = sorted(sentences, key=lambda s: -len(claim & prepare(s).terms))
        sentences = sentences[:MAX_BASELINE_SENTENCES]
    return sentences


class CachedMiniLM:
    """Int8 MiniLM vectors of texts, remembered on disk between runs."""

    def __init__(self, path: Path = CACHE / "minilm_vectors.pkl"):
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with path.open("rb") as handle:
                self.vectors = pickle.load(handle)
        self._embedder = None

    def embedder(self):  # type: ignore[no-untyped-def]
        if self._embedder is None:
            from ingest.embedding import Embedder

            self._embedder = Embedder()
        return self._embedder

    def embed(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            print(f"embedding {len(missing)} texts with MiniLM (cached afterwards)", flush=True)
            for text, vector in zip(missing, self.embedder().embed(missing), strict=True):
                self.vectors[text] = vector
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("wb") as handle:
                pickle.dump(self.vectors, handle)
        return {t: self.vectors[t] for t in texts}


def cosine_scores(pairs: Sequence[Pair], minilm: CachedMiniLM) -> np.ndarray:
    candidates = [candidate_sentences(p) for p in pairs]
    vectors = minilm.embed([p.claim for p in pairs] + [s for c in candidates for s in c])
    return np.array(
        [
            max((float(vectors[s] @ vectors[p.claim]) for s in c), default=0.0)
            for p, c in zip(pairs, candidates, strict=True)
        ]
    )


def tune_threshold(scores: np.ndarray, y: np.ndarray, datasets: np.ndarray) -> float:
    """Threshold with the best mean per-data-set macro-F1 on the training pairs."""
    grid = np.unique(np.round(scores, 2))

    def mean_f1(t: float) -> float:
        return float(
            np.mean(
                [
                    binary_macro_f1(y[datasets == d], (scores[datasets == d] >= t).astype(int))
                    for d in DATASETS
                ]
            )
        )

    return float(max(grid, key=mean_f1))


# --------------------------------------------------------------------------------------------
# The judge of an earlier commit


def old_judge_verdicts(rev: str, pairs: Sequence[tuple[str, str]]) -> list[str]:
    """Verdicts of the judge at git revision `rev` (its ``audit/`` package alone, run in a
    subprocess with this tree's other packages), in the order of `pairs`."""
    return old_judge_run(rev, pairs)[0]


def old_judge_run(rev: str, pairs: Sequence[tuple[str, str]]) -> tuple[list[str], float]:
    """:func:`old_judge_verdicts` and the pairs/s of its subprocess, start-up included."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "audit"], check=True, capture_output=True
    ).stdout
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        (Path(tmp) / "audit" / "__init__.py").write_text("")  # the judge alone, not the API
        (Path(tmp) / "pairs.json").write_text(json.dumps(list(pairs)))
        code = (
            "import json, sys; from audit.judge import Judge; "
            "pairs = json.load(open(sys.argv[1])); j = Judge(); "
            "print(json.dumps([x.verdict for i in range(0, len(pairs), 256) "
            "for x in j.judge_many([tuple(p) for p in pairs[i:i + 256]])]))"
        )
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", code, str(Path(tmp) / "pairs.json")],
            check=True, capture_output=True, text=True, cwd=tmp,  # not ROOT: its audit/ is new
            env={"PYTHONPATH": f"{tmp}:{ROOT}", "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        rate = len(pairs) / (time.perf_counter() - start)
    return json.loads(result.stdout.strip().splitlines()[-1]), rate


# --------------------------------------------------------------------------------------------
# Verbatim quotes


def laid_out(passage: str, rng: np.random.Generator) -> str:
    """The passage as a PDF or web page might hold it: wrapped at 60-80 columns, some words
    hyphenated across the line end, curly quotes and an "fi" ligature where they fit."""
    width = int(rng.integers(60, 81))
    lines = textwrap.wrap(" ".join(passage.split()), width=width, break_long_words=False)
    out = []
    for i, line in enumerate(lines):
        words = line.split(" ")
        if (
            i + 1 < len(lines)
            and len(words[-1]) >= 8
            and words[-1].isalpha()
            and rng.random() < 0.5
        ):
            cut = len(words[-1]) // 2  # "treatment" -> "trea-" + "tment" on the next line
            lines[i + 1] = words[-1][cut:] + " " + lines[i + 1]
            words[-1] = words[-1][:cut] + "-"
        out.append(" ".join(words))
    text = "\n".join(out)
    if rng.random() < 0.5:
        text = text.replace(" '", " ‘").replace("' ", "’ ").replace("'", "’")
        text = text.replace('"', "“", 1).replace('"', "”", 1)
    if rng.random() < 0.5:
        text = text.replace("fi", "ﬁ")
    return text


def verbatim_pairs(
    pairs: Sequence[Pair], per_passage: int = 2, seed: int = 7
) -> list[tuple[str, str]]:
    """(sentence, laid-out passage) pairs: sentences of 6+ words copied from the passages."""
    rng = np.random.default_rng(seed)
    out = []
    for passage in dict.fromkeys(p.passage for p in pairs):
        sentences = [s.text for s in split_passage(passage) if len(s.text.split()) >= 6]
        if not sentences:
            continue
        picked = rng.choice(len(sentences), size=min(per_passage, len(sentences)), replace=False)
        layout = laid_out(passage, rng)
        out += [(" ".join(sentences[int(i)].split()), layout) for i in picked]
    return out

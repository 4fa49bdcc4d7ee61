"""`Reader`: how relevant a passage is to a question, and which option it leans to.

    reader = Reader.load()                      # ReaderModelMissing if the file is absent
    for reading in reader.read("Should we ban X?", ["passage one", "passage two"]):
        reading.relevance, reading.leaning, reading.probabilities

Two trained models: reader/reader.onnx (relevance, and a stance head) and, when it is
present, reader/stance.onnx (the stance model, reader/stance.py), which then gives the
stance instead of the reader's own head: on held-out arguments the head is at chance and the
stance model is not (docs/benchmarks.md, Reader model). `stance_source` says which.

Both run on onnxruntime in int8 (reader/runtime.py; the torch networks they are exported
from are reader/model.py's and reader/stance_net.py's), a large input as small length-sorted
batches spread over one worker thread per core. Neither imports torch.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.framing import YES_NO, frame_options, option_questions

if TYPE_CHECKING:
    from reader.runtime import Graph
    from reader.stance import StanceModel

MODEL_FILE = Path(__file__).resolve().parent / "reader.onnx"
NO_SIDE = "no side"
BATCH = 8
# Characters kept before tokenising: far more than the 256-token window ever holds, so a
# 100 kB passage costs no tokenizer time for text the model would never read.
MAX_CHARS = 6000
# Readings kept per process (oldest dropped first); keys hold the texts, so at most ~30 MB.
CACHE_SIZE = 5_000


_SHARED: dict[Path, Reader] = {}
_SHARED_LOCK = threading.Lock()


@dataclass
class _Cached:
    """One (question, options, passage), as far as it has been read: the reader's relevance
    and stance head (with its note on a cut passage), and the stance model's probabilities
    (with its own note: its window is shorter). Each model runs only when asked."""

    relevance: float | None = None
    head: list[float] | None = None
    cut: str | None = None
    model: list[float] | None = None
    model_cut: str | None = None


class _Network:
    """The reader's graph (reader/runtime.py), loaded on first use: reading stances alone
    (`agora stance` without --relevance) never needs it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._graph: Graph | None = None
        self._lock = threading.Lock()

    @property
    def graph(self) -> Graph:
        """Loaded once, even when threads ask together."""
        with self._lock:
            if self._graph is None:
                from reader.runtime import Graph

                self._graph = Graph.load(self.path, "reader")
            return self._graph


def _load_stance() -> StanceModel | None:
    """The stance model beside the reader (AGORA_STANCE_MODEL overrides its path), or None
    when its file is absent: the reader's own stance head is used then."""
    from reader.stance import STANCE_FILE, StanceModel, StanceModelMissing

    try:
        return StanceModel.load(Path(os.environ.get("AGORA_STANCE_MODEL") or STANCE_FILE))
    except StanceModelMissing:
        return None


# The least |p(A) - p(B)| for a leaning on a choice question read as two yes/no questions:
# chosen on the tune motions by the rule train_stance.py uses for the file's own margin
# (the smallest whose calls are 75% right); scripts/bench_stance_reading.py prints it.
# 0.05 under torch's int8; 0 since the model runs on onnxruntime (calls 77% right at 0).
CHOICE_MARGIN = 0.0


def stance_questions(question: str, options: list[str]) -> list[tuple[str, list[str]]]:
    """What the stance model reads for a question: the question itself, or, for an "A or B?"
    question read against its own options, "...A?" and "...B?" as yes/no questions. Read
    directly, an "A or B?" wording the model never saw often comes out reversed when the
    less favourable option comes first (tune motions: macro-F1 0.43-0.51 with it first,
    0.69-0.79 the other way round); the two yes/no questions read the same whatever the
    order (0.63-0.76). docs/benchmarks.md, "Stance model: how it reads"."""
    split = option_questions(question)
    if split is None or frame_options(question)[1] != options:
        return [(question, options)]
    return [(split[0], list(YES_NO)), (split[1], list(YES_NO))]


def combine_stance(readings: list[list[float]]) -> list[float]:
    """One [p(A), p(B), p(no side)] from `stance_questions`' readings: the direct one as it
    is; from "A?" and "B?", A is "yes to A" and "no to B" (averaged), B the converse."""
    if len(readings) == 1:
        return readings[0]
    (a_yes, a_no, a_none), (b_yes, b_no, b_none) = readings
    return [(a_yes + b_no) / 2, (b_yes + a_no) / 2, (a_none + b_none) / 2]


def _cut_note(passage: str, window: int, count: Callable[[str, int], int]) -> str | None:
    """The note on a passage longer than a model's window (`count`: its tokenizer's), or
    None when the window was filled by a long question, not this passage."""
    if count(passage[:MAX_CHARS], window) < window - 20 and len(passage) <= MAX_CHARS:
        return None
    return (
        f"passage cut to the model's window ({window} tokens, question included); "
        f"about {len(passage):,} characters given, the start was read"
    )


class ReaderInputError(ValueError):
    """A question or passage the model cannot read (empty, or not text)."""


class ReaderModelMissing(FileNotFoundError):
    """The trained model file is absent (callers fall back to the keyword heuristic)."""


@dataclass
class Reading:
    """One passage read against one question."""

    relevance: float | None  # calibrated probability that the passage bears on the question
    options: list[str]
    leaning: str | None  # one of options, or None (no side)
    probabilities: dict[str, float]  # each option and NO_SIDE -> probability (sums to 1)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "options": self.options,
            "leaning": self.leaning,
            "probabilities": self.probabilities,
        }
        if self.relevance is not None:  # not asked for (`read_pairs(relevance=False)`)
            record["relevance"] = self.relevance
        if self.notes:
            record["notes"] = self.notes
        return record


def clean_text(value: str | bytes, what: str) -> tuple[str, list[str]]:
    """Text to read, and notes on what was changed; empty text is refused."""
    notes = []
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
        if "\ufffd" in text and b"\xef\xbf\xbd" not in value:
            notes.append(f"the {what} held bytes that are not UTF-8; they were replaced")
    elif isinstance(value, str):
        text = value
    else:
        raise ReaderInputError(f"the {what} must be text, not {type(value).__name__}")
    if not text.strip():
        raise ReaderInputError(f"the {what} is empty")
    return text.strip(), notes


class Reader:
    """The trained reader; load once, call `read` many times (thread-safe)."""

    def __init__(self, network: _Network, stance: StanceModel | None = None) -> None:
        self.network = network
        self.stance_model = stance
        # The brief's relevance gate and the debate's stances read the same (question,
        # options, passage) pairs; each is read once per process.
        self._cache: OrderedDict[tuple[str, ...], _Cached] = OrderedDict()
        self._cache_lock = threading.Lock()

    @classmethod
    def shared(cls) -> Reader:
        """One loaded reader per process and model file (ReaderModelMissing when absent)."""
        path = Path(os.environ.get("AGORA_READER_MODEL") or MODEL_FILE)
        with _SHARED_LOCK:
            if path not in _SHARED:
                _SHARED[path] = cls.load(path)
            return _SHARED[path]

    @classmethod
    def load(cls, path: Path | None = None) -> Reader:
        """The trained reader (offline; its graph loads on first use) and, beside it, the
        stance model when its file is there."""
        path = Path(path or os.environ.get("AGORA_READER_MODEL") or MODEL_FILE)
        if not path.is_file():
            raise ReaderModelMissing(
                f"reader model file {path} is missing (train it: scripts/reader_data.py, "
                "then scripts/train_reader.py; or export reader/reader.safetensors: "
                "scripts/export_models.py)"
            )
        return cls(_Network(path), _load_stance())

    @property
    def meta(self) -> dict[str, Any]:
        """The reader file's metadata: calibration, threshold, window, training run."""
        return self.network.graph.meta

    @property
    def platt(self) -> tuple[float, float]:
        a, b = self.meta.get("platt", (1.0, 0.0))
        return float(a), float(b)

    @property
    def threshold(self) -> float:
        """The calibrated relevance below which a passage does not bear on the question."""
        return float(self.meta.get("threshold", 0.5))

    @property
    def max_tokens(self) -> int:
        return int(self.meta.get("max_tokens", 256))

    @property
    def stance_source(self) -> str:
        """'stance model' (reader/stance.onnx) or 'reader' (the reader's own head)."""
        return "stance model" if self.stance_model is not None else "reader"

    def read(
        self,
        question: str | bytes,
        passages: Sequence[str | bytes],
        options: Sequence[str] | None = None,
    ) -> list[Reading]:
        """Read each passage against one question (options: from the question's framing)."""
        return self.read_pairs([(question, passage) for passage in passages], options)

    def relevance(self, question: str | bytes, passages: Sequence[str | bytes]) -> list[float]:
        """Only how relevant each passage is: the stance model is not run (a brief's gate
        and a rerank read many more passages than the debate takes a stance on)."""
        pairs = [(question, passage) for passage in passages]
        return [r.relevance or 0.0 for r in self.read_pairs(pairs, stance=False)]

    def read_pairs(
        self,
        pairs: Sequence[tuple[str | bytes, str | bytes]],
        options: Sequence[str] | None = None,
        stance: bool = True,
        relevance: bool = True,
    ) -> list[Reading]:
        """Read (question, passage) pairs; each question is framed on its own. With
        `stance=False` the leanings are the reader head's (see `relevance`); with
        `relevance=False` and the stance model at hand, the reader is not run at all and
        `Reading.relevance` is None (the stance model alone is about three times faster)."""
        prepared = []
        for question, passage in pairs:
            q_text, q_notes = clean_text(question, "question")
            p_text, p_notes = clean_text(passage, "passage")
            opts = list(options) if options else frame_options(q_text)[1]
            if len(opts) != 2:
                raise ReaderInputError("a question is read against exactly two options")
            prepared.append((q_text, p_text, opts, q_notes + p_notes))
        if not prepared:
            return []
        use_model = stance and self.stance_model is not None
        keys = [(q, p, *o) for q, p, o, _ in prepared]
        results = self._cached(keys)
        if relevance or not use_model:
            self._fill(keys, results, "head", self._read_reader)
        if use_model:
            self._fill(keys, results, "model", self._read_stance)
        readings = []
        for (q_text, _, opts, notes), cached in zip(prepared, results, strict=True):
            probs = cached.model if use_model else cached.head
            cut = cached.model_cut if use_model else cached.cut
            assert probs is not None
            best = max(range(3), key=lambda i: probs[i])
            if use_model and self.stance_model is not None:
                # The file's margin, or the one chosen for a choice question's two yes/no
                # readings; both on the tune motions.
                split = len(stance_questions(q_text, opts)) == 2
                side = self.stance_model.leaning(probs, CHOICE_MARGIN if split else None)
                best = 2 if side is None else side
            labelled = {opts[0]: probs[0], opts[1]: probs[1], NO_SIDE: probs[2]}
            readings.append(
                Reading(
                    relevance=None if cached.relevance is None else round(cached.relevance, 4),
                    options=opts,
                    leaning=opts[best] if best < 2 else None,
                    probabilities={k: round(float(v), 4) for k, v in labelled.items()},
                    notes=[*notes, cut] if cut else notes,
                )
            )
        return readings

    def _cached(self, keys: list[tuple[str, ...]]) -> list[_Cached]:
        """The cache's entry for each key (a new, empty one where there is none)."""
        with self._cache_lock:
            for key in keys:
                if key not in self._cache:
                    self._cache[key] = _Cached()
            results = [self._cache[key] for key in keys]
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return results

    def _fill(
        self,
        keys: list[tuple[str, ...]],
        results: list[_Cached],
        field_name: str,
        run: Callable[[list[tuple[str, str, list[str]]], list[_Cached]], None],
    ) -> None:
        """Run `run` once over the distinct entries whose `field_name` is still unread."""
        unread = list({id(c): (k, c) for k, c in zip(keys, results, strict=True)
                       if getattr(c, field_name) is None}.values())  # fmt: skip
        if unread:
            run([(k[0], k[1], list(k[2:])) for k, _ in unread], [c for _, c in unread])

    def calibrated(self, logit: float) -> float:
        a, b = self.platt
        return 1.0 / (1.0 + math.exp(-(a * logit + b)))

    def _read_reader(self, items: list[tuple[str, str, list[str]]], into: list[_Cached]) -> None:
        """The reader over (question, passage, options): relevance, stance head, cut note."""
        from reader.inputs import pair_text

        texts = [(pair_text(q, o), p[:MAX_CHARS]) for q, p, o in items]
        graph = self.network.graph

        def encode(group: list[int]) -> dict[str, Any]:
            firsts, passages = zip(*(texts[i] for i in group), strict=True)
            return graph.encode(firsts, passages, self.max_tokens)

        rows = self._batched([len(p) for _, p in texts], encode, self._forward)
        for index, tokens, (relevance, probs) in rows:
            cached = into[index]
            cached.relevance = self.calibrated(relevance)
            cached.head = probs
            if tokens >= self.max_tokens:
                cached.cut = _cut_note(items[index][1], self.max_tokens, graph.tokenizer.count)

    def _read_stance(self, items: list[tuple[str, str, list[str]]], into: list[_Cached]) -> None:
        """The stance model over (question, passage, options), batched as the reader is. A
        choice question is read as its two yes/no questions (`stance_questions`)."""
        from reader.stance import MAX_TOKENS

        model = self.stance_model
        assert model is not None
        reads = [(index, question, options, passage)
                 for index, (q, passage, o) in enumerate(items)
                 for question, options in stance_questions(q, o)]  # fmt: skip

        def encode(group: list[int]) -> dict[str, Any]:
            return model.encode_pairs([(reads[i][1], reads[i][2], reads[i][3]) for i in group])

        rows = self._batched([len(r[3]) for r in reads], encode, model.forward)
        by_item: dict[int, list[tuple[int, list[float]]]] = {}
        for read, tokens, probs in rows:
            index = reads[read][0]
            by_item.setdefault(index, []).append((read, probs))
            # A choice question reads its passage twice; its note is counted once.
            if tokens >= MAX_TOKENS and into[index].model_cut is None:
                into[index].model_cut = _cut_note(items[index][1], MAX_TOKENS,
                                                  model.tokenizer.count)  # fmt: skip
        for index, found in by_item.items():
            into[index].model = combine_stance([probs for _, probs in sorted(found)])

    def _batched(
        self,
        lengths: list[int],
        encode: Callable[[list[int]], dict[str, Any]],
        forward: Callable[[dict[str, Any]], list[Any]],
    ) -> Iterator[tuple[int, int, Any]]:
        """Items in length-sorted batches of BATCH, encoded here and run one batch per
        worker thread (one per core): (item index, tokens read, its output row) per item."""
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        groups = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]

        runs: list[tuple[dict[str, Any], list[Any] | Future[list[Any]]]]
        if len(groups) == 1:
            batch = encode(groups[0])
            runs = [(batch, forward(batch))]
        else:
            # Each batch goes to the workers as soon as it is encoded, so the cores read
            # while the rest are tokenized (300 pairs: 0.1 s of tokenizing).
            runs = []
            for group in groups:
                batch = encode(group)
                runs.append((batch, self._workers.submit(forward, batch)))
        for group, (batch, outputs) in zip(groups, runs, strict=True):
            rows = outputs if isinstance(outputs, list) else outputs.result()
            tokens = batch["attention_mask"].sum(1).tolist()
            for row, index in enumerate(group):
                yield index, int(tokens[row]), rows[row]

    def _forward(self, batch: dict[str, Any]) -> list[tuple[float, list[float]]]:
        """(relevance logit, stance-head probabilities) for each row of a batch."""
        relevance, stance = self.network.graph.run(batch)
        return list(zip(relevance.tolist(), stance.tolist(), strict=True))

    @cached_property
    def _workers(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(
            max_workers=len(os.sched_getaffinity(0)), thread_name_prefix="agora-reader"
        )

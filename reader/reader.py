"""`Reader`: how relevant a passage is to a question, and which option it leans to.

    reader = Reader.load()                      # ReaderModelMissing if the file is absent
    for reading in reader.read("Should we ban X?", ["passage one", "passage two"]):
        reading.relevance, reading.leaning, reading.probabilities

Two trained files: reader/reader.safetensors (relevance, and a stance head) and, when it is
present, reader/stance.safetensors (the stance model, reader/stance.py), which then gives
the stance instead of the reader's own head: on held-out arguments the head is at chance
and the stance model is not (docs/benchmarks.md, Reader model). `stance_source` says which.

Runs like ingest.embedding.Embedder: the linear layers in int8 (dynamic quantisation), and a
large input as small length-sorted batches spread over one worker thread per core.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.framing import frame_options

if TYPE_CHECKING:
    from reader.stance import StanceModel

MODEL_FILE = Path(__file__).resolve().parent / "reader.safetensors"
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
    """One (question, options, passage) read: the reader's relevance and head, the note on
    a cut passage, and the stance model's probabilities once something asked for them."""

    relevance: float
    head: list[float]
    cut: str | None
    model: list[float] | None = None


@contextmanager
def _one_thread_on_main() -> Iterator[None]:
    """One batch on one core, as in the embedder (worker threads are set so already)."""
    import torch

    threads = torch.get_num_threads()
    if threading.current_thread() is threading.main_thread():
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _load_stance(quantize: bool) -> StanceModel | None:
    """The stance model beside the reader (AGORA_STANCE_MODEL overrides its path), or None
    when its file is absent: the reader's own stance head is used then."""
    from reader.stance import STANCE_FILE, StanceModel, StanceModelMissing

    try:
        return StanceModel.load(
            Path(os.environ.get("AGORA_STANCE_MODEL") or STANCE_FILE), quantize=quantize
        )
    except StanceModelMissing:
        return None


class ReaderInputError(ValueError):
    """A question or passage the model cannot read (empty, or not text)."""


class ReaderModelMissing(FileNotFoundError):
    """The trained model file is absent (callers fall back to the keyword heuristic)."""


@dataclass
class Reading:
    """One passage read against one question."""

    relevance: float  # calibrated probability that the passage bears on the question
    options: list[str]
    leaning: str | None  # one of options, or None (no side)
    probabilities: dict[str, float]  # each option and NO_SIDE -> probability (sums to 1)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "options": self.options,
            "leaning": self.leaning,
            "probabilities": self.probabilities,
            "relevance": self.relevance,
        }
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

    def __init__(
        self,
        model: Any,
        heads: Any,
        tokenizer: Any,
        meta: dict[str, Any],
        stance: StanceModel | None = None,
    ) -> None:
        self._model = model
        self.stance_model = stance
        self._heads = heads
        self._tokenizer = tokenizer
        self.meta = meta
        self.platt = tuple(meta.get("platt", (1.0, 0.0)))
        self.threshold = float(meta.get("threshold", 0.5))
        self.max_tokens = int(meta.get("max_tokens", 256))
        self._tokenizer_lock = threading.Lock()
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
    def load(cls, path: Path | None = None, quantize: bool = True) -> Reader:
        """Load the trained layers onto the packaged MiniLM (offline)."""
        path = Path(path or os.environ.get("AGORA_READER_MODEL") or MODEL_FILE)
        if not path.is_file():
            raise ReaderModelMissing(
                f"reader model file {path} is missing (train it: scripts/reader_data.py, "
                "then scripts/train_reader.py)"
            )

        from ingest.embedding import int8, resolve_model_path
        from reader.model import Heads, apply_state, load_base, read_file

        state, meta = read_file(path)
        tokenizer, base = load_base(resolve_model_path(meta.get("base_model", "minilm")))
        heads = Heads(base.config.hidden_size)
        apply_state(base, heads, state)
        heads.eval()
        if quantize:
            base = int8(base)  # the embedder's int8 path
        base.eval()
        return cls(base, heads, tokenizer, meta, _load_stance(quantize))

    @property
    def stance_source(self) -> str:
        """'stance model' (reader/stance.safetensors) or 'reader' (the reader's own head)."""
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
        return [r.relevance for r in self.read_pairs(pairs, stance=False)]

    def read_pairs(
        self,
        pairs: Sequence[tuple[str | bytes, str | bytes]],
        options: Sequence[str] | None = None,
        stance: bool = True,
    ) -> list[Reading]:
        """Read (question, passage) pairs; each question is framed on its own. With
        `stance=False` the leanings are the reader head's (see `relevance`)."""
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
        keys = [(q, p, *o) for q, p, o, _ in prepared]
        with self._cache_lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if missing:
            relevance, head, cut = self._run([(k[0], k[1], list(k[2:])) for k in missing])
            with self._cache_lock:
                for i, key in enumerate(missing):
                    self._cache[key] = _Cached(relevance[i], head[i], cut[i])
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        with self._cache_lock:
            results = [self._cache[key] for key in keys]
        use_model = stance and self.stance_model is not None
        if use_model:
            unread = list({id(c): (k, c) for k, c in zip(keys, results, strict=True)
                           if c.model is None}.values())  # fmt: skip
            if unread:
                read = self._run_stance([(k[0], list(k[2:]), k[1]) for k, _ in unread])
                for (_, cached), row in zip(unread, read, strict=True):
                    cached.model = row
        readings = []
        for (_, _, opts, notes), cached in zip(prepared, results, strict=True):
            probs = cached.model if use_model and cached.model is not None else cached.head
            best = max(range(3), key=lambda i: probs[i])
            if use_model and self.stance_model is not None:
                side = self.stance_model.leaning(probs)  # its margin, chosen on tune motions
                best = 2 if side is None else side
            labelled = {opts[0]: probs[0], opts[1]: probs[1], NO_SIDE: probs[2]}
            readings.append(
                Reading(
                    relevance=round(cached.relevance, 4),
                    options=opts,
                    leaning=opts[best] if best < 2 else None,
                    probabilities={k: round(float(v), 4) for k, v in labelled.items()},
                    notes=[*notes, cached.cut] if cached.cut else notes,
                )
            )
        return readings

    def calibrated(self, logit: float) -> float:
        a, b = self.platt
        return 1.0 / (1.0 + math.exp(-(a * logit + b)))

    def _run(
        self, items: list[tuple[str, str, list[str]]]
    ) -> tuple[list[float], list[list[float]], list[str | None]]:
        from reader.model import pair_text

        texts = [(pair_text(q, o), p[:MAX_CHARS]) for q, p, o in items]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i][1]))
        groups = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]
        encoded = [self._tokenize([texts[i] for i in group]) for group in groups]
        relevance: list[float] = [0.0] * len(items)
        stance: list[list[float]] = [[0.0, 0.0, 1.0]] * len(items)
        cut: list[str | None] = [None] * len(items)
        if len(groups) == 1:
            results = [self._forward(encoded[0])]
        else:
            results = list(self._workers.map(self._forward, encoded))
        for group, batch, (rel, probs) in zip(groups, encoded, results, strict=True):
            for row, index in enumerate(group):
                relevance[index] = self.calibrated(rel[row])
                stance[index] = probs[row]
                if batch["attention_mask"][row].sum() >= self.max_tokens:
                    cut[index] = self._cut_note(items[index][1])
        return relevance, stance, cut

    def _cut_note(self, passage: str) -> str | None:
        with self._tokenizer_lock:  # truncated: a 100 kB passage is not tokenised in full
            ids = self._tokenizer(
                passage[:MAX_CHARS],
                add_special_tokens=False,
                truncation=True,
                max_length=self.max_tokens,
            )["input_ids"]
        if len(ids) < self.max_tokens - 20 and len(passage) <= MAX_CHARS:
            return None  # the window was filled by a long question, not this passage
        return (
            f"passage cut to the model's window ({self.max_tokens} tokens, question included); "
            f"about {len(passage):,} characters given, the start was read"
        )

    def _tokenize(self, texts: list[tuple[str, str]]) -> dict[str, Any]:
        from reader.model import tokenize

        with self._tokenizer_lock:  # Hugging Face fast tokenizers are not re-entrant
            return tokenize(self._tokenizer, [t[0] for t in texts], [t[1] for t in texts],
                            self.max_tokens)  # fmt: skip

    def _forward(self, batch: dict[str, Any]) -> tuple[list[float], list[list[float]]]:
        import torch

        from reader.model import forward

        with _one_thread_on_main(), torch.inference_mode():
            rel, stance = forward(self._model, self._heads, batch)
            probs = torch.softmax(stance.float(), dim=-1)
        return rel.float().tolist(), probs.tolist()

    def _run_stance(self, items: list[tuple[str, list[str], str]]) -> list[list[float]]:
        """The stance model over (question, options, passage) triples, batched like `_run`."""
        model = self.stance_model
        assert model is not None
        order = sorted(range(len(items)), key=lambda i: len(items[i][2]))
        groups = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]
        encoded = [model.encode_pairs([items[i] for i in group]) for group in groups]

        def forward(batch: dict[str, Any]) -> list[list[float]]:
            with _one_thread_on_main():
                return model.forward(batch)

        results = (
            [forward(encoded[0])] if len(groups) == 1 else list(self._workers.map(forward, encoded))
        )
        out: list[list[float]] = [[0.0, 0.0, 1.0]] * len(items)
        for group, probs in zip(groups, results, strict=True):
            for row, index in enumerate(group):
                out[index] = probs[row]
        return out

    @cached_property
    def _workers(self) -> ThreadPoolExecutor:
        import torch

        return ThreadPoolExecutor(
            max_workers=max(1, torch.get_num_threads()),
            thread_name_prefix="agora-reader",
            initializer=torch.set_num_threads,
            initargs=(1,),
        )

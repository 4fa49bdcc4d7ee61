"""Scale: ingest throughput (embedded vs a Chroma server, 1 vs 4 clients) and hybrid query
latency at 10k / 100k / 1M chunks (embedded and server), with memory.

Ingest runs the real `agora library add` command on SciFact abstracts. Latency libraries
are synthetic (allowed by issue 6): Zipf-distributed words for BM25 and random unit vectors
for Chroma, written through the product's own catalog and vector store; each query runs the
whole `Retriever.search` path (query embedding, Chroma, BM25, fusion, passages).

    .venv/bin/python scripts/bench_scale.py [--sizes 10000,100000,1000000] [--skip-ingest]
        [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

from bench_ingest import write_scifact  # noqa: E402
from benchlib import markdown_table, write_section  # noqa: E402
from chroma_server import ChromaServer  # noqa: E402

from agora.settings import Settings  # noqa: E402
from ingest import Library  # noqa: E402
from ingest.embedding import Embedder  # noqa: E402
from ingest.types import Chunk, Source, SourceKind, SourceStatus  # noqa: E402
from retrieval.hybrid import Retriever  # noqa: E402

AGORA = str(Path(sys.executable).parent / "agora")
CHUNKS_PER_SOURCE = 1000
RESULTS = ROOT / ".cache" / "bench_scale.json"
WORDS = [f"w{i}" for i in range(30_000)]


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process (this one by default), in MB."""
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


# -- ingest throughput ----------------------------------------------------------------


def ingest(folders: list[Path], env: dict[str, str], library: Path) -> float:
    """Seconds for len(folders) concurrent `agora library add` processes."""
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [AGORA, "library", "add", str(folder), "--library", f"{library}-{i}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i, folder in enumerate(folders)
    ]
    codes = [process.wait() for process in processes]
    if any(codes):
        raise RuntimeError(f"an ingest client failed: {codes}")
    return time.perf_counter() - started


def ingest_rows(work: Path, server: ChromaServer, documents: int) -> list[list[object]]:
    docs = work / "scifact"
    docs.mkdir()
    write_scifact(docs, documents)
    files = sorted(docs.iterdir())
    quarters = []
    for i in range(4):
        quarter = work / f"quarter-{i}"
        quarter.mkdir()
        for file in files[i::4]:
            (quarter / file.name).symlink_to(file)
        quarters.append(quarter)
    base = {**os.environ, "HF_HUB_OFFLINE": "1"}
    server_env = {**base, "AGORA_CHROMA_URL": server.url}
    runs = [
        ("embedded", 1, ingest([docs], base, work / "embedded")),
        ("server", 1, ingest([docs], {**server_env, "AGORA_LIBRARY_NAME": "one"}, work / "s1")),
        (
            "server",
            4,
            ingest(quarters, {**server_env, "AGORA_LIBRARY_NAME": "four"}, work / "s4"),
        ),
    ]
    return [
        [mode, clients, documents, f"{seconds:.1f}", f"{documents / seconds:.1f}"]
        for mode, clients, seconds in runs
    ]


# -- query latency --------------------------------------------------------------------


def synthetic_library(settings: Settings, embedder: Embedder, chunks: int) -> Library:
    """A library of `chunks` synthetic chunks, written through catalog and vector store."""
    rng = np.random.default_rng(7)
    weights = 1.0 / np.arange(1, len(WORDS) + 1)
    weights /= weights.sum()
    library = Library(settings.library_config(), embedder=embedder)
    now = datetime.now(UTC)
    for number in range(chunks // CHUNKS_PER_SOURCE):
        source_id = f"synthetic{number:06d}"
        words = rng.choice(len(WORDS), size=(CHUNKS_PER_SOURCE, 60), p=weights)
        texts = [" ".join(WORDS[w] for w in row) for row in words]
        text = "\n\n".join(texts)
        offsets = np.cumsum([0] + [len(t) + 2 for t in texts])
        chunk_list = [
            Chunk(
                chunk_id=f"{source_id}:000000000000:{i}",
                source_id=source_id,
                index=i,
                text=body,
                start=int(offsets[i]),
                end=int(offsets[i]) + len(body),
            )
            for i, body in enumerate(texts)
        ]
        source = Source(
            source_id=source_id,
            location=f"/synthetic/{number}.txt",
            path=f"/synthetic/{number}.txt",
            kind=SourceKind.TEXT,
            title=f"Synthetic {number}",
            content_hash=f"{number:064d}",
            status=SourceStatus.OK,
            fetched_at=now,
            chunk_count=len(chunk_list),
        )
        stored = library.catalog.record_failure(source.model_copy(update={"chunk_count": 0}))
        source = source.model_copy(update={"number": stored.number})
        vectors = rng.normal(size=(len(chunk_list), embedder.dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        library.store.add([(chunk, source) for chunk in chunk_list], vectors)
        library.catalog.save_ok(source, text, [], chunk_list)
    return library


def latency_row(
    mode: str,
    settings: Settings,
    embedder: Embedder,
    chunks: int,
    queries: int,
    server_pid: int | None,
) -> list[object]:
    started = time.perf_counter()
    library = synthetic_library(settings, embedder, chunks)
    build = time.perf_counter() - started
    retriever = Retriever(library)
    rng = np.random.default_rng(11)
    texts = [" ".join(WORDS[w] for w in rng.integers(0, 3000, size=8)) for _ in range(queries)]
    retriever.search(texts[0], k=10)  # load the BM25 index and warm up
    timings = []
    for text in texts:
        t0 = time.perf_counter()
        retriever.search(text, k=10)
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    memory = f"{rss_mb():.0f}" + (f" + server {rss_mb(server_pid):.0f}" if server_pid else "")
    library.close()
    return [
        mode,
        f"{chunks:,}",
        f"{build:.0f}",
        f"{statistics.median(timings):.1f}",
        f"{p95:.1f}",
        memory,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="Chunk counts for latency ('' for none)."
    )
    parser.add_argument("--ingest-docs", type=int, default=400, help="SciFact abstracts.")
    parser.add_argument("--skip-ingest", action="store_true", help="Only the latency part.")
    parser.add_argument("--modes", default="embedded,server", help="Latency for these modes.")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    # Rows are kept between runs (the 1M-chunk builds take most of an hour on 2 cores, so
    # they can run on their own) and each row says when it was measured.
    results = Results(RESULTS)
    embedder = Embedder()
    embedder.embed(["warm up"])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = ChromaServer(work / "chroma")
        try:
            if not args.skip_ingest:
                for row in ingest_rows(work, server, args.ingest_docs):
                    print(" | ".join(str(cell) for cell in row), flush=True)
                    results.put("ingest", row[:2], row, save=not args.no_write)
            for size in sizes:
                for mode in args.modes.split(","):
                    extra = (
                        {"chroma_url": server.url, "library_name": f"lat{size}"}
                        if mode == "server"
                        else {}
                    )
                    settings = Settings(library=work / f"lat-{mode}-{size}", **extra)  # type: ignore[arg-type]
                    pid = server.process.pid if mode == "server" else None
                    row = latency_row(mode, settings, embedder, size, args.queries, pid)
                    print(" | ".join(str(cell) for cell in row), flush=True)
                    results.put("latency", row[:2], row, save=not args.no_write)
                    shutil.rmtree(settings.library, ignore_errors=True)  # free the disk
        finally:
            server.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    body = (
        "Ingest: `agora library add` processes on SciFact abstracts (read, extract, chunk, "
        "embed, store). An embedded library has one writer at a time (a lock), so four "
        "concurrent clients need the server; with two cores they share the same CPUs, so "
        "four clients mainly show that concurrent writers are safe, not faster.\n\n"
        + markdown_table(
            ["mode", "clients", "abstracts", "seconds", "abstracts/s", "measured"],
            results.rows("ingest"),
        )
        + "\n\nQuery latency of the full hybrid search (query embedding, Chroma, BM25, fusion, "
        f"passages; k=10; {args.queries} queries) over synthetic libraries; memory is the "
        "resident size after the queries, in MB.\n\n"
        + markdown_table(
            ["mode", "chunks", "build s", "p50 ms", "p95 ms", "memory MB", "measured"],
            results.rows("latency"),
        )
        + f"\n\nPeak memory of the last benchmark process: {peak:.0f} MB. "
        "Command: `.venv/bin/python scripts/bench_scale.py` (all of it: over an hour on 2 "
        "cores, each 1M-chunk build taking half an hour). Parts run on their own, e.g. "
        "`--sizes 10000,100000` or `--skip-ingest --sizes 1000000 --modes server`; rows "
        "measured earlier are kept in `.cache/bench_scale.json` and shown with their date."
    )
    print(body)
    if not args.no_write:
        write_section("scale", "Scale: server mode, concurrency and latency", body)


class Results:
    """Benchmark rows by table and key, each stamped with the date it was measured."""

    def __init__(self, path: Path):
        self.path = path
        self.data: dict[str, dict[str, list[object]]] = (
            json.loads(path.read_text()) if path.exists() else {}
        )

    def put(self, table: str, key: list[object], row: list[object], *, save: bool) -> None:
        """Record a row; saved at once, so an interrupted run keeps what it measured."""
        measured = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
        self.data.setdefault(table, {})[json.dumps(key)] = [*row, measured]
        if save:
            self.save()

    def rows(self, table: str) -> list[list[object]]:
        """Rows in a stable order: by mode, then by the numbers that follow it."""

        def order(key: str) -> tuple[object, ...]:
            mode, second = json.loads(key)
            return (int(str(second).replace(",", "")), mode)

        entries = self.data.get(table, {})
        return [entries[key] for key in sorted(entries, key=order)]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.data, indent=1))


if __name__ == "__main__":
    main()

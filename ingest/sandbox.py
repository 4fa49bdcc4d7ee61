"""Run untrusted parsing (PDFs) in a worker process with memory and time limits.

A hostile PDF can make pypdf loop, recurse until the stack is gone, or inflate a small
stream into gigabytes (a decompression bomb). In-process, any of those takes Agora down
with it. Here the parse runs in a separate process started with ``spawn`` (a fork of a
process that has loaded torch and its thread pools is not safe), whose address space is
capped with ``RLIMIT_AS``; the caller waits at most ``timeout`` seconds. A worker that
times out or dies is killed and replaced, and the source fails with a reason.

One worker serves many parses, so its start-up (about a second) is paid once per `add`.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY = 2 * 1024**3


class SandboxError(Exception):
    """The sandboxed call was stopped; ``reason`` says why, for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _limit_memory(memory_bytes: int) -> None:
    """Runs first in the worker: cap its address space."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


class Sandbox:
    """A single worker process that runs one call at a time under limits."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, memory_bytes: int = DEFAULT_MEMORY):
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_limit_memory,
                initargs=(self.memory_bytes,),
            )
        return self._pool

    def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`function(*args, **kwargs)` in the worker. Its own exceptions come back as they
        are; a timeout, a crash or running out of memory raise `SandboxError`."""
        future = self._executor().submit(function, *args, **kwargs)
        try:
            return future.result(timeout=self.timeout)
        except FutureTimeout:
            self._kill()
            raise SandboxError(f"parsing took longer than {self.timeout:g} s (stopped)") from None
        except MemoryError:
            self._kill()
            raise SandboxError(self._memory_reason()) from None
        except BrokenProcessPool:
            self._kill()
            raise SandboxError(
                f"the parser crashed ({self._memory_reason()} or a fatal error)"
            ) from None

    def _memory_reason(self) -> str:
        return f"it needed more than {self.memory_bytes / 1024**3:.1f} GB of memory"

    def _kill(self) -> None:
        """Stop the worker for good; the next call starts a fresh one."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()  # a looping parser never returns to check a flag
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""LocalExecutor: a pool of worker processes on this machine (the default executor)."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

from cleaner.errors import UsageError

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """Every core this process may use (``os.cpu_count()`` when affinity is unknown)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class LocalExecutor:
    """Runs tasks in ``workers`` processes; results come back in task order.

    At most ``in_flight`` tasks (default two per worker, so a worker never waits for
    the driver) are submitted and not yet yielded; the driver reads the next task only
    when one is taken out. Workers start with ``forkserver``, so they never inherit
    the driver's threads or its growing memory.
    """

    shares_files = True

    def __init__(self, workers: int | None = None, in_flight: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        if self.workers < 1:
            raise UsageError(f"workers must be at least 1, not {self.workers}")
        self.in_flight = in_flight or 2 * self.workers
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            method = (
                "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            )
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context(method)
            )
        return self._pool

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        pool = self._get_pool()
        pending: deque[Future[R]] = deque()
        try:
            for task in tasks:
                pending.append(pool.submit(fn, task))
                if len(pending) >= self.in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

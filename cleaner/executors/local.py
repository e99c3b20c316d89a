"""LocalExecutor: a pool of worker processes on this machine (the default executor)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, TypeVar

from cleaner.errors import UsageError

if TYPE_CHECKING:  # the pool's modules are imported when a pool starts: a lone task needs none
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """Every core this process may use (``os.cpu_count()`` when affinity is unknown)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _follow_driver(driver: int) -> None:
    """Start a worker: it leaves Ctrl-C to the driver and ends when the driver ends.

    The driver stops its workers when it is interrupted (see :meth:`LocalExecutor.close`),
    so a worker ignores SIGINT, which a terminal sends to the whole process group. A
    driver killed outright (SIGKILL, the OOM killer) stops nothing: then a thread of the
    worker sees the driver's end and exits the worker, and with the last worker the
    forkserver and the resource tracker end too.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(driver,), name="follow-driver", daemon=True).start()


def _start_forkserver() -> None:
    """Start this process's forkserver (unless it runs) with Ctrl-C ignored.

    A process keeps an ignored signal ignored across ``exec``, and the forkserver gives
    each worker it forks the handlers it had before it began serving: so every worker
    ignores Ctrl-C from its first instruction. :func:`_follow_driver` does that too,
    but only once the worker runs it; a worker forked as the terminal sent Ctrl-C to
    the process group would die of ``KeyboardInterrupt`` before, printing "Process
    ForkServerProcess-N:" and a traceback beside the driver's one-line message. A
    Ctrl-C pressed while the forkserver is being forked (a few milliseconds) is lost.
    Signals are the main thread's to set: from another thread the forkserver starts
    as it would, on the first task.
    """
    import multiprocessing.forkserver  # only where there is one

    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


_STOPPING = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM) until the block is done, then handle it as before.

    The pool starts a worker inside ``submit``: the forkserver forks it, and only then
    does the pool put it in its table. Interrupted between the two, the pool knew
    nothing of a worker already reading its start-up state, which :meth:`LocalExecutor.close`
    then did not stop: it failed once the driver had gone and printed a traceback after
    the driver's one-line message. A second signal inside the block is handled at
    once. Signals are the main thread's to set: in another thread nothing is held.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    before: dict[int, Any] = {}

    def hold(signum: int, frame: Any) -> None:
        if not held:
            held.append(signum)
            return
        held.clear()  # asked twice: at once, and once
        _deliver(signum, before[signum])

    for sig in _STOPPING:
        before[sig] = signal.signal(sig, hold)
    try:
        yield
    finally:
        for sig in _STOPPING:
            if signal.getsignal(sig) is hold:  # a second signal's handler may have set one
                signal.signal(sig, before[sig])
        if held:
            _deliver(held[0], before[held[0]])


def _deliver(signum: int, handler: Any) -> None:
    """Handle ``signum`` as ``handler`` (what ``signal.signal`` gave back) would."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)


def _exit_with(driver: int) -> None:
    try:
        handle = os.pidfd_open(driver)  # Linux 5.3+: readable once the process has ended
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd here: look every second
        while _alive(driver):
            time.sleep(1.0)
        os._exit(1)
    watch = select.poll()
    watch.register(handle, select.POLLIN)
    while not watch.poll():
        pass
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user took the pid: ours has ended
        return False
    return True


# processes a local pool may start: far more than any machine has cores for, and below
# the count at which the pool's own semaphore overflows (2**31 workers, an internal error)
MAX_WORKERS = 1024


class LocalExecutor:
    """Runs tasks in ``workers`` processes; results come back in task order.

    At most ``in_flight`` tasks (default two per worker, so a worker never waits for
    the driver) are submitted and not yet yielded; the driver reads the next task only
    when one is taken out. Workers start with ``forkserver``, so they never inherit
    the driver's threads or its growing memory; the forkserver imports the module of
    the first function mapped, so the workers start with it imported. They ignore
    Ctrl-C and end with the driver, however it ends (see :func:`_follow_driver`).
    """

    shares_files = True

    def __init__(self, workers: int | None = None, in_flight: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        if not 1 <= self.workers <= MAX_WORKERS:
            raise UsageError(
                f"workers must be between 1 and {MAX_WORKERS:,} processes, not {self.workers}"
            )
        self.in_flight = in_flight or 2 * self.workers
        self._pool: ProcessPoolExecutor | None = None
        self._preload: list[str] = []
        self._open: set[Future[Any]] = set()  # submitted tasks not yet finished

    def _get_pool(self, module: str) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            method = (
                "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            )
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                # the forkserver imports the task's module once and each worker is forked
                # with it imported, instead of every worker importing it (and numpy, ftfy,
                # ...) again; ignored when this process's forkserver already runs
                context.set_forkserver_preload(["__main__", module, *self._preload])
                _start_forkserver()
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_follow_driver,
                initargs=(os.getpid(),),
            )
        return self._pool

    def preload(self, modules: Iterable[str]) -> None:
        """Have the workers start with ``modules`` imported (a stage's model): the
        forkserver imports them once and forks each worker with them loaded. Only
        before the first task, and only when this process starts a forkserver."""
        self._preload += [m for m in modules if m not in self._preload]

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """``fn`` of every task, in order; a lone task runs in this process, since
        starting the workers would cost more than it saves (each imports cleaner and
        loads the line model)."""
        tasks = iter(tasks)
        ahead = list(islice(tasks, 2))
        if len(ahead) < 2 and self._pool is None:
            yield from map(fn, ahead)
            return
        tasks = chain(ahead, tasks)
        pool = self._get_pool(fn.__module__)
        pending: deque[Future[R]] = deque()
        try:
            for task in tasks:
                with _signals_held():  # a worker it starts is in the pool's table
                    future = pool.submit(fn, task)
                self._open.add(future)
                future.add_done_callback(self._open.discard)
                pending.append(future)
                if len(pending) >= self.in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        """Stop the workers; at once if tasks still run (an interrupted or failed run)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if any(not future.done() for future in list(self._open)):
            for process in list(pool._processes.values()):  # no public way before 3.14
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        self._open.clear()

"""RayExecutor: run a cleaning job's tasks on a Ray cluster (needs ``cleaner[ray]``).

The only module that imports Ray. Stages know nothing of it: the task function
:func:`cleaner.run.tasks.clean_files` (and :func:`cleaner.run.tasks.count_files` before it, when
``corpus-repeat`` counts lines) runs unchanged as a Ray task, one CPU each, and results
come back in task order, at most ``in_flight`` at a time. The driver (the process that
runs ``cleaner run``) keeps the state and writes the outputs; a worker reads its input
file by path, so every worker must see the input folder at the same path (a shared
volume), and needs the ``cleaner`` package. A large file is cleaned as it is read and its
rows come back through the object store a part at a time (:class:`RayParts`).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from cleaner.errors import UsageError

try:
    import ray
except ImportError as e:  # pragma: no cover - depends on the environment
    raise UsageError(
        "the ray executor needs Ray: pip install 'cleaner[ray]' (on the driver and every "
        "worker image)."
    ) from e

T = TypeVar("T")
R = TypeVar("R")
CONNECT_SECONDS = 10.0  # to open a connection to a cluster's head before Ray is asked to


def _reachable(target: str) -> None:
    """Raise :class:`ConnectionError` when a cluster address (``HOST:PORT``, or
    ``ray://HOST:PORT``) takes no connection. Ray itself retries such an address for
    ever, printing a line a second, where a wrong ``--address`` wants one line and an
    end; ``auto`` and ``local`` name no host to try."""
    import socket

    host, sep, port = target.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit() or "://" in host:
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), CONNECT_SECONDS).close()
    except OSError as e:
        raise ConnectionError(f"no connection: {e.strerror or e}") from None


class RayParts:
    """A large file's rows in Ray's object store, a part at a time (:class:`~cleaner.run.
    tasks.Parts`): put by the task that cleans the file, as it goes, and taken by the
    driver, which stores each part and lets it go; Ray spills them to disk when memory
    runs short. So neither the worker nor the driver holds the file's rows whole."""

    def put(self, rows: Any) -> Any:
        return ray.put(rows)

    def take(self, handle: Any) -> Any:
        return ray.get(handle)

    def drop(self, handle: Any) -> None:
        return None  # an object nothing refers to any more is freed by Ray


class RayExecutor:
    """Runs tasks as Ray tasks on the cluster at ``address`` (``"auto"``, ``"ray://…"``).

    With no address, joins the cluster this process already initialized, else the one
    ``RAY_ADDRESS`` names, else starts a local one: not the cluster the last ``ray
    start`` on this machine recorded, which Ray would join, and wait for, long after it
    stopped. ``workers`` (default: the cluster's CPUs) sizes the number of tasks in
    flight. Tasks read their input files by path (see the module docstring).
    """

    shares_files = True  # by contract: the input folder is on a shared volume
    parts = RayParts()  # a large file's rows: through the object store, not the driver's disk

    def __init__(
        self, address: str | None = None, workers: int | None = None, in_flight: int | None = None
    ) -> None:
        if not ray.is_initialized():
            target = address or os.environ.get("RAY_ADDRESS") or "local"
            try:
                _reachable(target)
                ray.init(address=target, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, ValueError, RuntimeError) as e:
                raise UsageError(
                    f"cannot reach a Ray cluster at "
                    f"{'a new local instance' if target == 'local' else target} ({e}); "
                    "check --address (e.g. auto, or ray://HEAD:10001)."
                ) from e
        cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        self.workers = workers or max(1, cpus)
        self.in_flight = in_flight or 2 * self.workers
        self._remote: dict[Callable[..., Any], Any] = {}
        self._pending: deque[Any] = deque()  # tasks submitted and not yet yielded

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        remote = self._remote.get(fn)
        if remote is None:
            remote = self._remote[fn] = ray.remote(num_cpus=1)(fn)
        pending = self._pending = deque()
        try:
            for task in tasks:
                pending.append(remote.remote(task))
                if len(pending) >= self.in_flight:
                    yield ray.get(pending.popleft())
            while pending:
                yield ray.get(pending.popleft())
        finally:
            self._cancel()

    def _cancel(self) -> None:
        while self._pending:
            ray.cancel(self._pending.popleft())

    def close(self) -> None:
        """Cancel the tasks still in flight (an interrupted run); leave the cluster running:
        it belongs to whoever started it.

        A driver killed outright cancels nothing, but Ray ends the tasks of a driver
        that died: the workers of a local instance end with it, and a cluster frees
        the workers the dead driver held.
        """
        self._cancel()
        self._remote.clear()

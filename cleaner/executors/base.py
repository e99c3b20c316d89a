"""The executor contract: run one function over a stream of tasks, in order, bounded.

An executor is where the per-shard work of a run happens: in this process
(:class:`InlineExecutor`), in a local process pool
(:class:`~cleaner.executors.local.LocalExecutor`) or on a Ray cluster
(:class:`cleaner.integrations.ray.RayExecutor`). All of them keep the same promise, so
the output of a run does not depend on which one ran it:

* ``map(fn, tasks)`` yields ``fn(task)`` for each task **in the order of the tasks**;
* it reads ``tasks`` lazily and keeps at most ``in_flight`` of them submitted and not
  yet yielded, so memory is bounded by a few shards, not by the corpus;
* ``fn`` is a module-level function and tasks and results pickle, so the work can run
  in another process or on another machine.

``shares_files`` says whether the tasks see the driver's file system (then a task can
read a spilled shard from disk instead of receiving its bytes). An executor whose tasks
do not may have ``parts`` (:class:`cleaner.run.tasks.Parts`): where a task leaves a
large file's rows a part at a time for the driver to take (Ray's object store); without
it, a large file comes back whole from a task that does not share the driver's disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar, runtime_checkable

T = TypeVar("T")
R = TypeVar("R")


@runtime_checkable
class Executor(Protocol):
    """Runs tasks somewhere and yields their results in task order."""

    @property
    def workers(self) -> int:
        """How many tasks can run at once (used to size partitions)."""
        ...

    @property
    def shares_files(self) -> bool:
        """True when tasks can read files the driver wrote."""
        ...

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """``fn(task)`` for each task, in order, with a bounded number in flight."""
        ...

    def close(self) -> None:
        """Release workers; the executor is not used afterwards."""
        ...


class InlineExecutor:
    """Runs every task in this process, one after the other (``workers=1``).

    >>> list(InlineExecutor().map(abs, [-2, 1]))
    [2, 1]
    """

    workers = 1
    shares_files = True

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        return None

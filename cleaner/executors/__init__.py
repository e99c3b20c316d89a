"""Where a run's work happens: this process, a local process pool, or a Ray cluster.

:func:`cleaner.run.corpus.clean_corpus` hands the input files to an :class:`Executor` as
tasks of one file or a batch of small ones (read them, run the per-document stages);
the driver keeps the state, the dedup index and the outputs, so the result does not
depend on the executor. Pick one with :func:`make_executor`.

The process pool (:mod:`cleaner.executors.local`, which loads multiprocessing) is
imported on first use (PEP 562), so that the CLI's option list costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cleaner.errors import UsageError
from cleaner.executors.base import Executor, InlineExecutor

if TYPE_CHECKING:
    from cleaner.executors.local import LocalExecutor, default_workers

__all__ = [
    "EXECUTORS",
    "Executor",
    "InlineExecutor",
    "LocalExecutor",
    "default_workers",
    "make_executor",
]

EXECUTORS = ("local", "ray")


def __getattr__(name: str) -> object:
    if name in ("LocalExecutor", "default_workers"):
        from cleaner.executors import local

        return getattr(local, name)
    raise AttributeError(f"module 'cleaner.executors' has no attribute {name!r}")


def make_executor(
    kind: str = "local", workers: int | None = None, address: str | None = None
) -> Executor:
    """An executor by name: ``"local"`` (``workers`` processes, default every core; 1
    runs in this process) or ``"ray"`` (tasks on the Ray cluster at ``address``; needs
    ``cleaner[ray]``, and every worker must see the input folder at the same path).
    """
    if kind == "local":
        from cleaner.executors.local import LocalExecutor, default_workers

        if address is not None:
            raise UsageError("--address is for --executor ray; drop it or add --executor ray.")
        count = default_workers() if workers is None else workers
        return InlineExecutor() if count == 1 else LocalExecutor(count)
    if kind == "ray":
        from cleaner.integrations.ray import RayExecutor

        return RayExecutor(address=address, workers=workers)
    raise UsageError(f"unknown executor {kind!r}; use one of: {', '.join(EXECUTORS)}")

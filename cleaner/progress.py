"""Progress reporting without printing: the library calls back, the caller draws.

A :data:`Progress` callback receives ``(done, total)``: in documents for a stream,
where ``total`` is None when its length is unknown, and in input files for a run. A
run makes up to two passes over its files (when ``corpus-repeat`` counts their lines
before they are cleaned); each pass counts from 1 to its number of files, and a
callback that also has a ``phase(name)`` method is told when a pass starts
(``"counting lines"``, ``"cleaning"``). The library never prints, so the CLI passes a
callback that draws a bar on a terminal and others pass nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

Progress = Callable[[int, "int | None"], None]
T = TypeVar("T")


def counted(
    items: Iterable[T], progress: Progress | None, total: int | None = None, every: int = 1
) -> Iterator[T]:
    """Yield ``items`` unchanged, calling ``progress(done, total)`` every ``every`` items.

    The last call always reports the final count, so a bar ends full.

    >>> seen = []
    >>> list(counted("abc", lambda done, total: seen.append((done, total)), 3, every=2))
    ['a', 'b', 'c']
    >>> seen
    [(2, 3), (3, 3)]
    """
    if progress is None:
        yield from items
        return
    done = 0
    for item in items:
        yield item
        done += 1
        if done % every == 0:
            progress(done, total)
    if done % every:
        progress(done, total)

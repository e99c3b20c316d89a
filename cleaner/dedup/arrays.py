"""Array helpers the dedup code shares."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["distinct"]

G = TypeVar("G", bound=np.generic)


def distinct(values: npt.NDArray[G]) -> npt.NDArray[G]:
    """The sorted distinct values of a 1-d array: ``np.unique(values)``, by sorting.

    From numpy 2.3, ``np.unique`` first puts the values in a hash table. On the
    ``a << 32 | b`` codes of pairs and (document, shingle) keys, whose low or high half
    repeats, that is 10 to 25 times slower than a sort (numpy 2.4: 0.16 CPU-s against
    0.01 for the shingle keys of 10 MB of real text; 0.7 s against 0.1 for a million
    pair codes of one paragraph copied 10,000 times).

    >>> distinct(np.array([3, 1, 3, 2], dtype=np.uint64)).tolist()
    [1, 2, 3]
    """
    out = np.sort(values.ravel())
    if len(out) < 2:
        return out
    return out[np.concatenate(([True], out[1:] != out[:-1]))]

"""numpy arrays: what numpy gives slowly."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["distinct"]

G = TypeVar("G", bound=np.generic)


def distinct(values: npt.NDArray[G]) -> npt.NDArray[G]:
    """The sorted distinct values of a 1-d array: ``np.unique(values)``, by sorting.

    From numpy 2.3, ``np.unique`` without its index, inverse or count outputs puts the
    values in a hash table first. Here that is 14 to 100 times slower than a sort: 0.16
    CPU-s against 0.01 for the (document, shingle) keys of 10 MB of real text, 0.6 s
    against 0.03 for two million indices below 500,000, 0.7 s against 0.1 for the
    ``a << 32 | b`` pair codes of one paragraph copied 10,000 times (numpy 2.4).

    >>> distinct(np.array([3, 1, 3, 2], dtype=np.uint64)).tolist()
    [1, 2, 3]
    """
    out = np.sort(values.ravel())
    if len(out) < 2:
        return out
    return out[np.concatenate(([True], out[1:] != out[:-1]))]

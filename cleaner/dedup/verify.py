"""Verification: the exact Jaccard of shingle sets, and the signature estimate.

Nothing is dropped on an estimate: every candidate pair is verified on the exact
Jaccard of its two sets of 32-bit shingle hashes (sorted, unique ``uint32`` arrays).
The estimate (the share of equal signature values) only filters out candidates far
below the threshold before the exact comparison.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from cleaner.dedup.minhash import native
from cleaner.dedup.shingles import ShingleSets, ranges

__all__ = [
    "containment",
    "estimated_jaccard",
    "exact_intersection",
    "exact_jaccard",
    "jaccard",
    "jaccard_of",
    "link_need",
    "may_reach",
    "numpy_intersection",
    "overlaps",
    "size_bounds",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U32 = npt.NDArray[np.uint32]

EPS = 1e-9  # keeps float rounding on the safe side of the size bounds


def jaccard(a: U32, b: U32) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays (0.0 when both are empty).

    >>> jaccard(np.array([1, 2, 3], np.uint32), np.array([2, 3, 4], np.uint32))
    0.5
    """
    if not len(a) and not len(b):
        return 0.0
    inter = int(np.intersect1d(a, b, assume_unique=True).size)
    return inter / (len(a) + len(b) - inter)


def exact_intersection(
    sets: ShingleSets, a: I64, b: I64, chunk: int = 1 << 22, need: I64 | None = None
) -> I64:
    """Size of the intersection of the sets of each pair ``(a[k], b[k])``.

    Merged pair by pair in C where ``cleaner/dedup/_minhash.c`` was built, else
    :func:`numpy_intersection` (``chunk``: its shingles per numpy pass); the same sizes.
    With ``need``, a caller asks only whether each size is at least ``need[k]``: a pair
    whose size is below it may get any count below it (C stops merging as soon as the
    rest cannot reach it), the others their exact size.

    >>> s = ShingleSets.from_csr(np.array([1, 2, 3, 2, 3, 4], np.uint32), np.array([0, 3, 6]))
    >>> exact_intersection(s, np.array([0]), np.array([1])).tolist()
    [2]
    """
    if native is None:
        return numpy_intersection(sets, a, b, chunk)
    out = np.empty(len(a), np.int64)
    native.intersections(
        np.ascontiguousarray(sets.values, np.uint32),
        np.ascontiguousarray(sets.indptr, np.int64),
        np.ascontiguousarray(a, np.int64),
        np.ascontiguousarray(b, np.int64),
        out,
        *(() if need is None else (np.ascontiguousarray(need, np.int64),)),
    )
    return out


def overlaps(mine: U32, others: Sequence[U32], need: I64 | None = None) -> I64:
    """How many hashes of ``mine`` each set of ``others`` holds (sorted unique arrays):
    one :func:`exact_intersection` call for a document and its candidates (``need``:
    as there, the overlap that matters for each; below it, any count below it).

    >>> overlaps(np.array([1, 2, 3], np.uint32), [np.array([2, 3, 4], np.uint32)]).tolist()
    [2]
    """
    sets = [mine, *others]
    indptr = np.concatenate(([0], np.cumsum([len(x) for x in sets]))).astype(np.int64)
    every = ShingleSets(np.concatenate(sets).astype(np.uint32, copy=False), indptr)
    return exact_intersection(
        every,
        np.zeros(len(others), np.int64),
        np.arange(1, len(sets), dtype=np.int64),
        need=need,
    )


def numpy_intersection(sets: ShingleSets, a: I64, b: I64, chunk: int = 1 << 22) -> I64:
    """:func:`exact_intersection` in numpy: each hash tagged with its pair and searched
    for among the other set's, about ``chunk`` hashes of both sets per pass."""
    sizes = sets.sizes()
    out = np.zeros(len(a), np.int64)
    cum = np.cumsum(sizes[a] + sizes[b])
    lo = 0
    while lo < len(a):
        done = int(cum[lo - 1]) if lo else 0
        hi = max(lo + 1, int(np.searchsorted(cum, done + chunk, side="right")))
        pa, pb = a[lo:hi], b[lo:hi]
        sa, sb = sizes[pa], sizes[pb]
        tag_a = np.repeat(np.arange(hi - lo, dtype=np.uint64), sa) << np.uint64(32)
        tag_b = np.repeat(np.arange(hi - lo, dtype=np.uint64), sb) << np.uint64(32)
        key_a = tag_a | sets.values[ranges(sets.indptr[pa], sa)]
        key_b = tag_b | sets.values[ranges(sets.indptr[pb], sb)]  # sorted: pair, then value
        pos = np.minimum(np.searchsorted(key_b, key_a), max(len(key_b) - 1, 0))
        hit = key_b[pos] == key_a if len(key_b) else np.zeros(len(key_a), np.bool_)
        out[lo:hi] = np.bincount((key_a[hit] >> np.uint64(32)).astype(np.int64), minlength=hi - lo)
        lo = hi
    return out


def jaccard_of(inter: npt.ArrayLike, size_a: npt.ArrayLike, size_b: npt.ArrayLike) -> F64:
    """Jaccard from intersection and set sizes (0 when both sets are empty)."""
    i = np.asarray(inter, dtype=np.float64)
    union = np.asarray(size_a, dtype=np.float64) + np.asarray(size_b, dtype=np.float64) - i
    return np.asarray(np.where(union > 0, i / np.maximum(union, 1), 0.0), dtype=np.float64)


def exact_jaccard(sets: ShingleSets, a: I64, b: I64, chunk: int = 1 << 22) -> F64:
    """Exact Jaccard of the sets of each pair ``(a[k], b[k])``, vectorized; J(∅, ∅) = 0.

    >>> s = ShingleSets.from_csr(np.array([1, 2, 3, 2, 3, 4], np.uint32), np.array([0, 3, 6]))
    >>> exact_jaccard(s, np.array([0]), np.array([1])).tolist()
    [0.5]
    """
    sizes = sets.sizes()
    return jaccard_of(exact_intersection(sets, a, b, chunk), sizes[a], sizes[b])


def containment(a: U32, b: U32) -> float:
    """Share of the sorted unique hashes ``a`` that ``b`` holds too (0.0 when ``a`` is empty).

    >>> containment(np.array([1, 2], np.uint32), np.array([1, 2, 3, 4], np.uint32))
    1.0
    """
    if not len(a):
        return 0.0
    return int(np.intersect1d(a, b, assume_unique=True).size) / len(a)


def estimated_jaccard(signatures: U32, a: I64, b: I64, chunk: int = 1 << 16) -> F64:
    """Share of equal signature values for each pair: the MinHash Jaccard estimate."""
    out = np.empty(len(a), np.float64)
    for lo in range(0, len(a), chunk):
        eq = signatures[a[lo : lo + chunk]] == signatures[b[lo : lo + chunk]]
        out[lo : lo + chunk] = eq.mean(axis=1)
    return out


def link_need(
    size_a: npt.ArrayLike,
    size_b: npt.ArrayLike,
    threshold: float,
    containment: float | None = None,
    where: npt.ArrayLike | None = None,
) -> I64:
    """The fewest shared shingles that link sets of ``size_a`` and ``size_b``: a Jaccard
    of at least ``threshold`` (as :func:`jaccard_of` computes it), or, with
    ``containment`` (and where ``where`` is true, if given), at least that share of
    ``size_b`` (the later set) less :data:`EPS`. Both tests grow with the overlap, so an
    overlap links exactly when it is at least this (which can exceed the smaller size:
    then none does).

    >>> link_need(np.array([10, 10]), np.array([10, 30]), 0.8).tolist()
    [9, 18]
    >>> link_need(np.array([100]), np.array([10]), 0.8, containment=0.85).tolist()
    [9]
    """
    a = np.asarray(size_a, np.int64)
    b = np.asarray(size_b, np.int64)
    # the real bound is t (a + b) / (1 + t); the float test is tried just around it
    low = np.maximum(np.floor(threshold * (a + b) / (1 + threshold)).astype(np.int64) - 2, 0)
    need = low + 5
    for step in range(4, -1, -1):
        at = low + step
        need = np.where(jaccard_of(at, a, b) >= threshold, at, need)
    if containment is not None:
        share = np.minimum(need, np.maximum(np.ceil(containment * b - EPS), 0).astype(np.int64))
        need = share if where is None else np.where(where, share, need)
    return np.asarray(need, np.int64)


def size_bounds(n: int, threshold: float) -> tuple[int, int]:
    """Shingle counts a set of size ``n`` can have Jaccard >= threshold with."""
    return math.floor(threshold * n - EPS), math.ceil(n / threshold + EPS)


def may_reach(a: npt.ArrayLike, b: npt.ArrayLike, threshold: float) -> npt.NDArray[np.bool_]:
    """Whether sets of sizes ``a`` and ``b`` can have Jaccard >= threshold (pairwise):
    the Jaccard is at most the smaller size over the larger (see :func:`size_bounds`).

    >>> may_reach([10, 10], [12, 14], 0.8).tolist()
    [True, False]
    """
    large = np.maximum(a, b).astype(np.float64)
    small = np.minimum(a, b)
    return np.asarray(small >= np.floor(threshold * large - EPS))

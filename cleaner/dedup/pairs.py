"""Candidate pairs: documents that share a band key, found on sorted flat arrays.

``keys`` has one row per document and one column per band (see
:func:`cleaner.dedup.lsh.band_keys`). Runs of equal keys come from sorted order, not
from dicts of Python objects; pairs are ``a << 32 | b`` codes (:func:`pair_codes`).

* :func:`candidate_pairs` caps long runs, for in-memory batches that may hold many
  copies of one text (a paragraph repeated across a corpus): a run longer than
  ``max_run`` is not expanded to all its pairs; each member is paired with the run's
  first member (in rank order) and its ``max_run`` successors, which is enough for star
  clustering around the first member. With ``groups``, runs never cross a group, so a
  group's pairs do not depend on what other groups share the batch.
* :func:`candidate_runs` keeps the runs themselves (:class:`Runs`), in space linear in
  the documents: what the keep-longest rule of a full build reads
  (:func:`cleaner.dedup.resolve.resolve_arrays`, which judges exact copies as one
  document first, then lists a document's later run-mates only when it is kept).
  :func:`partitioned_candidate_runs` is the same, computed on an executor in hash
  partitions of the band tokens.
* :func:`all_candidate_pairs` lists every pair of every run: ``m * (m - 1) / 2`` for a
  run of ``m``, so it is for counting and scoring candidates (the benchmarks), not for
  a corpus with thousands of near copies of one text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from cleaner.arrays import distinct
from cleaner.dedup.shingles import fmix64, ranges

__all__ = [
    "Runs",
    "all_candidate_pairs",
    "candidate_pairs",
    "candidate_runs",
    "join_runs",
    "pair_codes",
    "partition_runs",
    "partitioned_candidate_runs",
]

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]


def _run_pairs(
    keys: npt.NDArray[np.unsignedinteger], ids: npt.NDArray[np.integer], max_run: int
) -> tuple[I64, I64]:
    """Pairs of ids inside runs of equal sorted ``keys``, long runs capped."""
    if len(keys) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    new_run = np.concatenate(([True], keys[1:] != keys[:-1]))
    run = np.cumsum(new_run)
    head = np.flatnonzero(new_run)[run - 1]
    firsts, seconds = [], []
    member = np.flatnonzero(~new_run)  # every non-first member pairs with its run's first
    firsts.append(ids[head[member]])
    seconds.append(ids[member])
    for d in range(1, max_run + 1):
        same = np.flatnonzero(run[:-d] == run[d:])
        if not len(same):
            break
        firsts.append(ids[same])
        seconds.append(ids[same + d])
    return (
        np.concatenate(firsts).astype(np.int64),
        np.concatenate(seconds).astype(np.int64),
    )


def _pair_codes(a: I64, b: I64) -> npt.NDArray[np.uint64]:
    """The distinct pairs of ``a`` and ``b`` as codes of (lower, higher); none of one id."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    return distinct(pair_codes(lo[keep], hi[keep]))


def candidate_pairs(
    keys: U32, rank: I64 | None = None, max_run: int = 64, groups: npt.ArrayLike | None = None
) -> tuple[I64, I64]:
    """Candidate pairs ``(a, b)``, ``a < b``, among the documents of ``keys``, long runs
    capped (see the module docstring).

    ``rank`` orders the members of a run (lower first, as in keep priority) so that
    the capping of long runs keeps the pairs that star clustering needs; by default
    the document index orders them. ``groups`` (a number below 2**32 per document):
    only documents of one group pair, and a run is capped within its group, so the
    pairs of a group are the ones it would get alone (the paragraphs of one document,
    whatever other documents share the batch).

    >>> keys = np.array([[7], [7], [9], [7]], dtype=np.uint32)
    >>> [p.tolist() for p in candidate_pairs(keys)]
    [[0, 0, 1], [1, 3, 3]]
    >>> [p.tolist() for p in candidate_pairs(keys, groups=[0, 1, 1, 1])]
    [[1], [3]]
    """
    n = keys.shape[0]
    order_rank = np.arange(n, dtype=np.int64) if rank is None else rank
    high = None if groups is None else np.asarray(groups).astype(np.uint64) << np.uint64(32)
    codes = np.zeros(0, np.uint64)
    for band in keys.T:  # merged band by band: copies of one text pair alike in every band
        if high is not None:  # runs of equal (group, key)
            band = high | band.astype(np.uint64)
        order = np.lexsort((order_rank, band))
        found = _pair_codes(*_run_pairs(band[order], order, max_run))
        codes = distinct(np.concatenate((codes, found)))
    return split_codes(codes)


def _all_run_pairs(codes: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Every pair inside runs of equal keys of sorted ``key << 32 | id`` codes, as
    ``a << 32 | b`` codes with ``a < b`` (ids ascend inside a run)."""
    keys = codes >> np.uint64(32)
    same = keys[1:] == keys[:-1]
    member = np.zeros(len(codes), np.bool_)
    member[1:] |= same
    member[:-1] |= same
    codes, keys = codes[member], keys[member]
    if not len(codes):
        return np.zeros(0, np.uint64)
    ids = codes & np.uint64(0xFFFFFFFF)
    new_run = np.concatenate(([True], keys[1:] != keys[:-1]))
    start = np.flatnonzero(new_run)[np.cumsum(new_run) - 1]
    count = np.arange(len(codes), dtype=np.int64) - start  # earlier members of the run
    later = np.repeat(np.arange(len(codes), dtype=np.int64), count)
    offset = np.arange(len(later), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    earlier = start[later] + offset
    return pair_codes(ids[earlier], ids[later])


def pair_codes(a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.uint64]:
    """``a << 32 | b`` as uint64: a pair (or a key and an id) as one sortable number."""
    high = np.asarray(a).astype(np.uint64, copy=False) << np.uint64(32)
    return np.asarray(high | np.asarray(b).astype(np.uint64, copy=False), dtype=np.uint64)


def split_codes(codes: npt.NDArray[np.uint64]) -> tuple[I64, I64]:
    """The ``(a, b)`` arrays of :func:`pair_codes`."""
    return (
        (codes >> np.uint64(32)).astype(np.int64),
        (codes & np.uint64(0xFFFFFFFF)).astype(np.int64),
    )


def all_candidate_pairs(keys: U32, ids: npt.ArrayLike | None = None) -> tuple[I64, I64]:
    """Every pair ``(a, b)``, ``a < b``, of documents that share a key in some band.

    ``keys`` has one row per document and one column per band; ``ids`` (below
    ``2**32``, default the row numbers) name the rows. Unlike :func:`candidate_pairs`
    no run is capped, so the result is exactly the pairs that share an index token: a
    run of ``m`` equal keys gives ``m * (m - 1) / 2`` pairs. Each band is sorted as one array of
    ``key << 32 | id`` codes; the pairs of a few bands at a time are merged into the
    sorted, unique result, so duplicates across bands are never held for long.

    >>> keys = np.array([[7, 1], [7, 2], [9, 2], [7, 3]], dtype=np.uint32)
    >>> [p.tolist() for p in all_candidate_pairs(keys)]
    [[0, 0, 1, 1], [1, 3, 2, 3]]
    """
    n = keys.shape[0]
    names = np.arange(n, dtype=np.uint64) if ids is None else np.asarray(ids).astype(np.uint64)
    found = np.zeros(0, np.uint64)
    pending: list[npt.NDArray[np.uint64]] = []
    waiting = 0
    for band in range(keys.shape[1] if keys.ndim == 2 else 0):
        codes = np.sort(pair_codes(keys[:, band], names))
        pending.append(_all_run_pairs(codes))
        waiting += len(pending[-1])
        if waiting > max(1 << 22, len(found)) or band == keys.shape[1] - 1:
            found = distinct(np.concatenate((found, *pending)))
            pending, waiting = [], 0
    return split_codes(found)


class Runs(NamedTuple):
    """Rows that share a band key, one run per key held by two rows or more, as CSR:
    run ``r`` is ``members[indptr[r]:indptr[r + 1]]``. A near copy of a text is in the
    runs of most of its bands, so runs can repeat; the pairs inside the runs are the
    candidates (:func:`all_candidate_pairs`), held here in space linear in the rows."""

    indptr: I64
    members: I64


def _runs_of_sorted(codes: npt.NDArray[np.uint64]) -> Runs:
    """The runs of two or more equal keys in sorted ``key << 32 | id`` codes."""
    keys = codes >> np.uint64(32)
    new_run = np.concatenate(([True], keys[1:] != keys[:-1])) if len(codes) else np.ones(0, bool)
    starts = np.flatnonzero(new_run)
    sizes = np.diff(np.append(starts, len(codes)))
    long = sizes >= 2
    members = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)[ranges(starts[long], sizes[long])]
    return Runs(np.concatenate(([0], np.cumsum(sizes[long]))).astype(np.int64), members)


def join_runs(parts: Iterable[Runs]) -> Runs:
    """The runs of ``parts`` one after another, as one :class:`Runs`."""
    parts = list(parts)
    sizes = np.concatenate([np.zeros(0, np.int64), *(np.diff(p.indptr) for p in parts)])
    members = np.concatenate([np.zeros(0, np.int64), *(p.members for p in parts)])
    return Runs(np.concatenate(([0], np.cumsum(sizes))).astype(np.int64), members)


def candidate_runs(keys: U32, ids: npt.ArrayLike | None = None) -> Runs:
    """The :class:`Runs` of ``keys`` (one row per document, one column per band; rows
    named by ``ids``, below ``2**32``, default the row numbers), band after band.

    >>> keys = np.array([[7, 1], [7, 2], [9, 2], [7, 3]], dtype=np.uint32)
    >>> runs = candidate_runs(keys)
    >>> runs.indptr.tolist(), runs.members.tolist()
    ([0, 3, 5], [0, 1, 3, 1, 2])
    """
    n = keys.shape[0]
    names = np.arange(n, dtype=np.uint64) if ids is None else np.asarray(ids).astype(np.uint64)
    bands = keys.shape[1] if keys.ndim == 2 else 0
    return join_runs(_runs_of_sorted(np.sort(pair_codes(keys[:, b], names))) for b in range(bands))


Partition = tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]
Mapper = Callable[[Callable[[Partition], Runs], Iterable[Partition]], Iterable[Runs]]


def _partitions(keys: U32, names: npt.NDArray[np.uint64], parts: int) -> Iterator[Partition]:
    """The ``(band << 32 | key, id)`` tokens of ``keys``, split by a hash of the token.

    Built one partition at a time from a one-byte partition number per token, so the
    driver never holds all tokens at 16 bytes each (an executor takes the partitions
    lazily, a few in flight).
    """
    bands = keys.shape[1]
    part = np.empty(keys.shape, np.uint8 if parts <= 256 else np.uint32)
    for band in range(bands):
        tokens = pair_codes(band, keys[:, band])
        part[:, band] = fmix64(tokens) % np.uint64(parts)
    for p in range(parts):
        chunks: list[npt.NDArray[np.uint64]] = []
        owners: list[npt.NDArray[np.uint64]] = []
        for band in range(bands):
            rows = np.flatnonzero(part[:, band] == p)
            chunks.append(pair_codes(band, keys[rows, band]))
            owners.append(names[rows])
        yield np.concatenate(chunks), np.concatenate(owners)


def partition_runs(partition: Partition) -> Runs:
    """The :class:`Runs` of one hash partition of the band tokens (a task). Every token
    falls in exactly one partition, so the partitions' runs together are
    :func:`candidate_runs`, in another order."""
    tokens, names = partition
    if not len(tokens):
        return Runs(np.zeros(1, np.int64), np.zeros(0, np.int64))
    _, dense = np.unique(tokens, return_inverse=True)  # below 2**32: fits a code's key
    return _runs_of_sorted(np.sort(pair_codes(dense, names)))


def partitioned_candidate_runs(
    keys: U32, map_: Mapper, parts: int, ids: npt.ArrayLike | None = None
) -> Runs:
    """:func:`candidate_runs`, computed as ``parts`` hash partitions of the band tokens.

    The shuffle of a distributed LSH: each ``(band, key)`` token goes to the partition
    its hash names, ``map_`` (an executor's ``map``: local processes, Ray tasks) finds
    the runs inside each partition, and they come back here one after another. The
    runs are those of one process, in another order.

    >>> keys = np.array([[7, 1], [7, 2], [9, 2], [7, 3]], dtype=np.uint32)
    >>> runs = partitioned_candidate_runs(keys, map, 3)
    >>> sorted(runs.members[a:b].tolist() for a, b in zip(runs.indptr, runs.indptr[1:]))
    [[0, 1, 3], [1, 2]]
    """
    n = keys.shape[0]
    names = np.arange(n, dtype=np.uint64) if ids is None else np.asarray(ids).astype(np.uint64)
    if keys.ndim != 2 or not n:
        return Runs(np.zeros(1, np.int64), np.zeros(0, np.int64))
    return join_runs(map_(partition_runs, _partitions(keys, names, parts)))

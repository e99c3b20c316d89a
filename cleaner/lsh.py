"""Locality-sensitive hashing over MinHash signatures, held in flat numpy arrays.

A signature is cut into ``bands`` bands of ``rows`` values; each band is hashed to one
uint32 key. Two documents are candidates when they share a key in some band. The
banding is chosen for recall at the threshold (:func:`choose_bands`): every candidate
is verified afterwards, so a spurious candidate costs time, never precision.

The index keeps, per band, the keys sorted and the document ids in the same order:
``2 * 4 * bands`` bytes per document (168 for 21 bands), and nothing else. Candidate
pairs come from runs of equal keys in sorted order, not from dicts of Python objects.
A run longer than ``max_run`` (many copies of one text) is not expanded to all its
pairs: each member is paired with the run's first member and its ``max_run``
successors, which is enough for star clustering around the first member.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cleaner.errors import InputError

__all__ = [
    "LSHIndex",
    "all_candidate_pairs",
    "band_keys",
    "candidate_pairs",
    "candidate_probability",
    "choose_bands",
    "pair_codes",
    "partition_pairs",
    "partitioned_candidate_pairs",
]

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
_R = np.uint64(0x9E3779B97F4A7C15)
_FORMAT = 1  # version of the saved index layout


def candidate_probability(jaccard: float, bands: int, rows: int) -> float:
    """Chance that a pair with this Jaccard shares at least one band: ``1-(1-j^r)^b``.

    >>> round(candidate_probability(0.8, 21, 6), 4)
    0.9983
    >>> round(candidate_probability(0.8, 9, 13), 4)
    0.3988
    """
    return float(1.0 - (1.0 - jaccard**rows) ** bands)


@lru_cache(maxsize=64)
def choose_bands(threshold: float, num_perm: int, recall: float = 0.995) -> tuple[int, int]:
    """The banding with the most rows (fewest spurious candidates) that still makes a
    pair at exactly ``threshold`` a candidate with probability ``>= recall``.

    Pairs above the threshold are found even more often. Unused permutations
    (``num_perm - bands * rows``) are left out of the bands but still feed the
    similarity estimate.

    >>> choose_bands(0.8, 128)
    (21, 6)
    >>> choose_bands(0.5, 128)
    (42, 3)
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= recall:
            best = (bands, rows)
    return best


def _fmix64(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def band_keys(signatures: U32, bands: int, rows: int) -> U32:
    """One uint32 key per band and document, shape ``(bands, n)``.

    >>> sig = np.arange(12, dtype=np.uint32).reshape(2, 6)
    >>> band_keys(sig, 3, 2).shape
    (3, 2)
    """
    n = len(signatures)
    if signatures.shape[1] < bands * rows:
        raise ValueError(f"signatures have {signatures.shape[1]} values, need {bands * rows}")
    sig = signatures[:, : bands * rows].reshape(n, bands, rows)
    acc = np.zeros((n, bands), np.uint64)
    for j in range(rows):
        acc = acc * _R + sig[:, :, j].astype(np.uint64)
    return np.ascontiguousarray((_fmix64(acc) >> np.uint64(32)).astype(np.uint32).T)


def _run_pairs(keys: U32, ids: npt.NDArray[np.integer], max_run: int) -> tuple[I64, I64]:
    """Pairs of ids inside runs of equal sorted ``keys`` (see the module docstring)."""
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


def _unique_pairs(a: I64, b: I64) -> tuple[I64, I64]:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    return _split_codes(np.unique(pair_codes(lo[keep], hi[keep])))


def candidate_pairs(keys: U32, rank: I64 | None = None, max_run: int = 64) -> tuple[I64, I64]:
    """All candidate pairs ``(a, b)``, ``a < b``, among the documents of ``keys``.

    ``rank`` orders the members of a run (lower first, as in keep priority) so that
    the capping of long runs keeps the pairs that star clustering needs; by default
    the document index orders them.

    >>> keys = np.array([[7, 7, 9, 7]], dtype=np.uint32)
    >>> [p.tolist() for p in candidate_pairs(keys)]
    [[0, 0, 1], [1, 3, 3]]
    """
    n = keys.shape[1]
    order_rank = np.arange(n, dtype=np.int64) if rank is None else rank
    firsts, seconds = [], []
    for band in keys:
        order = np.lexsort((order_rank, band))
        a, b = _run_pairs(band[order], order, max_run)
        firsts.append(a)
        seconds.append(b)
    if not firsts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return _unique_pairs(np.concatenate(firsts), np.concatenate(seconds))


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


def _split_codes(codes: npt.NDArray[np.uint64]) -> tuple[I64, I64]:
    """The ``(a, b)`` arrays of :func:`pair_codes`."""
    return (
        (codes >> np.uint64(32)).astype(np.int64),
        (codes & np.uint64(0xFFFFFFFF)).astype(np.int64),
    )


def all_candidate_pairs(keys: U32, ids: npt.ArrayLike | None = None) -> tuple[I64, I64]:
    """Every pair ``(a, b)``, ``a < b``, of documents that share a key in some band.

    ``keys`` has one row per document and one column per band (the transpose of
    :func:`band_keys`); ``ids`` (below ``2**32``, default the row numbers) name the
    rows. Unlike :func:`candidate_pairs` no run is capped, so the result is exactly
    the pairs that share an index token: a run of ``m`` equal keys gives
    ``m * (m - 1) / 2`` pairs. Each band is sorted as one array of
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
            found = np.unique(np.concatenate((found, *pending)))
            pending, waiting = [], 0
    return _split_codes(found)


class LSHIndex:
    """A persistent LSH index: per band, sorted uint32 keys and the matching doc ids.

    ``add`` inserts signatures under ids (by default the next free ones), ``query``
    returns the candidate ``(query_row, id)`` pairs of new signatures against what is
    stored, ``pairs`` the candidate pairs among stored documents; ``save``/``load``
    write and read one ``.npz`` file of plain arrays.

    >>> idx = LSHIndex(bands=2, rows=2)
    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 5, 6]], dtype=np.uint32)
    >>> idx.add(sig)
    >>> [p.tolist() for p in idx.query(np.array([[9, 9, 3, 4]], dtype=np.uint32))]
    [[0], [0]]
    """

    def __init__(self, bands: int, rows: int, max_run: int = 64) -> None:
        self.bands = bands
        self.rows = rows
        self.max_run = max_run
        self.keys: U32 = np.zeros((bands, 0), np.uint32)
        self.ids: U32 = np.zeros((bands, 0), np.uint32)

    def __len__(self) -> int:
        return int(self.keys.shape[1])

    @property
    def nbytes(self) -> int:
        """Bytes held by the index arrays."""
        return int(self.keys.nbytes + self.ids.nbytes)

    def add(self, signatures: U32, ids: npt.ArrayLike | None = None) -> None:
        """Insert documents; ``ids`` default to ``len(self) .. len(self) + n - 1``."""
        n = len(signatures)
        new_ids = (
            np.arange(len(self), len(self) + n, dtype=np.uint32)
            if ids is None
            else np.asarray(ids, dtype=np.uint32)
        )
        if len(new_ids) != n:
            raise ValueError(f"{n} signatures but {len(new_ids)} ids")
        keys = np.concatenate((self.keys, band_keys(signatures, self.bands, self.rows)), axis=1)
        all_ids = np.concatenate((self.ids, np.broadcast_to(new_ids, (self.bands, n))), axis=1)
        for band in range(self.bands):
            order = np.lexsort((all_ids[band], keys[band]))
            keys[band] = keys[band][order]
            all_ids[band] = all_ids[band][order]
        self.keys, self.ids = keys, all_ids

    def query(self, signatures: U32, max_hits: int | None = None) -> tuple[I64, I64]:
        """Candidate pairs ``(row in signatures, stored id)``, unique, sorted.

        ``max_hits`` caps the stored documents returned per band and query (the
        lowest ids first); by default ``max_run``.
        """
        cap = self.max_run if max_hits is None else max_hits
        qs, hits = [], []
        qkeys = band_keys(signatures, self.bands, self.rows)
        for band in range(self.bands):
            lo = np.searchsorted(self.keys[band], qkeys[band], side="left")
            hi = np.searchsorted(self.keys[band], qkeys[band], side="right")
            count = np.minimum(hi - lo, cap)
            q = np.repeat(np.arange(len(signatures), dtype=np.int64), count)
            offset = np.arange(len(q), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
            qs.append(q)
            hits.append(self.ids[band][np.repeat(lo, count) + offset].astype(np.int64))
        if not qs:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return _split_codes(np.unique(pair_codes(np.concatenate(qs), np.concatenate(hits))))

    def pairs(self) -> tuple[I64, I64]:
        """Candidate pairs ``(a, b)``, ``a < b``, among the stored ids."""
        firsts, seconds = [], []
        for band in range(self.bands):
            a, b = _run_pairs(self.keys[band], self.ids[band], self.max_run)
            firsts.append(a)
            seconds.append(b)
        if not firsts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return _unique_pairs(np.concatenate(firsts), np.concatenate(seconds))

    def save(self, path: str | Path) -> None:
        """Write the index as one uncompressed ``.npz`` of plain arrays."""
        np.savez(
            path,
            format=np.int64(_FORMAT),
            shape=np.array([self.bands, self.rows, self.max_run], np.int64),
            keys=self.keys,
            ids=self.ids,
        )

    @classmethod
    def load(cls, path: str | Path) -> LSHIndex:
        """Read an index written by :meth:`save`."""
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise InputError(
                f"{path}: not a readable LSH index ({e}). Delete it to rebuild."
            ) from e
        with data:
            if "format" not in data or int(data["format"]) != _FORMAT:
                raise InputError(
                    f"{path}: not an LSH index of format {_FORMAT}. Delete it to rebuild."
                )
            bands, rows, max_run = (int(x) for x in data["shape"])
            index = cls(bands, rows, max_run)
            index.keys = np.ascontiguousarray(data["keys"], dtype=np.uint32)
            index.ids = np.ascontiguousarray(data["ids"], dtype=np.uint32)
        return index


Partition = tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]
Mapper = Callable[
    [Callable[[Partition], npt.NDArray[np.uint64]], Iterable[Partition]],
    Iterable[npt.NDArray[np.uint64]],
]


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
        part[:, band] = _fmix64(tokens) % np.uint64(parts)
    for p in range(parts):
        chunks: list[npt.NDArray[np.uint64]] = []
        owners: list[npt.NDArray[np.uint64]] = []
        for band in range(bands):
            rows = np.flatnonzero(part[:, band] == p)
            chunks.append(pair_codes(band, keys[rows, band]))
            owners.append(names[rows])
        yield np.concatenate(chunks), np.concatenate(owners)


def partition_pairs(partition: Partition) -> npt.NDArray[np.uint64]:
    """The pairs of one hash partition, as sorted unique ``a << 32 | b`` codes (a task).

    Every token falls in exactly one partition, so the union of the partitions' pairs is
    :func:`all_candidate_pairs`.
    """
    tokens, names = partition
    if not len(tokens):
        return np.zeros(0, np.uint64)
    _, dense = np.unique(tokens, return_inverse=True)  # below 2**32: fits a code's key
    codes = np.sort(pair_codes(dense, names))
    return np.unique(_all_run_pairs(codes))


def partitioned_candidate_pairs(
    keys: U32, map_: Mapper, parts: int, ids: npt.ArrayLike | None = None
) -> tuple[I64, I64]:
    """:func:`all_candidate_pairs`, computed as ``parts`` hash partitions of the band tokens.

    The shuffle of a distributed LSH: each ``(band, key)`` token goes to the partition
    its hash names, ``map_`` (an executor's ``map``: local processes, Ray tasks) finds
    the pairs inside each partition, and the sorted unique union comes back here. The
    result is the same as in one process, whatever ``parts`` is.

    >>> keys = np.array([[7, 1], [7, 2], [9, 2], [7, 3]], dtype=np.uint32)
    >>> [p.tolist() for p in partitioned_candidate_pairs(keys, map, 3)]
    [[0, 0, 1, 1], [1, 3, 2, 3]]
    """
    n = keys.shape[0]
    names = np.arange(n, dtype=np.uint64) if ids is None else np.asarray(ids).astype(np.uint64)
    if keys.ndim != 2 or not n:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    found = np.unique(
        np.concatenate(
            [np.zeros(0, np.uint64), *map_(partition_pairs, _partitions(keys, names, parts))]
        )
    )
    return _split_codes(found)

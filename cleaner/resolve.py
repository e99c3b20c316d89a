"""Exact near-duplicate resolution: which documents stay, over any store of documents.

The rule (see :class:`~cleaner.stages.dedup.DropNearDuplicates`): documents are taken
longest first (after cleaning), ties broken by source path, then id, then position in
the input. A document is dropped when its word n-gram Jaccard with an earlier *kept*
document is at least the threshold; it then names the most similar such document
(ties: the one first in input order). The result depends only on the set of
documents, never on the order they arrive in, so it can be kept up to date: when
documents are added or removed, only documents similar to a changed one are judged
again, in rank order, and a change of verdict spreads to the documents similar to it.

Shingles are the canonical 32-bit shingle hashes of :mod:`cleaner.minhash` (lower-cased
word n-grams, words ``\\w+``), kept as a sorted ``uint32`` array per document. Jaccard is
computed exactly on those arrays, so nothing is decided on an estimate. Candidates come
from MinHash banding (:class:`Banding`: datasketch's permutations over the same hashes,
bands chosen for recall at the threshold by :func:`cleaner.lsh.choose_bands`): each
document gets one index token per band, and documents that share a token are
candidates. Tokens depend only on the document, so an in-memory run and the stored
index of an incremental run find the same candidates.

Two implementations of the rule share these facts. :class:`NearDuplicates` judges
documents one at a time and spreads changes (an incremental run, over the stored
index). :func:`cleaner.resolve_batch.resolve_arrays` judges a whole corpus at once:
band keys of every document (4 bytes per band), every pair that shares a key, the
shingle sets of only the documents in such a pair, exact Jaccard and the greedy, all
vectorized. Both give the same verdicts; :class:`MemoryIndex` is the first over a list
in memory, the reference the tests hold the second to.
"""

from __future__ import annotations

import heapq
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner import minhash
from cleaner.lsh import band_keys, choose_bands
from cleaner.minhash import ShingleSets, ranges

Shingles = npt.NDArray[np.uint32]
Keys = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Rank = tuple[Any, ...]

_EPS = 1e-9  # keeps float rounding on the safe side of the length bounds


def shingle_hashes(text: str, ngram: int = 5) -> Shingles:
    """Sorted, unique 32-bit hashes of the lower-cased word ``ngram``-grams of ``text``.

    Mirrors :func:`cleaner.stages.dedup.shingles`: a text of 1 to ``ngram - 1`` words is
    one shingle, a text with no words has none.

    >>> len(shingle_hashes("one two three four five six", 5)), len(shingle_hashes("", 5))
    (2, 0)
    """
    return minhash.shingle_hashes(text, ngram)


def shingle_sets(texts: Sequence[str], ngram: int = 5) -> ShingleSets:
    """:func:`shingle_hashes` of many texts at once, as one CSR pair of arrays.

    >>> sets = shingle_sets(["one two three four five six", ""])
    >>> sets[0].tolist() == shingle_hashes("one two three four five six").tolist()
    True
    """
    return minhash.MinHasher(num_perm=1, ngram=ngram).shingle_sets(texts)


def take(sets: ShingleSets, rows: I64) -> ShingleSets:
    """The sets of ``rows``, in that order, as a new CSR pair."""
    sizes = sets.sizes()[rows]
    return ShingleSets(
        sets.values[ranges(sets.indptr[:-1][rows], sizes)],
        np.concatenate(([0], np.cumsum(sizes))).astype(np.int64),
    )


def jaccard(a: Shingles, b: Shingles) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays (0.0 when both are empty)."""
    if not len(a) and not len(b):
        return 0.0
    inter = int(np.intersect1d(a, b, assume_unique=True).size)
    return inter / (len(a) + len(b) - inter)


@dataclass(frozen=True)
class Banding:
    """Index tokens of a shingle set: one per LSH band of its MinHash signature.

    >>> b = Banding(0.8)
    >>> len(b.tokens(shingle_hashes("one two three four five six seven"))), (b.bands, b.rows)
    (21, (21, 6))
    >>> len(b.tokens(shingle_hashes("")))
    0
    """

    threshold: float
    num_perm: int = 128
    seed: int = 1

    @property
    def bands(self) -> int:
        return choose_bands(self.threshold, self.num_perm)[0]

    @property
    def rows(self) -> int:
        return choose_bands(self.threshold, self.num_perm)[1]

    def tokens(self, sets: Shingles) -> Tokens:
        """The document's tokens: ``band << 32 | band key`` (none for an empty set)."""
        return self.tokens_many([sets])[0]

    def tokens_many(self, sets: Sequence[Shingles]) -> list[Tokens]:
        """Tokens of many sets at once (one vectorized signature computation)."""
        sizes = np.fromiter((len(x) for x in sets), dtype=np.int64, count=len(sets))
        indptr = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        values = np.concatenate(list(sets)) if len(sets) else np.zeros(0, np.uint32)
        keys = self.keys(ShingleSets(values.astype(np.uint32), indptr))
        return [as_tokens(keys[i]) if sizes[i] else _NONE for i in range(len(sets))]

    def keys_of(self, sets: Shingles) -> Keys:
        """Band keys of one set."""
        row: Keys = self.keys(ShingleSets(sets, np.array([0, len(sets)], np.int64)))[0]
        return row

    def keys(self, sets: ShingleSets) -> Keys:
        """Band keys of many sets, shape ``(n, bands)`` (an empty set's row means nothing)."""
        sig = _hasher(self.num_perm, self.seed).signatures_from_hashes(sets.values, sets.indptr)
        bands, rows = choose_bands(self.threshold, self.num_perm)
        return np.ascontiguousarray(band_keys(sig, bands, rows).T)


Tokens = npt.NDArray[np.uint64]
_NONE = np.zeros(0, dtype=np.uint64)


def as_tokens(keys: Keys) -> Tokens:
    """Index tokens from one document's band keys: ``band << 32 | key``."""
    return np.asarray(
        keys.astype(np.uint64) | (np.arange(len(keys), dtype=np.uint64) << np.uint64(32)),
        dtype=np.uint64,
    )


@lru_cache(maxsize=8)
def _hasher(num_perm: int, seed: int) -> minhash.MinHasher:
    return minhash.MinHasher(num_perm=num_perm, seed=seed)


def size_bounds(n: int, threshold: float) -> tuple[int, int]:
    """Shingle counts a set of size ``n`` can have Jaccard >= threshold with."""
    return math.floor(threshold * n - _EPS), math.ceil(n / threshold + _EPS)


def as_signed(values: Tokens) -> list[int]:
    """Tokens as signed 64-bit ints, the form SQLite stores."""
    out: list[int] = values.view(np.int64).tolist()
    return out


class NearDuplicates(ABC):
    """The keep-longest rule over a store of documents, resolved incrementally.

    A store hands out documents by integer handle. Subclasses say how to find
    candidates and read a document's facts; :meth:`resolve` does the rest, the same way
    for an in-memory list and for the persistent index of an output folder.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.evaluated = 0

    @abstractmethod
    def candidates(self, doc: int) -> Iterable[int]:
        """Live documents sharing an index entry with ``doc`` (a superset of the similar)."""

    @abstractmethod
    def shingles(self, doc: int) -> Shingles: ...

    @abstractmethod
    def rank(self, doc: int) -> Rank:
        """Sort key: (-length, source, id, position); smaller ranks are judged first."""

    @abstractmethod
    def position(self, doc: int) -> tuple[Any, ...]:
        """Place in input order, which breaks ties between equally similar kept documents."""

    @abstractmethod
    def verdict(self, doc: int) -> bool | None:
        """True kept, False dropped, None not judged yet."""

    @abstractmethod
    def set_verdict(self, doc: int, dup_of: int | None, similarity: float | None) -> None:
        """Record the judgement: kept when ``dup_of`` is None."""

    def similar(self, doc: int) -> list[tuple[int, float]]:
        """Every other live document with Jaccard >= threshold, with its similarity."""
        mine = self.shingles(doc)
        lo, hi = size_bounds(len(mine), self.threshold)
        out = []
        for other in sorted(set(self.candidates(doc)) - {doc}):
            theirs = self.shingles(other)
            if lo <= len(theirs) <= hi:
                sim = jaccard(mine, theirs)
                if sim >= self.threshold:
                    out.append((other, sim))
        return out

    def affected_by_removal(self, doc: int) -> list[int]:
        """Documents to judge again when ``doc`` leaves the store (call before removing it)."""
        if not self.verdict(doc):
            return []  # a dropped document never decided anything
        mine = self.rank(doc)
        return [other for other, _ in self.similar(doc) if self.rank(other) > mine]

    def resolve(self, dirty: Iterable[int]) -> None:
        """Judge ``dirty`` documents and, in rank order, every document their change affects.

        Each document is judged at most once: a change only affects documents of a
        later rank, and those are taken from the heap after it.
        """
        queued = set(dirty)
        heap = [(self.rank(d), d) for d in queued]
        heapq.heapify(heap)
        while heap:
            rank, doc = heapq.heappop(heap)
            self.evaluated += 1
            sims = self.similar(doc)
            best: tuple[tuple[float, tuple[Any, ...]], int, float] | None = None
            for other, sim in sims:
                if self.rank(other) < rank and self.verdict(other):
                    key = (-sim, self.position(other))
                    if best is None or key < best[0]:
                        best = (key, other, sim)
            was = self.verdict(doc)
            kept = best is None
            if best is None:
                self.set_verdict(doc, None, None)
            else:
                self.set_verdict(doc, best[1], best[2])
            if was != kept and (kept or was):
                for other, _ in sims:
                    if other not in queued and self.rank(other) > rank:
                        queued.add(other)
                        heapq.heappush(heap, (self.rank(other), other))


def candidate_pairs(tokens_of: Sequence[Tokens]) -> dict[int, set[int]]:
    """All pairs of documents (by index) that share a token, as adjacency sets."""
    lengths = np.fromiter((len(p) for p in tokens_of), dtype=np.int64, count=len(tokens_of))
    if not lengths.sum():
        return {}
    tokens = np.concatenate([p for p in tokens_of if len(p)])
    owners = np.repeat(np.arange(len(tokens_of), dtype=np.int64), lengths)
    order = np.argsort(tokens, kind="stable")
    tokens, owners = tokens[order], owners[order]
    starts = np.flatnonzero(np.r_[True, tokens[1:] != tokens[:-1]])
    ends = np.r_[starts[1:], len(tokens)]
    adjacency: dict[int, set[int]] = {}
    for s, e in zip(
        starts[ends - starts > 1].tolist(), ends[ends - starts > 1].tolist(), strict=True
    ):
        group = owners[s:e].tolist()
        for i in group:
            adjacency.setdefault(i, set()).update(group)
    return adjacency


class MemoryIndex(NearDuplicates):
    """:class:`NearDuplicates` over a list of documents held in memory.

    ``sets`` (from :func:`shingle_hashes`), ``ranks`` and ``positions`` are per document;
    documents with ``live`` False (dropped by an earlier stage) take no part and should
    have an empty set. Candidates are found for all documents at once.
    """

    def __init__(
        self,
        sets: Sequence[Shingles],
        ranks: Sequence[Rank],
        positions: Sequence[tuple[Any, ...]],
        live: Sequence[bool],
        *,
        threshold: float,
        banding: Banding | None = None,
    ) -> None:
        super().__init__(threshold)
        self.sets, self.ranks, self.positions = sets, ranks, positions
        self.live = [i for i, ok in enumerate(live) if ok]
        self.tokens = (banding or Banding(threshold)).tokens_many(self.sets)
        self._adjacency = candidate_pairs(self.tokens)
        self.verdicts: dict[int, tuple[int | None, float | None]] = {}

    def candidates(self, doc: int) -> Iterable[int]:
        return self._adjacency.get(doc, ())

    def shingles(self, doc: int) -> Shingles:
        return self.sets[doc]

    def rank(self, doc: int) -> Rank:
        return self.ranks[doc]

    def position(self, doc: int) -> tuple[Any, ...]:
        return self.positions[doc]

    def verdict(self, doc: int) -> bool | None:
        v = self.verdicts.get(doc)
        return None if v is None else v[0] is None

    def set_verdict(self, doc: int, dup_of: int | None, similarity: float | None) -> None:
        self.verdicts[doc] = (dup_of, similarity)

    def resolve_all(self) -> dict[int, tuple[int | None, float | None]]:
        """Judge every live document; return {doc: (dup_of or None, similarity or None)}."""
        self.resolve(self.live)
        return self.verdicts

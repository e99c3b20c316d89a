"""Exact near-duplicate resolution: which documents stay, over any store of documents.

The rule (see :class:`~cleaner.stages.dedup.DropNearDuplicates`): documents are taken
longest first (after cleaning), ties broken by source path, then id, then position in
the input. A document is dropped when its word n-gram Jaccard with an earlier *kept*
document is at least the threshold; it then names the most similar such document
(ties: the one first in input order). The result depends only on the set of
documents, never on the order they arrive in, so it can be kept up to date: when
documents are added or removed, only documents similar to a changed one are judged
again, in rank order, and a change of verdict spreads to the documents similar to it.

Shingles are 64-bit hashes of lower-cased word n-grams (words ``\\w+``), kept as a sorted
``uint64`` array per document. Jaccard is computed exactly on those arrays. Candidates
come from *prefix filtering*: with every array sorted by hash value, two sets with
Jaccard >= t share at least one of their first ``n - ceil(t * n) + 1`` hashes, so an
index over those prefixes finds every similar pair and nothing is estimated.
"""

from __future__ import annotations

import heapq
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from functools import lru_cache
from hashlib import blake2b
from typing import Any

import numpy as np
import numpy.typing as npt

Shingles = npt.NDArray[np.uint64]
Rank = tuple[Any, ...]

_WORD = re.compile(r"\w+")
_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd constant of the polynomial n-gram hash
_EPS = 1e-9  # keeps float rounding on the safe side of prefix and length bounds


@lru_cache(maxsize=1 << 20)
def _word_hash(word: str) -> int:
    return int.from_bytes(blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def _mix(h: Shingles) -> Shingles:
    h = h ^ (h >> np.uint64(31))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    return h ^ (h >> np.uint64(29))


def shingle_hashes(text: str, ngram: int = 5) -> Shingles:
    """Sorted, unique 64-bit hashes of the lower-cased word ``ngram``-grams of ``text``.

    Mirrors :func:`cleaner.stages.dedup.shingles`: a text of 1 to ``ngram - 1`` words is
    one shingle, a text with no words has none.

    >>> len(shingle_hashes("one two three four five six", 5)), len(shingle_hashes("", 5))
    (2, 0)
    """
    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(0, dtype=np.uint64)
    w = np.fromiter((_word_hash(x) for x in words), dtype=np.uint64, count=len(words))
    n = min(ngram, len(words))
    m = len(words) - n + 1
    h = w[:m].copy()
    for j in range(1, n):
        h = h * _MULT + w[j : j + m]
    return np.unique(_mix(h + np.uint64(n)))


def jaccard(a: Shingles, b: Shingles) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays (0.0 when both are empty)."""
    if not len(a) and not len(b):
        return 0.0
    inter = int(np.intersect1d(a, b, assume_unique=True).size)
    return inter / (len(a) + len(b) - inter)


def prefix_size(n: int, threshold: float) -> int:
    """How many of the smallest hashes of an ``n``-shingle set go into the index.

    >>> prefix_size(100, 0.8), prefix_size(1, 0.8), prefix_size(0, 0.8)
    (21, 1, 0)
    """
    if n == 0:
        return 0
    return min(n, n - math.ceil(threshold * n - _EPS) + 1)


def size_bounds(n: int, threshold: float) -> tuple[int, int]:
    """Shingle counts a set of size ``n`` can have Jaccard >= threshold with."""
    return math.floor(threshold * n - _EPS), math.ceil(n / threshold + _EPS)


def as_signed(values: npt.NDArray[np.uint64]) -> list[int]:
    """Hashes as signed 64-bit ints, the form SQLite stores."""
    return [int(x) for x in values.view(np.int64)]


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


def candidate_pairs(prefixes: Sequence[Shingles]) -> dict[int, set[int]]:
    """All pairs of documents (by index) whose prefixes share a hash, as adjacency sets."""
    lengths = np.fromiter((len(p) for p in prefixes), dtype=np.int64, count=len(prefixes))
    if not lengths.sum():
        return {}
    tokens = np.concatenate([p for p in prefixes if len(p)])
    owners = np.repeat(np.arange(len(prefixes), dtype=np.int64), lengths)
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
    ) -> None:
        super().__init__(threshold)
        self.sets, self.ranks, self.positions = sets, ranks, positions
        self.live = [i for i, ok in enumerate(live) if ok]
        self.prefixes = [s[: prefix_size(len(s), threshold)] for s in self.sets]
        self._adjacency = candidate_pairs(self.prefixes)
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

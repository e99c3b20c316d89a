"""The keep-longest rule, one document at a time, kept up to date as documents change.

The rule (see :mod:`cleaner.dedup.keeper`): documents are judged in rank order, longest
first (after cleaning), ties broken by source path, then id, then position in the input.
A document is dropped when its word n-gram Jaccard with an earlier *kept* document is
at least the threshold; it then names the most similar such document (ties: the one
first in input order). The result depends only on the set of documents, never on the
order they arrive in, so it can be kept up to date: when documents are added or
removed, only documents similar to a changed one are judged again, in rank order, and
a change of verdict spreads to the documents similar to it.

Shingles are the canonical 32-bit shingle hashes of :mod:`cleaner.dedup.shingles`, kept
as a sorted ``uint32`` array per document; Jaccard is computed exactly on those arrays,
so nothing is decided on an estimate. Candidates are the documents that share an index
token (:class:`cleaner.dedup.lsh.Banding`).

Two implementations of the rule share these facts. :class:`NearDuplicates` judges
documents one at a time and spreads changes (an incremental run, over the stored index:
:class:`cleaner.store.index.StoredIndex`). :func:`cleaner.dedup.resolve.resolve_arrays`
judges a whole corpus at once on arrays. Both give the same verdicts; the tests hold
the second to the first over a list in memory.
"""

from __future__ import annotations

import heapq
from abc import ABC, abstractmethod
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from cleaner.dedup.keeper import Position, Rank
from cleaner.dedup.verify import EPS, link_need, overlaps, size_bounds

__all__ = ["NearDuplicates"]

Shingles = npt.NDArray[np.uint32]
Link = tuple[int, float, float | None]  # other document, Jaccard, containment (or None)


class NearDuplicates(ABC):
    """The keep-longest rule over a store of documents, resolved incrementally.

    A store hands out documents by integer handle. Subclasses say how to find
    candidates and read a document's facts; :meth:`resolve` does the rest, the same way
    for an in-memory list and for the persistent index of an output folder.
    """

    def __init__(self, threshold: float, containment: float | None = None) -> None:
        self.threshold = threshold
        self.containment = containment  # None: Jaccard links only
        self.evaluated = 0

    @abstractmethod
    def candidates(self, doc: int) -> Iterable[int]:
        """Live documents sharing an index entry with ``doc`` (a superset of the similar)."""

    @abstractmethod
    def shingles(self, doc: int) -> Shingles: ...

    @abstractmethod
    def rank(self, doc: int) -> Rank:
        """Sort key: :func:`~cleaner.dedup.keeper.rank_key`; smaller ranks are judged first."""

    @abstractmethod
    def position(self, doc: int) -> Position:
        """Place in input order (:func:`~cleaner.dedup.keeper.position_key`), which breaks
        ties between equally similar kept documents."""

    @abstractmethod
    def verdict(self, doc: int) -> bool | None:
        """True kept, False dropped, None not judged yet."""

    @abstractmethod
    def set_verdict(
        self,
        doc: int,
        dup_of: int | None,
        similarity: float | None,
        containment: float | None = None,
    ) -> None:
        """Record the judgement: kept when ``dup_of`` is None; ``containment`` is set
        when ``doc`` is dropped as contained in ``dup_of`` rather than as its
        near-duplicate."""

    def _links(self, doc: int, others: Iterable[int]) -> list[Link]:
        """Those of ``others`` linked to ``doc``: (other, Jaccard, containment).

        A link is a Jaccard >= threshold (containment None) or, with
        :attr:`containment`, the later of the two in rank order having at least that
        share of its shingles in the earlier one (containment is that share). The
        overlaps are counted in one call (:func:`~cleaner.dedup.verify.overlaps`).
        """
        mine = self.shingles(doc)
        lo, hi = size_bounds(len(mine), self.threshold)
        rank = self.rank(doc)
        pairs = [(other, self.shingles(other)) for other in others]
        if self.containment is None:
            pairs = [(other, theirs) for other, theirs in pairs if lo <= len(theirs) <= hi]
        if not pairs:
            return []
        later = [len(theirs) if self.rank(other) > rank else len(mine) for other, theirs in pairs]
        sizes = [len(theirs) for _, theirs in pairs]
        least = link_need(sizes, later, self.threshold, self.containment)
        found = overlaps(mine, [theirs for _, theirs in pairs], least)
        out: list[Link] = []
        for (other, theirs), inter, size in zip(pairs, found.tolist(), later, strict=True):
            union = len(mine) + len(theirs) - inter
            sim = inter / union if union else 0.0
            if sim >= self.threshold:
                out.append((other, sim, None))
            elif self.containment is not None and inter >= self.containment * size - EPS:
                out.append((other, sim, inter / max(size, 1)))
        return out

    @abstractmethod
    def affected_by_removals(self, docs: Iterable[int]) -> set[int]:
        """Documents to judge again when ``docs`` leave the store (ask before removing
        them): those whose verdict names one of ``docs`` as the kept one they duplicate.

        Only they change at first hand. A kept document is linked to no earlier kept
        one; a dropped one that names another kept document names the best of its kept
        earlier links, and that one stays. What the named ones turn in their turn (their
        own later links), :meth:`resolve` follows.
        """

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
            # only links from earlier kept documents decide: the others are compared
            # only when the verdict changes, to find the later ones it turns
            others = sorted(set(self.candidates(doc)) - {doc})
            sims = self._links(doc, [o for o in others if self.rank(o) < rank and self.verdict(o)])
            # near-duplicates first (kind 0), then the highest measure, then input order
            best: tuple[tuple[int, float, Position], int, float, float | None] | None = None
            for other, sim, share in sims:  # each earlier and kept
                key = (0, -sim, self.position(other))
                if share is not None:
                    key = (1, -share, self.position(other))
                if best is None or key < best[0]:
                    best = (key, other, sim, share)
            was = self.verdict(doc)
            kept = best is None
            if best is None:
                self.set_verdict(doc, None, None)
            else:
                self.set_verdict(doc, best[1], best[2], best[3])
            if was != kept and (kept or was):
                later = [o for o in others if o not in queued and self.rank(o) > rank]
                for other, _, _ in self._links(doc, later):
                    queued.add(other)
                    heapq.heappush(heap, (self.rank(other), other))

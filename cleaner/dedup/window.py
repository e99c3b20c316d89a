"""A bounded index of the most recent kept documents, for near-duplicates in a stream.

A stream cannot wait for the whole corpus, so it keeps the *first* copy: each new
document is compared with the documents kept before it. The index holds, per kept
document, its sorted shingle hashes (4 bytes per word of text) and its index tokens
(one per LSH band, :class:`cleaner.dedup.lsh.Banding`), for at most ``window``
documents: past that the oldest is forgotten, so a copy further back than ``window``
kept documents is not caught. ``window=None`` keeps everything.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.dedup.verify import EPS, jaccard_of, link_need, overlaps

__all__ = ["Window"]

U32 = npt.NDArray[np.uint32]


@dataclass(eq=False)  # identity, not array comparison, for bucket removal
class _Kept:
    label: Any
    hashes: U32
    tokens: list[int]
    length: int  # characters of its text: only a longer one can contain another


class Window:
    """The last ``window`` kept documents, found by their index tokens.

    >>> from cleaner.dedup.lsh import Banding
    >>> from cleaner.dedup.shingles import shingle_hashes
    >>> banding, index = Banding(0.8), Window(0.8, window=2)
    >>> h = shingle_hashes("one two three four five six seven eight")
    >>> index.add(h, banding.tokens(h), "a", 40)
    >>> index.best(h, banding.tokens(h), 40)
    (1.0, None, 'a')
    """

    def __init__(
        self, threshold: float, window: int | None, containment: float | None = None
    ) -> None:
        if window is not None and window < 1:
            raise ValueError("window must be at least 1, or None for no limit")
        self.threshold = threshold
        self.containment = containment  # None: Jaccard only
        self.window = window
        self._kept: deque[_Kept] = deque()
        self._buckets: dict[int, list[_Kept]] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def best(
        self, hashes: U32, tokens: npt.NDArray[np.uint64], length: int = 0
    ) -> tuple[float, float | None, Any] | None:
        """The kept document this one duplicates, as (Jaccard, containment, label).

        The most similar kept document at or above the threshold (containment None);
        ties go to the one met first (its token earliest, then kept earliest). Else, with
        :attr:`containment`, the kept document of at least ``length`` characters that
        holds the largest share (at least that threshold) of ``hashes``.
        """
        # the kept documents in the order they are met, each once (a _Kept hashes by id)
        others = list(
            dict.fromkeys(chain.from_iterable(map(self._buckets.get, tokens.tolist(), repeat(()))))
        )
        if not others or not len(hashes):
            return None
        sizes = [len(other.hashes) for other in others]
        longer = np.array([other.length >= length for other in others])
        least = link_need(sizes, len(hashes), self.threshold, self.containment, longer)
        inter = overlaps(hashes, [other.hashes for other in others], least)
        sim = jaccard_of(inter, len(hashes), sizes)
        near = np.flatnonzero(sim >= self.threshold)
        if len(near):
            first = int(near[np.argmax(sim[near])])  # the highest, the first met of ties
            return float(sim[first]), None, others[first].label
        if self.containment is None:
            return None
        holds = np.flatnonzero(longer & (inter >= self.containment * len(hashes) - EPS))
        if not len(holds):
            return None
        first = int(holds[np.argmax(inter[holds])])  # the largest share, the first met of ties
        return float(sim[first]), int(inter[first]) / len(hashes), others[first].label

    def add(self, hashes: U32, tokens: npt.NDArray[np.uint64], label: Any, length: int = 0) -> None:
        """Keep a document of ``length`` characters under ``label``, forgetting the
        oldest past ``window``."""
        kept = _Kept(label, hashes, tokens.tolist(), length)
        self._kept.append(kept)
        for token in kept.tokens:
            self._buckets.setdefault(token, []).append(kept)
        if self.window is not None and len(self._kept) > self.window:
            old = self._kept.popleft()
            for token in old.tokens:
                bucket = self._buckets[token]
                bucket.remove(old)
                if not bucket:
                    del self._buckets[token]

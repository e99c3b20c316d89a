"""StreamNearDuplicates: near-duplicate removal over a stream, in bounded memory.

The corpus stage (:class:`~cleaner.stages.dedup.DropNearDuplicates`) sees every document
before it decides, and keeps the longest copy. A stream cannot wait, so this stage keeps
the *first* copy: each live document is compared with an index of the documents kept
before it, and dropped when its word n-gram Jaccard with one of them reaches
``DedupConfig.threshold``. Same stage name, rule and audit detail as the corpus stage.

Memory is explicit. The index holds, per kept document, its sorted 64-bit shingle
hashes (8 bytes per word of text) and ``bands`` LSH keys (about 4 KB with the default
128 permutations), for at most ``window`` documents: past that the oldest kept document
is forgotten, so a copy further back than ``window`` kept documents is not caught.
With the default 10,000 and documents of 1,000 words that is about 120 MB.
``window=None`` keeps everything (memory grows with the stream).

Candidates come from MinHash signatures and LSH banding, chosen so that a pair at the
threshold is a candidate with probability >= 0.995; every candidate is verified on
its exact Jaccard (of hashed shingles) before anything is dropped.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cleaner.config import DedupConfig
from cleaner.document import Change, Document
from cleaner.stage import Stage
from cleaner.stages.dedup import shingles

DEFAULT_WINDOW = 10_000  # ~120 MB for 1,000-word documents; see the module docstring
RECALL = 0.995  # probability that a pair exactly at the threshold becomes a candidate

U64 = npt.NDArray[np.uint64]


def choose_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows): the most rows per band that still catch a pair at ``threshold``.

    >>> choose_bands(0.8, 128)
    (21, 6)
    """
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= RECALL:
            return bands, rows
    return num_perm, 1


def shingle_hashes(text: str, ngram: int) -> U64:
    """Sorted unique 64-bit hashes of the word n-gram shingles (stable across runs)."""
    digests = [
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little")
        for s in shingles(text, ngram)
    ]
    return np.unique(np.array(digests, dtype=np.uint64))


def _mix(h: U64) -> U64:
    """murmur3's 64-bit finalizer: a bijection that scrambles every bit."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


@dataclass(eq=False)  # identity, not array comparison, for bucket removal
class _Kept:
    id: str
    source: str
    hashes: U64
    keys: list[tuple[int, bytes]]


class StreamNearDuplicates(Stage):
    """Drop a document that nearly duplicates one kept earlier in the stream.

    >>> stage = StreamNearDuplicates(window=2)
    >>> text = "one two three four five six seven eight nine ten"
    >>> [stage.apply(Document(i, i, t)).dropped is None for i, t in
    ...  [("a", text), ("b", "something else entirely, with other words"), ("c", text)]]
    [True, True, False]
    """

    name = "drop-near-duplicates"

    def __init__(
        self, config: DedupConfig = DedupConfig(), window: int | None = DEFAULT_WINDOW
    ) -> None:
        if window is not None and window < 1:
            raise ValueError("window must be at least 1, or None for no limit")
        self.config = config
        self.window = window
        self.bands, self.rows = choose_bands(config.threshold, config.num_perm)
        rng = np.random.default_rng(config.seed)
        self._seeds: U64 = rng.integers(0, 2**63, size=(config.num_perm, 1), dtype=np.uint64)
        self._kept: deque[_Kept] = deque()
        self._buckets: dict[tuple[int, bytes], list[_Kept]] = {}

    def __len__(self) -> int:
        """How many kept documents the index holds now (at most ``window``)."""
        return len(self._kept)

    def _keys(self, hashes: U64) -> list[tuple[int, bytes]]:
        signature = _mix(hashes[np.newaxis, :] ^ self._seeds).min(axis=1)
        return [
            (b, signature[b * self.rows : (b + 1) * self.rows].tobytes()) for b in range(self.bands)
        ]

    def apply(self, doc: Document) -> Document:
        if not self.config.documents:
            return doc
        hashes = shingle_hashes(doc.text, self.config.ngram)
        if hashes.size == 0:
            return doc
        keys = self._keys(hashes)
        best: tuple[float, _Kept] | None = None
        seen: set[int] = set()
        for key in keys:
            for other in self._buckets.get(key, ()):
                if id(other) in seen:
                    continue
                seen.add(id(other))
                common = np.intersect1d(hashes, other.hashes, assume_unique=True).size
                sim = common / (hashes.size + other.hashes.size - common)
                if sim >= self.config.threshold and (best is None or sim > best[0]):
                    best = (sim, other)
        if best is not None:
            sim, other = best
            return doc.drop(
                Change(
                    self.name,
                    "near-duplicate",
                    doc.text,
                    {
                        "duplicate_of": other.id,
                        "duplicate_source": other.source,
                        "similarity": round(sim, 4),
                    },
                )
            )
        self._remember(_Kept(doc.id, doc.source, hashes, keys))
        return doc

    def _remember(self, kept: _Kept) -> None:
        self._kept.append(kept)
        for key in kept.keys:
            self._buckets.setdefault(key, []).append(kept)
        if self.window is not None and len(self._kept) > self.window:
            old = self._kept.popleft()
            for key in old.keys:
                bucket = self._buckets[key]
                bucket.remove(old)
                if not bucket:
                    del self._buckets[key]

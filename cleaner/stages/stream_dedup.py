"""StreamNearDuplicates: near-duplicate removal over a stream, in bounded memory.

The corpus stage (:class:`~cleaner.stages.dedup.DropNearDuplicates`) sees every document
before it decides, and keeps the longest copy. A stream cannot wait, so this stage keeps
the *first* copy: each live document is compared with an index of the documents kept
before it, and dropped when its word n-gram Jaccard with one of them reaches
``DedupConfig.threshold``. Same stage name, rule and audit detail as the corpus stage.

Memory is explicit. The index holds, per kept document, its sorted shingle hashes
(4 bytes per word of text) and one token per LSH band, for at most ``window``
documents: past that the oldest kept document is forgotten, so a copy further back
than ``window`` kept documents is not caught.
With the default 10,000 and documents of 1,000 words that is about 85 MB
(8.4 KB per kept document, measured with tracemalloc).
``window=None`` keeps everything (memory grows with the stream).

Candidates come from the same MinHash banding as the corpus stage
(:class:`cleaner.resolve.Banding`: a pair at the threshold is a candidate with
probability >= 0.995); every candidate is verified on its exact Jaccard (of hashed
shingles) before anything is dropped.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from cleaner.config import DedupConfig
from cleaner.document import Change, Document
from cleaner.resolve import Banding, Shingles, jaccard, shingle_hashes
from cleaner.stage import Stage

DEFAULT_WINDOW = 10_000  # ~85 MB for 1,000-word documents; see the module docstring


@dataclass(eq=False)  # identity, not array comparison, for bucket removal
class _Kept:
    id: str
    source: str
    hashes: Shingles
    keys: list[int]


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
        self.banding = Banding(config.threshold, config.num_perm, config.seed)
        self._kept: deque[_Kept] = deque()
        self._buckets: dict[int, list[_Kept]] = {}

    def __len__(self) -> int:
        """How many kept documents the index holds now (at most ``window``)."""
        return len(self._kept)

    def apply(self, doc: Document) -> Document:
        if not self.config.documents:
            return doc
        hashes = shingle_hashes(doc.text, self.config.ngram)
        if hashes.size == 0:
            return doc
        keys = self.banding.tokens(hashes).tolist()
        best: tuple[float, _Kept] | None = None
        seen: set[int] = set()
        for key in keys:
            for other in self._buckets.get(key, ()):
                if id(other) in seen:
                    continue
                seen.add(id(other))
                sim = jaccard(hashes, other.hashes)
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

"""StreamNearDuplicates: near-duplicate removal over a stream, in bounded memory.

The corpus stage (:class:`~cleaner.stages.dedup.DropNearDuplicates`) sees every document
before it decides, and keeps the longest copy. A stream cannot wait, so this stage keeps
the *first* copy: each live document is compared with an index of the documents kept
before it (:class:`cleaner.dedup.window.Window`), and dropped when its word n-gram
Jaccard with one of them reaches ``DedupConfig.threshold``, or (with
``DedupConfig.containment``) when at least ``containment_threshold`` of its shingles
are in a kept document at least as long. Same stage name, rules and audit detail as
the corpus stage; a shorter copy that arrives first stays, as a stream cannot wait.

Memory is explicit. The index holds, per kept document, its sorted shingle hashes
(4 bytes per word of text) and one token per LSH band, for at most ``window``
documents: past that the oldest kept document is forgotten, so a copy further back
than ``window`` kept documents is not caught.
With the default 10,000 and documents of 1,000 words that is about 85 MB
(8.4 KB per kept document, measured with tracemalloc).
``window=None`` keeps everything (memory grows with the stream).

Candidates come from the same MinHash banding as the corpus stage
(:class:`cleaner.dedup.lsh.Banding`: a pair at the threshold is a candidate with
probability >= 0.995); every candidate is verified on its exact Jaccard (of hashed
shingles) before anything is dropped.
"""

from __future__ import annotations

from cleaner.config import DedupConfig
from cleaner.dedup import DEFAULT_WINDOW
from cleaner.dedup.keeper import STAGE, dropped_by
from cleaner.dedup.shingles import shingle_hashes
from cleaner.dedup.window import Window
from cleaner.document import Document
from cleaner.stage import Stage
from cleaner.stages.dedup import banding, containment_threshold


class StreamNearDuplicates(Stage):
    """Drop a document that nearly duplicates one kept earlier in the stream.

    >>> stage = StreamNearDuplicates(window=2)
    >>> text = "one two three four five six seven eight nine ten"
    >>> [stage.apply(Document(i, i, t)).dropped is None for i, t in
    ...  [("a", text), ("b", "something else entirely, with other words"), ("c", text)]]
    [True, True, False]
    """

    name = STAGE

    def __init__(
        self, config: DedupConfig = DedupConfig(), window: int | None = DEFAULT_WINDOW
    ) -> None:
        self.config = config
        self.window = window
        self.banding = banding(config)
        self._index = Window(config.threshold, window, containment_threshold(config))

    def __len__(self) -> int:
        """How many kept documents the index holds now (at most ``window``)."""
        return len(self._index)

    def apply(self, doc: Document) -> Document:
        if not self.config.documents:
            return doc
        hashes = shingle_hashes(doc.text, self.config.ngram)
        if hashes.size == 0:
            return doc
        tokens = self.banding.tokens(hashes)
        found = self._index.best(hashes, tokens, len(doc.text))
        if found is not None:
            sim, share, (kept_id, kept_source) = found
            return doc.drop(dropped_by(doc, kept_id, kept_source, sim, share))
        self._index.add(hashes, tokens, (doc.id, doc.source), len(doc.text))
        return doc

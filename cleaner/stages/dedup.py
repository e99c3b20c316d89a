"""DedupBlocks and DropNearDuplicates: repeated paragraphs and near-duplicate documents.

Both compare word 5-gram shingle sets (``text.lower()``, words ``\\w+``), the measure of
the shared benchmark. Candidates come from MinHash signatures and banding (see
``cleaner.minhash``); every candidate is verified on its exact Jaccard before anything
is removed, so an estimate never removes text on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import numpy as np

from cleaner.config import DedupConfig
from cleaner.document import Change, Document
from cleaner.neardup import MemoryIndex, shingle_hashes
from cleaner.stage import Stage

_WORD = re.compile(r"\w+")
MIN_BLOCK_WORDS = 8  # shorter paragraphs ("Reply", "}") repeat legitimately in code and lists
MIN_DOUBLED_CHARS = 24  # "A A" lines shorter than this are more often chants than captions


def shingles(text: str, ngram: int = 5) -> frozenset[str]:
    """The canonical shingle set: lower-cased word n-grams; 1 to n-1 words give one shingle.

    >>> sorted(shingles("A b, c!", 2))
    ['a b', 'b c']
    """
    words = _WORD.findall(text.lower())
    if len(words) < ngram:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + ngram]) for i in range(len(words) - ngram + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Exact Jaccard similarity of two sets (0.0 for two empty sets)."""
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def undouble_line(line: str) -> str | None:
    """The first half of a line that is one text printed twice, else None.

    >>> undouble_line("Crowds wave flags in Hanoi Crowds wave flags in Hanoi")
    'Crowds wave flags in Hanoi'
    """
    n = len(line)
    if n < 2 * MIN_DOUBLED_CHARS + 1 or n % 2 == 0:
        return None
    half = n // 2
    if line[half] == " " and line[:half] == line[half + 1 :]:
        return line[:half]
    return None


class DedupBlocks(Stage):
    """Keep only the first copy of a paragraph repeated inside a document.

    A paragraph (a block between blank lines) of at least ``MIN_BLOCK_WORDS`` words is
    a copy when its word ``config.block_ngram``-gram set has Jaccard >=
    ``config.block_threshold`` with an earlier paragraph, so a copy with a few words
    changed goes too (3-grams at 0.7 by default: with 5-grams at 0.8 one changed word
    already sinks a 40-word paragraph below the threshold). Short paragraphs go only
    when they sit inside a removed run and repeat exactly. A line that is one text
    printed twice keeps its first half.
    """

    name = "dedup-blocks"

    def __init__(self, config: DedupConfig = DedupConfig()) -> None:
        self.config = config

    def apply(self, doc: Document) -> Document:
        if not self.config.blocks:
            return doc
        changes: list[Change] = []
        blocks = doc.text.split("\n\n")
        fixed_blocks = []
        for block in blocks:
            lines = []
            for line in block.split("\n"):
                half = undouble_line(line)
                if half is not None:
                    changes.append(Change(self.name, "repeated-line", line[len(half) + 1 :]))
                    line = half
                lines.append(line)
            fixed_blocks.append("\n".join(lines))
        blocks = fixed_blocks
        sets = [shingles(b, self.config.block_ngram) for b in blocks]
        sizes = [len(_WORD.findall(b)) for b in blocks]
        dup_of: list[int | None] = [None] * len(blocks)
        sims: list[float] = [0.0] * len(blocks)
        for i in range(len(blocks)):
            if sizes[i] < MIN_BLOCK_WORDS:
                continue
            for j in range(i):
                if dup_of[j] is None and sizes[j] >= MIN_BLOCK_WORDS:
                    sim = jaccard(sets[i], sets[j])
                    if sim >= self.config.block_threshold:
                        dup_of[i], sims[i] = j, sim
                        break
        # short exact repeats inside a removed run go with it
        seen_exact = set()
        for i, block in enumerate(blocks):
            if (dup_of[i] is None and sizes[i] < MIN_BLOCK_WORDS and block in seen_exact
                    and i > 0 and i + 1 < len(blocks)
                    and dup_of[i - 1] is not None and dup_of[i + 1] is not None):
                dup_of[i], sims[i] = blocks.index(block), 1.0
            seen_exact.add(block)
        kept: list[str] = []
        for i, block in enumerate(blocks):
            k = dup_of[i]
            if k is None:
                kept.append(block)
                continue
            changes.append(Change(self.name, "repeated-block", block,
                                  {"duplicate_of_block": k, "similarity": round(sims[i], 4)}))
        if not changes:
            return doc
        return doc.with_changes(changes, text="\n\n".join(kept))


class DropNearDuplicates(Stage):
    """Leave out documents that nearly duplicate another document of the corpus.

    Which copy stays is fixed, whatever the input order: the longest text after
    cleaning, ties broken by source path and then id. The dropped document's audit
    entry names the kept one and their Jaccard similarity. The rule itself lives in
    :mod:`cleaner.neardup`, which an incremental run uses against a stored corpus.
    """

    name = "drop-near-duplicates"

    def __init__(self, config: DedupConfig | None = None) -> None:
        self.config = config or DedupConfig()

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        all_docs = list(docs)
        if not self.config.documents:
            yield from all_docs
            return
        live = [d.dropped is None for d in all_docs]
        index = MemoryIndex(
            [shingle_hashes(d.text, self.config.ngram) if ok else _EMPTY
             for d, ok in zip(all_docs, live, strict=True)],
            [doc_rank(d, i) for i, d in enumerate(all_docs)],
            [(i,) for i in range(len(all_docs))],
            live,
            threshold=self.config.threshold,
        )
        verdicts = index.resolve_all()
        for i, doc in enumerate(all_docs):
            k, sim = verdicts.get(i, (None, None))
            if k is not None and sim is not None:
                doc = doc.drop(near_duplicate(doc, all_docs[k].id, all_docs[k].source, sim))
            yield doc


_EMPTY = np.zeros(0, dtype=np.uint64)


def doc_rank(doc: Document, position: int) -> tuple[int, str, str, int]:
    """The order documents are judged in: longest first, then source, id, input position."""
    return (-len(doc.text), doc.source, doc.id, position)


def near_duplicate(doc: Document, kept_id: str, kept_source: str, similarity: float) -> Change:
    """The change that drops ``doc`` as a near-duplicate of a kept document."""
    detail = {"duplicate_of": kept_id, "duplicate_source": kept_source,
              "similarity": round(similarity, 4)}
    return Change(DropNearDuplicates.name, "near-duplicate", doc.text, detail)

"""DedupBlocks and DropNearDuplicates: repeated paragraphs and near-duplicate documents.

Both compare word 5-gram shingle sets (``text.lower()``, words ``\\w+``), the measure of
the shared benchmark. Candidates come from MinHash signatures and banding (see
``cleaner.minhash``); every candidate is verified on its exact Jaccard before anything
is removed, so an estimate never removes text on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from cleaner.config import DedupConfig
from cleaner.document import Change, Document
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
        kept = []
        for i, block in enumerate(blocks):
            j = dup_of[i]
            if j is None:
                kept.append(block)
                continue
            changes.append(Change(self.name, "repeated-block", block,
                                  {"duplicate_of_block": j, "similarity": round(sims[i], 4)}))
        if not changes:
            return doc
        return doc.with_changes(changes, text="\n\n".join(kept))


class DropNearDuplicates(Stage):
    """Leave out documents that nearly duplicate another document of the corpus.

    Which copy stays is fixed, whatever the input order: the longest text after
    cleaning, ties broken by source path and then id. The dropped document's audit
    entry names the kept one and their Jaccard similarity.
    """

    name = "drop-near-duplicates"

    def __init__(self, config: DedupConfig = DedupConfig()) -> None:
        self.config = config

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        all_docs = list(docs)
        if not self.config.documents:
            yield from all_docs
            return
        live = [i for i, d in enumerate(all_docs) if d.dropped is None]
        order = sorted(live, key=lambda i: (-len(all_docs[i].text), all_docs[i].source,
                                            all_docs[i].id))
        sets = {i: shingles(all_docs[i].text, self.config.ngram) for i in live}
        index: dict[str, list[int]] = {}
        kept: list[int] = []
        verdict: dict[int, tuple[int, float]] = {}
        for i in order:
            best: tuple[float, int] | None = None
            candidates = {k for s in sets[i] for k in index.get(s, ())}
            for k in sorted(candidates):
                sim = jaccard(sets[i], sets[k])
                if sim >= self.config.threshold and (best is None or sim > best[0]):
                    best = (sim, k)
            if best is not None:
                verdict[i] = (best[1], best[0])
                continue
            kept.append(i)
            for s in sets[i]:
                index.setdefault(s, []).append(i)
        for i, doc in enumerate(all_docs):
            if i in verdict:
                k, sim = verdict[i]
                other = all_docs[k]
                doc = doc.drop(Change(self.name, "near-duplicate", doc.text,
                                      {"duplicate_of": other.id, "duplicate_source": other.source,
                                       "similarity": round(sim, 4)}))
            yield doc

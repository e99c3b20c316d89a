"""DedupBlocks and DropNearDuplicates: repeated paragraphs and near-duplicate documents.

Both compare word n-gram shingle sets (``text.lower()``, words ``\\w+``), the measure of
the shared benchmark. Candidates come from MinHash signatures and banding; every
candidate is verified on its exact Jaccard before anything is removed, so an estimate
never removes text on its own. The machinery is :mod:`cleaner.dedup`; the stages turn
its verdicts into changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt

from cleaner.config import DedupConfig
from cleaner.dedup.find import find_block_duplicates
from cleaner.dedup.incremental import NearDuplicates
from cleaner.dedup.keeper import CONTAINMENT_RULE, KEEP, STAGE, doc_rank, dropped_by
from cleaner.dedup.lsh import Banding
from cleaner.dedup.minhash import MinHasher
from cleaner.dedup.pairs import Mapper
from cleaner.dedup.resolve import Documents, Verdicts, resolve_arrays, resolve_texts
from cleaner.document import Change, Document, runs_of
from cleaner.names import BlockRule, StageName
from cleaner.rules.patterns import count_words
from cleaner.stage import CorpusStage, Stage

MIN_BLOCK_WORDS = 8  # shorter paragraphs ("Reply", "}") repeat legitimately in code and lists
MIN_DOUBLED_CHARS = 24  # "A A" lines shorter than this are more often chants than captions


def undouble_line(line: str) -> str | None:
    """One copy of a line that is one text printed two or more times, else None.

    >>> undouble_line("Crowds wave flags in Hanoi Crowds wave flags in Hanoi")
    'Crowds wave flags in Hanoi'
    """
    found = None
    while (half := _halve(line)) is not None:
        found = line = half
    return found


def _halve(line: str) -> str | None:
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
    ``config.block_threshold`` with an earlier paragraph, so a copy with a word changed
    goes too (3-grams at 0.85 by default: with 5-grams at 0.8 one changed word already
    sinks a 40-word paragraph below the threshold). Lower thresholds also take sibling
    passages that differ in a few words on purpose (a licence per author, the same
    parameter note under two functions), which are content. Candidates come from
    MinHash and banding over a batch of documents at once (:mod:`cleaner.dedup.find`), and
    each is verified on its exact Jaccard. Short paragraphs go only when they sit
    inside a removed run and repeat exactly. A line that is one text printed twice
    keeps its first half. With ``config.cross_doc_blocks``, a paragraph that repeats
    one of an earlier document goes too (the whole corpus is then one batch).
    """

    name = StageName.DEDUP_BLOCKS
    batch_size = 256  # documents hashed together: amortizes numpy calls, bounds memory
    batch_chars = 16 << 20  # or fewer, past so much text (documents of megabytes)

    def __init__(self, config: DedupConfig = DedupConfig()) -> None:
        self.config = config
        self.hasher = MinHasher(
            num_perm=config.num_perm, ngram=config.block_ngram, seed=config.seed
        )

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        if not self.config.blocks:
            yield from docs
            return
        if self.config.cross_doc_blocks:
            yield from self._batch(list(docs))
            return
        for batch in runs_of(docs, self.batch_size, self.batch_chars):
            yield from self._batch(batch)

    def apply(self, doc: Document) -> Document:
        return self._batch([doc])[0] if self.config.blocks else doc

    def _batch(self, docs: list[Document]) -> list[Document]:
        split: list[list[str]] = []
        changes: list[list[Change]] = []
        pages = [doc.page_lines() for doc in docs]  # every line's number on the page
        starts: list[list[int]] = []  # each block's first line in the text
        for doc, on_page in zip(docs, pages, strict=True):
            blocks, first, doubled = _undouble_blocks(doc.text if doc.dropped is None else "")
            split.append(blocks)
            starts.append(first)
            changes.append(
                [
                    Change(self.name, BlockRule.REPEATED_LINE, t, {"line": on_page[k]})
                    for k, t in doubled
                ]
            )
        # paragraphs long enough to judge, across the whole batch
        where = [
            (d, i)
            for d, blocks in enumerate(split)
            for i, b in enumerate(blocks)
            if count_words(b) >= MIN_BLOCK_WORDS
        ]
        dup_of: dict[tuple[int, int], tuple[int, int, float]] = {}
        # within documents only, a pair needs a document with two paragraphs to judge
        # (a folder of one-paragraph files hashes nothing)
        paired = self.config.cross_doc_blocks or len({d for d, _ in where}) < len(where)
        if where and paired:
            result = find_block_duplicates(
                [split[d][i] for d, i in where],
                [d for d, _ in where],
                cross_doc=self.config.cross_doc_blocks,
                threshold=self.config.block_threshold,
                hasher=self.hasher,
            )
            for k, j in enumerate(result.duplicate_of.tolist()):
                if j >= 0:
                    dup_of[where[k]] = (*where[j], float(result.similarity[k]))
        out = []
        for d, doc in enumerate(docs):
            blocks = split[d]
            gone = {i for (dd, i) in dup_of if dd == d}
            # short exact repeats inside a removed run go with it
            for i in range(1, len(blocks) - 1):
                if i not in gone and i - 1 in gone and i + 1 in gone and blocks[i] in blocks[:i]:
                    dup_of[(d, i)] = (d, blocks.index(blocks[i]), 1.0)
                    gone.add(i)
            for i in sorted(gone):
                od, oi, sim = dup_of[(d, i)]
                detail: dict[str, object] = {
                    "duplicate_of_block": oi,
                    "similarity": round(sim, 4),
                    "line": pages[d][starts[d][i]],  # its first line on the page
                }
                if od != d:
                    detail["duplicate_of"] = docs[od].id
                changes[d].append(Change(self.name, BlockRule.REPEATED_BLOCK, blocks[i], detail))
            if doc.dropped is not None or not changes[d]:
                out.append(doc)
                continue
            kept = [i for i in range(len(blocks)) if i not in gone]
            # the lines of the kept blocks, each as its place in the text (None: the blank
            # line between two blocks)
            lines: list[int | None] = []
            for i in kept:
                if lines:
                    lines.append(None)
                lines.extend(range(starts[d][i], starts[d][i] + blocks[i].count("\n") + 1))
            text = "\n\n".join(blocks[i] for i in kept)
            out.append(doc.with_kept_lines(changes[d], text, lines))
        return out


def _undouble_blocks(text: str) -> tuple[list[str], list[int], list[tuple[int, str]]]:
    """Split into blocks, halving lines printed twice; return the blocks, the place in
    ``text`` (from 0) of each block's first line, and each removed half with the place
    of its line."""
    removed: list[tuple[int, str]] = []
    blocks = []
    starts = []
    at = 0
    for block in text.split("\n\n") if text else []:
        starts.append(at)
        lines = []
        for line in block.split("\n"):
            half = undouble_line(line)
            if half is not None:
                removed.append((at, line[len(half) + 1 :]))
                line = half
            lines.append(line)
            at += 1
        blocks.append("\n".join(lines))
        at += 1  # the blank line between blocks
    return blocks, starts, removed


class DropNearDuplicates(Stage, CorpusStage):
    """Leave out documents that nearly duplicate another document of the corpus.

    Which copy stays is fixed, whatever the input order: the longest text after
    cleaning, ties broken by source path and then id (:mod:`cleaner.dedup.keeper`). The
    dropped document's audit entry names the kept one and their Jaccard similarity.
    With ``config.containment``, a document at least ``config.containment_threshold``
    of whose shingles are in a longer kept document leaves too, as ``contained`` (a
    truncated copy, an excerpt, a copy with paragraphs dropped); its audit entry names
    the kept one, the containment and the Jaccard.
    The rule runs on arrays here (:func:`~cleaner.dedup.resolve.resolve_texts`). As a
    corpus stage, a full run calls :meth:`resolve_all` on the band keys of every
    document and an incremental run :meth:`resolve_changed` on the documents a change
    touched, against the stored corpus (:mod:`cleaner.dedup.incremental`).
    """

    name = STAGE

    def __init__(self, config: DedupConfig | None = None) -> None:
        self.config = config or DedupConfig()

    def scheme(self) -> dict[str, object]:
        """The MinHash scheme behind the candidates, for the manifest."""
        return dedup_scheme(self.config)

    def resolve_all(
        self,
        keys: npt.NDArray[np.uint32],
        sizes: npt.NDArray[np.int64],
        documents: Documents,
        *,
        map_: Mapper | None = None,
        parts: int = 1,
    ) -> Verdicts:
        """The verdicts over a whole corpus given as band keys (of :func:`banding`) and
        shingle counts, one row per document: the rows dropped, the row each names,
        their similarity and containment. ``documents`` reads shingle sets back for the
        candidates only; ``map_`` runs the LSH shuffle in ``parts`` hash partitions (see
        :func:`~cleaner.dedup.resolve.resolve_arrays`)."""
        return resolve_arrays(
            keys,
            sizes,
            self.config.threshold,
            documents,
            containment=containment_threshold(self.config),
            map_=map_,
            parts=parts,
        )

    @staticmethod
    def resolve_changed(index: NearDuplicates, dirty: Iterable[int]) -> None:
        """Judge again the ``dirty`` documents of a corpus kept in ``index`` (added ones,
        and those a removal or a change could turn); ``index`` stores the verdicts."""
        index.resolve(dirty)

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        all_docs = list(docs)
        if not self.config.documents:
            yield from all_docs
            return
        live = [i for i, d in enumerate(all_docs) if d.dropped is None]
        found = resolve_texts(
            [all_docs[i].text for i in live],
            [doc_rank(all_docs[i], i) for i in live],
            banding(self.config),
            self.config.ngram,
            containment_threshold(self.config),
        )
        verdicts = {
            live[d]: (live[k], s, c)
            for d, k, s, c in zip(
                found.dropped.tolist(),
                found.dup_of.tolist(),
                found.similarity.tolist(),
                found.containment.tolist(),
                strict=True,
            )
        }
        for i, doc in enumerate(all_docs):
            if i in verdicts:
                k, similarity, share = verdicts[i]
                kept = all_docs[k]
                doc = doc.drop(dropped_by(doc, kept.id, kept.source, similarity, share))
            yield doc


def containment_threshold(config: DedupConfig) -> float | None:
    """The share of shingles at which a document is contained (None: containment off)."""
    return config.containment_threshold if config.containment else None


def banding(config: DedupConfig) -> Banding:
    """The banding of a config's band keys: Jaccard bands, and containment bands when on."""
    return Banding(config.threshold, config.num_perm, config.seed, config.containment)


def dedup_scheme(config: DedupConfig) -> dict[str, object]:
    """What the manifest records of near-duplicate detection, so a datasketch user can
    reproduce the signatures (see :meth:`cleaner.dedup.minhash.MinHasher.scheme`)."""
    hasher = MinHasher(num_perm=config.num_perm, ngram=config.ngram, seed=config.seed)
    return {
        **hasher.scheme(),
        **banding(config).scheme(),
        "verification": "exact Jaccard of the 32-bit shingle-hash sets",
        "keep": KEEP,
        **(
            {
                "containment": config.containment_threshold,
                "containment_rule": CONTAINMENT_RULE,
            }
            if config.containment
            else {}
        ),
    }

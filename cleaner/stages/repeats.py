"""Lines repeated across a source: how they are hashed, counted and looked up.

``strip-boilerplate`` removes a line that the documents of one source (site or folder)
hold ``min_repeats`` times (``corpus-repeat``; see
:class:`~cleaner.stages.boilerplate.StripBoilerplate`). This module holds what that
rule counts with: a line's salted hash (:func:`line_hash`, :func:`source_salt`), the
line sets of documents (:class:`LineSets`, near-duplicate copies counting once), and
what a document asks while it is stripped (:class:`Repeated`). Over documents in memory
the stage counts by itself; a corpus run, ``cleaner check`` and ``cleaner explain
--corpus`` count over files cleaned apart, and all three ask :class:`CountRepeats`:
each file's line sets (:meth:`CountRepeats.count`, on a worker), the repeated lines of
a set of files (:meth:`CountRepeats.repeated`), the ones a file holds
(:meth:`CountRepeats.held`), the documents a change of counts touches
(:meth:`CountRepeats.touched`) and a file's repeats counted with a stored corpus
(:meth:`CountRepeats.repeated_with`).
"""

from __future__ import annotations

import hashlib
import posixpath
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cleaner.arrays import distinct
from cleaner.config import BoilerplateConfig
from cleaner.document import Document, runs_of
from cleaner.names import StageName
from cleaner.rules.patterns import word_count
from cleaner.stage import CorpusStage

U64 = npt.NDArray[np.uint64]


def line_hash(line: str) -> int:
    """A 64-bit digest of a stripped line, for counting lines across a corpus cheaply."""
    return int.from_bytes(hashlib.blake2b(line.encode(), digest_size=8).digest(), "big")


def repeated_lines(texts: Iterable[str], min_repeats: int) -> frozenset[int]:
    """Hashes of the lines (with a word) found in at least ``min_repeats`` of ``texts``."""
    counts: Counter[int] = Counter()
    for text in texts:
        counts.update(_line_set(text, 0))
    return frozenset(h for h, n in counts.items() if n >= min_repeats)


def _line_set(text: str, salt: int) -> set[int]:
    """The salted hashes of a text's distinct stripped lines that hold a word."""
    lines = {line.strip() for line in text.split("\n")}
    return {line_hash(x) ^ salt for x in lines if word_count(x)}


def source_salt(key: str) -> int:
    """A 64-bit salt per source: a line's hash XOR it counts the line in that source only."""
    return line_hash("\x00source\x00" + key)


def source_key(doc: Document) -> str:
    """The source a document's lines are counted in: ``meta["site"]``, else its folder."""
    site = doc.meta.get("site")
    return str(site) if site else posixpath.dirname(doc.source.replace("\\", "/"))


def counts_repeats(config: BoilerplateConfig) -> bool:
    """Whether ``corpus-repeat`` runs: the stage is on and the rule neither off nor moot."""
    return config.enabled and config.min_repeats >= 2 and "corpus-repeat" not in config.disable


# documents sharing this much of their lines' weight are copies of one text, and their
# lines count once (see LineSets.repeated): on dedup-dev, 0.4 leaves the kept copies
# their article paragraphs; thin pages of one site (a product grid) stay apart
TWINS = 0.4


@dataclass(frozen=True)
class LineSets:
    """Each document's distinct lines (with a word), as hashes salted with its source.

    ``hashes`` holds every document's sorted ``line_hash(line) ^ source_salt(source)``
    values, one document after the other, ``words`` the words of each of those lines,
    and ``offsets`` (one more than the documents) where each document starts: document
    ``k`` holds ``hashes[offsets[k]:offsets[k + 1]]``; a dropped one holds none. The
    sets of many files add up (:meth:`join`): a run counts a whole folder or site file
    by file, and knows which documents hold a line (:meth:`repeated`).

    >>> docs = [Document(id=str(i), text=f"Home\\nStory {i} ends.", source=f"s/{i}.txt")
    ...         for i in range(3)]
    >>> sets = line_sets(docs)
    >>> sets.offsets.tolist(), sets.words.tolist()[:2], len(sets.repeated(3, TWINS))
    ([0, 2, 4, 6], [1, 3], 1)
    """

    hashes: npt.NDArray[np.uint64]
    words: npt.NDArray[np.uint32]
    offsets: npt.NDArray[np.int64]

    @classmethod
    def join(cls, parts: Iterable[LineSets]) -> LineSets:
        """The documents of ``parts``, one part after the other."""
        parts = list(parts)
        sizes = [np.diff(p.offsets) for p in parts]
        offsets = np.zeros(sum(len(s) for s in sizes) + 1, dtype=np.int64)
        np.cumsum(np.concatenate([np.zeros(0, np.int64), *sizes]), out=offsets[1:])
        return cls(
            np.concatenate([np.zeros(0, np.uint64), *(p.hashes for p in parts)]),
            np.concatenate([np.zeros(0, np.uint32), *(p.words for p in parts)]),
            offsets,
        )

    def repeated(
        self, min_repeats: int, twins: float, only: npt.NDArray[np.uint64] | None = None
    ) -> npt.NDArray[np.uint64]:
        """The hashes held by ``min_repeats`` documents of which no two are twins, sorted.

        Two documents are twins (near-duplicates, for counting) when the lines they
        share hold at least ``twins`` of the weight of all their lines, a line weighing
        its words divided by the number of documents that hold it: the menu and footer
        that every page of a site carries weigh next to nothing beside a page's own
        paragraphs, however thin the page, while the paragraphs that copies of one
        article share weigh as much as the rest of them. So copies of an article count
        once, and the kept copy does not lose the paragraphs its twins also hold, while
        a menu or footer still counts once per distinct page. For each line the
        documents holding it are taken longest first (ties by content), each counting
        unless it is a twin of one counted before; the count stops at ``min_repeats``.
        The result depends only on the documents, not on their order. ``only``: judge
        these hashes only.
        """
        distinct, where, counts = np.unique(self.hashes, return_inverse=True, return_counts=True)
        candidates = distinct[counts >= min_repeats]
        if only is not None:
            candidates = np.intersect1d(candidates, only)
        if not len(candidates):
            return candidates
        weight = self.words / counts[where.reshape(-1)]
        sizes = np.diff(self.offsets)
        doc_of = np.repeat(np.arange(len(sizes)), sizes)
        total = np.bincount(doc_of, weights=weight, minlength=len(sizes))
        words = np.bincount(doc_of, weights=self.words, minlength=len(sizes)).astype(np.uint64)
        # a document's content digest: documents with one line set count as one document
        digest = np.zeros(len(sizes), dtype=np.uint64)
        np.bitwise_xor.at(digest, doc_of, self.hashes)
        _, first, same = np.unique(
            np.stack([digest, words], axis=1), axis=0, return_index=True, return_inverse=True
        )
        rank = np.empty(len(sizes), dtype=np.int64)
        rank[np.lexsort((digest, -words.astype(np.int64)))] = np.arange(len(sizes))
        held = np.isin(self.hashes, candidates)
        line, doc = self.hashes[held], first[same.reshape(-1)[doc_of[held]]]
        pairs = np.unique(np.stack([line, rank[doc].astype(np.uint64)], axis=1), axis=0)
        by_rank = np.empty(len(sizes), dtype=np.int64)
        by_rank[rank] = np.arange(len(sizes))
        line, doc = pairs[:, 0], by_rank[pairs[:, 1].astype(np.int64)]
        starts = np.flatnonzero(np.r_[True, line[1:] != line[:-1]]).tolist()
        memo: dict[tuple[int, int], bool] = {}

        def twin(a: int, b: int) -> bool:
            key = (a, b) if a < b else (b, a)
            if key not in memo:
                ha = self.hashes[self.offsets[a] : self.offsets[a + 1]]
                hb = self.hashes[self.offsets[b] : self.offsets[b + 1]]
                _, ia, _ = np.intersect1d(ha, hb, assume_unique=True, return_indices=True)
                shared = float(weight[self.offsets[a] + ia].sum())
                union = total[a] + total[b] - shared
                memo[key] = union > 0 and shared >= twins * union
            return memo[key]

        out = []
        for lo, hi in zip(starts, [*starts[1:], len(line)], strict=True):
            counted: list[int] = []
            for d in doc[lo:hi].tolist():
                if not any(twin(d, c) for c in counted):
                    counted.append(d)
                    if len(counted) >= min_repeats:
                        out.append(line[lo])
                        break
        return np.array(out, dtype=np.uint64)


def line_sets(docs: Iterable[Document]) -> LineSets:
    """Each document's distinct lines (with a word), salted with its source: see
    :class:`LineSets`. Built in arrays of :data:`SETS_PART` documents (or
    :data:`SETS_CHARS` of text), so a file of millions of lines is held at 12 bytes a
    line rather than as Python ints."""
    parts = [_line_sets(run) for run in runs_of(docs, SETS_PART, SETS_CHARS)]
    return LineSets.join(parts) if len(parts) != 1 else parts[0]


# documents hashed into one run of arrays: so many, or fewer past so much text
SETS_PART = 4096
SETS_CHARS = 16 << 20


def _line_sets(docs: Iterable[Document]) -> LineSets:
    found: list[int] = []
    words: list[int] = []
    sizes: list[int] = []
    for doc in docs:
        lines = (
            {} if doc.dropped is not None else _line_words(doc.text, source_salt(source_key(doc)))
        )
        order = sorted(lines)
        found.extend(order)
        words.extend(lines[h] for h in order)
        sizes.append(len(order))
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return LineSets(np.array(found, dtype=np.uint64), np.array(words, dtype=np.uint32), offsets)


def _line_words(text: str, salt: int) -> dict[int, int]:
    """The salted hashes of a text's distinct stripped lines that hold a word, with the
    words of each."""
    lines = {line.strip() for line in text.split("\n")}
    return {line_hash(x) ^ salt: n for x in lines if (n := word_count(x))}


def repeated_in(hashes: npt.NDArray[np.uint64], min_repeats: int) -> npt.NDArray[np.uint64]:
    """The distinct hashes found at least ``min_repeats`` times, sorted (every document
    counting, twins or not; see :meth:`LineSets.repeated`)."""
    distinct, counts = np.unique(hashes, return_counts=True)
    return distinct[counts >= min_repeats]


@dataclass(frozen=True)
class Repeated:
    """The lines repeated across a source, as one document sees them: ``line in repeated``.

    ``hashes`` are salted line hashes (see :func:`line_sets`), ``salt`` is the
    document's :func:`source_salt`; hashes counted in other sources never match.
    """

    hashes: frozenset[int] = frozenset()
    salt: int = 0

    def __contains__(self, line: object) -> bool:
        return isinstance(line, str) and (line_hash(line) ^ self.salt) in self.hashes

    def __bool__(self) -> bool:
        return bool(self.hashes)


NO_REPEATS = Repeated()


class CountRepeats(CorpusStage):
    """Count each line over every input, near-duplicate documents once (``TWINS``).

    Not listed in the manifest's stages: what it finds is removed by
    ``strip-boilerplate`` under the rule ``corpus-repeat``, and counted there.
    """

    name = StageName.COUNT_REPEATS
    listed = False

    def __init__(self, config: BoilerplateConfig, twins: float = TWINS) -> None:
        self.config = config
        self.twins = twins

    @staticmethod
    def wanted(config: BoilerplateConfig) -> bool:
        """Whether ``config`` counts lines over the corpus at all."""
        return counts_repeats(config)

    @staticmethod
    def count(docs: Iterable[Document]) -> LineSets:
        """One file's line sets (salted hashes and words): what the counts add up."""
        return line_sets(docs)

    def repeated(self, sets: Iterable[LineSets]) -> U64:
        """The repeated lines (salted hashes, distinct) of the files of ``sets``."""
        return LineSets.join(list(sets)).repeated(self.config.min_repeats, self.twins)

    def repeated_with(
        self, source: str | None, docs: Sequence[Document], stored: Mapping[str, LineSets]
    ) -> list[int]:
        """The repeated lines of ``docs`` in a run over them and the ``stored`` files,
        the file's own earlier version (``source``) taken out."""
        mine = line_sets(docs)
        others = (sets for path, sets in stored.items() if path != source)
        every = LineSets.join([*others, mine])
        found: U64 = every.repeated(self.config.min_repeats, self.twins, only=mine.hashes)
        return [int(h) for h in found.tolist()]

    def repeated_as_counted(
        self, docs: Sequence[Document], stored: Mapping[str, LineSets]
    ) -> list[int]:
        """The repeated lines of ``docs`` as the ``stored`` files counted them: for
        documents of a file that is in ``stored`` unchanged, so a few of its documents
        can be looked at without repairing the rest."""
        mine = line_sets(docs)
        every = LineSets.join(list(stored.values()))
        found: U64 = every.repeated(self.config.min_repeats, self.twins, only=mine.hashes)
        return [int(h) for h in found.tolist()]

    @staticmethod
    def held(lines: U64, repeated: U64) -> U64:
        """The sorted distinct ``lines`` found in the sorted, distinct ``repeated``.

        Binary search per line: ``np.intersect1d`` sorted the corpus-wide ``repeated``
        again for every file, which made a folder of small files quadratic.

        >>> CountRepeats.held(np.array([5, 3, 9, 3], np.uint64), np.array([1, 3, 5], np.uint64))
        array([3, 5], dtype=uint64)
        """
        if not len(repeated):
            return np.empty(0, np.uint64)
        at = np.minimum(np.searchsorted(repeated, lines), len(repeated) - 1)
        return distinct(lines[repeated[at] == lines])

    @staticmethod
    def crossed(before: U64, after: U64) -> U64:
        """The lines repeated before a change and not after, or after and not before."""
        return np.setxor1d(before, after, assume_unique=True)

    @staticmethod
    def touched(
        hashes: U64, offsets: npt.NDArray[np.int64], crossed: U64, whole_file: bool
    ) -> list[int]:
        """The ordinals of a file's documents holding a line of ``crossed`` (every one of
        them, when any does and ``whole_file``: cross-document blocks tie them together)."""
        hit = np.flatnonzero(np.isin(hashes, crossed))
        if not len(hit):
            return []
        if whole_file:
            return list(range(len(offsets) - 1))
        docs = distinct(np.searchsorted(offsets, hit, side="right") - 1)
        return [int(d) for d in docs.tolist()]

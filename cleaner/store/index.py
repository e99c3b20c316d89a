"""The near-duplicate index over a :class:`~cleaner.store.state.State`: its documents
by handle.

:class:`StoredDocuments` is what a full build's array resolver reads
(:func:`cleaner.dedup.resolve.resolve_arrays`); :class:`StoredIndex` is the
one-document-at-a-time rule of :mod:`cleaner.dedup.incremental` over the stored
postings, for incremental runs and for ``cleaner check``. Both read only the documents
they are asked about; a document's tokens come from its stored band keys, never from
hashing again. Both order documents by the keeper policy's SQL and Python forms
(:mod:`cleaner.dedup.keeper`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from cleaner.dedup.incremental import NearDuplicates
from cleaner.dedup.keeper import POSITION_SQL, RANK_SQL, Position, Rank, position_key, rank_key
from cleaner.dedup.lsh import Banding, Keys, Tokens, as_tokens
from cleaner.dedup.shingles import ShingleSets
from cleaner.dedup.verify import EPS, link_need, overlaps
from cleaner.store.schema import DocFacts, as_signed, chunks, from_blob, marks
from cleaner.store.state import State

I64 = npt.NDArray[np.int64]
Shingles = npt.NDArray[np.uint32]


MatchKey = tuple[bool, int, float, Position]


class Match(NamedTuple):
    """The kept document a set duplicates, as a run would name it, with the measures and
    the key a run picks it by among the others (:func:`match_key`: the least wins)."""

    ident: str
    source: str
    similarity: float
    containment: float | None
    key: MatchKey


def match_key(
    inter: int,
    size: int,
    theirs: int,
    before: bool,
    position: Position,
    threshold: float,
    containment: float | None,
) -> tuple[MatchKey, float, float | None] | None:
    """How a run ranks a kept document as the keeper of a document of ``size`` shingles
    that shares ``inter`` with its ``theirs`` (``before``: it is judged first): a
    near-duplicate, then a document it is contained in (one judged first only), then
    the highest measure, then input order; with the similarity and the containment
    share. None: no keeper."""
    union = size + theirs - inter
    sim = inter / union if union else 0.0
    if sim >= threshold:
        return (not before, 0, -sim, position), sim, None
    if containment is not None and before and inter >= containment * size - EPS:
        share = inter / size
        return (False, 1, -share, position), sim, share
    return None


@dataclass
class _Facts:
    rank: Rank
    position: Position
    verdict: bool | None  # kept, dropped, not judged yet
    shingles: Shingles
    keys: Keys


class StoredDocuments:
    """:class:`~cleaner.dedup.resolve.Documents` read from the state: row ``i`` is the
    document ``handles[i]``. Only the rows asked for are read; ranks and positions are
    sorted by SQLite (:data:`~cleaner.dedup.keeper.RANK_SQL` and
    :data:`~cleaner.dedup.keeper.POSITION_SQL`)."""

    def __init__(self, conn: sqlite3.Connection, handles: I64) -> None:
        self.conn = conn
        self.handles = handles

    def _want(self, rows: I64) -> tuple[I64, I64]:
        """Put the handles of ``rows`` in a temporary table; return them sorted, and
        the order that sorts them."""
        wanted = self.handles[rows]
        order = np.argsort(wanted, kind="stable")
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted(doc INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM temp.wanted")
        self.conn.executemany("INSERT INTO temp.wanted VALUES (?)", ((h,) for h in wanted.tolist()))
        return wanted[order], order

    def _ranked(
        self, sort: str, handles: npt.NDArray[np.int64], order: I64
    ) -> npt.NDArray[np.int64]:
        ranked = np.fromiter(
            (
                r[0]
                for r in self.conn.execute(
                    f"SELECT doc FROM temp.wanted JOIN docs USING (doc) ORDER BY {sort}"
                )
            ),
            dtype=np.int64,
        )
        if len(ranked) != len(handles):
            raise LookupError("a document asked for is not in the state")
        out = np.empty(len(handles), np.int64)
        out[order[np.searchsorted(handles, ranked)]] = np.arange(len(handles), dtype=np.int64)
        return out

    def order(
        self, rows: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        handles, order = self._want(rows)
        rank = self._ranked(RANK_SQL, handles, order)
        position = self._ranked(POSITION_SQL, handles, order)
        self.conn.execute("DELETE FROM temp.wanted")
        return rank, position

    def shingles(self, rows: I64) -> ShingleSets:
        handles, order = self._want(rows)
        join = " FROM temp.wanted w JOIN docs d ON d.doc = w.doc ORDER BY w.doc"
        sizes = np.fromiter(
            (r[0] for r in self.conn.execute("SELECT d.size" + join)), dtype=np.int64
        )
        if len(sizes) != len(handles):
            raise LookupError("a document asked for is not in the state")
        indptr = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        values = np.empty(int(indptr[-1]), np.uint32)  # filled in place: no second copy
        for k, (blob,) in enumerate(self.conn.execute("SELECT d.shingles" + join)):
            values[indptr[k] : indptr[k + 1]] = np.frombuffer(blob, dtype=np.uint32)
        self.conn.execute("DELETE FROM temp.wanted")
        sets = ShingleSets(values, indptr)  # in handle order
        if np.array_equal(order, np.arange(len(order))):
            return sets
        back = np.empty(len(order), np.int64)
        back[order] = np.arange(len(order), dtype=np.int64)
        return sets.take(back)


class StoredIndex(NearDuplicates):
    """:class:`~cleaner.dedup.incremental.NearDuplicates` over the documents of a
    :class:`State`.

    Reads only the documents it is asked about and their candidates, so an incremental
    run costs in proportion to the new documents and their neighbours. A document's
    tokens come from its stored band keys; nothing is hashed again. ``banding`` is the
    one the stored keys were made with (callers hash new texts with it).
    """

    def __init__(
        self,
        state: State,
        threshold: float,
        banding: Banding | None = None,
        containment: float | None = None,
    ) -> None:
        super().__init__(threshold, containment)
        self.banding = banding or Banding(threshold, containment=containment is not None)
        self.state = state
        self.conn = state.conn
        self._facts: dict[int, _Facts] = {}
        self._renamed: dict[int, str] | None = None  # read by lookup, once

    def _load(self, docs: Iterable[int]) -> None:
        missing = [d for d in docs if d not in self._facts]
        for chunk in chunks(missing):
            for row in map(
                DocFacts._make,
                self.conn.execute(
                    f"SELECT {', '.join(DocFacts._fields)} FROM docs WHERE doc IN ({marks(chunk)})",
                    list(chunk),
                ),
            ):
                self._facts[row.doc] = _Facts(
                    rank_key(row.length, row.path, row.id, row.ordinal),
                    position_key(row.path, row.ordinal),
                    None if row.kept is None else bool(row.kept),
                    from_blob(row.shingles),
                    from_blob(row.keys),
                )

    def _probe(self, tokens: Tokens) -> set[int]:
        """Documents that hold one of ``tokens``, loaded."""
        found: set[int] = set()
        for chunk in chunks(as_signed(tokens)):
            found.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT DISTINCT doc FROM postings WHERE token IN ({marks(chunk)})",
                    list(chunk),
                )
            )
        self._load(found)
        return found

    def _fact(self, doc: int) -> _Facts:
        facts = self._facts.get(doc)  # asked for again and again while a change is judged
        if facts is None:
            self._load([doc])
            facts = self._facts[doc]
        return facts

    def candidates(self, doc: int) -> Iterable[int]:
        return self._probe(as_tokens(self._fact(doc).keys))

    def shingles(self, doc: int) -> Shingles:
        return self._fact(doc).shingles

    def rank(self, doc: int) -> Rank:
        return self._fact(doc).rank

    def position(self, doc: int) -> Position:
        return self._facts[doc].position

    def verdict(self, doc: int) -> bool | None:
        return self._fact(doc).verdict

    def set_verdict(
        self,
        doc: int,
        dup_of: int | None,
        similarity: float | None,
        containment: float | None = None,
    ) -> None:
        self._facts[doc].verdict = dup_of is None
        self.state.set_verdicts([(doc, dup_of, similarity, containment)])

    def affected_by_removals(self, docs: Iterable[int]) -> set[int]:
        """Read from the stored verdicts (see the rule's docstring), not by comparing each
        leaving document with its candidates again."""
        leaving = set(docs)
        if not leaving:
            return set()
        # one pass over the dropped documents (dup_of has no index of its own)
        rows = self.conn.execute("SELECT doc, dup_of FROM docs WHERE dup_of IS NOT NULL")
        return {doc for doc, named in rows if named in leaving}

    def _revived(self, docs: set[int], leaving: Callable[[str], bool]) -> set[int]:
        """The dropped documents of ``docs`` whose keeper is in a file ``leaving`` the
        corpus (the checked file's earlier version, a file gone from the input): the
        next run judges them again once their keeper goes, and keeps them unless
        another document takes them, so a checked file is compared with them as with
        kept ones."""
        dropped = [d for d in docs if self._facts[d].verdict is False]
        if not dropped:
            return set()
        revived: set[int] = set()
        for chunk in chunks(dropped):
            rows = self.conn.execute(
                "SELECT d.doc, k.path FROM docs AS d JOIN docs AS k ON k.doc = d.dup_of "
                f"WHERE d.doc IN ({marks(chunk)})",
                list(chunk),
            )
            revived.update(doc for doc, path in rows if leaving(path))
        return revived

    def forget(self, docs: Iterable[int]) -> None:
        """Drop cached facts of removed documents."""
        for d in docs:
            self._facts.pop(d, None)

    def lookup(
        self,
        sets: Shingles,
        keys: Keys,
        exclude_path: str | None = None,
        rank: Rank | None = None,
        gone: Callable[[str], bool] | None = None,
    ) -> Match | None:
        """The kept document that ``sets`` duplicates (id, source, Jaccard, containment),
        if any, as a run would name it.

        ``keys`` are the band keys of ``sets`` (made with :attr:`banding`). Documents of
        ``exclude_path`` are left out (a file is not its own duplicate), and those of a
        file for which ``gone(path)`` is true (its file is no longer in the input, so
        the next run takes them out of the corpus: a file renamed); a document dropped
        for one of those counts as kept (:meth:`_revived`). With
        :attr:`containment` and the document's ``rank``, a kept document of a lower rank
        that holds at least that share of ``sets`` counts too (containment is then not
        None). A kept document of a lower rank comes first, as in a run, which judges a
        document against those alone (a shorter near-duplicate would be the one to go);
        then near-duplicates, the highest measure, input order.
        """
        if not len(sets):
            return None
        probed = self._probe(as_tokens(keys))

        def leaving(path: str) -> bool:  # the earlier version, a file gone from the input
            return path == exclude_path or (gone is not None and gone(path))

        revived = self._revived(probed, leaving)
        found = [
            doc
            for doc in probed
            if (self._facts[doc].verdict or doc in revived)
            and not leaving(self._facts[doc].position[0])
        ]
        best: tuple[MatchKey, int, float, float | None] | None = None
        theirs = [self._facts[doc].shingles for doc in found]
        sizes = [len(x) for x in theirs]
        earlier = [rank is not None and self._facts[doc].rank < rank for doc in found]
        least = link_need(sizes, len(sets), self.threshold, self.containment, earlier)
        shared = overlaps(sets, theirs, least).tolist()
        for doc, inter, before in zip(found, shared, earlier, strict=True):
            fact = self._facts[doc]
            got = match_key(
                inter,
                len(sets),
                len(fact.shingles),
                before,
                fact.position,
                self.threshold,
                self.containment,
            )
            if got is not None and (best is None or got[0] < best[0]):
                best = (got[0], doc, got[1], got[2])
        if best is None:
            return None
        ident = self.conn.execute("SELECT id FROM docs WHERE doc = ?", (best[1],)).fetchone()[0]
        if self._renamed is None:
            self._renamed = self.state.renamed()
        ident = self._renamed.get(best[1], str(ident))
        return Match(ident, str(best[0][3][0]), best[2], best[3], best[0])

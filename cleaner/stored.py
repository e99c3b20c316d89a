"""The resolvers' view of a :class:`~cleaner.state.State`: its documents by handle.

:class:`StoredDocuments` is what a full build's array resolver reads
(:func:`cleaner.resolve_batch.resolve_arrays`); :class:`StoredIndex` is the
one-document-at-a-time rule of :mod:`cleaner.resolve` over the stored postings, for
incremental runs and for ``cleaner check``. Both read only the documents they are asked
about; a document's tokens come from its stored band keys, never from hashing again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.minhash import ShingleSets
from cleaner.resolve import (
    Banding,
    Keys,
    NearDuplicates,
    Rank,
    Shingles,
    Tokens,
    as_signed,
    as_tokens,
    jaccard,
    take,
)
from cleaner.state import State, chunks, keys_from_blob, shingles_from_blob

I64 = npt.NDArray[np.int64]


class StoredDocuments:
    """:class:`~cleaner.resolve_batch.Documents` read from the state: row ``i`` is the document
    ``handles[i]``. Only the rows asked for are read; ranks and positions are sorted by
    SQLite (``length DESC, path, id, ordinal`` and ``path, ordinal``: UTF-8 sorts as
    code points, so the order is Python's)."""

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
        self, sort: str, handles: npt.NDArray[np.int64], order: Any
    ) -> npt.NDArray[np.int64]:
        ranked = np.fromiter(
            (
                r[0]
                for r in self.conn.execute(
                    f"SELECT d.doc FROM temp.wanted w JOIN docs d ON d.doc = w.doc ORDER BY {sort}"
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
        rank = self._ranked("d.length DESC, d.path, d.id, d.ordinal", handles, order)
        position = self._ranked("d.path, d.ordinal", handles, order)
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
        return take(sets, back)


class StoredIndex(NearDuplicates):
    """:class:`~cleaner.resolve.NearDuplicates` over the documents of a :class:`State`.

    Reads only the documents it is asked about and their candidates, so an incremental
    run costs in proportion to the new documents and their neighbours. A document's
    tokens come from its stored band keys; nothing is hashed again.
    """

    def __init__(self, state: State, threshold: float, banding: Banding | None = None) -> None:
        super().__init__(threshold)
        self.banding = banding or Banding(threshold)
        self.conn = state.conn
        self._sets: dict[int, Shingles] = {}
        self._keys: dict[int, Keys] = {}
        self._facts: dict[int, tuple[Rank, tuple[Any, ...], bool | None]] = {}

    def _load(self, docs: Iterable[int]) -> None:
        missing = [d for d in docs if d not in self._facts]
        for chunk in chunks(missing):
            marks = ",".join("?" * len(chunk))
            for doc, length, path, ident, ordinal, kept, blob, keys in self.conn.execute(
                "SELECT doc, length, path, id, ordinal, kept, shingles, keys FROM docs"
                f" WHERE doc IN ({marks})",
                list(chunk),
            ):
                verdict = None if kept is None else bool(kept)
                self._facts[doc] = ((-length, path, ident, ordinal), (path, ordinal), verdict)
                self._sets[doc] = shingles_from_blob(blob)
                self._keys[doc] = keys_from_blob(keys)

    def _probe(self, tokens: Tokens) -> set[int]:
        """Documents that hold one of ``tokens``, loaded."""
        found: set[int] = set()
        for chunk in chunks(as_signed(tokens)):
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT doc FROM postings WHERE token IN ({marks})", list(chunk)
                )
            )
        self._load(found)
        return found

    def candidates(self, doc: int) -> Iterable[int]:
        self._load([doc])
        return self._probe(as_tokens(self._keys[doc]))

    def shingles(self, doc: int) -> Shingles:
        self._load([doc])
        return self._sets[doc]

    def rank(self, doc: int) -> Rank:
        self._load([doc])
        return self._facts[doc][0]

    def position(self, doc: int) -> tuple[Any, ...]:
        return self._facts[doc][1]

    def verdict(self, doc: int) -> bool | None:
        self._load([doc])
        return self._facts[doc][2]

    def set_verdict(self, doc: int, dup_of: int | None, similarity: float | None) -> None:
        rank, position, _ = self._facts[doc]
        self._facts[doc] = (rank, position, dup_of is None)
        self.conn.execute(
            "UPDATE docs SET kept = ?, dup_of = ?, similarity = ? WHERE doc = ?",
            (int(dup_of is None), dup_of, similarity, doc),
        )

    def forget(self, docs: Iterable[int]) -> None:
        """Drop cached facts of removed documents."""
        for d in docs:
            self._facts.pop(d, None)
            self._sets.pop(d, None)
            self._keys.pop(d, None)

    def lookup(
        self,
        sets: Shingles,
        exclude_path: str | None = None,
        keys: Keys | None = None,
    ) -> tuple[str, str, float] | None:
        """The kept document most similar to ``sets`` (id, source, similarity), if any.

        Documents of ``exclude_path`` are left out (a file is not its own duplicate).
        ``keys`` are the band keys of ``sets`` when the caller has them already.
        """
        if not len(sets):
            return None
        if keys is None:
            keys = self.banding.keys_of(sets)
        found = self._probe(as_tokens(keys))
        best: tuple[tuple[float, tuple[Any, ...]], int, float] | None = None
        for doc in found:
            _, position, kept = self._facts[doc]
            if not kept or position[0] == exclude_path:
                continue
            sim = jaccard(sets, self._sets[doc])
            if sim >= self.threshold and (best is None or (-sim, position) < best[0]):
                best = ((-sim, position), doc, sim)
        if best is None:
            return None
        ident = self.conn.execute("SELECT id FROM docs WHERE doc = ?", (best[1],)).fetchone()[0]
        return str(ident), str(best[0][1][0]), best[2]

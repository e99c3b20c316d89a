"""The run state of an output folder: what every input became, and the dedup index.

:class:`State` is the open state file (layout: :mod:`cleaner.store.schema`). With it an
incremental run cleans only new or changed files and re-emits every other document
from here, never re-reading its input. Workers hand it prepared rows
(:mod:`cleaner.store.prepare`); the near-duplicate rule reads the documents through
:mod:`cleaner.store.index`. The ``lines`` rows add up to the corpus-repeat counts of
the whole input (see :class:`cleaner.stages.repeats.LineSets`; with each line its
words, which tell near-duplicate documents apart), so a run knows which lines are
repeated, and which documents hold them, without reading any unchanged input again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.dedup.keeper import CONTAINED, RULE, STAGE, dropped_by
from cleaner.dedup.lsh import Keys, as_tokens
from cleaner.document import Change, Document, kept_as, record_text
from cleaner.readers import dropped_reason
from cleaner.store.output import dumps
from cleaner.store.prepare import PreparedDocs
from cleaner.store.schema import (
    INSERT_DOC,
    SCHEMA,
    TABLES,
    DocumentCounts,
    FileRow,
    LineArrays,
    Outcome,
    RuleCount,
    StoredFile,
    StoredLines,
    as_signed,
    chunks,
    from_blob,
    marks,
)

_ROWS = 1 << 16  # postings rows handed to SQLite per call when building the index


class State:
    """An open state database. Writes happen inside :meth:`begin` ... :meth:`commit`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def create(cls, path: Path) -> State:
        """A new, empty state file (replacing any file at ``path``), built without a journal.

        Used for a full rebuild into a temporary file that is moved into place whole.
        """
        path.unlink(missing_ok=True)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.executescript(TABLES)
        state = cls(conn, path)
        state.begin()
        state.set_meta("schema", SCHEMA)
        return state

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> State | None:
        """Open an existing state file; None when it is missing, damaged or of another schema.

        Opening for writing rolls back a transaction that a killed run left behind.
        """
        if not path.is_file():
            return None
        try:
            if readonly:
                conn = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None
                )
            else:
                conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("PRAGMA busy_timeout=10000")
            state = cls(conn, path)
            if state.meta("schema") != SCHEMA:
                conn.close()
                return None
        except sqlite3.DatabaseError:
            return None
        return state

    def close(self) -> None:
        self.conn.close()

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def meta(self, key: str) -> str | None:
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError:
            return None
        return None if row is None else str(row[0])

    def input_root(self, output: Path) -> str | None:
        """The input folder (or file) of the last run over the ``output`` folder; where
        that path is gone, or ``output`` is no longer where the run wrote it (the
        project was moved, copied or cloned elsewhere), the one that lies at the same
        place from ``output``, if it is there: a copy's own input, not the original's."""
        root = self.meta("input_root")
        moved = self.meta("input_root_from_output")
        was = self.meta("output_root")
        elsewhere = was is not None and Path(was) != output.resolve()
        if root is not None and moved is not None and (elsewhere or not Path(root).exists()):
            there = (output / moved).resolve()
            if there.exists():
                return str(there)
        return root

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- input files ---------------------------------------------------------------

    def files(self) -> dict[str, StoredFile]:
        rows = self.conn.execute("SELECT path, sha256, size, mtime_ns, seen_ns FROM files")
        return {path: StoredFile(*rest) for path, *rest in rows}

    def touch_file(self, path: str, size: int, mtime_ns: int, seen_ns: int) -> None:
        """Remember a new stat of a file whose content did not change."""
        self.conn.execute(
            "UPDATE files SET size = ?, mtime_ns = ?, seen_ns = ? WHERE path = ?",
            (size, mtime_ns, seen_ns, path),
        )

    def add_file_row(self, file: FileRow) -> None:
        """Store a file's ``files`` row (its documents are stored by :meth:`add_docs`,
        all at once or a part at a time)."""
        self.conn.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)", file)

    def add_docs(self, prepared: PreparedDocs, *, full: bool = False) -> npt.NDArray[np.int64]:
        """Store documents of a prepared file (not its ``files`` row: see
        :meth:`add_file_row`); return their handles. Alone, it puts back documents of a
        stored file that were cleaned again.

        In an incremental run (``full`` False) the new live documents are not judged
        yet and their postings are written now. A full build marks them kept (the
        array resolver then marks the duplicates) and writes every posting at the
        end, in one sorted pass (:meth:`write_postings`).
        """
        row = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'docs'").fetchone()
        first = (int(row[0]) if row else 0) + 1
        handles = np.arange(first, first + len(prepared.docs), dtype=np.int64)
        live_mark = 1 if full else None
        self.conn.executemany(
            INSERT_DOC,
            (
                (h, *r, live_mark if ok else 0)
                for h, r, ok in zip(handles.tolist(), prepared.docs, prepared.live, strict=True)
            ),
        )
        if not full and len(prepared.indexed):
            self.write_postings(handles[prepared.indexed], prepared.keys)
        return handles

    def write_postings(self, handles: npt.NDArray[np.int64], keys: Keys) -> None:
        """Add the index tokens of documents (``keys``: one row per handle), band by
        band in token order, for a fast bulk insert."""
        for band in range(keys.shape[1] if keys.ndim == 2 else 0):
            order = np.lexsort((handles, keys[:, band]))
            tokens = (keys[order, band].astype(np.int64) | (band << 32)).tolist()
            docs = handles[order].tolist()
            for lo in range(0, len(tokens), _ROWS):
                self.conn.executemany(
                    "INSERT INTO postings VALUES (?, ?)",
                    zip(tokens[lo : lo + _ROWS], docs[lo : lo + _ROWS], strict=True),
                )

    def docs_of(self, path: str, ordinals: Sequence[int] | None = None) -> list[int]:
        """The handles of a file's documents (of those ``ordinals`` only, if given)."""
        rows = self.conn.execute(
            "SELECT doc, ordinal FROM docs WHERE path = ? ORDER BY ordinal", (path,)
        )
        wanted = None if ordinals is None else set(ordinals)
        return [doc for doc, k in rows if wanted is None or k in wanted]

    def remove_file(self, path: str) -> None:
        """Forget an input file, its documents and their postings."""
        self.remove_docs(self.docs_of(path))
        self.conn.execute("DELETE FROM files WHERE path = ?", (path,))

    def remove_docs(self, handles: Sequence[int]) -> None:
        """Forget documents and their postings (their file stays)."""
        for chunk in chunks(handles):
            where = f"WHERE doc IN ({marks(chunk)})"
            rows = self.conn.execute(f"SELECT doc, keys FROM docs {where}", chunk)
            self.conn.executemany(
                "DELETE FROM postings WHERE token = ? AND doc = ?",
                [
                    (t, doc)
                    for doc, blob in rows.fetchall()
                    for t in as_signed(as_tokens(from_blob(blob)))
                ],
            )
            self.conn.execute(f"DELETE FROM docs {where}", chunk)

    # -- corpus-repeat counts --------------------------------------------------------

    def set_lines(self, path: str, sets: LineArrays) -> None:
        """Store an input's line sets (a :class:`~cleaner.stages.repeats.LineSets`)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO lines VALUES (?, ?, ?, ?)",
            (
                path,
                sets.hashes.astype("<u8").tobytes(),
                sets.offsets.astype("<i8").tobytes(),
                sets.words.astype("<u4").tobytes(),
            ),
        )

    def drop_lines(self, path: str) -> None:
        self.conn.execute("DELETE FROM lines WHERE path = ?", (path,))

    def lines_of(self, path: str) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
        """One input's line sets: hashes and offsets (none stored: no documents)."""
        row = self.conn.execute("SELECT hashes, offsets FROM lines WHERE path = ?", (path,))
        hashes, offsets = row.fetchone() or (b"", np.zeros(1, "<i8").tobytes())
        return (
            np.frombuffer(hashes, dtype="<u8").astype(np.uint64),
            np.frombuffer(offsets, dtype="<i8").astype(np.int64),
        )

    def line_sets(self) -> dict[str, StoredLines]:
        """Every input's line sets with their words, by input path."""
        return {
            path: StoredLines(
                np.frombuffer(h, dtype="<u8").astype(np.uint64),
                np.frombuffer(w, dtype="<u4").astype(np.uint32),
                np.frombuffer(o, dtype="<i8").astype(np.int64),
            )
            for path, h, o, w in self.conn.execute(
                "SELECT path, hashes, offsets, words FROM lines ORDER BY path"
            )
        }

    def doc_count(self) -> int:
        """How many documents the state holds, dropped ones too (a count of the primary
        key: filtered on a column, it reads every row, 1 s for 200,000 documents)."""
        return int(self.conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    def indexed(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.uint32]]:
        """The documents the near-duplicate index holds (in the corpus, with shingles):
        their handles, shingle counts and band keys (one row each), by handle."""
        rows = self.conn.execute(
            "SELECT doc, size, keys FROM docs WHERE dropped IS NULL AND size > 0 ORDER BY doc"
        ).fetchall()
        handles, sizes, blobs = zip(*rows, strict=True) if rows else ((), (), ())
        keys = from_blob(b"".join(blobs))  # every document has as many keys: one per band
        return (
            np.asarray(handles, dtype=np.int64),
            np.asarray(sizes, dtype=np.int64),
            keys.reshape(len(rows), len(keys) // max(len(rows), 1)),
        )

    def set_verdicts(
        self, verdicts: Iterable[tuple[int, int | None, float | None, float | None]]
    ) -> None:
        """Store (doc, dup_of, similarity, containment) judgements; dup_of None means
        kept, a containment (not None, not NaN) a drop as contained. The one place a
        verdict is written, for a full build and for the incremental rule."""
        self.conn.executemany(
            "UPDATE docs SET kept = ?, dup_of = ?, similarity = ?, containment = ? WHERE doc = ?",
            [
                (int(k is None), k, s, None if c is None or c != c else c, d)
                for d, k, s, c in verdicts
            ],
        )

    # -- reading the corpus back ---------------------------------------------------

    def inputs(self, renamed: Mapping[int, str] | None = None) -> list[dict[str, Any]]:
        """The manifest's ``inputs``: every input file in input order; a file whose
        records take their fallback id (:meth:`renamed`) counts them as ``renamed-ids``."""
        renamed = self.renamed() if renamed is None else renamed
        kept: dict[str, int] = {}
        rules: dict[str, dict[str, int]] = {}
        ids: dict[str, int] = {}
        for doc, path, is_kept, dropped, share in self.conn.execute(
            "SELECT doc, path, kept, dropped, containment FROM docs"
        ):
            if doc in renamed:
                ids[path] = ids.get(path, 0) + 1
            if is_kept:
                kept[path] = kept.get(path, 0) + 1
            else:
                rule = json.loads(dropped)["rule"] if dropped else _rule(share)
                per = rules.setdefault(path, {})
                per[rule] = per.get(rule, 0) + 1
        out = []
        for (info,) in self.conn.execute("SELECT info FROM files ORDER BY path"):
            entry = json.loads(info)
            if entry["path"] in ids:
                repairs = entry.get("repairs", {})
                repairs["renamed-ids"] = repairs.get("renamed-ids", 0) + ids[entry["path"]]
                entry["repairs"] = dict(sorted(repairs.items()))
            if entry.get("outcome") == "read":
                if kept.get(entry["path"]):
                    entry["outcome"] = "cleaned"
                else:
                    entry["outcome"] = "dropped"
                    entry.setdefault("reason", dropped_reason(rules.get(entry["path"], {})))
            out.append(entry)
        return out

    def renamed(self) -> dict[int, str]:
        """The documents that take their fallback id in the corpus: handle -> that id.

        A record keeps its own id unless a document earlier in input order (by path, then
        place in its file) holds it already (the same file name in two folders often
        numbers its records alike), or it is the id cleaner derives for another document
        (a file's, or a record's with no id of its own, which has no other to fall back
        on, wherever it comes in input order); then it takes the id derived from its
        source and record number, and its own id stays in the record as ``record_id``, as
        :func:`cleaner.readers.read_inputs` does while it reads. Files are cleaned apart,
        so this is worked out over the whole state when the corpus is written: a document
        gets its own id back once the other holder is gone. Only ids that occur twice
        among the ids and fallbacks are looked at, so a corpus without such ids costs one
        grouped scan.
        """
        rows = self.conn.execute(
            """WITH twice(v) AS (
                SELECT v FROM (SELECT id AS v FROM docs
                               UNION ALL SELECT fallback FROM docs WHERE fallback IS NOT NULL)
                GROUP BY v HAVING count(*) > 1)
            SELECT doc, id, fallback FROM docs
            WHERE id IN twice OR fallback IN twice ORDER BY path, ordinal"""
        ).fetchall()
        derived = {ident if fallback is None else fallback for _, ident, fallback in rows}
        taken: set[str] = set()
        out: dict[int, str] = {}
        for doc, ident, fallback in rows:
            # a record's own id: given up when taken before, or derived for another
            given_up = ident in taken or (ident != fallback and ident in derived)
            if fallback is not None and given_up:
                out[doc] = ident = fallback
            taken.add(ident)
        return out

    def _outcomes(self, kept: int | None = None) -> Iterator[Outcome]:
        where = "" if kept is None else f" WHERE d.kept = {int(kept)}"
        rows = self.conn.execute(
            "SELECT d.doc, d.id, d.path, d.record, d.changes, d.dropped, d.similarity,"
            " d.containment, o.doc, o.id, o.path"
            f" FROM docs d LEFT JOIN docs o ON o.doc = d.dup_of{where} ORDER BY d.path, d.ordinal"
        )
        return map(Outcome._make, rows)

    def _near_duplicate(self, row: Outcome, text_key: str, renamed: Mapping[int, str]) -> Change:
        assert row.kept_doc is not None and row.kept_id is not None
        assert row.kept_path is not None and row.similarity is not None
        doc = Document(row.id, row.path, record_text(json.loads(row.record), text_key))
        kept_id = renamed.get(row.kept_doc, row.kept_id)
        return dropped_by(doc, kept_id, row.kept_path, row.similarity, row.containment)

    def corpus_lines(self, renamed: Mapping[int, str] | None = None) -> Iterator[str]:
        """``corpus.jsonl``: the record of every kept document, in input order, with the
        ids :meth:`renamed` gives (worked out here when not given)."""
        renamed = self.renamed() if renamed is None else renamed
        for doc, record in self.conn.execute(
            "SELECT doc, record FROM docs WHERE kept = 1 ORDER BY path, ordinal"
        ):
            yield record if doc not in renamed else _renamed_record(record, renamed[doc])

    def audit_lines(
        self, text_key: str = "text", renamed: Mapping[int, str] | None = None
    ) -> Iterator[str]:
        """``audit.jsonl``: every removal in input order, then every rejected input.

        ``text_key`` is the record field that holds the text (``CleanConfig.text_key``);
        ids as :meth:`corpus_lines` gives them.
        """
        renamed = self.renamed() if renamed is None else renamed
        for row in self._outcomes():
            ident = renamed.get(row.doc, row.id)
            if row.changes:
                yield row.changes if ident == row.id else _renamed_lines(row.changes, ident)
            if row.dropped is not None:
                yield dumps({"id": ident, "source": row.path, **json.loads(row.dropped)})
            elif row.kept_id is not None:
                change = self._near_duplicate(row, text_key, renamed)
                yield dumps({"id": ident, "source": row.path, **change.to_dict()})
        for (rows,) in self.conn.execute("SELECT rejections FROM files ORDER BY path"):
            if rows:
                yield rows

    def drops(
        self, text_key: str = "text", renamed: Mapping[int, str] | None = None
    ) -> Iterator[tuple[str, str, Change]]:
        """(id, source, change) of every dropped document, in input order, ids as
        :meth:`corpus_lines` gives them."""
        renamed = self.renamed() if renamed is None else renamed
        for row in self._outcomes(kept=0):
            ident = renamed.get(row.doc, row.id)
            if row.dropped is not None:
                d = json.loads(row.dropped)
                yield ident, row.path, Change(d.pop("stage"), d.pop("rule"), d.pop("text"), d)
            elif row.kept_id is not None:
                yield ident, row.path, self._near_duplicate(row, text_key, renamed)

    def change_counts(self) -> list[RuleCount]:
        """(stage, rule, changes, chars, documents) over all changes and drops, in SQL."""
        rows = self.conn.execute(
            """WITH rows(doc, stage, rule, chars) AS (
                SELECT d.doc, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'),
                       json_extract(j.value, '$[2]') FROM docs d, json_each(d.tally) j
                UNION ALL SELECT doc, ?, CASE WHEN containment IS NULL THEN ? ELSE ? END,
                    length FROM docs WHERE kept = 0 AND dropped IS NULL
                UNION ALL SELECT doc, json_extract(dropped, '$.stage'),
                       json_extract(dropped, '$.rule'), length(json_extract(dropped, '$.text'))
                    FROM docs WHERE dropped IS NOT NULL)
            SELECT stage, rule, count(*), total(chars), count(DISTINCT doc) FROM rows
            GROUP BY stage, rule""",
            (STAGE, RULE, CONTAINED),
        )
        return [RuleCount(str(a), str(b), int(c), int(d), int(e)) for a, b, c, d, e in rows]

    def document_counts(self) -> DocumentCounts:
        """Documents in, kept, and dropped per rule."""
        total, kept = self.conn.execute("SELECT count(*), total(kept = 1) FROM docs").fetchone()
        dropped = dict(
            self.conn.execute(
                "SELECT coalesce(json_extract(dropped, '$.rule'),"
                " CASE WHEN containment IS NULL THEN ? ELSE ? END), count(*) FROM docs"
                " WHERE kept = 0 GROUP BY 1",
                (RULE, CONTAINED),
            )
        )
        return DocumentCounts(int(total), int(kept), {str(k): int(v) for k, v in dropped.items()})


def _renamed_record(record: str, ident: str) -> str:
    """A corpus line with ``ident`` for its id and its own id kept as ``record_id``."""
    fields = json.loads(record)
    fields[kept_as(fields, "id")] = fields["id"]
    fields["id"] = ident
    return dumps(fields)


def _renamed_lines(lines: str, ident: str) -> str:
    """A document's audit lines with ``ident`` for its id."""
    return "\n".join(dumps({**json.loads(line), "id": ident}) for line in lines.split("\n"))


def _rule(containment: float | None) -> str:
    """The rule of a document the near-duplicate stage dropped."""
    return RULE if containment is None else CONTAINED

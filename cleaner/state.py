"""The run state of an output folder: what every input became, and the dedup index.

One SQLite file (``OUTPUT/.cleaner/state.sqlite``) holds, per input file, its sha256,
size, mtime and manifest entry, and per document its corpus record, its audit rows,
its change counts, its shingle hashes, its index tokens, its verdict and the postings
of the near-duplicate index (see :mod:`cleaner.resolve`). With it an incremental run
cleans only new or changed files and re-emits every other document from here, never
re-reading its input.

Tables::

    meta(key, value)                       schema, version, config, generation, input root
    files(path, sha256, size, mtime_ns, seen_ns, info, rejections)
    docs(doc, path, ordinal, id, length, record, changes, tally, dropped,
         size, shingles, keys, kept, dup_of, similarity)
    postings(token, doc)                   index tokens -> documents holding them
    lines(path, hashes, offsets, words)    per input: its documents' salted line hashes

``shingles`` is the sorted ``uint32`` array of a document's shingle hashes, ``keys``
its ``uint32`` band keys (one per band; empty for a document without shingles), from
which its tokens ``band << 32 | key`` follow. A worker turns a cleaned file into
ready-to-insert rows (:func:`prepare_file`), so storing it costs the driver little. The
near-duplicate resolvers read the documents through :mod:`cleaner.stored`. The
``lines`` rows add up to the corpus-repeat counts of the whole input (see
:class:`cleaner.stages.boilerplate.LineSets`; with each line its words, which tell
near-duplicate documents apart), so a run knows which lines are repeated, and which
documents hold them, without reading any unchanged input again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.document import Change, Document
from cleaner.output import dumps
from cleaner.readers import InputFile, dropped_reason
from cleaner.resolve import (
    Banding,
    Keys,
    Shingles,
    as_signed,
    as_tokens,
    shingle_sets,
)
from cleaner.stages.boilerplate import LineSets
from cleaner.stages.dedup import DropNearDuplicates, near_duplicate

SCHEMA = "4"  # 4: words per line, own id types and the text key; 3: a lines table;
# 2: uint32 shingles and a keys column (1: uint64 shingles)
NEAR_DUPLICATE = "near-duplicate"  # the rule of DropNearDuplicates
_CHUNK = 500  # bound parameters per query, under SQLite's limit
_ROWS = 1 << 16  # postings rows handed to SQLite per call when building the index

_TABLES = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files(path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, seen_ns INTEGER NOT NULL, info TEXT NOT NULL,
    rejections TEXT NOT NULL);
CREATE TABLE docs(doc INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL,
    ordinal INTEGER NOT NULL, id TEXT NOT NULL, length INTEGER NOT NULL,
    record TEXT NOT NULL, changes TEXT NOT NULL, tally TEXT NOT NULL, dropped TEXT,
    size INTEGER NOT NULL, shingles BLOB NOT NULL, keys BLOB NOT NULL, kept INTEGER,
    dup_of INTEGER, similarity REAL, UNIQUE(path, ordinal));
CREATE TABLE postings(token INTEGER NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY(token, doc)) WITHOUT ROWID;
CREATE TABLE lines(path TEXT PRIMARY KEY, hashes BLOB NOT NULL, offsets BLOB NOT NULL,
    words BLOB NOT NULL);
"""


@dataclass(frozen=True)
class StoredFile:
    """What the state remembers of an input file, to tell whether it changed."""

    sha256: str
    size: int
    mtime_ns: int
    seen_ns: int


@dataclass
class PreparedFile:
    """A cleaned input file as rows of the state, built where the file was cleaned.

    ``file`` is its ``files`` row, ``docs`` one ``docs`` row per document without the
    leading handle and the trailing verdict columns, ``live`` whether each document is
    still in the corpus. ``indexed`` are the places in ``docs`` of the documents with a
    non-empty shingle set, ``keys`` their band keys (one row each) and ``sizes`` their
    set sizes.
    Plain tuples and arrays: it pickles small and stores with one ``executemany``.
    """

    path: str
    file: tuple[Any, ...]
    docs: list[tuple[Any, ...]]
    live: list[bool]
    indexed: npt.NDArray[np.int64]
    keys: Keys
    sizes: npt.NDArray[np.int64]


def prepare_file(
    entry: InputFile,
    docs: Sequence[Document],
    *,
    mtime_ns: int,
    seen_ns: int,
    ngram: int,
    banding: Banding | None,
    ordinals: Sequence[int] | None = None,
) -> PreparedFile:
    """The rows that store ``entry`` and its cleaned ``docs`` (see :class:`PreparedFile`).

    Shingles and band keys are computed for all live documents at once; with
    ``banding`` None (no document dedup) they are left empty. ``ordinals`` are the
    documents' places in the file when ``docs`` are some of its documents only.
    """
    rejected: list[dict[str, Any]] = []
    if entry.outcome == "rejected":
        rejected.append(
            {
                "source": entry.path,
                "stage": "read",
                "rule": "rejected-file",
                "message": entry.message,
                "text": "",
            }
        )
    rejected.extend({**r.to_dict(), "text": ""} for r in entry.rejections)
    file = (
        entry.path,
        entry.sha256,
        entry.size,
        mtime_ns,
        seen_ns,
        dumps(entry.to_dict()),
        "\n".join(dumps(r) for r in rejected),
    )
    live = [doc.dropped is None for doc in docs]
    hashed = [i for i, ok in enumerate(live) if ok] if banding is not None else []
    sets = shingle_sets([docs[i].text for i in hashed], ngram)
    sizes = sets.sizes()
    full = np.flatnonzero(sizes > 0)
    keys = (
        banding.keys(sets)
        if banding is not None and len(full)
        else np.zeros((len(hashed), 0), np.uint32)
    )
    blobs: dict[int, tuple[int, bytes, bytes]] = {
        i: (int(sizes[k]), sets[k].tobytes(), keys[k].tobytes() if sizes[k] else b"")
        for k, i in enumerate(hashed)
    }
    rows = []
    for k, doc in enumerate(docs):
        ordinal = k if ordinals is None else ordinals[k]
        changes = "\n".join(
            dumps({"id": doc.id, "source": doc.source, **ch.to_dict()})
            for ch in doc.changes
            if ch.text
        )
        tally = json.dumps([[ch.stage, ch.rule, len(ch.text)] for ch in doc.changes])
        dropped = None if doc.dropped is None else dumps(doc.dropped.to_dict())
        size, shingles, band_keys = blobs.get(k, (0, b"", b""))
        rows.append(
            (
                entry.path,
                ordinal,
                doc.id,
                len(doc.text),
                dumps(doc.record()),
                changes,
                tally,
                dropped,
                size,
                shingles,
                band_keys,
            )
        )
    indexed = np.asarray(hashed, dtype=np.int64)[full]
    return PreparedFile(
        entry.path,
        file,
        rows,
        live,
        indexed,
        np.ascontiguousarray(keys[full]) if len(full) else np.zeros((0, 0), np.uint32),
        sizes[full].astype(np.int64),
    )


def stored_schema(path: Path) -> str | None:
    """The layout version of the state file at ``path`` (None when there is none)."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return None if row is None else str(row[0])


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def shingles_from_blob(blob: bytes) -> Shingles:
    return np.frombuffer(blob, dtype=np.uint32)


def keys_from_blob(blob: bytes) -> Keys:
    return np.frombuffer(blob, dtype=np.uint32)


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
        conn.executescript(_TABLES)
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

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- input files ---------------------------------------------------------------

    def files(self) -> dict[str, StoredFile]:
        rows = self.conn.execute("SELECT path, sha256, size, mtime_ns, seen_ns FROM files")
        return {r[0]: StoredFile(r[1], r[2], r[3], r[4]) for r in rows}

    def touch_file(self, path: str, size: int, mtime_ns: int, seen_ns: int) -> None:
        """Remember a new stat of a file whose content did not change."""
        self.conn.execute(
            "UPDATE files SET size = ?, mtime_ns = ?, seen_ns = ? WHERE path = ?",
            (size, mtime_ns, seen_ns, path),
        )

    def add_file(self, prepared: PreparedFile, *, full: bool = False) -> npt.NDArray[np.int64]:
        """Store a prepared file and its documents; return the documents' handles.

        In an incremental run (``full`` False) the new live documents are not judged
        yet and their postings are written now. A full build marks them kept (the
        array resolver then marks the duplicates) and writes every posting at the
        end, in one sorted pass (:meth:`write_postings`).
        """
        self.conn.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)", prepared.file)
        return self.add_docs(prepared, full=full)

    def add_docs(self, prepared: PreparedFile, *, full: bool = False) -> npt.NDArray[np.int64]:
        """Store the documents of a prepared file (not its ``files`` row): see :meth:`add_file`.

        Alone, it puts back documents of a stored file that were cleaned again.
        """
        row = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'docs'").fetchone()
        first = (int(row[0]) if row else 0) + 1
        handles = np.arange(first, first + len(prepared.docs), dtype=np.int64)
        live_mark = 1 if full else None
        self.conn.executemany(
            "INSERT INTO docs (doc, path, ordinal, id, length, record, changes, tally, dropped,"
            " size, shingles, keys, kept) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(f"SELECT doc, keys FROM docs WHERE doc IN ({marks})", chunk)
            self.conn.executemany(
                "DELETE FROM postings WHERE token = ? AND doc = ?",
                [
                    (t, doc)
                    for doc, blob in rows.fetchall()
                    for t in as_signed(as_tokens(keys_from_blob(blob)))
                ],
            )
            self.conn.execute(f"DELETE FROM docs WHERE doc IN ({marks})", chunk)

    # -- corpus-repeat counts --------------------------------------------------------

    def set_lines(self, path: str, sets: LineSets) -> None:
        """Store an input's line sets (see :class:`~cleaner.stages.boilerplate.LineSets`)."""
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

    def line_sets(self) -> dict[str, LineSets]:
        """Every input's line sets with their words, by input path."""
        return {
            path: LineSets(
                np.frombuffer(h, dtype="<u8").astype(np.uint64),
                np.frombuffer(w, dtype="<u4").astype(np.uint32),
                np.frombuffer(o, dtype="<i8").astype(np.int64),
            )
            for path, h, o, w in self.conn.execute(
                "SELECT path, hashes, offsets, words FROM lines ORDER BY path"
            )
        }

    def set_verdicts(self, verdicts: Iterable[tuple[int, int | None, float | None]]) -> None:
        """Store (doc, dup_of, similarity) judgements; dup_of None means kept."""
        self.conn.executemany(
            "UPDATE docs SET kept = ?, dup_of = ?, similarity = ? WHERE doc = ?",
            [(int(k is None), k, s, d) for d, k, s in verdicts],
        )

    # -- reading the corpus back ---------------------------------------------------

    def inputs(self) -> list[dict[str, Any]]:
        """The manifest's ``inputs``: every input file in input order."""
        kept: dict[str, int] = {}
        rules: dict[str, dict[str, int]] = {}
        for path, is_kept, dropped in self.conn.execute("SELECT path, kept, dropped FROM docs"):
            if is_kept:
                kept[path] = kept.get(path, 0) + 1
            else:
                rule = json.loads(dropped)["rule"] if dropped else "near-duplicate"
                per = rules.setdefault(path, {})
                per[rule] = per.get(rule, 0) + 1
        out = []
        for (info,) in self.conn.execute("SELECT info FROM files ORDER BY path"):
            entry = json.loads(info)
            if entry.get("outcome") == "read":
                if kept.get(entry["path"]):
                    entry["outcome"] = "cleaned"
                else:
                    entry["outcome"] = "dropped"
                    entry.setdefault("reason", dropped_reason(rules.get(entry["path"], {})))
            out.append(entry)
        return out

    def _docs(self, kept: int | None = None) -> Iterator[tuple[Any, ...]]:
        where = "" if kept is None else f" WHERE d.kept = {int(kept)}"
        return self.conn.execute(
            "SELECT d.id, d.path, d.record, d.changes, d.tally, d.dropped, d.kept,"
            " d.similarity, o.id, o.path FROM docs d LEFT JOIN docs o ON o.doc = d.dup_of"
            f"{where} ORDER BY d.path, d.ordinal"
        )

    def corpus_lines(self) -> Iterator[str]:
        """``corpus.jsonl``: the record of every kept document, in input order."""
        for row in self.conn.execute(
            "SELECT record FROM docs WHERE kept = 1 ORDER BY path, ordinal"
        ):
            yield row[0]

    def audit_lines(self, text_key: str = "text") -> Iterator[str]:
        """``audit.jsonl``: every removal in input order, then every rejected input.

        ``text_key`` is the record field that holds the text (``CleanConfig.text_key``).
        """
        for ident, path, record, changes, _, dropped, _, sim, kid, kpath in self._docs():
            if changes:
                yield changes
            if dropped is not None:
                yield dumps({"id": ident, "source": path, **json.loads(dropped)})
            elif kid is not None:
                doc = Document(ident, path, json.loads(record)[text_key])
                yield dumps(
                    {"id": ident, "source": path, **near_duplicate(doc, kid, kpath, sim).to_dict()}
                )
        for (rows,) in self.conn.execute("SELECT rejections FROM files ORDER BY path"):
            if rows:
                yield rows

    def drops(self, text_key: str = "text") -> Iterator[tuple[str, str, Change]]:
        """(id, source, change) of every dropped document, in input order."""
        for ident, path, record, _, _, dropped, _, sim, kid, kpath in self._docs(kept=0):
            if dropped is not None:
                d = json.loads(dropped)
                yield ident, path, Change(d.pop("stage"), d.pop("rule"), d.pop("text"), d)
            elif kid is not None:
                doc = Document(ident, path, json.loads(record)[text_key])
                yield ident, path, near_duplicate(doc, kid, kpath, sim)

    def change_counts(self) -> list[tuple[str, str, int, int, int]]:
        """(stage, rule, changes, chars, documents) over all changes and drops, in SQL."""
        rows = self.conn.execute(
            """WITH rows(doc, stage, rule, chars) AS (
                SELECT d.doc, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'),
                       json_extract(j.value, '$[2]') FROM docs d, json_each(d.tally) j
                UNION ALL SELECT doc, ?, ?, length FROM docs
                    WHERE kept = 0 AND dropped IS NULL
                UNION ALL SELECT doc, json_extract(dropped, '$.stage'),
                       json_extract(dropped, '$.rule'), length(json_extract(dropped, '$.text'))
                    FROM docs WHERE dropped IS NOT NULL)
            SELECT stage, rule, count(*), total(chars), count(DISTINCT doc) FROM rows
            GROUP BY stage, rule""",
            (DropNearDuplicates.name, NEAR_DUPLICATE),
        )
        return [(str(a), str(b), int(c), int(d), int(e)) for a, b, c, d, e in rows]

    def document_counts(self) -> tuple[int, int, dict[str, int]]:
        """Documents in, kept, and dropped per rule."""
        total, kept = self.conn.execute("SELECT count(*), total(kept = 1) FROM docs").fetchone()
        dropped = dict(
            self.conn.execute(
                "SELECT coalesce(json_extract(dropped, '$.rule'), ?), count(*) FROM docs"
                " WHERE kept = 0 GROUP BY 1",
                (NEAR_DUPLICATE,),
            )
        )
        return int(total), int(kept), {str(k): int(v) for k, v in dropped.items()}

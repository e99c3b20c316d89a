"""The layout of an output folder's state file: tables, version, and named rows.

One SQLite file (``OUTPUT/.cleaner/state.sqlite``) holds, per input file, its sha256,
size, mtime (or ctime, :func:`stat_stamp`) and manifest entry, and per document its
corpus record, its audit rows, its change counts, its shingle hashes, its band keys,
its verdict and the postings of the near-duplicate index. Tables::

    meta(key, value)                       schema, version, config, generation, input root
    files(path, sha256, size, mtime_ns, seen_ns, info, rejections)
    docs(doc, path, ordinal, id, length, record, changes, tally, dropped,
         size, shingles, keys, fallback, kept, dup_of, similarity, containment)
    postings(token, doc)                   index tokens -> documents holding them
    lines(path, hashes, offsets, words)    per input: its documents' salted line hashes

``shingles`` is the sorted ``uint32`` array of a document's shingle hashes, ``keys``
its ``uint32`` band keys (one per band; empty for a document without shingles), from
which its tokens ``band << 32 | key`` follow (:func:`cleaner.dedup.lsh.as_tokens`).
``id`` is the id the reader gave a document within its file and ``fallback`` the one
derived from its source and record number (NULL when ``id`` is that one already); the
corpus and audit use ``fallback`` where a document earlier in input order holds ``id``
(:meth:`cleaner.store.state.State.renamed`).
Rows go in and come out as the named tuples below, never as bare positional tuples.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

SCHEMA = "6"  # 6: a fallback id column; 5: a containment column; 4: words per line, own
# id types and the text key; 3: a lines table; 2: uint32 shingles and a keys column (1:
# uint64 shingles)
_CHUNK = 500  # bound parameters per query, under SQLite's limit

TABLES = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files(path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, seen_ns INTEGER NOT NULL, info TEXT NOT NULL,
    rejections TEXT NOT NULL);
CREATE TABLE docs(doc INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL,
    ordinal INTEGER NOT NULL, id TEXT NOT NULL, length INTEGER NOT NULL,
    record TEXT NOT NULL, changes TEXT NOT NULL, tally TEXT NOT NULL, dropped TEXT,
    size INTEGER NOT NULL, shingles BLOB NOT NULL, keys BLOB NOT NULL, fallback TEXT,
    kept INTEGER, dup_of INTEGER, similarity REAL, containment REAL, UNIQUE(path, ordinal));
CREATE TABLE postings(token INTEGER NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY(token, doc)) WITHOUT ROWID;
CREATE TABLE lines(path TEXT PRIMARY KEY, hashes BLOB NOT NULL, offsets BLOB NOT NULL,
    words BLOB NOT NULL);
"""


def stat_stamp(st: os.stat_result) -> int:
    """What a file's ``mtime_ns`` column holds: the later of its mtime and ctime. The
    ctime moves whenever the file is written, renamed or its mtime is set back, and no
    one can set it, so two files of one size and mtime swapped with ``mv``, or an
    archive unpacked over the inputs, are hashed again; an mtime alone passes them."""
    return max(st.st_mtime_ns, st.st_ctime_ns)


class FileRow(NamedTuple):
    """A ``files`` row: an input file as read, with its manifest entry and rejections."""

    path: str
    sha256: str
    size: int
    mtime_ns: int  # stat_stamp: the later of mtime and ctime
    seen_ns: int
    info: str  # the manifest entry, as JSON
    rejections: str  # audit lines of the records it rejected


class DocRow(NamedTuple):
    """A ``docs`` row as a worker prepares it: no handle, no verdict yet."""

    path: str
    ordinal: int  # place in its file
    id: str
    length: int  # characters of the cleaned text (the keeper's length)
    record: str  # the corpus line
    changes: str  # its audit lines
    tally: str  # [stage, rule, chars] per change, as JSON
    dropped: str | None  # the change that dropped it, as JSON
    size: int  # shingles in its set
    shingles: bytes
    keys: bytes
    fallback: str | None  # the id derived from source and record number, if not ``id``


INSERT_DOC = (  # a prepared row with its handle and its first verdict
    f"INSERT INTO docs (doc, {', '.join(DocRow._fields)}, kept)"
    f" VALUES (?, {', '.join('?' * len(DocRow._fields))}, ?)"
)


@dataclass(frozen=True)
class StoredFile:
    """What the state remembers of an input file, to tell whether it changed."""

    sha256: str
    size: int
    mtime_ns: int
    seen_ns: int


class Outcome(NamedTuple):
    """What became of a document: dropped by a stage, or kept or dropped as a
    near-duplicate (then ``kept_doc``, ``kept_id`` and ``kept_path`` name the kept copy)."""

    doc: int
    id: str
    path: str
    record: str
    changes: str
    dropped: str | None
    similarity: float | None
    containment: float | None  # set when dropped as contained in the kept copy
    kept_doc: int | None
    kept_id: str | None
    kept_path: str | None


class DocFacts(NamedTuple):
    """What the near-duplicate rule reads of a stored document."""

    doc: int
    length: int
    path: str
    id: str
    ordinal: int
    kept: int | None
    shingles: bytes
    keys: bytes


class StoredLines(NamedTuple):
    """An input's line sets as stored (see :class:`cleaner.stages.repeats.LineSets`)."""

    hashes: npt.NDArray[np.uint64]
    words: npt.NDArray[np.uint32]
    offsets: npt.NDArray[np.int64]


class LineArrays(Protocol):
    """What :meth:`cleaner.store.state.State.set_lines` stores of an input's line sets."""

    @property
    def hashes(self) -> npt.NDArray[np.uint64]: ...
    @property
    def words(self) -> npt.NDArray[np.uint32]: ...
    @property
    def offsets(self) -> npt.NDArray[np.int64]: ...


class RuleCount(NamedTuple):
    """Counts of one rule over the corpus (see :meth:`cleaner.stats.Stats.from_rows`)."""

    stage: str
    rule: str
    changes: int
    chars: int
    documents: int


class DocumentCounts(NamedTuple):
    """Documents in, kept, and dropped per rule."""

    total: int
    kept: int
    dropped: dict[str, int]  # per rule


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
    """``items`` in runs short enough to bind as the parameters of one query."""
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def marks(items: Sequence[Any]) -> str:
    """``?, ?, ...``: one placeholder per item."""
    return ",".join("?" * len(items))


def from_blob(blob: bytes) -> npt.NDArray[np.uint32]:
    """A stored ``uint32`` array (shingles or band keys)."""
    return np.frombuffer(blob, dtype=np.uint32)


def as_signed(tokens: npt.NDArray[np.uint64]) -> list[int]:
    """Index tokens as signed 64-bit ints, the form SQLite stores."""
    out: list[int] = tokens.view(np.int64).tolist()
    return out

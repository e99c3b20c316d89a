"""The keeper policy: its SQL form orders documents exactly as its Python form does.

An incremental run ranks stored documents in SQLite (``ORDER BY`` :data:`RANK_SQL`), a
full build and the in-memory stage in Python (:func:`rank_key`); if the two ever
disagreed, an incremental run would keep another copy than a rebuild does.
"""

from __future__ import annotations

import random
import sqlite3

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import DedupConfig
from cleaner.dedup.keeper import (
    KEEP,
    POSITION_SQL,
    RANK_SQL,
    doc_rank,
    position_key,
    priority_rank,
    rank_key,
)
from cleaner.document import Document
from cleaner.stages.dedup import dedup_scheme
from cleaner.store.index import StoredDocuments
from cleaner.store.schema import INSERT_DOC, TABLES, DocRow

# Few distinct values, so that ties at every level of the order are common; the
# strings mix cases, accents (composed and not), astral code points, a NUL and the
# last code point before the surrogates, where UTF-8 byte order and code-point order
# could part. Lone surrogates are left out: the readers replace them (SQLite could not
# store them).
TRICKY = ["", "a", "A", "b", "Z", "é", "e\u0301", "\x00", "a\x00", "\ud7ff", "\ue000",
          "\uffff", "\U0001f600", "10", "9", "_", "~"]  # fmt: skip
TEXTS = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=3),
)
ROWS = st.lists(
    st.tuples(st.integers(0, 3), TEXTS, TEXTS, st.integers(0, 3)),  # length, path, id, ordinal
    min_size=1,
    max_size=40,
    unique_by=lambda r: (r[1], r[3]),  # the store's UNIQUE(path, ordinal)
)


def store(rows: list[tuple[int, str, str, int]]) -> sqlite3.Connection:
    """An in-memory state holding ``rows``, with the store's own tables and INSERT."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(TABLES)
    conn.executemany(
        INSERT_DOC,
        [
            (
                k + 1,
                *DocRow(path, ordinal, ident, length, "{}", "", "[]", None, 0, b"", b"", None),
                1,
            )
            for k, (length, path, ident, ordinal) in enumerate(rows)
        ],
    )
    return conn


@settings(max_examples=300, deadline=None)
@given(ROWS)
def test_sql_and_python_forms_of_the_keep_order_agree(
    rows: list[tuple[int, str, str, int]],
) -> None:
    conn = store(rows)
    by_sql = [doc - 1 for (doc,) in conn.execute(f"SELECT doc FROM docs ORDER BY {RANK_SQL}")]
    by_python = sorted(range(len(rows)), key=lambda k: rank_key(*rows[k]))
    assert by_sql == by_python
    by_sql = [doc - 1 for (doc,) in conn.execute(f"SELECT doc FROM docs ORDER BY {POSITION_SQL}")]
    by_python = sorted(range(len(rows)), key=lambda k: position_key(rows[k][1], rows[k][3]))
    assert by_sql == by_python


@settings(max_examples=100, deadline=None)
@given(ROWS, st.randoms(use_true_random=False))
def test_the_stores_ranks_are_the_python_ranks(
    rows: list[tuple[int, str, str, int]], rng: random.Random
) -> None:
    # what a full build's resolver reads back (StoredDocuments.order, some rows, in any
    # order) ranks them as the in-memory stage does
    conn = store(rows)
    asked = list(range(len(rows)))
    rng.shuffle(asked)
    asked = asked[: max(1, len(asked) // 2)]
    rank, position = StoredDocuments(conn, np.arange(1, len(rows) + 1)).order(np.array(asked))
    assert rank.tolist() == priority_rank([rank_key(*rows[k]) for k in asked]).tolist()
    positions = [position_key(rows[k][1], rows[k][3]) for k in asked]
    assert position.tolist() == priority_rank(positions).tolist()


def test_a_document_ranks_by_its_cleaned_length_then_source_then_id() -> None:
    docs = [Document("b", "x.txt", "four"), Document("a", "x.txt", "four"),
            Document("c", "a.txt", "four"), Document("d", "z.txt", "longer")]  # fmt: skip
    ranks = [doc_rank(d, k) for k, d in enumerate(docs)]
    assert priority_rank(ranks).tolist() == [3, 2, 1, 0]


def test_the_manifest_states_the_policy() -> None:
    assert dedup_scheme(DedupConfig())["keep"] == KEEP

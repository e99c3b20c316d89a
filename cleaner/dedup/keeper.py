"""The keeper policy: which copy of a near-duplicate stays, and what the audit says.

Among documents that nearly duplicate each other, the one kept is the longest text
after cleaning; ties go to the source path, then the id, then the place in the input.
A dropped document names the most similar kept one; ties go to the one first in input
order (its source path, then its place in that source). So the verdicts depend only on
the set of documents, never on the order they arrive in.

The policy takes three forms, written here side by side, and they must agree exactly,
or an incremental run (which sorts in SQLite) stops equalling a rebuild:

* Python: :func:`rank_key` and :func:`position_key`, sort keys (smaller first), used by
  the in-memory stage and the one-at-a-time rule;
* SQL: :data:`RANK_SQL` and :data:`POSITION_SQL`, ``ORDER BY`` terms over the columns of
  the store's ``docs`` table (``length``, ``path``, ``id``, ``ordinal``). SQLite
  compares TEXT by ``memcmp`` of its UTF-8 (the BINARY collation), which orders
  strings as Python does, by code point; the tests hold the two forms to each other;
* words: :data:`KEEP`, what the manifest's ``dedup_scheme`` says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.document import Change, Document
from cleaner.names import Reason, StageName

__all__ = [
    "CONTAINED",
    "CONTAINMENT_RULE",
    "KEEP",
    "POSITION_SQL",
    "RANK_SQL",
    "RULE",
    "STAGE",
    "doc_rank",
    "dropped_by",
    "near_duplicate",
    "position_key",
    "priority_rank",
    "rank_key",
]

STAGE = StageName.DROP_NEAR_DUPLICATES  # the stage that drops near-duplicate documents
RULE = Reason.NEAR_DUPLICATE  # its rule, in the audit and the counts
CONTAINED = Reason.CONTAINED  # its rule for a document contained in a longer kept one
KEEP = "longest text after cleaning, then source path, then id"
CONTAINMENT_RULE = (  # what the manifest's dedup_scheme says of a contained document
    "dropped when at least this share of its shingles is in a kept document judged "
    "before it; a near-duplicate is named first"
)

Rank = tuple[int, str, str, int]
Position = tuple[str, int]

RANK_SQL = "length DESC, path, id, ordinal"  # rank_key, over the store's docs columns


def rank_key(length: int, source: str, ident: str, ordinal: int) -> Rank:
    """The order documents are judged in (and kept in): longest first, then source, id,
    place in the input. ``length`` counts the characters of the cleaned text.

    >>> sorted([rank_key(3, "b", "1", 0), rank_key(5, "z", "9", 0), rank_key(3, "a", "2", 1)])
    [(-5, 'z', '9', 0), (-3, 'a', '2', 1), (-3, 'b', '1', 0)]
    """
    return (-length, source, ident, ordinal)


POSITION_SQL = "path, ordinal"  # position_key, over the store's docs columns


def position_key(source: str, ordinal: int) -> Position:
    """Input order, which breaks ties between equally similar kept documents."""
    return (source, ordinal)


def doc_rank(doc: Document, position: int) -> Rank:
    """:func:`rank_key` of a document at ``position`` in an input in order (source path,
    then place in the source: the position orders the documents of one source as their
    ordinals do)."""
    return rank_key(len(doc.text), doc.source, doc.id, position)


def priority_rank(keys: Sequence[Any]) -> npt.NDArray[np.int64]:
    """Rank of each document in keep order: 0 is kept first. Ties go to the lower index.

    >>> priority_rank([(-5, "b"), (-9, "z"), (-5, "a")]).tolist()
    [2, 0, 1]
    """
    order = sorted(range(len(keys)), key=keys.__getitem__)
    rank = np.empty(len(keys), np.int64)
    rank[order] = np.arange(len(keys), dtype=np.int64)
    return rank


def near_duplicate(doc: Document, kept_id: str, kept_source: str, similarity: float) -> Change:
    """The change that drops ``doc`` as a near-duplicate of a kept document."""
    detail = {
        "duplicate_of": kept_id,
        "duplicate_source": kept_source,
        "similarity": round(similarity, 4),
    }
    return Change(STAGE, RULE, doc.text, detail)


def dropped_by(
    doc: Document,
    kept_id: str,
    kept_source: str,
    similarity: float,
    containment: float | None = None,
) -> Change:
    """The change that drops ``doc`` for a kept document: as its near-duplicate, or, when
    ``containment`` is given, as contained in it (the share of ``doc``'s shingles that
    the kept document holds, beside their Jaccard)."""
    if containment is None or containment != containment:  # None or NaN
        return near_duplicate(doc, kept_id, kept_source, similarity)
    detail = {
        "containment": round(containment, 4),
        "duplicate_of": kept_id,
        "duplicate_source": kept_source,
        "similarity": round(similarity, 4),
    }
    return Change(STAGE, CONTAINED, doc.text, detail)

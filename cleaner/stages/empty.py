"""DropEmpty: leave out a document with no text left, as ``empty``."""

from __future__ import annotations

from cleaner.document import Change, Document
from cleaner.names import Reason, StageName
from cleaner.stage import Stage


class DropEmpty(Stage):
    """Drop a document whose text is empty or white space: a record given no text, or
    one the stages before left none of (dedup-blocks across a file's documents can
    take every paragraph of one). A corpus record with no text is no document; the
    audit keeps it as ``empty``, with the text it had. It runs after the stages that
    change text and before the filters, which then do not judge it (it is not
    ``too-short``, and has no language to name).

    >>> DropEmpty().apply(Document("1", "a.jsonl", " \\n ")).dropped.rule
    'empty'
    >>> DropEmpty().apply(Document("2", "a.jsonl", "Two words.")).dropped is None
    True
    """

    name = StageName.DROP_EMPTY

    def apply(self, doc: Document) -> Document:
        if doc.text.strip():
            return doc
        return doc.drop(Change(self.name, Reason.EMPTY, doc.text, {}))

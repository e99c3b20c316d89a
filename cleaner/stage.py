"""The stage contract: a named, pure step over an iterable of documents."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

from cleaner.document import Document


class Stage:
    """Base class of every stage.

    A stage has a stable ``name`` (used in the manifest, the audit and the CLI) and a
    ``run`` generator. It does no I/O. It passes documents that an earlier stage
    dropped through unchanged, and records each change it makes as a
    :class:`~cleaner.document.Change` on the document.
    """

    name: ClassVar[str] = "stage"

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            yield doc if doc.dropped is not None else self.apply(doc)

    def apply(self, doc: Document) -> Document:
        """Process one live document; stages that need the whole corpus override ``run``."""
        return doc

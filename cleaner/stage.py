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


class CorpusStage:
    """Base class of the stages that work over the whole corpus at once.

    A per-document :class:`Stage` sees one document at a time; a corpus stage needs
    every input first: near-duplicates are judged between documents of any files, and
    ``corpus-repeat`` counts lines over every file. It is named, configured and listed
    by :class:`~cleaner.pipeline.Pipeline` like any other stage, and the corpus run
    (:mod:`cleaner.run.corpus`) calls its methods; it does no I/O of its own, the run
    hands it what the store holds. ``listed`` says whether the manifest's stage list
    names it: a stage is listed when the audit and the counts name its changes.
    """

    name: ClassVar[str] = "corpus-stage"
    listed: ClassVar[bool] = True

    def scheme(self) -> dict[str, object]:
        """What the manifest records of how the stage works ({}: nothing)."""
        return {}

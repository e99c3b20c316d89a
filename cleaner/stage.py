"""The stage contract: a named, pure step over an iterable of documents; and the filter,
a stage that keeps or drops whole documents."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from cleaner.document import Change, Document
from cleaner.errors import CleanerError, UsageError


class Stage:
    """Base class of every stage.

    A stage has a stable ``name`` (used in the manifest, the audit and the CLI) and a
    ``run`` generator. It does no I/O. It passes documents that an earlier stage
    dropped through unchanged, and records each change it makes as a
    :class:`~cleaner.document.Change` on the document.
    """

    name: ClassVar[str] = "stage"
    # modules whose import loads what the stage needs (a model): the workers of a local
    # run start with them imported, loaded once before they are forked, not once each
    preload: ClassVar[tuple[str, ...]] = ()

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            yield doc if doc.dropped is not None else applied(self, doc)

    def apply(self, doc: Document) -> Document:
        """Process one live document; stages that need the whole corpus override ``run``."""
        return doc


def applied(stage: Stage, doc: Document) -> Document:
    """``stage.apply(doc)``, which must be a document: another stage's (a plugin's) that
    gives something else is a :class:`~cleaner.errors.UsageError` naming it, not an
    error deep in the run or a value passed on as a document."""
    out = stage.apply(doc)
    if not isinstance(out, Document):
        raise UsageError(
            f"stage {stage.name!r} gave a {type(out).__name__} for document {doc.id} of "
            f"{doc.source}, not a Document; return the document, changed or not"
        )
    return out


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


@dataclass(frozen=True)
class FilterConfig:
    """The settings every filter has; a filter's own config class adds its keys.

    The fields are the keys of the filter's table in ``cleaner.toml``
    (``[filters.NAME]``), checked as the other tables' are: an unknown key, or a value
    of the wrong type, is an error.
    """

    enabled: bool = False  # a filter leaves out documents that may be wanted: off until asked


C = TypeVar("C", bound=FilterConfig)
Verdict = bool | tuple[bool, dict[str, Any]]  # keep?, and the values measured to decide


class Filter(Stage, Generic[C]):
    """A stage that keeps or drops a whole document, for a reason it can count.

    A subclass names itself (``name``: its stage, its ``[filters.NAME]`` table and the
    name ``--disable-rule``/``--enable-rule`` take), says which ``config_class`` holds
    its settings, and decides in :meth:`filter`. A dropped document leaves with the
    filter's ``reason`` (by default its name) as the rule of its drop, its text, and
    the measured values as the drop's detail, so the audit shows why and the counts
    count it. Register the class with :func:`cleaner.stages.filters.register`.
    """

    name: ClassVar[str] = "filter"
    reason: ClassVar[str] = ""  # the rule of the drop; empty: the filter's name
    config_class: ClassVar[type[FilterConfig]] = FilterConfig
    # a filter that rewrites the text and drops nothing: it runs right after repair-text,
    # so every later stage, the line counts and the audit see only the rewritten text
    rewrites: ClassVar[bool] = False

    def __init__(self, config: C) -> None:
        self.config = config

    def filter(self, doc: Document) -> Verdict:
        """True to keep ``doc``; False, or ``(False, detail)`` with what was measured, to
        drop it. ``(True, detail)`` keeps it too."""
        raise NotImplementedError

    def apply(self, doc: Document) -> Document:
        try:
            verdict = self.filter(doc)
        except CleanerError:
            raise
        except Exception as e:  # a plugin's bug: named, with the document it met
            raise UsageError(
                f"filter {self.name!r} failed on document {doc.id} of {doc.source} "
                f"({type(e).__name__}: {e})"
            ) from e
        keep, detail = (
            verdict if isinstance(verdict, tuple) and len(verdict) == 2 else (verdict, {})
        )
        if not _is_bool(keep) or not isinstance(detail, dict):  # None would drop, "no" keep
            raise UsageError(
                f"filter {self.name!r} returned {verdict!r} for document {doc.id} of "
                f"{doc.source}; return True, False, or (True or False, a dict)"
            )
        if keep:
            return doc
        return doc.drop(Change(self.name, self.reason or self.name, doc.text, dict(detail)))


def _is_bool(value: object) -> bool:
    """True or False (numpy's too, which compare equal to them)."""
    try:
        return value in (True, False)
    except (TypeError, ValueError):  # an array
        return False

"""The values that flow through a pipeline: :class:`Document` and :class:`Change`."""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

RECORD_FIELDS = ("id", "source", "title", "date", "author")  # what record() writes itself


def kept_as(fields: Container[str], key: str) -> str:
    """The name a record's own ``key`` is kept under where cleaner writes ``key`` itself:
    ``record_<key>``, with one more ``record_`` while the name is taken, so that no
    field of the record is lost (re-cleaning a corpus meets its ``record_id`` fields).
    ``fields`` holds the names taken: the record's, and the one its text goes back under.

    >>> kept_as({}, "id"), kept_as({"record_id": 7}, "id")
    ('record_id', 'record_record_id')
    """
    name = f"record_{key}"
    while name in fields:
        name = f"record_{name}"
    return name


def kept_for(name: str) -> str:
    """The field a name :func:`kept_as` gave was kept for (any number of ``record_``
    taken off); a name it gives none, itself.

    >>> kept_for("record_record_language"), kept_for("url")
    ('language', 'url')
    """
    while name.startswith("record_"):
        name = name.removeprefix("record_")
    return name


def record_text(record: Mapping[str, Any], text_key: str) -> str:
    """The text of a corpus record: under ``text_key`` for a JSONL or Parquet record's,
    under ``"text"`` for a text file's or a page's (``--text-key`` names records' fields).

    >>> record_text({"body": "Hi"}, "body"), record_text({"text": "Hi"}, "body")
    ('Hi', 'Hi')
    """
    return str(record.get(text_key, record.get("text", "")))


@dataclass(frozen=True)
class Change:
    """One thing a stage did to a document, with the reason that can be counted.

    ``rule`` is the name of the rule that fired (for example ``"subscribe-prompt"``);
    ``text`` is what was removed (empty for repairs that removed nothing);
    ``detail`` carries extra facts, such as ``{"duplicate_of": id, "similarity": 0.93}``.
    """

    stage: str
    rule: str
    text: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # names come from the enums of cleaner.names; a caller gets them as plain str
        for name in ("stage", "rule"):
            value = getattr(self, name)
            if type(value) is not str:
                object.__setattr__(self, name, str(value))

    def measured(self) -> str:
        """What the stage measured to decide, in a few words, for people: the detail's
        ``test`` (a quality filter's "mean word length 11.2 > 10"), else its plain values.

        >>> Change("too-short", "too-short", "Hi.", {"words": 1, "min_words": 50}).measured()
        'words 1, min_words 50'
        """
        if isinstance(self.detail.get("test"), str):
            return str(self.detail["test"])
        return ", ".join(
            f"{key} {value}"
            for key, value in self.detail.items()
            if isinstance(value, int | float | str) and not isinstance(value, bool)
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"stage": self.stage, "rule": self.rule, "text": self.text}
        out.update(self.detail)
        return out


Hints = tuple[tuple[float, ...] | None, ...]


def carry_hints(hints: Hints, old: str, new: str) -> Hints:
    """The hints of ``old``'s lines moved to the lines of ``new``, a text made from it.

    With as many lines, each line keeps its own (a repair changes characters, not
    lines). Otherwise ``new`` is ``old`` with lines removed, and perhaps a prefix cut
    from some: each line of ``new`` takes the hints of the next line of ``old`` that it
    equals (else that it ends), and a line found nowhere after the last one matched
    gets none.

    >>> carry_hints(((1.0,), None, (2.0,), (3.0,)), "Menu\\n\\nBody one.\\nShare: Body two.",
    ...             "Body one.\\nBody two.")
    ((2.0,), (3.0,))
    """
    new_lines = new.split("\n")
    old_lines = old.split("\n")
    if len(new_lines) == len(old_lines) == len(hints):
        return hints
    out: list[tuple[float, ...] | None] = []
    at, end = 0, min(len(old_lines), len(hints))
    for line in new_lines:
        found = None
        if line.strip():
            try:
                found = old_lines.index(line, at, end)
            except ValueError:
                found = next((j for j in range(at, end) if old_lines[j].endswith(line)), None)
        if found is None:
            out.append(None)
            continue
        out.append(hints[found])
        at = found + 1
    return tuple(out)


@dataclass(frozen=True)
class Document:
    """A document on its way through the pipeline.

    ``id`` is stable across runs (derived from the source path, and the record number
    for multi-record inputs). ``source`` is the input path relative to the input folder.
    ``meta`` holds the other fields of an input record, written back out unchanged.
    ``own_id`` is a record's own ``id`` as the record gave it (a number stays a number)
    and ``id`` is then its text, which the audit and the manifest use; ``text_key`` is
    the record field the text came from. :meth:`record` writes both back as they came.
    ``fallback_id`` is, for a record that kept its own id, the id derived from its
    source and record number: a corpus run gives it that id instead when a document
    earlier in input order holds the same one (two files that number their records
    alike), as :func:`cleaner.readers.read_inputs` does while it reads.
    ``hints`` holds, for a page read from HTML, what the markup says of each line of
    ``text`` (see :mod:`cleaner.html.flatten`; ``None`` on a blank line) for the
    boilerplate stage; they follow the kept lines (:meth:`with_changes`) until no later
    stage strips again, then go. They never reach the record.
    ``origin`` holds, once the boilerplate stage has changed the text, the number
    (from 1) of each line of ``text`` on the page that stage numbered its removals on
    (``None`` for a blank line it put between blocks), so that a later stage that
    removes lines (dedup-blocks, the settle round) names them by that page's numbers
    too; ``None``: ``text`` is that page. A new ``text`` that does not say its
    ``origin`` leaves none.
    ``dropped`` is set by the stage that left the whole document out of the corpus;
    later stages pass a dropped document through untouched, so that the writer can put
    it in the audit: no document is ever lost.
    """

    id: str
    source: str
    text: str
    title: str | None = None
    date: str | None = None
    author: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    changes: tuple[Change, ...] = ()
    dropped: Change | None = None
    own_id: Any = None
    text_key: str = "text"
    hints: Hints | None = None
    origin: tuple[int | None, ...] | None = None
    fallback_id: str | None = None

    def with_changes(self, changes: list[Change] | tuple[Change, ...], **fields: Any) -> Document:
        """Return a copy with ``changes`` appended and ``fields`` replaced.

        A new ``text`` keeps the document's ``hints`` on the lines that stay
        (:func:`carry_hints`), unless ``hints`` is given too, and leaves no ``origin``
        unless it is given.
        """
        if self.hints is not None and "text" in fields and "hints" not in fields:
            fields["hints"] = carry_hints(self.hints, self.text, fields["text"])
        if self.origin is not None and "text" in fields and "origin" not in fields:
            fields["origin"] = None
        return replace(self, changes=self.changes + tuple(changes), **fields)

    def with_kept_lines(
        self,
        changes: list[Change] | tuple[Change, ...],
        text: str,
        kept: Sequence[int | None],
        **fields: Any,
    ) -> Document:
        """:meth:`with_changes` for a ``text`` made of lines of this one: ``kept`` gives,
        per line of ``text``, the line of ``self.text`` it is (from 0; ``None``: a blank
        line put between blocks). Each kept line takes along its number on the page
        (``origin``) and its hints, by that map rather than by matching text.
        """
        page = self.page_lines()
        fields["origin"] = tuple(None if k is None else page[k] for k in kept)
        if self.hints is not None and len(self.hints) == len(page):
            fields["hints"] = tuple(None if k is None else self.hints[k] for k in kept)
        return self.with_changes(changes, text=text, **fields)

    def under_fallback_id(self) -> Document:
        """This record under its ``fallback_id``, its own id kept in ``meta`` as
        ``record_id``: what a corpus gives a record whose id an earlier file holds.

        >>> d = Document("0", "b.jsonl", "Hi.", own_id=0, fallback_id="9f2c").under_fallback_id()
        >>> d.id, d.own_id, d.meta
        ('9f2c', None, {'record_id': 0})
        """
        if self.fallback_id is None:
            return self
        meta = {**self.meta, kept_as({*self.meta, self.text_key}, "id"): self.own_id}
        return replace(self, id=self.fallback_id, own_id=None, fallback_id=None, meta=meta)

    def page_lines(self) -> Sequence[int | None]:
        """Per line of ``text``, its number on the page the boilerplate stage numbers
        its removals on (see ``origin``).

        >>> Document("a", "a.txt", "One.\\n\\nTwo.", origin=(3, None, 7)).page_lines()[2]
        7
        """
        return range(1, self.text.count("\n") + 2) if self.origin is None else self.origin

    def drop(self, change: Change) -> Document:
        """Return a copy marked as left out of the corpus, for ``change``'s reason."""
        return replace(self, dropped=change)

    def record(self) -> dict[str, Any]:
        """The corpus record: metadata first, then cleaner's own fields.

        >>> Document("a1", "a.txt", "Body.").record()["text"]
        'Body.'
        >>> Document("0", "a.jsonl", "Body.", own_id=0, text_key="body").record()
        {'id': 0, 'source': 'a.jsonl', 'title': None, 'date': None, 'author': None, 'body': 'Body.'}
        """
        out: dict[str, Any] = dict(self.meta)
        out.update(
            id=self.id if self.own_id is None else self.own_id,
            source=self.source,
            title=self.title,
            date=self.date,
            author=self.author,
        )
        out[self.text_key] = self.text
        return out


def runs_of(docs: Iterable[Document], most: int, chars: int) -> Iterator[list[Document]]:
    """``docs`` in order, in runs of ``most`` documents, or fewer once a run holds
    ``chars`` characters of text: what is held at once stays bounded by documents of
    megabytes too.

    >>> docs = [Document(str(k), "a.txt", "x" * 10) for k in range(5)]
    >>> [len(run) for run in runs_of(docs, 2, 100)], [len(run) for run in runs_of(docs, 9, 25)]
    ([2, 2, 1], [3, 2])
    """
    run: list[Document] = []
    held = 0
    for doc in docs:
        run.append(doc)
        held += len(doc.text)
        if len(run) >= most or held >= chars:
            yield run
            run, held = [], 0
    if run:
        yield run

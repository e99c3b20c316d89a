"""Clean records one at a time: cleaner as a preprocessing step inside other pipelines.

:func:`clean_records` takes any iterable of dicts and yields each one cleaned, with an
account of what was removed, in input order and in constant memory: the per-document
stages (repair-text, strip-boilerplate, dedup-blocks) run record by record. Two things
differ from a folder run (:func:`~cleaner.run.corpus.clean_corpus`), because a stream cannot
look ahead:

- near-duplicates are found by :class:`~cleaner.stages.stream_dedup.StreamNearDuplicates`,
  which keeps the *first* copy and remembers at most ``window`` kept documents (memory
  is bounded; see that module). ``near_duplicates=False`` turns it off.
- boilerplate rules that count lines across the corpus (``corpus-repeat``) do not run.

Each yielded record is the input record with its text field replaced by the cleaned
text and one more key, ``"cleaner"``::

    {"title": str | None,            # the headline found and taken out of the text
     "date": str | None,             # the ISO date found and taken out of the text
     "author": str | None,           # the byline's names, taken out with the byline
                                     # (each else the record's own string field)
     "repaired": ["whitespace", ...],  # repair-text fixes applied, in order (and
                                       # "nul-bytes", NULs the reading took out)
     "removed": [{"stage": ..., "rule": ..., "text": ..., "detail": {...}}, ...],
     "redacted": {"email": 1, ...},  # redact-pii's replacements per type (no values)
     "dropped": None | {"stage": ..., "rule": ..., "detail": {...}}}  # near-duplicate,
                                     # boilerplate-only

Dropped records are yielded too, so none is lost silently; keep the others with
``if not r["cleaner"]["dropped"]``.

>>> from cleaner import clean_records
>>> rows = [{"text": "caf\\u00c3\\u00a9 &amp; bar"}, {"text": "Plain text."}]
>>> [r["text"] for r in clean_records(rows)]
['café & bar', 'Plain text.']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, BinaryIO

from cleaner.config import CleanConfig
from cleaner.dedup import DEFAULT_WINDOW
from cleaner.document import Change, Document, kept_for
from cleaner.errors import OutputError, RecordError, UsageError
from cleaner.names import Reason, StageName
from cleaner.pipeline import Pipeline, with_text
from cleaner.progress import Progress, counted
from cleaner.readers import STDIN, InputFile, Rejection, doc_id, read_inputs, stream_input
from cleaner.readers.jsonl import RecordProblem, check_record, record_document
from cleaner.readers.parquet import jsonable
from cleaner.run.report import Report
from cleaner.stage import Stage, applied
from cleaner.stages.filters.language import language_fields
from cleaner.stages.filters.pii import redactions
from cleaner.stages.stream_dedup import StreamNearDuplicates
from cleaner.stats import Stats
from cleaner.store.output import dumps


def check_arguments(config: object, window: object) -> None:
    """A :class:`~cleaner.errors.UsageError` for a config or window of the wrong kind,
    when a streaming cleaner is made (:class:`StreamCleaner`, the datatrove step)."""
    if not isinstance(config, CleanConfig):
        raise UsageError(f"config must be a CleanConfig, not {config!r}")
    if window is not None and (
        not isinstance(window, int) or isinstance(window, bool) or window < 1
    ):
        raise UsageError(f"window must be a whole number of at least 1 or None, not {window!r}")


class StreamCleaner:
    """The per-document stages, plus optional streaming near-duplicate removal.

    ``clean(doc)`` runs each stage's ``apply`` on one document and counts what happened
    in ``stats``; a stage that drops the document ends its run. ``near_duplicates``
    defaults to ``config.dedup.documents``; ``window`` bounds the near-duplicate index
    (None: no bound). Holding state only in that index, it can be reused across calls.
    """

    def __init__(
        self,
        config: CleanConfig = CleanConfig(),
        *,
        near_duplicates: bool | None = None,
        window: int | None = DEFAULT_WINDOW,
    ) -> None:
        check_arguments(config, window)
        self.config = config
        stages: list[Stage] = Pipeline.from_config(config, corpus_stages=False).stages
        if config.dedup.documents if near_duplicates is None else near_duplicates:
            stages.append(StreamNearDuplicates(config.dedup, window))
        self.stages = stages
        self.stats = Stats()

    def clean(self, doc: Document) -> Document:
        """``doc`` cleaned; raises :class:`~cleaner.errors.RecordError` when its text is
        no string."""
        if not isinstance(doc, Document):
            raise UsageError(
                f"clean takes a Document, not {type(doc).__name__}; "
                "for records (dicts of fields) use clean_records"
            )
        doc = with_text(doc)
        for stage in self.stages:
            if doc.dropped is not None:
                break
            doc = applied(stage, doc)
        self.stats.add_document(doc)
        return doc

    def report(self, seconds: float, rejected: int = 0) -> Report:
        """A :class:`~cleaner.run.report.Report` of everything cleaned so far."""
        counts = self.stats.to_dict()
        docs = counts["documents"]
        return Report(
            documents_in=docs["in"],
            kept=docs["kept"],
            dropped=docs["dropped"],
            records_rejected=rejected,
            lines_removed=self.stats.lines_removed(),
            seconds=seconds,
            manifest={"counts": counts},
        )


def explain_changes(doc: Document) -> dict[str, Any]:
    """The ``"cleaner"`` value of a cleaned record (see the module docstring)."""
    removed = [
        {"stage": c.stage, "rule": c.rule, "text": c.text, "detail": dict(c.detail)}
        for c in doc.changes
        if c.text
    ]
    repaired = [
        c.rule
        for c in doc.changes
        if c.stage in (StageName.READ, StageName.REPAIR_TEXT) and not c.text
    ]
    dropped = None
    if doc.dropped is not None:
        dropped = {
            "stage": doc.dropped.stage,
            "rule": doc.dropped.rule,
            "detail": dict(doc.dropped.detail),
        }
    return {
        "title": doc.title,
        "date": doc.date,
        "author": doc.author,
        "repaired": repaired,
        "removed": removed,
        "redacted": redactions(doc),
        "dropped": dropped,
    }


def clean_records(
    records: Iterable[Mapping[str, Any]],
    config: CleanConfig = CleanConfig(),
    *,
    text_key: str | None = None,
    near_duplicates: bool | None = None,
    window: int | None = DEFAULT_WINDOW,
    source: str = "records",
) -> Iterator[dict[str, Any]]:
    """Yield each record cleaned, with a ``"cleaner"`` account of its removals.

    ``text_key`` defaults to ``config.text_key`` (``"text"``). ``near_duplicates``
    defaults to ``config.dedup.documents``; the index keeps at most ``window`` kept
    documents. ``source`` names the stream in derived ids and in duplicate reports.
    Records are yielded in input order, dropped ones included; a record without a
    string text field raises :class:`~cleaner.errors.RecordError`. With
    ``config.html_key`` that field holds each record's page (:func:`to_document`), and
    the fields the page gives (``url``, ``html_lang``) are added to the record.

    >>> page = "A long enough sentence about the weather in the hills today."
    >>> out = list(clean_records([{"id": 1, "text": page}, {"id": 2, "text": page}]))
    >>> [r["cleaner"]["dropped"] for r in out][0] is None
    True
    >>> out[1]["cleaner"]["dropped"]["rule"], out[1]["cleaner"]["dropped"]["detail"]["duplicate_of"]
    ('near-duplicate', '1')
    """
    cleaner = StreamCleaner(config, near_duplicates=near_duplicates, window=window)
    if text_key is not None:  # checked as the config's own: not a field cleaner writes
        config = replace(config, text_key=text_key)
    key = config.text_key
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Iterable):
        raise UsageError(f"records must be an iterable of dicts, not {type(records).__name__}")
    if not isinstance(source, str):
        raise UsageError(f"source must be a name (a string), not {source!r}")
    entry = InputFile(source, "", 0)
    for number, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            raise RecordError(
                f"{source}: record {number}: a {type(record).__name__}, not a dict of fields; "
                f"pass each record as a dict with its text under {key!r}"
            )
        doc = cleaner.clean(to_document(entry, record, number, key, config.html_key))
        # the language filter's fields, and the record's own values they replace
        named = language_fields(doc.meta)
        if config.html_key is not None:  # what the page gave: its url, lang, ...
            named = _page_fields(doc, record, key) | named
        yield {**record, **named, key: doc.text, "cleaner": explain_changes(doc)}


def _page_fields(doc: Document, record: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The fields a record's page added to it (``url``, ``html_lang``, ...), and its
    own text under ``key``, which the page's text replaces, as ``record_<key>`` (as a
    run writes it); not the record's other fields kept aside (``record_source``, for a
    ``source`` it holds: the record comes back with it as it was)."""
    return {
        k: v
        for k, v in doc.meta.items()
        if k not in record and (kept_for(k) == key or kept_for(k) not in record)
    }


def to_document(
    entry: InputFile,
    record: Mapping[str, Any],
    number: int,
    text_key: str,
    html_key: str | None = None,
) -> Document:
    """A record given as a mapping as a :class:`Document`, mapped as a JSONL line is.

    With ``html_key``, that field holds a page, read as a JSONL run reads it
    (:func:`~cleaner.readers.html.html_fields`); a page that gives no text (no HTML, no
    text in it) is a document with no text, dropped by ``read`` with the reason.

    A text of more than :data:`~cleaner.readers.entry.MAX_DOCUMENT_LINES` lines is a
    document dropped by ``read`` too (``record-too-long``, as a run rejects it), and
    NUL characters taken out of the text are in its changes (``read``, ``nul-bytes``,
    as a run's manifest counts them).

    Raises :class:`~cleaner.errors.RecordError` when ``text_key`` (or ``html_key``)
    holds no string.
    """
    field, option = (text_key, "text_key") if html_key is None else (html_key, "html_key")
    before = dict(entry.repairs)
    try:
        fields = check_record(dict(record), field, f"--{option.replace('_', '-')}")
        if not isinstance(fields.get("id"), str | None):  # bytes, a date: as Parquet has it
            fields["id"] = jsonable(fields["id"])
        # lone surrogates, which no UTF-8 file holds, replaced as a JSONL run does
        doc = record_document(
            entry, fields, number, text_key, None, html_key=html_key, surrogates=True
        )
    except RecordProblem as problem:
        if problem.rule in _NO_TEXT:  # the caller's record has no text at all
            raise RecordError(
                f"{entry.path}: record {number}: {problem.message} ({option}= in Python)"
            ) from None
        # a page that gives no document, a text of too many lines: dropped by read
        drop = Change(StageName.READ, problem.rule, detail={"message": problem.message})
        return Document(doc_id(entry.path, number), entry.path, "", text_key=text_key).drop(drop)
    # what reading repaired in the text (NUL characters), in the account as a run's
    # manifest counts it
    read = [
        Change(StageName.READ, rule)
        for rule in _TEXT_REPAIRS
        if entry.repairs.get(rule, 0) != before.get(rule, 0)
    ]
    return doc.with_changes(read) if read else doc


# what record_document repairs in a record (NUL characters in its text, lone surrogates)
_TEXT_REPAIRS = ("nul-bytes", "lone-surrogates")
_NO_TEXT = (Reason.MALFORMED_JSON, Reason.MISSING_TEXT, Reason.TEXT_NOT_STRING)


def _folder_documents(
    root: Path, config: CleanConfig, inputs: list[InputFile], reject: Callable[[Rejection], None]
) -> Iterator[Document]:
    for entry in read_inputs(root, config.text_key, config.html_key):
        inputs.append(entry)
        if entry.outcome == "rejected":
            reject(Rejection(entry.path, Reason.REJECTED_FILE, entry.message))
        for rejection in entry.rejections:
            reject(rejection)
        yield from entry.documents
        entry.documents = []


def _stream_documents(
    stream: BinaryIO,
    config: CleanConfig,
    inputs: list[InputFile],
    reject: Callable[[Rejection], None],
) -> Iterator[Document]:
    """The documents of a JSONL stream; bad lines go to ``reject`` as they are read."""
    entry, docs = stream_input(stream, STDIN, config.text_key, html_key=config.html_key)
    entry.on_rejection = reject
    inputs.append(entry)
    yield from docs
    if entry.outcome == "rejected":
        reject(Rejection(entry.path, Reason.REJECTED_FILE, entry.message))


def _write(out: IO[bytes], data: bytes) -> None:
    """Write ``data`` to ``out`` (and flush it, given nothing). A full disk or a failing
    device is an :class:`OutputError` naming the stream; a reader that went away stays a
    :class:`BrokenPipeError`, which the CLI ends quietly as ``head`` expects."""
    try:
        if data:
            out.write(data)
        else:
            out.flush()
    except BrokenPipeError:
        raise
    except OSError as e:
        name = getattr(out, "name", None)
        where = "stdout" if name in ("<stdout>", 1) else name if isinstance(name, str) else "output"
        raise OutputError(
            f"{where}: cannot write the corpus ({e.strerror or e}); free space or send it elsewhere"
        ) from e


def stream_corpus(
    source: Path | BinaryIO,
    out: IO[bytes],
    config: CleanConfig = CleanConfig(),
    *,
    window: int | None = DEFAULT_WINDOW,
    progress: Progress | None = None,
    on_reject: Callable[[Rejection], None] | None = None,
) -> Report:
    """Clean a folder or a binary JSONL stream into ``out`` as corpus records, streaming.

    Writes one JSON line per kept document, the same record as in ``corpus.jsonl``;
    no audit and no manifest. A stream is read by the same reader as a ``.jsonl``
    file, with source ``"stdin"``. Bad lines and files go to ``on_reject`` as they are
    found and are counted in the report, whose manifest lists the ``inputs`` as a
    folder run's does (with their ``repairs``); nothing is printed.
    """
    t0 = time.perf_counter()
    inputs: list[InputFile] = []
    cleaner = StreamCleaner(config, window=window)
    rejected = {"files": 0, "records": 0}

    def reject(item: Rejection) -> None:
        rejected["files" if item.rule == Reason.REJECTED_FILE else "records"] += 1
        if on_reject is not None:
            on_reject(item)

    documents = (
        _folder_documents(source, config, inputs, reject)
        if isinstance(source, Path)
        else _stream_documents(source, config, inputs, reject)
    )
    for doc in counted(documents, progress, every=100):
        doc = cleaner.clean(doc)
        if doc.dropped is None:
            _write(out, (dumps(doc.record()) + "\n").encode("utf-8"))
    _write(out, b"")
    report = cleaner.report(time.perf_counter() - t0, rejected["records"])
    report.files_rejected = rejected["files"]
    report.manifest["inputs"] = [entry.to_dict() for entry in inputs]
    return report

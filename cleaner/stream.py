"""Clean records one at a time: cleaner as a preprocessing step inside other pipelines.

:func:`clean_records` takes any iterable of dicts and yields each one cleaned, with an
account of what was removed, in input order and in constant memory: the per-document
stages (repair-text, strip-boilerplate, dedup-blocks) run record by record. Two things
differ from a folder run (:func:`~cleaner.api.clean_corpus`), because a stream cannot
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
     "repaired": ["whitespace", ...],  # repair-text fixes applied, in order
     "removed": [{"stage": ..., "rule": ..., "text": ..., "detail": {...}}, ...],
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
from pathlib import Path
from typing import IO, Any

from cleaner.api import Report
from cleaner.config import CleanConfig
from cleaner.document import Document
from cleaner.errors import RecordError
from cleaner.output import dumps
from cleaner.pipeline import Pipeline
from cleaner.progress import Progress, counted
from cleaner.readers import Rejection, doc_id, parse_record, read_inputs
from cleaner.readers.jsonl import RecordProblem
from cleaner.stage import Stage
from cleaner.stages.stream_dedup import DEFAULT_WINDOW, StreamNearDuplicates
from cleaner.stats import Stats

STDIN_SOURCE = "stdin"  # the `source` of records read from standard input
REPAIR_STAGE = "repair-text"
REJECTED_FILE = "rejected-file"  # the audit's rule for an unusable input file


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
        self.config = config
        stages: list[Stage] = Pipeline.from_config(config, corpus_stages=False).stages
        if config.dedup.documents if near_duplicates is None else near_duplicates:
            stages.append(StreamNearDuplicates(config.dedup, window))
        self.stages = stages
        self.stats = Stats()

    def clean(self, doc: Document) -> Document:
        for stage in self.stages:
            if doc.dropped is not None:
                break
            doc = stage.apply(doc)
        self.stats.add_document(doc)
        return doc

    def report(self, seconds: float, rejected: int = 0) -> Report:
        """A :class:`~cleaner.api.Report` of everything cleaned so far."""
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
    repaired = [c.rule for c in doc.changes if c.stage == REPAIR_STAGE and not c.text]
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
        "dropped": dropped,
    }


def record_document(record: Mapping[str, Any], number: int, text_key: str, source: str) -> Document:
    """A record as a :class:`Document`; its own ``id`` is kept, else one is derived.

    Raises :class:`~cleaner.errors.RecordError` when the text field is missing.
    """
    text = record.get(text_key)
    if not isinstance(text, str):
        raise RecordError(
            f"{source}: record {number} has no string field {text_key!r}; "
            "pass text_key= (or --text-key) to name the text field."
        )
    meta = {k: v for k, v in record.items() if k != text_key}
    ident = meta.pop("id", None)
    return Document(
        str(ident) if ident is not None else doc_id(source, number), source, text, meta=meta
    )


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
    string text field raises :class:`~cleaner.errors.RecordError`.

    >>> page = "A long enough sentence about the weather in the hills today."
    >>> out = list(clean_records([{"id": 1, "text": page}, {"id": 2, "text": page}]))
    >>> [r["cleaner"]["dropped"] for r in out][0] is None
    True
    >>> out[1]["cleaner"]["dropped"]["rule"], out[1]["cleaner"]["dropped"]["detail"]["duplicate_of"]
    ('near-duplicate', '1')
    """
    key = config.text_key if text_key is None else text_key
    cleaner = StreamCleaner(config, near_duplicates=near_duplicates, window=window)
    for number, record in enumerate(records, start=1):
        doc = cleaner.clean(record_document(record, number, key, source))
        yield {**record, key: doc.text, "cleaner": explain_changes(doc)}


def read_jsonl_lines(
    lines: Iterable[bytes | str], source: str = STDIN_SOURCE, text_key: str = "text"
) -> Iterator[Document | Rejection]:
    """Parse JSONL lines lazily: a :class:`Document` per record, a ``Rejection`` per bad line.

    Used for standard input, one line at a time, so memory stays constant.

    >>> [type(x).__name__ for x in read_jsonl_lines([b'{"text": "a"}', b"oops", b""])]
    ['Document', 'Rejection']
    """
    for number, raw in enumerate(lines, start=1):
        try:
            line = (
                raw.decode("utf-8-sig" if number == 1 else "utf-8")
                if isinstance(raw, bytes)
                else raw
            )
        except UnicodeDecodeError:
            yield Rejection(
                source,
                "not-utf8",
                f"{source}:{number}: not UTF-8; convert the input to UTF-8",
                number,
            )
            continue
        if not line.strip():
            continue
        try:
            record = parse_record(line, text_key)
        except RecordProblem as problem:
            message = f"{source}:{number}: {problem.message}"
            yield Rejection(source, problem.rule, message, number)
            continue
        try:
            yield record_document(record, number, text_key, source)
        except RecordError as e:
            yield Rejection(source, "missing-text", f"{source}:{number}: {e}", number)


def _folder_items(root: Path, text_key: str) -> Iterator[Document | Rejection]:
    for entry in read_inputs(root, text_key):
        if entry.outcome == "rejected":
            yield Rejection(entry.path, REJECTED_FILE, f"{entry.path}: {entry.reason}")
        yield from entry.rejections
        yield from entry.documents


def stream_corpus(
    source: Path | IO[bytes],
    out: IO[bytes],
    config: CleanConfig = CleanConfig(),
    *,
    window: int | None = DEFAULT_WINDOW,
    progress: Progress | None = None,
    on_reject: Callable[[Rejection], None] | None = None,
) -> Report:
    """Clean a folder or a binary JSONL stream into ``out`` as corpus records, streaming.

    Writes one JSON line per kept document, the same record as in ``corpus.jsonl``;
    no audit and no manifest. Bad lines and files go to ``on_reject`` and are counted
    in the report; nothing is printed.
    """
    t0 = time.perf_counter()
    items: Iterable[Document | Rejection] = (
        _folder_items(source, config.text_key)
        if isinstance(source, Path)
        else read_jsonl_lines(source, STDIN_SOURCE, config.text_key)
    )
    cleaner = StreamCleaner(config, window=window)
    rejected = {"files": 0, "records": 0}

    def documents() -> Iterator[Document]:
        for item in items:
            if isinstance(item, Rejection):
                rejected["files" if item.rule == REJECTED_FILE else "records"] += 1
                if on_reject is not None:
                    on_reject(item)
            else:
                yield item

    for doc in counted(documents(), progress, every=100):
        doc = cleaner.clean(doc)
        if doc.dropped is None:
            out.write((dumps(doc.record()) + "\n").encode("utf-8"))
    out.flush()
    report = cleaner.report(time.perf_counter() - t0, rejected["records"])
    report.files_rejected = rejected["files"]
    return report

"""Parquet files to documents, one record batch at a time (needs the ``parquet`` extra).

The column named ``text_key`` holds the text; a row's ``id`` is kept and every other
column goes to :attr:`Document.meta`, converted to JSON values (timestamps and dates as
ISO 8601 strings, decimals as strings, bytes as UTF-8 text or base64). A row whose text
is null or not a string (with ``html_key``, bytes are a page as fetched), or of more
than 100,000 lines, is rejected with its row number, and so is one with a value Python
cannot hold (a string column's bytes that are not UTF-8, a date past year 9999:
``unreadable-value``); the other rows are read. A second column of a name taken is kept
as ``<name>_2`` (``renamed-fields``); a NaN or an infinity, which JSON cannot hold, is
written as null (``non-finite-to-null``).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cleaner.document import Document
from cleaner.names import Reason
from cleaner.readers.entry import InputFile, Rejection, first_line, too_many_lines, unique_names
from cleaner.readers.html import recorded_encodings
from cleaner.readers.jsonl import RecordProblem, holds_text, record_document

BATCH_ROWS = 1024  # rows decoded at a time: bounded memory, few Python round trips


def jsonable(value: Any, nulled: list[int] | None = None) -> Any:
    """A JSON-ready copy of a value from Arrow's ``to_pylist``; a NaN or an infinity,
    which JSON cannot hold, becomes null and is counted in ``nulled[0]``.

    >>> jsonable({"when": dt.date(2024, 6, 20), "n": [decimal.Decimal("1.5")]})
    {'when': '2024-06-20', 'n': ['1.5']}
    >>> nulled = [0]; jsonable([1.5, float("nan"), {"x": float("inf")}], nulled), nulled
    ([1.5, None, {'x': None}], [2])
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if value == value and abs(value) != float("inf"):
            return value
        if nulled is not None:
            nulled[0] += 1
        return None
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(k): jsonable(v, nulled) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        # Arrow maps come back as lists of (key, value) pairs
        return [jsonable(v, nulled) for v in value]
    return str(value)


def iter_parquet(
    entry: InputFile,
    path: Path,
    text_key: str,
    seen: set[str] | None = None,
    html_key: str | None = None,
) -> Iterator[Document]:
    """Yield the documents of a Parquet file, recording bad rows on ``entry``.

    With ``html_key``, that column holds each row's page as HTML (see
    :func:`~cleaner.readers.jsonl.record_document`).

    Raises :class:`OSError` or :class:`ValueError` (Arrow's errors derive from them) for
    a file that is not readable Parquet; the caller turns that into a rejection.
    """
    import pyarrow.parquet as pq

    entry.encoding = "utf-8"
    key, option = (text_key, "--text-key") if html_key is None else (html_key, "--html-key")
    with pq.ParquetFile(path) as pf:
        names = pf.schema_arrow.names
        if key not in names:
            entry.reject(
                f"no column {key!r} (columns: {', '.join(names[:20])}); "
                f"use {option} to name the {'text' if html_key is None else 'HTML'} column"
            )
            return
        unique = unique_names(names)
        row = 0
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            if unique != names:  # two columns of one name: a dict would keep the last
                batch = batch.rename_columns(unique)
                entry.repaired("renamed-fields", batch.num_rows)
            for record in _rows(batch):
                row += 1
                if isinstance(record, Exception):  # a value Python cannot hold
                    entry.add_rejection(
                        Rejection(
                            entry.path,
                            Reason.UNREADABLE_VALUE,
                            f"{entry.path}: row {row}: a value Python cannot read "
                            f"({_why(record)}); fix the row",
                            row,
                        )
                    )
                    continue
                text = record.get(key)
                if not holds_text(text, html_key is not None):
                    kind = "null" if text is None else type(text).__name__
                    entry.add_rejection(
                        Rejection(
                            entry.path,
                            Reason.TEXT_NOT_STRING,
                            f"{entry.path}: row {row}: column {key!r} is {kind}, not a "
                            f"string; fix the row or use {option}",
                            row,
                        )
                    )
                    continue
                nulled = [0]
                record = {k: v if k == key else jsonable(v, nulled) for k, v in record.items()}
                entry.repaired("non-finite-to-null", nulled[0])
                try:
                    if html_key is None and isinstance(text, str) and (why := too_many_lines(text)):
                        raise RecordProblem(Reason.RECORD_TOO_LONG, why)
                    doc = record_document(entry, record, row, text_key, seen, html_key=html_key)
                except RecordProblem as problem:
                    entry.add_rejection(
                        Rejection(
                            entry.path, problem.rule, f"{entry.path}: row {row}: {problem}", row
                        )
                    )
                    continue
                entry.count += 1
                yield doc
    if entry.page_encodings:  # a binary HTML column: each page was decoded on its own
        entry.encoding = recorded_encodings(entry.page_encodings)


# what Arrow's to_pylist raises for a value Python cannot hold: a string that is not
# UTF-8, a date past year 9999, a timestamp in a time zone no database knows (a KeyError)
_UNREADABLE = (OverflowError, ValueError, KeyError)


def _why(error: Exception) -> str:
    """What a value's error says; a KeyError's, its key alone, with its name."""
    if isinstance(error, KeyError):
        return f"{type(error).__name__}: {first_line(error)}"  # UnknownTimeZoneError: 'X'
    return first_line(error)


def _rows(batch: Any) -> Iterator[dict[str, Any] | Exception]:
    """A batch's rows as dicts; where one holds a value Python cannot (a string that is
    not UTF-8, a date past year 9999, a time zone unknown), the batch row by row, that
    row as its error, so that it costs its own row only."""
    try:
        yield from batch.to_pylist()
        return
    except _UNREADABLE:
        pass
    for i in range(batch.num_rows):
        try:
            [record] = batch.slice(i, 1).to_pylist()
        except _UNREADABLE as e:
            yield e
            continue
        yield record

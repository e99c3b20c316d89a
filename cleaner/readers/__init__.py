"""Read an input folder, file or stream into documents, and account for every input.

Formats, by file name (a ``.gz`` or ``.zst`` suffix, or gzip/zstd content, is
decompressed on the fly):

- ``.txt``, ``.md`` and any other name: one document per file, encoding detected;
- ``.jsonl`` / ``.ndjson``: one document per line, read a line at a time;
- ``.parquet``: one document per row, read a batch at a time (``parquet`` extra);
- ``.html`` / ``.htm``: one page per file, flattened to lines (``html`` extra);
- ``.warc``: one document per HTML response, read a record at a time (``html``
  extra); requests, metadata and other responses are counted in ``skipped``;
- ``.arc``: the same from the Internet Archive's format before WARC
  (:mod:`cleaner.readers.arc`);
- with ``html_key``, the field of JSONL and Parquet records that holds a page's HTML;
- a byte stream such as standard input: JSONL, read as a ``.jsonl`` file is, with
  ``source`` ``"stdin"``; see :func:`read_stream`.

Reading never raises for one bad input: each file ends as an :class:`InputFile` that
was read or rejected with a one-line reason, and each bad record as a
:class:`Rejection` with its line number. Only an unusable input *path* raises
:class:`~cleaner.errors.InputError`. What the reader repairs (NUL bytes, stray
non-UTF-8 bytes, a record id already taken) is counted in ``InputFile.repairs``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cleaner.readers.encoding import decode
from cleaner.readers.entry import InputFile, Rejection, doc_id, dropped_reason
from cleaner.readers.files import (
    MAX_DOCUMENT_BYTES,
    STDIN,
    input_format,
    read_file,
    read_stream,
    stream_file,
    stream_input,
)
from cleaner.readers.jsonl import MAX_RECORD_BYTES, parse_record
from cleaner.readers.walk import list_inputs


def read_inputs(
    root: Path, text_key: str = "text", html_key: str | None = None
) -> Iterator[InputFile]:
    """Read every input under ``root`` in sorted order; ids are unique across the run.

    ``html_key``: the field of JSONL and Parquet records that holds HTML, if any.
    """
    seen: set[str] = set()
    for path, source in list_inputs(root):
        yield read_file(path, source, text_key, seen, html_key)


__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_RECORD_BYTES",
    "STDIN",
    "InputFile",
    "Rejection",
    "decode",
    "doc_id",
    "dropped_reason",
    "input_format",
    "list_inputs",
    "parse_record",
    "read_file",
    "read_inputs",
    "read_stream",
    "stream_file",
    "stream_input",
]

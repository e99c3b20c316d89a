"""JSONL records to documents, one line at a time.

Each line is one JSON object; ``text_key`` names the field that holds the text, a
record's own ``id`` is kept, and every other field goes to :attr:`Document.meta` and
is written back out unchanged (``title``, ``date`` and ``author``, when they are
strings, fill the document's own fields; a key an object holds twice keeps its first
value, the later one as ``<name>_2``). A bad line becomes a :class:`Rejection`
with its line number and the rest of the file is still read.
"""

from __future__ import annotations

import io
import json
import math
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, BinaryIO, cast

from cleaner.document import Document, kept_as
from cleaner.names import Reason
from cleaner.readers.encoding import LONE_SURROGATE, decode_line, replace_surrogates
from cleaner.readers.entry import (
    InputFile,
    Rejection,
    doc_id,
    first_line,
    too_many_lines,
    unique_names,
)
from cleaner.readers.streams import read_lines

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
MAX_RECORD_BYTES = 16 << 20  # 16 MiB: a longer line is a dump, not a document (see files.py)
OWN_FIELDS = ("title", "date", "author")  # string ones fill the Document's own fields


class RecordProblem(ValueError):
    """One line that is not a usable record: ``rule`` for the audit, ``message`` for people."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def _no_constants(name: str) -> Any:
    raise RecordProblem(Reason.MALFORMED_JSON, f"{name} is not valid JSON; write null or a string")


def _finite(literal: str) -> float:
    """A JSON number with a fraction or exponent; one too large for a double (``1e400``)
    would become infinity, which JSON cannot hold, so the record would be written out
    as a line no JSON reader takes."""
    value = float(literal)
    if math.isinf(value):
        raise RecordProblem(
            Reason.MALFORMED_JSON,
            f"the number {literal[:24]} is too large for a double; write it as a string",
        )
    return value


_RENAMED = threading.local()  # keys _object renamed in the record being parsed


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict. Of two keys of one name a dict keeps the last value and
    drops the other unseen; here the later key is kept as ``<name>_2`` (as the Parquet
    reader does with two columns of one name), and counted in ``_RENAMED.keys``."""
    fields = dict(pairs)
    if len(fields) == len(pairs):
        return fields
    names = unique_names([key for key, _ in pairs])
    _RENAMED.keys += len(pairs) - len(fields)
    return dict(zip(names, (value for _, value in pairs), strict=True))


_DECODER = json.JSONDecoder(
    parse_constant=_no_constants, parse_float=_finite, object_pairs_hook=_object
)
# Python's words for an integer of more digits than it reads from text (4,300 by default)
_LONG_INTEGER = re.compile(r"integer string conversion: value has (\d+) digits")


def parse_record(line: str, text_key: str = "text", option: str = "--text-key") -> dict[str, Any]:
    """Parse one JSONL line into a record whose ``text_key`` field is a string.

    Raises :class:`RecordProblem` with a one-line message otherwise. A key that an
    object holds twice keeps its first value; the later one is kept as ``<name>_2``.

    >>> parse_record('{"text": "Hi", "lang": "en"}')
    {'text': 'Hi', 'lang': 'en'}
    >>> parse_record('{"text": "Hi", "text": "Bye"}')
    {'text': 'Hi', 'text_2': 'Bye'}
    """
    return _parse_record(line, text_key, option)[0]


def _parse_record(line: str, text_key: str, option: str) -> tuple[dict[str, Any], int]:
    """:func:`parse_record`, and how many keys it renamed."""
    _RENAMED.keys = 0
    try:  # without its line break, which a line cut short would be read as a part of
        record = _DECODER.decode(line.rstrip("\r\n"))
    except RecordProblem:
        raise
    except json.JSONDecodeError as e:
        what = e.msg.removesuffix(" at")  # "Unterminated string starting at"
        raise RecordProblem(
            Reason.MALFORMED_JSON, f"not JSON ({what} at column {e.colno}); is this a .jsonl file?"
        ) from None
    except (ValueError, RecursionError) as e:
        if long := _LONG_INTEGER.search(str(e)):  # its own words name a sys call
            message = (
                f"an integer of {int(long[1]):,} digits, more than a number can hold here; "
                "write it as a string"
            )
            raise RecordProblem(Reason.MALFORMED_JSON, message) from None
        raise RecordProblem(Reason.MALFORMED_JSON, f"not usable JSON ({first_line(e)})") from None
    if line.count("[") + line.count("{") > MAX_DEPTH and _deeper(record, MAX_DEPTH):
        raise RecordProblem(
            Reason.MALFORMED_JSON,
            f"nested deeper than {MAX_DEPTH} levels; flatten the record's fields",
        )
    return check_record(record, text_key, option), _RENAMED.keys


# levels of arrays and objects in one record: a record goes from a worker to the run
# in a pickle, which gives up past about 500 (json.loads takes about 1,000)
MAX_DEPTH = 100


def _deeper(value: Any, levels: int) -> bool:
    """Whether ``value`` nests arrays and objects more than ``levels`` deep.

    >>> _deeper([[1]], 2), _deeper([[[1]]], 2), _deeper({"a": [{"b": 1}]}, 3)
    (False, True, False)
    """
    if not isinstance(value, dict | list):
        return False
    if levels == 0:
        return True
    items = value.values() if isinstance(value, dict) else value
    return any(_deeper(item, levels - 1) for item in items)


def holds_text(value: Any, html: bool = False) -> bool:
    """Whether a record's text field can be read: a string, or for an HTML field bytes
    too (a page as fetched, which no JSON line holds but a Parquet column or a Python
    record may)."""
    return isinstance(value, str) or (html and isinstance(value, bytes))


def check_record(record: Any, text_key: str = "text", option: str = "--text-key") -> dict[str, Any]:
    """``record`` itself if it is a dict whose ``text_key`` field :func:`holds_text` (for
    an HTML field, ``option`` ``--html-key``, bytes too).

    ``option`` is the option a message tells to use (``--html-key`` for an HTML field).

    Raises :class:`RecordProblem` otherwise; :func:`parse_record` and
    :func:`~cleaner.run.stream.clean_records` share this check.

    >>> check_record({"body": "Hi"}, "body")
    {'body': 'Hi'}
    """
    if not isinstance(record, dict):
        raise RecordProblem(
            Reason.MALFORMED_JSON, "not a JSON object; each line must be one {...} record"
        )
    if text_key not in record:
        raise RecordProblem(
            Reason.MISSING_TEXT,
            f"no field {text_key!r}; use {option} to name the "
            + ("HTML" if option == "--html-key" else "text")
            + " field",
        )
    html = option == "--html-key"
    if not holds_text(record[text_key], html):
        kind = type(record[text_key]).__name__.replace("NoneType", "null")
        raise RecordProblem(
            Reason.TEXT_NOT_STRING,
            f"field {text_key!r} is {kind}, not a string; fix the record or use {option}",
        )
    if not html and (why := too_many_lines(record[text_key])) is not None:
        raise RecordProblem(Reason.RECORD_TOO_LONG, why)  # a page's: once it is read
    return record


def record_document(
    entry: InputFile,
    record: dict[str, Any],
    number: int,
    text_key: str,
    seen: set[str] | None,
    surrogates: bool = False,
    html_key: str | None = None,
) -> Document:
    """The document for a parsed record; what had to change is counted in ``entry.repairs``.

    A record's own ``id`` is kept, with its JSON type (``Document.own_id``; ids are
    compared as text, so ``7`` and ``"7"`` are the same id), unless ``seen`` already
    holds it (the same file name in two folders often numbers its records the same
    way): then the id derived from source and line is used and the record's id stays in
    ``meta`` as ``record_id`` (``renamed-ids``); a record that keeps its own id carries
    the derived one as ``fallback_id``, for a corpus run that reads its files apart.
    With ``seen`` None no id is remembered and none renamed. The text goes back out
    under ``text_key``. A ``source`` field, and a ``title``, ``date`` or ``author`` that
    is not a string, would be overwritten by cleaner's own fields, so they are kept as
    ``record_source``, ``record_title``, ``record_date``, ``record_author``
    (``renamed-fields``). NUL characters in the text
    and lone surrogates anywhere (which no UTF-8 file can hold) are removed or replaced
    by U+FFFD and counted; pass ``surrogates=True`` when the source may hold them (a
    JSON line with a ``\\ud800``-style escape). With ``html_key``, that field holds a
    page's HTML, read as :func:`cleaner.readers.html.html_fields` says; raises
    :class:`RecordProblem` for a page with no text.
    """
    fields = dict(record)
    hints = None
    if html_key is not None:
        from cleaner.readers.html import PageProblem, html_fields

        try:
            fields, hints = html_fields(entry, fields, html_key, text_key)
        except PageProblem as problem:
            raise RecordProblem(problem.rule, problem.message) from None
    text = fields.pop(text_key)
    if "\x00" in text:
        entry.repaired("nul-bytes", text.count("\x00"))
        text = text.replace("\x00", "")
    own = fields.pop("id", None)
    ident = fallback = doc_id(entry.path, number)
    if own is not None:
        candidate = own if isinstance(own, str) else json.dumps(own, sort_keys=True)
        if seen is not None and candidate in seen:
            fields[kept_as({*fields, text_key}, "id")] = own
            entry.repaired("renamed-ids")
            own = None
        else:
            ident = candidate
    if seen is not None:
        seen.add(ident)
    named: dict[str, Any] = {
        key: fields.pop(key) for key in OWN_FIELDS if isinstance(fields.get(key), str)
    }
    for key in ("source", *OWN_FIELDS):
        if key in fields:
            fields[kept_as({*fields, text_key}, key)] = fields.pop(key)
            entry.repaired("renamed-fields")
    doc = Document(
        id=ident,
        source=entry.path,
        text=text,
        meta=fields,
        own_id=own,
        text_key=text_key,
        hints=hints,
        fallback_id=None if own is None else fallback,
        **named,
    )
    if surrogates and _has_surrogate(doc):
        doc = _replace_surrogates(doc, entry)
    return doc


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_surrogate(doc: Document) -> bool:
    return (
        any(
            isinstance(v, str) and LONE_SURROGATE.search(v) is not None
            for v in (doc.id, doc.text, doc.title, doc.date, doc.author)
        )
        or LONE_SURROGATE.search(json.dumps([doc.own_id, doc.meta], ensure_ascii=False)) is not None
    )


def _replace_surrogates(doc: Document, entry: InputFile) -> Document:
    count = 0

    def fix(value: Any) -> Any:
        nonlocal count
        if isinstance(value, str):
            fixed, n = replace_surrogates(value)
            count += n
            return fixed
        if isinstance(value, dict):
            return {fix(k): fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    ident = fix(doc.id)
    doc = replace(
        doc,
        id=ident,
        own_id=ident if isinstance(doc.own_id, str) else fix(doc.own_id),  # a str one is id
        text=fix(doc.text),
        title=fix(doc.title),
        date=fix(doc.date),
        author=fix(doc.author),
        meta=fix(doc.meta),
    )
    entry.repaired("lone-surrogates", count)
    return doc


def iter_jsonl(
    entry: InputFile,
    stream: io.BufferedIOBase,
    text_key: str,
    seen: set[str] | None = None,
    html_key: str | None = None,
) -> Iterator[Document]:
    """Yield the documents of a JSONL byte stream, recording bad lines on ``entry``.

    With ``html_key``, that field of each record holds HTML (see :func:`record_document`).

    Lines are UTF-8 (a BOM at a line's start is passed over: line 1's, or that of a file
    joined on with ``cat``); a stray invalid byte is read as
    Windows-1252 and counted in ``entry.repairs``, and a line in a legacy encoding is
    read in the one detected on the file's first such line (``legacy-encoding``, see
    :func:`~cleaner.readers.encoding.decode_line`). NUL bytes are stripped and counted.
    """
    fallback = False
    legacy: str | None = None  # a file in a legacy encoding: the one its first such line is in
    lines = read_lines(stream, MAX_RECORD_BYTES)
    encoding = "utf-8"
    peek = getattr(stream, "peek", None)
    if peek is not None and peek(2)[:2] in UTF16_BOMS:
        lines, encoding = _utf16_lines(entry, stream), "utf-16"
    for number, (raw, whole) in enumerate(lines, start=1):
        if not whole:
            _reject(
                entry,
                number,
                Reason.RECORD_TOO_LONG,
                f"longer than {MAX_RECORD_BYTES >> 20} MiB; split the record",
            )
            continue
        if raw.startswith(b"\xef\xbb\xbf"):  # line 1's, or a file's joined on by `cat`
            raw = raw[3:]
        if b"\x00" in raw:
            entry.repaired("nul-bytes", raw.count(0))
            raw = raw.replace(b"\x00", b"")
        line, invalid, read_in = decode_line(raw, legacy)
        if invalid:
            entry.repaired("invalid-utf8", invalid)
            fallback = True
        if read_in is not None:
            legacy = read_in
            if read_in != "cp1252":  # a cp1252 line's bytes are counted as invalid-utf8
                entry.repaired("legacy-encoding", 1)
        if not line.strip():
            continue
        try:
            record, renamed = (
                _parse_record(line, text_key, "--text-key")
                if html_key is None
                else _parse_record(line, html_key, "--html-key")
            )
            if renamed:
                entry.repaired("renamed-fields", renamed)
            escaped = _SURROGATE_ESCAPE.search(line) is not None
            doc = record_document(entry, record, number, text_key, seen, escaped, html_key)
        except RecordProblem as problem:
            _reject(entry, number, problem.rule, problem.message)
            continue
        entry.count += 1
        yield doc
    read = [encoding, *([legacy] if legacy else []), *(["cp1252"] if fallback else [])]
    entry.encoding = "+".join(dict.fromkeys(read))


def _utf16_lines(entry: InputFile, stream: io.BufferedIOBase) -> Iterator[tuple[bytes, bool]]:
    """The lines of a UTF-16 stream as UTF-8; a lone surrogate (which no UTF-8 can hold)
    becomes U+FFFD and is counted, as a ``\\ud800`` escape in a UTF-8 line is."""
    text = io.TextIOWrapper(
        cast(BinaryIO, stream), encoding="utf-16", errors="surrogatepass", newline=""
    )
    while line := text.readline(MAX_RECORD_BYTES // 2):
        if len(line) >= MAX_RECORD_BYTES // 2 and not line.endswith(("\n", "\r")):
            while line and not line.endswith(("\n", "\r")):
                line = text.readline(1 << 20)
            yield b"", False
            continue
        line, surrogates = replace_surrogates(line)
        entry.repaired("lone-surrogates", surrogates)
        yield line.encode("utf-8"), True


def _reject(entry: InputFile, number: int, rule: str, message: str) -> None:
    entry.add_rejection(Rejection(entry.path, rule, f"{entry.path}:{number}: {message}", number))

"""Open one input (a file or a byte stream), hash it, and turn it into documents.

Reading never raises for one bad file: a file that cannot be used becomes an
:class:`InputFile` with ``outcome="rejected"`` and a one-line reason, and a bad record
inside a JSONL or Parquet file becomes a :class:`Rejection` while the rest is read.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import io
import stat
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cleaner.document import Document
from cleaner.names import STATE_DIR, Reason
from cleaner.readers.encoding import decode_text
from cleaner.readers.entry import InputFile, Rejection, doc_id, first_line, too_many_lines
from cleaner.readers.jsonl import iter_jsonl
from cleaner.readers.streams import CHUNK, Bomb, HashingReader, decompressed, sniff_compression

TEXT_SUFFIXES = (".txt", ".md", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet", ".pq")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
WARC_SUFFIXES = (".warc", ".warc.lz4")  # FastWARC reads LZ4 (per record or whole file)
ARC_SUFFIXES = (".arc",)  # the WARC's predecessor, read by cleaner.readers.arc
# One text file is one document, held in memory whole and shingled by the dedup stage
# (~100 bytes per word); past 16 MiB it is a dump or a log, not a document.
MAX_DOCUMENT_BYTES = 16 << 20
NOT_REGULAR = "not a regular file (a device, pipe or socket); copy what it holds to a file"
UNREADABLE_FOLDER = "a folder that cannot be read; check its permissions"
OUTPUT_FOLDER = (
    "the output folder of a cleaner run, whose corpus, audit and manifest are no raw "
    "input; move it out of the input folder"
)
# a link listed as a file (it led nowhere) that leads to a folder when read: one the run
# made meanwhile, such as its output folder, which it must not read as input
LINK_TO_NEW_FOLDER = (
    "a link to a folder that did not exist when the input was listed (the output folder?); "
    "remove the link or move it out of the input folder"
)
STDIN = "stdin"  # the source of records read from standard input, in ids and messages
EXTRAS = {"zstandard": "zstd", "pyarrow": "parquet", "selectolax": "html", "fastwarc": "html"}


def input_format(name: str) -> str:
    """``"jsonl"``, ``"parquet"``, ``"html"``, ``"warc"``, ``"arc"`` or ``"text"``, from a
    file name (compression suffix ignored).

    >>> input_format("a/b.jsonl.zst"), input_format("x.parquet"), input_format("notes")
    ('jsonl', 'parquet', 'text')
    >>> input_format("crawl.warc.gz"), input_format("crawl.warc.lz4"), input_format("Page.HTM")
    ('warc', 'warc', 'html')
    """
    lower = name.lower()
    for suffix in (".gz", ".zst", ".zstd"):
        lower = lower.removesuffix(suffix)
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if lower.endswith(HTML_SUFFIXES):
        return "html"
    if lower.endswith(WARC_SUFFIXES):
        return "warc"
    if lower.endswith(ARC_SUFFIXES):
        return "arc"
    return "text"


@functools.cache
def _stream_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError, EOFError, ValueError, zlib.error]
    try:
        import zstandard

        errors.append(zstandard.ZstdError)
    except ModuleNotFoundError:
        pass
    return tuple(errors)


def _missing_extra(e: ModuleNotFoundError, source: str) -> str:
    extra = EXTRAS.get(e.name or "", e.name or "")
    return f"{source}: reading this format needs the {extra!r} extra; install cleaner[{extra}]"


def stream_file(
    path: Path,
    source: str,
    text_key: str = "text",
    seen: set[str] | None = None,
    html_key: str | None = None,
) -> tuple[InputFile, Iterator[Document]]:
    """Start reading one file: its :class:`InputFile` and an iterator of its documents.

    The entry's sha256, size, outcome, encoding and rejections are final once the
    iterator is exhausted; JSONL, Parquet and WARC are read a line, batch or record at
    a time. ``seen`` holds the ids given so far in this run, so that a record's own id
    is not reused (without it, ids are unique within the file). ``html_key`` names the
    field of JSONL and Parquet records that holds a page's HTML (the text then goes
    out under ``text_key``).
    """
    entry = InputFile(source, "", 0)
    return entry, _stream_file(entry, path, text_key, set() if seen is None else seen, html_key)


def unreadable(e: OSError) -> str:
    """Why a file could not be opened, and what to do about it.

    >>> print(unreadable(OSError(errno.ENAMETOOLONG, "File name too long")))
    unreadable (File name too long); shorten its path or its folders' names
    """
    advice = {
        errno.ENAMETOOLONG: "shorten its path or its folders' names",
        errno.ELOOP: "a link in its path leads round in a loop; fix the link",
    }.get(e.errno or 0, "check that it exists and its permissions")
    return f"unreadable ({e.strerror or e}); {advice}"


def _stream_file(
    entry: InputFile, path: Path, text_key: str, seen: set[str] | None, html_key: str | None
) -> Iterator[Document]:
    fmt = input_format(entry.path)
    try:  # a device or a pipe (a link to /dev/zero, a FIFO) never ends or never opens
        regular = stat.S_ISREG(path.stat().st_mode)
    except OSError as e:
        entry.reject(unreadable(e))
        return
    if not regular:
        entry.reject(_not_a_file(path, entry.path))
        return
    if fmt == "parquet":
        yield from _read_parquet(entry, path, text_key, seen, html_key)
        return
    try:
        handle = path.open("rb")
    except OSError as e:
        entry.reject(unreadable(e))
        return
    with handle:
        yield from _read_stream(entry, handle, fmt, text_key, seen, html_key)


def stream_input(
    stream: BinaryIO,
    name: str = STDIN,
    text_key: str = "text",
    seen: set[str] | None = None,
    html_key: str | None = None,
) -> tuple[InputFile, Iterator[Document]]:
    """Start reading JSONL from a byte stream such as standard input; see :func:`stream_file`.

    The same reader as for a ``.jsonl`` file, with ``name`` as its source (``"stdin"``
    by default). gzip and zstd content is recognised by its first bytes and
    decompressed. ``seen`` None remembers no ids, so that memory stays bounded however
    long the stream: a record id used twice is then kept twice. Set the entry's
    ``on_rejection`` before reading to have bad lines handed on as they are found.
    ``html_key``: as for :func:`stream_file`.
    """
    entry = InputFile(name, "", 0)
    return entry, _read_stream(entry, stream, "jsonl", text_key, seen, html_key)


def read_stream(
    stream: BinaryIO, name: str = STDIN, text_key: str = "text", html_key: str | None = None
) -> InputFile:
    """Read JSONL from a byte stream into an :class:`InputFile` with its documents.

    >>> entry = read_stream(io.BytesIO(b'{"text": "Hello."}\\n{"txt": 1}\\n'))
    >>> entry.outcome, [d.text for d in entry.documents], entry.rejections[0].message[:8]
    ('read', ['Hello.'], 'stdin:2:')
    """
    entry, docs = stream_input(stream, name, text_key, set(), html_key)
    entry.documents.extend(docs)
    return entry


def _not_a_file(path: Path, source: str) -> str:
    """Why ``path``, listed under ``source`` and no regular file, is not read."""
    if not path.is_dir():
        return NOT_REGULAR
    if path.is_symlink() and not source.endswith("/"):
        return LINK_TO_NEW_FOLDER
    if (path / STATE_DIR).is_dir():
        return OUTPUT_FOLDER
    return UNREADABLE_FOLDER  # the walk lists a folder it cannot enter as "its/name/"


def _read_stream(
    entry: InputFile,
    stream: BinaryIO,
    fmt: str,
    text_key: str,
    seen: set[str] | None,
    html_key: str | None = None,
) -> Iterator[Document]:
    hasher = HashingReader(stream)
    buffered = io.BufferedReader(hasher, CHUNK)
    compression = None
    stopping = False  # an interrupt: the run ends, so the rest need not be read for its hash
    try:
        compression = sniff_compression(hasher.head(4))
        try:
            if fmt in ("html", "warc", "arc") or html_key is not None:
                _require_html(fmt)
            # FastWARC reads gzip, zstd and LZ4 itself, record by record
            content = (
                buffered
                if fmt == "warc"
                else decompressed(
                    buffered,
                    compression,
                    lambda: hasher.size,
                    lambda: entry.repaired("trailing-bytes"),
                )
            )
        except ModuleNotFoundError as e:
            entry.reject(_missing_extra(e, entry.path))
            return
        if fmt == "jsonl":
            yield from iter_jsonl(entry, content, text_key, seen, html_key)
        elif fmt == "warc":
            from cleaner.readers.warc import iter_warc

            yield from iter_warc(entry, content, seen)
        elif fmt == "arc":
            from cleaner.readers.arc import iter_arc

            yield from iter_arc(entry, content, seen)
        elif fmt == "html":
            doc = _read_page(entry, content, seen)
            if doc is not None:
                yield doc
        else:
            doc_or_none = _read_text(entry, content, seen)
            if doc_or_none is not None:
                yield doc_or_none
    except _stream_errors() as e:
        what = f"{compression} stream" if compression else "file"
        where = f" after {entry.count} documents" if entry.count else ""
        message = (
            f"{entry.path}: {what} is damaged{where} ({first_line(e)}); re-create or re-download it"
            if not isinstance(e, Bomb)
            else f"{entry.path}: {what} read no further{where}: {e}"
        )
        if entry.count:  # the documents read stay; the rest of the file is one row
            entry.add_rejection(Rejection(entry.path, Reason.DAMAGED_FILE, message))
            entry.reason = message.split(": ", 1)[1]
        else:  # nothing read: the file is rejected, its one row in the audit
            entry.reject(message.split(": ", 1)[1])
    except (KeyboardInterrupt, SystemExit):
        stopping = True
        raise
    finally:
        if not stopping:
            with contextlib.suppress(OSError):
                hasher.drain()
        entry.sha256, entry.size = hasher.sha256, hasher.size
    _finish(entry)


def _require_html(fmt: str) -> None:
    """Raise :class:`ModuleNotFoundError` when the ``html`` extra is not installed."""
    import selectolax.lexbor  # noqa: F401

    if fmt == "warc":
        import fastwarc  # noqa: F401


def _read_page(
    entry: InputFile, content: io.BufferedIOBase, seen: set[str] | None
) -> Document | None:
    from cleaner.readers.html import read_page

    ident = doc_id(entry.path)
    doc = read_page(entry, content, ident)
    if doc is not None and seen is not None:
        seen.add(ident)
    return doc


def _read_text(
    entry: InputFile, content: io.BufferedIOBase, seen: set[str] | None
) -> Document | None:
    data = content.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        while content.read(CHUNK):
            pass
        entry.reject(
            f"larger than {MAX_DOCUMENT_BYTES >> 20} MiB for one document; "
            "split it into smaller files or into JSONL records"
        )
        return None
    if not data.strip():
        entry.reject("empty file; nothing to clean")
        return None
    decoded = decode_text(data)
    if decoded.text is None:
        entry.reject(decoded.problem or "not text; convert it to UTF-8")
        return None
    entry.encoding = decoded.encoding
    entry.repaired("nul-bytes", decoded.nul_bytes)
    entry.repaired("invalid-utf8", decoded.invalid_bytes)
    if not decoded.text.strip():
        entry.reject("no text, only whitespace or NUL bytes; nothing to clean")
        return None
    if (why := too_many_lines(decoded.text)) is not None:
        entry.reject(why)
        return None
    ident = doc_id(entry.path)
    if seen is not None:
        seen.add(ident)
    entry.count += 1
    return Document(ident, entry.path, decoded.text)


def _read_parquet(
    entry: InputFile, path: Path, text_key: str, seen: set[str] | None, html_key: str | None
) -> Iterator[Document]:
    try:
        entry.sha256, entry.size = _hash_file(path)
    except OSError as e:
        entry.reject(unreadable(e))
        return
    try:
        from cleaner.readers.parquet import iter_parquet

        if html_key is not None:
            _require_html("parquet")
        yield from iter_parquet(entry, path, text_key, seen, html_key)
    except ModuleNotFoundError as e:
        entry.reject(_missing_extra(e, entry.path))
    except (OSError, ValueError, EOFError, OverflowError) as e:
        message = f"not readable as Parquet ({first_line(e)}); re-create the file"
        if entry.count:  # the rows read stay; the rest of the file is one row of the audit
            message = f"damaged after {entry.count} rows ({first_line(e)}); re-create the file"
            entry.add_rejection(
                Rejection(entry.path, Reason.DAMAGED_FILE, f"{entry.path}: {message}")
            )
            entry.reason = message
        else:
            entry.reject(message)
    _finish(entry)


def _finish(entry: InputFile) -> None:
    if entry.outcome != "read" or entry.count:
        return
    if entry.rejections:
        first = entry.rejections[0].message
        entry.reject(f"no usable records ({entry.rejected_records} rejected; first: {first})")
    else:
        entry.reject("empty file; nothing to clean")


def _hash_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_file(
    path: Path,
    source: str,
    text_key: str = "text",
    seen: set[str] | None = None,
    html_key: str | None = None,
) -> InputFile:
    """Read one input file into an :class:`InputFile` with its documents.

    ``source`` is the path relative to the input folder, used in ids and messages;
    ``html_key`` as for :func:`stream_file`.
    """
    entry, docs = stream_file(path, source, text_key, seen, html_key)
    entry.documents.extend(docs)
    return entry

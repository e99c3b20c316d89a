"""ARC files to documents: one per HTML page a crawler fetched (needs the ``html`` extra).

ARC is the Internet Archive's format before WARC (its crawls to 2008, Common Crawl's to
2012). A file is records one after another, each a header line and that many bytes:

    http://example.com/ 93.184.216.34 20080130143512 text/html 1234
    HTTP/1.1 200 OK ... (1,234 bytes: the HTTP response, headers and page)

The header has five fields (version 1: URL, IP address, archive date, content type,
length) or ten (version 2: result code, checksum, location, offset and file name
before the length). The first record (``filedesc://``) describes the file and is
counted in ``skipped`` as ``arc-header``; so are records that are no page, as in a
WARC (:class:`~cleaner.names.Skip`): DNS lookups and other schemes (``other-record``),
responses that are not 200 OK (``http-status``) and other types (``not-html``). A page
is read as a WARC's response record is: its HTTP headers give the encoding, chunks and
Content-Encoding are undone (:func:`~cleaner.readers.warc.http_page`), and its fields
are ``url`` and ``fetch_date`` (the archive date). A record cut short (the file ends
inside it) or larger than a page can be is a :class:`Rejection` with its record number;
a header line that is no ARC header ends the file, and the page read last before it is
not kept (its length may be what went wrong). A gzipped ARC (``.arc.gz``, a gzip member
per record) is read as one stream, so damage in a member ends the file there.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime

from cleaner.document import Document
from cleaner.names import Reason, Skip
from cleaner.readers.entry import InputFile, Rejection, doc_id
from cleaner.readers.html import MAX_PAGE_BYTES, PageProblem, page_document, recorded_encodings
from cleaner.readers.streams import CHUNK
from cleaner.readers.warc import (
    HTML_TYPES,
    Outcome,
    http_page,
    http_response,
    mime_type,
    reject_if_no_page,
    settle,
    suspect,
)

MAX_HEADER = 64 << 10  # a header line longer than this is no ARC header


class NotArc(OSError):
    """A line where an ARC record header should be that is none: the file ends there."""


def iter_arc(
    entry: InputFile, stream: io.BufferedIOBase, seen: set[str] | None
) -> Iterator[Document]:
    """Yield the documents of an ARC byte stream (decompressed), counting what is skipped
    on ``entry``.

    A file that opens with no record header is rejected. Raises :class:`NotArc` (an
    :class:`OSError`) at a later line that is no record header, and passes on what the
    stream raises (a gzip member cut or damaged); the caller turns either into the
    file's damage row after the documents read.
    """
    encodings: Counter[str] = Counter()
    number = 0
    held: Outcome = None  # the last record's outcome, until the next header reads whole
    url: str | None = None
    try:
        while True:
            try:
                line = stream.readline(MAX_HEADER)
            except Exception:  # the stream breaks (a gzip member cut): the record read is whole
                yield from settle(entry, held, seen, encodings)
                raise
            if not line:
                break
            if not line.strip():
                continue  # the newline that ends each record
            try:
                header = parse_header(line)
            except NotArc:
                if not number:
                    entry.reject("no ARC record header at its start; is it an ARC file?")
                    return
                yield from settle(entry, suspect(entry, held, number, url), seen, encodings)
                held = None
                raise
            number += 1
            yield from settle(entry, held, seen, encodings)
            url, date, ctype, length = header
            held = _record(entry, stream, number, url, date, ctype, length)
        yield from settle(entry, held, seen, encodings)
    finally:
        entry.encoding = recorded_encodings(encodings) or None
    reject_if_no_page(entry, number, "ARC")


# an ARC header's IP address field ("-" or 0.0.0.0 where none was known), its
# archive date (YYYYMMDD to YYYYMMDDhhmmss, ASCII digits: str.isdigit alone takes "²",
# which int() refuses), and a version 2 header's result code
_IP = re.compile(r"[0-9A-Fa-f.:]+|-")
_DATE = re.compile(r"[0-9]{8,14}")
_CODE = re.compile(r"[0-9]{3}|-")


def parse_header(line: bytes) -> tuple[str, str, str, int]:
    """The URL, archive date, content type and length of an ARC record's header line.

    Version 1 has five fields (URL, IP, date, content type, length), version 2 ten (the
    type then a result code, checksum, location, offset and file name before the
    length). Old crawlers wrote URLs with spaces in them, and a content type with its
    parameters: the fields are found from the IP and date, and from the end.

    >>> parse_header(b"http://a.org/ 1.2.3.4 20080130143512 text/html 512\\n")
    ('http://a.org/', '20080130143512', 'text/html', 512)
    >>> parse_header(b"http://a.org/ 1.2.3.4 20080130143512 text/html 200 - - 0 f.arc 9\\n")[3]
    9
    >>> parse_header(b"http://a.org/my page.html 1.2.3.4 20080130143512 text/html 512\\n")[0]
    'http://a.org/my page.html'
    >>> parse_header(b"http://a.org/ 1.2.3.4 20080130 text/html; charset=utf-8 200 - - 0 f.arc 9")
    ('http://a.org/', '20080130', 'text/html; charset=utf-8', 9)
    """
    fields = line.decode("latin-1").split()
    for at in range(1, len(fields) - 3):
        if _IP.fullmatch(fields[at]) and _DATE.fullmatch(fields[at + 1]):
            break
    else:
        at = 0
    tail = fields[at + 2 :]
    if not at or not (tail[-1].isascii() and tail[-1].isdigit()):
        shown = line[:80].decode("latin-1").strip()
        raise NotArc(f"a line that is no ARC record header ({shown!r})")
    version2 = len(tail) >= 7 and _CODE.fullmatch(tail[-6]) and tail[-3].isdigit()
    ctype = " ".join(tail[: -6 if version2 else -1])
    return " ".join(fields[:at]), fields[at + 1], ctype, int(tail[-1])


def _record(
    entry: InputFile,
    stream: io.BufferedIOBase,
    number: int,
    url: str,
    date: str,
    ctype: str,
    length: int,
) -> Outcome:
    """One record's outcome, its bytes read from ``stream``: its document, its rejection,
    why it is skipped, or None."""
    where = f"{entry.path}: record {number} ({url})"
    lower = url.lower()
    if lower.startswith("filedesc:"):
        return _pass_over(entry, stream, length, where, number) or Skip.ARC_HEADER
    if not lower.startswith(("http:", "https:")):
        return _pass_over(entry, stream, length, where, number) or Skip.OTHER_RECORD
    if length > MAX_PAGE_BYTES:
        cut = _pass_over(entry, stream, length, where, number)
        if cut is not None or mime_type(ctype) not in HTML_TYPES:
            return cut or Skip.NOT_HTML
        message = f"{where}: larger than {MAX_PAGE_BYTES >> 20} MiB for one page"
        return Rejection(entry.path, Reason.RECORD_TOO_LONG, message, number)
    data = stream.read(length)
    if len(data) < length:
        return _cut(entry, where, number, len(data), length)
    try:
        return _page(entry, data, number, url, date)
    except PageProblem as problem:
        return Rejection(entry.path, problem.rule, f"{where}: {problem.message}", number)


def _pass_over(
    entry: InputFile, stream: io.BufferedIOBase, length: int, where: str, number: int
) -> Rejection | None:
    """Read past a record's bytes a chunk at a time; the rejection of a record the file
    ends inside, else None."""
    left = length
    while left:
        got = len(stream.read(min(left, CHUNK)))
        if not got:
            return _cut(entry, where, number, length - left, length)
        left -= got
    return None


def _cut(entry: InputFile, where: str, number: int, got: int, length: int) -> Rejection:
    message = (
        f"{where}: cut short ({got} of {length} bytes; the file ends inside it); "
        "re-download the file"
    )
    return Rejection(entry.path, Reason.DAMAGED_FILE, message, number)


def _page(entry: InputFile, data: bytes, number: int, url: str, date: str) -> Outcome:
    """The document of an HTTP record's bytes, or why it is skipped."""
    status, headers, body = http_response(data)
    if status != "200":
        return Skip.HTTP_STATUS
    content_type = headers.get("content-type")
    mime = mime_type(content_type)
    if mime and mime not in HTML_TYPES:
        return Skip.NOT_HTML
    page = http_page(body, mime, headers.get("transfer-encoding"), headers.get("content-encoding"))
    if page is None:
        return Skip.NOT_HTML
    from cleaner.html.encoding import header_charset

    fetched = _iso(date)
    return page_document(
        entry,
        page,
        doc_id(entry.path, number),
        charset=header_charset(content_type),
        url=url,
        meta={"fetch_date": fetched} if fetched else None,
    )


def _iso(date: str) -> str | None:
    """An ARC archive date (``YYYYMMDDhhmmss``, or a prefix of it) as WARC writes one.

    None when it is no date ("20081399999999": a 13th month): the record then has no
    ``fetch_date``, as a page's impossible date gives no ``date``.

    >>> _iso("20080130143512"), _iso("2008013014"), _iso("2008"), _iso("20081399999999")
    ('2008-01-30T14:35:12Z', '2008-01-30T14:00:00Z', None, None)
    """
    if len(date) < 8:
        return None
    try:
        when = datetime.strptime(date[:14].ljust(14, "0"), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")

"""WARC files to documents: one per HTML page a crawler fetched (needs the ``html`` extra).

The only module that imports FastWARC (``bench``-measured against warcio: see the
README). A ``response`` record with status 200 and an HTML ``Content-Type`` (or no
type and HTML bytes) is a page; so is a ``resource`` record of type HTML. Every other
record is no document and is counted in the input's ``skipped``
(:class:`~cleaner.names.Skip`): requests, metadata, warcinfo, revisits, redirects and
errors, images and other types. A page record cut short (the file ends inside it), any
record cut inside its WARC header, and a page larger than a page can be
(``MAX_PAGE_BYTES``, also once its Content-Encoding is undone) are each a
:class:`Rejection` with its record number, and the rest is read; so is a record in a
damaged gzip member (a gzip WARC is read member by member for this, each member opening
a WARC record), and bytes before, between or after gzip members that are no member of
WARC records (a run of zeros, text spliced in, a member of something else) are one
:class:`Rejection` that says how many and at which byte offset, the members after them
read; zeros after an uncompressed WARC's last record are padding, passed over. gzip,
zstd and LZ4 compression (per record or whole file) is recognised by
FastWARC from the first bytes. Any other break in the stream (bytes that are no WARC
record, a damaged zstd or LZ4 frame) ends the file: the caller reports the rest as
damaged, and a page read last before the break is a :class:`Rejection`, not a
document, as the damage may begin inside it (a Content-Length too short, a frame
without a checksum decoded wrong).

Each document's record fields: ``url`` (``WARC-Target-URI``), ``fetch_date``
(``WARC-Date``), ``warc_record_id``, and the page's own (see :mod:`cleaner.readers.html`).
``InputFile.encoding`` lists the encodings the pages were read with and what decided
each, with counts: ``"utf-8 (http 3, meta 1); cp1252 (detected 1)"``.
"""

from __future__ import annotations

import importlib
import io
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from cleaner.document import Document
from cleaner.names import Reason, Skip
from cleaner.readers.entry import InputFile, Rejection, doc_id
from cleaner.readers.html import MAX_PAGE_BYTES, PageProblem, page_document, recorded_encodings
from cleaner.readers.streams import GZIP_MAGIC, ZSTD_MAGIC

if TYPE_CHECKING:
    from fastwarc.warc import WarcRecord

HTML_TYPES = ("text/html", "application/xhtml+xml")
# what WHATWG's MIME sniffing takes for HTML at a payload's start (each but the comment
# followed by a space or ">": the test below)
_SNIFF_TAGS = (
    b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<h1", b"<div",
    b"<font", b"<table", b"<a", b"<style", b"<title", b"<b", b"<br", b"<p",
)  # fmt: skip
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def target_uri(value: str | None) -> str | None:
    """A ``WARC-Target-URI`` as the address it names: WARC 1.0's grammar put it in angle
    brackets, and some writers still do.

    >>> target_uri("<http://example.com/a>"), target_uri("http://example.com/a")
    ('http://example.com/a', 'http://example.com/a')
    """
    if value is None:
        return None
    value = value.strip()
    return value[1:-1].strip() if value.startswith("<") and value.endswith(">") else value


def _unmarked(head: bytes) -> bytes:
    """The first bytes of a payload after its byte order mark, if it has one, as ASCII
    (what a UTF-16 or UTF-32 payload's markup reads as)."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, "ignore").encode("ascii", "ignore")
    return head


def looks_like_html(data: bytes) -> bool:
    """Whether a payload with no Content-Type opens as an HTML page does (after a byte
    order mark, if it has one).

    >>> looks_like_html(b"  <!DOCTYPE html><html>"), looks_like_html(b"%PDF-1.4")
    (True, False)
    >>> looks_like_html(b"<title>A</title>"), looks_like_html(b"<bogus>"), looks_like_html(b"<a")
    (True, False, False)
    >>> looks_like_html(b"\\xef\\xbb\\xbf<html>"), looks_like_html("<html>".encode("utf-16"))
    (True, True)
    """
    head = _unmarked(data[:1024])[:512].lstrip().lower()
    if head.startswith(b"<!--"):
        return True
    return any(
        head.startswith(tag) and head[len(tag) : len(tag) + 1] in (b" ", b">", b"\t", b"\n")
        for tag in _SNIFF_TAGS
    )


def iter_warc(
    entry: InputFile, stream: io.BufferedIOBase, seen: set[str] | None
) -> Iterator[Document]:
    """Yield the documents of a WARC byte stream, counting what is skipped on ``entry``.

    Raises :class:`OSError` for bytes that are no WARC record (FastWARC's "Invalid WARC
    header") or a zstd or LZ4 stream that breaks; the caller turns that into the file's
    rejection, or its damage row after the documents read.
    """
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    skips = {  # by int: FastWARC's record types do not hash
        int(WarcRecordType.warcinfo): Skip.WARCINFO,
        int(WarcRecordType.request): Skip.REQUEST,
        int(WarcRecordType.metadata): Skip.METADATA,
        int(WarcRecordType.revisit): Skip.REVISIT,
    }
    encodings: Counter[str] = Counter()
    number = 0
    try:
        for source in _sources(stream):
            held: Outcome = None  # the source's last record's, until the source ends whole
            url, records = None, 0
            try:
                for record in ArchiveIterator(source, parse_http=False):
                    number += 1
                    records += 1
                    settled, held = held, None
                    yield from settle(entry, settled, seen, encodings)
                    url = target_uri(record.headers.get("WARC-Target-URI"))
                    held = _record(entry, record, number, url, skips)
            except OSError:  # the stream breaks: the damage may begin in the held record
                yield from settle(entry, suspect(entry, held, number, url), seen, encodings)
                raise
            # bytes before it that hold no member, known once it is read; at the end of a
            # file that gave no record, they are the file: no WARC file at all
            stray = source.stray
            if stray and (isinstance(source, _Member) or number):
                entry.add_rejection(_stray(entry, *stray, number - records))
            damage = source.damage
            if damage:  # the damage is in the member's last record, or it gave none
                if not records:
                    number, url = number + 1, None
                where = f"{entry.path}: record {number}" + (f" ({url})" if url else "")
                message = (  # a writer may put several records in a member: how many
                    f"{where}: in a gzip member that is {damage}, with any record after it "
                    "in that member; re-download the file"
                )  # is not known, so the records after it are numbered as if it held one
                held = Rejection(entry.path, Reason.DAMAGED_FILE, message, number)
            yield from settle(entry, held, seen, encodings)
    finally:
        entry.encoding = recorded_encodings(encodings) or None
    reject_if_no_page(entry, number, "WARC")


def reject_if_no_page(entry: InputFile, records: int, kind: str) -> None:
    """Reject a crawl file (``kind``: "WARC", "ARC") read whole that gave no page and no
    rejection: it holds no record, or only records that are no page (which it lists)."""
    if entry.count or entry.outcome != "read" or entry.rejections:
        return
    if not records:
        article = "an" if kind[0] in "AEIOU" else "a"
        entry.reject(
            f"no {kind} records; is it {article} {kind} file? Re-download it if it was cut"
        )
    else:
        what = ", ".join(f"{k} {n}" for k, n in sorted(entry.skipped.items()))
        entry.reject(f"no HTML pages among its {records} records (skipped: {what})")


Outcome = tuple[Document, str] | Rejection | str | None  # a page and its encoding, ...


def _record(
    entry: InputFile, record: WarcRecord, number: int, url: str | None, skips: dict[int, Skip]
) -> Outcome:
    """One record's outcome: its document, its rejection, why it is skipped, or None."""
    from fastwarc.warc import WarcRecordType

    where = f"{entry.path}: record {number}" + (f" ({url})" if url else "")
    if record.headers.get("Content-Length") is None:  # every whole record has one
        # FastWARC gives such a record for a header the file ends inside, and for a
        # whole header with no Content-Length, which cannot tell where the record ends
        message = (
            f"{where}: its WARC header has no Content-Length (the file may end inside "
            "it); re-download the file"
        )
        return Rejection(entry.path, Reason.DAMAGED_FILE, message, number)
    kind = record.record_type
    if kind not in (WarcRecordType.response, WarcRecordType.resource):
        return skips.get(int(kind), Skip.OTHER_RECORD)
    try:
        doc, encoding = _page(entry, record, number, url, kind == WarcRecordType.resource)
    except PageProblem as problem:
        return Rejection(entry.path, problem.rule, f"{where}: {problem.message}", number)
    except _Skipped as skipped:
        return str(skipped)
    return doc, encoding


def suspect(entry: InputFile, outcome: Outcome, number: int, url: str | None) -> Outcome:
    """The outcome of the last record read before the stream broke: its page is not kept,
    as the damage may begin inside it (a Content-Length too short, a zstd or LZ4 frame
    with no checksum decoded wrong)."""
    if not isinstance(outcome, tuple):
        return outcome
    where = f"{entry.path}: record {number}" + (f" ({url})" if url else "")
    message = (
        f"{where}: not kept, as the file is damaged right after it (the damage may begin "
        "inside it); re-download the file"
    )
    return Rejection(entry.path, Reason.DAMAGED_FILE, message, number)


def _stray(entry: InputFile, start: int, end: int, after: int) -> Rejection:
    """The rejection for bytes of a gzip WARC that are no gzip member of WARC records
    (junk, zeros, a member of something else), passed over."""
    where = f" after record {after}" if after else ""
    message = (
        f"{entry.path}: {end - start} bytes{where} (at byte offset {start}) are no gzip "
        "member of WARC records and were skipped; re-download the file"
    )
    return Rejection(entry.path, Reason.DAMAGED_FILE, message)


def settle(
    entry: InputFile,
    outcome: Outcome,
    seen: set[str] | None,
    encodings: Counter[str],
) -> Iterator[Document]:
    if isinstance(outcome, Rejection):
        entry.add_rejection(outcome)
    elif isinstance(outcome, str):
        entry.skip(outcome)
    elif outcome is not None:
        doc, encoding = outcome
        encodings[encoding] += 1
        if seen is not None:
            seen.add(doc.id)
        entry.count += 1
        yield doc


class _Skipped(Exception):
    """A record that is no page: its :class:`~cleaner.names.Skip`."""


class _Forward:
    """A stream read front to back that tells its position (FastWARC asks for it; a
    hashing or piped stream cannot seek, so ``tell`` must not go through ``seek``).

    As a source of records it also says what :func:`iter_warc` reports for it: ``stray``,
    bytes that are no gzip member of WARC records passed over before it (start and end
    offset in the file), and ``damage``, how its gzip member broke (see :class:`_Member`).
    """

    stray: tuple[int, int] | None = None
    damage: str | None = None

    def __init__(self, raw: io.BufferedIOBase, head: bytes = b"") -> None:
        self._raw = raw  # what is left of it after ``head``, its first bytes read already
        self._pos = 0
        self._padded: bool | None = None  # known at the first read
        self._ahead = head

    def read(self, size: int = -1) -> bytes:
        data, self._ahead = self._ahead, b""
        if size < 0 or len(data) < size:
            data += self._raw.read(size if size < 0 else size - len(data))
        if self._padded is None:
            # zeros after an uncompressed WARC's last record are padding (a compressed
            # stream may end in a zero byte of its own); such a WARC may open with blank
            # lines, as FastWARC reads it
            while len(data.lstrip(_BLANK)) < 5 and (more := self._raw.read(_BLOCK)):
                data += more
            self._padded = data.lstrip(_BLANK).startswith(b"WARC/")
        if self._padded:
            data = self._unpad(data, size)
        if 0 <= size < len(data):
            data, self._ahead = data[:size], data[size:]
        self._pos += len(data)
        return data

    def _unpad(self, data: bytes, size: int) -> bytes:
        """``data``, of which a read of ``size`` hands out the start, without the zeros it
        ends in when only zeros follow them to the end of the file (padding, as a disk or
        tape writes it, after the last record). Looked at only when the read would hand
        out some of those zeros; a run of zeros with more bytes after it (in a record's
        payload, or damage) is read whole before any of it is handed out."""
        while data.endswith(b"\0"):
            end = len(data) if size < 0 else min(size, len(data))
            if len(data.rstrip(b"\0")) >= end:
                break
            zeros = []
            while (more := self._raw.read(_BLOCK)) and not more.strip(b"\0"):
                zeros.append(more)
            if not more:  # only zeros to the end
                return data.rstrip(b"\0")
            data = b"".join([data, *zeros, more])
        return data

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        """Only to where it is: the stream goes one way."""
        if (whence, offset) in ((0, self._pos), (1, 0)):
            return self._pos
        raise io.UnsupportedOperation("seek")

    def close(self) -> None:
        """Left to the caller, who opened the stream."""


_GZIP = GZIP_MAGIC + b"\x08"  # deflate, the one method gzip has
_HEAD_BYTES = 1 << 20  # what is read of a record too large for a page: its HTTP head
_BLANK = b" \t\r\n"  # what a blank line before a WARC's first record holds
_BLOCK = 1 << 16  # bytes read ahead at a time past zeros, to see whether they are padding
_KEEP = 4 << 20  # compressed bytes of a member kept to look for the next one in after damage
_LOOK = 1 << 16  # bytes looked through for a first gzip member when a file opens with none
# how an uncompressed, zstd and LZ4 WARC open: FastWARC reads these itself
_STARTS = (b"WARC/", ZSTD_MAGIC, b"\x04\x22\x4d\x18")


def _sources(stream: io.BufferedIOBase) -> Iterator[_Forward | _Member]:
    """The stream for FastWARC; a gzip WARC member by member, so that a damaged member
    costs its own record only (FastWARC's own gzip reading stops at it). A file that
    opens with bytes that are no WARC and no compressed stream, and has a gzip member
    in its first ``_LOOK`` bytes with no ``WARC/`` before it, is read from its first
    member that opens a WARC record on. A file bgzip wrote
    (gzip members of 64 KiB with a "BC" extra field, whatever records they split) goes
    to FastWARC whole, as one stream: damage then ends it."""
    head = stream.read(_LOOK) if isinstance(stream, io.BufferedReader) else b""
    first = head.find(_GZIP)
    # an uncompressed WARC may hold gzip bytes in a payload, and may open with a blank
    # line; a zstd WARC's dictionary, in a skippable frame first, may hold gzip bytes too
    skippable = head[1:4] == b"\x2a\x4d\x18" and head[0] >> 4 == 5
    if first != 0 and (
        head.startswith(_STARTS) or skippable or first < 0 or b"WARC/" in head[:first]
    ):
        yield _Forward(stream, head)
        return
    if first == 0 and head[3:4] == b"\x04" and head[12:14] == b"BC":  # bgzip's blocks
        yield _Forward(stream, head)  # split records: FastWARC reads them as one stream
        return
    members = _Members(stream, head)
    while members.more():
        member = _Member(members)
        yield member
        member.finish()
    if members.stray is not None:  # the file ends in bytes that are no WARC member
        end = _Forward(io.BytesIO())
        end.stray = (members.stray, members.offset)
        yield end


class _Members:
    """A gzip stream's bytes, handed out member by member.

    ``stray`` is the offset where bytes that are no gzip member of WARC records began
    (at the file's start, after a whole member, or at a member of something else), until
    the next member of WARC records is found (see :meth:`passed`), or None.
    """

    def __init__(self, raw: io.BufferedIOBase, head: bytes = b"") -> None:
        self._raw = raw  # what is left of it after ``head``, its first bytes read already
        self._pending = head
        self._read = len(head)
        self.resyncing = False
        self.stray: int | None = None

    @property
    def offset(self) -> int:
        """Where the next byte handed out is in the file."""
        return self._read - len(self._pending)

    def take(self) -> bytes:
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        data = self._raw.read(1 << 13)  # small, so that damage costs little of the output
        self._read += len(data)
        return data

    def give_back(self, data: bytes) -> None:
        self._pending = data + self._pending

    def passed(self, start: int) -> tuple[int, int] | None:
        """The bytes that are no gzip member of WARC records before a member found at
        ``start``, once."""
        stray, self.stray = self.stray, None
        return None if stray is None else (stray, start)

    def more(self) -> bool:
        """Whether another member starts here; after damage, or bytes that are no gzip
        between members, the next one is looked for ahead."""
        start, data = self.offset, b""
        while True:
            more = self.take()
            if not more:
                if data and not self.resyncing:
                    self.stray = start
                return False
            data += more
            if len(data) < 3:
                continue
            found = data.find(_GZIP)
            if found == 0 or (found > 0 and self.resyncing):
                self.give_back(data[found:])
                return True
            if not self.resyncing:  # after a whole member: bytes that are no member
                self.stray = start
            self.resyncing = True
            data = data[-2:] if found < 0 else data[found:]
            if found > 0:
                self.give_back(data)
                return True


class _Member(_Forward):
    """One gzip member's bytes, decompressed as FastWARC reads them; ``damage`` says
    how it broke (cut short, or its data damaged), or is None; ``stray``, once it is
    read, the bytes that are no gzip member of WARC records passed over before it, or
    None."""

    def __init__(self, members: _Members) -> None:
        super().__init__(io.BytesIO())
        self._members = members
        self._start = members.offset
        self._returned = 0  # bytes after its end, given back
        self._inflater = zlib.decompressobj(31)
        self._seen: list[bytes] = []  # its compressed bytes so far (about the last _KEEP)
        self._kept = 0
        self._out = bytearray()
        self._done = False
        self._checked = False  # whether it opens with a WARC record, once known
        self._adjacent = not members.resyncing  # right after a whole member
        self.damage: str | None = None

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._out) < size):
            self._step()
        # a member must open a WARC record (after white space, which FastWARC passes over:
        # a writer may put a record's closing blank lines in the next member): else it is
        # passed over, as bytes that are no member are (after a whole member), or as a
        # false start after damage
        head = self._out.lstrip() if not self._checked else b""
        if not self._checked and self._out and (len(head) >= 5 or self._done):
            self._checked = True
            if head and not head.startswith(b"WARC/"):
                if self._adjacent and self._members.stray is None:
                    self._members.stray = self._start
                self._fail(None)
                self._out.clear()
            else:
                self.stray = self._members.passed(self._start)
        size = len(self._out) if size < 0 else min(size, len(self._out))
        data = bytes(self._out[:size])
        del self._out[:size]
        self._pos += len(data)
        return data

    def _step(self) -> None:
        data = self._inflater.unconsumed_tail
        if not data:
            data = self._members.take()
            if not data:
                self._fail("cut short (the file ends inside it)")
                return
            self._seen.append(data)
            self._kept += len(data)
            while self._kept - len(self._seen[0]) > _KEEP:
                self._kept -= len(self._seen.pop(0))
        try:
            self._out += self._inflater.decompress(data, 1 << 20)
        except zlib.error as e:
            self._fail(f"damaged ({e})")
            return
        if self._inflater.eof:
            self._done = True
            self._returned = len(self._inflater.unused_data)
            self._members.give_back(self._inflater.unused_data)
            self._members.resyncing = False

    def _fail(self, damage: str | None) -> None:
        """Stop here; the next member is looked for after this one's first byte."""
        self._done = True
        # after damage, a start that breaks too was no member after all
        self.damage = damage if self._checked or self._adjacent else None
        seen = b"".join(self._seen)  # less the bytes after its end, given back already
        self._members.give_back(seen[1 : len(seen) - self._returned])
        self._members.resyncing = True

    def finish(self) -> None:
        """Read to the member's end (FastWARC may stop at its last record)."""
        while not self._done:
            self._step()


def _page(
    entry: InputFile, record: WarcRecord, number: int, url: str | None, resource: bool
) -> tuple[Document, str]:
    """The document of one response or resource record; :class:`_Skipped` when it is
    no page. The HTTP head is read here (:func:`http_response`), not by FastWARC, whose
    parser gives up on a head past 32 KiB (a long Set-Cookie) as on a broken file, and
    takes a head whose lines end in LF alone for the status line."""
    expected = record.content_length
    big = expected > MAX_PAGE_BYTES  # then only its head is read, to know what it holds
    data = record.reader.read(_HEAD_BYTES if big else -1)
    if not big and len(data) < expected:
        raise PageProblem(
            Reason.DAMAGED_FILE,
            f"cut short ({len(data)} of {expected} bytes; the file ends inside it); "
            "re-download the file",
        )
    headers: dict[str, str] = {}
    # a response whose record type is no "application/http" as FastWARC spells it
    # ("Application/HTTP", or none) still holds an HTTP response when it opens as one
    if resource or not (record.is_http or data.startswith(b"HTTP/")):
        ctype = record.headers.get("Content-Type")
    else:
        status, headers, data = http_response(data)
        if status != "200":
            raise _Skipped(Skip.HTTP_STATUS)
        ctype = headers.get("content-type")
    mime = mime_type(ctype)
    if mime and mime not in HTML_TYPES:
        raise _Skipped(Skip.NOT_HTML)  # a video or an archive, however large
    if big:
        raise PageProblem(
            Reason.RECORD_TOO_LONG, f"larger than {MAX_PAGE_BYTES >> 20} MiB for one page"
        )
    page = http_page(data, mime, headers.get("transfer-encoding"), headers.get("content-encoding"))
    if page is None:
        raise _Skipped(Skip.NOT_HTML)
    from cleaner.html.encoding import header_charset

    meta = {"fetch_date": record.headers.get("WARC-Date"), "warc_record_id": record.record_id}
    return page_document(
        entry,
        page,
        doc_id(entry.path, number),
        charset=header_charset(ctype),
        url=url,
        meta={k: v for k, v in meta.items() if v},
    )


def http_response(data: bytes) -> tuple[str, dict[str, str], bytes]:
    """The status code, the headers (names lower-cased, the first of each) and the body
    of an HTTP response as a crawl kept it, its lines ended by CRLF or by LF alone.

    Read by hand, not with the email or http.client parsers: they stop at a line that is
    no header (and http.client at a hundred headers), and a crawl keeps what servers
    sent. Raises :class:`PageProblem` when the bytes open with no HTTP status line.

    An interim response (``100 Continue``, ``103 Early Hints``) before the final one is
    passed over: the page is the final response's.

    >>> http_response(b"HTTP/1.1 200 OK\\nContent-Type: text/html\\nX\\n\\n<p>")
    ('200', {'content-type': 'text/html'}, b'<p>')
    >>> http_response(b"HTTP/1.1 100 Continue\\r\\n\\r\\nHTTP/1.1 200 OK\\r\\n\\r\\n<p>")
    ('200', {}, b'<p>')
    """
    status, headers, body = _http_head(data)
    while status.startswith("1") and len(status) == 3 and body[:5].upper() == b"HTTP/":
        status, headers, body = _http_head(body)
    return status, headers, body


def _http_head(data: bytes) -> tuple[str, dict[str, str], bytes]:
    """The status code, headers and what follows the head of one HTTP response."""
    crlf = data.find(b"\r\n\r\n")  # the head's end; an LF-ended head's is before it
    lf = data.find(b"\n\n", 0, crlf if crlf >= 0 else len(data))
    at, size = (lf, 2) if lf >= 0 else (crlf, 4) if crlf >= 0 else (len(data), 0)
    head, body = data[:at], data[at + size :]
    status, _, fields = head.partition(b"\n")
    status_line = status.decode("latin-1").split()
    if not size or len(status_line) < 2 or not status_line[0].upper().startswith("HTTP/"):
        raise PageProblem(Reason.NOT_HTML, "no HTTP response in the record; not a page")
    headers: dict[str, str] = {}
    for line in fields.decode("latin-1").splitlines():
        name, colon, value = line.partition(":")
        if colon:
            headers.setdefault(name.strip().lower(), value.strip())
    return status_line[1], headers, body


def mime_type(ctype: str | None) -> str:
    """The media type of a Content-Type value, lower-cased; "" for none.

    >>> mime_type("Text/HTML; charset=UTF-8"), mime_type(None)
    ('text/html', '')
    """
    return (ctype or "").split(";", 1)[0].strip().lower()


def http_page(data: bytes, mime: str, transfer: str | None, coding: str | None) -> bytes | None:
    """A response payload of type ``mime`` ("" when it has none) as the page's bytes, its
    HTTP codings undone (:func:`http_body`); None when it is no page: no type, and bytes
    that do not open as HTML (or in a coding not read, which cannot say they do)."""
    try:
        data = http_body(data, transfer, coding)
    except PageProblem as problem:
        if mime or problem.rule != Reason.NOT_HTML:
            raise
        return None
    return data if mime or looks_like_html(data) else None


def http_body(data: bytes, transfer: str | None, coding: str | None) -> bytes:
    """An HTTP payload as the page's bytes: chunks joined, gzip, deflate or br undone.

    A body that its coding cannot undo and that opens as markup was stored decoded
    under its header (crawlers store chunks joined, and many a body inflated, so): it
    is the page. Raises :class:`PageProblem` when the payload is damaged, in a coding
    not read, or expands past ``MAX_PAGE_BYTES``.

    >>> http_body(b"5\\r\\nHello\\r\\n0\\r\\n\\r\\n", "chunked", None)
    b'Hello'
    """
    if transfer and "chunked" in transfer.lower():
        data = _unchunk(data)
    coding = (coding or "").strip().lower()
    if coding in ("", "identity", "none", "utf-8"):
        return data
    try:
        if coding in ("gzip", "x-gzip"):
            return _inflate(data, 47, coding)
        if coding == "deflate":
            try:
                return _inflate(data, 15, coding)
            except zlib.error:
                return _inflate(data, -15, coding)
    except zlib.error as e:
        if _stored_decoded(data):  # stored decoded under its header, as chunks often are
            return data
        raise PageProblem(
            Reason.DAMAGED_FILE, f"Content-Encoding {coding} is damaged ({e}); re-fetch the page"
        ) from None
    if coding == "br":
        try:
            brotli = importlib.import_module("brotli")
        except ModuleNotFoundError:
            pass
        else:
            try:
                return _unbrotli(brotli, data)
            except PageProblem:
                raise
            except Exception as e:  # brotli raises its own error type
                if _stored_decoded(data):
                    return data
                raise PageProblem(
                    Reason.DAMAGED_FILE, f"Content-Encoding br is damaged ({e}); re-fetch the page"
                ) from None
    if _stored_decoded(data):  # in a coding not read, or none: stored decoded
        return data
    raise PageProblem(
        Reason.NOT_HTML, f"Content-Encoding {coding} is not read; store pages decoded"
    )


def _too_large(coding: str) -> PageProblem:
    return PageProblem(
        Reason.RECORD_TOO_LONG,
        f"its Content-Encoding {coding} expands past {MAX_PAGE_BYTES >> 20} MiB for one page",
    )


def _inflate(data: bytes, wbits: int, coding: str) -> bytes:
    """gzip or deflate undone, never to more than a page can be (a small record may
    expand a thousandfold). A gzip body may hold several members, one after another
    (RFC 1952, as a server that compresses its page in parts sends it): each is undone
    in turn, as ``gzip -d`` does."""
    out = b""
    while True:
        inflater = zlib.decompressobj(wbits)
        out += inflater.decompress(data, MAX_PAGE_BYTES + 1 - len(out))
        if len(out) > MAX_PAGE_BYTES:
            raise _too_large(coding)
        if not inflater.eof:
            raise zlib.error("incomplete or truncated stream")
        data = inflater.unused_data
        if not (wbits > 31 and data.startswith(GZIP_MAGIC)):
            return out  # bytes after the last member that open no other are passed over


def _unbrotli(brotli: Any, data: bytes) -> bytes:
    """br undone, never to more than a page can be. brotli 1.2 limits each step's
    output; an older one (or brotlipy) is fed a little input at a time, and its output
    for that is bounded by its window, 16 MiB."""
    decoder = brotli.Decompressor()
    out = bytearray()
    try:
        out += decoder.process(data, output_buffer_limit=MAX_PAGE_BYTES + 1)
        while len(out) <= MAX_PAGE_BYTES and not decoder.is_finished():
            more = decoder.process(b"", output_buffer_limit=MAX_PAGE_BYTES + 1 - len(out))
            if not more:
                break
            out += more
    except (TypeError, AttributeError):  # no output limit: brotli before 1.2, brotlipy
        step = getattr(decoder, "process", None) or decoder.decompress
        for start in range(0, len(data), 64):
            out += step(data[start : start + 64])
            if len(out) > MAX_PAGE_BYTES:
                break
    if len(out) > MAX_PAGE_BYTES:
        raise _too_large("br")
    if not getattr(decoder, "is_finished", lambda: True)():
        raise ValueError("incomplete or truncated stream")
    return bytes(out)


_HEX = re.compile(rb"[0-9A-Fa-f]+")
# a body that opens as markup does (after a byte order mark): one that gzip, deflate or
# br could not undo is stored decoded under its Content-Encoding header
_MARKUP = re.compile(rb"\s*<[!?a-zA-Z]")


def _stored_decoded(data: bytes) -> bool:
    """Whether a body its Content-Encoding cannot undo opens as markup does."""
    return _MARKUP.match(_unmarked(data[:1024])) is not None


def _unchunk(data: bytes) -> bytes:
    """A chunked body's chunks joined; the payload itself when it does not open as chunks
    (crawlers often store a body joined already under its ``chunked`` header).

    Raises :class:`PageProblem` (``damaged-file``) when the chunks stop before the last,
    empty one: the page was cut short.

    >>> _unchunk(b"3\\r\\nabc\\r\\n0\\r\\n\\r\\n"), _unchunk(b"<html>joined</html>")
    (b'abc', b'<html>joined</html>')
    """
    out, pos = bytearray(), 0
    while True:
        end = data.find(b"\r\n", pos)
        try:
            if end < 0:
                raise ValueError("no chunk size")
            digits = data[pos:end].split(b";", 1)[0].strip()
            if not _HEX.fullmatch(digits):  # int() would take "-6", "+6", "0x6", "1_0"
                raise ValueError("no chunk size")
            size = int(digits, 16)
        except ValueError:
            if pos == 0:  # not chunked after all
                return data
            raise PageProblem(
                Reason.DAMAGED_FILE,
                "chunked body cut short (it stops before its last chunk); re-fetch the page",
            ) from None
        if size == 0:
            return bytes(out)
        out += data[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2

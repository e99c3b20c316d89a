"""Small WARC files for the tests, written with FastWARC from the pages in tests/data/html."""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from fastwarc.stream_io import Lz4Writer
from fastwarc.warc import WarcRecord, WarcRecordType

PAGES = Path(__file__).resolve().parent / "data" / "html"
FETCHED = "2025-03-01T10:00:00Z"


def page(name: str) -> bytes:
    """The HTML of a test page, e.g. ``page("wcxb-0482")``."""
    return gzip.decompress((PAGES / f"{name}.html.gz").read_bytes())


def pages() -> dict[str, bytes]:
    """Every test page by name, in name order."""
    return {
        p.name.removesuffix(".html.gz"): page(p.name.removesuffix(".html.gz"))
        for p in sorted(PAGES.glob("*.html.gz"))
    }


@dataclass(frozen=True)
class Rec:
    """One WARC record to write: its type, address, HTTP status and type, and body."""

    kind: str  # response, request, warcinfo, metadata, resource
    url: str
    body: bytes = b""
    status: str = "200 OK"
    ctype: str | None = "text/html; charset=utf-8"
    date: str = FETCHED


def http(body: bytes, status: str = "200 OK", ctype: str | None = "text/html") -> bytes:
    head = f"HTTP/1.1 {status}\r\n"
    if ctype is not None:
        head += f"Content-Type: {ctype}\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def record_bytes(rec: Rec) -> bytes:
    kind = getattr(WarcRecordType, rec.kind)
    if rec.kind == "response":
        block, ctype = http(rec.body, rec.status, rec.ctype), "application/http; msgtype=response"
    elif rec.kind == "request":
        block = f"GET / HTTP/1.1\r\nHost: {rec.url}\r\n\r\n".encode()
        ctype = "application/http; msgtype=request"
    else:
        block, ctype = rec.body, rec.ctype or "application/warc-fields"
    r = WarcRecord()
    r.init_headers(kind, content_length=len(block))
    r.headers.set("WARC-Date", rec.date)
    if rec.kind != "warcinfo":
        r.headers.set("WARC-Target-URI", rec.url)
    r.headers.set("Content-Type", ctype)
    r.set_bytes_content(block)
    out = io.BytesIO()
    r.write(out)
    return out.getvalue()


def warc(records: list[Rec], gz: bool = True) -> bytes:
    """A WARC file of ``records``, each record its own gzip member when ``gz``."""
    parts = [record_bytes(r) for r in records]
    return b"".join(gzip.compress(p, mtime=0) if gz else p for p in parts)


def bgzf(data: bytes, block: int = 1000) -> bytes:
    """``data`` as bgzip writes it (BGZF): gzip members of ``block`` bytes each, with no
    regard for where a record ends, each with the "BC" extra field that gives its size,
    then the empty member that ends the file."""

    def member(chunk: bytes) -> bytes:
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = deflate.compress(chunk) + deflate.flush()
        size = 18 + len(body) + 8  # header with its extra field, data, trailer
        extra = struct.pack("<HBBHH", 6, 66, 67, 2, size - 1)
        head = b"\x1f\x8b\x08\x04" + bytes(4) + b"\x00\xff" + extra
        return head + body + struct.pack("<II", zlib.crc32(chunk), len(chunk))

    chunks = [data[k : k + block] for k in range(0, len(data), block)]
    return b"".join(member(chunk) for chunk in [*chunks, b""])


def zstd(data: bytes) -> bytes:
    """``data`` as one zstd frame (no checksum, as zstandard writes by default)."""
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


def lz4(data: bytes) -> bytes:
    """``data`` as one LZ4 frame, written by FastWARC."""
    out = io.BytesIO()
    writer = Lz4Writer(out)
    writer.write(data)
    writer.finish()
    writer.flush()
    return out.getvalue()


def crawl(gz: bool = True) -> bytes:
    """A crawl of the test pages as a crawler writes it: warcinfo, then per page a
    request and its response; and an image, a redirect and a metadata record."""
    records = [Rec("warcinfo", "", b"software: test\r\n", ctype="application/warc-fields")]
    for i, body in enumerate(pages().values()):
        url = f"https://example.org/page/{i}"
        records += [Rec("request", url), Rec("response", url, body)]
    records += [
        Rec(
            "response",
            "https://example.org/logo.png",
            b"\x89PNG\r\n\x1a\n" + bytes(64),
            ctype="image/png",
        ),
        Rec("response", "https://example.org/old", b"", status="301 Moved Permanently"),
        Rec("metadata", "https://example.org/page/0", b"outlink: https://example.org/\r\n"),
    ]
    return warc(records, gz)


ARC_DATE = "20080130143512"  # an ARC header's archive date; FETCHED's is WARC's form


def arc_record(url: str, block: bytes, ctype: str = "text/html", version: int = 1) -> bytes:
    """One ARC record: its header line (five fields, or ten in version 2), then ``block``."""
    fields = [url, "93.184.216.34", ARC_DATE, ctype]
    if version == 2:
        fields += ["200", "-", "-", "0", "crawl.arc"]
    return " ".join([*fields, str(len(block))]).encode() + b"\n" + block + b"\n"


def arc(version: int = 1, gz: bool = True) -> bytes:
    """An ARC crawl of the test pages, as the Internet Archive's crawlers wrote them: the
    file's own header record, a DNS lookup, each page, an image and a redirect; each
    record its own gzip member when ``gz``."""
    desc = f"{version} 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    records = [
        arc_record("filedesc://crawl.arc", desc.encode(), "text/plain", version),
        arc_record("dns:example.org", b"20080130143512\nexample.org.\tIN\tA\t93.184.216.34\n",
                   "text/dns", version),
    ]  # fmt: skip
    for i, body in enumerate(pages().values()):
        url = f"http://example.org/page/{i}"
        records.append(arc_record(url, http(body, ctype="text/html; charset=utf-8"), "text/html",
                                  version))  # fmt: skip
    image = http(bytes(64), ctype="image/png")
    records += [
        arc_record("http://example.org/logo.png", image, "image/png", version),
        arc_record("http://example.org/old", http(b"", "301 Moved Permanently"), "text/html",
                   version),
    ]  # fmt: skip
    return b"".join(gzip.compress(r, mtime=0) if gz else r for r in records)

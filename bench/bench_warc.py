"""Reading WARC files: FastWARC against warcio, and what parsing the pages costs beside it.

Writes a WARC of the pages in a folder of ``*.html.gz`` (the boilerplate bench's
``html/`` folder), as a crawler writes one: per page a request and a 200 response,
``--copies`` times over, once gzipped per record and once plain. Then each library
iterates each file, keeps the responses and reads their payloads (the records a
reader of crawls must touch), best of ``--repeat`` runs, in CPU-seconds; and
:func:`cleaner.html.parse_html` parses each page once, for scale::

    python bench/bench_warc.py BENCH/boilerplate-dev/html --copies 4

Needs the ``html`` extra and warcio.
"""

from __future__ import annotations

import argparse
import gzip
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def http(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def record(kind: str, url: str, block: bytes, ctype: str) -> bytes:
    from fastwarc.warc import WarcRecord, WarcRecordType

    r = WarcRecord()
    r.init_headers(getattr(WarcRecordType, kind), content_length=len(block))
    r.headers.set("WARC-Target-URI", url)
    r.headers.set("Content-Type", ctype)
    r.set_bytes_content(block)
    out = io.BytesIO()
    r.write(out)
    return out.getvalue()


def write_warc(pages: list[bytes], copies: int, path: Path, gz: bool) -> None:
    with path.open("wb") as out:
        for copy in range(copies):
            for i, body in enumerate(pages):
                url = f"https://example.org/{copy}/{i}"
                for part in (
                    record("request", url, b"GET / HTTP/1.1\r\n\r\n", "application/http"),
                    record("response", url, http(body), "application/http; msgtype=response"),
                ):
                    out.write(gzip.compress(part, 6) if gz else part)


def read_fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    total = 0
    with path.open("rb") as f:
        for rec in ArchiveIterator(f, record_types=WarcRecordType.response, parse_http=True):
            total += len(rec.reader.read())
    return total


def read_warcio(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    total = 0
    with path.open("rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type == "response":
                total += len(rec.content_stream().read())
    return total


def cpu(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="folder of *.html.gz pages")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pages = [gzip.decompress(p.read_bytes()) for p in sorted(args.html.glob("*.html.gz"))]
    with tempfile.TemporaryDirectory() as tmp:
        for gz in (True, False):
            path = Path(tmp) / ("crawl.warc.gz" if gz else "crawl.warc")
            write_warc(pages, args.copies, path, gz)
            size = path.stat().st_size / 1e6
            n = len(pages) * args.copies
            for name, fn in (("fastwarc", read_fastwarc), ("warcio", read_warcio)):
                seconds = cpu(lambda fn=fn, path=path: fn(path), args.repeat)
                print(f"{name:9} {path.name:14} {size:7.1f} MB {n} responses: {seconds:.2f} CPU-s")
    from cleaner.html import parse_html

    seconds = cpu(lambda: [parse_html(p) for p in pages], 1)
    print(
        f"parse_html {len(pages)} pages ({sum(map(len, pages)) / 1e6:.1f} MB): {seconds:.2f} CPU-s"
    )


if __name__ == "__main__":
    main()

"""HTML input: pages, WARC files and HTML record fields become documents, or say why not.

The pages are four real ones (tests/data/html, WCXB, CC-BY-4.0); the WARC files are
written by tests/warcs.py from them.
"""

from __future__ import annotations

import builtins
import codecs
import gzip
import hashlib
import io
import json
import math
import re
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import CleanConfig
from cleaner.errors import UsageError
from cleaner.html import parse_html
from cleaner.html.encoding import page_text
from cleaner.html.meta import iso_date
from cleaner.pipeline import Pipeline, Settle
from cleaner.readers import InputFile, read_file, read_stream
from cleaner.readers import warc as warc_reader
from cleaner.readers.files import input_format
from tests.warcs import (
    FETCHED,
    Rec,
    arc,
    arc_record,
    bgzf,
    crawl,
    http,
    lz4,
    page,
    pages,
    record_bytes,
    warc,
    zstd,
)

HEAD = "<html><head>{}</head><body><p>{}</p></body></html>"
WORDS = "Caf\u00e9 cr\u00e8me is served all day in the old town square near the river."


# -- encoding: BOM, then the HTTP header, then <meta>, then detection ---------------------

ENCODING_CASES = [
    # (label, bytes, header charset, expected codec, expected source)
    ("header wins over meta", HEAD.format('<meta charset="utf-8">', WORDS).encode("cp1252"),
     "windows-1252", "cp1252", "http"),
    ("meta when no header", HEAD.format('<meta charset="windows-1252">', WORDS).encode("cp1252"),
     None, "cp1252", "meta"),
    ("http-equiv meta", HEAD.format(
        '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">', WORDS
    ).encode("cp1252"), None, "cp1252", "meta"),
    ("unknown header label falls to meta", HEAD.format('<meta charset="utf-8">', WORDS).encode(),
     "x-no-such-thing", "utf-8", "meta"),
    ("detected when nothing says", HEAD.format("", WORDS).encode(), None, "utf-8", "detected"),
    ("BOM wins over the header", b"\xef\xbb\xbf" + HEAD.format("", WORDS).encode(),
     "windows-1252", "utf-8", "bom"),
    ("a charset= in a description is no label", HEAD.format(
        '<meta name="description" content="charset=koi8-r is great"><meta charset="utf-8">',
        WORDS).encode(), None, "utf-8", "meta"),
    ("content names a charset only with http-equiv", HEAD.format(
        '<meta name="x" content="text/html; charset=koi8-r">', WORDS).encode(),
     None, "utf-8", "detected"),
    ("http-equiv after content", HEAD.format(
        "<meta content='text/html; charset=windows-1252' http-equiv=content-type>", WORDS
    ).encode("cp1252"), None, "cp1252", "meta"),
    ("a UTF-16 header without BOM", HEAD.format("", WORDS).encode("utf-16-le"),
     "utf-16le", "utf-16-le", "http"),
    ("a UTF-16 header names no byte order: the bytes'", HEAD.format("", WORDS).encode(
        "utf-16-be"), "utf-16", "utf-16-be", "http"),
    ("UTF-16 without BOM or label", HEAD.format("", WORDS).encode("utf-16-be"),
     None, "utf-16-be", "detected"),
    ("a UTF-16 meta is no label", HEAD.format('<meta charset="utf-16">', WORDS).encode(),
     None, "utf-8", "detected"),
    ("a meta in a comment names nothing", HEAD.format(
        '<!-- old: <meta charset="koi8-r"> --><meta charset="utf-8">', WORDS).encode(),
     None, "utf-8", "meta"),
    ("a comment left open hides the rest", HEAD.format(
        '<!-- <meta charset="koi8-r">', WORDS).encode(), None, "utf-8", "detected"),
    ('"<!-->" is a whole comment', HEAD.format(
        '<!--><meta charset="windows-1252">', WORDS).encode("cp1252"), None, "cp1252", "meta"),
    # past the pre-scan, a label in a comment or a description is no label to detection
    ("a late label in a comment is none", HEAD.format(
        "<style>" + "p { margin: 0 }\n" * 320 + '</style><!-- <meta charset="koi8-r"> -->',
        WORDS).encode("cp1252"), None, "cp1252", "detected"),
    ("a late label in a description is none", HEAD.format(
        "<style>" + "p { margin: 0 }\n" * 320
        + '</style><meta name="description" content="Text; charset=koi8-r">',
        WORDS).encode("cp1252"), None, "cp1252", "detected"),
]  # fmt: skip

CJK = [  # (label, text with a character only the browsers' superset has)
    ("Shift_JIS", "髙橋さんは①番目のお客様です。"),
    ("gb2312", "朱镕基总理访问了这座城市。"),
    ("euc-kr", "똠방각하의 이야기입니다."),
]


@pytest.mark.parametrize(("label", "text"), CJK)
def test_a_cjk_legacy_label_is_read_as_the_superset_pages_are_written_in(
    label: str, text: str
) -> None:
    codec = {"Shift_JIS": "cp932", "gb2312": "gb18030", "euc-kr": "cp949"}[label]
    data = HEAD.format(f'<meta charset="{label}">', text).encode(codec)
    decoded = page_text(data)
    assert (decoded.encoding, decoded.source) == (codec, "meta")
    assert decoded.text is not None and text in decoded.text


RUSSIAN = "Привет, мир. Это русский текст на странице, и он достаточно длинный."


@pytest.mark.parametrize("header", ["utf-16le", None])
def test_utf16_outside_latin_without_bom_is_text(header: str | None) -> None:
    """UTF-16 Cyrillic has a control byte (0x04) in every other place: it was taken
    for binary data before the header's charset, or the bytes' look, was read."""
    parsed = parse_html(HEAD.format("", RUSSIAN).encode("utf-16-le"), header)
    assert parsed.text == RUSSIAN
    assert (parsed.encoding, parsed.encoding_source) == (
        "utf-16-le",
        "http" if header else "detected",
    )


def test_16_bit_samples_are_no_utf16_page() -> None:
    """A quiet sound's samples have a zero byte in every other place, as UTF-16 markup
    does; decoded, they are control and unassigned characters, not a page."""
    pcm = b"".join(struct.pack("<h", int(100 * math.sin(i / 10))) for i in range(20000))
    decoded = page_text(pcm)
    assert decoded.text is None and "binary data, not HTML" in (decoded.problem or "")


@pytest.mark.parametrize(
    "label", ["hex", "base64", "rot13", "zlib", "idna", "punycode", "undefined", "utf-7"]
)
def test_a_label_of_a_python_transform_is_passed_over(label: str) -> None:
    """Python knows these names, but as no charset of a page: "hex" raised a
    LookupError that ended the run, "idna" a UnicodeError that cut a WARC short."""
    data = HEAD.format(f'<meta charset="{label}">', WORDS).encode("utf-8")
    decoded = page_text(data)
    assert decoded.source == "detected" and WORDS in (decoded.text or "")
    assert page_text(data, label).source == "detected"  # the HTTP header's as well


@pytest.mark.parametrize("case", ENCODING_CASES, ids=lambda c: c[0])
def test_encoding_order(case: tuple[str, bytes, str | None, str, str]) -> None:
    _, data, header, codec, source = case
    decoded = page_text(data, header)
    assert (decoded.encoding, decoded.source) == (codec, source)
    assert decoded.text is not None and WORDS in decoded.text


@pytest.mark.parametrize("where", ["meta", "http"])
@pytest.mark.parametrize("mark", [b"", codecs.BOM_UTF8])
def test_a_utf_8_sig_label_loses_no_bytes(where: str, mark: bytes) -> None:
    """Python's name for UTF-8 read past a byte order mark dropped a page's first three
    bytes whether or not they were a mark ("Hello" read "lo")."""
    data = mark + ("Hello there. " + HEAD.format("", WORDS)).encode()
    if where == "meta":
        data = data.replace(b"<head>", b'<head><meta charset="utf-8-sig">')
    decoded = page_text(data, "utf-8-sig" if where == "http" else None)
    assert decoded.encoding == "utf-8" and decoded.text is not None
    assert decoded.text.startswith("Hello there. ") and WORDS in decoded.text


def test_a_wrong_header_charset_is_believed_as_a_browser_would() -> None:
    # the header outranks the page: a UTF-8 page served as windows-1252 reads as mojibake,
    # which the repair stage (ftfy) mends later
    page_bytes = HEAD.format('<meta charset="utf-8">', WORDS).encode()
    parsed = parse_html(page_bytes, "windows-1252")
    assert parsed.encoding == "cp1252" and "CafÃ©" in parsed.text


# -- metadata from the markup ----------------------------------------------------------


def test_metadata_from_the_markup_holds_no_control_characters() -> None:
    """The text's repair takes a terminal's escapes out of the page's lines; the title,
    author and language read from the markup kept them ("Evil\x1b[2J\x07 title")."""
    data = (
        '<html lang="\x1b[31men"><head><title>Evil\x1b[2J\x07 title</title>'
        '<meta name="author" content="Ann\x1b]0;pwn\x07 Lee\x9d"></head>'
        f"<body><p>{WORDS}</p></body></html>"
    ).encode()
    page = parse_html(data)
    assert (page.title, page.author, page.language) == ("Evil title", "Ann Lee", "en")


META_CASES = [
    ("og:title over <title>; site named by the page is cut",
     '<title>Long | Site</title><meta property="og:title" content="Clouds | Site">'
     '<meta property="og:site_name" content="Site">',
     {"title": "Clouds"}),
    ("no og:site_name: the title stays whole",
     "<title>Clouds explained | Example News</title>",
     {"title": "Clouds explained | Example News"}),
    ("article:published_time to an ISO date",
     '<meta property="article:published_time" content="2024-06-20T10:00:00+02:00">',
     {"date": "2024-06-20"}),
    ("JSON-LD datePublished and author.name, in a @graph",
     '<script type="application/ld+json">{"@graph": [{"@type": "Article", '
     '"datePublished": "2023-01-05", "author": [{"name": "Ann Lee"}]}]}</script>',
     {"date": "2023-01-05", "author": "Ann Lee"}),
    ("meta author; a URL as author is no name",
     '<meta name="author" content="Bo Diaz"><meta property="article:author" '
     'content="https://x.org/bo">',
     {"author": "Bo Diaz"}),
    ("canonical link; a relative one is not an address",
     '<link rel="canonical" href="/a"><meta property="og:url" content="https://x.org/a">',
     {"url": "https://x.org/a"}),
    ("broken JSON-LD is passed over", '<script type="application/ld+json">{"a": </script>',
     {"date": None, "author": None}),
    ("a JSON-LD type with a parameter, in any case",
     '<script type="Application/LD+JSON; charset=utf-8">{"datePublished": "2022-03-04", '
     '"author": {"name": "Cy Park"}}</script>',
     {"date": "2022-03-04", "author": "Cy Park"}),
    ("a @graph of one object",
     '<script type="application/ld+json">{"@graph": {"@type": "Article", '
     '"datePublished": "2021-07-08"}}</script>',
     {"date": "2021-07-08"}),
]  # fmt: skip


@pytest.mark.parametrize("case", META_CASES, ids=lambda c: c[0])
def test_page_metadata(case: tuple[str, str, dict[str, Any]]) -> None:
    _, head, expected = case
    parsed = parse_html(HEAD.format(head, WORDS).encode())
    assert {key: getattr(parsed, key) for key in expected} == expected


@pytest.mark.parametrize("head", ["", "<title>The page</title>"])
def test_an_inline_svg_title_is_not_the_page_title(head: str) -> None:
    icon = "<svg><title>Icon</title></svg><math><title>Formula</title></math>"
    parsed = parse_html(f"<html><head>{head}</head><body>{icon}<p>Body text.</p>".encode())
    title = "The page" if head else None
    assert parsed.title == title
    assert parsed.text.split("\n") == ([title, ""] if title else []) + ["Body text."]


def test_time_element_and_html_lang() -> None:
    body = '<html lang="de-AT"><body><article><time datetime="2022-02-03">3.2.</time>'
    parsed = parse_html((body + f"<p>{WORDS}</p></article>").encode())
    assert (parsed.date, parsed.language) == ("2022-02-03", "de-AT")


@pytest.mark.parametrize(
    "value",
    [
        "2024-13-01",
        "yesterday",
        "",
        "0000-01-01T00:00",
        "2024-02-31",
        "February 31, 2024",
        "2023-02-29",
        "31 April 2022",
    ],
)
def test_a_date_that_is_no_calendar_date_is_left_out(value: str) -> None:
    assert iso_date(value) is None


def test_broken_html_parses() -> None:
    broken = b"<html><body><div><p>First part<table><tr><td>cell</p></b></i><p>Second \xff part"
    parsed = parse_html(broken)
    assert "First part" in parsed.text and "Second" in parsed.text and "cell" in parsed.text


# -- .html files -----------------------------------------------------------------------


def test_html_file_gives_one_document_with_its_metadata(tmp_path: Path) -> None:
    path = tmp_path / "wcxb-5592.html"
    path.write_bytes(page("wcxb-5592"))
    entry = read_file(path, path.name)
    [doc] = entry.documents
    assert entry.outcome == "read" and entry.encoding == "utf-8"
    assert doc.title and doc.title.startswith("Fitness Transformation")
    assert (doc.date, doc.author) == ("2026-02-03", "Christy Gammel")
    assert doc.meta["html_lang"] == "en-US" and doc.meta["url"].startswith("https://")
    assert doc.hints is not None and len(doc.hints) == len(doc.text.split("\n"))
    assert "<" not in doc.text


@pytest.mark.parametrize("name", ["a.html.gz", "a.htm", "A.HTML", "a.html.zst"])
def test_html_names_and_compression(tmp_path: Path, name: str) -> None:
    import zstandard

    body = page("wcxb-0482")
    data = {".gz": gzip.compress(body), ".zst": zstandard.ZstdCompressor().compress(body)}
    path = tmp_path / name
    path.write_bytes(data.get(path.suffix, body))
    entry = read_file(path, name)
    assert input_format(name) == "html"
    assert entry.outcome == "read" and entry.documents[0].title == "How to Choose a Tool"


BAD_FILES = [
    # (label, name, bytes, words the one-line reason holds)
    ("a PNG named .html", "logo.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "PNG image"),
    ("random bytes", "x.html", bytes(range(256)) * 40, "binary data"),
    ("empty", "e.html", b"  \n", "empty file"),
    ("a page with no text", "s.html", b"<html><script>var a = 1;</script></html>", "no text"),
    ("gzip cut short", "a.html.gz", gzip.compress(page("wcxb-0541"))[:2000], "damaged"),
    ("an ARC file with no page", "old.arc.gz",
     gzip.compress(b"filedesc://x 0.0.0.0 20080130143512 text/plain 1\n1\n"),
     "no HTML pages among its 1 records (skipped: arc-header 1)"),
    ("a text file named .arc", "notes.arc", b"Meeting notes, not a crawl.\n", "no ARC record"),
]  # fmt: skip


def test_missing_html_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real_import = builtins.__import__

    def no_selectolax(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("selectolax"):
            raise ModuleNotFoundError("No module named 'selectolax'", name="selectolax")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_selectolax)
    for name, data in {"a.html": page("wcxb-4207"), "c.warc.gz": crawl()}.items():
        (tmp_path / name).write_bytes(data)
        entry = read_file(tmp_path / name, name)
        assert entry.outcome == "rejected"
        assert "reading this format needs the 'html' extra; install cleaner[html]" in (
            entry.reason or ""
        )


# -- ARC files -------------------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("gz", [True, False], ids=["arc.gz", "arc"])
def test_arc_gives_one_document_per_html_response(tmp_path: Path, version: int, gz: bool) -> None:
    path = tmp_path / ("crawl.arc.gz" if gz else "crawl.arc")
    path.write_bytes(arc(version, gz))
    entry = read_file(path, path.name)
    assert input_format(path.name) == "arc"
    assert entry.outcome == "read" and entry.count == len(pages())
    assert [d.title for d in entry.documents] == [parse_html(b).title for b in pages().values()]
    assert [d.meta["url"] for d in entry.documents] == [
        f"http://example.org/page/{i}" for i in range(len(pages()))
    ]
    assert all(d.meta["fetch_date"] == "2008-01-30T14:35:12Z" for d in entry.documents)
    assert entry.to_dict()["skipped"] == {
        "arc-header": 1,  # the file's own first record
        "other-record": 1,  # a DNS lookup
        "not-html": 1,
        "http-status": 1,
    }
    assert entry.encoding == f"utf-8 (http {len(pages())})" and entry.rejections == []


def test_arc_http_headers_are_read_however_many_and_however_cased(tmp_path: Path) -> None:
    """Any number of headers (a crawler kept them all), names in any case, a line that
    is no header: the page is read, with the charset its header gives."""
    latin = HEAD.format("", WORDS).encode("cp1252")
    many = "".join(f"X-Trace-{i}: {i}\r\n" for i in range(150))
    head = f"HTTP/1.0 200 OK\r\n{many}not a header\r\ncontent-TYPE: text/html; charset=cp1252"
    path = tmp_path / "h.arc"
    path.write_bytes(arc_record("http://a.org/", head.encode() + b"\r\n\r\n" + latin))
    entry = read_file(path, path.name)
    assert entry.count == 1 and WORDS in entry.documents[0].text
    assert entry.encoding == "cp1252 (http 1)"


def test_an_arc_record_cut_short_is_rejected_and_the_pages_before_kept(tmp_path: Path) -> None:
    body = http(page("wcxb-0541"))
    records = [arc_record(f"http://b.org/{i}", body) for i in range(3)]
    data = b"".join(records)
    path = tmp_path / "cut.arc"
    path.write_bytes(data[: len(data) - len(body) // 2])
    entry = read_file(path, path.name)
    assert entry.outcome == "read" and entry.count == 2
    [rejection] = entry.rejections
    assert rejection.rule == "damaged-file" and rejection.line == 3
    assert "record 3 (http://b.org/2): cut short" in rejection.message


def test_a_gzip_member_cut_after_an_arc_page_keeps_the_page(tmp_path: Path) -> None:
    """A gzipped ARC is one stream: damage ends it, but the page whose member was whole
    before it stays (the damage is in the next member, not in its length)."""
    members = [
        gzip.compress(arc_record(f"http://b.org/{i}", http(page("wcxb-0541")))) for i in range(3)
    ]
    path = tmp_path / "cut.arc.gz"
    path.write_bytes(b"".join(members[:2]) + members[2][:12])
    entry = read_file(path, path.name)
    assert entry.outcome == "read" and entry.count == 2
    [rest] = entry.rejections
    assert rest.rule == "damaged-file" and "damaged after 2 documents" in rest.message


@pytest.mark.parametrize("version", [1, 2])
def test_an_arc_header_with_spaces_in_its_url_or_type_is_read(tmp_path: Path, version: int) -> None:
    """Old crawlers wrote a URL with a space in it, or a content type with its charset,
    into the header line: it was taken for bytes that are no header, and ended the file."""
    body = http(page("wcxb-0541"))
    urls = ["http://b.org/0", "http://b.org/my page.html", "http://b.org/2"]
    records = [arc_record(url, body, version=version) for url in urls]
    records[2] = arc_record(urls[2], body, "text/html; charset=utf-8", version)
    path = tmp_path / "spaces.arc"
    path.write_bytes(b"".join(records))
    entry = read_file(path, path.name)
    assert [d.meta["url"] for d in entry.documents] == urls
    assert entry.rejections == []


def test_bytes_that_are_no_arc_header_end_the_file(tmp_path: Path) -> None:
    """The page read last before them is not kept: a length that was wrong would put the
    next header where it is not."""
    body = http(page("wcxb-0541"))
    records = [arc_record(f"http://b.org/{i}", body) for i in range(3)]
    path = tmp_path / "junk.arc"
    path.write_bytes(b"".join(records[:2]) + b"\x00\x01 not a header\n" + records[2])
    entry = read_file(path, path.name)
    assert entry.outcome == "read" and entry.count == 1
    suspect, rest = entry.rejections
    assert (
        suspect.line == 2 and "not kept, as the file is damaged right after it" in suspect.message
    )
    assert rest.rule == "damaged-file" and "no ARC record header" in rest.message


# -- WARC files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["crawl.warc.gz", "crawl.warc", "crawl.warc.zst", "crawl.warc.lz4", "C.WARC.LZ4"]
)
def test_warc_gives_one_document_per_html_response(tmp_path: Path, name: str) -> None:
    import zstandard

    data = crawl(gz=name.endswith(".gz"))
    if name.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    if name.lower().endswith(".lz4"):
        data = lz4(data)
    path = tmp_path / name
    path.write_bytes(data)
    entry = read_file(path, name)
    titles = {parse_html(body).title for body in pages().values()}
    assert entry.outcome == "read" and entry.count == len(pages())
    assert {d.title for d in entry.documents} == titles
    assert [d.meta["url"] for d in entry.documents] == [
        f"https://example.org/page/{i}" for i in range(len(pages()))
    ]
    assert all(d.meta["fetch_date"] == FETCHED for d in entry.documents)
    assert len({d.id for d in entry.documents}) == len(pages())
    assert entry.to_dict()["skipped"] == {
        "http-status": 1,
        "metadata-record": 1,
        "not-html": 1,
        "request-record": len(pages()),
        "warcinfo-record": 1,
    }
    assert entry.encoding == f"utf-8 (http {len(pages())})"
    assert entry.rejections == []


def test_warc_encoding_says_what_decided(tmp_path: Path) -> None:
    latin = HEAD.format('<meta charset="windows-1252">', WORDS).encode("cp1252")
    records = [
        Rec("response", "https://a.org/1", latin, ctype="text/html"),
        Rec("response", "https://a.org/2", latin, ctype="text/html; charset=iso-8859-1"),
        Rec("response", "https://a.org/3", HEAD.format("", WORDS).encode(), ctype=None),
    ]
    path = tmp_path / "a.warc"
    path.write_bytes(warc(records, gz=False))
    entry = read_file(path, "a.warc")
    assert entry.count == 3 and all(WORDS in d.text for d in entry.documents)
    assert entry.encoding == "cp1252 (http 1, meta 1); utf-8 (detected 1)"


def test_resource_record_of_html_is_a_page(tmp_path: Path) -> None:
    body = page("wcxb-0541")
    path = tmp_path / "r.warc.gz"
    path.write_bytes(warc([Rec("resource", "https://a.org/r", body, ctype="text/html")]))
    entry = read_file(path, path.name)
    assert entry.count == 1 and entry.documents[0].meta["url"] == "https://a.org/r"


@pytest.mark.parametrize("gz", [True, False], ids=["gzip member cut", "plain record cut"])
def test_a_truncated_record_is_rejected_and_the_rest_read(tmp_path: Path, gz: bool) -> None:
    data = crawl(gz)
    records = [
        Rec("response", f"https://b.org/{i}", body) for i, body in enumerate(pages().values())
    ]
    data = warc(records, gz)
    last = len(warc(records[-1:], gz))
    cut = data[: len(data) - last // 2]
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    path.write_bytes(cut)
    entry = read_file(path, path.name)
    assert entry.outcome == "read" and entry.count == len(records) - 1
    [rejection] = entry.rejections
    assert rejection.rule == "damaged-file" and rejection.line == len(records)
    assert f"record {len(records)} (https://b.org/{len(records) - 1})" in rejection.message
    assert "cut short" in rejection.message and "\n" not in rejection.message


def test_a_warc_header_with_no_content_length_is_not_called_the_file_s_end(
    tmp_path: Path,
) -> None:
    records = [Rec("response", f"https://b.org/{i}", page("wcxb-0541")) for i in range(3)]
    parts = [warc([r], gz=False) for r in records]
    parts[1] = re.sub(rb"Content-Length: \d+\r\n", b"", parts[1], count=1)
    entry = read_as(tmp_path, "nolength.warc", b"".join(parts))
    assert entry.count == 1 and entry.rejections
    assert "record 2 (https://b.org/1): its WARC header has no Content-Length" in (
        entry.rejections[0].message
    )
    assert "the file ends" not in " ".join(r.message for r in entry.rejections)


@pytest.mark.parametrize("cut", [10, 30, 60, 120])
def test_a_file_cut_inside_a_warc_header_is_a_damaged_record(tmp_path: Path, cut: int) -> None:
    records = [Rec("response", f"https://b.org/{i}", page("wcxb-0541")) for i in range(3)]
    data = warc(records, gz=False)
    start = len(warc(records[:2], gz=False))
    path = tmp_path / "cut.warc"
    path.write_bytes(data[: start + cut])
    entry = read_file(path, path.name)
    assert entry.outcome == "read" and entry.count == 2 and entry.skipped == {}
    [rejection] = entry.rejections
    assert rejection.rule == "damaged-file" and rejection.line == 3
    assert "record 3: its WARC header has no Content-Length (the file may end inside it)" in (
        rejection.message
    )


@pytest.mark.parametrize("damage", ["cut in half", "trailer lost", "header cut"])
def test_a_damaged_gzip_member_costs_its_own_record_only(tmp_path: Path, damage: str) -> None:
    records = [
        Rec("response", f"https://b.org/{i}", body) for i, body in enumerate(pages().values())
    ]
    parts = [warc([r]) for r in records]
    bad = {
        "cut in half": parts[1][: len(parts[1]) // 2],
        "trailer lost": parts[1][:-8],
        "header cut": parts[1][:10],
    }[damage]
    path = tmp_path / "damaged.warc.gz"
    path.write_bytes(parts[0] + bad + b"".join(parts[2:]))
    entry = read_file(path, path.name)
    assert entry.outcome == "read" and entry.count == len(records) - 1
    assert [d.meta["url"] for d in entry.documents] == [
        r.url for i, r in enumerate(records) if i != 1
    ]
    assert entry.skipped == {} and entry.encoding == f"utf-8 (http {len(records) - 1})"
    [rejection] = entry.rejections
    assert rejection.rule == "damaged-file" and rejection.line == 2
    assert "record 2" in rejection.message and "gzip member" in rejection.message
    assert "with any record after it in that member" in rejection.message


NO_WARC = gzip.compress(b"hello, this is no WARC record\n" * 3, mtime=0)
STRAY = [
    # (label, bytes put between members, where: after which record)
    ("zeros", bytes(500), 1),
    ("text", b"spliced in, no gzip\n" * 10, 1),
    ("zeros, then a gzip member that is no WARC", bytes(50) + NO_WARC, 1),
    ("a gzip member that is no WARC", NO_WARC, 2),
    ("at the end", bytes(300), 4),
    ("before the first member", b"spliced in, no gzip\n" * 10, 0),
]


@pytest.mark.parametrize("case", STRAY, ids=lambda c: c[0])
def test_bytes_between_gzip_members_are_reported_and_the_rest_read(
    tmp_path: Path, case: tuple[str, bytes, int]
) -> None:
    _, stray, after = case
    records = [
        Rec("response", f"https://b.org/{i}", body) for i, body in enumerate(pages().values())
    ]
    parts = [warc([r]) for r in records]
    start = len(b"".join(parts[:after]))
    path = tmp_path / "stray.warc.gz"
    path.write_bytes(b"".join(parts[:after]) + stray + b"".join(parts[after:]))
    entry = read_file(path, path.name)
    assert entry.outcome == "read" and entry.count == len(records)
    assert [d.meta["url"] for d in entry.documents] == [r.url for r in records]
    [rejection] = entry.rejections
    assert rejection.rule == "damaged-file" and rejection.line is None
    where = f" after record {after}" if after else ""
    assert rejection.message == (
        f"stray.warc.gz: {len(stray)} bytes{where} (at byte offset {start}) are no gzip "
        "member of WARC records and were skipped; re-download the file"
    )


_JUNK = st.one_of(
    st.integers(1, 3000).map(bytes),  # zeros
    st.integers(1, 50).map(lambda n: b"junk text\n" * n),
    st.integers(1, 30).map(lambda n: gzip.compress(b"no WARC here\n" * n, mtime=0)),
)


_BLANK = gzip.compress(b"\r\n\r\n", mtime=0)  # a member of a record's closing lines alone


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.just(_BLANK), _JUNK), min_size=1, max_size=7))
def test_any_mix_of_members_and_junk_reads_every_record(parts: list[bytes | None]) -> None:
    """None is a page's gzip member. Every page is read, in order, and each run of bytes
    that are no member of WARC records (before, between or after the members) is one
    row with its size, offset and the record it follows; a member of blank lines only
    ends such a run, as a page's does."""
    bodies = list(pages().values())
    data, urls, rows, run = b"", [], [], None
    for part in [*parts, None] if None not in parts else parts:
        member = part is None or part is _BLANK
        if member and run is not None:
            rows.append(run)
            run = None
        if part is None:
            url = f"https://b.org/{len(urls)}"
            part = warc([Rec("response", url, bodies[len(urls) % len(bodies)])])
            urls.append(url)
        elif not member and run is None:
            run = [len(data), len(part), len(urls)]
        elif not member:
            run[1] += len(part)
        data += part
    if run is not None:
        rows.append(run)
    with tempfile.TemporaryDirectory() as folder:  # a fixture's folder outlives examples
        path = Path(folder) / "mix.warc.gz"
        path.write_bytes(data)
        entry = read_file(path, path.name)
    assert [d.meta["url"] for d in entry.documents] == urls
    assert [r.message for r in entry.rejections] == [
        f"mix.warc.gz: {size} bytes{f' after record {after}' if after else ''} (at byte offset "
        f"{start}) are no gzip member of WARC records and were skipped; re-download the file"
        for start, size, after in rows
    ]


def test_a_plain_warc_with_gzip_bytes_is_not_read_as_gzip(tmp_path: Path) -> None:
    """A plain WARC that opens with a blank line (FastWARC passes it over) and holds a
    gzip payload in its first bytes: no bytes before it make it a gzip WARC."""
    records = [
        Rec("response", f"https://b.org/{i}", body) for i, body in enumerate(pages().values())
    ]
    records.insert(1, Rec("response", "https://b.org/x.gz", NO_WARC, ctype="application/gzip"))
    path = tmp_path / "p.warc"
    path.write_bytes(b"\r\n" + warc(records, gz=False))
    entry = read_file(path, path.name)
    assert entry.outcome == "read" and entry.rejections == []
    assert entry.count == len(records) - 1 and entry.skipped == {"not-html": 1}


def test_a_zstd_warc_whose_dictionary_holds_gzip_bytes_is_read(tmp_path: Path) -> None:
    """A zstd WARC opens with its dictionary in a skippable frame; trained on records
    with gzip payloads, the dictionary holds gzip bytes, which make no gzip WARC."""
    bodies = list(pages().values())
    records = [Rec("response", f"https://b.org/{i}", body) for i, body in enumerate(bodies)]
    packed = [
        Rec("response", f"https://b.org/gz{i}", gzip.compress(body[:3000] + bytes([i]), mtime=0),
            ctype="application/gzip")
        for i, body in enumerate(bodies * 10)
    ]  # fmt: skip
    dictionary = zstandard.train_dictionary(8192, [r.body for r in records + packed] * 3)
    raw = dictionary.as_bytes()  # of payloads: gzip bytes in it, and no "WARC/" before them
    assert b"\x1f\x8b\x08" in raw and b"WARC/" not in raw
    compressor = zstandard.ZstdCompressor(dict_data=dictionary)
    frames = b"".join(compressor.compress(record_bytes(r)) for r in records + packed[:3])
    path = tmp_path / "d.warc.zst"
    path.write_bytes(struct.pack("<II", 0x184D2A5D, len(raw)) + raw + frames)
    entry = read_file(path, path.name)
    assert entry.outcome == "read" and entry.rejections == []
    assert [d.meta["url"] for d in entry.documents] == [r.url for r in records]
    assert entry.skipped == {"not-html": 3}


def test_gzip_members_may_open_with_blank_lines(tmp_path: Path) -> None:
    """A writer that puts each record's closing blank lines in the next member, and a
    member of blank lines alone: every record read, nothing reported."""
    records = [
        Rec("response", f"https://b.org/{i}", body) for i, body in enumerate(pages().values())
    ]
    raw = [record_bytes(r) for r in records]
    assert all(r.endswith(b"\r\n\r\n") for r in raw)
    moved = [raw[0][:-4]] + [b"\r\n\r\n" + r[:-4] for r in raw[1:]] + [b"\r\n\r\n"]
    path = tmp_path / "m.warc.gz"
    path.write_bytes(b"".join(gzip.compress(part, mtime=0) for part in moved))
    entry = read_file(path, path.name)
    assert entry.outcome == "read" and entry.rejections == []
    assert [d.meta["url"] for d in entry.documents] == [r.url for r in records]


def test_a_warc_bgzip_compressed_is_read_whole(tmp_path: Path) -> None:
    """bgzip's members split records: read as one stream, every page is there."""
    records = [
        Rec("response", f"https://b.org/{i}", body) for i, body in enumerate(pages().values())
    ]
    path = tmp_path / "b.warc.gz"
    path.write_bytes(bgzf(warc(records, gz=False)))
    entry = read_file(path, path.name)
    assert entry.outcome == "read" and entry.rejections == []
    assert [d.meta["url"] for d in entry.documents] == [r.url for r in records]


CODECS = {"zstd": zstd, "LZ4": lz4, "uncompressed": lambda data: data}
BROKEN = [
    # (codec, what is wrong at the fifth record's frame, records kept, the record named
    # as not kept, the file's damage row)
    ("zstd", "zeros before it", 3, 4, "zstd stream is damaged after 3 documents"),
    ("zstd", "damaged", 4, 5, "zstd stream is damaged after 4 documents"),
    ("LZ4", "zeros before it", 3, 4, "file is damaged after 3 documents"),
    ("LZ4", "damaged", 3, 4, "file is damaged after 3 documents"),
    ("uncompressed", "zeros before it", 3, 4, "file is damaged after 3 documents"),
]


def hurt(data: bytes) -> bytes:
    """``data`` with 32 bytes in its middle zeroed."""
    middle = len(data) // 2
    return data[:middle] + bytes(32) + data[middle + 32 :]


@pytest.mark.parametrize("case", BROKEN, ids=lambda c: f"{c[0]}, {c[1]}")
def test_a_warc_stream_that_breaks_is_read_to_the_break_and_the_rest_reported(
    tmp_path: Path, case: tuple[str, str, int, int, str]
) -> None:
    codec, damage, kept, named, words = case
    bodies = list(pages().values()) * 2
    records = [Rec("response", f"https://b.org/{i}", body) for i, body in enumerate(bodies)]
    frames = [CODECS[codec](record_bytes(r)) for r in records]  # a frame per record
    fifth = bytes(100) + frames[4] if damage == "zeros before it" else hurt(frames[4])
    path = tmp_path / ("b.warc.zst" if codec == "zstd" else "b.warc")
    path.write_bytes(b"".join(frames[:4]) + fifth + b"".join(frames[5:]))
    entry = read_file(path, path.name)
    assert entry.outcome == "read"
    assert [d.meta["url"] for d in entry.documents] == [r.url for r in records[:kept]]
    # the record read last may hold the start of the damage: it is named, not kept
    suspect, rest = entry.rejections
    assert suspect.rule == rest.rule == "damaged-file" and suspect.line == named
    assert suspect.message == (
        f"{path.name}: record {named} ({records[named - 1].url}): not kept, as the file "
        "is damaged right after it (the damage may begin inside it); re-download the file"
    )
    assert rest.message.startswith(f"{path.name}: {words} (") and "\n" not in rest.message
    assert rest.message.endswith("; re-create or re-download it")


@pytest.mark.parametrize("lead", [b"", b"\r\n", b"\n \r\n"])  # a WARC may open with blank lines
@pytest.mark.parametrize("zeros", [1, 4096, 70_000, 300_000])
def test_zeros_after_the_last_record_of_a_plain_warc_are_padding(
    tmp_path: Path, zeros: int, lead: bytes
) -> None:
    # a disk or tape pads a file with zeros: every page is kept, nothing is damaged
    records = [Rec("response", f"https://b.org/{i}", b) for i, b in enumerate(pages().values())]
    data = lead + warc(records, gz=False)
    path = tmp_path / "p.warc"
    path.write_bytes(data + bytes(zeros))
    entry = read_file(path, path.name)
    assert [d.meta["url"] for d in entry.documents] == [r.url for r in records]
    assert entry.rejections == [] and entry.outcome == "read"
    # zeros with a record after them are damage still, wherever the reads split them
    path.write_bytes(data + bytes(zeros) + record_bytes(records[0]))
    entry = read_file(path, path.name)
    assert [d.meta["url"] for d in entry.documents] == [r.url for r in records[:-1]]
    assert [r.line for r in entry.rejections] == [len(records), None]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([b"WARC/1.1\r\n", b"\r\nWARC/1.1\r\n", b"\x28\xb5\x2f\xfd"]),  # plain, zstd
    st.lists(st.one_of(st.binary(max_size=300), st.integers(1, 2_000).map(bytes)), max_size=6),
    st.integers(1, 900),
)
def test_a_warc_stream_loses_only_the_zeros_a_plain_warc_ends_in(
    head: bytes, parts: list[bytes], size: int
) -> None:
    """Read in any size, the stream FastWARC reads is the file's bytes in order, less
    the zeros at the very end of an uncompressed WARC (a zstd frame may end in a zero).
    The reader looks past zeros 256 bytes at a time here, so that runs of zeros span
    several of its reads ahead in a small file."""
    data = head + b"".join(parts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(warc_reader, "_BLOCK", 256)
        stream = warc_reader._Forward(io.BufferedReader(io.BytesIO(data)))
        got = b"".join(iter(lambda: stream.read(size), b""))
    assert got == (data.rstrip(b"\0") if head.lstrip().startswith(b"WARC/") else data)
    assert stream.tell() == len(got)


@pytest.mark.parametrize("damage", ["cut in half", "damaged in the middle"])
@pytest.mark.parametrize("codec", ["zstd", "LZ4"])
def test_a_warc_in_one_damaged_zstd_or_lz4_frame_is_reported(
    tmp_path: Path, codec: str, damage: str
) -> None:
    records = [
        Rec("response", f"https://b.org/{i}", body) for i, body in enumerate(pages().values())
    ]
    data = CODECS[codec](warc(records, gz=False))
    path = tmp_path / ("b.warc.zst" if codec == "zstd" else "b.warc")
    path.write_bytes(data[: len(data) // 2] if damage == "cut in half" else hurt(data))
    entry = read_file(path, path.name)
    assert entry.reason and "is damaged" in entry.reason and "\n" not in entry.message
    assert entry.reason.endswith("; re-create or re-download it")
    assert [d.meta["url"] for d in entry.documents] == [r.url for r in records[: entry.count]]
    assert entry.count < len(records)


BAD_WARCS = [
    ("text named .warc", "notes.warc", b"hello, this is not a WARC file\n" * 20, "damaged"),
    ("empty .warc", "e.warc", b"", "no WARC records; is it a WARC file?"),
    ("text with a false gzip start", "t.warc.gz", b"text\n" * 9 + NO_WARC[:3] + b"x" * 99,
     "no WARC records; is it a WARC file?"),
    ("text, then a gzip member that is no WARC", "t.warc.gz", b"text\n" * 9 + NO_WARC,
     "no WARC records; is it a WARC file?"),
    ("no HTML in it", "img.warc",
     warc([Rec("response", "https://a.org/x.png", b"\x89PNG", ctype="image/png")], gz=False),
     "no HTML pages among its 1 records (skipped: not-html 1)"),
]  # fmt: skip


@pytest.mark.parametrize("case", BAD_FILES + BAD_WARCS, ids=lambda c: c[0])
def test_bad_html_and_warc_input_is_rejected_with_one_line(
    tmp_path: Path, case: tuple[str, str, bytes, str]
) -> None:
    _, name, data, words = case
    path = tmp_path / name
    path.write_bytes(data)
    entry = read_file(path, name)
    assert entry.outcome == "rejected" and entry.documents == []
    assert words in (entry.reason or "") and "\n" not in entry.message
    assert entry.sha256 == hashlib.sha256(data).hexdigest()


def test_a_gzip_encoded_chunked_response_is_decoded(tmp_path: Path) -> None:
    body = page("wcxb-4207")
    packed = gzip.compress(body)
    chunked = b"".join(
        b"%x\r\n%s\r\n" % (len(packed[i : i + 500]), packed[i : i + 500])
        for i in range(0, len(packed), 500)
    )
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    raw = Rec("resource", "https://a.org/z", head + chunked + b"0\r\n\r\n",
              ctype="application/http; msgtype=response")  # fmt: skip
    data = warc([raw], gz=False).replace(b"WARC-Type: resource", b"WARC-Type: response")
    path = tmp_path / "z.warc"
    path.write_bytes(data)
    entry = read_file(path, "z.warc")
    assert entry.count == 1 and entry.documents[0].title == parse_html(body).title


def test_a_page_after_an_interim_response_is_the_final_responses(tmp_path: Path) -> None:
    """A crawler that sent "Expect: 100-continue" keeps the interim head before the
    final one: the page was skipped as http-status (and its file rejected)."""
    body = page("wcxb-0541")
    head = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    raw = Rec(
        "resource", "https://a.org/c", head + body, ctype="application/http; msgtype=response"
    )
    data = warc([raw], gz=False).replace(b"WARC-Type: resource", b"WARC-Type: response")
    entry = read_as(tmp_path, "continue.warc", data)
    assert entry.count == 1 and entry.documents[0].title == parse_html(body).title


def raw_response(url: str, headers: str, body: bytes) -> bytes:
    """A response record whose HTTP head is ``headers`` (CRLF-separated lines) as given."""
    head = f"HTTP/1.1 200 OK\r\n{headers}\r\n\r\n".encode()
    raw = Rec("resource", url, head + body, ctype="application/http; msgtype=response")
    return warc([raw], gz=False).replace(b"WARC-Type: resource", b"WARC-Type: response")


def read_as(tmp_path: Path, name: str, data: bytes) -> InputFile:
    """``data`` written to a file ``name`` and read back as a run reads it."""
    path = tmp_path / name
    path.write_bytes(data)
    return read_file(path, name)


def _brotli(data: bytes) -> bytes:
    import brotli

    return bytes(brotli.compress(data, quality=1))


BOMBS = {  # 20 MiB of HTML in a few KB
    "gzip": lambda data: gzip.compress(data, compresslevel=1),
    "deflate": lambda data: zlib.compress(data, 1),
    "br": _brotli,
}


@pytest.mark.parametrize("coding", BOMBS)
def test_a_content_encoding_that_expands_past_a_page_is_rejected(
    tmp_path: Path, coding: str
) -> None:
    bomb = BOMBS[coding](b"<html><body><p>" + b"a" * (20 << 20))
    assert len(bomb) < 100_000
    data = raw_response(
        "https://a.org/bomb", f"Content-Type: text/html\r\nContent-Encoding: {coding}", bomb
    )
    data += raw_response("https://a.org/ok", "Content-Type: text/html", page("wcxb-0541"))
    entry = read_as(tmp_path, "bomb.warc", data)
    assert entry.outcome == "read" and entry.count == 1
    [rejection] = entry.rejections
    assert rejection.rule == "record-too-long" and rejection.line == 1
    assert "record 1 (https://a.org/bomb)" in rejection.message
    assert "expands past 16 MiB" in rejection.message and "\n" not in rejection.message


def test_a_gzip_body_of_several_members_is_decoded_whole(tmp_path: Path) -> None:
    """A gzip stream may hold members one after another (RFC 1952): the page was cut to
    its first member's part, with no word of the rest. Members that together expand past
    a page are still rejected."""
    first = b"<html><body><p>The first part of the page, a sentence long enough to keep.</p>"
    second = b"<p>The second part, sent as a second gzip member, stays too.</p></body></html>"
    body = gzip.compress(first) + gzip.compress(second)
    data = raw_response(
        "https://a.org/m", "Content-Type: text/html\r\nContent-Encoding: gzip", body
    )
    [doc] = read_as(tmp_path, "members.warc", data).documents
    assert "first part" in doc.text and "second part" in doc.text
    part = gzip.compress(b"<html><body><p>" + b"a" * (9 << 20), compresslevel=1)
    data = raw_response(
        "https://a.org/bomb", "Content-Type: text/html\r\nContent-Encoding: gzip", part + part
    )
    [rejection] = read_as(tmp_path, "bomb.warc", data).rejections
    assert rejection.rule == "record-too-long"


def test_a_record_too_large_for_a_page_is_skipped_by_its_type_first(tmp_path: Path) -> None:
    """A video or a 404 past 16 MiB is no page: it was rejected as a page too long (and
    made ``cleaner check`` fail), where a small one is skipped. An HTML page past it is
    still rejected as too long."""
    big = bytes(17 << 20)
    data = b"".join(
        raw_response(f"https://a.org/{name}", f"Content-Type: {ctype}", big)
        for name, ctype in (("video", "video/mp4"), ("page", "text/html"))
    )
    data += warc([Rec("response", "https://a.org/gone", big, status="404 Not Found")], gz=False)
    data += raw_response("https://a.org/ok", "Content-Type: text/html", page("wcxb-0541"))
    entry = read_as(tmp_path, "big.warc", data)
    assert [d.meta["url"] for d in entry.documents] == ["https://a.org/ok"]
    assert entry.to_dict()["skipped"] == {"not-html": 1, "http-status": 1}
    [rejection] = entry.rejections
    assert rejection.rule == "record-too-long" and rejection.line == 2
    assert "record 2 (https://a.org/page)" in rejection.message


def test_a_chunked_body_cut_short_is_damaged_not_kept_in_part(tmp_path: Path) -> None:
    body = page("wcxb-0541")
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    whole = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    cut = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks[: len(chunks) // 2])
    head = "Content-Type: text/html\r\nTransfer-Encoding: chunked"
    data = raw_response("https://a.org/cut", head, cut) + raw_response(
        "https://a.org/ok", head, whole
    )
    entry = read_as(tmp_path, "chunks.warc", data)
    assert [d.meta["url"] for d in entry.documents] == ["https://a.org/ok"]
    [rejection] = entry.rejections
    assert (rejection.rule, rejection.line) == ("damaged-file", 1)
    assert "chunked body cut short" in rejection.message


@pytest.mark.parametrize("size", [b"-6", b"+3", b"0x3", b"1_0", b" "])
def test_a_chunk_size_is_hex_digits_only(size: bytes) -> None:
    """int() also reads a sign, a 0x and underscores: "-6", a line's length plus 4,
    led the reader back to where it stood, for ever. Such a line is no chunk size."""
    import signal

    from cleaner.readers.html import PageProblem
    from cleaner.readers.warc import _unchunk

    def stuck(signum: int, frame: object) -> None:
        raise TimeoutError("the chunks were read round and round")

    before = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(5)
    try:
        with pytest.raises(PageProblem, match="chunked body cut short"):
            _unchunk(b"3\r\nabc\r\n" + size + b"\r\nabc\r\n0\r\n\r\n")
        assert _unchunk(size + b"\r\nabc") == size + b"\r\nabc"  # not chunked
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def test_an_untyped_body_that_opens_as_browsers_sniff_html_is_a_page(tmp_path: Path) -> None:
    """WHATWG's sniffing takes a body opening with <title>, <script>, <p> ... for HTML."""
    bodies = {
        "title": b"<title>A page</title><p>" + WORDS.encode() + b"</p>",
        "script": b"<script>var a = 1;</script><!doctype html><p>" + WORDS.encode(),
        "bogus": b"<bogus>" + WORDS.encode(),
    }
    data = b"".join(raw_response(f"https://a.org/{k}", "Server: x", v) for k, v in bodies.items())
    entry = read_as(tmp_path, "untyped.warc", data)
    assert [d.meta["url"] for d in entry.documents] == [
        "https://a.org/title",
        "https://a.org/script",
    ]
    assert entry.to_dict()["skipped"] == {"not-html": 1}


def test_a_long_http_head_costs_nothing_and_lf_alone_ends_its_lines(tmp_path: Path) -> None:
    """FastWARC's HTTP parser gave up on a head past 32 KiB (a long Set-Cookie) as on a
    broken file, losing the records around it, and read a head of LF-ended lines as one
    status line (the page then had no type and no body): the head is read here."""
    body = page("wcxb-0541")
    cookie = "Content-Type: text/html\r\nSet-Cookie: " + "a" * 40_000
    lf_head = b"HTTP/1.1 200 OK\nContent-Type: text/html\nServer: x\n\n"
    lf = Rec("resource", "https://a.org/lf", lf_head + body, ctype="application/http")
    parts = [
        raw_response("https://a.org/1", "Content-Type: text/html", body),
        raw_response("https://a.org/cookie", cookie, body),
        warc([lf], gz=False).replace(b"WARC-Type: resource", b"WARC-Type: response"),
        raw_response("https://a.org/3", "Content-Type: text/html", body),
    ]
    for gz in (False, True):
        path = tmp_path / ("heads.warc.gz" if gz else "heads.warc")
        path.write_bytes(b"".join(gzip.compress(p, mtime=0) if gz else p for p in parts))
        entry = read_file(path, path.name)
        assert [d.meta["url"] for d in entry.documents] == [
            "https://a.org/1",
            "https://a.org/cookie",
            "https://a.org/lf",
            "https://a.org/3",
        ], entry.rejections
        assert entry.rejections == [] and {d.title for d in entry.documents} == {
            parse_html(body).title
        }


def test_a_body_stored_decoded_under_its_content_encoding_is_the_page(tmp_path: Path) -> None:
    """Crawlers store many a body inflated, under the header that said it was not (as
    they store chunks joined): it was rejected as a damaged gzip. A body that is no
    markup and that its coding cannot undo is still damaged."""
    body = page("wcxb-0541")
    data = b"".join(
        raw_response(
            f"https://a.org/{coding}",
            f"Content-Type: text/html\r\nContent-Encoding: {coding}",
            body,
        )
        for coding in ("gzip", "deflate", "br", "compress")
    )
    data += raw_response(
        "https://a.org/bad", "Content-Type: text/html\r\nContent-Encoding: gzip", b"\x1f\x8bjunk"
    )
    entry = read_as(tmp_path, "decoded.warc", data)
    assert [d.meta["url"] for d in entry.documents] == [
        f"https://a.org/{coding}" for coding in ("gzip", "deflate", "br", "compress")
    ]
    [damaged] = entry.rejections
    assert damaged.line == 5 and "Content-Encoding gzip is damaged" in damaged.message


@pytest.mark.parametrize("bom", ["utf-8", "utf-16"])
def test_a_body_stored_decoded_after_a_byte_order_mark_is_the_page(
    tmp_path: Path, bom: str
) -> None:
    """A byte order mark before the markup hid it: the page was rejected as damaged."""
    text = page("wcxb-0541").decode("utf-8")
    body = b"\xef\xbb\xbf" + text.encode() if bom == "utf-8" else text.encode("utf-16")
    data = b"".join(
        raw_response(
            f"https://a.org/{coding}",
            f"Content-Type: text/html; charset={bom}\r\nContent-Encoding: {coding}",
            body,
        )
        for coding in ("gzip", "deflate")
    )
    entry = read_as(tmp_path, "decoded.warc", data)
    assert entry.rejections == []
    assert [d.meta["url"] for d in entry.documents] == [
        "https://a.org/gzip",
        "https://a.org/deflate",
    ]
    assert {d.title for d in entry.documents} == {parse_html(page("wcxb-0541")).title}


@pytest.mark.parametrize("record_type", ["Application/HTTP; msgtype=response", None])
def test_a_response_that_opens_as_http_is_read_as_one(
    tmp_path: Path, record_type: str | None
) -> None:
    """A record type spelled in another case, or none, hid the HTTP head: the page was
    skipped as not-html, its head taken for its body's first bytes."""
    data = raw_response("https://a.org/p", "Content-Type: text/html", page("wcxb-0541"))
    old = b"Content-Type: application/http; msgtype=response\r\n"
    assert old in data
    new = b"" if record_type is None else f"Content-Type: {record_type}\r\n".encode()
    entry = read_as(tmp_path, "typed.warc", data.replace(old, new))
    [doc] = entry.documents
    assert doc.title == parse_html(page("wcxb-0541")).title and "HTTP/1.1" not in doc.text


def test_a_target_uri_in_angle_brackets_is_the_address(tmp_path: Path) -> None:
    data = raw_response("https://a.org/angle", "Content-Type: text/html", page("wcxb-0541"))
    angled = data.replace(b"https://a.org/angle", b"<https://a.org/angle>")
    [doc] = read_as(tmp_path, "angle.warc", angled).documents
    assert doc.meta["url"] == "https://a.org/angle"


def test_a_record_with_no_type_is_sniffed_once_its_body_is_decoded(tmp_path: Path) -> None:
    body = page("wcxb-0541")
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    data = (
        raw_response("https://a.org/gz", "Content-Encoding: gzip", gzip.compress(body))
        + raw_response("https://a.org/ch", "Transfer-Encoding: chunked", chunked)
        + raw_response("https://a.org/bom", "Server: x", b"\xef\xbb\xbf" + body)
        + raw_response("https://a.org/png", "Content-Encoding: compress", b"\x89PNG")
    )
    entry = read_as(tmp_path, "untyped.warc", data)
    assert [d.meta["url"] for d in entry.documents] == [
        "https://a.org/gz",
        "https://a.org/ch",
        "https://a.org/bom",
    ]
    assert {d.title for d in entry.documents} == {parse_html(body).title}
    assert entry.to_dict()["skipped"] == {"not-html": 1} and entry.rejections == []


# -- HTML in JSONL and Parquet records ---------------------------------------------------


def test_jsonl_html_key_reads_the_field_as_a_page() -> None:
    body = page("wcxb-0482").decode()
    lines = [
        {"id": "a", "html": body, "url": "https://k.org/a", "text": "old extraction"},
        {"id": "b", "html": body, "title": "Own title"},
        {"id": "c", "body": "no html field"},
        {"id": "d", "html": "<html><script>1</script></html>"},
    ]
    stream = io.BytesIO(b"".join(json.dumps(r).encode() + b"\n" for r in lines))
    entry = read_stream(stream, "pages.jsonl", html_key="html")
    a, b = entry.documents
    assert a.title == "How to Choose a Tool" and b.title == "Own title"
    assert a.meta["url"] == "https://k.org/a" and a.meta["record_text"] == "old extraction"
    assert "html" not in a.meta and a.record()["text"] == a.text and "<" not in a.text
    assert a.hints is not None and entry.repairs == {"renamed-fields": 1}
    first, second = entry.rejections
    assert first.line == 3 and "no field 'html'; use --html-key" in first.message
    assert second.line == 4 and second.rule == "empty-page"


@pytest.mark.parametrize("key", ["html", "text"])
def test_a_lone_surrogate_in_a_record_is_replaced_and_counted(key: str) -> None:
    # JSON writes it as "\\ud800": a surrogate no UTF-8 can hold
    line = json.dumps({"id": "s", key: "<p>Caf\ud800 au lait, a long enough sentence.</p>"})
    options = {"html_key": "html"} if key == "html" else {}
    entry = read_stream(io.BytesIO(line.encode() + b"\n"), "s.jsonl", **options)
    [doc] = entry.documents
    assert "Caf\ufffd au lait" in doc.text and entry.repairs == {"lone-surrogates": 1}


def test_parquet_html_key(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"html": [page("wcxb-5592").decode(), None]}), path)
    entry = read_file(path, "p.parquet", html_key="html")
    [doc] = entry.documents
    assert doc.author == "Christy Gammel" and doc.hints is not None
    assert entry.rejections[0].line == 2 and "--html-key" in entry.rejections[0].message
    missing = read_file(path, "p.parquet", html_key="page")
    assert missing.outcome == "rejected" and "use --html-key" in (missing.reason or "")


def test_html_key_reads_a_page_held_as_bytes(tmp_path: Path) -> None:
    """A page kept as fetched (a Parquet binary column, bytes in a Python record) is
    decoded as an ``.html`` file is: by its meta tag, else by detection; the file
    records what each page was read with (it said utf-8, the column's type)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cleaner.run.stream import clean_records

    body = "Москва — столица России и крупнейший по численности населения город страны."
    head = '<meta charset="windows-1251"><title>Новости</title>'
    html = f"<html><head>{head}</head><body><p>{body}</p></body></html>"
    path = tmp_path / "p.parquet"
    data = [html.encode("cp1251"), b"%PDF-1.4 \x00\x01"]
    pq.write_table(pa.table({"html": pa.array(data, pa.binary())}), path)
    entry = read_file(path, "p.parquet", html_key="html")
    [doc] = entry.documents
    assert doc.title == "Новости" and body in doc.text
    assert entry.encoding == "cp1251 (meta 1)"  # what each page was read with, as a WARC's
    [rejection] = entry.rejections
    assert rejection.line == 2 and rejection.rule == "not-html"
    assert "PDF document, not HTML" in rejection.message
    assert "rename it" not in rejection.message  # a row has no name: that is a file's advice
    [record] = clean_records([{"html": html.encode("cp1251")}], CleanConfig(html_key="html"))
    assert body in record["text"]


def test_html_key_in_the_config() -> None:
    config = CleanConfig.from_dict({"html_key": "html"})
    assert config.html_key == "html" and config.to_dict()["html_key"] == "html"
    assert "html_key" not in CleanConfig().to_dict()  # an old config hashes as it did
    with pytest.raises(UsageError, match="html_key"):
        CleanConfig.from_dict({"html_key": 3})
    with pytest.raises(UsageError, match="writes itself"):
        CleanConfig(html_key="source")


def test_the_record_apis_read_html_key_as_a_run_does(tmp_path: Path) -> None:
    """clean_records and clean_batch read a page field as a JSONL run does: the same text
    (the markup's hints included), the page's fields added; a page that gives no text is
    a record dropped by ``read`` with its reason; a missing field is the caller's error."""
    from click.testing import CliRunner

    from cleaner.cli import cli
    from cleaner.errors import RecordError
    from cleaner.integrations.hf import clean_batch
    from cleaner.run.stream import clean_records

    html = {name: data.decode("utf-8", "replace") for name, data in pages().items()}
    # a text the record had is kept as record_text by both (clean_records wrote the
    # page's text over it)
    rows = [
        {"id": name, "html": text, "source": "crawl", "text": f"old {name}"}
        for name, text in html.items()
    ]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "pages.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    args = ["run", str(tmp_path / "in"), str(tmp_path / "out"), "-q", "--html-key", "html"]
    result = CliRunner().invoke(cli, [*args, "--no-dedup"])
    assert result.exit_code == 0, result.output
    corpus = (tmp_path / "out" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    run = {r["id"]: r for r in map(json.loads, corpus)}
    config = CleanConfig(html_key="html")
    out = list(clean_records(rows, config, near_duplicates=False))
    assert [r["id"] for r in out] == list(html) and set(run) == set(html)
    for r in out:
        assert r["text"] == run[r["id"]]["text"] and r["html"] == html[r["id"]]
        assert r["cleaner"]["title"] == run[r["id"]]["title"]
        assert r.get("url") == run[r["id"]].get("url") and "record_source" not in r
        assert r["record_text"] == run[r["id"]]["record_text"] == f"old {r['id']}"
    assert any(r.get("html_lang") for r in out)

    bad = [{"id": "pdf", "html": "%PDF-1.4 binary"}, {"id": "blank", "html": "<p> </p>"}]
    dropped = [r["cleaner"]["dropped"] for r in clean_records(bad, config)]
    assert [(d["stage"], d["rule"]) for d in dropped] == [
        ("read", "not-html"),
        ("read", "empty-page"),
    ]
    assert all(r["text"] == "" for r in clean_records(bad, config))
    with pytest.raises(RecordError, match=r"no field 'html'.*html_key="):
        list(clean_records([{"id": 1, "text": "A page."}], config))

    name = next(iter(html))
    batch = clean_batch({"html": [html[name], "%PDF-1.4"], "n": [1, 2]}, config)
    assert batch["text"] == [run[name]["text"]] and batch["n"] == [1]
    kept = clean_batch({"html": [html[name], "%PDF-1.4"], "n": [1, 2]}, config, drop=False)
    assert kept["text"] == [run[name]["text"], ""] and kept["n"] == [1, 2]
    assert json.loads(kept["cleaner"][1])["dropped"]["rule"] == "not-html"


def test_a_page_of_too_many_lines_is_refused(tmp_path: Path) -> None:
    """A page flattens to lines as a text file is read in them: past 100,000 lines (a
    list or a log, not a page) it is refused, as a text file is. The blank lines
    between paragraphs do not count."""
    body = "".join(f"<p>Item number {i} of a very long list.</p>" for i in range(100_001))
    path = tmp_path / "long.html"
    path.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    entry = read_file(path, "long.html")
    assert entry.outcome == "rejected"
    # a paragraph a line, a blank line between two
    reason = entry.reason or ""
    assert reason.startswith("100,001 lines with text, more than 100,000 for one document")


def test_the_settle_round_keeps_the_markup_for_its_next_strip(tmp_path: Path) -> None:
    """The settle round strips a page again after dedup-blocks; its strip let the markup's
    hints go, so a second round judged the page as text (wcxb-0661: a code block taken
    by its shape, '"...",' as template-leftover, the dotted names as navigation). Each
    strip of the round now hands them on; the round lets them go at its end."""
    path = tmp_path / "p.html"
    path.write_bytes(page("wcxb-0541"))
    [doc] = read_file(path, path.name).documents
    pipeline = Pipeline.from_config(CleanConfig())
    [settle] = [s for s in pipeline.stages if isinstance(s, Settle)]
    repaired = pipeline.stages[0].apply(doc)
    stripped = settle.stages[0].apply(repaired)  # the round's strip, on the page unstripped
    assert len(stripped.changes) > len(repaired.changes)
    assert stripped.hints is not None and len(stripped.hints) == stripped.text.count("\n") + 1
    assert settle.apply(stripped).hints is None

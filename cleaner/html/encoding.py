"""A page's bytes to text: the HTTP header's charset, then the page's own, then detection.

The order is the browsers' (WHATWG "encoding sniffing"), shortened: a byte order mark
wins, then the ``charset`` of the HTTP ``Content-Type`` header (a WARC response's),
then a ``<meta charset>`` or ``<meta http-equiv="Content-Type">`` tag in the first
:data:`PRESCAN` bytes, and only then the text path's detection
(:func:`cleaner.readers.encoding.decode_text`: UTF-8, else charset-normalizer). A label
Python does not know, or knows as no charset (``hex``, ``idna``), is passed over, as
browsers do; ``latin-1``, ``iso-8859-1`` and
``ascii`` are read as Windows-1252, and the CJK legacy labels as the supersets pages
are written in (``shift_jis`` as Windows-31J, ``gb2312`` as GB18030, ``euc-kr`` as
Windows-949, ``big5`` as Big5-HKSCS), as browsers do too. A byte that is not valid UTF-8
in a page said to be UTF-8 is read as Windows-1252 and counted, as on the text path.

UTF-16 with no byte order mark is read as UTF-16 when the HTTP header says so (a
UTF-16 label in a ``<meta>`` is passed over, as WHATWG says), else when its bytes show
it as the text path sees it (a zero byte in every other place, the markup's ASCII):
before any other label, which could not have been written in those bytes, and before
the test for binary data, which UTF-16 text outside Latin fails.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from cleaner.readers.encoding import (
    MAX_CONTROL_SHARE,
    binary_kind,
    decode_text,
    decode_utf8_lenient,
    unprintable_share,
    utf16_without_bom,
)

PRESCAN = 1024 << 2  # bytes searched for a <meta> charset; WHATWG says 1024, pages overrun it
# a <meta> tag, or a comment, which the pre-scan skips to its "-->" (an old tag
# commented out names no charset)
_META = re.compile(rb"<meta[\s/]|(<!--)", re.IGNORECASE)
_COMMENT_END = re.compile(rb"-->")
# one attribute of a tag, as the WHATWG pre-scan reads it: its name, then its value,
# quoted (a quote left open runs to the end) or not
_ATTRIBUTE = re.compile(rb"""[\s/]*([^\s/>][^\s/>=]*)(?:\s*=\s*("[^"]*"?|'[^']*'?|[^\s>]*))?""")
_LABEL = re.compile(rb"\s*[\"']?\s*([a-zA-Z0-9_.:-]+)")
_CONTENT_CHARSET = re.compile(rb"charset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:-]+)", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:-]+)", re.IGNORECASE)
# Python's codec for a label, where WHATWG (as browsers) reads the label as a superset:
# latin-1 as windows-1252, the CJK legacy labels as the Windows code pages that pages
# labelled so are written in (a strict shift_jis turns "①" and the byte after it into
# two U+FFFD), and a few labels Python does not know by these names
_WHATWG_CODECS = {
    "latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "shift_jis": "cp932", "x-sjis": "cp932", "windows-31j": "cp932",
    "euc_kr": "cp949", "big5": "big5hkscs", "iso8859-9": "cp1254",
    "tis-620": "cp874", "iso8859-11": "cp874", "windows-874": "cp874",
    "x-euc-jp": "euc_jp", "x-mac-roman": "mac-roman",
}  # fmt: skip
# codecs Python decodes text with that no page is written in: a domain name's or a
# string literal's escapes, one that fails on every byte, and UTF-7, which browsers
# refuse to read (a page could hide markup in it); as a label no browser knows, each
# is passed over
_NOT_CHARSETS = frozenset(
    ["idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "utf-7"]
)
_NOT_HTML = ", not HTML"  # a file's reader adds what to do with it (a record's has no name)
_BINARY = f"binary data{_NOT_HTML}"
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


@dataclass(frozen=True)
class PageText:
    """A page as text, the encoding it was read with and what decided it.

    ``source`` is ``"bom"``, ``"http"``, ``"meta"`` or ``"detected"``; ``text`` is None
    when the bytes are not text, and ``problem`` then says why in one line.
    """

    text: str | None
    encoding: str | None
    source: str
    problem: str | None = None
    invalid_bytes: int = 0
    nul_bytes: int = 0


def codec_name(label: str | None, http: bool = False) -> str | None:
    """Python's name for an encoding label, as a browser would read it; None if unknown.

    A UTF-16 label counts only from the HTTP header (``http``): a page that says UTF-16
    in ASCII bytes is not UTF-16 (WHATWG reads such a ``<meta>`` as UTF-8). UTF-32 is
    no web encoding at all.

    >>> codec_name("UTF8"), codec_name("ISO-8859-1"), codec_name("x-unknown")
    ('utf-8', 'cp1252', None)
    >>> codec_name("Shift_JIS"), codec_name("gb2312"), codec_name("EUC-KR"), codec_name("x-sjis")
    ('cp932', 'gb18030', 'cp949', 'cp932')
    >>> codec_name("utf-16"), codec_name("utf-16", http=True), codec_name("UTF-16BE", http=True)
    (None, 'utf-16', 'utf-16-be')
    >>> codec_name("utf-8-sig"), codec_name("UTF_8_SIG", http=True)  # no bytes to drop
    ('utf-8', 'utf-8')
    >>> codec_name("hex"), codec_name("base64"), codec_name("idna"), codec_name("utf-7")
    (None, None, None, None)
    """
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    try:
        codec = codecs.lookup(_WHATWG_CODECS.get(label, label))
    except (LookupError, ValueError):
        return None
    if not getattr(codec, "_is_text_encoding", True) or codec.name in _NOT_CHARSETS:
        return None  # "hex", "base64", "rot13": Python's transforms, no charset of a page
    name = _WHATWG_CODECS.get(codec.name, codec.name)
    if name == "utf-8-sig":
        return "utf-8"  # a label says nothing of a mark: _decode takes one off if it is there
    if name.startswith("utf-32") or (name.startswith("utf-16") and not http):
        return None
    return name


def header_charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` header value, if any.

    >>> header_charset("text/html; charset=ISO-8859-1"), header_charset("text/html")
    ('ISO-8859-1', None)
    """
    if not content_type:
        return None
    m = _HEADER_CHARSET.search(content_type)
    return m.group(1) if m else None


def meta_charset(data: bytes) -> str | None:
    """The charset a ``<meta>`` tag in the page's head names, if any.

    As the WHATWG pre-scan reads it: a ``charset`` attribute, or a ``charset=`` in the
    ``content`` of a ``<meta http-equiv="Content-Type">``; the first tag that names one
    wins. A ``charset=`` in another tag's ``content`` (a description) names nothing.

    >>> meta_charset(b'<html><head><meta charset="windows-1251"><title>')
    'windows-1251'
    >>> meta_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">')
    'koi8-r'
    >>> meta_charset(b'<meta name="description" content="charset=koi8-r"><meta charset=utf-8>')
    'utf-8'
    >>> meta_charset(b'<!-- <meta charset="iso-8859-1"> --><meta charset="utf-8">')
    'utf-8'
    """
    head = data[:PRESCAN]
    at = 0
    for tag in _META.finditer(head):
        if tag.start() < at:
            continue  # inside the previous tag's attributes, or a comment
        if tag.group(1):  # "<!--": on after its "-->" (the "--" of "<!--" may be in it)
            end = _COMMENT_END.search(head, tag.start() + 2)
            if end is None:
                return None  # the rest is inside the comment
            at = end.end()
            continue
        attributes: dict[bytes, bytes] = {}
        at = tag.end()
        while (attribute := _ATTRIBUTE.match(head, at)) is not None:
            name, value = attribute.group(1).lower(), attribute.group(2) or b""
            attributes.setdefault(name, value.strip(b"\"'"))  # the first of a name counts
            at = attribute.end()
        if b"charset" in attributes:
            m = _LABEL.match(attributes[b"charset"])
        elif attributes.get(b"http-equiv", b"").strip().lower() == b"content-type":
            m = _CONTENT_CHARSET.search(attributes.get(b"content", b""))
        else:
            continue
        if m is not None:
            return m.group(1).decode("ascii")
    return None


def page_text(data: bytes, charset: str | None = None) -> PageText:
    """Decode a page; ``charset`` is the HTTP header's. See the module docstring for the order.

    >>> page = page_text("café".encode("cp1252"), "iso-8859-1")
    >>> page.text, page.encoding, page.source
    ('café', 'cp1252', 'http')
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode(data, name, "bom")
    http = codec_name(charset, http=True)
    utf16 = utf16_without_bom(data)  # as on the text path: markup is mostly ASCII
    if http is not None and http.startswith("utf-16"):
        if http == "utf-16":  # no byte order said: the bytes' own, else WHATWG's LE
            http = utf16 or "utf-16-le"
        return _decode(data, http, "http")
    if utf16 is not None:
        try:
            data.decode(utf16)
        except UnicodeDecodeError:
            pass
        else:  # 16-bit samples of quiet sound have a zero byte in every other place too
            page = _decode(data, utf16, "detected")
            if page.text and unprintable_share(page.text) > MAX_CONTROL_SHARE:
                return PageText(None, None, "detected", _BINARY)
            return page
    kind = binary_kind(data)
    if kind is not None:
        return PageText(None, None, "detected", f"{kind}{_NOT_HTML}")
    for source, codec in (("http", http), ("meta", codec_name(meta_charset(data)))):
        if codec is not None:
            return _decode(data, codec, source)
    decoded = decode_text(data)
    return PageText(
        decoded.text,
        decoded.encoding,
        "detected",
        decoded.problem,
        decoded.invalid_bytes,
        decoded.nul_bytes,
    )


def _decode(data: bytes, name: str, source: str) -> PageText:
    nul = data.count(0) if name.startswith("utf-8") else 0
    if nul:
        data = data.replace(b"\x00", b"")
    if name == "utf-8-sig":  # a byte order mark said so (_BOMS)
        data, name = data.removeprefix(codecs.BOM_UTF8), "utf-8"
    if name == "utf-8":
        text, invalid = decode_utf8_lenient(data)
        return PageText(text, name, source, None, invalid, nul)
    text = data.decode(name, errors="replace")
    nul = text.count("\x00")
    return PageText(text.replace("\x00", "") if nul else text, name, source, None, 0, nul)


__all__ = ["PRESCAN", "PageText", "codec_name", "header_charset", "meta_charset", "page_text"]

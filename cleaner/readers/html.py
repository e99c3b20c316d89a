"""HTML pages to documents: a page per ``.html`` file, or a record field that holds HTML.

The page is parsed and flattened by :func:`cleaner.html.parse_html` (the ``html``
extra); its lines become the document's text, with their structure hints in
:attr:`Document.hints`. What the markup says of the page fills the document's own
``title``, ``date`` and ``author`` and the record fields ``url`` and ``html_lang`` (the
``<html lang>`` attribute, a hint; the language filter writes ``language`` itself).
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from cleaner.document import Document, kept_as
from cleaner.names import Reason
from cleaner.readers.encoding import replace_surrogates
from cleaner.readers.entry import InputFile, too_many_lines

MAX_PAGE_BYTES = 16 << 20  # as for a text file (files.MAX_DOCUMENT_BYTES): one page, in memory
HTML_LANG = "html_lang"  # the record field of <html lang>; not "language", the filter's
# what a page's markup fills in a record read with --html-key, when the record has none
PAGE_FIELDS = ("title", "date", "author")


class PageProblem(ValueError):
    """One page that gives no document: ``rule`` for the audit, ``message`` for people."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def page_document(
    entry: InputFile,
    data: bytes,
    ident: str,
    *,
    charset: str | None = None,
    url: str | None = None,
    meta: dict[str, Any] | None = None,
) -> tuple[Document, str]:
    """The document of one page's bytes and the encoding it was read with, as
    ``"name (source)"``; repairs are counted on ``entry``.

    ``charset`` is the HTTP header's and ``url`` the crawl's address of the page, when
    known; ``meta`` holds record fields to keep. Raises :class:`PageProblem` for bytes
    that are no page, or a page with no text.
    """
    from cleaner.html import NotHtml, parse_html

    try:
        page = parse_html(data, charset, url)
    except NotHtml as e:
        raise PageProblem(Reason.NOT_HTML, str(e)) from None
    entry.repaired("nul-bytes", page.nul_bytes)
    entry.repaired("invalid-utf8", page.invalid_bytes)
    entry.repaired("deep-nesting", page.deep_tags)
    if not page.text.strip():
        raise PageProblem(
            Reason.EMPTY_PAGE, "no text in the page (scripts or images only); nothing to clean"
        )
    if (why := too_many_lines(page.text)) is not None:
        raise PageProblem(Reason.RECORD_TOO_LONG, why)
    fields = dict(meta or {})
    if page.url:
        fields["url"] = page.url
    if page.language:
        fields[HTML_LANG] = page.language
    doc = Document(
        ident,
        entry.path,
        page.text,
        page.title,
        page.date,
        page.author,
        meta=fields,
        hints=page.hints,
    )
    return doc, f"{page.encoding} ({page.encoding_source})"


def read_page(entry: InputFile, content: io.BufferedIOBase, ident: str) -> Document | None:
    """The one document of an ``.html`` file, or None with ``entry`` rejected and why."""
    data = content.read(MAX_PAGE_BYTES + 1)
    if len(data) > MAX_PAGE_BYTES:
        while content.read(1 << 20):
            pass
        entry.reject(
            f"larger than {MAX_PAGE_BYTES >> 20} MiB for one page; is it a page? "
            "Split it or leave it out"
        )
        return None
    if not data.strip():
        entry.reject("empty file; nothing to clean")
        return None
    try:
        doc, encoding = page_document(entry, data, ident)
    except PageProblem as problem:
        advice = "; remove it or rename it" if problem.rule == Reason.NOT_HTML else ""
        entry.reject(problem.message + advice)
        return None
    entry.encoding = encoding.split(" ", 1)[0]
    entry.count += 1
    return doc


def html_fields(
    entry: InputFile, fields: dict[str, Any], html_key: str, text_key: str
) -> tuple[dict[str, Any], tuple[tuple[float, ...] | None, ...]]:
    """A record whose ``html_key`` field holds a page, as a record with its text under
    ``text_key``, and the lines' hints.

    The HTML field is not written back (as a file's markup is not). The record's own
    ``title``, ``date``, ``author`` and ``url`` are kept; the page's fill those it
    lacks. A field already named ``text_key`` is kept as ``record_<text_key>``
    (``renamed-fields``). A lone surrogate in the HTML (no UTF-8 can hold one) becomes
    U+FFFD and is counted (``lone-surrogates``), as in a text field. A field of bytes
    (a Parquet binary column: the page as fetched) is decoded as an ``.html`` file is,
    by its meta tag, else by detection. Raises :class:`PageProblem` for a page with no
    text.
    """
    fields = dict(fields)
    html = fields.pop(html_key)
    if text_key in fields:
        fields[kept_as(fields, text_key)] = fields.pop(text_key)
        entry.repaired("renamed-fields")
    if isinstance(html, bytes):
        page, encoding = page_document(entry, html, "")
        entry.page_encodings[encoding] += 1
    else:
        html, surrogates = replace_surrogates(html)
        if surrogates:
            entry.repaired("lone-surrogates", surrogates)
        page, _ = page_document(entry, html.encode("utf-8"), "", charset="utf-8")
    for key in PAGE_FIELDS:
        if not isinstance(fields.get(key), str) and getattr(page, key) is not None:
            if key in fields:
                fields[kept_as(fields, key)] = fields.pop(key)
                entry.repaired("renamed-fields")
            fields[key] = getattr(page, key)
    for key, value in page.meta.items():
        fields.setdefault(key, value)
    fields[text_key] = page.text
    return fields, page.hints or ()


def recorded_encodings(counts: Counter[str]) -> str:
    """The encodings pages were read with, and what decided each, with counts, as an
    input records them: ``"utf-8 (http 3, meta 1); cp1252 (detected 1)"``.

    >>> recorded_encodings(Counter({"utf-8 (meta)": 1, "utf-8 (http)": 3, "cp1252 (detected)": 1}))
    'cp1252 (detected 1); utf-8 (http 3, meta 1)'
    """
    by_codec: dict[str, list[str]] = {}
    for key, n in sorted(counts.items()):
        codec, _, source = key.partition(" ")
        by_codec.setdefault(codec, []).append(f"{source.strip('()')} {n}")
    return "; ".join(f"{codec} ({', '.join(parts)})" for codec, parts in by_codec.items())

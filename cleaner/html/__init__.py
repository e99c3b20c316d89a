"""HTML pages in: parse, flatten to lines with structure hints, and read the page's metadata.

Needs the ``html`` extra (selectolax, the lexbor parser). :func:`parse_html` is the one
entry point the readers use. Broken markup is parsed as a browser would (lexbor is an
HTML5 parser): it never fails on a page, only on bytes that are not text at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from cleaner.errors import InputError
from cleaner.html.encoding import PageText, page_text
from cleaner.html.flatten import HINTS, Flat, flatten
from cleaner.html.meta import PageMeta, page_meta
from cleaner.html.nesting import cap_nesting


class NotHtml(InputError):
    """Bytes that cannot be read as a page (binary data); the message is one line."""


@dataclass(frozen=True)
class HtmlPage:
    """One parsed page: its lines and their hints, and what the page says about itself.

    ``encoding`` is the codec the bytes were read with and ``encoding_source`` what
    decided it (``"bom"``, ``"http"``, ``"meta"`` or ``"detected"``; see
    :mod:`cleaner.html.encoding`). ``url`` is the one given (the crawl's), else the
    page's canonical address. ``invalid_bytes`` and ``nul_bytes`` count what decoding
    repaired; ``deep_tags`` the start tags nested too deep to parse in good time, taken
    out (:mod:`cleaner.html.nesting`).
    """

    text: str
    hints: tuple[tuple[float, ...] | None, ...]
    encoding: str
    title: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = None
    language: str | None = None
    encoding_source: str = "detected"
    invalid_bytes: int = 0
    nul_bytes: int = 0
    deep_tags: int = 0


def parse_html(data: bytes, charset: str | None = None, url: str | None = None) -> HtmlPage:
    """Parse one page's bytes; ``charset`` is the HTTP header's, when there was one.

    Raises :class:`NotHtml` for bytes that are not text (an image saved as ``.html``).

    >>> page = parse_html(b'<html lang="en"><title>Hi | Site</title><p>One.</p><p>Two.')
    >>> page.text.split("\\n"), page.title, page.language, page.encoding
    (['Hi | Site', '', 'One.', '', 'Two.'], 'Hi | Site', 'en', 'utf-8')
    """
    from selectolax.lexbor import LexborHTMLParser

    decoded: PageText = page_text(data, charset)
    if decoded.text is None or decoded.encoding is None:
        raise NotHtml(decoded.problem or "not text; is this an HTML page?")
    html, deep = cap_nesting(decoded.text)
    tree = LexborHTMLParser(html)
    flat = flatten(tree)
    meta: PageMeta = page_meta(tree)
    return HtmlPage(
        flat.text,
        flat.hints,
        decoded.encoding,
        meta.title,
        meta.date,
        meta.author,
        url or meta.url,
        meta.language,
        decoded.source,
        decoded.invalid_bytes,
        decoded.nul_bytes,
        deep,
    )


__all__ = ["HINTS", "Flat", "HtmlPage", "NotHtml", "flatten", "parse_html"]

"""HTML pages in: parse, flatten to lines with structure hints, and read the page's metadata.

Needs the ``html`` extra (selectolax, the lexbor parser). :func:`parse_html` is the one
entry point the readers use.
"""

from __future__ import annotations

from dataclasses import dataclass

from cleaner.html.flatten import HINTS, Flat, flatten


@dataclass(frozen=True)
class HtmlPage:
    """One parsed page: its lines and their hints, and what the page says about itself."""

    text: str
    hints: tuple[tuple[float, ...] | None, ...]
    encoding: str
    title: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = None
    language: str | None = None


def parse_html(data: bytes, charset: str | None = None, url: str | None = None) -> HtmlPage:
    """Parse one page's bytes; ``charset`` is the HTTP header's, when there was one."""
    from selectolax.lexbor import LexborHTMLParser

    encoding = charset or "utf-8"
    tree = LexborHTMLParser(data.decode(encoding, errors="replace"))
    flat = flatten(tree)
    return HtmlPage(flat.text, flat.hints, encoding, url=url)


__all__ = ["HINTS", "Flat", "HtmlPage", "flatten", "parse_html"]

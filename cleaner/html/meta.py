"""What a page says about itself in its markup: title, dates, author, address, language.

Read from the ``<meta>`` tags (Open Graph, ``article:*``, ``name="author"``, schema.org
``itemprop``), the JSON-LD blocks (``datePublished``, ``author.name``), ``<time>``
elements, ``<link rel="canonical">`` and ``<html lang>``. Markup states these plainly,
so they are more reliable than what the boilerplate stage guesses from the text.
What is left alone: a title is only shortened by a site name the page itself names
(``og:site_name``), never by guessing which side of a "|" is the site; a date that
cannot be read as a calendar date is left out rather than guessed.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cleaner.html.flatten import TITLE
from cleaner.rules.meta import TITLE_SEPARATORS, calendar_date, parse_date_line

MAX_TITLE_CHARS = 300  # a longer "title" is a paragraph someone put in a tag; leave it out
MAX_JSON_LD_CHARS = 1 << 20  # a JSON-LD block past 1 MiB is a data dump, not page metadata
_ISO = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})")
_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",  # itemprop
    "date",
    "pubdate",
    "publishdate",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
)
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "byl")


@dataclass(frozen=True)
class PageMeta:
    """The page's own title, published date (ISO ``YYYY-MM-DD``), author, address, language."""

    title: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = None
    language: str | None = None


def iso_date(value: str | None) -> str | None:
    """A date or timestamp as ``YYYY-MM-DD``, or None when it is no calendar date.

    >>> iso_date("2024-06-20T10:00:00+02:00"), iso_date("June 3, 2021"), iso_date("soon")
    ('2024-06-20', '2021-06-03', None)
    >>> iso_date("2024-02-31"), iso_date("February 31, 2024"), iso_date("2023-02-29")
    (None, None, None)
    """
    if not value:
        return None
    m = _ISO.match(value)
    if m is not None:
        y, mo, d = (int(g) for g in m.groups())
        return calendar_date(y, mo, d)
    parsed = parse_date_line(value.strip())
    return parsed[0] if parsed is not None and not parsed[1] else None


# a terminal's escape sequences (CSI and OSC) and the control characters that are no
# whitespace: the text's repair takes them out of the page's lines, and a field taken from
# its markup is no place for them either (they could clear a terminal that shows it)
_CONTROLS = re.compile(
    r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]{0,256}(?:\x07|\x1b\\)"
    r"|[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]"
)


def _clean(value: str | None, limit: int = MAX_TITLE_CHARS) -> str | None:
    """``value`` on one line, its spaces single, with no control characters; None when
    that leaves it empty or longer than ``limit``.

    >>> _clean("Evil\\x1b[2J\\x07 title\\n line"), _clean("A\\x1b]0;pwn\\x07 B"), _clean("\\x00")
    ('Evil title line', 'A B', None)
    """
    if value is None:
        return None
    value = " ".join(_CONTROLS.sub("", value).split())
    return value if 0 < len(value) <= limit else None


def without_site(title: str, site: str | None) -> str:
    """``title`` without a trailing (or leading) site name the page names itself.

    >>> without_site("Clouds explained | Example News", "Example News")
    'Clouds explained'
    >>> without_site("Clouds explained | Example News", None)
    'Clouds explained | Example News'
    """
    if not site:
        return title
    for sep in TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and tail.strip().casefold() == site.casefold() and head.strip():
            return head.strip()
        head, found, tail = title.partition(sep)
        if found and head.strip().casefold() == site.casefold() and tail.strip():
            return tail.strip()
    return title


def _metas(tree: Any) -> dict[str, str]:
    """The first value of each ``<meta>`` name, property or itemprop, keys lowercased."""
    found: dict[str, str] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        content = attrs.get("content")
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = attrs.get(attr)
            if key:
                found.setdefault(key.strip().lower(), content)
    return found


def _json_ld(tree: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD blocks, ``@graph`` members included (a
    list, or one object); a block's type may carry parameters ("; charset=utf-8") and
    any case, as browsers read a script's type."""
    for node in tree.css("script[type]"):
        kind = (node.attributes.get("type") or "").split(";", 1)[0].strip().lower()
        if kind != "application/ld+json":
            continue
        raw = node.text(deep=True) or ""
        if len(raw) > MAX_JSON_LD_CHARS:
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        queue = deque([data])  # in document order; a list's pop(0) made it quadratic
        while queue:
            item = queue.popleft()
            if isinstance(item, list):
                queue.extend(item)
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list | dict):
                    queue.append(item["@graph"])


def _person(value: Any) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_person(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) if names else None
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str) and not value.startswith(("http://", "https://")):
        return _clean(value, 200)
    return None


def page_meta(tree: Any) -> PageMeta:
    """Read a parsed page's (a selectolax ``LexborHTMLParser``) metadata; see the module."""
    metas = _metas(tree)
    objects = list(_json_ld(tree))
    title_node = tree.css_first(TITLE)
    title = _clean(metas.get("og:title")) or _clean(title_node.text() if title_node else None)
    if title is not None:
        title = without_site(title, metas.get("og:site_name"))
    date = next((d for d in (iso_date(metas.get(k)) for k in _DATE_KEYS) if d), None)
    if date is None:
        date = next(
            (d for d in (iso_date(_str(o.get("datePublished"))) for o in objects) if d), None
        )
    if date is None:
        for selector in ("time[itemprop=datePublished]", "time[pubdate]", "article time[datetime]"):
            node = tree.css_first(selector)
            if node is not None and (date := iso_date(node.attributes.get("datetime"))):
                break
    author = next((a for a in (_person(metas.get(k)) for k in _AUTHOR_KEYS) if a), None)
    if author is None:
        author = next((a for a in (_person(o.get("author")) for o in objects) if a), None)
    link = tree.css_first('link[rel="canonical"]')
    href = link.attributes.get("href") if link is not None else None
    url = next((_clean(u, 2000) for u in (href, metas.get("og:url")) if _absolute(u)), None)
    root = tree.root
    lang = _clean(root.attributes.get("lang") if root is not None else None, 35)
    return PageMeta(title, date, author, url, lang)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


__all__ = ["PageMeta", "iso_date", "page_meta", "without_site"]


def _absolute(url: str | None) -> bool:
    return url is not None and url.strip().startswith(("http://", "https://"))

"""Cap how deep a page's elements nest before the parser sees them.

An HTML5 parser that opens a ``div`` (or a ``section``, ``ul``, ``blockquote`` and the
rest of the spec's list of elements that close an open ``p``) first looks down its
stack of open elements for a ``p``. Left unclosed, such elements pile up on that stack,
and the parse takes time quadratic in how deep they go: lexbor parses 20,000 unclosed
``div`` in about 0.3 s and 100,000 (a page of half a megabyte) in about 20 s; a 16 MiB
page of them would take hours. Browsers cap the depth of the tree for the same reason
(Blink at 512 elements).

:func:`cap_nesting` turns the start tags that would open an element deeper than
``MAX_DEPTH``, and their end tags, into what the flattening makes of such a tag: a line
break for a block element, so that what it held joins the element at the cap as lines of
their own; a space for an inline one that stands a word apart (a ``span``, a ``font``),
and nothing for one that joins the text around it (a ``b``). Every word of the page
stays, in its order, on the lines it would have.
The depth is followed as the parser would, roughly: void elements never open; ``p``,
``li``, table cells and the other elements that a sibling closes are not counted; inside
``svg`` or ``math`` a tag that ends in ``/>`` closes itself; an end tag closes the
nearest open element of its name (among the ``_REACH`` last ones) and those above it;
comments, and the text of a script, a style, a title, a textarea and the other elements
HTML5 reads as text, hold no tags, and end where the parser ends them. A
page of no more than ``SCAN_ABOVE`` tags is not scanned (no page of the dev sets has
more): it parses in about two seconds at worst, however it nests.
"""

from __future__ import annotations

import re

from cleaner.html.flatten import DOUBLE, GLUED, NEWLINE

MAX_DEPTH = 4096  # deeper than any page of the dev sets (lexbor: about 0.01 s at the cap)
SCAN_ABOVE = 32768  # tags ("<"); 32,768 unclosed div parse in about 2 s, 16,384 in 0.2
_REACH = 64  # open elements an end tag looks down for its start (a stray one closes nothing)
# elements with no end tag
_VOID = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
    "param", "source", "track", "wbr", "basefont", "bgsound", "frame",
))  # fmt: skip
# elements the next one of their kind closes (or that never nest): not counted
_SIBLING_CLOSED = frozenset((
    "p", "li", "dd", "dt", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
    "caption", "colgroup", "rb", "rt", "rp", "rtc", "h1", "h2", "h3", "h4", "h5", "h6", "a",
    "button", "nobr", "form", "html", "head", "body", "frameset",
))  # fmt: skip
_FOREIGN = frozenset(("svg", "math"))  # where "/>" closes an element
# elements whose text the tokenizer takes as text up to their end tag (HTML5's RAWTEXT and
# RCDATA, and a script's): a "<" inside is no tag. Not noscript, whose text lexbor parses
# as markup (scripting off), nor these inside svg or math, where they are plain elements
_RAW = frozenset(("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"))
# from a "<", as HTML5's tokenizer reads it: a comment (which "-->" or "--!>" ends, and
# "<!-->" and "<!--->" are whole), or one tag (its name in group 2, up to a space, "/" or
# ">"; "/" in group 1 for an end tag; its ">" in group 3); a literal "<" first, so the
# search skips to the next. A tag with no ">" after it runs to the end of the page (one
# scan, then no tag can follow), rather than failing at every "<" after a scan to the
# end: that was time quadratic in the "<" of a page with no ">"
_TOKEN = re.compile(
    r"<(?:!--(?:-?>|.*?(?:--!?>|\Z))|(/?)([a-zA-Z][^\s/>]*)[^>]*(>|\Z))",
    re.DOTALL,
)
# the end tag of each of _RAW: its name, then a space, "/" or ">" (not "</style-guide>")
_RAW_END = {name: re.compile(rf"</{name}(?=[\s/>])[^>]*>", re.IGNORECASE) for name in sorted(_RAW)}


def cap_nesting(html: str) -> tuple[str, int]:
    """``html`` with no element nested deeper than ``MAX_DEPTH``, and how many start
    tags became line breaks for that (0: the text is ``html`` itself).

    >>> page = "<div>" * 40000 + "<p>deep</p>" + "</div>" * 40000
    >>> capped, dropped = cap_nesting(page)
    >>> dropped, capped.count("<div>"), capped.count("</div>"), capped.count("<br>")
    (35904, 4096, 4096, 71808)
    >>> cap_nesting("<div><p>One.</div>")
    ('<div><p>One.</div>', 0)
    """
    if html.count("<") <= SCAN_ABOVE:
        return html, 0
    stack: list[tuple[str, bool]] = []  # open elements: name, whether its start tag goes
    depth = 0  # the open elements whose start tag stays
    foreign = 0  # open svg and math elements
    cut: list[tuple[int, int, str]] = []  # the spans of the tags that go, and what stays
    dropped = 0
    at = 0
    while (token := _TOKEN.search(html, at)) is not None:
        at = token.end()
        name = token.group(2)
        if name is None:  # a comment
            continue
        if not token.group(3):
            break  # no ">" from here on: not a tag, nor any "<" after it
        name = name.lower()
        if name in _RAW and not token.group(1) and not foreign:
            end = _RAW_END[name].search(html, at)
            if end is None:
                break  # its text runs to the end of the page
            at = end.end()
            continue
        if name in _VOID or name in _SIBLING_CLOSED:
            continue
        if not token.group(1):  # a start tag
            if foreign and html[token.end() - 2] == "/":
                continue  # <path/> in an svg
            drop = depth >= MAX_DEPTH
            stack.append((name, drop))
            foreign += name in _FOREIGN
            if drop:
                cut.append((*token.span(), _instead(name)))
                dropped += 1
            else:
                depth += 1
            continue
        for k in range(len(stack) - 1, max(len(stack) - _REACH, 0) - 1, -1):
            if stack[k][0] == name:
                if stack[k][1]:
                    cut.append((*token.span(), _instead(name)))
                for closed, gone in stack[k:]:
                    depth -= not gone
                    foreign -= closed in _FOREIGN
                del stack[k:]
                break
    if not cut:
        return html, 0
    parts: list[str] = []
    at = 0
    for start, stop, instead in cut:
        parts += (html[at:start], instead)
        at = stop
    parts.append(html[at:])
    return "".join(parts), dropped


def _instead(name: str) -> str:
    """What a cut tag of element ``name`` becomes: what the flattening makes of it."""
    if name in NEWLINE or name in DOUBLE:
        return "<br>"
    return "" if name in GLUED else " "


__all__ = ["MAX_DEPTH", "SCAN_ABOVE", "cap_nesting"]

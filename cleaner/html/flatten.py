"""Flatten a parsed HTML page to the lines the text path sees, with what the markup knows.

:func:`flatten` walks the DOM once and writes each block element's text on a line of its
own, with a blank line around paragraphs, headings, lists and the like: the flattening
that the text path's pages come from (scripts, styles, inline SVG, MathML and comments
dropped, the page's own ``<title>`` first, not one inside an ``svg`` or ``math``). Every
non-blank line also gets a tuple of numbers, named by :data:`HINTS`:

- ``link_density``: the share of the line's characters inside ``<a>``;
- ``in_<region>``: 1 when an ancestor is that element or has that ``role``: ``nav``,
  ``header``, ``footer``, ``aside``, ``form`` (and its controls), ``article`` (also
  ``main`` and ``itemprop=articleBody``), a list item, a table cell, a paragraph,
  ``pre``/``code``, a quotation, a figure, hidden (``hidden``, ``aria-hidden``,
  ``display:none``), the ``<title>``, for screen readers only (``reader``: most of the
  line's text is inside a class such as ``sr-only`` or ``visually-hidden``; the rule
  ``screen-reader-only`` takes such a line, and the line model does not read the
  column, :data:`MODEL_HINTS`), a forum's page (``forum``, every line of it: the class
  or id of ``<html>`` or ``<body>`` names a forum, a thread or a question, so
  ``comment-thread`` leaves its posts; the model does not read it either);
  ``heading`` is the level of an ``h1``-``h6``;
- ``class_<family>``: how many levels up the nearest element whose class or id names
  that family sits (0: the line's own element; ``FAR`` when none does): comment,
  navigation, header or footer, sidebar, share, related, advert, prompt, metadata,
  tags, content;
- ``depth``: how deep the line's element sits;
- ``in_main``: 1 inside the page's main container, the element whose prose outweighs
  what else it holds by the most (the readability heuristic, on sentence-like lines);
  prose in a dialog or hidden element, a footer, an aside or navigation neither counts
  nor holds it (a shop's privacy policy in a dialog outweighed its product text);
  ``before_main`` and ``after_main``: 1 for a line outside it, before or after it;
  ``main_share``: the share of the page's prose inside it;
- ``parent_share``, ``parent_links`` and ``parent_lines``: the share of the page's
  characters inside the line's element's parent, that parent's link density, and how
  many lines it holds.

The boilerplate stage's HTML line model reads them beside the text features.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


# tags whose text is not page text
SKIP = _tags("head script style template svg iframe object embed canvas math link meta base")
# the document's own <title>: one inside an svg (an icon's) or math is not the page's
TITLE = "title:not(svg title, math title)"
# a line break before and after (html-text's NEWLINE_TAGS, with section and the rest)
NEWLINE = _tags(
    "article aside br dd details div dt fieldset figcaption footer form header hr legend "
    "li main nav table tr section address summary option caption tbody thead tfoot center menu"
)
# a blank line before and after (html-text's DOUBLE_NEWLINE_TAGS)
DOUBLE = _tags("blockquote dl figure h1 h2 h3 h4 h5 h6 ol p pre title ul")
# inline elements that mark up part of a run of text and that pages do not lay out as
# blocks: they join the text around them as a browser does, with the page's own spaces
# ("H<sub>2</sub>O", "<b>Bold</b>er", "un<wbr>breakable"). Every other inline element
# (a link, a span: often a menu item or a card's field) stands a word apart, as
# html-text has it, and so does nothing inside ``pre`` or ``code``, whose spans are a
# highlighter's ("os<span>.</span>path"). ``sup`` stands apart too: it is mostly a
# footnote's number ("Suction<sup>1</sup>"), which joined would make a word of its own.
GLUED = _tags(
    "b strong i em u s strike del ins sub small big mark abbr acronym dfn wbr tt kbd samp "
    "var bdi bdo"
)

# region flags, one bit each, set by a tag or a role on the element or an ancestor
REGIONS = (
    "nav", "header", "footer", "aside", "form", "article", "li", "cell", "p", "pre",
    "quote", "figure", "hidden", "title", "reader", "forum",
)  # fmt: skip
_BIT = {name: 1 << k for k, name in enumerate(REGIONS)}
_READER = _BIT["reader"]  # read per text node and per line
TAG_REGION = {
    "nav": "nav", "menu": "nav", "header": "header", "footer": "footer", "aside": "aside",
    "form": "form", "button": "form", "select": "form", "option": "form", "label": "form",
    "input": "form", "textarea": "form", "fieldset": "form", "article": "article",
    "main": "article", "li": "li", "dd": "li", "dt": "li", "td": "cell", "th": "cell",
    "p": "p", "pre": "pre", "code": "pre", "blockquote": "quote", "q": "quote",
    "figure": "figure", "figcaption": "figure", "title": "title",
}  # fmt: skip
ROLE_REGION = {
    "navigation": "nav", "menu": "nav", "menubar": "nav", "banner": "header",
    "contentinfo": "footer", "complementary": "aside", "search": "form", "form": "form",
    "main": "article", "article": "article", "dialog": "hidden",
}  # fmt: skip

# class and id families: a word of the class or id that starts with one of these
FAMILIES: dict[str, tuple[str, ...]] = {
    "comment": ("comment", "disqus", "reply", "respond", "discussion", "review"),
    "nav": ("nav", "menu", "breadcrumb", "pagination", "pager", "toc", "skip"),
    "chrome": ("header", "footer", "masthead", "copyright", "site-info", "colophon"),
    "sidebar": ("sidebar", "widget", "aside", "rail", "secondary"),
    "share": ("share", "social", "sharing", "follow"),
    "related": ("related", "recommend", "more-", "popular", "trending", "read-next"),
    "advert": ("ad", "ads", "advert", "sponsor", "promo", "banner", "dfp", "gpt"),
    "prompt": ("cookie", "consent", "newsletter", "subscribe", "signup", "popup", "modal"),
    "meta": ("byline", "author", "date", "time", "meta", "posted", "published"),
    "tags": ("tag", "tags", "category", "categories", "topic", "label"),
    "content": ("article", "content", "post", "entry", "story", "body", "text", "prose",
                "main", "blog", "rich", "markdown", "page-content"),
}  # fmt: skip
_FAMILY_BIT = {name: 1 << k for k, name in enumerate(FAMILIES)}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# the classes that show an element to screen readers only (Bootstrap's and Tailwind's
# sr-only, visually-hidden, WordPress's screen-reader-text, Drupal's element-invisible,
# Foundation's show-for-sr, jQuery UI's ui-helper-hidden-accessible, Elementor's
# elementor-screen-only; a prefixed sr-only such as the US design system's usa-sr-only,
# any class naming screen readers): a skip link, a control's label, "Opens in a new window"
_SCREEN_READER = re.compile(
    r"(?<![\w-])(?:[\w-]*sr-only|show-for-sr|element-invisible|[\w-]*screen-?reader[\w-]*"
    r"|elementor-screen-only|[\w-]*hidden-accessible|[\w-]*visually-?hidden)(?![\w])",
    re.I,
)
# the words a forum's or Q&A site's pages put in the class or id of <html> or <body>
# (bbPress's "single-topic bbpress", phpBB's id "phpbb", a Q&A site's "question-page")
_FORUM_PAGE = re.compile(
    r"(?<![a-z])(forums?|topic|threads?|questions?|bbpress|phpbb|vbulletin|xenforo|discourse)"
    r"(?![a-z])",
    re.I,
)
_PROSE = re.compile(r"[.!?:;][\"')\]]*(\s|$)")  # a sentence end inside the line
_SPACE = re.compile(r"\s+")
# the space put between an inline element and the text around it (:meth:`_Lines.gap`),
# marked apart from the page's own spaces until the line is written: a noncharacter,
# which no page's text holds
GAP = "\ufdd0"
# a gap before punctuation goes ("a, b" from "a<i>,</i> b", and from the source's layout,
# :data:`_LAYOUT`); a space typed in the text there stays ("Bonjour !", the opening quote
# of " quoted ")
_GAP_BEFORE_MARK = re.compile(GAP + r"+(?=[,.;:!?)\]}'\"](?:[\s" + GAP + r"]|$))")

HINTS: tuple[str, ...] = (
    "link_density",
    *(f"in_{name}" for name in REGIONS),
    "heading",
    *(f"class_{name}" for name in FAMILIES),
    "depth",
    "in_main",
    "before_main",
    "after_main",
    "main_share",
    "parent_share",
    "parent_links",
    "parent_lines",
    "in_code",
)
# the hints the HTML line model reads: all but ``in_reader``, whose lines a named rule
# takes before the model sees the page (``screen-reader-only``), ``in_forum``, which
# tells ``comment-thread`` that a page's posts are its content, and ``in_code``: every
# word of the line in ``pre`` or ``code`` (``in_pre``, which the model reads, says so of
# the line's first word), so that a heading opening with code can still be the headline
MODEL_HINTS = tuple(name for name in HINTS if name not in ("in_reader", "in_forum", "in_code"))
FAR = 30.0  # the class distance of a line with no such ancestor
NEAR = 2.0  # a class this near a line (its element, parent or grandparent) names its region
# the hints of a line the markup said nothing of: no region, no class family near
NEUTRAL = tuple(FAR if name.startswith("class_") else 0.0 for name in HINTS)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # a line of only these is blank
_IN_PRE = HINTS.index("in_pre")
_IN_CODE = HINTS.index("in_code")


_SAID = ("nav", "header", "footer", "aside", "form", "hidden", "reader")  # worth naming
_SAYS = {"reader": "for screen readers"}
# regions the main container never sits in: a dialog's policy text or a footer's "about
# us" can hold more prose than the article
_NOT_MAIN = _BIT["hidden"] | _BIT["footer"] | _BIT["nav"] | _BIT["aside"]


def pre_lines(hints: Sequence[tuple[float, ...] | None]) -> frozenset[int]:
    """The lines the markup puts in ``pre`` or ``code`` (``in_pre``, the line's first
    word): code, whose spaces are its own and whose lines the boilerplate rules do not
    judge by their shape."""
    return frozenset(k for k, row in enumerate(hints) if row is not None and row[_IN_PRE])


def code_lines(hints: Sequence[tuple[float, ...] | None]) -> frozenset[int]:
    """The lines of :func:`pre_lines` whose every word is in ``pre`` or ``code``
    (``in_code``): not a docs heading that opens with inline code ("``aifc`` — Read and
    write AIFF files"), which can be a page's headline."""
    return frozenset(k for k, row in enumerate(hints) if row is not None and row[_IN_CODE])


def describe(row: tuple[float, ...]) -> str:
    """What the markup said of a line, in a few words, for the audit and ``explain``.

    >>> row = dict(zip(HINTS, NEUTRAL)) | {"in_nav": 1.0, "link_density": 1.0,
    ...     "class_nav": 1.0, "before_main": 1.0}
    >>> describe(tuple(row[name] for name in HINTS))
    'nav; class nav; before the main text; links 100%'
    """
    at = dict(zip(HINTS, row, strict=False))
    parts = [_SAYS.get(name, name) for name in _SAID if at[f"in_{name}"]]
    parts += [
        f"class {name}" for name in FAMILIES if name != "content" and at[f"class_{name}"] <= NEAR
    ]
    if at["before_main"]:
        parts.append("before the main text")
    elif at["after_main"]:
        parts.append("after the main text")
    elif at["in_main"]:
        parts.append("in the main text")
    if at["link_density"] >= 0.5:
        parts.append(f"links {at['link_density']:.0%}")
    return "; ".join(parts)


@dataclass(frozen=True)
class Flat:
    """A page as lines: ``text`` and, per line of ``text.split("\\n")``, its hints
    (:data:`HINTS`; ``None`` on a blank line)."""

    text: str
    hints: tuple[tuple[float, ...] | None, ...]


class _Frame:
    """One open element: its inherited bits, and the text counted inside it."""

    __slots__ = (
        "block",
        "chars",
        "depth",
        "heading",
        "links",
        "near",
        "parent",
        "prose",
        "regions",
        "verbatim",
    )  # fmt: skip

    def __init__(
        self,
        parent: _Frame | None,
        regions: int,
        near: tuple[int, ...],
        heading: int,
        depth: int,
        block: bool = True,
        verbatim: bool = False,
    ) -> None:
        self.parent = parent
        self.block = block
        self.verbatim = verbatim  # inside a pre: its spaces are the text's own
        self.regions = regions
        self.near = near  # per family, the depth of the nearest ancestor naming it; -1: none
        self.heading = heading
        self.depth = depth
        self.chars = 0
        self.links = 0
        self.prose = 0


def _family_pattern(stems: tuple[str, ...]) -> re.Pattern[str]:
    # a stem of four letters or more matches inside a word ("commentlist"); a shorter
    # one only as a whole word of the class ("ad", not "header" or "shadow")
    long = [re.escape(s) for s in stems if len(s) > 3]
    short = [re.escape(s) for s in stems if len(s) <= 3]
    parts = [f"(?:{'|'.join(long)})"] if long else []
    if short:
        parts.append(f"(?<![a-z0-9])(?:{'|'.join(short)})(?![a-z0-9])")
    return re.compile("|".join(parts))


_FAMILY_RES = [(_FAMILY_BIT[name], _family_pattern(stems)) for name, stems in FAMILIES.items()]


@functools.lru_cache(maxsize=4096)
def _family_bits(words: str) -> int:
    """The families a class-and-id string names (classes repeat: cached)."""
    words = words.lower()
    return sum(bit for bit, pattern in _FAMILY_RES if pattern.search(words))


@functools.lru_cache(maxsize=4096)
def _for_readers(classes: str) -> bool:
    """Whether a class attribute names a class for screen readers only (classes repeat:
    cached; the pattern's open prefixes cost microseconds a search)."""
    return _SCREEN_READER.search(classes) is not None


class _Lines:
    """The lines being written, each with the element it came from.

    ``lines`` are the lines as the hints measure them, their spaces collapsed; a line of
    a ``pre`` is written as the page has it, its indentation and inner spaces kept
    (``verbatim``, by line number).
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.verbatim: dict[int, str] = {}
        self.frames: list[_Frame | None] = []
        self.links: list[int] = []
        self.unseen: list[bool] = []  # per line, whether most of it is for screen readers
        self.code: list[bool] = []  # per line, whether all its text is in pre or code
        self.buf: list[str] = []
        self.buf_links = 0
        self.buf_unseen = 0  # characters of the line's text for screen readers only
        self.buf_code = True  # no text of the line so far outside pre or code
        self.frame: _Frame | None = None
        self.blank = False  # a blank line is owed before the next line
        self.cap = -1  # where the gaps after a line's lone first capital start (-1: none)

    def add(self, text: str, frame: _Frame, link: bool) -> None:
        chars = len(text.strip())
        if not self.buf:
            if not chars and not frame.verbatim:  # a pre's indentation starts it
                return
            self.frame = frame
        if self.cap >= 0:
            if text[:1].islower() and text[:1].isalpha():  # a drop cap: "T" + "here"
                del self.buf[self.cap :]
            self.cap = -1
        self.buf.append(text if frame.verbatim else _layout_as_gaps(text))
        if self.buf_code and not frame.regions & _BIT["pre"] and chars:
            self.buf_code = False
        if link:
            self.buf_links += chars
        if frame.regions & _READER:
            self.buf_unseen += chars

    def gap(self) -> None:
        """A word's space after or before an inline element (:func:`_apart`); none
        after a line's first letter alone in its element when a lower-case letter
        follows with no space in the page: a drop cap (``<span>T</span>here``), which a
        browser sets as one word."""
        if self.cap < 0 and len(self.buf) <= 2 and _lone_capital(self.buf):
            self.cap = len(self.buf)
        self.buf.append(GAP)

    def end(self, blank: bool = False) -> None:
        if self.buf:  # most block ends close no text: nothing to write or reset
            text = _GAP_BEFORE_MARK.sub("", "".join(self.buf)).replace(GAP, " ")
            line = _SPACE.sub(" ", text).strip()
            if line.strip(_INVISIBLE).strip():
                if self.blank and self.lines and self.lines[-1]:
                    self.lines.append("")
                    self.frames.append(None)
                    self.links.append(0)
                    self.unseen.append(False)
                    self.code.append(False)
                self.blank = False
                if self.frame is not None and self.frame.verbatim:
                    self.verbatim[len(self.lines)] = "".join(self.buf).replace(GAP, " ").rstrip()
                self.lines.append(line)
                self.frames.append(self.frame)
                self.links.append(min(self.buf_links, len(line)))
                self.unseen.append(2 * min(self.buf_unseen, len(line)) > len(line))
                self.code.append(self.buf_code)
            self.buf, self.buf_links, self.frame, self.buf_unseen = [], 0, None, 0
            self.cap, self.buf_code = -1, True
        if blank:
            self.blank = True

    def pre(self, text: str, frame: _Frame, link: bool) -> None:
        """Text inside ``pre`` or ``code``: its own line breaks stand."""
        parts = text.split("\n")
        for k, part in enumerate(parts):
            if k:
                self.end()
            self.add(part, frame, link)


def flatten(tree: Any) -> Flat:
    """The lines of a parsed page (a selectolax ``LexborHTMLParser``) and their hints."""
    out = _Lines()
    root = _Frame(None, _forum_page(tree), (-1,) * len(FAMILIES), 0, 0)
    title = tree.css_first(TITLE)
    if title is not None:
        text = title.text(deep=True)
        out.add(text, _Frame(root, root.regions | _BIT["title"], root.near, 0, 1), False)
        out.end(blank=True)
    start = tree.body
    if start is not None:
        _walk(start, root, out)
    out.end()
    if not out.lines:
        return Flat("", (None,))  # "".split("\n") is one blank line
    text = "\n".join([out.verbatim.get(k, line) for k, line in enumerate(out.lines)])
    return Flat(text, _hints(out, root))


def _forum_page(tree: Any) -> int:
    """The ``forum`` bit when the class or id of the page's ``<html>`` or ``<body>`` names
    a forum, a thread or a question (a site's forum or Q&A software), else 0."""
    names = [
        value
        for node in (tree.css_first("html"), tree.body)
        if node is not None
        for key in ("class", "id")
        if (value := node.attributes.get(key))
    ]
    return _BIT["forum"] if names and _FORUM_PAGE.search(" ".join(names)) else 0


def _walk(start: Any, root: _Frame, out: _Lines) -> None:
    # an explicit stack: broken pages nest deeper than Python's recursion limit
    stack: list[tuple[Any, _Frame, bool]] = [(start, root, False)]
    links = 0  # how many <a> are open
    while stack:
        node, frame, leaving = stack.pop()
        tag = node.tag
        if leaving:
            if tag == "a":
                links -= 1
            if tag in DOUBLE:
                out.end(blank=True)
            elif tag in NEWLINE:
                out.end()
            elif out.buf and _apart(tag, frame):
                out.gap()  # inline elements are words apart (html-text's rule)
            continue
        if tag == "-text":
            text = node.text_content or ""
            if frame.regions & _BIT["pre"]:
                out.pre(text, frame, links > 0)
            else:
                out.add(text, frame, links > 0)
            continue
        if tag in SKIP or tag[0] in "-#!":
            continue
        attrs = node.attributes
        regions, near = frame.regions, frame.near
        region = TAG_REGION.get(tag)
        if region is not None:
            regions |= _BIT[region]
        role = attrs.get("role")
        if role and (region := ROLE_REGION.get(role.strip().lower())) is not None:
            regions |= _BIT[region]
        if attrs.get("itemprop") == "articleBody":
            regions |= _BIT["article"]
        if (
            "hidden" in attrs
            or attrs.get("aria-hidden") == "true"
            or _HIDDEN_STYLE.search(attrs.get("style") or "")
        ):
            regions |= _BIT["hidden"]
        if _for_readers(attrs.get("class") or ""):
            regions |= _READER
        names = " ".join(v for k in ("class", "id") if (v := attrs.get(k)))
        if names:
            bits = _family_bits(names)
            if bits:
                depth = frame.depth + 1
                near = tuple(
                    depth if bits & bit else d
                    for bit, d in zip(_FAMILY_BIT.values(), near, strict=True)
                )
        heading = int(tag[1]) if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456" else 0
        block = tag in DOUBLE or tag in NEWLINE
        child = _Frame(
            frame,
            regions,
            near,
            heading or frame.heading,
            frame.depth + 1,
            block,
            frame.verbatim or tag == "pre",
        )
        if tag in DOUBLE:
            out.end(blank=True)
        elif tag in NEWLINE:
            out.end()
        elif out.buf and _apart(tag, child):
            out.gap()
        if tag == "a":
            links += 1
        stack.append((node, child, True))
        kids = []
        kid = node.child
        while kid is not None:
            kids.append(kid)
            kid = kid.next
        for kid in reversed(kids):
            stack.append((kid, child, False))


# the source's layout in a text node, which a browser shows as one space: its
# whitespace at the node's edges (between tags: ``</a>\\n  .``) and any run of it that
# holds a line break or a tab (a line of the source ends: ``Elliott\\n    , Editor``);
# a run of spaces inside the text is typed there ("Bonjour !"), as is a no-break space
_LAYOUT = re.compile(r"^[ \t\n\r\f]+|[ \t\n\r\f]+$|[ \t\n\r\f]*[\t\n\r\f][ \t\n\r\f]*")


def _layout_as_gaps(text: str) -> str:
    """A text node's layout whitespace (:data:`_LAYOUT`) as :data:`GAP`: it goes before
    punctuation, as the gap around an inline element does.

    >>> _layout_as_gaps("\\n  . "), _layout_as_gaps("Wow !"), _layout_as_gaps("a\\n  , b")
    ('\\ufdd0.\\ufdd0', 'Wow !', 'a\\ufdd0, b')
    """
    return _LAYOUT.sub(GAP, text)


def _lone_capital(buf: list[str]) -> bool:
    """Whether the text of a line so far is one capital letter, spaces aside."""
    text = "".join(buf).replace(GAP, "").strip()
    return len(text) == 1 and text.isupper()


def _apart(tag: str, frame: _Frame) -> bool:
    """Whether inline element ``tag`` (its own ``frame``) stands a word apart from the
    text around it (see :data:`GLUED`)."""
    return tag not in GLUED and not frame.regions & _BIT["pre"]


def _hints(out: _Lines, root: _Frame) -> tuple[tuple[float, ...] | None, ...]:
    # the elements that hold a line, each once, in the order the lines first reach them
    # (the main container's ties go to the first one met)
    order: list[_Frame] = []
    seen: set[int] = set()
    for frame in out.frames:
        f = frame
        while f is not None and id(f) not in seen:
            seen.add(id(f))
            order.append(f)
            f = f.parent
    # every element is one deeper than its parent: deepest first, an element has all its
    # children's counts before it hands them on
    down = sorted(order, key=lambda f: f.depth)
    # count each line once in the element it came from, then add each element into its
    # parent: the work grows with elements plus lines, not lines times depth
    for line, frame, links in zip(out.lines, out.frames, out.links, strict=True):
        if frame is None:
            continue
        prose = len(line) if _PROSE.search(line) and line.count(" ") >= 8 else 0
        if frame.regions & _NOT_MAIN:
            prose = 0  # never the main text's: it must not draw the main container
        frame.chars += len(line)
        frame.links += links
        frame.prose += prose
    for f in reversed(down):
        if f.parent is not None:
            f.parent.chars += f.chars
            f.parent.links += f.links
            f.parent.prose += f.prose
    total = max(root.chars, 1)
    main, best = root, float("-inf")
    for f in order:
        score = f.prose - 0.5 * (f.chars - f.prose)
        if not f.regions & _NOT_MAIN and (score > best or (score == best and f.depth > main.depth)):
            main, best = f, score
    main_share = main.prose / max(root.prose, 1)
    # per element, whether it sits in the main container, and the parent of its nearest
    # block (itself or an ancestor): worked out parents first, once each
    held: set[int] = set()  # the main container and what it holds
    blocks: dict[int, _Frame] = {}
    for f in down:
        up = f.parent
        if f is main or (up is not None and id(up) in held):
            held.add(id(f))
        block = f if f.block or up is None else blocks[id(up)]
        blocks[id(f)] = block
    inside: list[bool] = []
    parents: list[_Frame | None] = []
    lines_in: dict[int, int] = {}
    for frame in out.frames:
        if frame is None:
            inside.append(False)
            parents.append(None)
            continue
        inside.append(id(frame) in held)
        block = blocks[id(frame)]
        container = block.parent or block
        parents.append(container)
        lines_in[id(container)] = lines_in.get(id(container), 0) + 1
    return _rows(out, inside, parents, lines_in, main_share, total)


def _rows(
    out: _Lines,
    inside: list[bool],
    parents: list[_Frame | None],
    lines_in: dict[int, int],
    main_share: float,
    total: int,
) -> tuple[tuple[float, ...] | None, ...]:
    """Each line's :data:`HINTS`, from what :func:`_hints` counted: per line whether it
    is in the main container and its block's parent (None: a blank line), the lines per
    parent, the main container's share of the page's prose and the page's characters."""
    first = inside.index(True) if True in inside else len(inside)
    last = len(inside) - 1 - inside[::-1].index(True) if True in inside else -1
    hints: list[tuple[float, ...] | None] = []
    for k, (line, frame, links) in enumerate(zip(out.lines, out.frames, out.links, strict=True)):
        parent = parents[k]
        if frame is None or parent is None:
            hints.append(None)
            continue
        in_main = 1.0 if inside[k] else 0.0
        # a line is for screen readers when most of its text is, not when its first is
        regions = frame.regions & ~_READER | (_READER if out.unseen[k] else 0)
        hints.append(
            (
                links / max(len(line), 1),
                *(1.0 if regions & bit else 0.0 for bit in _BIT.values()),
                float(frame.heading),
                *(FAR if d < 0 else float(frame.depth - d) for d in frame.near),
                float(frame.depth),
                in_main,
                1.0 if not in_main and k < first else 0.0,
                1.0 if not in_main and k > last else 0.0,
                main_share,
                parent.chars / total,
                parent.links / max(parent.chars, 1),
                float(lines_in[id(parent)]),
                1.0 if out.code[k] else 0.0,
            )
        )
    return tuple(hints)

"""The boilerplate stage: keep the article, drop the page around it, and say why.

:func:`strip_boilerplate` works on one text. It runs, in order:

1. ``user-pattern``: the regexes of ``BoilerplateConfig.extra_patterns`` (whole line);
2. the named families of :mod:`cleaner.rules` (navigation rows and runs, the menu
   above the headline, prompts, captions, metadata, the title and date, tag lists, ...);
3. ``corpus-repeat`` (stage only): a line seen in ``min_repeats`` documents of one
   source that also looks like boilerplate, near-duplicates of one another counting
   once (:meth:`cleaner.stages.repeats.LineSets.repeated`);
4. ``low-content``: a small learned line model (gradient-boosted trees over per-line
   and neighbour features, stored in ``cleaner/data/boilerplate_model.json``) scores
   the remaining lines, and the lines below the page's own cut
   (:func:`cleaner.rules.model.page_cut`) go as page furniture. The footer below the
   article is this model's to judge, from where a line sits as well as what it says: a
   fixed rule for it (every short line after the last paragraph) took the items of
   listing pages and whole contents pages of documentation with it. No cut takes a
   paragraph of the main span (the stretch of text the model believes in) that it
   scores ``SPAN_KEEP`` or more: where the rest of a page scores higher still (a long
   comment thread, a list of likely lines), the cut rose above the article itself.
5. ``comment-thread``: a thread of reader comments below the main span ends the
   article, from its header on, or from HTML from where the markup puts the comments
   or reviews; where the span ran on into the thread, from a header inside it that
   counts or names comments, or a region the markup says holds comments
   (:func:`_end_at_thread`).

A short line between two paragraphs is a section heading, and a paragraph between the
headline and the byline or date is the standfirst; steps 3 and 4 never take either.
Every removed line becomes one :class:`Removal` (one ``Change`` in the stage), so
``cleaner explain`` can show it with its rule; ``BoilerplateConfig.disable`` turns any
rule off by name.

A page whose every line goes by named rules (steps 1 to 3) holds nothing but
boilerplate ("Leave a comment" and its form, say): the document leaves the corpus as
``boilerplate-only``, each of its lines reported with its rule. When the line model
(``low-content``) is what would take the last lines, the page is kept whole (no
removals; the title and date found are still reported): the model reads each line
against its page, and a page whose every line it doubts (a table, a list of figures,
code, a language it knows little of) is unlike the pages it learned from rather than
proven furniture, so the filters downstream see it and decide. Turning
``boilerplate-only`` off keeps every such page whole too.

>>> s = strip_boilerplate("Home\\nNews\\nSport\\n\\nThe council met on Monday and voted to "
...                       "close the old bridge for repairs.\\n\\nShare on Facebook")
>>> s.text
'The council met on Monday and voted to close the old bridge for repairs.'
>>> [r.rule for r in s.removed]
['low-content', 'low-content', 'low-content', 'share-prompt']
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cleaner.config import BoilerplateConfig
from cleaner.document import Change, Document, Hints
from cleaner.html.flatten import HINTS, NEAR, describe
from cleaner.names import Reason, StageName
from cleaner.rules.context import Page, is_body, prepare_page
from cleaner.rules.model import LineModel, protected_headings, protected_standfirst
from cleaner.rules.patterns import COMMENTS_HEADER, PHRASE_RULES, THREAD_HEADER, word_count
from cleaner.stage import Stage
from cleaner.stages.repeats import (
    NO_REPEATS,
    TWINS,
    Repeated,
    counts_repeats,
    line_sets,
    source_key,
    source_salt,
)

DEFAULT_CONFIG = BoilerplateConfig()
BOILERPLATE_ONLY = Reason.BOILERPLATE_ONLY  # the drop of a page whose every line is boilerplate
MODEL_RULE = "low-content"  # the line model's rule: its doubt alone never empties a page
THREAD = "comment-thread"  # the lines from a comment thread's header on, below the article
CORPUS_SCORE = 0.5  # a repeated line goes when the model gives it less than this
SPAN_KEEP = 0.5  # a paragraph of the main span scored at least this stays under any cut


@dataclass(frozen=True)
class Removal:
    """One removed line (or a removed prefix of a line): its rule, 1-based number and text.

    A ``low-content`` removal also carries the line model's score for the line and the
    page's cut it fell below, so a user can see how near the line came to staying; a
    line of a page read from HTML, what its markup said of it (``where``: "nav; links
    100%", see :func:`cleaner.html.flatten.describe`).
    """

    rule: str
    line: int
    text: str
    score: float | None = None
    cut: float | None = None
    where: str | None = None  # what the markup said of the line (a page read from HTML)


@dataclass(frozen=True)
class Stripped:
    """The kept text, the headline, ISO date and byline names found, and every removal
    with its rule; ``emptied`` when every line went by a named rule (``text`` is then
    empty)."""

    text: str
    title: str | None
    date: str | None
    removed: tuple[Removal, ...]
    author: str | None = None
    emptied: bool = False  # every line went by a named rule: ``removed`` holds them all
    # per line of ``text``, the line of the input it came from, from 0 (None: a blank
    # line put between blocks); None when ``text`` is the input
    origin: tuple[int | None, ...] | None = None


def strip_boilerplate(
    text: str,
    config: BoilerplateConfig = DEFAULT_CONFIG,
    hints: Hints | None = None,
    title: str | None = None,
) -> Stripped:
    """Strip the boilerplate of one repaired text (see the module docstring); ``hints``,
    per line of a page read from HTML, are what its markup said (:mod:`cleaner.html`);
    ``title``, the title the text came with (a record's): then the text is not searched
    for one, and ``Stripped.title`` is None (the document keeps its own)."""
    return _strip(text, config, NO_REPEATS, hints=hints, own_title=title)


MAX_PASSES = 12  # rules read neighbours and page position: strip again until stable


def _strip(
    text: str,
    config: BoilerplateConfig,
    repeated: Repeated,
    model: LineModel | None = None,
    hints: Hints | None = None,
    own_title: str | None = None,
) -> Stripped:
    """Strip until a fixed point, so that cleaning clean output changes nothing.

    The context rules and the model judge a line by its neighbours, so removing a line
    can expose another; later passes run on the kept text (title and date already
    taken) and their removals are reported with the original line numbers. ``model``
    replaces the shipped line model (training scores held-out pages with this).
    ``hints`` (one per line of ``text``, from the HTML path) go to the HTML line model;
    hints that do not match the lines are not used.
    """
    if not config.enabled:
        return Stripped(text, None, None, ())
    if hints is not None and len(hints) != text.count("\n") + 1:
        hints = None  # a text stage changed the lines: the markup no longer matches
    if model is None:
        model = LineModel.html_default() if hints is not None else LineModel.default()
    # a document with a title of its own (a record's, such as a corpus cleaned before)
    # keeps it, and its text is not searched for another
    want_title = config.extract_title and own_title is None
    page = _judge(text, config, repeated, want_title, config.extract_date, model, hints)
    title = page.title
    result, origin = _render(page)
    if result.emptied:
        if _only_named(result.removed, config):
            return Stripped("", title, page.date, result.removed, page.author, True, (None,))
        return replace(result, removed=(), emptied=False, origin=tuple(origin))  # kept whole
    removed = list(result.removed)
    for _ in range(MAX_PASSES - 1):
        if not result.removed:
            break
        sub_hints = None if hints is None else [None if k is None else hints[k] for k in origin]
        # the headline is looked for again while none was found: the text cleaned to its
        # fixed point then has none to give, as a run over the clean output would find
        later = _judge(
            result.text, config, repeated, want_title and title is None, False, model, sub_hints
        )
        again, sub_origin = _render(later)
        if not again.removed:
            break
        found = [replace(r, line=(origin[r.line - 1] or 0) + 1) for r in again.removed]
        if again.emptied:
            if _only_named([*removed, *found], config):
                every = tuple(sorted([*removed, *found], key=lambda r: r.line))
                return Stripped(
                    "", title or later.title, page.date, every, page.author, True, (None,)
                )
            break  # the model would take the last lines: keep what the last pass kept
        title = title or later.title
        removed.extend(found)
        origin = [None if k is None else origin[k] for k in sub_origin]
        result = again
    removed.sort(key=lambda r: r.line)
    return Stripped(
        result.text, title, page.date, tuple(removed), page.author, origin=tuple(origin)
    )


def _only_named(removed: Iterable[Removal], config: BoilerplateConfig) -> bool:
    """Whether a page whose every line goes is ``boilerplate-only``: no line went by the
    line model alone, and the rule is on."""
    return BOILERPLATE_ONLY not in config.disable and all(r.rule != MODEL_RULE for r in removed)


def _judge(
    text: str,
    config: BoilerplateConfig,
    repeated: Repeated,
    title: bool,
    date: bool,
    model: LineModel,
    hints: Sequence[tuple[float, ...] | None] | None = None,
) -> Page:
    page = prepare_page(text, config.disable, config.extra_patterns, title, date, hints)
    todo = [i for i in page.nonempty() if page.kept(i)]
    if todo and not _moot(page, todo, repeated):
        keep = protected_headings(page) | page.fenced | _code_symbols(page)
        standfirst = protected_standfirst(page)
        if standfirst is not None:
            keep.add(standfirst)
        judged = [i for i in todo if i not in keep]
        scores = model.scores(page, set(judged))
        code = _code_repeated(page, judged, scores, repeated) if repeated and page.code else set()
        doubted = []
        for i in judged:
            if (
                (i not in page.code or i in code)
                and _repeated(page, i, scores[i], repeated)
                and page.mark(i, "corpus-repeat")
            ):
                continue
            doubted.append(i)
        cut = model.cut(
            [scores[i] for i in doubted], [word_count(page.text_of(i)) for i in doubted]
        )
        for i in doubted:
            if scores[i] < cut and not _held(page, i, scores[i]) and page.mark(i, MODEL_RULE):
                page.verdicts[i] = (scores[i], cut)
        _code_as_one(page, scores, cut)
        _end_at_thread(page)
    _keep_code_whole(page)
    _close_empty_code(page)
    return page


def _repeated(page: Page, i: int, score: float, repeated: Repeated) -> bool:
    """Whether line ``i`` goes as ``corpus-repeat``: it looks like boilerplate (the
    model's ``score``), then (a hash) the site repeats it, and the markup does not put
    it in the page's main container."""
    return (
        _looks_repeatable(page, i, score)
        and bool(repeated)
        and page.lines[i] in repeated
        and not _in_main(page, i)
    )


def _code_repeated(
    page: Page, judged: list[int], scores: dict[int, float], repeated: Repeated
) -> set[int]:
    """The judged lines of the code blocks every judged line of which goes as
    ``corpus-repeat`` (a site's banner in a ``pre``): a block goes whole or not at all,
    as the lines common to much code (``import os``, ``else:``) are repeated over a
    site's pages while the block they sit in is each page's own."""
    todo = set(judged)
    out: set[int] = set()
    for block in page.code_blocks():
        lines = [i for i in block if i in todo]
        if lines and all(_repeated(page, i, scores[i], repeated) for i in lines):
            out.update(lines)
    return out


def _code_as_one(page: Page, scores: dict[int, float], cut: float) -> None:
    """The line model keeps or drops a code block whole, as it judged most of the words of
    the block's lines it judged: a line of code read alone says little (``java {``), and
    a block kept in part is broken code."""
    for block in page.code_blocks():
        judged = [i for i in block if i in scores and page.rule[i] in (None, MODEL_RULE)]
        kept = sum(word_count(page.lines[i]) for i in judged if page.rule[i] is None)
        dropped = sum(word_count(page.lines[i]) for i in judged if page.rule[i] is not None)
        for i in judged:
            if kept >= dropped and page.rule[i] is not None:
                page.rule[i] = None
                page.verdicts.pop(i, None)
            elif kept < dropped and page.mark(i, MODEL_RULE):
                page.verdicts[i] = (scores[i], cut)


def _keep_code_whole(page: Page) -> None:
    """A phrase family's line inside a code block that keeps other lines stays: a block
    is kept whole or goes whole (a license's text in a ``pre`` holds "All rights
    reserved", a YAML block a ``register:`` key). A block whose every line a family
    took goes whole (:func:`_close_empty_code`)."""
    if not page.code:  # most pages: no block to walk
        return
    for block in page.code_blocks():
        if any(page.rule[i] is None for i in block):
            for i in block:
                if page.rule[i] in PHRASE_RULES:
                    page.rule[i] = None


def _code_symbols(page: Page) -> set[int]:
    """The lines of code without a word (``}``, ``});``): the line model does not judge
    them, as a kept block of code needs them; they go when every line of their block
    that holds a word went (:func:`_close_empty_code`)."""
    return {i for i in page.code if not word_count(page.lines[i])}


def _close_empty_code(page: Page) -> None:
    """A code block whose every line with a word went goes whole, by the rule that took
    the first of them (``template-leftover`` for a block without a word), and a Markdown
    block with its fences (``template-leftover`` for a block with no line): no rule takes
    a fence itself, nor a line of code by its text alone (:meth:`Page.mark`), so that a
    kept block stays fenced and whole."""
    for block in page.code_blocks():
        worded = [i for i in block if word_count(page.lines[i])]
        if all(page.rule[i] is not None for i in worded):
            rule = page.rule[worded[0]] if worded else "template-leftover"  # "* * *" art
            if rule is not None and rule not in page.disabled:
                for i in block:
                    if page.rule[i] is None:
                        page.rule[i] = rule
    for start, end in page.fences:
        inside = [i for i in range(start + 1, end) if page.lines[i]]
        if all(page.rule[i] is not None for i in inside):
            rule = page.rule[inside[0]] if inside else "template-leftover"
            if rule not in page.disabled:
                page.rule[start] = page.rule[end] = rule


def _looks_repeatable(page: Page, i: int, score: float) -> bool:
    """Whether line ``i``, scored ``score``, looks like boilerplate enough to go as
    ``corpus-repeat`` when the site repeats it: the line model doubts it, or it is not a
    sentence, unless (from HTML) the model keeps it and the markup puts it in the page's
    body (``main``, ``article``, ``role=main``), outside its navigation, header, footer,
    aside and forms: a contents page's list of chapters is that page's text, though
    every other page of the site repeats it in its sidebar."""
    if score < CORPUS_SCORE:
        return True
    if is_body(page.lines[i]):
        return False
    row = _hint_row(page, i)
    return row is None or row[_IN_ARTICLE] != 1.0 or any(row[k] for k in _FURNITURE)


def _moot(page: Page, todo: list[int], repeated: Repeated) -> bool:
    """Whether no verdict of the line model can change what becomes of ``page``: its one
    line, which no rule took and none cut, stays whether the model keeps it or not (a
    page the model alone would empty is kept whole, see :func:`_strip`), unless a
    ``corpus-repeat`` test needs the model's score. One-line documents (sentences,
    titles, short records) then skip the model."""
    return (
        len(page.nonempty()) == 1  # todo is that line
        and not page.edits
        and not (repeated and page.lines[todo[0]] in repeated)
    )


def _end_at_thread(page: Page) -> None:
    """A thread of reader comments below the main span ends the article: from its
    header (a comment count, the prompt to add one, or a commenter's byline) on, every
    line goes as ``comment-thread``. A page with a comment header or byline in or above
    the main span is left alone: its posts are its content (a forum, a Q&A page), and
    so is a page read from HTML whose ``<html>`` or ``<body>`` class or id says it is a
    forum's, a thread or a question (:func:`is_forum_page`). So is a page that prints one
    header more than once (digits aside): "27 comments" under each item of a listing,
    "Add a comment" under each answer of a Q&A page. Where the
    model's span ran on into the thread, a header inside it that counts comments or
    names readers' comments starts the thread there, after a paragraph of the span
    (:func:`_span_thread_start`). From HTML
    the markup can say where a thread starts with no header line: the first kept line
    below the span's paragraphs in an element whose class or id names comments or
    reviews, also inside the span when the thread's region names comments
    (:func:`_marked_thread_start`)."""
    if is_forum_page(page.hints):
        return
    start = _thread_start(page)
    if start is None:
        start = _marked_thread_start(page)
    if start is None:
        return
    for j in range(start, len(page.lines)):  # the header keeps its own rule
        page.mark(j, THREAD)


def is_forum_page(hints: Sequence[tuple[float, ...] | None] | None) -> bool:
    """Whether the markup says a page is a forum's or Q&A site's (``in_forum``, from the
    class or id of its ``<html>`` or ``<body>``): its posts are its content, and
    ``comment-thread`` leaves them. ``hints``: a page's, or None (text input)."""
    row = next((r for r in hints or () if r is not None), None)
    return row is not None and row[_IN_FORUM] == 1.0


_IN_FORUM = HINTS.index("in_forum")


def _thread_start(page: Page) -> int | None:
    """The header line of a comment thread below the main span, else one inside it
    (:func:`_span_thread_start`), or None."""
    if THREAD in page.disabled:
        return None
    first = _comments_start(page)  # None on most pages: no line to look at
    found = None if first is None else _below_thread_start(page, first)
    return _span_thread_start(page) if found is None else found


def _below_thread_start(page: Page, first: int) -> int | None:
    """The thread's header or first byline from ``first``, the first comment line below
    the span, or None (a forum, or a counter printed per item)."""
    if not _COMMENT_RULES.isdisjoint(page.rule[:first]):
        return None  # a comment line in or above the span: a forum or Q&A page
    after = range(first, len(page.lines))
    headers = [
        j
        for j in after
        if page.rule[j] == "comment-prompt" and THREAD_HEADER.match(page.lines[j].strip())
    ]
    shapes = [_DIGITS.sub("0", page.lines[j].strip().lower()) for j in headers]
    if len(set(shapes)) < len(shapes):
        return None  # a counter or a button printed per item, not a thread's header
    bylines = [j for j in after if page.rule[j] == "comment-byline"]
    return min(headers[:1] + bylines[:1], default=None)


def _span_thread_start(page: Page) -> int | None:
    """A comment header inside the main span, where the model believed in the thread
    below it too: the first line ``comment-prompt`` took there that counts comments or
    names readers' comments, after a paragraph of the span, printed once on the page
    (not a counter under each item), with no comment line above it (a forum); else None.
    """
    if page.span is None:
        return None
    begin, end = page.span
    if "comment-prompt" not in page.rule[begin + 1 : end + 1]:
        return None  # most pages: no prompt in the span to look at
    heads = (
        j
        for j in range(begin + 1, end + 1)
        if page.rule[j] == "comment-prompt" and COMMENTS_HEADER.match(page.lines[j])
    )
    j = next(heads, None)
    lines = page.nonempty()
    if j is None or not _COMMENT_RULES.isdisjoint(page.rule[:j]):
        return None
    shape = _DIGITS.sub("0", page.lines[j].lower())
    if sum(_DIGITS.sub("0", page.lines[i].lower()) == shape for i in lines) > 1:
        return None
    if not _kept_paragraph(page, begin, j):
        return None  # no paragraph of the span above it
    return j


def _kept_paragraph(page: Page, lo: int, hi: int) -> bool:
    """Whether a line from ``lo`` up to ``hi`` (not included) is a kept paragraph."""
    return any(page.kept(i) and is_body(page.text_of(i)) for i in range(lo, hi))


_CLASS_COMMENT = HINTS.index("class_comment")
_IN_PRE = HINTS.index("in_pre")


def _in_comments(page: Page, i: int) -> bool:
    """Whether the markup put line ``i`` in an element whose class or id names
    comments or reviews (text: never); a comment in code (``hljs-comment``) is not one."""
    row = _hint_row(page, i)
    return row is not None and row[_CLASS_COMMENT] <= NEAR and not row[_IN_PRE]


_COMMENTS_WORD = re.compile(r"\bcomments?\b", re.IGNORECASE)


def _marked_thread_start(page: Page) -> int | None:
    """For a page read from HTML: the first kept line after the main span's start that
    its markup puts among comments or reviews, when a paragraph of the span comes before
    it, such lines hold at least half the words from there on and no paragraph above it
    is among them (a forum's or Q&A page's posts, a docs page's notes; a "Reviews" link
    in the menu is no post); else None.

    The span can run on into a thread whose posts read like prose. Inside the span the
    line counts only when a line of its region from the span's start on names comments
    ("Top Rated Comments", "167 comments"): a product's reviews there can be the content.
    """
    if page.hints is None or page.span is None or THREAD in page.disabled:
        return None
    lines = page.nonempty()
    begin = page.span[0]
    after = [i for i in lines if i > begin and page.kept(i)]
    first = next((i for i in after if _in_comments(page, i)), None)
    if first is None:
        return None  # most pages: no comment markup below the span's start
    if any(_in_comments(page, i) and is_body(page.text_of(i)) for i in lines if i < first):
        return None  # a post above: a forum or a Q&A page
    if not _kept_paragraph(page, begin, first):
        return None  # no paragraph of the span above the comments
    heads = (page.lines[i] for i in lines if begin < i <= first and _in_comments(page, i))
    if first <= page.span[1] and not any(map(_COMMENTS_WORD.search, heads)):
        return None  # in the span: a region that names no comments (reviews, say)
    rest = [i for i in after if i >= first]
    words = sum(word_count(page.text_of(i)) for i in rest)
    marked = sum(word_count(page.text_of(i)) for i in rest if _in_comments(page, i))
    return first if marked * 2 >= words else None


def _held(page: Page, i: int, score: float) -> bool:
    """Whether line ``i`` is a paragraph of the main span that the model leans to keep
    (``SPAN_KEEP``): no page cut takes it, however high the rest of the page scores."""
    span = page.span
    return (
        span is not None
        and span[0] <= i <= span[1]
        and score >= SPAN_KEEP
        and is_body(page.text_of(i))
    )


def _render(page: Page) -> tuple[Stripped, list[int | None]]:
    """The kept text and, per line of it, the page line it came from (None: a gap)."""
    removed: list[Removal] = []
    blocks: dict[int, list[str]] = defaultdict(list)
    sources: dict[int, list[int]] = defaultdict(list)
    comments = _comments_start(page)
    for i in page.nonempty():
        rule = page.rule[i]
        if rule is not None:
            score, cut = page.verdicts.get(i, (None, None))
            where = _where(page, i, comments)
            # as the text had it: a line of code keeps its indentation in the audit too
            line = page.indented.get(i, page.lines[i])
            removed.append(Removal(rule, i + 1, line, score, cut, where))
            continue
        if i in page.edits:
            edit_rule, rest = page.edits[i]
            removed.append(Removal(edit_rule, i + 1, page.lines[i][: -len(rest)].strip()))
        blocks[page.block[i]].append(page.written(i))
        sources[page.block[i]].append(i)
    emptied = not blocks and bool(page.nonempty())
    if emptied:  # every line would go: the page whole, with the removals that would empty it
        for i in page.nonempty():
            blocks[page.block[i]].append(page.indented.get(i, page.lines[i]))
            sources[page.block[i]].append(i)
    text = "\n\n".join("\n".join(lines) for lines in blocks.values())
    origin: list[int | None] = []
    for block in sources.values():
        if origin:
            origin.append(None)
        origin.extend(block)
    return Stripped(text, page.title, page.date, tuple(removed), page.author, emptied), origin


_IN_MAIN = HINTS.index("in_main")
_IN_ARTICLE = HINTS.index("in_article")  # main, article, role=main, itemprop=articleBody
_FURNITURE = [HINTS.index(f"in_{name}") for name in ("nav", "header", "footer", "aside", "form")]


def _hint_row(page: Page, i: int) -> tuple[float, ...] | None:
    """What the markup said of line ``i`` (:data:`HINTS`); None for text."""
    return page.hints[i] if page.hints is not None and i < len(page.hints) else None


def _in_main(page: Page, i: int) -> bool:
    """Whether the markup put line ``i`` in the page's main container (text: never)."""
    row = _hint_row(page, i)
    return row is not None and row[_IN_MAIN] == 1.0


_COMMENT_RULES = frozenset({"comment-prompt", "comment-byline"})
_DIGITS = re.compile(r"\d+")


def _comments_start(page: Page) -> int | None:
    """The first line after the main span that a comment header or byline rule took."""
    if page.span is None:
        return None
    start = page.span[1] + 1
    tail = page.rule[start:]
    found = [tail.index(rule) for rule in _COMMENT_RULES if rule in tail]
    return start + min(found) if found else None


def _where(page: Page, i: int, comments: int | None) -> str | None:
    """Where line ``i`` sat: for a page read from HTML, what its markup said of it;
    for text, where it sat against the line model's main span, and after the span
    whether it is or comes after ``comments``, the first comment header or byline
    there (the comments, or what follows them: the text alone does not say where a
    thread ends)."""
    if page.hints is not None:
        row = _hint_row(page, i)
        return None if row is None else describe(row) or None
    if page.span is None:
        return None
    first, last = page.span
    if i < first:
        return "before the main span"
    if i <= last:
        return "in the main span"
    if comments is not None and comments <= i:
        return "after the main span, in or after the comments"
    return "after the main span"


def _detail(r: Removal, line: int | None) -> dict[str, Any]:
    """A removal's facts for the audit: its ``line`` on the page, for the model its
    score and cut, and for a page read from HTML what the markup said of the line."""
    out: dict[str, Any] = {"line": line}
    if r.score is not None and r.cut is not None:
        out.update(score=round(r.score, 3), cut=round(r.cut, 3))
    if r.where:
        out["where"] = r.where
    return out


class StripBoilerplate(Stage):
    """Strip boilerplate from every live document; two passes when corpus counts are on.

    The first pass counts, per source, in how many documents each line occurs (as 64-bit
    hashes, not texts; :func:`~cleaner.stages.repeats.line_sets`); the second strips. A line in
    ``min_repeats`` documents of one source is ``corpus-repeat`` when it also looks
    like boilerplate, so a quotation that two articles share stays.

    A line's documents are counted once per group of near-duplicates: documents
    whose shared lines hold ``twins`` of their lines' weight count as one (see
    :meth:`~cleaner.stages.repeats.LineSets.repeated`).

    ``repeated`` gives the salted hashes of the repeated lines instead, counted by the
    caller over more documents than this stage sees (``cleaner run`` counts a whole
    folder or site, file by file); then the stage strips in one pass.
    """

    name = StageName.STRIP_BOILERPLATE

    def __init__(
        self,
        config: BoilerplateConfig,
        model: LineModel | None = None,
        repeated: Iterable[int] | None = None,
        twins: float = TWINS,
        keep_hints: bool = False,
    ) -> None:
        self.config = config
        self.model = model  # None: the shipped line model
        self.repeated = None if repeated is None else frozenset(repeated)
        self.twins = twins
        # a page's markup hints stay on its kept lines for a later stage that strips
        # again (the pipeline's settle round); otherwise they go here
        self.keep_hints = keep_hints

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        if not counts_repeats(self.config):
            yield from super().run(docs)
            return
        frequent = self.repeated
        if frequent is None:
            docs = list(docs)
            sets = line_sets(docs)
            frequent = frozenset(sets.repeated(self.config.min_repeats, self.twins).tolist())
        salts: dict[str, Repeated] = {}
        for doc in docs:
            if doc.dropped is not None:
                yield doc
                continue
            key = source_key(doc)
            if key not in salts:
                salts[key] = Repeated(frequent, source_salt(key))
            yield self._apply(doc, salts[key])

    def apply(self, doc: Document) -> Document:
        """One document: with ``repeated`` given, its lines count as in :meth:`run`."""
        if self.repeated is None or not counts_repeats(self.config):
            return self._apply(doc, NO_REPEATS)
        return self._apply(doc, Repeated(self.repeated, source_salt(source_key(doc))))

    def _apply(self, doc: Document, repeated: Repeated) -> Document:
        # a record's own title (not a page's from its markup, which the text's lines
        # print as the flattening put them)
        own = doc.title if doc.hints is None else None
        out = _strip(doc.text, self.config, repeated, self.model, doc.hints, own)
        # removals are numbered on the page: the text the first strip read, which a
        # later strip (the settle round) finds through ``doc.origin``
        on_page = doc.page_lines()
        changes = [
            Change(self.name, r.rule, r.text, _detail(r, on_page[r.line - 1])) for r in out.removed
        ]
        # a page read from HTML (it has hints): what its markup says wins over the text's
        first, then = (doc, out) if doc.hints is not None else (out, doc)
        found = {
            "title": first.title or then.title,
            "date": first.date or then.date,
            "author": first.author or then.author,
        }
        kept = range(len(on_page)) if out.origin is None else out.origin
        doc = doc.with_kept_lines(changes, out.text, kept, **found)
        if not self.keep_hints and doc.hints is not None:
            doc = replace(doc, hints=None)
        if out.emptied:  # every line is in the audit with its rule; the drop says why
            return doc.drop(Change(self.name, BOILERPLATE_ONLY, "", {"lines": len(changes)}))
        return doc

"""Page-level rules: a page as lines and blocks, and the rules that need neighbours.

:class:`Page` holds the lines of one document and the rule that removed each one.
:func:`apply_rules` runs the named families in a fixed order; the learned line model
and the corpus counts run afterwards, in :mod:`cleaner.stages.boilerplate`, on the
lines no named rule took.

Order matters and is part of the contract: a line keeps the first rule that takes it,
and a disabled rule simply never takes a line, so the next family may.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cleaner.html.flatten import HINTS, code_lines, pre_lines
from cleaner.rules.meta import clean_heading, is_metadata, parse_date_line, title_variants
from cleaner.rules.patterns import (
    COUNTED_ENTRY,
    PHRASE_RULES,
    SOURCE_LINE,
    byline_names,
    code_fences,
    fenced,
    line_cache,
    line_rule,
    word_count,
)

# the full stops of Latin and of Chinese and Japanese text, then closing quotes or brackets
SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]」』）]*$|[\"”]$")
_CLOSERS = "\"'”’)]」』）"  # may follow the full stop: the bracket of SENTENCE_END
_STOPS = (".", "!", "?", "…", "。", "！", "？")
_HEADING_ENDS = (".", ",", ";", ":", "…", "。", "、", "，")  # a heading ends in none of these
HEAD_LIMIT = 120  # the headline is looked for among this many lines at most
RUN_WORDS = 6  # "short" for runs between removed lines
COUNTED_RUN = 4  # this many counted entries in a row are a list of links (see _counted)
BODY_WORDS = 10  # a paragraph has at least this many words


def ends_sentence(text: str) -> bool:
    """``bool(SENTENCE_END.search(text))``, read from the end of the line, not scanned.

    >>> ends_sentence('He said "no."'), ends_sentence("(see above)"), ends_sentence('"Why"')
    (True, False, True)
    >>> ends_sentence("今日は晴れです。"), ends_sentence("「本当？」")
    (True, True)
    """
    if text.endswith("\n"):  # like ``$``, look before one final newline
        text = text[:-1]
    return text.endswith(('"', "”")) or text.rstrip(_CLOSERS).endswith(_STOPS)


def reads_as_paragraph(text: str) -> bool:
    """A line that reads like a paragraph: ``BODY_WORDS`` words or more, ending like a
    sentence (:func:`is_body` is this, cached)."""
    return word_count(text) >= BODY_WORDS and ends_sentence(text)


is_body = line_cache(reads_as_paragraph)


def is_heading_like(text: str) -> bool:
    """A short line without closing punctuation, as a headline or section heading."""
    n = word_count(text)
    return 1 <= n <= 30 and not text.endswith(_HEADING_ENDS) and not text.isdigit()


@dataclass
class Page:
    """One document's lines, their blocks, and what the rules decided."""

    lines: list[str]
    block: list[int]
    disabled: frozenset[str] = frozenset()
    rule: list[str | None] = field(default_factory=list)
    edits: dict[int, tuple[str, str]] = field(default_factory=dict)  # i -> (rule, new text)
    verdicts: dict[int, tuple[float, float]] = field(default_factory=dict)  # i -> (score, cut)
    title: str | None = None
    date: str | None = None
    author: str | None = None  # the names of the first byline a named rule removed
    # per line, what the HTML markup said of it (cleaner.html.flatten.HINTS); None: text
    hints: list[tuple[float, ...] | None] | None = None
    # the line model's main span (the stretch of text it believes in), as its first and
    # last line; None until the model has judged the page, or when it believes in none
    span: tuple[int, int] | None = None
    # the lines that open with spaces, as written (a page's code, from HTML: the rules
    # read ``lines``, trimmed, and a kept line is written back with its indentation)
    indented: dict[int, str] = field(default_factory=dict)
    # the fences of Markdown code blocks (code_fences), by line: no rule takes them, so
    # repair-text finds the blocks again when the settle round repairs the kept text
    fences: list[tuple[int, int]] = field(default_factory=list)
    # the indices of the non-blank lines, found once: the lines never change
    _nonempty: tuple[int, ...] | None = field(default=None, init=False, repr=False, compare=False)
    fenced: frozenset[int] = field(default=frozenset(), init=False, repr=False, compare=False)
    # the lines inside code blocks (between a Markdown block's fences, in an HTML
    # ``pre``): only the CODE_RULES take them, not those that judge a line by its shape
    code: frozenset[int] = field(default=frozenset(), init=False, repr=False, compare=False)

    @classmethod
    def parse(cls, text: str, disabled: frozenset[str] = frozenset()) -> Page:
        raw = text.split("\n")
        lines = [line.strip() for line in raw]
        indented = {}
        if text[:1].isspace() or "\n " in text or "\n\t" in text:  # most text: none
            indented = {i: r.rstrip() for i, r in enumerate(raw) if r[:1].isspace() and lines[i]}
        fences = code_fences(raw) if "```" in text or "~~~" in text else []
        block: list[int] = []
        current, prev_blank = 0, True
        for line in lines:
            if not line:
                block.append(-1)
                prev_blank = True
                continue
            if prev_blank:
                current += 1
            block.append(current)
            prev_blank = False
        page = cls(lines, block, disabled, [None] * len(lines), indented=indented, fences=fences)
        page.fenced = frozenset(k for pair in fences for k in pair)
        return page

    def mark(self, i: int, rule: str) -> bool:
        """Remove line ``i`` for ``rule`` unless it is blank, taken, a code fence or
        ``rule`` is disabled."""
        if rule in self.disabled or self.rule[i] is not None or not self.lines[i]:
            return False
        if i in self.fenced or (i in self.code and rule not in CODE_RULES):
            return False
        self.rule[i] = rule
        return True

    def kept(self, i: int) -> bool:
        return bool(self.lines[i]) and self.rule[i] is None

    def code_blocks(self) -> list[list[int]]:
        """The non-blank lines of each code block: inside a Markdown fence, or a run of
        lines of an HTML ``pre`` with only blank lines between them."""
        blocks = [[i for i in range(a + 1, b) if self.lines[i]] for a, b in self.fences]
        pre = sorted(self.code - {i for block in blocks for i in block})
        run: list[int] = []
        for i in pre:
            if run and any(self.lines[k] for k in range(run[-1] + 1, i)):
                blocks.append(run)
                run = []
            run.append(i)
        return [block for block in [*blocks, run] if block]

    def text_of(self, i: int) -> str:
        return self.edits[i][1] if i in self.edits else self.lines[i]

    def written(self, i: int) -> str:
        """Line ``i`` as the kept text writes it: :meth:`text_of`, with the indentation
        it came with (a prefix cut by a rule leaves none)."""
        return self.edits[i][1] if i in self.edits else self.indented.get(i, self.lines[i])

    def nonempty(self) -> tuple[int, ...]:
        """The indices of the non-blank lines, in order."""
        if self._nonempty is None:
            self._nonempty = tuple(i for i, line in enumerate(self.lines) if line)
        return self._nonempty


def prepare_page(
    text: str,
    disable: Iterable[str] = (),
    extra_patterns: Iterable[str] = (),
    extract_title: bool = True,
    extract_date: bool = True,
    hints: Sequence[tuple[float, ...] | None] | None = None,
) -> Page:
    """Parse ``text`` and run the user patterns and every named family on it; ``hints``,
    per line, are what the markup of a page read from HTML said of it."""
    page = Page.parse(text, frozenset(disable))
    page.hints = None if hints is None else list(hints)
    code = fenced(page.fences) | (pre_lines(hints) if hints is not None else frozenset())
    page.code = frozenset(i for i in code if i < len(page.lines) and page.lines[i])
    user = [re.compile(p) for p in extra_patterns]
    if user and "user-pattern" not in page.disabled:
        for i in page.nonempty():
            if any(p.fullmatch(page.lines[i]) for p in user):
                page.mark(i, "user-pattern")
    apply_rules(page, extract_title, extract_date)
    return page


def apply_rules(page: Page, extract_title: bool = True, extract_date: bool = True) -> None:
    """Run every named rule family on ``page``, in order."""
    _screen_reader_only(page)
    _repeats(page)
    for i in page.nonempty():
        rule = line_rule(page.lines[i])
        # a byline a rule took ("By Jane Doe", or "By Jane Doe | Reuters" as a credit)
        if rule is not None and page.mark(i, rule) and page.author is None:
            page.author = byline_names(page.lines[i])
    if extract_date:
        _dates(page)
    for i in page.nonempty():
        if is_metadata(page.lines[i]):
            page.mark(i, "metadata")
    if extract_title:
        _title(page)
    _counted(page)
    _runs(page)


def _screen_reader_only(page: Page) -> None:
    """From HTML, a line most of whose text the markup shows to screen readers only
    (``sr-only``, ``visually-hidden``: a skip link, a control's label, "Opens in a new
    window") goes as ``screen-reader-only``: no sighted reader sees it, so it is not the
    page's text, nor its headline (boilerplate-dev: 8,165 tokens on 265 of 623 pages,
    128 of them in the gold; held out, the line model kept 3,600 of them, 4 gold)."""
    if page.hints is None:
        return
    for i in page.nonempty():
        row = page.hints[i] if i < len(page.hints) else None
        if row is not None and row[_IN_READER] == 1.0:
            page.mark(i, "screen-reader-only")


_IN_READER = HINTS.index("in_reader")  # a class such as sr-only or visually-hidden
# the rules that take a line of code (Page.code): the phrase families ("Share on
# Facebook") and those that judge where a line sits; not those that judge a line by its
# shape, which code has ("}" is a line of symbols, the short lines between braces look
# like a menu's, a URL or a tag stands alone), so that a kept block stays whole
_WHERE_RULES = ("user-pattern", "screen-reader-only", "comment-thread", "corpus-repeat")
CODE_RULES = frozenset([*PHRASE_RULES, *_WHERE_RULES, "low-content"])


def _repeats(page: Page) -> None:
    """A "Source:" line printed more than once (pasted paragraphs are dedup-blocks' job)."""
    sources = Counter(t for t in page.lines if SOURCE_LINE.match(t))
    for i in page.nonempty():
        text = page.lines[i]
        if sources.get(text, 0) >= 2:
            page.mark(i, "repeated-source")


def _dates(page: Page) -> None:
    """Date lines set ``page.date`` (the first one wins); a date prefix on body text goes."""
    for i in page.nonempty():
        if page.rule[i] is not None or i in page.code:
            continue
        found = parse_date_line(page.lines[i])
        if found is None:
            continue
        iso, rest = found
        if "date-line" in page.disabled:
            continue
        if word_count(rest) <= 3 or is_metadata(rest):
            page.mark(i, "date-line")
        else:
            page.edits[i] = ("date-line", rest)
        if page.date is None:
            page.date = iso


def _first_body(page: Page) -> int:
    for i in page.nonempty():
        if page.kept(i) and is_body(page.text_of(i)):
            return i
    return len(page.lines)


def _title(page: Page) -> None:
    """The headline: a line printed twice near the top, else the heading over the body.
    A line of code is none (a command a block repeats), nor a fence; a heading that
    opens with inline code can be ("``aifc`` — Read and write AIFF files")."""
    if "title" in page.disabled:
        return
    body = min(_first_body(page), HEAD_LIMIT)
    code = page.fenced | fenced(page.fences) | code_lines(page.hints or ())
    head = [i for i in page.nonempty() if i < body and i not in code]
    if not head:
        return
    names = {i: clean_heading(page.text_of(i)) for i in head}
    counts = Counter(names.values())
    # a copy of the first line's (a page's <title>) parts without a site name is the
    # headline, else a copy of that line whole, before any other line printed twice (a
    # listing prints an item's place on every item: "Tech conference in Toronto, Canada")
    parts = set(title_variants(page.lines[head[0]]))
    variants = {*parts, names[head[0]]}
    candidates = [
        i
        for i in head
        if is_heading_like(names[i])
        and word_count(names[i]) >= 2
        and (counts[names[i]] >= 2 or (i != head[0] and names[i] in variants))
    ]
    if candidates:
        best = max(
            candidates,
            key=lambda i: (names[i] in parts, names[i] in variants, word_count(names[i]), -i),
        )
        title = names[best]
        copies = [i for i in head if names[i] == title]
        if title in variants:
            copies.append(head[0])
        page.title = title
        last = max(copies)
        for i in head:
            if i in copies:
                page.rule[i] = "title"  # a copy another family took is still the title
            elif i < last:
                page.mark(i, "navigation")
        return
    kept = [i for i in page.nonempty() if page.kept(i)]
    if len(kept) >= 2 and kept[0] < body:
        first, nxt = kept[0], kept[1]
        text = clean_heading(page.text_of(first))
        if is_heading_like(text) and word_count(text) >= 2 and is_body(page.text_of(nxt)):
            page.title = text
            page.mark(first, "title")


def _counted(page: Page) -> None:
    """A run of lines in a row, blank lines aside, that each name an entry and count what
    is behind it ("Mips (91)", "► August 2021 (5)"), with ``COUNTED_RUN`` or more
    different names, is a list of links to other pages (a shop's filters, a blog's
    categories or archive): navigation. A table's cells repeat their names ("Safe (2)",
    "Safe (5)": a footnote's number)."""
    runs: list[dict[int, str]] = [{}]  # per run, each line's entry name
    for i in page.nonempty():
        line = page.lines[i]
        entry = COUNTED_ENTRY.fullmatch(line) if line.endswith(")") else None
        if entry is not None:
            runs[-1][i] = entry["name"]
        elif runs[-1]:
            runs.append({})
    for run in runs:
        if len(set(run.values())) >= COUNTED_RUN:
            for i in run:
                page.mark(i, "navigation")


def _runs(page: Page) -> None:
    """Short lines boxed in by removed lines of the same block go with them (tag lists)."""
    idx = page.nonempty()
    pos = 0
    while pos < len(idx):
        i = idx[pos]
        if not page.kept(i) or is_body(page.lines[i]) or word_count(page.lines[i]) > RUN_WORDS:
            pos += 1
            continue
        end = pos
        while (
            end + 1 < len(idx)
            and page.kept(idx[end + 1])
            and page.block[idx[end + 1]] == page.block[i]
            and word_count(page.lines[idx[end + 1]]) <= RUN_WORDS
            and not is_body(page.lines[idx[end + 1]])
        ):
            end += 1
        before = idx[pos - 1] if pos > 0 else None
        after = idx[end + 1] if end + 1 < len(idx) else None
        if (
            before is not None
            and after is not None
            and page.block[before] == page.block[i] == page.block[after]
            and page.rule[before] is not None
            and page.rule[after] is not None
        ):
            near = {page.rule[before], page.rule[after]}
            rule = "tag-list" if near & {"metadata", "date-line"} else "navigation"
            for j in idx[pos : end + 1]:
                page.mark(j, rule)
        pos = end + 1

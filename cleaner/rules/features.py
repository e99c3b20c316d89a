"""Per-line features for the learned line model: shape, density and neighbourhood.

The features follow jusText and the C4/Gopher heuristics (length, stopword density,
punctuation, digits, link-like shape) and add context: the same numbers for the lines
around, how much paragraph text is near, where the line sits relative to the main
text, and which named rule took each neighbour. Shop and forum furniture gets its own
columns: prices, ratings and counts, cart and post words, runs of short lines and lines
shaped like their neighbours. Training (``bench/train_boilerplate.py``)
and the stage call the same function, so the two can never drift apart.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import filterfalse
from operator import itemgetter
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.rules.context import BODY_WORDS, Page, ends_sentence, is_body
from cleaner.rules.patterns import CACHED_CHARS, STOPWORDS, WORD, Scan, word_count, words

native: ModuleType | None
try:  # a line's counts read in C: built at install where a C compiler is found
    from cleaner.rules import _lines as native
except ImportError:  # no compiler at install: the Python path, same numbers
    native = None
page_native: ModuleType | None
try:  # a page's columns filled in C: built at install where a C compiler is found
    from cleaner.rules import _page as page_native
except ImportError:  # no compiler at install: the numpy path, same numbers
    page_native = None

CODE = re.compile(r"[(){}\[\]=<>;]|^\s*(>>>|\.\.\.|\$ |#|//|def |class |import |from |return )")
# CODE in two parts, as the line features test it: a bracket anywhere, a keyword in front
_CODE_MARK = re.compile(r"[(){}\[\]=<>;]")
_CODE_HEAD = re.compile(r"\s*(>>>|\.\.\.|\$ |#|//|def |class |import |from |return )")
SEPARATORS = re.compile(r"[|•·»›/]")
BULLET = re.compile(r"^([-*•–—]|\d+[.)]|[a-z][.)])\s")
_LINK_WORDS_TEXT = (
    "home about contact menu search login sign register subscribe share more next"
    " previous back top privacy terms help faq careers blog news cart account"
)
LINK_WORDS = frozenset(_LINK_WORDS_TEXT.split())
# shop and forum furniture: prices, ratings and counts, cart and post buttons
# (a run of digits, dots and commas is read from its start only, and whole: tried from
# each digit of "1,2,3,...", a line of a thousand of them took seconds)
PRICE = re.compile(
    r"[$€£¥₹]\s?\d|(?<![\d.,])[.,]*+\d[\d.,]*+\s?(?:USD|EUR|GBP|€|\$)(?!\w)", re.IGNORECASE
)
# PRICE as the line features test it: a line without a currency sign or code has none
_PRICE_SCAN = Scan(PRICE, "$", "€", "£", "¥", "₹", "usd", "eur", "gbp")
_COUNT_ALONE = r"^\(?\d[\d.,]*[km]?\)?$"  # a line of only a number: "(12)", "3.4k"
_COUNTED = (
    "replies", "reply", "views", "posts", "comments", "likes", "reviews", "ratings", "stars",
    "items", "results", "products", "members", "votes", "points", "answers",
)  # fmt: skip
_COUNT_OF = (  # a number's run read from its start, as PRICE's
    rf"(?<![\d.,])(?>[\d.,]*?\b\d)[\d.,]*+[km]?\s+(?:{'|'.join(_COUNTED)})\b"
    r"|\bout of 5\b|\b\d(?:\.\d)?\s*/\s*5\b"
)
COUNT = re.compile(f"{_COUNT_ALONE}|{_COUNT_OF}", re.IGNORECASE)
# COUNT as the line features test it: the number alone, else a scan that needs a word
_COUNT_ALONE_MATCH = re.compile(_COUNT_ALONE, re.IGNORECASE)
_COUNT_OF_SCAN = Scan(re.compile(_COUNT_OF, re.IGNORECASE), *_COUNTED, "out of 5", "/")
_SHOP_WORDS_TEXT = (
    "cart basket checkout buy wishlist stock shipping delivery quantity qty sku price sale"
    " reply quote report joined posts likes reviews rating"
)
SHOP_WORDS = frozenset(_SHOP_WORDS_TEXT.split())

OWN = [
    "log_words", "log_chars", "sent_end", "ends_colon", "stop_density", "alpha", "digits",
    "punct", "upper_init", "mean_word", "has_url", "separators", "bullet", "code", "link_words",
    "all_caps", "in_doc_repeats", "heading_like", "price", "count", "shop_words",
]  # fmt: skip
CONTEXT = ["log_words", "sent_end", "stop_density", "removed", "blank_before"]
OFFSETS = (-3, -2, -1, 1, 2, 3)
PAGE = [
    "rel_pos", "block_lines", "block_index", "block_words", "body_near5", "body_near15",
    "dist_body_before", "dist_body_after", "before_first_body", "after_last_body",
    "words_before_share", "doc_log_lines", "doc_body_share", "removed_near5", "short_run",
    "same_shape",
]  # fmt: skip
LEXICON = ["lex_mean", "lex_min", "lex_max", "lex_cover", "before_title"]
NAMES = OWN + [f"{name}@{off}" for off in OFFSETS for name in CONTEXT] + PAGE + LEXICON


# ASCII character -> its lower case if it is a word character (``\w``), else a space
_LOWER_WORDS = {c: chr(c).lower() if WORD.match(chr(c)) else " " for c in range(128)}
# ASCII byte -> b"u" for a capital, b"a" for another word character, b" " for the rest
_WORD_CASE = bytes(
    (0x75 if chr(c).isupper() else 0x61) if WORD.match(chr(c)) else 0x20 for c in range(256)
)
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
# a lower-cased word -> the lists it is on, for the C kernel: 1 STOPWORDS, 2 LINK_WORDS,
# 4 SHOP_WORDS
_LISTED = {
    w: (w in STOPWORDS) | (w in LINK_WORDS) << 1 | (w in SHOP_WORDS) << 2
    for w in STOPWORDS | LINK_WORDS | SHOP_WORDS
}


def lower_words(text: str) -> list[str]:
    """``[t.lower() for t in words(text)]``; an ASCII line is lower-cased and split at once.

    >>> lower_words("Don't STOP_now, Ünïcode")
    ['don', 't', 'stop_now', 'ünïcode']
    """
    if text.isascii():
        return text.translate(_LOWER_WORDS).split()
    return list(map(str.lower, words(text)))


def lexicon_tokens(text: str, lower: list[str] | None = None) -> set[str]:
    """The lower-cased alphabetic words of a line, as the word prior counts them
    (``lower``: the line's :func:`lower_words`, when they are at hand).

    The set is built in the order of the words, as a set comprehension would, so that
    sums over it come out the same; an ASCII line skips the loop in Python.

    >>> sorted(lexicon_tokens("The R2D2 droid, a Café_bar: Öl und Brot"))
    ['brot', 'droid', 'the', 'und', 'öl']
    """
    if text.isascii():  # lower-casing changes no ASCII word: filter the lower-cased ones
        low = lower_words(text) if lower is None else lower
        return set(filterfalse(_LETTERS.__contains__, filter(str.isalpha, low)))
    return {t.lower() for t in words(text) if len(t) > 1 and t.isalpha()}


class LineTable:
    """Columns of each distinct line text, computed once and kept as a row of a table.

    Lines repeat within a page's passes and across the pages of a site, so a line's own
    columns are computed the first time it is seen; a page's columns are then one lookup
    per line and one gather (``columns``), not a Python list per column. The table holds
    ``size`` lines and starts again empty when a page's new lines would not fit; a page
    with more distinct lines than that is computed whole, outside it, and so is a line of
    more than ``CACHED_CHARS`` characters (the table would hold ``size`` of them).
    """

    def __init__(
        self, width: int, compute: Callable[[str], Sequence[float]], size: int = 1 << 16
    ) -> None:
        self.width = width
        self._compute = compute
        self._size = size
        self._rows: dict[str, int] = {}
        self._table = np.empty((0, width))  # grows to ``size`` rows as lines come
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        # a copy sent to another process (a model in a pickled pipeline) starts empty:
        # the rows are a cache, and a lock belongs to one process
        return {"width": self.width, "compute": self._compute, "size": self._size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["width"], state["compute"], state["size"])  # type: ignore[misc]

    def columns(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """One row per text (a copy), ``compute``'s numbers as float64."""
        with self._lock:  # threads share the table: one page's lookups and rows at a time
            return self._columns(texts)

    def _columns(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        if max(map(len, texts), default=0) > CACHED_CHARS:  # long lines: computed, not kept
            out = np.empty((len(texts), self.width))
            short = [k for k, t in enumerate(texts) if len(t) <= CACHED_CHARS]
            long = [k for k, t in enumerate(texts) if len(t) > CACHED_CHARS]
            out[short] = self._kept([texts[k] for k in short])
            out[long] = [self._compute(texts[k]) for k in long]
            return out
        return self._kept(texts)

    def _kept(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        found = self._rows
        if not all(map(found.__contains__, texts)):
            distinct = list(dict.fromkeys(texts))
            if len(distinct) > self._size:  # too many for the table: computed, not kept
                rows = [self._compute(t) for t in texts]
                return np.array(rows, dtype=np.float64).reshape(len(texts), self.width)
            new = [t for t in distinct if t not in found]
            if len(found) + len(new) > self._size:
                found.clear()
                new = distinct
            start, end = len(found), len(found) + len(new)
            if end > len(self._table):
                grown = np.empty((min(max(2 * len(self._table), end), self._size), self.width))
                grown[:start] = self._table[:start]
                self._table = grown
            self._table[start:end] = [self._compute(t) for t in new]
            found.update(zip(new, range(start, end), strict=True))
        return self._table[list(map(found.__getitem__, texts))]


def lexical_row(
    text: str, vocab: dict[str, float], lower: list[str] | None = None
) -> tuple[float, float, float, float]:
    """Mean, min and max of the words' keep log-odds (learned across many sites), coverage
    (``lower``: the line's :func:`lower_words`, when they are at hand).

    The words come as a set, whose order changes with the process's hash seed, so the
    mean is summed with :func:`math.fsum` (exactly rounded, the same in any order).
    """
    toks = lexicon_tokens(text, lower)
    vals = list(map(vocab.__getitem__, filter(vocab.__contains__, toks)))
    if not vals:
        return (0.0, 0.0, 0.0, 0.0)
    return (math.fsum(vals) / len(vals), min(vals), max(vals), len(vals) / len(toks))


def lexical_features(texts: list[str], vocab: dict[str, float]) -> npt.NDArray[np.float64]:
    """:func:`lexical_row` of each text."""
    rows = [lexical_row(t, vocab) for t in texts]
    return np.array(rows, dtype=np.float64).reshape(len(texts), 4)


def _class_set(test: str) -> bytes:
    return bytes(c for c in range(128) if getattr(chr(c), test)())


_ASCII_ALPHA, _ASCII_DIGIT, _ASCII_ALNUM, _ASCII_SPACE = map(
    _class_set, ("isalpha", "isdigit", "isalnum", "isspace")
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def char_classes(text: str) -> tuple[int, int, int, int]:
    """How many characters of ``text`` are alpha, digit, alnum and space (``str.isX``).

    The ASCII part is counted on bytes; only the other characters are tested one by one.

    >>> char_classes("Año 2024: ½ ٣ x²!")
    (4, 6, 11, 4)
    """
    rest = ""
    if not text.isascii():
        rest = "".join(_NON_ASCII.findall(text))
        text = _NON_ASCII.sub("", text)
    raw = text.encode("ascii")
    n = len(raw)
    alpha = n - len(raw.translate(None, _ASCII_ALPHA))
    digit = n - len(raw.translate(None, _ASCII_DIGIT))
    alnum = n - len(raw.translate(None, _ASCII_ALNUM))
    space = n - len(raw.translate(None, _ASCII_SPACE))
    if rest:
        alpha += sum(map(str.isalpha, rest))
        digit += sum(map(str.isdigit, rest))
        alnum += sum(map(str.isalnum, rest))
        space += sum(map(str.isspace, rest))
    return alpha, digit, alnum, space


def _word_shape(text: str) -> tuple[int, int, int]:
    """How many words, words that open with a capital, and characters in words."""
    if text.isascii():
        marks = text.encode("ascii").translate(_WORD_CASE)
        upper = marks.count(b" u") + marks.startswith(b"u")
        n = upper + marks.count(b" a") + marks.startswith(b"a")
        return n, upper, len(marks) - marks.count(b" ")
    toks = words(text)
    return len(toks), sum(map(str.isupper, map(itemgetter(0), toks))), sum(map(len, toks))


_REPEATS = OWN.index("in_doc_repeats")


def _counts(text: str) -> tuple[tuple[int, ...], list[str]]:
    """What :func:`_own_columns` reads of a line, then its :func:`lower_words`: its
    words, capitalised words and word characters, its alpha, digit, alnum and space
    characters, and how many of its words are stopwords, link words and shop words."""
    n, upper, word_chars = _word_shape(text)
    alpha, digits, alnum, space = char_classes(text)
    lower = lower_words(text)
    listed = (sum(map(kind.__contains__, lower)) for kind in (STOPWORDS, LINK_WORDS, SHOP_WORDS))
    return (n, upper, word_chars, alpha, digits, alnum, space, *listed), lower


def _own_columns(text: str, counts: Sequence[int]) -> tuple[float, ...]:
    """A line's own columns from its :func:`_counts`, ``in_doc_repeats`` left 0."""
    n, upper, word_chars, alpha, digits, alnum, space, stops, links, shops = counts
    chars = max(len(text), 1)
    punct = len(text) - alnum - space
    # PRICE and COUNT need a decimal digit, and every decimal digit is a str.isdigit one
    return (
        math.log1p(n),
        math.log1p(len(text)),
        float(ends_sentence(text)),
        float(text.endswith(":")),
        stops / n if n else 0.0,
        alpha / chars,
        digits / chars,
        punct / chars,
        upper / n if n else 0.0,
        word_chars / n if n else 0.0,
        float("http" in text or "www." in text or "@" in text),
        float(bool(SEPARATORS.search(text))),
        float(bool(BULLET.match(text))),
        float(bool(_CODE_MARK.search(text) or _CODE_HEAD.match(text))),
        links / n if n else 0.0,
        float(text.isupper()),
        0.0,  # in_doc_repeats: filled in per page
        float(1 <= n <= 12 and not text.endswith((".", ",", ";"))),
        float(bool(digits and _PRICE_SCAN.search(text))),
        float(bool(digits and (_COUNT_ALONE_MATCH.match(text) or _COUNT_OF_SCAN.search(text)))),
        shops / n if n else 0.0,
    )


def _own(text: str) -> tuple[int, tuple[float, ...], bool, int, list[str]]:
    """The line's word count and own columns, ``in_doc_repeats`` left 0, then whether
    it reads as a paragraph (:func:`is_body`), its shape (:func:`_shape_code`) and its
    :func:`lower_words`. No token or character is looked at in a Python loop.
    """
    counts, lower = _counts(text)
    n = counts[0]
    return n, _own_columns(text, counts), is_body(text), _shape_code(n, text), lower


def _shape_code(n: int, text: str) -> int:
    """A line's shape as one number: its word-count band, whether it opens with a digit
    and whether it ends a sentence (``same_shape`` compares neighbours by it)."""
    return (min(n, 12) // 3) * 4 + text[:1].isdigit() * 2 + (text[-1:] in ".!?")


def line_row(text: str, vocab: dict[str, float] | None = None) -> tuple[float, ...]:
    """A line's row of a :class:`LineTable`: its own columns, then its word count,
    whether it reads as a paragraph and its shape (``_WORDS``, ``_BODY``, ``_SHAPE``),
    then its word columns for ``vocab`` (0 without one).

    A line is counted in C where the kernel was built (``native``), its words and word
    columns included; the regexes and the ratios stay here, shared.
    """
    if native is not None:
        *counts, lex = native.line_counts(text, _LISTED, vocab or None)
        n = counts[0]
        # is_body: an ASCII line's words are counted so (Chinese and Japanese are not)
        body = n >= BODY_WORDS and ends_sentence(text) if text.isascii() else is_body(text)
        shape = _shape_code(n, text)
        return (*_own_columns(text, counts), float(n), float(body), float(shape), *lex)
    return python_row(text, vocab)


def python_row(text: str, vocab: dict[str, float] | None = None) -> tuple[float, ...]:
    """:func:`line_row` in Python alone: every line's where the kernel was not built."""
    n, cols, body, shape, lower = _own(text)
    lex = lexical_row(text, vocab, lower) if vocab else _NO_WORDS
    return (*cols, float(n), float(body), float(shape), *lex)


_NO_WORDS = (0.0, 0.0, 0.0, 0.0)
_WORDS, _BODY, _SHAPE, _LEX = len(OWN), len(OWN) + 1, len(OWN) + 2, len(OWN) + 3
ROW_WIDTH = _LEX + len(_NO_WORDS)
NO_VOCAB_TABLE = LineTable(ROW_WIDTH, line_row)  # every page's lines without a vocab


@lru_cache(maxsize=256)
def _repeat_col(repeats: int) -> float:
    return math.log1p(repeats - 1)


def line_features(
    page: Page,
    vocab: dict[str, float] | None = None,
    table: LineTable | None = None,
) -> tuple[list[int], npt.NDArray[np.float64]]:
    """The non-blank line indices of ``page`` and one feature row for each.

    ``vocab`` maps a word to its keep log-odds; without it the word columns are 0.
    ``table`` keeps the :func:`line_row` of lines seen before, for this ``vocab`` only.
    """
    idx = list(page.nonempty())
    n = len(idx)
    if n == 0:
        return idx, np.zeros((0, len(NAMES)))
    texts = [page.text_of(i) for i in idx]
    lines = (NO_VOCAB_TABLE if table is None else table).columns(texts)
    x = np.empty((n, len(NAMES)))  # filled column block by column block, in NAMES order
    own = x[:, : len(OWN)]
    own[:] = lines[:, : len(OWN)]
    counts = Counter(texts)
    if len(counts) < n:  # a line printed more than once on the page
        own[:, _REPEATS] = [_repeat_col(counts[t]) for t in texts]
    removed = [page.rule[i] is not None for i in idx]
    blank_before = [i == 0 or not page.lines[i - 1] for i in idx]
    ids = [page.block[i] for i in idx]
    if page_native is None or not _native_page_columns(lines, removed, blank_before, ids, x):
        numpy_page_columns(lines, removed, blank_before, ids, x)
    at = len(OWN) + len(OFFSETS) * len(CONTEXT) + len(PAGE)
    pos = np.arange(n, dtype=np.float64)
    if table is not None:
        x[:, at : at + 4] = lines[:, _LEX:]
    elif vocab:
        x[:, at : at + 4] = lexical_features(texts, vocab)
    else:
        x[:, at : at + 4] = 0.0
    titles = [r for r, i in enumerate(idx) if page.rule[i] == "title"]
    x[:, at + 4] = pos < (max(titles) if titles else -1)
    return idx, x


# the PAGE columns that are the log1p of a whole number, in the order of the kernel's logs
_LOG_COLUMNS = [PAGE.index(name) for name in (
    "block_lines", "block_index", "block_words", "dist_body_before", "dist_body_after", "short_run"
)]  # fmt: skip


def _native_page_columns(
    lines: npt.NDArray[np.float64],
    removed: list[bool],
    blank_before: list[bool],
    ids: list[int],
    x: npt.NDArray[np.float64],
) -> bool:
    """:func:`numpy_page_columns` by the C kernel (``page_native``); False, nothing
    written, when the blocks are not in order (a page built by hand)."""
    assert page_native is not None
    n = len(removed)
    logs = np.empty((n, len(_LOG_COLUMNS)))
    block = np.asarray(ids, dtype=np.int64)
    if not page_native.page_columns(
        lines, lines.shape[1], bytes(removed), bytes(blank_before), block, x, x.shape[1],
        len(OWN), logs,
    ):  # fmt: skip
        return False
    at = len(OWN) + len(OFFSETS) * len(CONTEXT)
    page_cols = x[:, at : at + len(PAGE)]
    page_cols[:, _LOG_COLUMNS] = np.log1p(logs)  # numpy's log1p, as the numpy path takes
    page_cols[:, PAGE.index("doc_log_lines")] = math.log1p(n)
    return True


def numpy_page_columns(
    lines: npt.NDArray[np.float64],
    removed_rule: list[bool],
    blank: list[bool],
    ids: list[int],
    x: npt.NDArray[np.float64],
) -> None:
    """The neighbour (``CONTEXT`` at ``OFFSETS``) and ``PAGE`` columns of a page's rows
    into ``x``, from the rows' :class:`LineTable` rows, whether a named rule removed each,
    whether a blank line stands before each and their blocks: every page's where the
    kernel was not built, and a page whose blocks go back (built by hand)."""
    n = len(removed_rule)
    nwords = lines[:, _WORDS]
    body = (lines[:, _BODY] != 0.0) & ~np.array(removed_rule)
    removed = np.array(removed_rule, dtype=np.float64)
    blank_before = np.array(blank, dtype=np.float64)
    ctx_base = np.empty((n, len(CONTEXT)))
    ctx_base[:, :3] = lines[:, [0, 2, 4]]
    ctx_base[:, 3] = removed
    ctx_base[:, 4] = blank_before
    at = len(OWN)
    ctx = x[:, at : at + len(OFFSETS) * len(CONTEXT)]
    ctx.fill(-1.0)
    for k, off in enumerate(OFFSETS):
        shifted = ctx[:, k * len(CONTEXT) : (k + 1) * len(CONTEXT)]
        if off < 0:
            shifted[-off:] = ctx_base[:off]
        else:
            shifted[:-off] = ctx_base[off:]
    at += len(OFFSETS) * len(CONTEXT)

    rows = np.arange(n)
    pos = rows.astype(np.float64)
    body_pos = np.flatnonzero(body)
    csum = np.concatenate([[0.0], np.cumsum(body)])
    rcsum = np.concatenate([[0.0], np.cumsum(removed)])

    def near(arr: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.float64]:
        lo = np.maximum(rows - k, 0)
        hi = np.minimum(rows + k + 1, n)
        return np.asarray((arr[hi] - arr[lo]) / (hi - lo), dtype=np.float64)

    if len(body_pos):
        before = np.searchsorted(body_pos, rows, side="right") - 1
        dist_b = np.where(before >= 0, pos - body_pos[np.maximum(before, 0)], n)
        after = np.searchsorted(body_pos, rows, side="left")
        dist_a = np.where(
            after < len(body_pos), body_pos[np.minimum(after, len(body_pos) - 1)] - pos, n
        )
        first, last = body_pos[0], body_pos[-1]
    else:
        dist_b = dist_a = np.full(n, float(n))
        first, last = n, -1
    # per line, its block's lines and words and its place in the block (whole numbers,
    # so the sums are exact in float64)
    _, block, block_len = np.unique(ids, return_inverse=True, return_counts=True)
    block_words = np.bincount(block, weights=nwords)
    in_order = np.argsort(block, kind="stable")
    block_index = np.empty(n, dtype=np.int64)
    block_start = np.cumsum(block_len) - block_len
    block_index[in_order] = rows - block_start[block[in_order]]
    # runs of short lines (menus, product grids, post headers) and lines shaped like
    # their neighbours: relative measures that do not depend on the page's length
    short = nwords <= 6
    edges = np.flatnonzero(short[1:] != short[:-1]) + 1
    starts = np.concatenate([[0], edges])
    lengths = np.diff(np.concatenate([starts, [n]]))
    run = np.repeat(np.where(short[starts], lengths, 0), lengths).astype(np.float64)
    shape = lines[:, _SHAPE]
    same = np.zeros(n)
    for d in (1, 2):  # the lines two above to two below with the same shape
        alike = shape[d:] == shape[:-d]
        same[d:] += alike
        same[:-d] += alike
    wcum = np.cumsum(nwords) - nwords
    total = max(float(nwords.sum()), 1.0)
    page_cols = x[:, at : at + len(PAGE)]
    page_cols[:, 0] = pos / max(n - 1, 1)
    page_cols[:, 1] = np.log1p(block_len[block])
    page_cols[:, 2] = np.log1p(block_index)
    page_cols[:, 3] = np.log1p(block_words[block])
    page_cols[:, 4] = near(csum, 5)
    page_cols[:, 5] = near(csum, 15)
    page_cols[:, 6] = np.log1p(dist_b)
    page_cols[:, 7] = np.log1p(dist_a)
    page_cols[:, 8] = pos < first
    page_cols[:, 9] = pos > last
    page_cols[:, 10] = wcum / total
    page_cols[:, 11] = math.log1p(n)
    page_cols[:, 12] = float(body.mean())
    page_cols[:, 13] = near(rcsum, 5)
    page_cols[:, 14] = np.log1p(run)
    page_cols[:, 15] = same


SMOOTH = [
    "p", "p@-2", "p@-1", "p@1", "p@2", "p_mean3", "p_mean8", "p_block", "p_doc", "p_doc_max",
    "p_rank", "in_span", "span_before", "span_after", "span_share",
]  # fmt: skip


def main_span(value: npt.NDArray[np.float64]) -> tuple[int, int]:
    """The run of rows ``[lo, hi)`` with the largest sum of ``value`` (Kadane's scan);
    ``(0, 0)`` when no value is positive.

    >>> main_span(np.array([-1.0, 2.0, -0.5, 3.0, -4.0, 1.0]))
    (1, 4)
    """
    if value.size == 0:
        return 0, 0
    csum = np.concatenate([[0.0], np.cumsum(value)])
    gain = csum[1:] - np.minimum.accumulate(csum[:-1])  # best run ending at each row
    hi = int(np.argmax(gain)) + 1  # the first row where the best run ends
    if gain[hi - 1] <= 0.0:
        return 0, 0
    return hi - 1 - int(np.argmin(csum[hi - 1 :: -1])), hi  # its latest lowest start


def smooth_features(
    page: Page, idx: list[int], first: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Second-stage features: the first model's keep probabilities around each line.

    ``first`` holds one probability per index in ``idx``; lines a named rule removed
    count as 0, so a line boxed in by removed lines looks like it. The main span is the
    run of lines whose words the first model most believes in (each line adds its
    words plus one, times its probability less a half): the article, as one stretch.
    A line learns whether it is inside it, how many words lie between them, and how
    much of the page the span holds, so a comment thread or a teaser list after the
    article looks apart from it even where its own lines read like prose.
    """
    n = len(idx)
    if n == 0:
        return np.zeros((0, len(SMOOTH)))
    p = np.where([page.rule[i] is None for i in idx], first, 0.0)
    out = np.empty((n, len(SMOOTH)))
    nw = np.array([word_count(page.text_of(i)) for i in idx], dtype=np.float64)
    blocks = np.array([page.block[i] for i in idx], dtype=np.int64)
    if page_native is None or not page_native.smooth_columns(p, nw, blocks, out):
        numpy_smooth_columns(p, nw, blocks, out)
    out[:, 8] = p.mean()
    out[:, 9] = p.max()
    out[:, 10] = np.argsort(np.argsort(p)) / max(n - 1, 1)
    return out


def numpy_smooth_columns(
    p: npt.NDArray[np.float64],
    nw: npt.NDArray[np.float64],
    blocks: npt.NDArray[np.int64],
    out: npt.NDArray[np.float64],
) -> None:
    """The ``SMOOTH`` columns but ``p_doc``, ``p_doc_max`` and ``p_rank`` into ``out``,
    from the first model's probabilities ``p`` (0 for lines a rule removed), the lines'
    word counts and their blocks: every page's where the kernel was not built, and a
    page whose blocks go back (built by hand)."""
    n = len(p)
    out[:, 0] = p
    out[:, 1:5] = -1.0
    for col, off in enumerate((-2, -1, 1, 2), start=1):
        if off < 0:
            out[-off:, col] = p[:off]
        else:
            out[:-off, col] = p[off:]
    c = np.concatenate([[0.0], np.cumsum(p)])
    rows = np.arange(n)
    for col, k in ((5, 3), (6, 8)):
        lo = np.maximum(rows - k, 0)
        hi = np.minimum(rows + k + 1, n)
        out[:, col] = (c[hi] - c[lo]) / (hi - lo)
    _, inv = np.unique(blocks, return_inverse=True)
    out[:, 7] = (np.bincount(inv, weights=p) / np.bincount(inv))[inv]
    start, end = main_span((p - 0.5) * (nw + 1.0))
    out[:, 11] = (rows >= start) & (rows < end)
    cw = np.concatenate([[0.0], np.cumsum(nw)])
    out[:, 12] = np.where(rows < start, cw[start] - cw[rows + 1], 0.0)
    out[:, 13] = np.where(rows >= end, cw[rows] - cw[end], 0.0)
    out[:, 14] = (cw[end] - cw[start]) / max(cw[-1], 1.0)

"""GopherRepetition: the repetition rules of Gopher's MassiveWeb (Rae et al. 2021, table A1).

A page that says the same thing again and again (a tag cloud, a spun text, a template
filled with little) leaves. Thresholds are the paper's, as datatrove's
``GopherRepetitionFilter`` keeps them; shares of characters are of the whole text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from cleaner.document import Document
from cleaner.names import QualityRule, StageName
from cleaner.stages.filters.checks import ChecksConfig, ChecksFilter, Failure, over
from cleaner.stages.filters.words import split_words

if TYPE_CHECKING:  # numpy is imported when a text is first judged: the CLI starts without it
    import numpy as np
    import numpy.typing as npt

R = QualityRule
TOP = {2: R.GOPHER_TOP_2_GRAM, 3: R.GOPHER_TOP_3_GRAM, 4: R.GOPHER_TOP_4_GRAM}
DUP = {
    5: R.GOPHER_DUP_5_GRAM,
    6: R.GOPHER_DUP_6_GRAM,
    7: R.GOPHER_DUP_7_GRAM,
    8: R.GOPHER_DUP_8_GRAM,
    9: R.GOPHER_DUP_9_GRAM,
    10: R.GOPHER_DUP_10_GRAM,
}


@dataclass(frozen=True)
class GopherRepetitionConfig(ChecksConfig):
    # the paper's table A1: the share of a page that may repeat falls as the unit grows
    max_dup_paragraphs: float = 0.3
    max_dup_paragraph_chars: float = 0.2
    max_dup_lines: float = 0.3
    max_dup_line_chars: float = 0.2
    max_top_2_gram: float = 0.2
    max_top_3_gram: float = 0.18
    max_top_4_gram: float = 0.16
    max_dup_5_gram: float = 0.15
    max_dup_6_gram: float = 0.14
    max_dup_7_gram: float = 0.13
    max_dup_8_gram: float = 0.12
    max_dup_9_gram: float = 0.11
    max_dup_10_gram: float = 0.10

    rules: ClassVar[tuple[QualityRule, ...]] = (
        R.GOPHER_DUP_PARAGRAPHS,
        R.GOPHER_DUP_PARAGRAPH_CHARS,
        R.GOPHER_DUP_LINES,
        R.GOPHER_DUP_LINE_CHARS,
        *TOP.values(),
        *DUP.values(),
    )
    shares: ClassVar[tuple[str, ...]] = (  # every limit: a share of paragraphs, lines or chars
        "max_dup_paragraphs",
        "max_dup_paragraph_chars",
        "max_dup_lines",
        "max_dup_line_chars",
        *(f"max_top_{n}_gram" for n in TOP),
        *(f"max_dup_{n}_gram" for n in DUP),
    )


def split_paragraphs(text: str) -> list[str]:
    """``text`` (stripped) split at each run of two or more line breaks, as
    ``re.split(r"\\n{2,}", text)`` splits it, with ``str.split``'s speed.

    >>> split_paragraphs("One.\\n\\nTwo\\nlines.\\n\\n\\nThree.")
    ['One.', 'Two\\nlines.', 'Three.']
    """
    if not text:
        return [text]
    # a run of k > 2 breaks leaves empty parts, or a break at a part's edge, only
    return [part.strip("\n") for part in text.split("\n\n") if part.strip("\n")]


def split_lines(text: str) -> list[str]:
    """``text`` split at each run of line breaks, as ``re.split(r"\\n+", text)`` splits
    it: empty lines only first and last.

    >>> split_lines("a\\n\\nb\\n"), split_lines("\\na")
    (['a', 'b', ''], ['', 'a'])
    """
    parts = text.split("\n")
    if len(parts) < 3:
        return parts
    return [parts[0], *filter(None, parts[1:-1]), parts[-1]]


def duplicates(items: Sequence[str]) -> tuple[int, int]:
    """How many of ``items`` repeat an earlier one, and their characters.

    >>> duplicates(["a", "bb", "a", "bb", "bb", "c"])
    (3, 5)
    """
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


class Grams:
    """The word n-grams of one text, as 64-bit hashes of their words, with numpy.

    An n-gram is its sequence of words; two are the same when their words are (Gopher's
    code compares the words joined without a space, so "ab" "c" would equal "a" "bc";
    with real words that never moved a decision on the benchmark pages). The hashes are
    polynomial in the words' ids, wrapping at 2**64; a collision is as likely as two
    random 64-bit numbers being equal.
    """

    _BASE = 0x9E3779B97F4A7C15

    def __init__(self, words: Sequence[str]) -> None:
        import numpy as np

        # each word's id is its place among the distinct words, in order of first use
        index = {w: i for i, w in enumerate(dict.fromkeys(words), 1)}
        self.ids = np.fromiter(map(index.__getitem__, words), np.uint64, len(words))
        ends = np.cumsum(np.fromiter(map(len, words), np.int64, len(words)))
        self.starts = np.concatenate(([0], ends))  # characters before each word
        self._repeated: dict[int, npt.NDArray[np.bool_]] = {}
        self._shared: dict[int, npt.NDArray[np.bool_]] = {}
        self._fewest: dict[int, npt.NDArray[np.int64]] = {}

    def hashes(self, n: int) -> npt.NDArray[np.uint64]:
        import numpy as np

        base = np.uint64(self._BASE)
        count = max(len(self.ids) - n + 1, 0)
        out = np.zeros(count, dtype=np.uint64)
        for k in range(n):
            out *= base
            out += self.ids[k : k + count]
        return out

    def maybe_repeated(self, n: int) -> npt.NDArray[np.bool_]:
        """For each n-gram, False when it surely repeats no earlier one.

        Exact for the first ``n`` asked; for a longer one it is derived from the shorter:
        an n-gram that repeats an earlier one is two (n-1)-grams that do, so the test
        costs two shifts instead of a sort, and gives True for a few that do not."""
        import numpy as np

        shorter = max((k for k in self._repeated if k < n), default=None)
        if shorter is None:
            hashes = self.hashes(n)
            # in a stable sort an n-gram's places come in text order: each place after
            # the first of its n-gram repeats an earlier one, and it and the one before
            # it are shared
            order = np.argsort(hashes, kind="stable")
            same = hashes[order[1:]] == hashes[order[:-1]]
            mask = np.zeros(len(hashes), dtype=bool)
            mask[order[1:][same]] = True
            shared = mask.copy()
            shared[order[:-1][same]] = True
        else:
            mask, shared = self._repeated[shorter], self._shared[shorter]
            for _ in range(n - shorter):
                mask = mask[:-1] & mask[1:]
                shared = shared[:-1] & shared[1:]
        self._repeated[n], self._shared[n] = mask, shared
        return mask

    def maybe_shared(self, n: int) -> npt.NDArray[np.bool_]:
        """For each n-gram, False when it surely occurs only once in the text (the
        same derivation as :meth:`maybe_repeated`, which must have been asked for ``n``:
        an n-gram that occurs twice is two (n-1)-grams that do)."""
        return self._shared[n]

    def chars(self, n: int) -> npt.NDArray[np.int64]:
        """Characters of each n-gram's words (without the spaces between them)."""
        return self.starts[n:] - self.starts[: len(self.starts) - n]

    def fewest(self, n: int) -> npt.NDArray[np.int64]:
        """For each n-gram, how often its rarest word occurs in the text: no n-gram
        occurs more often than that (each of its places is a place of each word)."""
        import numpy as np

        if n == 1:
            if 1 not in self._fewest:
                ids = self.ids.astype(np.intp)
                self._fewest[1] = np.bincount(ids)[ids]
            return self._fewest[1]
        if n not in self._fewest:
            shorter, words = self.fewest(n - 1), self.fewest(1)
            self._fewest[n] = np.minimum(shorter[:-1], words[n - 1 :])
        return self._fewest[n]


def top_gram_bound(grams: Grams, n: int) -> int:
    """A bound :func:`top_gram_chars` cannot exceed, found without sorting: the commonest
    ``n``-gram covers its characters (and spaces) once per place, and occurs at most as
    often as its rarest word. On most pages it is far under the limit, and the sort
    that finds the commonest n-gram is not needed.

    >>> words = "a b a b a b c".split()
    >>> top_gram_bound(Grams(words), 2), top_gram_chars(words, 2)
    (9, 9)
    """
    if len(grams.ids) < n:
        return 0
    return int((grams.fewest(n) * (grams.chars(n) + n - 1)).max())


def top_gram_chars(words: Sequence[str] | Grams, n: int) -> int:
    """Characters covered by the commonest word ``n``-gram (joined by spaces), counted
    each time it occurs; among equally common ones, the first; 0 when there is none.

    >>> top_gram_chars("a b a b a b".split(), 2)
    9
    """
    import numpy as np

    grams = words if isinstance(words, Grams) else Grams(words)
    hashes = grams.hashes(n)
    if not len(hashes):
        return 0
    ordered = np.sort(hashes)
    edges = np.flatnonzero(np.diff(ordered)) + 1
    starts = np.concatenate(([0], edges))
    counts = np.diff(np.concatenate((starts, [len(ordered)])))
    best = int(counts.max())
    if best == 1:
        at = 0  # every n-gram once: the first is the commonest
    else:
        tied = ordered[starts[counts == best]]
        if len(tied) <= 4:  # the first place of each
            at = min(int(np.argmax(hashes == value)) for value in tied)
        else:  # many: look each n-gram up in them (sorted), and take the first found
            places = np.minimum(np.searchsorted(tied, hashes), len(tied) - 1)
            at = int(np.argmax(tied[places] == hashes))
    return (int(grams.chars(n)[at]) + n - 1) * best


def dup_gram_chars(words: Sequence[str] | Grams, n: int, limit: int | None = None) -> int:
    """Characters of word ``n``-grams that repeat an earlier one, without overlaps: after
    a repeat the scan jumps past it (Gopher's "duplicate n-gram character fraction"),
    the words of an n-gram counted without spaces.

    With ``limit``, a text whose repeated n-grams could not reach ``limit`` characters
    however they were scanned is not scanned: the result is then a bound under it (on
    most pages, from two shifts of the shorter n-grams' answer, without a sort).

    >>> dup_gram_chars("a b c a b c".split(), 3)
    3
    """
    import numpy as np

    grams = words if isinstance(words, Grams) else Grams(words)
    repeated = grams.maybe_repeated(n)
    if not repeated.any():
        return 0
    sizes = grams.chars(n)
    bound = int(sizes[repeated].sum())
    if limit is not None and bound <= limit:
        return bound
    # the scan, over only the n-grams that may occur twice: one that occurs once is
    # never seen again, so passing it only moves the scan on by one, as skipping it does
    at = np.flatnonzero(grams.maybe_shared(n))
    seen: set[int] = set()
    chars = i = 0
    keys, lengths = grams.hashes(n)[at].tolist(), sizes[at].tolist()
    for place, key, size in zip(at.tolist(), keys, lengths, strict=True):
        if place < i:  # inside the last repeat
            continue
        if key in seen:
            chars += size
            i = place + n
        else:
            seen.add(key)
    return chars


class GopherRepetition(ChecksFilter[GopherRepetitionConfig]):
    """Drop a document that repeats itself more than Gopher allows.

    >>> f = GopherRepetition(GopherRepetitionConfig(enabled=True))
    >>> page = "Buy cheap shoes now.\\n\\nBuy cheap shoes now.\\n\\nWe sell shoes."
    >>> f.apply(Document("1", "a.txt", page)).dropped.detail["test"]
    'share of paragraphs repeated 0.3333 > 0.3'
    """

    name = StageName.GOPHER_REPETITION
    config_class = GopherRepetitionConfig

    def failures(self, doc: Document) -> Iterator[Failure]:
        c, text, want = self.config, doc.text, self.wanted
        size = len(text)
        if not size:
            return
        units = (
            (split_paragraphs, text.strip(), "paragraphs", R.GOPHER_DUP_PARAGRAPHS,
             c.max_dup_paragraphs, R.GOPHER_DUP_PARAGRAPH_CHARS, c.max_dup_paragraph_chars),
            (split_lines, text, "lines", R.GOPHER_DUP_LINES, c.max_dup_lines,
             R.GOPHER_DUP_LINE_CHARS, c.max_dup_line_chars),
        )  # fmt: skip
        for split, part, unit, count_rule, count_max, chars_rule, chars_max in units:
            found = split(part)
            count, chars = duplicates(found)
            share = count / len(found)
            if want(count_rule) and (
                f := over(count_rule, f"share of {unit} repeated", share, count_max)
            ):
                yield f
            if want(chars_rule) and (
                f := over(
                    chars_rule, f"share of characters in repeated {unit}", chars / size, chars_max
                )
            ):
                yield f
        words = Grams(split_words(text))
        for n, rule in TOP.items():
            limit = getattr(c, f"max_top_{n}_gram")
            if not want(rule) or top_gram_bound(words, n) / size <= limit:
                continue  # its share cannot be over the limit
            if f := over(
                rule,
                f"share of characters in the commonest {n}-gram",
                top_gram_chars(words, n) / size,
                limit,
            ):
                yield f
        for n, rule in DUP.items():
            limit = getattr(c, f"max_dup_{n}_gram")
            if want(rule) and (
                f := over(
                    rule,
                    f"share of characters in repeated {n}-grams",
                    dup_gram_chars(words, n, int(limit * size)) / size,
                    limit,
                )
            ):
                yield f

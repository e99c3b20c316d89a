"""Reference implementations the tests (and bench/bench_resolve.py) hold cleaner to.

Plain and slow on purpose: each says what the fast code must give, in the fewest moves.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from cleaner.dedup.incremental import NearDuplicates
from cleaner.dedup.keeper import Position, Rank
from cleaner.dedup.lsh import Banding
from cleaner.dedup.shingles import shingles

Shingles = npt.NDArray[np.uint32]
Tokens = npt.NDArray[np.uint64]


def shingle_jaccard(a: str, b: str, ngram: int = 5) -> float:
    """Exact Jaccard of two texts' canonical shingle sets, as strings (no hashing);
    0.0 for two texts without shingles.

    >>> shingle_jaccard("a b c d e f", "a b c d e g")
    0.3333333333333333
    """
    x, y = set(shingles(a, ngram)), set(shingles(b, ngram))
    return len(x & y) / len(x | y) if x or y else 0.0


def shingle_containment(a: str, b: str, ngram: int = 5) -> float:
    """The share of ``a``'s canonical shingles (as strings) that are in ``b``'s; 0.0
    for a text without shingles.

    >>> shingle_containment("a b c d e", "x a b c d e f")
    1.0
    """
    x, y = set(shingles(a, ngram)), set(shingles(b, ngram))
    return len(x & y) / len(x) if x else 0.0


def _shared_tokens(tokens_of: Sequence[Tokens]) -> dict[int, set[int]]:
    """All documents (by index) that share a token with each document, itself included."""
    owners: dict[int, list[int]] = {}
    for doc, tokens in enumerate(tokens_of):
        for token in tokens.tolist():
            owners.setdefault(token, []).append(doc)
    adjacency: dict[int, set[int]] = {}
    for group in owners.values():
        if len(group) > 1:
            for doc in group:
                adjacency.setdefault(doc, set()).update(group)
    return adjacency


class MemoryIndex(NearDuplicates):
    """:class:`~cleaner.dedup.incremental.NearDuplicates` over a list held in memory: the
    one-at-a-time reference rule that the array resolver must agree with.

    ``sets`` (from :func:`~cleaner.dedup.shingles.shingle_hashes`), ``ranks`` and
    ``positions`` are per document; documents with ``live`` False (dropped by an
    earlier stage) take no part and should have an empty set.
    """

    def __init__(
        self,
        sets: Sequence[Shingles],
        ranks: Sequence[Rank],
        positions: Sequence[Position],
        live: Sequence[bool],
        *,
        threshold: float,
        banding: Banding | None = None,
        containment: float | None = None,
    ) -> None:
        super().__init__(threshold, containment)
        self.sets, self.ranks, self.positions = sets, ranks, positions
        self.live = [i for i, ok in enumerate(live) if ok]
        bands = banding or Banding(threshold, containment=containment is not None)
        self._adjacency = _shared_tokens(bands.tokens_many(sets))
        self.verdicts: dict[int, tuple[int | None, float | None]] = {}
        self.contained: dict[int, float] = {}  # documents dropped as contained: their share

    def candidates(self, doc: int) -> Iterable[int]:
        return self._adjacency.get(doc, ())

    def shingles(self, doc: int) -> Shingles:
        return self.sets[doc]

    def rank(self, doc: int) -> Rank:
        return self.ranks[doc]

    def position(self, doc: int) -> Position:
        return self.positions[doc]

    def verdict(self, doc: int) -> bool | None:
        v = self.verdicts.get(doc)
        return None if v is None else v[0] is None

    def set_verdict(
        self,
        doc: int,
        dup_of: int | None,
        similarity: float | None,
        containment: float | None = None,
    ) -> None:
        self.verdicts[doc] = (dup_of, similarity)
        self.contained.pop(doc, None)
        if containment is not None:
            self.contained[doc] = containment

    def affected_by_removals(self, docs: Iterable[int]) -> set[int]:
        leaving = set(docs)
        return {d for d, (named, _) in self.verdicts.items() if named in leaving}

    def resolve_all(self) -> dict[int, tuple[int | None, float | None]]:
        """Judge every live document; return {doc: (dup_of or None, similarity or None)}."""
        self.resolve(self.live)
        return self.verdicts


def unprintable_share(text: str, sample: int = 1 << 16) -> float:
    """The share of the first ``sample`` characters that are control characters (but
    tab, newline, carriage return, form feed and ESC), unassigned, private-use or
    surrogates: one ``unicodedata`` look-up per character."""
    head = text[:sample]
    if not head:
        return 0.0
    bad = sum(
        1 for ch in head
        if ch not in "\t\n\r\f\x1b" and unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
    )  # fmt: skip
    return bad / len(head)


# The rule patterns as first written, plain and able to backtrack without end on some
# lines (a run of spaces or dots tried every way between adjacent quantifiers): the
# shipped ones must take the same strings (tests/unit/test_backtracking.py).
PLAIN_METADATA = (
    r"^\W*(?:(?:published|posted|updated|last updated|modified|date|dated)\W*(?:on|by|at)?\W*"
    r"|\d+\s*(?:min|mins|minutes?|hours?|hrs?)\.?\s*(?:read|reading|reading time|to read|listen)?"
    r"|(?:reading|read|estimated reading) time\W*\d*\s*(?:min|mins|minutes?)?"
    r"|\d+\s*(?:seconds?|minutes?|mins?|hours?|days?|weeks?|months?|years?)\s+ago"
    r"|(?:views?|reads?)\W*\d[\d,.]*k?|\d[\d,.]*k?\s+(?:views?|reads?|shares?))\W*$"
)
PLAIN_DATE_SEPARATOR = (r"\s*:?\s*", r"\s*(?::\s*)?")  # in DATE_PREFIX after the marker
PLAIN_BYLINE_SEPARATOR = (r"story by)\s*:?\s*", r"story by)\s*(?::\s*)?")  # after "By"
PLAIN_TIME_SEPARATOR = (r"\s*(?:[-–—|,@·•]|at)?\s*\d", r"\s*(?:(?:[-–—|,@·•]|at)\s*)?\d")
PLAIN_TEMPLATE = (
    r"(\s*(__\w+__|\{\{[^{}]*\}\}|\{%[^%]*%\}|\$\{\w+\}|%\w+%|\[\[\w+\]\])\s*)+"
    r"|undefined|null|NaN|\[object Object\]"
)
PLAIN_URL = r"^(<)?(https?://|www\.)\S+(>)?$|^\S+\.(com|org|net|io|gov|edu)(/\S*)?$"
PLAIN_EMAIL = r"^\S+@\S+\.\w+$"
PLAIN_ITEM_SEP = r"\s+[|•·»›]\s+|\s+/\s+"
PLAIN_PRICE = r"[$€£¥₹]\s?\d|\d[\d.,]*\s?(?:USD|EUR|GBP|€|\$)(?!\w)"
PLAIN_COUNT_OF = r"\b\d[\d.,]*[km]?\s+(?:{words})\b|\bout of 5\b|\b\d(?:\.\d)?\s*/\s*5\b"

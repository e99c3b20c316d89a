"""Shingling: a text's canonical word n-grams and their 32-bit hashes, in batches.

The canonical shingling (the one the dedup benchmark's ground truth uses) is:
``text.lower()``; words are the matches of the regex ``\\w+``; shingles are the word
n-grams joined by one space, and a document with 1 to n-1 words is one shingle of all
its words. A document with no word has no shingle.

Two base hashes turn a shingle into a 32-bit integer:

* ``"fast"`` (the default) never builds the shingle strings. All documents of a batch
  are lower-cased, joined and decoded into one array of code points; a table of
  Unicode word characters (built once from the same regex, so the words are exactly
  the regex's) splits it into words. Each word ``w`` with code points ``c_0..c_k-1``
  hashes to ``W(w) = fmix64(sum((c_j + 1) * P**j) mod 2**64)``; a shingle of words
  ``w_1..w_m`` hashes to ``fmix64(horner_R(W(w_1), ..., W(w_m)) mod 2**64) >> 32``
  (constants ``P`` and ``R`` below, ``fmix64`` is MurmurHash3's 64-bit finalizer).
* ``"sha1"`` is datasketch's default: the first 4 bytes (little endian) of the SHA-1
  of the shingle's UTF-8 bytes. It loops in Python over shingles and exists for
  compatibility checks, not for speed.

A document's shingle set is the sorted, unique array of its base hashes; the sets of
many documents are one CSR pair of arrays (:class:`ShingleSets`).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from cleaner.arrays import distinct

__all__ = [
    "ShingleSets",
    "base_hashes",
    "fmix64",
    "shingle_hashes",
    "shingle_sets",
    "shingles",
]

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
BaseHash = Literal["fast", "sha1"]

WORD = re.compile(r"\w+")
_P = np.uint64(0x100000001B3)  # FNV-64 prime: the per-character multiplier of a word
R = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio constant: mixes a sequence of 64-bit values
_MASK32 = np.uint64((1 << 32) - 1)
BATCH_CHARS = 1 << 16  # text per numpy pass: small enough to stay in cache


def shingles(text: str, ngram: int = 5) -> list[str]:
    """The canonical shingles of ``text``, as strings, in order (the reference definition).

    >>> shingles("The cat sat, on the mat!", 5)
    ['the cat sat on the', 'cat sat on the mat']
    >>> shingles("Hello, World", 5)
    ['hello world']
    >>> shingles("...", 5)
    []
    """
    words = WORD.findall(text.lower())
    if 0 < len(words) < ngram:
        return [" ".join(words)]
    return [" ".join(words[i : i + ngram]) for i in range(len(words) - ngram + 1)]


def fmix64(h: U64) -> U64:
    """MurmurHash3's 64-bit finalizer, elementwise (wraps mod ``2**64``)."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


_IS_WORD = np.zeros(0x110000, dtype=np.bool_)  # per code point: matched by ``\\w``?
_KNOWN = np.zeros(0x110000, dtype=np.bool_)  # per code point: is _IS_WORD set for it yet?


def _word_chars(cps: U32) -> npt.NDArray[np.bool_]:
    """Whether each code point is a ``\\w`` character (``WORD``), as a boolean array.

    The answers are kept per code point, asked of the regex only for code points not
    seen before (a text's few distinct ones): building the whole table up front cost
    0.1 s in every process, a third of a small run.
    """
    new = cps[~_KNOWN[cps]]
    if new.size:
        new = distinct(new)
        chars = "".join(map(chr, new.tolist()))
        _IS_WORD[new] = [WORD.match(c) is not None for c in chars]
        _KNOWN[new] = True
    return _IS_WORD[cps]


@functools.cache
def _powers(length: int) -> tuple[U64, U64]:
    """``P**k`` and ``P**-k`` mod ``2**64`` for ``k < length`` (``P`` is odd, so invertible)."""
    up = np.full(length, _P, dtype=np.uint64)
    down = np.full(length, np.uint64(pow(int(_P), -1, 1 << 64)), dtype=np.uint64)
    up[0] = down[0] = 1
    return np.cumprod(up, dtype=np.uint64), np.cumprod(down, dtype=np.uint64)


def _fast_hashes(texts: Sequence[str], ngram: int) -> tuple[U32, I64]:
    """Base hashes of every shingle of every text, in order, with CSR offsets (n + 1).

    One pass of numpy over the code points of all texts: no Python loop per word or
    shingle. A word's polynomial is read off a running prefix sum,
    ``(H[end] - H[start]) * P**-start``, which equals ``sum((c_j + 1) * P**j)``.
    """
    n = len(texts)
    if n == 0:
        return np.zeros(0, np.uint32), np.zeros(1, np.int64)
    low = [t.lower() for t in texts]
    bounds = np.cumsum(np.fromiter((len(t) + 1 for t in low), dtype=np.int64, count=n))
    joined = "\n".join(low) + "\n"  # "\n" is no word character: words never span texts
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    edges = np.diff(_word_chars(cps).view(np.int8), prepend=np.int8(0))
    w_start = np.flatnonzero(edges == 1)
    w_end = np.flatnonzero(edges == -1)
    up, down = _powers(1 << max(16, (len(cps) - 1).bit_length()))
    prefix = np.concatenate(([np.uint64(0)], np.cumsum((cps + np.uint32(1)) * up[: len(cps)])))
    word_h = fmix64((prefix[w_end] - prefix[w_start]) * down[w_start])
    n_words = len(w_start)
    word_doc = np.searchsorted(bounds, w_start, side="right")
    per_doc = np.bincount(word_doc, minlength=n)
    # Full n-grams: start i is valid when word i + ngram - 1 is in the same text.
    n_full = max(n_words - ngram + 1, 0)
    acc = np.zeros(n_full, np.uint64)
    for j in range(ngram if n_full else 0):  # no text that long: no full n-gram to add up
        acc = acc * R + word_h[j : j + n_full]
    valid = word_doc[:n_full] == word_doc[ngram - 1 : ngram - 1 + n_full]
    hashes = acc[valid]
    counts = np.maximum(per_doc - (ngram - 1), 0)
    short = np.flatnonzero((per_doc > 0) & (per_doc < ngram))
    if len(short):  # 1 .. ngram-1 words: one shingle of all the words
        doc_first = np.concatenate(([0], np.cumsum(per_doc)[:-1]))
        short_h = np.zeros(len(short), np.uint64)
        # each word count a short text has, not every count below ngram: the work grows
        # with the texts, not with ngram (a [dedup] ngram of 100,000 took hours)
        for k in np.unique(per_doc[short]).tolist():
            sel = per_doc[short] == k
            acc_k = np.zeros(int(sel.sum()), np.uint64)
            for j in range(k):
                acc_k = acc_k * R + word_h[doc_first[short[sel]] + j]
            short_h[sel] = acc_k
        counts[short] = 1
        at = np.concatenate(([0], np.cumsum(counts)[:-1]))[short] - np.arange(len(short))
        hashes = np.insert(hashes, at, short_h)
    out = (fmix64(hashes) >> np.uint64(32)).astype(np.uint32)
    return out, np.concatenate(([0], np.cumsum(counts))).astype(np.int64)


def _sha1_hashes(texts: Sequence[str], ngram: int) -> tuple[U32, I64]:
    values: list[int] = []
    offsets = [0]
    for text in texts:
        for s in shingles(text, ngram):
            values.append(int.from_bytes(hashlib.sha1(s.encode("utf-8")).digest()[:4], "little"))
        offsets.append(len(values))
    return np.array(values, dtype=np.uint32), np.array(offsets, dtype=np.int64)


def base_hashes(texts: Sequence[str], ngram: int = 5, base: BaseHash = "fast") -> tuple[U32, I64]:
    """Base hashes of every shingle of ``texts`` in order, as (values, indptr)."""
    if ngram < 1:
        raise ValueError(f"ngram must be >= 1, not {ngram}")
    return _fast_hashes(texts, ngram) if base == "fast" else _sha1_hashes(texts, ngram)


def batches(texts: Sequence[str], batch_chars: int = BATCH_CHARS) -> list[tuple[int, int]]:
    """Split ``texts`` into runs ``(lo, hi)`` of about ``batch_chars`` characters."""
    out: list[tuple[int, int]] = []
    lo, size = 0, 0
    for i, text in enumerate(texts):
        size += len(text)
        if size >= batch_chars:
            out.append((lo, i + 1))
            lo, size = i + 1, 0
    if lo < len(texts):
        out.append((lo, len(texts)))
    return out


def ranges(starts: I64, sizes: I64) -> I64:
    """Concatenated ``arange(starts[i], starts[i] + sizes[i])``: the CSR positions of rows."""
    total = int(sizes.sum())
    shift = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)
    out: I64 = np.arange(total, dtype=np.int64) + shift
    return out


@dataclass(frozen=True)
class ShingleSets:
    """The sorted, unique base hashes of many documents, as one CSR pair of arrays.

    Set ``i`` is ``values[indptr[i]:indptr[i + 1]]``.
    """

    values: U32
    indptr: I64

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def __getitem__(self, i: int) -> U32:
        return self.values[self.indptr[i] : self.indptr[i + 1]]

    def sizes(self) -> I64:
        return np.diff(self.indptr)

    def take(self, rows: I64) -> ShingleSets:
        """The sets of ``rows``, in that order, as a new CSR pair."""
        sizes = self.sizes()[rows]
        return ShingleSets(
            self.values[ranges(self.indptr[:-1][rows], sizes)],
            np.concatenate(([0], np.cumsum(sizes))).astype(np.int64),
        )

    @classmethod
    def from_csr(cls, values: U32, indptr: I64) -> ShingleSets:
        """Sort and de-duplicate each row of a CSR of hashes."""
        n = len(indptr) - 1
        doc = np.repeat(np.arange(n, dtype=np.uint64), np.diff(indptr))
        keys = distinct((doc << np.uint64(32)) | values.astype(np.uint64))
        counts = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=n)
        return cls(
            (keys & _MASK32).astype(np.uint32),
            np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        )

    @classmethod
    def of(cls, sets: Sequence[U32]) -> ShingleSets:
        """Sets already sorted and unique (one array each), as one CSR pair."""
        sizes = np.fromiter((len(x) for x in sets), dtype=np.int64, count=len(sets))
        values = np.concatenate(list(sets)) if len(sets) else np.zeros(0, np.uint32)
        return cls(
            values.astype(np.uint32), np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        )


def shingle_hashes(text: str, ngram: int = 5, base: BaseHash = "fast") -> U32:
    """The sorted, unique 32-bit base hashes of ``text``'s canonical shingles.

    >>> len(shingle_hashes("a b c d e f a b c d e f"))  # 8 shingles, 6 distinct
    6
    >>> shingle_hashes("Hello, world!").tolist() == shingle_hashes("HELLO world").tolist()
    True
    >>> len(shingle_hashes("one two three four five six", 5)), len(shingle_hashes("", 5))
    (2, 0)
    """
    return ShingleSets.from_csr(*base_hashes([text], ngram, base))[0]


def shingle_sets(
    texts: Sequence[str],
    ngram: int = 5,
    base: BaseHash = "fast",
    batch_chars: int = BATCH_CHARS,
) -> ShingleSets:
    """:func:`shingle_hashes` of many texts at once (what exact Jaccard compares).

    >>> sets = shingle_sets(["one two three four five six", ""])
    >>> sets[0].tolist() == shingle_hashes("one two three four five six").tolist()
    True
    """
    parts = [
        ShingleSets.from_csr(*base_hashes(texts[lo:hi], ngram, base))
        for lo, hi in batches(texts, batch_chars)
    ]
    if not parts:
        return ShingleSets(np.zeros(0, np.uint32), np.zeros(1, np.int64))
    values = np.concatenate([p.values for p in parts])
    sizes = np.concatenate([p.sizes() for p in parts])
    return ShingleSets(values, np.concatenate(([0], np.cumsum(sizes))).astype(np.int64))

"""Shingling and MinHash signatures, vectorized over whole batches of documents.

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

The permutations are datasketch's, bit for bit, so the same base hashes give the same
signatures as ``datasketch.MinHash(num_perm, seed, scheme=...)`` fed by ``update()``:

* ``"affine32"`` (datasketch >= 2.0 default): ``h' = a * fmix32(h) + b mod 2**32``;
* ``"legacy"`` (datasketch < 2.0): ``h' = ((a * h + b) mod 2**64 mod (2**61 - 1)) & (2**32 - 1)``;

with ``a, b`` drawn from ``np.random.RandomState(seed)`` in datasketch's order.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "MinHasher",
    "ShingleSets",
    "shingle_hashes",
    "shingles",
]

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
Scheme = Literal["affine32", "legacy"]
BaseHash = Literal["fast", "sha1"]

WORD = re.compile(r"\w+")
_P = np.uint64(0x100000001B3)  # FNV-64 prime: the per-character multiplier of a word
_R = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio constant: the per-word multiplier
_MERSENNE = np.uint64((1 << 61) - 1)
_MASK32 = np.uint64((1 << 32) - 1)
_CHUNK = 1 << 21  # shingles x permutations per numpy call: 8 MB of uint32, fits a cache


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


def _fmix64(h: U64) -> U64:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _fmix32(h: U32) -> U32:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@functools.cache
def _word_table() -> npt.NDArray[np.bool_]:
    """A boolean per Unicode code point: is it matched by ``\\w``? Built once (~0.1 s)."""
    every = "".join(map(chr, range(0x110000)))
    table = np.zeros(0x110000, dtype=np.bool_)
    for m in WORD.finditer(every):
        table[m.start() : m.end()] = True
    return table


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
    edges = np.diff(_word_table()[cps].view(np.int8), prepend=np.int8(0))
    w_start = np.flatnonzero(edges == 1)
    w_end = np.flatnonzero(edges == -1)
    up, down = _powers(1 << max(16, (len(cps) - 1).bit_length()))
    prefix = np.concatenate(([np.uint64(0)], np.cumsum((cps + np.uint32(1)) * up[: len(cps)])))
    word_h = _fmix64((prefix[w_end] - prefix[w_start]) * down[w_start])
    n_words = len(w_start)
    word_doc = np.searchsorted(bounds, w_start, side="right")
    per_doc = np.bincount(word_doc, minlength=n)
    # Full n-grams: start i is valid when word i + ngram - 1 is in the same text.
    n_full = max(n_words - ngram + 1, 0)
    acc = np.zeros(n_full, np.uint64)
    for j in range(ngram):
        acc = acc * _R + word_h[j : j + n_full]
    valid = word_doc[:n_full] == word_doc[ngram - 1 : ngram - 1 + n_full]
    hashes = acc[valid]
    counts = np.maximum(per_doc - (ngram - 1), 0)
    short = np.flatnonzero((per_doc > 0) & (per_doc < ngram))
    if len(short):  # 1 .. ngram-1 words: one shingle of all the words
        doc_first = np.concatenate(([0], np.cumsum(per_doc)[:-1]))
        short_h = np.zeros(len(short), np.uint64)
        for k in range(1, ngram):
            sel = per_doc[short] == k
            acc_k = np.zeros(int(sel.sum()), np.uint64)
            for j in range(k):
                acc_k = acc_k * _R + word_h[doc_first[short[sel]] + j]
            short_h[sel] = acc_k
        counts[short] = 1
        at = np.concatenate(([0], np.cumsum(counts)[:-1]))[short] - np.arange(len(short))
        hashes = np.insert(hashes, at, short_h)
    out = (_fmix64(hashes) >> np.uint64(32)).astype(np.uint32)
    return out, np.concatenate(([0], np.cumsum(counts))).astype(np.int64)


def _sha1_hashes(texts: Sequence[str], ngram: int) -> tuple[U32, I64]:
    values: list[int] = []
    offsets = [0]
    for text in texts:
        for s in shingles(text, ngram):
            values.append(int.from_bytes(hashlib.sha1(s.encode("utf-8")).digest()[:4], "little"))
        offsets.append(len(values))
    return np.array(values, dtype=np.uint32), np.array(offsets, dtype=np.int64)


def _base_hashes(texts: Sequence[str], ngram: int, base: BaseHash) -> tuple[U32, I64]:
    if ngram < 1:
        raise ValueError(f"ngram must be >= 1, not {ngram}")
    return _fast_hashes(texts, ngram) if base == "fast" else _sha1_hashes(texts, ngram)


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

    @classmethod
    def from_csr(cls, values: U32, indptr: I64) -> ShingleSets:
        """Sort and de-duplicate each row of a CSR of hashes."""
        n = len(indptr) - 1
        doc = np.repeat(np.arange(n, dtype=np.uint64), np.diff(indptr))
        keys = np.unique((doc << np.uint64(32)) | values.astype(np.uint64))
        counts = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=n)
        return cls(
            (keys & _MASK32).astype(np.uint32),
            np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        )


def shingle_hashes(text: str, ngram: int = 5, base: BaseHash = "fast") -> U32:
    """The sorted, unique 32-bit base hashes of ``text``'s canonical shingles.

    >>> len(shingle_hashes("a b c d e f a b c d e f"))  # 8 shingles, 6 distinct
    6
    >>> shingle_hashes("Hello, world!").tolist() == shingle_hashes("HELLO world").tolist()
    True
    """
    values, indptr = _base_hashes([text], ngram, base)
    return ShingleSets.from_csr(values, indptr)[0]


def _permutations(num_perm: int, seed: int, scheme: Scheme) -> tuple[npt.NDArray[Any], ...]:
    """``a`` and ``b`` exactly as ``datasketch.MinHash._init_permutations`` draws them."""
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        ab = np.array(
            [
                (
                    gen.randint(1, _MERSENNE, dtype=np.uint64),
                    gen.randint(0, _MERSENNE, dtype=np.uint64),
                )
                for _ in range(num_perm)
            ],
            dtype=np.uint64,
        ).T
        return ab[0], ab[1]
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


class MinHasher:
    """MinHash signatures of many texts at once: one row of ``num_perm`` uint32 per text.

    ``seed`` and ``num_perm`` mean what they mean in datasketch, and ``scheme`` picks
    its permutation family (``"affine32"``, its default since 2.0, or ``"legacy"``).
    ``base`` picks the shingle hash: ``"fast"`` (vectorized, cleaner's own) or
    ``"sha1"`` (datasketch's, slow). A text with no word gets the all-``2**32 - 1``
    signature of an empty datasketch MinHash.

    >>> sig = MinHasher(num_perm=16).signatures(["one two three four five six", ""])
    >>> sig.shape, sig.dtype.name, int(sig[1].min()) == 2**32 - 1
    ((2, 16), 'uint32', True)
    """

    def __init__(
        self,
        num_perm: int = 128,
        ngram: int = 5,
        seed: int = 1,
        scheme: Scheme = "affine32",
        base: BaseHash = "fast",
        batch_chars: int = 1 << 16,
    ) -> None:
        if num_perm < 1:
            raise ValueError(f"num_perm must be >= 1, not {num_perm}")
        if scheme not in ("affine32", "legacy"):
            raise ValueError(f"scheme must be 'affine32' or 'legacy', not {scheme!r}")
        if base not in ("fast", "sha1"):
            raise ValueError(f"base must be 'fast' or 'sha1', not {base!r}")
        self.num_perm = num_perm
        self.ngram = ngram
        self.seed = seed
        self.scheme_name: Scheme = scheme
        self.base: BaseHash = base
        self.batch_chars = batch_chars  # text per numpy pass: small enough to stay in cache
        self.a, self.b = _permutations(num_perm, seed, scheme)

    def scheme(self, threshold: float = 0.8) -> dict[str, Any]:
        """What a manifest records so that a later run can reuse stored signatures."""
        from cleaner.lsh import choose_bands

        bands, rows = choose_bands(threshold, self.num_perm)
        shingling = f"lower; regex \\w+; word {self.ngram}-grams joined by ' '"
        return {
            "scheme": f"minhash-{self.scheme_name}",
            "seed": self.seed,
            "num_perm": self.num_perm,
            "ngram": self.ngram,
            "shingling": shingling,
            "hash": "cleaner-fmix64-poly-32" if self.base == "fast" else "sha1-32-le",
            "threshold": threshold,
            "bands": bands,
            "rows": rows,
        }

    def base_hashes(self, texts: Sequence[str]) -> tuple[U32, I64]:
        """Base hashes of every shingle of ``texts`` in order, as (values, indptr)."""
        return _base_hashes(texts, self.ngram, self.base)

    def _batches(self, texts: Sequence[str]) -> list[tuple[int, int]]:
        """Split ``texts`` into runs of about ``batch_chars`` characters."""
        out: list[tuple[int, int]] = []
        lo, size = 0, 0
        for i, text in enumerate(texts):
            size += len(text)
            if size >= self.batch_chars:
                out.append((lo, i + 1))
                lo, size = i + 1, 0
        if lo < len(texts):
            out.append((lo, len(texts)))
        return out

    def shingle_sets(self, texts: Sequence[str]) -> ShingleSets:
        """The sorted unique base hashes of each text (what exact Jaccard compares)."""
        parts = [
            ShingleSets.from_csr(*self.base_hashes(texts[lo:hi])) for lo, hi in self._batches(texts)
        ]
        if not parts:
            return ShingleSets(np.zeros(0, np.uint32), np.zeros(1, np.int64))
        values = np.concatenate([p.values for p in parts])
        sizes = np.concatenate([p.sizes() for p in parts])
        return ShingleSets(values, np.concatenate(([0], np.cumsum(sizes))).astype(np.int64))

    def signatures(self, texts: Sequence[str]) -> U32:
        """Signatures of ``texts``, shape ``(len(texts), num_perm)``, dtype uint32."""
        out = np.empty((len(texts), self.num_perm), dtype=np.uint32)
        for lo, hi in self._batches(texts):
            out[lo:hi] = self.signatures_from_hashes(*self.base_hashes(texts[lo:hi]))
        return out

    def signatures_from_hashes(self, values: npt.NDArray[Any], indptr: I64) -> U32:
        """Signatures from given 32-bit base hashes (CSR): datasketch's permutations."""
        n = len(indptr) - 1
        out = np.full((n, self.num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
        sizes = np.diff(indptr)
        step = max(1, _CHUNK // self.num_perm)
        doc = 0
        while doc < n:
            # Take whole documents up to about `step` shingles (at least one document).
            stop = int(np.searchsorted(indptr, indptr[doc] + step, side="right")) - 1
            stop = min(max(stop, doc + 1), n)
            lo, hi = int(indptr[doc]), int(indptr[stop])
            nonempty = np.flatnonzero(sizes[doc:stop] > 0)
            if hi > lo:
                perm = self._permute(np.asarray(values[lo:hi], dtype=np.uint32))
                at = (indptr[doc:stop][nonempty] - lo).astype(np.intp)
                out[doc + nonempty] = np.minimum.reduceat(perm, at, axis=1).T
            doc = stop
        return out

    def _permute(self, h: U32) -> U32:
        """Permuted hashes, shape ``(num_perm, len(h))``: this layout is ~8x faster
        to min-reduce per document than the transposed one."""
        if self.scheme_name == "affine32":
            perm: U32 = np.multiply(self.a[:, None], _fmix32(h)[None, :])
            perm += self.b[:, None]
            return perm
        p = self.a[:, None] * h.astype(np.uint64)[None, :]  # wraps mod 2**64, as datasketch
        p += self.b[:, None]
        p %= _MERSENNE
        p &= _MASK32
        return np.asarray(p, dtype=np.uint32)

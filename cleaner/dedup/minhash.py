"""MinHash signatures, vectorized over whole batches of documents.

The base hashes of a document's shingles come from :mod:`cleaner.dedup.shingles`. The
permutations are datasketch's, bit for bit, so the same base hashes give the same
signatures as ``datasketch.MinHash(num_perm, seed, scheme=...)`` fed by ``update()``:

* ``"affine32"`` (datasketch >= 2.0 default): ``h' = a * fmix32(h) + b mod 2**32``;
* ``"legacy"`` (datasketch < 2.0): ``h' = ((a * h + b) mod 2**64 mod (2**61 - 1)) & (2**32 - 1)``;

with ``a, b`` drawn from ``np.random.RandomState(seed)`` in datasketch's order. The
tests hold both to datasketch itself, which the package does not import: importing it
takes longer than importing all of cleaner (it loads scipy), and its own batch update
(``update_batch``, ``bulk``) signs about an eighth as many documents per second as one
numpy pass over a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from cleaner.dedup.shingles import BATCH_CHARS, BaseHash, base_hashes, batches

native: ModuleType | None
try:  # the affine32 signatures in C: built at install where a C compiler is found
    from cleaner.dedup import _minhash as native
except ImportError:  # no compiler at install: numpy, the same integers
    native = None

__all__ = ["MinHasher"]

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
Scheme = Literal["affine32", "legacy"]

_MERSENNE = np.uint64((1 << 61) - 1)
_MASK32 = np.uint64((1 << 32) - 1)
_CHUNK = 1 << 21  # shingles x permutations per numpy call: 8 MB of uint32, fits a cache
EMPTY = np.uint32(0xFFFFFFFF)  # every value of the signature of a text with no shingle


def _fmix32(h: U32) -> U32:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


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
        batch_chars: int = BATCH_CHARS,
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
        self.batch_chars = batch_chars
        self.a, self.b = _permutations(num_perm, seed, scheme)

    def scheme(self) -> dict[str, Any]:
        """What a manifest records so that a later run can reuse stored signatures
        (the banding adds its own: :meth:`cleaner.dedup.lsh.Banding.scheme`)."""
        shingling = f"lower; regex \\w+; word {self.ngram}-grams joined by ' '"
        return {
            "scheme": f"minhash-{self.scheme_name}",
            "seed": self.seed,
            "num_perm": self.num_perm,
            "ngram": self.ngram,
            "shingling": shingling,
            "hash": "cleaner-fmix64-poly-32" if self.base == "fast" else "sha1-32-le",
        }

    def base_hashes(self, texts: Sequence[str]) -> tuple[U32, I64]:
        """Base hashes of every shingle of ``texts`` in order, as (values, indptr)."""
        return base_hashes(texts, self.ngram, self.base)

    def signatures(self, texts: Sequence[str]) -> U32:
        """Signatures of ``texts``, shape ``(len(texts), num_perm)``, dtype uint32."""
        out = np.empty((len(texts), self.num_perm), dtype=np.uint32)
        for lo, hi in batches(texts, self.batch_chars):
            out[lo:hi] = self.signatures_from_hashes(*self.base_hashes(texts[lo:hi]))
        return out

    def signatures_from_hashes(self, values: npt.NDArray[Any], indptr: I64) -> U32:
        """Signatures from given 32-bit base hashes (CSR): datasketch's permutations.

        ``"affine32"`` is computed in C where ``cleaner/dedup/_minhash.c`` was built
        (one pass over the shingles, about five times faster), else in numpy
        (:meth:`numpy_signatures`); the two give the same integers.
        """
        if native is None or self.scheme_name != "affine32":
            return self.numpy_signatures(values, indptr)
        out = np.full((len(indptr) - 1, self.num_perm), EMPTY, dtype=np.uint32)
        native.affine32(
            np.ascontiguousarray(values, dtype=np.uint32),
            np.ascontiguousarray(indptr, dtype=np.int64),
            self.a,
            self.b,
            out,
        )
        return out

    def numpy_signatures(self, values: npt.NDArray[Any], indptr: I64) -> U32:
        """:meth:`signatures_from_hashes` in numpy, for either scheme."""
        n = len(indptr) - 1
        out = np.full((n, self.num_perm), EMPTY, dtype=np.uint32)
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

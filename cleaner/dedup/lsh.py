"""Locality-sensitive hashing: MinHash signatures cut into bands, one key per band.

A signature is cut into ``bands`` bands of ``rows`` values; each band is hashed to one
uint32 key. Two documents are candidates when they share a key in some band (see
:mod:`cleaner.dedup.pairs`). The banding is chosen for recall at the threshold
(:func:`choose_bands`): every candidate is verified afterwards, so a spurious
candidate costs time, never precision. Keys depend only on the document, so an
in-memory run and the stored index of an incremental run find the same candidates.
An index token is ``band << 32 | key``: a key that names its band.

With ``containment`` a :class:`Banding` adds :data:`CONTAINMENT_BANDS` bands of
:data:`CONTAINMENT_ROWS` rows, numbered after the Jaccard bands. A document most of
whose shingles are in a longer one can have a low Jaccard with it (a 55 % prefix has
about 0.55), so its candidates need short bands: with 2 rows and 24 bands a pair at
Jaccard 0.43 (90 % of a document half as long as the other) is a candidate with
probability 0.993, one at 0.3 with 0.90. The keys are 96 more bytes per document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.dedup import CONTAINMENT_BANDS, CONTAINMENT_ROWS
from cleaner.dedup.minhash import MinHasher
from cleaner.dedup.shingles import R, ShingleSets, fmix64

__all__ = [
    "CONTAINMENT_BANDS",
    "CONTAINMENT_ROWS",
    "Banding",
    "as_tokens",
    "band_keys",
    "candidate_probability",
    "choose_bands",
]

U32 = npt.NDArray[np.uint32]
Keys = npt.NDArray[np.uint32]
Tokens = npt.NDArray[np.uint64]
_NONE = np.zeros(0, dtype=np.uint64)


def candidate_probability(jaccard: float, bands: int, rows: int) -> float:
    """Chance that a pair with this Jaccard shares at least one band: ``1-(1-j^r)^b``.

    >>> round(candidate_probability(0.8, 21, 6), 4)
    0.9983
    >>> round(candidate_probability(0.8, 9, 13), 4)
    0.3988
    """
    return float(1.0 - (1.0 - jaccard**rows) ** bands)


@lru_cache(maxsize=64)
def choose_bands(threshold: float, num_perm: int, recall: float = 0.995) -> tuple[int, int]:
    """The banding with the most rows (fewest spurious candidates) that still makes a
    pair at exactly ``threshold`` a candidate with probability ``>= recall``.

    Pairs above the threshold are found even more often. Unused permutations
    (``num_perm - bands * rows``) are left out of the bands but still feed the
    similarity estimate.

    >>> choose_bands(0.8, 128)
    (21, 6)
    >>> choose_bands(0.5, 128)
    (42, 3)
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= recall:
            best = (bands, rows)
    return best


def band_keys(signatures: U32, bands: int, rows: int) -> Keys:
    """One uint32 key per document and band, shape ``(n, bands)``.

    >>> sig = np.arange(12, dtype=np.uint32).reshape(2, 6)
    >>> band_keys(sig, 3, 2).shape
    (2, 3)
    """
    n = len(signatures)
    if signatures.shape[1] < bands * rows:
        raise ValueError(f"signatures have {signatures.shape[1]} values, need {bands * rows}")
    sig = signatures[:, : bands * rows].reshape(n, bands, rows)
    acc = np.zeros((n, bands), np.uint64)
    for j in range(rows):
        acc = acc * R + sig[:, :, j].astype(np.uint64)
    return np.ascontiguousarray((fmix64(acc) >> np.uint64(32)).astype(np.uint32))


def as_tokens(keys: Keys) -> Tokens:
    """Index tokens from one document's band keys: ``band << 32 | key``."""
    return np.asarray(
        keys.astype(np.uint64) | (np.arange(len(keys), dtype=np.uint64) << np.uint64(32)),
        dtype=np.uint64,
    )


@lru_cache(maxsize=8)
def _hasher(num_perm: int, seed: int) -> MinHasher:
    return MinHasher(num_perm=num_perm, seed=seed)


@dataclass(frozen=True)
class Banding:
    """Band keys of shingle sets: one per LSH band of their MinHash signatures.

    >>> from cleaner.dedup.shingles import shingle_hashes
    >>> b = Banding(0.8)
    >>> len(b.tokens(shingle_hashes("one two three four five six seven"))), (b.bands, b.rows)
    (21, (21, 6))
    >>> len(b.tokens(shingle_hashes("")))
    0
    >>> len(Banding(0.8, containment=True).tokens(shingle_hashes("one two three four five six")))
    45
    """

    threshold: float
    num_perm: int = 128
    seed: int = 1
    containment: bool = False  # add the containment bands after the Jaccard bands

    @property
    def jaccard_bands(self) -> int:
        """The bands chosen for the Jaccard threshold (the first ones)."""
        return choose_bands(self.threshold, self.num_perm)[0]

    @property
    def bands(self) -> int:
        """All bands: the Jaccard bands, then the containment bands if any."""
        return self.jaccard_bands + (CONTAINMENT_BANDS if self.containment else 0)

    @property
    def rows(self) -> int:
        return choose_bands(self.threshold, self.num_perm)[1]

    def scheme(self) -> dict[str, Any]:
        """What the manifest records of the banding."""
        out: dict[str, Any] = {
            "threshold": self.threshold,
            "bands": self.jaccard_bands,
            "rows": self.rows,
        }
        if self.containment:
            out["containment_bands"] = CONTAINMENT_BANDS
            out["containment_rows"] = CONTAINMENT_ROWS
        return out

    def keys(self, sets: ShingleSets) -> Keys:
        """Band keys of many sets, shape ``(n, bands)`` (an empty set's row means nothing)."""
        sig = _hasher(self.num_perm, self.seed).signatures_from_hashes(sets.values, sets.indptr)
        keys = band_keys(sig, self.jaccard_bands, self.rows)
        if not self.containment:
            return keys
        short = band_keys(sig, CONTAINMENT_BANDS, CONTAINMENT_ROWS)
        return np.ascontiguousarray(np.concatenate((keys, short), axis=1))

    def tokens(self, hashes: U32) -> Tokens:
        """One set's index tokens (none for an empty set)."""
        return self.tokens_many([hashes])[0]

    def tokens_many(self, sets: Sequence[U32]) -> list[Tokens]:
        """Index tokens of many sets at once (one vectorized signature computation)."""
        keys = self.keys(ShingleSets.of(sets))
        return [as_tokens(keys[i]) if len(s) else _NONE for i, s in enumerate(sets)]

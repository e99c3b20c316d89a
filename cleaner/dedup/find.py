"""Near-duplicates in one batch that explain themselves: candidates, verification, stars.

The pipeline, for paragraphs (blocks) or documents held in memory:

1. MinHash signatures (:class:`~cleaner.dedup.minhash.MinHasher`) and LSH candidate
   pairs (:func:`~cleaner.dedup.pairs.candidate_pairs`), banded for recall at the
   threshold;
2. every candidate is verified: pairs whose signature estimate is far below the
   threshold are dropped (4.5 standard errors), the rest get their exact Jaccard
   on the sets of 32-bit shingle hashes (``verify="exact"``, the default), or keep
   the estimate (``verify="estimate"``, faster and noisier: ~0.035 at J = 0.8 with
   128 permutations);
3. star clustering: documents are visited in keep-priority order; one that no
   earlier centre has claimed becomes a centre and claims its verified neighbours.
   A duplicate is therefore always verified against the very document it is
   reported to duplicate, and two documents are never linked through a third.

The result is a function of the texts and the priority only: the input order does not
matter when the priority keys are distinct (see :mod:`cleaner.dedup.keeper`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from cleaner.arrays import distinct
from cleaner.dedup.cluster import star_clusters
from cleaner.dedup.lsh import band_keys, choose_bands
from cleaner.dedup.minhash import EMPTY, MinHasher
from cleaner.dedup.pairs import candidate_pairs, pair_codes
from cleaner.dedup.shingles import ShingleSets, shingle_sets
from cleaner.dedup.verify import estimated_jaccard, exact_jaccard

__all__ = ["DedupResult", "find_block_duplicates", "find_duplicates"]

log = logging.getLogger(__name__)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U32 = npt.NDArray[np.uint32]


@dataclass(frozen=True)
class DedupResult:
    """What dedup decided, per document, and why.

    ``duplicate_of[i]`` is the index of the kept document that ``i`` duplicates, or
    -1 when ``i`` is kept. ``similarity[i]`` is the Jaccard between ``i`` and that
    document (NaN for kept ones); ``similarity_kind`` says whether it is ``"exact"``
    (on shingle-hash sets) or ``"estimated"`` (from signatures). ``candidates``
    counts the LSH candidate pairs; ``pair_a``, ``pair_b`` (``a < b``) and
    ``pair_similarity`` list every verified pair at or above the threshold, including
    pairs of two duplicates that star clustering put in different clusters.
    """

    duplicate_of: I64
    similarity: F64
    similarity_kind: str
    candidates: int
    pair_a: I64
    pair_b: I64
    pair_similarity: F64

    @property
    def verified(self) -> int:
        """Number of verified pairs at or above the threshold."""
        return len(self.pair_a)

    def clusters(self) -> list[list[int]]:
        """Clusters of two or more: the kept document first, then its duplicates."""
        dup = np.flatnonzero(self.duplicate_of >= 0)
        out: dict[int, list[int]] = {}
        for i in dup[np.argsort(self.duplicate_of[dup], kind="stable")].tolist():
            out.setdefault(int(self.duplicate_of[i]), []).append(i)
        return [[center, *members] for center, members in sorted(out.items())]

    def records(self) -> Iterator[dict[str, Any]]:
        """One ``{"id", "duplicate_of", "similarity"}`` dict per document (ids = indices)."""
        for i, (d, s) in enumerate(
            zip(self.duplicate_of.tolist(), self.similarity.tolist(), strict=True)
        ):
            yield {
                "id": i,
                "duplicate_of": d if d >= 0 else None,
                "similarity": None if d < 0 else round(s, 5),
            }


def find_duplicates(
    texts: Sequence[str] | None = None,
    *,
    priority: npt.ArrayLike,
    sets: ShingleSets | None = None,
    signatures: U32 | None = None,
    threshold: float = 0.8,
    hasher: MinHasher | None = None,
    verify: Literal["exact", "estimate"] = "exact",
    groups: npt.ArrayLike | None = None,
) -> DedupResult:
    """Near-duplicates among ``texts`` (or among precomputed ``sets``) at ``threshold``.

    ``priority`` is a rank per document (0 is kept first; see
    :func:`cleaner.dedup.keeper.priority_rank`). With ``groups`` (numbers below 2**32),
    only documents of the same group are compared (paragraphs of one document), and a
    group's verdicts are the ones it would get alone, whatever other groups are given.
    ``signatures`` and ``sets`` are computed when not given; with
    ``verify="exact"`` the shingle sets are built only for documents in a candidate
    pair that passes the estimate filter.

    >>> r = find_duplicates(["the cat sat on the mat today", "The cat sat on the mat today!",
    ...                      "a completely different sentence here"], priority=[1, 0, 2])
    >>> r.duplicate_of.tolist(), r.similarity_kind
    ([1, -1, -1], 'exact')
    """
    if texts is None and sets is None:
        raise ValueError("give texts or sets")
    hasher = hasher or MinHasher()
    n = len(texts) if texts is not None else len(sets)  # type: ignore[arg-type]
    if signatures is None:
        if texts is not None:
            signatures = hasher.signatures(texts)
        else:
            assert sets is not None
            signatures = hasher.signatures_from_hashes(sets.values, sets.indptr)
    rank = np.asarray(priority, dtype=np.int64)
    bands, rows = choose_bands(threshold, hasher.num_perm)
    active = np.flatnonzero((signatures != EMPTY).any(axis=1))
    within = None if groups is None else np.asarray(groups)[active]
    a, b = candidate_pairs(band_keys(signatures[active], bands, rows), rank[active], groups=within)
    a, b = active[a], active[b]
    candidates = len(a)
    sim = estimated_jaccard(signatures, a, b)
    kind = "estimated"
    if verify == "exact":
        sigma = math.sqrt(threshold * (1 - threshold) / hasher.num_perm)
        near = sim >= threshold - 4.5 * sigma - 1e-9
        a, b = a[near], b[near]
        if sets is None:
            assert texts is not None
            involved = distinct(np.concatenate((a, b)))
            local = np.full(n, -1, np.int64)
            local[involved] = np.arange(len(involved))
            sets_local = shingle_sets(
                [texts[i] for i in involved.tolist()], hasher.ngram, hasher.base, hasher.batch_chars
            )
            sim = exact_jaccard(sets_local, local[a], local[b])
        else:
            sim = exact_jaccard(sets, a, b)
        kind = "exact"
    keep = sim >= threshold
    a, b, sim = a[keep], b[keep], sim[keep]
    log.debug("dedup: %d candidates, %d verified at %.2f (%s)", candidates, len(a), threshold, kind)
    center = star_clusters(n, a, b, rank)
    duplicate_of = np.where(center == np.arange(n), -1, center)
    similarity = np.full(n, np.nan, np.float64)
    if len(a):
        # Look up the verified similarity of each (duplicate, centre) edge.
        code = pair_codes(np.minimum(a, b), np.maximum(a, b))
        order = np.argsort(code)
        dup = np.flatnonzero(duplicate_of >= 0)
        c = duplicate_of[dup]
        want = pair_codes(np.minimum(dup, c), np.maximum(dup, c))
        similarity[dup] = sim[order[np.searchsorted(code[order], want)]]
    return DedupResult(duplicate_of, similarity, kind, candidates, a, b, sim)


def find_block_duplicates(
    paragraphs: Sequence[str],
    doc_of: npt.ArrayLike,
    *,
    cross_doc: bool = False,
    threshold: float = 0.8,
    hasher: MinHasher | None = None,
) -> DedupResult:
    """Repeated paragraphs: the same machinery with paragraphs as documents.

    ``paragraphs`` are in reading order, ``doc_of[i]`` is the document of paragraph
    ``i``. The first occurrence is kept and later copies point at it. Only copies
    inside one document are linked unless ``cross_doc`` is true.

    >>> r = find_block_duplicates(["Buy now and save on every order today.", "Body text here.",
    ...                            "Buy now and save on every order today!"], [0, 0, 0])
    >>> r.duplicate_of.tolist()
    [-1, -1, 0]
    """
    n = len(paragraphs)
    return find_duplicates(
        paragraphs,
        priority=np.arange(n, dtype=np.int64),
        threshold=threshold,
        hasher=hasher,
        groups=None if cross_doc else np.asarray(doc_of),
    )

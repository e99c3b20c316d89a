"""Near-duplicate detection that explains itself: candidates, verification, stars.

The pipeline, for documents or for paragraphs (blocks):

1. MinHash signatures (:class:`~cleaner.minhash.MinHasher`) and LSH candidate pairs
   (:func:`~cleaner.lsh.candidate_pairs`), banded for recall at the threshold;
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
matter when the priority keys are distinct (see :func:`longest_first`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from cleaner.lsh import band_keys, candidate_pairs, choose_bands, pair_codes
from cleaner.minhash import MinHasher, ShingleSets, ranges

__all__ = [
    "DedupResult",
    "estimated_jaccard",
    "exact_jaccard",
    "find_block_duplicates",
    "find_duplicates",
    "keep_longest",
    "longest_first",
    "priority_rank",
    "star_clusters",
]

log = logging.getLogger(__name__)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U32 = npt.NDArray[np.uint32]
_EMPTY = np.uint32(0xFFFFFFFF)


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


def priority_rank(keys: Sequence[Any]) -> I64:
    """Rank of each document in keep order: 0 is kept first. Ties go to the lower index.

    >>> priority_rank([(-5, "b"), (-9, "z"), (-5, "a")]).tolist()
    [2, 0, 1]
    """
    order = sorted(range(len(keys)), key=keys.__getitem__)
    rank = np.empty(len(keys), np.int64)
    rank[order] = np.arange(len(keys), dtype=np.int64)
    return rank


def longest_first(texts: Sequence[str], sources: Sequence[str] | None = None) -> I64:
    """Keep priority: the longest text first, ties by source path, then by the text itself.

    >>> longest_first(["ab", "abc", "ab"], sources=["z", "y", "x"]).tolist()
    [2, 0, 1]
    """
    src = sources if sources is not None else [""] * len(texts)
    return priority_rank([(-len(t), s, t) for t, s in zip(texts, src, strict=True)])


def exact_jaccard(sets: ShingleSets, a: I64, b: I64, chunk: int = 1 << 22) -> F64:
    """Exact Jaccard of the sets of each pair ``(a[k], b[k])``, vectorized; J(∅, ∅) = 0.

    >>> s = ShingleSets.from_csr(np.array([1, 2, 3, 2, 3, 4], np.uint32), np.array([0, 3, 6]))
    >>> exact_jaccard(s, np.array([0]), np.array([1])).tolist()
    [0.5]
    """
    sizes = sets.sizes()
    out = np.zeros(len(a), np.float64)
    cum = np.cumsum(sizes[a] + sizes[b])
    lo = 0
    while lo < len(a):
        done = int(cum[lo - 1]) if lo else 0
        hi = max(lo + 1, int(np.searchsorted(cum, done + chunk, side="right")))
        pa, pb = a[lo:hi], b[lo:hi]
        sa, sb = sizes[pa], sizes[pb]
        tag_a = np.repeat(np.arange(hi - lo, dtype=np.uint64), sa) << np.uint64(32)
        tag_b = np.repeat(np.arange(hi - lo, dtype=np.uint64), sb) << np.uint64(32)
        key_a = tag_a | sets.values[ranges(sets.indptr[pa], sa)]
        key_b = tag_b | sets.values[ranges(sets.indptr[pb], sb)]  # sorted: pair, then value
        pos = np.minimum(np.searchsorted(key_b, key_a), max(len(key_b) - 1, 0))
        hit = key_b[pos] == key_a if len(key_b) else np.zeros(len(key_a), np.bool_)
        inter = np.bincount((key_a[hit] >> np.uint64(32)).astype(np.int64), minlength=hi - lo)
        union = sa + sb - inter
        out[lo:hi] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        lo = hi
    return out


def estimated_jaccard(signatures: U32, a: I64, b: I64, chunk: int = 1 << 16) -> F64:
    """Share of equal signature values for each pair: the MinHash Jaccard estimate."""
    out = np.empty(len(a), np.float64)
    for lo in range(0, len(a), chunk):
        eq = signatures[a[lo : lo + chunk]] == signatures[b[lo : lo + chunk]]
        out[lo : lo + chunk] = eq.mean(axis=1)
    return out


def star_clusters(n: int, a: I64, b: I64, rank: I64) -> I64:
    """Greedy star clustering in rank order over the edges ``(a, b)``; vectorized.

    Returns each node's centre (itself for centres). Equal to the sequential rule
    "visit nodes by rank; an unclaimed node becomes a centre and claims its unclaimed
    neighbours", computed in rounds: a still-free node whose rank beats all its
    still-free neighbours is a centre, and its neighbours are claimed.

    >>> star_clusters(3, np.array([0, 1]), np.array([1, 2]), np.array([1, 0, 2])).tolist()
    [1, 1, 1]
    >>> star_clusters(3, np.array([0, 1]), np.array([1, 2]), np.array([0, 1, 2])).tolist()
    [0, 0, 2]
    """
    u = np.concatenate((a, b)).astype(np.int64)
    v = np.concatenate((b, a)).astype(np.int64)
    free = np.ones(n, np.bool_)
    is_center = np.zeros(n, np.bool_)
    big = np.iinfo(np.int64).max
    while True:
        live = free[u] & free[v]
        u, v = u[live], v[live]
        best = np.full(n, big, np.int64)
        np.minimum.at(best, u, rank[v])
        new = free & (rank < best)
        if not new.any():
            break
        is_center |= new
        free &= ~new
        free[u[new[v]]] = False
        if not free.any():
            break
    u = np.concatenate((a, b)).astype(np.int64)
    v = np.concatenate((b, a)).astype(np.int64)
    claim = is_center[v] & ~is_center[u]
    u, v = u[claim], v[claim]
    order = np.lexsort((rank[v], u))
    u, v = u[order], v[order]
    first = np.concatenate((np.ones(min(len(u), 1), np.bool_), u[1:] != u[:-1]))
    center = np.arange(n, dtype=np.int64)
    center[u[first]] = v[first]
    return center


_UNDECIDED, _KEPT, _DROPPED = 0, 1, 2


def keep_longest(n: int, a: I64, b: I64, sim: F64, rank: I64, position: I64) -> tuple[I64, F64]:
    """The keep-longest rule over verified edges ``(a, b)``; vectorized.

    Equal to the sequential rule of :class:`cleaner.resolve.NearDuplicates`: visit
    nodes by ``rank`` (distinct; lower first); a node is dropped when one of its
    neighbours of lower rank is kept, and then names the kept neighbour of lower rank
    with the highest ``sim``, ties to the lowest ``position`` (distinct). Unlike
    :func:`star_clusters`, a dropped node still counts: it blocks nothing, but a
    node whose only earlier neighbours were dropped is kept. Computed in rounds: a
    node is kept once all its earlier neighbours are dropped, and dropped once one of
    them is kept; every round settles at least the undecided node of lowest rank.
    Returns each node's kept neighbour (-1 for kept nodes) and the similarity to it
    (NaN for kept nodes).

    >>> a, b, s = np.array([0, 1]), np.array([1, 2]), np.array([0.9, 0.85])
    >>> keep_longest(3, a, b, s, np.array([0, 1, 2]), np.arange(3))[0].tolist()
    [-1, 0, -1]
    >>> keep_longest(3, a, b, s, np.array([2, 1, 0]), np.arange(3))[0].tolist()
    [-1, 2, -1]
    """
    first = rank[a] < rank[b]
    u = np.where(first, a, b).astype(np.int64)  # judged before v
    v = np.where(first, b, a).astype(np.int64)
    state = np.zeros(n, np.int8)
    eu, ev = u, v
    while True:
        live = state[ev] == _UNDECIDED
        eu, ev = eu[live], ev[live]
        state[ev[state[eu] == _KEPT]] = _DROPPED
        live = state[ev] == _UNDECIDED
        eu, ev = eu[live], ev[live]
        blocked = np.zeros(n, np.bool_)
        blocked[ev[state[eu] != _DROPPED]] = True
        settled = (state == _UNDECIDED) & ~blocked
        state[settled] = _KEPT
        if not len(ev):
            break
    dup_of = np.full(n, -1, np.int64)
    similarity = np.full(n, np.nan, np.float64)
    claim = (state[u] == _KEPT) & (state[v] == _DROPPED)
    u, v, s = u[claim], v[claim], sim[claim]
    order = np.lexsort((position[u], -s, v))
    u, v, s = u[order], v[order], s[order]
    head = np.concatenate((np.ones(min(len(v), 1), np.bool_), v[1:] != v[:-1]))
    dup_of[v[head]] = u[head]
    similarity[v[head]] = s[head]
    return dup_of, similarity


def find_duplicates(
    texts: Sequence[str] | None = None,
    *,
    sets: ShingleSets | None = None,
    signatures: U32 | None = None,
    priority: I64 | None = None,
    threshold: float = 0.8,
    hasher: MinHasher | None = None,
    verify: Literal["exact", "estimate"] = "exact",
    groups: npt.ArrayLike | None = None,
) -> DedupResult:
    """Near-duplicates among ``texts`` (or among precomputed ``sets``) at ``threshold``.

    ``priority`` is a rank per document (0 is kept first; see :func:`longest_first`,
    the default when texts are given, and :func:`priority_rank`). With ``groups``,
    only documents of the same group are compared (paragraphs of one document).
    ``signatures`` and ``sets`` are computed when not given; with
    ``verify="exact"`` the shingle sets are built only for documents in a candidate
    pair that passes the estimate filter.

    >>> r = find_duplicates(["the cat sat on the mat today", "The cat sat on the mat today!",
    ...                      "a completely different sentence here"])
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
    if priority is None:
        priority = longest_first(texts) if texts is not None else np.arange(n, dtype=np.int64)
    rank = np.asarray(priority, dtype=np.int64)
    bands, rows = choose_bands(threshold, hasher.num_perm)
    active = np.flatnonzero((signatures != _EMPTY).any(axis=1))
    a, b = candidate_pairs(band_keys(signatures[active], bands, rows), rank[active])
    a, b = active[a], active[b]
    if groups is not None:
        g = np.asarray(groups)
        same = g[a] == g[b]
        a, b = a[same], b[same]
    candidates = len(a)
    sim = estimated_jaccard(signatures, a, b)
    kind = "estimated"
    if verify == "exact":
        sigma = math.sqrt(threshold * (1 - threshold) / hasher.num_perm)
        near = sim >= threshold - 4.5 * sigma - 1e-9
        a, b = a[near], b[near]
        if sets is None:
            assert texts is not None
            involved = np.unique(np.concatenate((a, b)))
            local = np.full(n, -1, np.int64)
            local[involved] = np.arange(len(involved))
            sets_local = hasher.shingle_sets([texts[i] for i in involved.tolist()])
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

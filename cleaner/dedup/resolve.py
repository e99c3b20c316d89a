"""Near-duplicate resolution of a whole corpus at once, on arrays (a full build).

The rule is the keep-longest rule of :mod:`cleaner.dedup.incremental`, and
:func:`resolve_arrays` gives the verdicts of
:meth:`~cleaner.dedup.incremental.NearDuplicates.resolve` judging every document.
Per document it holds only the band keys and the set size; every pair that shares a
band key is a candidate, held as the runs of documents that share one
(:func:`cleaner.dedup.pairs.candidate_runs`); only the documents in a run are read from
a :class:`Documents` store (the state of an output folder, or arrays in memory), their
shingle sets in blocks of bounded size. The greedy runs in rounds
(:func:`cleaner.dedup.cluster.links_that_count`) and verifies on the exact Jaccard only
the candidates of documents it keeps. :func:`resolve_texts` is the whole of it for
texts held in memory. Exact copies (same band keys, size and set) are judged as one
document, so a text repeated thousands of times costs as many comparisons, not their
square; m near copies of one text cost about m comparisons per copy kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from cleaner.arrays import distinct
from cleaner.dedup.cluster import RankedRuns, keep_longest_edges, links_that_count
from cleaner.dedup.keeper import Rank, priority_rank
from cleaner.dedup.lsh import Banding, Keys
from cleaner.dedup.pairs import Mapper, candidate_runs, partitioned_candidate_runs
from cleaner.dedup.shingles import R, ShingleSets, shingle_sets
from cleaner.dedup.verify import exact_intersection, jaccard_of, link_need, may_reach

__all__ = ["Documents", "InMemory", "Verdicts", "resolve_arrays", "resolve_sets", "resolve_texts"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_VERIFY_CHUNK = 1 << 20  # shingles compared per numpy pass: ~50 MB of temporaries
_BLOCK = 1 << 24  # shingles read from the store per verification block: 64 MB


class Documents(Protocol):
    """What :func:`resolve_arrays` reads of the documents that share a band key, by row."""

    def order(self, rows: I64) -> tuple[I64, I64]:
        """Rank and input position of ``rows`` (see :mod:`cleaner.dedup.keeper`), as
        distinct integers that sort the same way."""
        ...

    def shingles(self, rows: I64) -> ShingleSets:
        """The shingle sets of ``rows``, in that order."""
        ...


@dataclass(frozen=True)
class InMemory:
    """:class:`Documents` held in arrays: ``rank``, ``position`` and ``sets`` per row."""

    rank: I64
    position: I64
    sets: ShingleSets

    def order(self, rows: I64) -> tuple[I64, I64]:
        return self.rank[rows], self.position[rows]

    def shingles(self, rows: I64) -> ShingleSets:
        return self.sets.take(rows)


class Verdicts(NamedTuple):
    """What a full build decided: the dropped rows, the row each one names, their
    Jaccard, and their containment in it (NaN for a near-duplicate, a share for a
    document dropped as contained)."""

    dropped: I64
    dup_of: I64
    similarity: F64
    containment: F64


def resolve_arrays(
    keys: Keys,
    sizes: npt.NDArray[np.integer[Any]],
    threshold: float,
    docs: Documents,
    block: int = _BLOCK,
    *,
    containment: float | None = None,
    map_: Mapper | None = None,
    parts: int = 1,
) -> Verdicts:
    """The keep-longest rule over a whole corpus at once; the same verdicts as
    :meth:`~cleaner.dedup.incremental.NearDuplicates.resolve` judging every document.

    ``keys`` (one row of band keys per document with a non-empty shingle set, see
    :meth:`~cleaner.dedup.lsh.Banding.keys`) and ``sizes`` (its set sizes) are all that is
    held for every document. Pairs that share a key (and, without ``containment``,
    pass the size bound) are the candidates; only documents that share a key (or have an
    exact copy) are read from ``docs``: their rank and position once, and their shingle
    sets once when they come to ``block`` shingles or fewer, else block by block for each
    batch of pairs verified (a set is read again by each block that needs it). Two
    documents are linked when their Jaccard is at least ``threshold``, or, with
    ``containment``, when at least that share of the later one's shingles (in rank
    order) are in the earlier one. Returns the dropped rows, the row
    each one names and their Jaccard and containment (see :class:`Verdicts`); every
    other row is kept.

    With ``map_`` (an executor's ``map``) and ``parts > 1`` the candidate runs are found
    in ``parts`` hash partitions of the band tokens on the executor
    (:func:`~cleaner.dedup.pairs.partitioned_candidate_runs`); the result is the same.
    """
    n = len(keys)
    counts: I64 = np.asarray(sizes, dtype=np.int64)
    none = np.zeros(0, np.int64)
    stand_in = _copies(keys, counts, docs, block)
    alone = np.flatnonzero(stand_in == np.arange(n))
    # a set of exact copies is one row here: its pairs are not all compared
    rows_keys, ids = (keys, None) if len(alone) == n else (keys[alone], alone)
    if map_ is not None and parts > 1:
        runs = partitioned_candidate_runs(rows_keys, map_, parts, ids)
    else:
        runs = candidate_runs(rows_keys, ids)
    copies = np.flatnonzero(stand_in != np.arange(n))
    if not len(runs.members) and not len(copies):
        return Verdicts(none, none, np.zeros(0, np.float64), np.zeros(0, np.float64))
    rows = distinct(np.concatenate((runs.members, copies, stand_in[copies])))
    rank, position = docs.order(rows)
    # The copy of lowest rank takes the place of the row that stood in for its copies.
    members = distinct(np.concatenate((stand_in[copies], copies)))
    group = np.searchsorted(rows, members)
    head = np.searchsorted(rows, stand_in[members])
    order = np.lexsort((rank[group], head))
    group, head = group[order], head[order]
    first = np.concatenate(([True], head[1:] != head[:-1])) if len(head) else head.astype(bool)
    first_of = np.repeat(group[first], np.diff(np.append(np.flatnonzero(first), len(head))))
    relabel = np.arange(len(rows), dtype=np.int64)
    relabel[head[first]] = group[first]
    ranked = RankedRuns(len(rows), runs.indptr, relabel[np.searchsorted(rows, runs.members)], rank)
    size = counts[rows]  # of each node (exact copies alike)
    row_of = rows.copy()  # the row whose set a node reads: its copies' stand-in
    row_of[group[first]] = rows[head[first]]
    # the rounds verify a few pairs at a time: the sets are read once when they fit
    readable = distinct(runs.members)
    held = docs.shingles(readable) if len(readable) and counts[readable].sum() <= block else None
    links: list[tuple[I64, I64, I64]] = []  # linked pairs (u, v), u first, and their overlap

    def link(u: I64, v: I64, found: list[tuple[I64, I64, I64]] = links) -> npt.NDArray[np.bool_]:
        """Verify the pairs ``(u, v)`` of nodes that pass the size bound: whether they
        share the fewest shingles that link them (a pair that cannot stops early); the
        linked ones go to ``found``."""
        out = np.zeros(len(u), np.bool_)
        if containment is None:
            out[:] = may_reach(size[u], size[v], threshold)
            u, v = u[out], v[out]
        else:
            out[:] = True
        least = link_need(size[u], size[v], threshold, containment)  # v is the later one
        a, b = row_of[u], row_of[v]
        if held is not None:
            at_a, at_b = np.searchsorted(readable, a), np.searchsorted(readable, b)
            inter = exact_intersection(held, at_a, at_b, chunk=_VERIFY_CHUNK, need=least)
        else:
            by_row = np.lexsort((b, a))
            inter = np.empty(len(a), np.int64)
            inter[by_row] = _verify(
                a[by_row], b[by_row], counts, docs.shingles, block, least[by_row]
            )
        near = inter >= least  # the overlap is exact where it is
        found.append((u[near], v[near], inter[near]))
        out[out] = near
        return out

    kept = links_that_count(len(rows), ranked, link)
    # A dropped first copy's later copies name a kept neighbour that ranks before them
    # (_outranked). A copy's set is its first copy's, so the first copy's links to nodes
    # before it hold for the copy as they are. A kept node after the first copy is
    # verified the other way round, as the node before the copy: whether the copy is
    # near it or contained in it (a containment has a direction: the first copy's link
    # to it says whether it is contained in the first copy).
    by = distinct(first_of[group != first_of])
    u, v = ranked.later(by[~kept[by]])
    turned: list[tuple[I64, I64, I64]] = []  # (kept node, first copy), as a copy sees it
    if kept[v].any():
        link(v[kept[v]], u[kept[v]], turned)
    found = links + turned
    if found:
        la, lb, inter = (np.concatenate(part) for part in zip(*found, strict=True))
    else:
        la, lb, inter = none, none, none
    ruled = sum(len(part[0]) for part in links)  # the edges the rule reads; the rest turned
    sim = jaccard_of(inter, size[la], size[lb])
    share = inter / np.maximum(size[lb], 1)
    kind = np.where(sim >= threshold, 0, 1).astype(np.int8)
    score = np.where(kind == 0, sim, share)
    dup_of, edge = keep_longest_edges(
        len(rows), la[:ruled], lb[:ruled], score[:ruled], rank, position, kind[:ruled]
    )
    # Every other copy is dropped: for its first copy if that one is kept (similarity
    # 1), else for the best kept neighbour of the first copy that it outranks.
    later = group[group != first_of]
    by = first_of[group != first_of]
    dup_of[later], edge[later] = by, -2  # -2: an exact copy of a kept first copy
    lost = dup_of[by] >= 0
    if lost.any():
        _outranked(later[lost], by[lost], la, lb, score, kind, dup_of, edge, rank, position)
    dropped = np.flatnonzero(dup_of >= 0)
    e = edge[dropped]
    copy = e == -2  # exact copies of a kept first copy: no edge of their own
    similarity = np.ones(len(dropped), np.float64)
    contained = np.full(len(dropped), np.nan, np.float64)
    if len(sim):
        idx = np.where(copy, 0, e)
        similarity = np.where(copy, 1.0, sim[idx])
        contained = np.where(copy | (kind[idx] == 0), np.nan, share[idx])
    return Verdicts(rows[dropped], rows[dup_of[dropped]], similarity, contained)


def resolve_texts(
    texts: Sequence[str],
    ranks: Sequence[Rank],
    banding: Banding,
    ngram: int = 5,
    containment: float | None = None,
) -> Verdicts:
    """:func:`resolve_arrays` over texts held in memory, in input order.

    ``ranks`` are the texts' :func:`~cleaner.dedup.keeper.rank_key`; a text's place in
    ``texts`` is its input position. Returns the dropped texts, the text each one
    names (places in ``texts``), their Jaccard and containment.

    >>> text = "one two three four five six seven"
    >>> resolve_texts([text, text + " eight", "nine"], [(0, "", "", 0), (-1, "", "", 1),
    ...               (0, "", "", 2)], Banding(0.7))[:2]
    (array([0]), array([1]))
    """
    return resolve_sets(shingle_sets(texts, ngram), ranks, banding, containment)


def resolve_sets(
    sets: ShingleSets, ranks: Sequence[Rank], banding: Banding, containment: float | None = None
) -> Verdicts:
    """:func:`resolve_texts` over the texts' shingle sets, made already."""
    full = np.flatnonzero(sets.sizes() > 0)
    mine = sets.take(full)
    verdicts = resolve_arrays(
        banding.keys(mine),
        mine.sizes(),
        banding.threshold,
        InMemory(priority_rank([ranks[i] for i in full.tolist()]), full, mine),
        containment=containment,
    )
    return Verdicts(
        full[verdicts.dropped], full[verdicts.dup_of], verdicts.similarity, verdicts.containment
    )


def _outranked(
    later: I64,
    by: I64,
    la: I64,
    lb: I64,
    score: F64,
    kind: npt.NDArray[np.int8],
    dup_of: I64,
    edge: I64,
    rank: I64,
    position: I64,
) -> None:
    """Judge the copies ``later`` of dropped first copies ``by``: each names the kept
    neighbour of its first copy (a neighbour of its own, by the same edge) that ranks
    before it, near-duplicates first, then the highest score, then first in input order.
    An edge ``(la, lb)`` measures ``lb`` as the later one (its share in ``la``), so a
    first copy's neighbours are read where it is ``lb``: the edges to nodes after it
    come turned (see :func:`resolve_arrays`)."""
    u, v, s, k, e = lb, la, score, kind, np.arange(len(la))
    keep = dup_of[v] < 0  # kept neighbours (u, v): v kept
    u, v, s, k, e = u[keep], v[keep], s[keep], k[keep], e[keep]
    order = np.lexsort((position[v], -s, k, u))
    u, v, e = u[order], v[order], e[order]
    grouped = np.argsort(by, kind="stable")  # the copies of each first copy, together
    later, by = later[grouped], by[grouped]
    firsts, starts = np.unique(by, return_index=True)
    ends = np.append(starts[1:], len(by))
    for first, start, end in zip(firsts.tolist(), starts.tolist(), ends.tolist(), strict=True):
        lo, hi = np.searchsorted(u, first), np.searchsorted(u, first, side="right")
        best = np.minimum.accumulate(rank[v[lo:hi]])  # non-increasing along the order
        mine = later[start:end]
        pick = lo + np.searchsorted(-best, -rank[mine], side="right")
        dup_of[mine], edge[mine] = v[pick], e[pick]


def _copies(keys: Keys, sizes: I64, docs: Documents, block: int) -> I64:
    """For each row, the row that stands in for its exact copies (itself when it has
    none, or when it is the first of them): rows with the same band keys and size whose
    sets are then found equal."""
    n = len(keys)
    stand_in = np.arange(n, dtype=np.int64)
    if n < 2:
        return stand_in
    digest = sizes.astype(np.uint64)
    for column in keys.T:
        digest = (digest * R) ^ column.astype(np.uint64)
    order = np.argsort(digest, kind="stable")
    digest = digest[order]
    start = np.concatenate(([True], digest[1:] != digest[:-1]))
    if start.all():
        return stand_in
    head = order[np.flatnonzero(start)[np.cumsum(start) - 1]]
    rows, heads = order[~start], head[~start]
    same = (keys[rows] == keys[heads]).all(axis=1) & (sizes[rows] == sizes[heads])
    rows, heads = rows[same], heads[same]
    if len(rows):
        by_head = np.argsort(heads, kind="stable")
        rows, heads = rows[by_head], heads[by_head]
        equal = _verify(heads, rows, sizes, docs.shingles, block) == sizes[rows]
        stand_in[rows[equal]] = heads[equal]
    return stand_in


def _verify(
    a: I64,
    b: I64,
    sizes: I64,
    read: Callable[[I64], ShingleSets],
    block: int,
    need: I64 | None = None,
) -> I64:
    """Exact intersection sizes of the pairs ``(a, b)`` (sorted by ``a``), reading the
    sets (``read``: rows -> their sets) of about ``block`` shingles at a time; with
    ``need``, as :func:`~cleaner.dedup.verify.exact_intersection` gives them."""
    head = np.concatenate(([True], a[1:] != a[:-1]))
    cum = np.cumsum(sizes[b] + np.where(head, sizes[a], 0))  # >= what a block reads
    out = np.empty(len(a), np.int64)
    lo = 0
    while lo < len(a):
        done = int(cum[lo - 1]) if lo else 0
        hi = max(lo + 1, int(np.searchsorted(cum, done + block, side="right")))
        rows = distinct(np.concatenate((a[lo:hi], b[lo:hi])))
        out[lo:hi] = exact_intersection(
            read(rows),
            np.searchsorted(rows, a[lo:hi]),
            np.searchsorted(rows, b[lo:hi]),
            chunk=_VERIFY_CHUNK,
            need=None if need is None else need[lo:hi],
        )
        lo = hi
    return out

"""Who stays among verified near-duplicates: two greedy rules over edges, vectorized.

Both visit documents in keep-priority order (a rank per document, 0 first; see
:mod:`cleaner.dedup.keeper`) over the verified edges ``(a, b)``:

* :func:`star_clusters` (paragraphs, :func:`cleaner.dedup.find.find_duplicates`): a
  document no earlier centre has claimed becomes a centre and claims its neighbours.
  A duplicate is therefore always verified against the very document it is reported
  to duplicate, and two documents are never linked through a third.
* :func:`keep_longest` (documents, :func:`cleaner.dedup.resolve.resolve_arrays`): a
  document is dropped when one of its earlier neighbours is kept; a dropped one
  blocks nothing. :func:`links_that_count` runs the same rule on candidate runs
  (:class:`RankedRuns`: the documents that share a band key) and verifies only the
  pairs it needs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from cleaner.arrays import distinct
from cleaner.dedup.pairs import pair_codes, split_codes
from cleaner.dedup.shingles import ranges

__all__ = [
    "RankedRuns",
    "keep_longest",
    "keep_longest_edges",
    "links_that_count",
    "star_clusters",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


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


def keep_longest(
    n: int,
    a: I64,
    b: I64,
    sim: F64,
    rank: I64,
    position: I64,
    kind: npt.NDArray[np.int8] | None = None,
) -> tuple[I64, F64]:
    """The keep-longest rule over verified edges ``(a, b)``; vectorized.

    Equal to the sequential rule of :class:`cleaner.dedup.incremental.NearDuplicates`: visit
    nodes by ``rank`` (distinct; lower first); a node is dropped when one of its
    neighbours of lower rank is kept, and then names the kept neighbour of lower rank
    of the lowest ``kind`` (0 near-duplicate, 1 contained; all 0 by default), then the
    highest ``sim``, ties to the lowest ``position`` (distinct). Unlike
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
    dup_of, edge = keep_longest_edges(n, a, b, sim, rank, position, kind)
    similarity = np.full(n, np.nan, np.float64)
    dropped = dup_of >= 0
    similarity[dropped] = sim[edge[dropped]]
    return dup_of, similarity


class RankedRuns:
    """Candidate runs over ``n`` nodes, each run's members in rank order, and where
    each node sits in them. A full build's ranks are distinct; a tie puts the higher
    node first, as :func:`keep_longest_edges` orients an edge ``(a, b)`` with ``a < b``."""

    def __init__(self, n: int, indptr: I64, members: I64, rank: I64) -> None:
        sizes = np.diff(indptr)
        self.indptr = indptr
        self.run_of = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
        by_rank = np.lexsort((-np.arange(n), rank))  # the nodes in the rule's order
        place = np.empty(n, np.int64)
        place[by_rank] = np.arange(n)
        # one sort of run << 32 | place, not a sort on three keys (n < 2**32)
        codes = np.sort(pair_codes(self.run_of, place[members]))
        self.members = by_rank[(codes & np.uint64(0xFFFFFFFF)).astype(np.int64)]
        # a node's places in the runs, together (and in order: a sort of node << 32 | place)
        codes = np.sort(pair_codes(self.members, np.arange(len(self.members))))
        self.places = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
        self.first_place = np.searchsorted(self.members[self.places], np.arange(n + 1))

    def places_of(self, nodes: I64) -> I64:
        """The places (indices into ``members``) of ``nodes`` in every run."""
        start = self.first_place[nodes]
        return self.places[ranges(start, self.first_place[nodes + 1] - start)]

    def later(self, nodes: I64) -> tuple[I64, I64]:
        """Every distinct pair ``(u, v)`` of a node ``u`` of ``nodes`` and a node ``v``
        after it in one of its runs."""
        at = self.places_of(nodes)
        count = self.indptr[self.run_of[at] + 1] - at - 1
        u = np.repeat(self.members[at], count)
        v = self.members[ranges(at + 1, count)]
        return split_codes(distinct(pair_codes(u, v)))


_LOOK = 1024  # at most, the places a run's pointer looks ahead at once


def links_that_count(
    n: int, runs: RankedRuns, link: Callable[[I64, I64], npt.NDArray[np.bool_]]
) -> npt.NDArray[np.bool_]:
    """The keep-longest rule over the candidate pairs of ``runs`` (two nodes are
    candidates when they share a run), verifying only the pairs it needs: ``link``
    takes a batch of pairs ``(u, v)``, ``u`` before ``v``, and says which are links.
    Returns which nodes are kept (the others are dropped).

    A node's fate and the neighbour it names hang only on its links from earlier nodes
    that are kept: a candidate that is no link, or a link from a dropped node, changes
    nothing. So the rule runs in rounds: the nodes kept in a round have their pairs
    with every later candidate verified, the later ones they link to are dropped, and
    a node is kept once every earlier candidate is decided and none kept links to it.
    Among many near copies of one text (a template filled in thousands of times) each
    copy is then compared with the few copies kept, not with every other copy; and the
    pairs are never all listed: a run keeps a pointer to its first undecided member, so
    a node waits on one earlier member per run, and a round costs what it decides.

    >>> runs = RankedRuns(3, np.array([0, 3]), np.array([0, 1, 2]), np.arange(3))
    >>> seen = []
    >>> def link(u, v):
    ...     seen.extend(zip(u.tolist(), v.tolist()))
    ...     return np.ones(len(u), np.bool_)
    >>> kept = links_that_count(3, runs, link)
    >>> kept.tolist(), sorted(seen)  # 1 and 2 go for 0; 1-2 is never read
    ([True, False, False], [(0, 1), (0, 2)])
    """
    state = np.zeros(n, np.int8)
    pointer = runs.indptr[:-1].copy()  # each run's first undecided member
    end = runs.indptr[1:]
    # a node waits in each run it is not first in, on the members before it
    not_first = runs.indptr[runs.run_of] != np.arange(len(runs.members))
    waiting = np.bincount(runs.members[not_first], minlength=n)
    fresh = np.flatnonzero(waiting == 0)  # nodes whose earlier candidates are decided
    while True:
        kept = fresh[state[fresh] == _UNDECIDED]
        state[kept] = _KEPT
        u, v = runs.later(kept)
        if not len(u):  # nothing kept to verify: every node is decided
            return np.asarray(state == _KEPT)
        hit = v[link(u, v)]
        dropped = distinct(hit[state[hit] == _UNDECIDED])
        state[dropped] = _DROPPED
        touched = distinct(runs.run_of[runs.places_of(np.concatenate((kept, dropped)))])
        before = pointer[touched]
        active, look = touched, 1
        while len(active):  # move each touched run's pointer past its decided members
            at = pointer[active, None] + np.arange(look)  # looking twice as far each time
            past = at >= end[active, None]
            undecided = past | (state[runs.members[np.where(past, 0, at)]] == _UNDECIDED)
            stop = undecided.any(axis=1)
            pointer[active] += np.where(stop, undecided.argmax(axis=1), look)
            active, look = active[~stop], min(2 * look, _LOOK)
        moved = touched[(pointer[touched] > before) & (pointer[touched] < end[touched])]
        fresh, count = np.unique(runs.members[pointer[moved]], return_counts=True)
        waiting[fresh] -= count
        fresh = fresh[waiting[fresh] == 0]


def keep_longest_edges(
    n: int,
    a: I64,
    b: I64,
    sim: F64,
    rank: I64,
    position: I64,
    kind: npt.NDArray[np.int8] | None = None,
) -> tuple[I64, I64]:
    """:func:`keep_longest`, returning each node's kept neighbour and the index of the
    edge that names it (-1 for kept nodes)."""
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
    edge = np.full(n, -1, np.int64)
    claim = np.flatnonzero((state[u] == _KEPT) & (state[v] == _DROPPED))
    k = np.zeros(len(claim), np.int8) if kind is None else kind[claim]
    order = np.lexsort((position[u[claim]], -sim[claim], k, v[claim]))
    claim = claim[order]
    cv = v[claim]
    head = np.concatenate((np.ones(min(len(cv), 1), np.bool_), cv[1:] != cv[:-1]))
    dup_of[cv[head]] = u[claim[head]]
    edge[cv[head]] = claim[head]
    return dup_of, edge

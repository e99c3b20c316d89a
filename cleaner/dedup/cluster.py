"""Who stays among verified near-duplicates: two greedy rules over edges, vectorized.

Both visit documents in keep-priority order (a rank per document, 0 first; see
:mod:`cleaner.dedup.keeper`) over the verified edges ``(a, b)``:

* :func:`star_clusters` (paragraphs, :func:`cleaner.dedup.find.find_duplicates`): a
  document no earlier centre has claimed becomes a centre and claims its neighbours.
  A duplicate is therefore always verified against the very document it is reported
  to duplicate, and two documents are never linked through a third.
* :func:`keep_longest` (documents, :func:`cleaner.dedup.resolve.resolve_arrays`): a
  document is dropped when one of its earlier neighbours is kept; a dropped one
  blocks nothing. :func:`links_that_count` runs the same rule on candidate edges and
  verifies only the edges it needs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from cleaner.arrays import distinct
from cleaner.dedup.shingles import ranges

__all__ = ["keep_longest", "keep_longest_edges", "links_that_count", "star_clusters"]

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


def links_that_count(
    n: int, a: I64, b: I64, rank: I64, link: Callable[[I64], npt.NDArray[np.bool_]]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """The keep-longest rule over candidate edges ``(a, b)``, verifying only the edges
    it needs: ``link`` takes the indices of a batch of edges and says which are links.

    A node's fate and the neighbour it names hang only on its links from earlier nodes
    that are kept: a candidate that is no link, or a link from a dropped node, changes
    nothing. So the rule runs in rounds as in :func:`keep_longest_edges`, on the
    candidates: a node is kept once every earlier candidate neighbour is decided and
    no kept one links to it; an edge is verified only once its earlier node is kept.
    Among many near copies of one text (a template filled in thousands of times),
    each copy is then compared with the few copies kept, not with every other copy.

    Returns which edges were verified and found links (on them,
    :func:`keep_longest_edges` gives the verdicts the rule gives on every link: they
    hold every link from a kept node) and which nodes are kept (the others are dropped).

    >>> a, b = np.array([0, 0, 1]), np.array([1, 2, 2])
    >>> seen = []
    >>> def link(edges):
    ...     seen.extend(edges.tolist())
    ...     return np.ones(len(edges), np.bool_)
    >>> mask, kept = links_that_count(3, a, b, np.arange(3), link)
    >>> mask.tolist(), kept.tolist(), sorted(seen)  # 1 and 2 go for 0; 1-2 is never read
    ([True, True, False], [True, False, False], [0, 1])
    """
    first = rank[a] < rank[b]
    u = np.where(first, a, b).astype(np.int64)  # judged before v
    v = np.where(first, b, a).astype(np.int64)
    state = np.zeros(n, np.int8)
    linked = np.zeros(len(u), np.bool_)
    out = np.argsort(u, kind="stable")  # each node's edges to later nodes, together
    start = np.searchsorted(u[out], np.arange(n + 1))
    waiting = np.bincount(v, minlength=n)  # earlier neighbours not yet decided for v
    fresh = np.flatnonzero(waiting == 0)  # nodes to look at: their waiting fell to 0
    while True:
        kept = fresh[state[fresh] == _UNDECIDED]
        state[kept] = _KEPT
        todo = out[ranges(start[kept], start[kept + 1] - start[kept])]
        if not len(todo):  # nothing kept to verify: every node is decided
            return linked, state == _KEPT
        linked[todo] = link(todo)
        hit = v[todo[linked[todo]]]
        dropped = distinct(hit[state[hit] == _UNDECIDED])
        state[dropped] = _DROPPED  # its edges to later nodes count for nothing: undone
        undone = out[ranges(start[dropped], start[dropped + 1] - start[dropped])]
        fresh, count = np.unique(v[np.concatenate((todo, undone))], return_counts=True)
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

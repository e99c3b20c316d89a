"""The array resolver gives the verdicts of the one-at-a-time reference rule."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from cleaner.dedup.cluster import RankedRuns, keep_longest, links_that_count
from cleaner.dedup.keeper import Rank, position_key, priority_rank, rank_key
from cleaner.dedup.lsh import Banding
from cleaner.dedup.pairs import (
    Runs,
    all_candidate_pairs,
    candidate_runs,
    pair_codes,
    partitioned_candidate_runs,
)
from cleaner.dedup.resolve import InMemory, resolve_arrays
from cleaner.dedup.shingles import ShingleSets, shingle_hashes, shingle_sets
from cleaner.dedup.verify import EPS, jaccard_of, link_need
from cleaner.executors.local import LocalExecutor
from tests.oracles import MemoryIndex

WORDS = [f"w{i}" for i in range(40)]


def corpus(rng: random.Random, n: int, cuts: bool = False) -> list[str]:
    """Texts with chains of edits (each a near copy of the one before), exact copies
    (ties on length) and unrelated texts; with ``cuts``, also parts of earlier texts
    (a run of their words, sometimes with a word changed), contained in them."""
    texts: list[str] = []
    while len(texts) < n:
        kind = rng.random()
        if cuts and texts and kind < 0.2:
            words = rng.choice(texts).split()
            start = rng.randrange(len(words) // 3 + 1)
            part = words[start : start + rng.randint(len(words) // 3, len(words))]
            if part and rng.random() < 0.3:
                part[rng.randrange(len(part))] = rng.choice(WORDS)
            texts.append(" ".join(part))
        elif texts and kind < 0.3:
            words = rng.choice(texts).split()
            for _ in range(rng.randint(0, 3)):
                if words:
                    words[rng.randrange(len(words))] = rng.choice(WORDS)
            words += [rng.choice(WORDS) for _ in range(rng.choice([0, 0, 1, 4]))]
            texts.append(" ".join(words))
        elif texts and kind < 0.4:
            texts.append(rng.choice(texts))
        elif kind < 0.45:
            texts.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4))))
        else:
            texts.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 60))))
    return texts


def ranks(texts: list[str], sources: list[str]) -> list[Rank]:
    return [
        rank_key(len(t), s, str(i), i) for i, (t, s) in enumerate(zip(texts, sources, strict=True))
    ]


Verdict = tuple[int, float] | tuple[int, float, float]  # kept one, Jaccard[, containment]


def reference(
    texts: list[str], sources: list[str], threshold: float, containment: float | None = None
) -> dict[int, Verdict]:
    sets = [shingle_hashes(t) for t in texts]
    index = MemoryIndex(
        sets,
        ranks(texts, sources),
        [position_key(s, i) for i, s in enumerate(sources)],
        [True] * len(texts),
        threshold=threshold,
        banding=Banding(threshold, containment=containment is not None),
        containment=containment,
    )
    out: dict[int, Verdict] = {}
    for d, (k, s) in index.resolve_all().items():
        if k is not None and s is not None:
            out[d] = (k, s, index.contained[d]) if d in index.contained else (k, s)
    return out


def arrays(
    texts: list[str],
    sources: list[str],
    threshold: float,
    block: int = 1 << 24,
    containment: float | None = None,
) -> dict[int, Verdict]:
    sets = shingle_sets(texts)
    full = np.flatnonzero(sets.sizes() > 0)
    mine = sets.take(full)
    keys = Banding(threshold, containment=containment is not None).keys(mine)
    rank = priority_rank(ranks(texts, sources))
    positions = priority_rank([position_key(s, i) for i, s in enumerate(sources)])
    asked: list[int] = []

    class Counting(InMemory):
        def shingles(self, rows: np.ndarray) -> ShingleSets:  # type: ignore[type-arg]
            asked.extend(rows.tolist())
            return super().shingles(rows)

    docs = Counting(rank[full], positions[full], mine)
    found = resolve_arrays(
        keys, mine.sizes(), threshold, docs, block=block, containment=containment
    )
    assert len(set(asked)) <= len(full)
    if block > 10**6:  # one block: a set is read to find exact copies, then to verify
        assert len(asked) <= 2 * len(set(asked))
    out: dict[int, Verdict] = {}
    for d, k, s, c in zip(*found, strict=True):
        out[int(full[d])] = (
            (int(full[k]), float(s)) if np.isnan(c) else (int(full[k]), float(s), float(c))
        )
    return out


@pytest.mark.parametrize("seed", range(40))
def test_arrays_match_the_reference_on_random_corpora(seed: int) -> None:
    rng = random.Random(seed)
    texts = corpus(rng, rng.randint(1, 80) if seed % 4 else rng.randint(200, 400))
    sources = [rng.choice("abc") for _ in texts]  # ties go to source, then id
    threshold = rng.choice([0.5, 0.7, 0.8, 0.9])
    want = reference(texts, sources, threshold)
    assert arrays(texts, sources, threshold) == want
    assert arrays(texts, sources, threshold, block=rng.choice([1, 50, 500])) == want


@pytest.mark.parametrize("seed", range(40))
def test_containment_arrays_match_the_reference_on_random_corpora(seed: int) -> None:
    rng = random.Random(seed)
    texts = corpus(rng, rng.randint(1, 80) if seed % 4 else rng.randint(200, 400), cuts=True)
    sources = [rng.choice("abc") for _ in texts]
    threshold = rng.choice([0.7, 0.8, 0.9])
    share = rng.choice([0.8, 0.9, 1.0])
    want = reference(texts, sources, threshold, share)
    assert arrays(texts, sources, threshold, containment=share) == want
    small = rng.choice([1, 50, 500])
    assert arrays(texts, sources, threshold, block=small, containment=share) == want
    if seed == 0:
        assert any(len(v) == 3 for v in want.values())  # the corpus has contained drops


def test_a_prefix_leaves_as_contained_in_its_source() -> None:
    words = [f"w{i}" for i in range(100)]
    long_text, prefix = " ".join(words), " ".join(words[:55])
    got = arrays(
        [prefix, long_text, "other words entirely here and there"], ["a"] * 3, 0.8, containment=0.9
    )
    assert got == {0: (1, pytest.approx(51 / 96), 1.0)}
    assert arrays([prefix, long_text], ["a"] * 2, 0.8) == {}  # Jaccard alone keeps both


def test_a_chain_keeps_every_other_link() -> None:
    # 0 ~ 1 ~ 2 ~ 3 in rank order, no other pair similar: 1 and 3 go, 2 stays.
    a, b = np.array([0, 1, 2]), np.array([1, 2, 3])
    dup, sim = keep_longest(4, a, b, np.array([0.9, 0.8, 0.85]), np.arange(4), np.arange(4))
    assert dup.tolist() == [-1, 0, -1, 2]
    assert np.isnan(sim[0]) and sim[3] == 0.85


def test_ties_on_similarity_go_to_the_earlier_position() -> None:
    # 2 is as similar to 0 as to 1 (both kept): it names the one first in input order.
    a, b, s = np.array([0, 1]), np.array([2, 2]), np.array([0.9, 0.9])
    dup, _ = keep_longest(3, a, b, s, np.arange(3), np.array([2, 1, 0]))
    assert dup.tolist() == [-1, -1, 1]


def test_no_candidates_reads_no_document() -> None:
    class Refuse(InMemory):
        def order(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
            raise AssertionError("no document is in a candidate pair")

        def shingles(self, rows: np.ndarray) -> ShingleSets:  # type: ignore[type-arg]
            raise AssertionError("no document is in a candidate pair")

    sets = shingle_sets(["one two three four five six", "seven eight nine ten eleven"])
    keys = Banding(0.8).keys(sets)
    docs = Refuse(np.arange(2), np.arange(2), sets)
    dropped, _, _, _ = resolve_arrays(keys, sets.sizes(), 0.8, docs)
    assert dropped.tolist() == []


def test_many_exact_copies_are_not_compared_pair_by_pair() -> None:
    # 3000 copies share every band key: 4.5M pairs if compared pairwise, ~3000 here.
    texts = ["one two three four five six seven eight nine ten"] * 3000 + ["eleven twelve"]
    sets = shingle_sets(texts)
    keys = Banding(0.8).keys(sets)
    rank = np.random.default_rng(0).permutation(len(texts)).astype(np.int64)
    compared = [0]

    class Counting(InMemory):
        def shingles(self, rows: np.ndarray) -> ShingleSets:  # type: ignore[type-arg]
            compared[0] += len(rows)
            return super().shingles(rows)

    docs = Counting(rank, np.arange(len(texts), dtype=np.int64), sets)
    dropped, dup_of, sim, _ = resolve_arrays(keys, sets.sizes(), 0.8, docs)
    first = int(np.argmin(rank[:3000]))
    assert sorted(dropped.tolist()) == sorted(set(range(3000)) - {first})
    assert set(dup_of.tolist()) == {first} and set(sim.tolist()) == {1.0}
    assert compared[0] <= 2 * 3000


def run_pairs(runs: Runs) -> list[int]:
    """The distinct pairs inside ``runs`` as sorted codes."""
    codes = {
        int(pair_codes(min(x, y), max(x, y)))
        for lo, hi in zip(runs.indptr[:-1].tolist(), runs.indptr[1:].tolist(), strict=True)
        for x in runs.members[lo:hi].tolist()
        for y in runs.members[lo:hi].tolist()
        if x != y
    }
    return sorted(codes)


def as_sets(runs: Runs) -> list[list[int]]:
    bounds = zip(runs.indptr[:-1].tolist(), runs.indptr[1:].tolist(), strict=True)
    return sorted(sorted(runs.members[lo:hi].tolist()) for lo, hi in bounds)


@pytest.mark.parametrize("parts", [1, 2, 5, 16])
def test_hash_partitions_find_the_same_runs(parts: int) -> None:
    rng = np.random.default_rng(parts)
    keys = rng.integers(0, 40, size=(300, 6), dtype=np.uint32)  # many shared keys
    keys[100:110] = keys[5]  # exact copies share every band
    ids = np.sort(rng.choice(10_000, size=300, replace=False))
    for named in (None, ids):
        want = candidate_runs(keys, named)
        got = partitioned_candidate_runs(keys, map, parts, named)
        assert len(want.indptr) > 100 and as_sets(got) == as_sets(want)
        a, b = all_candidate_pairs(keys, named)  # the pairs inside the runs
        assert run_pairs(want) == pair_codes(a, b).tolist()


def test_hash_partitions_run_on_a_pool() -> None:
    keys = np.random.default_rng(0).integers(0, 25, size=(200, 4), dtype=np.uint32)
    executor = LocalExecutor(2, in_flight=2)
    try:
        got = partitioned_candidate_runs(keys, executor.map, 4)
    finally:
        executor.close()
    assert as_sets(got) == as_sets(candidate_runs(keys))


@pytest.mark.parametrize("seed", [30, 325, *range(12)])
def test_copies_of_a_dropped_text_match_the_reference(seed: int) -> None:
    """Exact copies of texts, shuffled in: a copy of a dropped text names a kept
    neighbour of its first copy that ranks before it, also one that ranks after the
    first copy (a link the rule itself never needed verified)."""
    rng = random.Random(seed)
    n = rng.randint(5, 60)
    texts = corpus(rng, n, cuts=rng.random() < 0.5)
    for _ in range(rng.randint(1, 10)):
        texts.append(rng.choice(texts))
    rng.shuffle(texts)
    sources = [f"s{rng.randint(0, 3)}" for _ in texts]
    for share in (None, 0.8):
        want = reference(texts, sources, 0.7, share)
        assert arrays(texts, sources, 0.7, containment=share) == want
        assert arrays(texts, sources, 0.7, block=50, containment=share) == want


@pytest.mark.parametrize("seed", range(40))
def test_copies_of_other_lengths_match_the_reference(seed: int) -> None:
    """Copies of a text with the same words and other lengths ("a - b - c", "a, b"):
    the same shingles, ranked apart. A copy after a dropped first copy read the first
    copy's links to the nodes between them as its own, though a containment has a
    direction: it named a node it is not contained in, and missed one it is."""
    rng = random.Random(seed)
    texts = corpus(rng, rng.randint(5, 40), cuts=True)
    for _ in range(rng.randint(2, 12)):
        words = rng.choice(texts).split()
        gap = rng.choice([" - ", ", ", " -- ", " ---------- "])
        texts.append(" ".join(w + (gap if rng.random() < 0.5 else " ") for w in words).strip())
    rng.shuffle(texts)
    sources = [f"s{rng.randint(0, 3)}" for _ in texts]
    for share in (None, 0.85, 0.6):
        want = reference(texts, sources, 0.7, share)
        assert arrays(texts, sources, 0.7, containment=share) == want
        assert arrays(texts, sources, 0.7, block=50, containment=share) == want


def test_a_copy_names_what_it_is_contained_in_not_what_its_first_copy_holds() -> None:
    """X printed twice, once spaced out with " - " (longer, ranked first); a longer text
    K holds 90% of X, and V, the first 40% of X spaced out widely, ranks between the two
    copies. The spaced copy goes as contained in K; the plain copy named V, contained
    whole in the spaced copy (V's share, 1.0), though V holds only 40% of it."""
    x = [f"x{i}" for i in range(100)]
    k = " ".join(x[10:] + [f"kword{i}" for i in range(100)])
    spaced, v, plain = " - ".join(x), " ---------- ".join(x[:40]), " ".join(x)
    texts = [k, spaced, v, plain]
    assert len(k) > len(spaced) > len(v) > len(plain)
    sources = ["a", "b", "c", "d"]
    got = arrays(texts, sources, 0.8, containment=0.85)
    assert got == reference(texts, sources, 0.8, 0.85)
    assert got[1][0] == got[3][0] == 0  # both copies name K
    assert got[3][2] == got[1][2] > 0.85


def test_a_copy_names_a_text_it_is_contained_in_that_its_first_copy_is_not() -> None:
    """As above, with Y, X and 30 words more, between the copies: Y is not contained in
    the spaced copy (so that pair was never linked), but the plain copy is contained
    whole in Y, and named the text Z it shares 90% with instead."""
    x = [f"x{i}" for i in range(100)]
    z = " ".join(x[10:] + [f"zword{i}" for i in range(100)])
    spaced, y, plain = " - ".join(x), " ".join(x + [f"y{i}" for i in range(30)]), " ".join(x)
    texts = [z, spaced, y, plain]
    assert len(z) > len(spaced) > len(y) > len(plain)
    sources = ["a", "b", "c", "d"]
    got = arrays(texts, sources, 0.8, containment=0.85)
    assert got == reference(texts, sources, 0.8, 0.85)
    assert got[1][0] == 0 and 2 not in got  # the spaced copy goes for Z, Y stays
    assert got[3][0] == 2 and got[3][2] == 1.0


def templates(n: int) -> list[str]:
    """``n`` near copies of two texts of 120 words (templates filled in: a word changed)."""
    rng = random.Random(7)
    bases = [[f"{t}{rng.choice(WORDS)}" for _ in range(120)] for t in "ab"]
    texts = []
    for i in range(n):
        words = list(bases[i % 2])
        words[rng.randrange(120)] = f"x{i}"
        texts.append(" ".join(words))
    return texts


def test_near_copies_of_one_text_are_compared_with_the_copies_kept() -> None:
    """400 near copies of two texts (templates filled in, a word changed): every pair of
    a template's copies is a candidate, but a copy is verified only against the copies
    kept."""
    texts = templates(400)
    sources = ["a"] * len(texts)
    verified: list[int] = []
    from cleaner.dedup import resolve as module

    intersect = module.exact_intersection

    def counting(sets: ShingleSets, a: np.ndarray, *args: Any, **kw: Any) -> np.ndarray:  # type: ignore[type-arg]
        verified.append(len(a))
        return intersect(sets, a, *args, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "exact_intersection", counting)
        got = arrays(texts, sources, 0.8)
    assert got == reference(texts, sources, 0.8)
    kept = len(texts) - len(got)
    pairs = len(texts) * (len(texts) - 1) // 2
    assert kept >= 2 and 0 < sum(verified) <= kept * len(texts) < pairs // 20


def test_the_one_at_a_time_rule_compares_a_copy_with_the_copies_kept() -> None:
    """The incremental rule verifies a document against its earlier kept candidates, and
    its later ones only when its verdict changes: about the pairs the array resolver
    verifies, not every pair of a template's copies."""
    from cleaner.dedup.incremental import NearDuplicates

    texts = templates(300)
    sources = ["a"] * len(texts)
    compared: list[int] = []
    links = NearDuplicates._links

    def counting(self: NearDuplicates, doc: int, others: Any) -> Any:
        others = list(others)
        compared.append(len(others))
        return links(self, doc, others)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(NearDuplicates, "_links", counting)
        want = reference(texts, sources, 0.8)
    assert want == arrays(texts, sources, 0.8)
    kept = len(texts) - len(want)
    pairs = len(texts) * (len(texts) - 1) // 2
    assert kept >= 2 and sum(compared) <= 2 * kept * len(texts) < pairs // 20


def one_at_a_time(
    n: int,
    runs: list[list[int]],
    rank: np.ndarray,
    links: set[tuple[int, int]],  # type: ignore[type-arg]
) -> tuple[set[int], set[tuple[int, int]]]:
    """The keep-longest rule node by node in rank order (ties: the higher node first):
    the kept nodes, and the pairs it must verify (a kept node with each later node
    that shares a run with it)."""
    order = sorted(range(n), key=lambda i: (int(rank[i]), -i))
    place = {node: k for k, node in enumerate(order)}
    later: dict[int, set[int]] = {i: set() for i in range(n)}
    for run in runs:
        for x in run:
            later[x] |= {y for y in run if place[y] > place[x]}
    kept: set[int] = set()
    dropped: set[int] = set()
    verified: set[tuple[int, int]] = set()
    for u in order:
        if u in dropped:
            continue
        kept.add(u)
        for v in later[u]:
            verified.add((u, v))
            if (u, v) in links:
                dropped.add(v)
    return kept, verified


@pytest.mark.parametrize("seed", range(40))
def test_links_that_count_verifies_the_pairs_of_kept_nodes_only(seed: int) -> None:
    """On random candidate runs (big runs of near copies with few links, runs of two in
    a chain, the same run in several bands, ties of rank), the rule keeps the nodes and
    verifies the pairs the node-by-node rule does, each pair once."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    runs = [
        sorted(
            set(
                rng.choice(
                    n, size=int(rng.integers(2, max(3, n // rng.choice([1, 4])))), replace=True
                ).tolist()
            )
        )
        for _ in range(int(rng.integers(0, 12)))
    ]
    runs = [r for r in runs if len(r) >= 2]
    runs += [[i, i + 1] for i in range(0, n - 1, 2)]  # a chain through half the nodes
    runs += runs[: len(runs) // 3]  # the same runs again, as bands repeat them
    rank = rng.integers(0, n // 2 + 1, size=n)  # ties too
    share = rng.choice([0.02, 0.3, 0.9])
    links = {(u, v) for u in range(n) for v in range(n) if rng.random() < share}
    seen: list[tuple[int, int]] = []

    def link(u: np.ndarray, v: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
        pairs = list(zip(u.tolist(), v.tolist(), strict=True))
        seen.extend(pairs)
        return np.array([p in links for p in pairs], np.bool_)

    indptr = np.concatenate([[0], np.cumsum([len(r) for r in runs])]).astype(np.int64)
    members = np.array([x for r in runs for x in r], np.int64)
    kept = links_that_count(n, RankedRuns(n, indptr, members, rank), link)
    want_kept, want_seen = one_at_a_time(n, runs, rank, links)
    assert set(np.flatnonzero(kept).tolist()) == want_kept
    assert sorted(seen) == sorted(want_seen)  # each once


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9, 0.95])
@pytest.mark.parametrize("containment", [None, 0.85, 0.5])
def test_the_fewest_shared_shingles_that_link_are_what_the_tests_say(
    threshold: float, containment: float | None
) -> None:
    """``link_need`` is the least overlap at which the Jaccard test (as ``jaccard_of``
    rounds it) or the containment test passes, checked overlap by overlap."""
    sizes = [*range(1, 40), 99, 100, 101, 997, 1000, 4999]
    a = np.array([x for x in sizes for _ in sizes], np.int64)
    b = np.array([y for _ in sizes for y in sizes], np.int64)
    need = link_need(a, b, threshold, containment)
    for x, y, n in zip(a.tolist(), b.tolist(), need.tolist(), strict=True):
        links = [
            jaccard_of(i, x, y) >= threshold
            or (containment is not None and i >= containment * y - EPS)
            for i in range(min(x, y) + 1)
        ]
        first = links.index(True) if any(links) else None
        assert first == n if first is not None else n > min(x, y)
        assert all(links[first:]) if first is not None else True
    # where containment does not apply, the need is the Jaccard test's alone
    where = np.arange(len(a)) % 3 == 0
    some = link_need(a, b, threshold, containment, where)
    assert np.array_equal(some[where], need[where])
    assert np.array_equal(some[~where], link_need(a, b, threshold)[~where])


@pytest.mark.parametrize("seed", range(60))
def test_judging_again_the_documents_that_name_a_leaving_one_is_a_fresh_judgement(
    seed: int,
) -> None:
    """Chains of near copies, exact copies and cuts; some documents leave (kept ones
    among them): re-judging only those that named a leaving one, and what their change
    turns, gives the verdicts of judging the rest from scratch."""
    rng = random.Random(seed)
    texts = corpus(rng, rng.randint(5, 40), cuts=seed % 2 == 0)
    containment = 0.85 if seed % 2 == 0 else None
    sets = [shingle_hashes(t) for t in texts]
    sources = [rng.choice("ab") for _ in texts]

    def index(live: list[bool]) -> MemoryIndex:
        return MemoryIndex(
            [s if ok else s[:0] for s, ok in zip(sets, live, strict=True)],
            ranks(texts, sources),
            [position_key(s, i) for i, s in enumerate(sources)],
            live,
            threshold=0.7,
            containment=containment,
        )

    before = index([bool(len(s)) for s in sets])
    before.resolve_all()
    kept = [d for d, (named, _) in before.verdicts.items() if named is None]
    leaving = set(rng.sample(kept, min(len(kept), rng.randint(1, 4))))
    leaving |= set(rng.sample(sorted(before.verdicts), min(2, len(before.verdicts))))
    stays = [bool(len(s)) and i not in leaving for i, s in enumerate(sets)]
    after = index(stays)
    after.verdicts = {d: v for d, v in before.verdicts.items() if d not in leaving}
    after.contained = {d: c for d, c in before.contained.items() if d not in leaving}
    after.resolve(before.affected_by_removals(leaving) - leaving)
    fresh = index(stays)
    fresh.resolve_all()
    assert after.verdicts == fresh.verdicts
    assert after.contained == fresh.contained

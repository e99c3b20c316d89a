"""Behaviour of the MinHash engine: shingling, signatures, LSH, verification, stars."""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable, Sequence
from types import FrameType

import numpy as np
import numpy.typing as npt
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.dedup.find import find_block_duplicates, find_duplicates
from cleaner.dedup.keeper import priority_rank, rank_key
from cleaner.dedup.lsh import candidate_probability, choose_bands
from cleaner.dedup.minhash import MinHasher
from cleaner.dedup.shingles import (
    ShingleSets,
    _fast_hashes,
    _word_chars,
    shingle_hashes,
    shingle_sets,
    shingles,
)
from cleaner.dedup.verify import exact_jaccard

M64 = (1 << 64) - 1
P, R = 0x100000001B3, 0x9E3779B97F4A7C15


def fmix64(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & M64
    return h ^ (h >> 33)


def reference_hash(shingle: str) -> int:
    """The documented base hash, written plainly from the shingle string."""
    acc = 0
    for word in shingle.split(" "):
        poly = sum((ord(c) + 1) * pow(P, j, 1 << 64) for j, c in enumerate(word)) & M64
        acc = (acc * R + fmix64(poly)) & M64
    return fmix64(acc) >> 32


def words(rng: random.Random, n: int) -> list[str]:
    vocab = [
        "".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(2, 8)))
        for _ in range(3000)
    ]
    return [rng.choice(vocab) for _ in range(n)]


def text_of(ws: list[str]) -> str:
    return " ".join(ws) + "."


def longest_first(texts: Sequence[str], ids: Sequence[int] | None = None) -> npt.NDArray[np.int64]:
    """The keeper's priority for texts of one source, named by ``ids`` (default: places)."""
    names = range(len(texts)) if ids is None else ids
    return priority_rank(
        [rank_key(len(t), "", str(i), 0) for t, i in zip(texts, names, strict=True)]
    )


TEXTS = st.text(
    alphabet=st.sampled_from([*"aAbB é_9ß İ—\n.,'’Ω", "\U0001f600", "\u0301"]),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=5), st.integers(1, 5))
def test_fast_shingle_hashes_follow_the_canonical_shingles(texts: list[str], ngram: int) -> None:
    values, indptr = MinHasher(ngram=ngram).base_hashes(texts)
    for i, text in enumerate(texts):
        expected = [reference_hash(s) for s in shingles(text, ngram)]
        assert values[indptr[i] : indptr[i + 1]].tolist() == expected


def test_a_large_ngram_costs_what_the_texts_hold() -> None:
    """A text shorter than ngram is one shingle of all its words. The hashes were built
    for every word count below ngram, held by a text or not (and the full n-grams added
    up ngram times over nothing): a ``[dedup] ngram`` of 100,000 over five short files
    ran for hours. Counted in the Python lines the hashing runs, not by a clock."""
    texts = ["one two three", "four five", "", "six"]
    lines = 0

    def count(frame: FrameType, event: str, arg: object) -> Callable[..., object] | None:
        nonlocal lines
        if frame.f_code is not _fast_hashes.__code__:
            return None
        lines += event == "line"
        return count

    sys.settrace(count)
    try:
        values, indptr = _fast_hashes(texts, 500)
    finally:
        sys.settrace(None)
    assert values.tolist() == [reference_hash(s) for t in texts for s in shingles(t, 500)]
    assert indptr.tolist() == [0, 1, 2, 2, 3]
    assert lines < 500  # about 60; 252,000 before


def test_shingles_match_the_regex_definition() -> None:
    text = "Hello,  World! It's   a ‘test’ — of 5-grams_ok"
    w = re.findall(r"\w+", text.lower())
    assert shingles(text) == [" ".join(w[i : i + 5]) for i in range(len(w) - 4)]
    assert shingles("Two words") == ["two words"]
    assert len(shingle_hashes("")) == 0


def test_word_characters_are_the_regexs_for_every_code_point() -> None:
    """The per-code-point ``\\w`` answers, learned lazily, are the regex's everywhere."""
    every = np.arange(0x110000, dtype=np.uint32)
    order = np.random.default_rng(0).permutation(every)  # learned in any order
    got = np.empty(len(every), dtype=np.bool_)
    for part in np.array_split(order, 7):
        got[part] = _word_chars(part)
    text = "".join(map(chr, range(0x110000)))
    want = np.zeros(0x110000, dtype=np.bool_)
    for m in re.finditer(r"\w+", text):
        want[m.start() : m.end()] = True
    assert np.array_equal(got, want)


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
def test_signatures_equal_datasketch_on_the_same_base_hashes(scheme: str) -> None:
    rng = random.Random(3)
    texts = [text_of(words(rng, rng.randint(1, 60))) for _ in range(5)] + ["", "one"]
    hasher = MinHasher(num_perm=64, seed=7, scheme=scheme)  # type: ignore[arg-type]
    values, indptr = hasher.base_hashes(texts)
    ours = hasher.signatures(texts)
    for i in range(len(texts)):
        m = MinHash(num_perm=64, seed=7, scheme=scheme, hashfunc=lambda x: x)
        for h in values[indptr[i] : indptr[i + 1]].tolist():
            m.update(h)
        assert m.hashvalues.astype(np.uint64).tolist() == ours[i].astype(np.uint64).tolist()


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
def test_permutations_are_datasketchs(scheme: str) -> None:
    # cleaner draws them itself, so that the package does not import datasketch
    hasher = MinHasher(num_perm=64, seed=7, scheme=scheme)  # type: ignore[arg-type]
    a, b = MinHash(num_perm=64, seed=7, scheme=scheme).permutations
    assert np.array_equal(hasher.a, a) and np.array_equal(hasher.b, b)


def test_sha1_base_gives_datasketch_default_signatures() -> None:
    text = text_of(words(random.Random(4), 40))
    m = MinHash(num_perm=128)
    for s in shingles(text):
        m.update(s.encode("utf-8"))
    ours = MinHasher(base="sha1").signatures([text])[0]
    assert m.hashvalues.tolist() == ours.tolist()


def test_batches_do_not_change_signatures() -> None:
    rng = random.Random(5)
    texts = [text_of(words(rng, rng.randint(0, 300))) for _ in range(40)]
    whole = MinHasher().signatures(texts)
    small = MinHasher(batch_chars=500).signatures(texts)
    one_by_one = np.vstack([MinHasher().signatures([t]) for t in texts])
    assert (whole == small).all() and (whole == one_by_one).all()


def test_estimated_jaccard_is_close_to_exact() -> None:
    rng = random.Random(6)
    base = words(rng, 400)
    texts = [text_of(base)] + [text_of(base[k:] + words(rng, k)) for k in (20, 60, 120, 200)]
    hasher = MinHasher()
    sig = hasher.signatures(texts)
    sets = shingle_sets(texts)
    other = np.arange(1, len(texts))
    exact = exact_jaccard(sets, np.zeros_like(other), other)
    for k, j in zip(other, exact, strict=True):
        a, b = shingle_hashes(texts[0]), shingle_hashes(texts[k])
        assert j == pytest.approx(len(np.intersect1d(a, b)) / len(np.union1d(a, b)))
        assert abs(float((sig[0] == sig[k]).mean()) - j) < 0.12


def test_near_duplicate_found_and_unrelated_kept() -> None:
    rng = random.Random(7)
    base = words(rng, 500)
    changed = list(base)
    for pos in (50, 200, 350):
        changed[pos] = "changed"
    texts = [text_of(base), text_of(words(rng, 500)), text_of(changed), text_of(words(rng, 500))]
    result = find_duplicates(texts, priority=longest_first(texts))
    assert sorted(result.duplicate_of.tolist()) == [
        -1,
        -1,
        -1,
        0 if len(texts[0]) >= len(texts[2]) else 2,
    ]
    dup = int(np.flatnonzero(result.duplicate_of >= 0)[0])
    assert {dup, int(result.duplicate_of[dup])} == {0, 2}
    assert 0.9 < result.similarity[dup] < 1.0 and result.similarity_kind == "exact"
    assert result.clusters() == [[int(result.duplicate_of[dup]), dup]]


def test_no_chaining_through_a_middle_document() -> None:
    ws = words(random.Random(8), 300)
    a, b, c = (text_of(ws[s : s + 200]) for s in (0, 15, 30))  # J(a,b)=J(b,c)=.86, J(a,c)=.73
    result = find_duplicates([a, b, c], priority=np.array([0, 1, 2]))
    assert result.duplicate_of.tolist() == [-1, 0, -1]
    assert result.verified == 2  # a~b and b~c are both verified; c still is not a's copy
    centred = find_duplicates([a, b, c], priority=np.array([1, 0, 2]))
    assert centred.duplicate_of.tolist() == [1, -1, 1]  # each verified against b itself


def test_result_is_independent_of_input_order() -> None:
    rng = random.Random(9)
    bases = [words(rng, 300) for _ in range(6)]
    texts = []
    for ws in bases:
        for k in range(3):
            texts.append(text_of(ws[k * 5 :] + ["tail"] * k))
    texts.append(texts[0])  # an exact copy: the tie is broken by the id, not the position
    order = list(range(len(texts)))
    random.Random(1).shuffle(order)
    r1 = find_duplicates(texts, priority=longest_first(texts))
    shuffled = [texts[i] for i in order]
    r2 = find_duplicates(shuffled, priority=longest_first(shuffled, order))
    back = np.full(len(texts), -1)
    for new_pos, old in enumerate(order):
        d = int(r2.duplicate_of[new_pos])
        back[old] = -1 if d < 0 else order[d]

    def decisions(dup_of: np.ndarray) -> list[tuple[str, str]]:
        return sorted((texts[i], texts[d] if d >= 0 else "") for i, d in enumerate(dup_of.tolist()))

    assert decisions(r1.duplicate_of) == decisions(back)
    assert (r1.duplicate_of >= 0).sum() == 13  # 6 bases x 2 variants + the exact copy


def test_priority_decides_the_kept_copy() -> None:
    ws = words(random.Random(10), 200)
    short, long = text_of(ws), text_of([*ws, "extra"])
    assert longest_first([short, long]).tolist() == [1, 0]
    assert find_duplicates([short, long], priority=[1, 0]).duplicate_of.tolist() == [1, -1]
    assert find_duplicates([short, long], priority=np.array([0, 1])).duplicate_of.tolist() == [
        -1,
        0,
    ]


def test_empty_texts_are_never_duplicates() -> None:
    result = find_duplicates(["", "", "...", "x"], priority=np.arange(4))
    assert result.duplicate_of.tolist() == [-1, -1, -1, -1]


def test_blocks_within_and_across_documents() -> None:
    rng = random.Random(12)
    shared = text_of(words(rng, 30))
    paras = [text_of(words(rng, 30)), shared, text_of(words(rng, 30)), shared, shared]
    doc_of = [0, 0, 0, 0, 1]
    within = find_block_duplicates(paras, doc_of)
    assert within.duplicate_of.tolist() == [-1, -1, -1, 1, -1]
    across = find_block_duplicates(paras, doc_of, cross_doc=True)
    assert across.duplicate_of.tolist() == [-1, -1, -1, 1, 1]


def test_a_documents_repeated_blocks_do_not_depend_on_the_batch() -> None:
    """A paragraph printed 150 times (more than a capped run expands) after another
    document that prints it once: every later copy still points into its own document,
    as when the document is judged alone. With runs capped across documents, the first
    document's copy headed the run and two copies stayed."""
    rng = random.Random(3)
    shared = text_of(words(rng, 30))
    doc = [text_of(words(rng, 30)), *[shared] * 150]
    alone = find_block_duplicates(doc, [0] * len(doc)).duplicate_of
    batch = find_block_duplicates([shared, *doc], [0] + [1] * len(doc)).duplicate_of[1:]
    assert (alone >= 0).sum() == 149
    assert np.array_equal(np.where(batch >= 0, batch - 1, -1), alone)


def test_banding_favours_recall_at_the_threshold() -> None:
    bands, rows = choose_bands(0.8, 128)
    assert bands * rows <= 128 and candidate_probability(0.8, bands, rows) >= 0.995
    sets = ShingleSets.from_csr(np.array([5, 1, 5], np.uint32), np.array([0, 3]))
    assert sets[0].tolist() == [1, 5]

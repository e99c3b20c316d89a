from __future__ import annotations

import random
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.arrays import distinct
from cleaner.config import DedupConfig
from cleaner.dedup import pairs
from cleaner.run.explain import explain_document
from cleaner.stages.dedup import DedupBlocks, DropNearDuplicates
from tests.conftest import doc
from tests.oracles import shingle_jaccard

PARA_A = (
    "The central bank raised interest rates by a quarter point on Tuesday, citing "
    "persistent inflation in services and a tight labour market across the region, "
    "and said further increases could follow if wage growth failed to cool over the "
    "coming months as expected by most economists."
)
PARA_B = (
    "Analysts had expected the move after a run of strong employment figures, though "
    "some warned that higher borrowing costs could slow the housing market."
)
PARA_C = (
    "Shares in regional lenders rose in early trading while the currency gained "
    "against the dollar and the euro after the announcement was made public."
)


def test_repeated_block_with_a_word_changed_is_removed() -> None:
    changed = PARA_A.replace("Tuesday", "Wednesday")
    assert shingle_jaccard(PARA_A, changed) < 0.8  # 5-grams would miss it
    text = "\n\n".join([PARA_A, PARA_B, changed, PARA_C])
    out = DedupBlocks().apply(doc(text))
    assert out.text == "\n\n".join([PARA_A, PARA_B, PARA_C])
    [change] = out.changes
    assert change.rule == "repeated-block" and change.text == changed


def test_sibling_paragraphs_that_differ_in_a_few_words_stay() -> None:
    # the same note under two functions, or one licence per author: content, not a copy
    sibling = (
        PARA_A.replace("Tuesday", "Wednesday")
        .replace("region", "country")
        .replace("quarter point", "half point")
    )
    text = "\n\n".join([PARA_A, PARA_B, sibling, PARA_C])
    assert DedupBlocks().apply(doc(text)).text == text
    lenient = DedupBlocks(DedupConfig(block_threshold=0.6)).apply(doc(text))
    assert sibling not in lenient.text


def test_repeated_run_of_paragraphs_keeps_first_copy() -> None:
    text = "\n\n".join([PARA_A, PARA_B, "Reply", PARA_A, "Reply", PARA_B, PARA_C])
    out = DedupBlocks().apply(doc(text))
    assert out.text == "\n\n".join([PARA_A, PARA_B, "Reply", PARA_C])


def test_short_repeated_lines_outside_a_run_stay() -> None:
    text = "for x in y:\n    pass\n\nreturn x\n\n" + PARA_A + "\n\nreturn x"
    assert DedupBlocks().apply(doc(text)).text == text


def test_line_printed_twice_keeps_one_copy() -> None:
    caption = "Crowds wave flags as the motorcade passes in Hanoi"
    out = DedupBlocks().apply(doc(f"{caption} {caption}\n\n{PARA_A}"))
    assert out.text == f"{caption}\n\n{PARA_A}"
    assert out.changes[0].rule == "repeated-line"


def test_blocks_can_be_turned_off() -> None:
    text = f"{PARA_A}\n\n{PARA_A}"
    assert DedupBlocks(DedupConfig(blocks=False)).apply(doc(text)).text == text


def _near_dup_corpus() -> list:  # type: ignore[type-arg]
    original = "\n\n".join([PARA_A, PARA_B, PARA_C])
    copy = original.replace("Tuesday", "Monday")
    other = "Completely different story about football results and a cup final in May."
    return [doc(copy, "b.txt"), doc(original + " Extra.", "a.txt"), doc(other, "c.txt")]


def test_near_duplicates_collapse_to_the_longest_copy() -> None:
    out = list(DropNearDuplicates().run(_near_dup_corpus()))
    assert [d.source for d in out] == ["b.txt", "a.txt", "c.txt"]  # order kept
    dropped = [d for d in out if d.dropped is not None]
    assert [d.source for d in dropped] == ["b.txt"]
    detail = dropped[0].dropped.detail  # type: ignore[union-attr]
    assert detail["duplicate_of"] == "a.txt" and 0.8 <= detail["similarity"] < 1.0


def test_which_copy_is_kept_does_not_depend_on_input_order() -> None:
    docs = _near_dup_corpus()
    a = {d.source for d in DropNearDuplicates().run(docs) if d.dropped is None}
    b = {d.source for d in DropNearDuplicates().run(docs[::-1]) if d.dropped is None}
    assert a == b == {"a.txt", "c.txt"}


def test_threshold_is_respected() -> None:
    config = DedupConfig(threshold=0.99, containment=False)
    out = list(DropNearDuplicates(config).run(_near_dup_corpus()))
    assert all(d.dropped is None for d in out)


def test_below_the_threshold_a_contained_copy_leaves_as_contained() -> None:
    # one word changed: Jaccard under 0.99, but nearly every shingle is in the longer copy
    out = list(DropNearDuplicates(DedupConfig(threshold=0.99)).run(_near_dup_corpus()))
    dropped = [d.dropped for d in out if d.dropped is not None]
    assert [(c.rule, c.detail["duplicate_of"]) for c in dropped] == [("contained", "a.txt")]
    detail = dropped[0].detail
    assert detail["containment"] >= 0.9 > detail["similarity"]


def test_a_truncated_copy_leaves_as_contained_and_only_when_on() -> None:
    full = "\n\n".join([PARA_A, PARA_B, PARA_C])
    cut = f"{PARA_A}\n\n{PARA_B}"
    docs = [doc(cut, "cut.txt"), doc(full, "full.txt")]
    out = list(DropNearDuplicates().run(docs))
    gone = out[0].dropped
    assert gone is not None and gone.rule == "contained" and out[1].dropped is None
    assert gone.detail["duplicate_of"] == "full.txt" and gone.detail["containment"] == 1.0
    assert gone.detail["similarity"] < 0.8
    kept = list(DropNearDuplicates(DedupConfig(containment=False)).run(docs))
    assert all(d.dropped is None for d in kept)
    strict = list(DropNearDuplicates(DedupConfig(containment_threshold=1.0)).run(docs))
    assert strict[0].dropped is not None  # every shingle is in the longer one


def test_paragraphs_shared_across_documents_only_go_when_asked() -> None:
    docs = [doc(f"{PARA_A}\n\n{PARA_B}", "a.txt"), doc(f"{PARA_C}\n\n{PARA_A}", "b.txt")]
    same = list(DedupBlocks().run(docs))
    assert [d.text for d in same] == [d.text for d in docs]
    cross = list(DedupBlocks(DedupConfig(cross_doc_blocks=True)).run(docs))
    assert cross[1].text == PARA_C
    assert cross[1].changes[0].detail["duplicate_of"] == "a.txt"


# -- arrays of pair codes and shingle keys ------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**64 - 1), max_size=60),
    st.lists(st.integers(0, 50), max_size=60),
)
def test_distinct_is_numpys_unique(values: list[int], small: list[int]) -> None:
    """Also on ``a << 32 | b`` codes, where numpy's hash table is slow."""
    for arr in (
        np.array(values, dtype=np.uint64),
        (np.array(small, dtype=np.uint64) << np.uint64(32)) | np.uint64(7),
        np.array(small, dtype=np.int64),
    ):
        got = distinct(arr)
        assert got.dtype == arr.dtype and np.array_equal(got, np.unique(arr))


def _pairs_of_every_band_at_once(keys: np.ndarray, rank: np.ndarray) -> tuple[list, list]:
    """candidate_pairs as it was: every band's pairs, then one np.unique."""
    firsts, seconds = [], []
    for band in keys.T:
        order = np.lexsort((rank, band))
        a, b = pairs._run_pairs(band[order], order, 64)
        firsts.append(a)
        seconds.append(b)
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    codes = np.unique(pairs.pair_codes(lo[lo != hi], hi[lo != hi]))
    return pairs.split_codes(codes)


@pytest.mark.parametrize("copies", [0, 3, 200])
def test_capped_candidate_pairs_merged_band_by_band_are_the_same(copies: int) -> None:
    rng = np.random.default_rng(copies)
    keys = rng.integers(0, 40, size=(300, 9), dtype=np.uint32)
    keys[100 : 100 + copies] = keys[5]  # exact copies share every band
    rank = rng.permutation(300).astype(np.int64)
    got = pairs.candidate_pairs(keys, rank)
    want = _pairs_of_every_band_at_once(keys, rank)
    assert all(np.array_equal(w, g) for w, g in zip(want, got, strict=True))


def test_many_copies_of_one_paragraph_hold_the_pairs_of_one_band_in_memory() -> None:
    """10,000 copies share every band: each band pairs each copy with 65 others, the
    same pairs in every band. Merged band by band, the peak holds about one band's
    pairs (some 15 MB at 8 bytes a code, a few arrays of them), not every band's."""
    keys = np.zeros((10_000, 16), dtype=np.uint32)
    tracemalloc.start()
    try:
        a, _ = pairs.candidate_pairs(keys)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    n = 10_000  # each copy with its 64 successors, and with the first (beyond 64 of them)
    assert len(a) == sum(n - d for d in range(1, 65)) + (n - 1 - 64)
    assert peak < 120 << 20  # about 50 MB; with all 16 bands at once, about 800 MB


def test_documents_of_one_paragraph_each_are_not_hashed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Within documents, a repeat needs two paragraphs of one document: a batch of
    one-paragraph documents has none to look for, and no paragraph is hashed."""
    from cleaner.stages import dedup

    docs = [doc(PARA_A, f"d{k}") for k in range(3)] + [doc(PARA_B, "d3")]
    want = list(DedupBlocks().run(docs))
    assert all(d.text == d2.text and not d.changes for d, d2 in zip(want, docs, strict=True))

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("hashed")

    monkeypatch.setattr(dedup, "find_block_duplicates", refuse)
    assert list(DedupBlocks().run(docs)) == want
    with pytest.raises(AssertionError, match="hashed"):  # two paragraphs in one: looked for
        list(DedupBlocks().run([doc(f"{PARA_A}\n\n{PARA_B}", "d4")]))
    crossing = DedupBlocks(DedupConfig(cross_doc_blocks=True))
    with pytest.raises(AssertionError, match="hashed"):  # across documents: looked for
        list(crossing.run(docs))


_GAME = "Sign up for the weekly list of new board games and the best deals"


def _listing() -> str:
    """A block repeated later, one of whose lines ("Complexity Fair") a later block
    holds too."""
    rng = random.Random(5)
    words = ["river", "stone", "market", "harbor", "council", "budget", "winter", "garden"]
    paras = [" ".join(rng.choice(words) for _ in range(20)).capitalize() + "." for _ in range(3)]
    block = f"{_GAME}\nComplexity Fair"
    other = f"{paras[2][:-1]} and more\nComplexity Fair"
    return "\n\n".join([paras[0], block, paras[1], block, other])


def test_a_removed_block_names_its_first_line_on_the_page_and_the_rest_follow() -> None:
    """dedup-blocks names a removed block by its first line on the page the strip stage
    numbered (through ``origin`` when that stage changed the text), and the lines
    that stay keep their page numbers, for a later strip (the settle round)."""
    text = _listing()
    (alone,) = DedupBlocks(DedupConfig()).run([doc(text)])
    (change,) = alone.changes
    assert change.detail["line"] == 8  # the copy's first line, counting from 1
    assert alone.origin == (1, None, 3, 4, None, 6, None, 11, 12)
    # the same text as what a strip left of a longer page: the page's numbers
    page = (2, None, 4, 5, None, 8, None, 11, 12, None, 15, 16)
    (stripped,) = DedupBlocks(DedupConfig()).run([doc(text, origin=page)])
    assert stripped.changes[0].detail["line"] == 11
    assert stripped.origin == (2, None, 4, 5, None, 8, None, 15, 16)


def test_explain_marks_the_copy_that_went_not_a_later_line_that_reads_the_same() -> None:
    """``explain`` lays a removed block on the page from its first line: the copy's
    "Complexity Fair" goes, the one under the last paragraph stays. It used to mark
    the last line of the page that read the same."""
    text = _listing()
    explained = explain_document(doc(text), [DedupBlocks(DedupConfig())])
    marked = [k for k, line in enumerate(explained.lines) if line.rule is not None]
    assert marked == [7, 8]
    kept = [line.text for line in explained.lines if line.rule is None and line.text]
    (cleaned,) = DedupBlocks(DedupConfig()).run([doc(text)])
    assert kept == [line for line in cleaned.text.split("\n") if line]


def test_a_line_printed_twice_names_its_line_on_the_page() -> None:
    """The half of a line printed twice that goes is named by the line's number on the
    page, through ``origin`` when the strip stage changed the text."""
    caption = "Crowds wave flags in Hanoi as the motorcade passes"
    text = f"{_GAME}\n\nIntro line.\n{caption} {caption}"
    (alone,) = DedupBlocks(DedupConfig()).run([doc(text)])
    assert [(c.rule, c.detail["line"]) for c in alone.changes] == [("repeated-line", 4)]
    (cut,) = DedupBlocks(DedupConfig()).run([doc(text, origin=(2, None, 6, 9))])
    assert cut.changes[0].detail["line"] == 9 and cut.origin == (2, None, 6, 9)


def test_the_kept_lines_take_their_own_markup_hints_along() -> None:
    """A page from HTML keeps what its markup said of each kept line: "Read the full
    story" after the removed copy keeps its own hints, not those of the copy's line
    that reads the same (matching kept lines to the old ones by text took those)."""
    head = "Sign up for the weekly list of new board games and the best deals"
    text = "\n".join(
        [head, "Read the full story", "", head, "Read the full story", "", "Read the full story"]
    )
    hints = tuple(None if not line else (float(k),) for k, line in enumerate(text.split("\n")))
    (out,) = DedupBlocks(DedupConfig()).run([doc(text, hints=hints)])
    assert out.text.split("\n") == [head, "Read the full story", "", "Read the full story"]
    assert out.hints == ((0.0,), (1.0,), None, (6.0,))
    assert out.origin == (1, 2, None, 7)

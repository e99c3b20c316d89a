"""The compiled kernels: built wherever the install can, and equal to their other paths.

Each C kernel is optional so that an install with no C compiler still works; the code
then takes its numpy or Python path. A kernel gives the same results as that path, so
these tests hold one to the other (the tree walker's are in ``test_rules.py``, beside
its oracle).
"""

from __future__ import annotations

import gzip
import json
import math
import shutil
import struct
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cleaner.dedup import minhash
from cleaner.dedup.minhash import EMPTY, MinHasher
from cleaner.dedup.shingles import ShingleSets
from cleaner.dedup.verify import exact_intersection, numpy_intersection
from cleaner.html import parse_html
from cleaner.rules import features, model
from cleaner.rules.context import Page, prepare_page
from cleaner.rules.features import LINK_WORDS, SHOP_WORDS, line_row, python_row
from cleaner.rules.patterns import STOPWORDS


def _compiler() -> bool:
    """Whether this Python's C compiler is on the PATH (the kernels are then built)."""
    cc = (sysconfig.get_config_var("CC") or "").split()
    return bool(cc) and shutil.which(cc[0]) is not None


@pytest.mark.parametrize(
    "kernel",
    [(model, "native"), (features, "native"), (features, "page_native"), (minhash, "native")],
    ids=["trees", "lines", "page", "minhash"],
)
def test_the_kernels_are_built_where_there_is_a_compiler(kernel: tuple[object, str]) -> None:
    """So that the tests which need a kernel can skip only where none could be built."""
    module, name = kernel
    assert getattr(module, name) is not None or not _compiler()


needs_minhash = pytest.mark.skipif(
    minhash.native is None, reason="no C compiler at install (the test above says so)"
)


def _sets(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of documents as CSR, empty documents first, inside and last."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 400, size=40)
    sizes[[0, 7, 8, -1]] = 0
    sizes[3] = 1
    indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    values = rng.integers(0, 2**32, size=int(indptr[-1]), dtype=np.uint32)
    values[:5] = [0, 1, 2**32 - 1, 2**31, 12345]
    return values, indptr


@needs_minhash
@pytest.mark.parametrize("num_perm", [1, 7, 128, 256])
def test_c_signatures_are_numpys(num_perm: int) -> None:
    hasher = MinHasher(num_perm=num_perm, seed=num_perm)
    values, indptr = _sets(num_perm)
    ours = hasher.signatures_from_hashes(values, indptr)
    assert ours.dtype == np.uint32 and ours.shape == (len(indptr) - 1, num_perm)
    assert np.array_equal(ours, hasher.numpy_signatures(values, indptr))
    assert (ours[[0, 7, 8, -1]] == EMPTY).all()  # no shingle: the empty signature


@needs_minhash
def test_c_signatures_take_any_integer_arrays_as_numpy_does() -> None:
    hasher = MinHasher(num_perm=16)
    values, indptr = _sets(1)
    want = hasher.numpy_signatures(values, indptr)
    wide = values.astype(np.uint64)[::-1][::-1]  # another dtype, as a view
    assert np.array_equal(hasher.signatures_from_hashes(wide, indptr.astype(np.int32)), want)
    empty = hasher.signatures_from_hashes(np.zeros(0, np.uint32), np.zeros(1, np.int64))
    assert empty.shape == (0, 16)


@needs_minhash
def test_the_c_signatures_refuse_what_does_not_fit() -> None:
    hasher = MinHasher(num_perm=4)
    values = np.arange(10, dtype=np.uint32)
    out = np.empty((2, 4), dtype=np.uint32)
    kernel = minhash.native
    assert kernel is not None
    with pytest.raises(ValueError, match="rise within values"):
        kernel.affine32(values, np.array([0, 6, 11], np.int64), hasher.a, hasher.b, out)
    with pytest.raises(ValueError, match="rise within values"):
        kernel.affine32(values, np.array([0, 6, 3], np.int64), hasher.a, hasher.b, out)
    with pytest.raises(ValueError, match="rows of len"):
        kernel.affine32(values, np.array([0, 6, 10], np.int64), hasher.a, hasher.b[:3], out)
    with pytest.raises(ValueError, match="rows of len"):
        kernel.affine32(values, np.array([0, 10], np.int64), hasher.a, hasher.b, out)


@st.composite
def set_pairs(draw: st.DrawFn) -> tuple[ShingleSets, np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    """Sorted unique sets (empty ones, one of many hashes beside small ones, hashes at
    both ends of uint32) and pairs of them, a set with itself too."""
    top = draw(st.sampled_from([8, 300, 2**32]))  # few values: sets overlap much
    values = st.integers(0, top - 1) | st.sampled_from([0, 2**32 - 1][: 1 + (top == 2**32)])
    sets = draw(
        st.lists(
            st.sets(values, max_size=draw(st.sampled_from([5, 60, 2000]))), min_size=1, max_size=12
        )
    )
    flat = [sorted(x) for x in sets]
    indptr = np.concatenate([[0], np.cumsum([len(x) for x in flat])]).astype(np.int64)
    hashes = np.array([h for x in flat for h in x], dtype=np.uint32)
    index = st.integers(0, len(flat) - 1)
    pairs = draw(st.lists(st.tuples(index, index), max_size=30))
    a = np.array([p[0] for p in pairs], np.int64)
    b = np.array([p[1] for p in pairs], np.int64)
    return ShingleSets(hashes, indptr), a, b


@needs_minhash
@given(set_pairs())
def test_c_intersections_are_numpys(case: tuple[ShingleSets, np.ndarray, np.ndarray]) -> None:  # type: ignore[type-arg]
    sets, a, b = case
    ours = exact_intersection(sets, a, b)
    want = [len(set(sets[x].tolist()) & set(sets[y].tolist())) for x, y in zip(a, b, strict=True)]
    assert ours.dtype == np.int64 and ours.tolist() == want
    assert np.array_equal(numpy_intersection(sets, a, b, chunk=7), ours)


@needs_minhash
@pytest.mark.parametrize("seed", range(6))
def test_c_intersections_of_sets_of_any_sizes_are_numpys(seed: int) -> None:
    """Sets of 0 to 5,000 hashes against each other: merged in step where the sizes are
    near, searched where one is 16 or more times the other."""
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, [64, 6000, 2**32][seed % 3], size=6000, dtype=np.uint64)
    pool = np.unique(np.append(pool, [0, 2**32 - 1])).astype(np.uint32)  # both ends
    sizes = rng.choice([0, 1, 2, 5, 40, 300, 5000], size=30)
    sets = [np.unique(rng.choice(pool, size=k)) for k in sizes]
    indptr = np.concatenate([[0], np.cumsum([len(x) for x in sets])]).astype(np.int64)
    hashes = ShingleSets(np.concatenate(sets), indptr)
    a, b = np.divmod(np.arange(30 * 30, dtype=np.int64), 30)  # every pair, both ways
    ours = exact_intersection(hashes, a, b)
    assert np.array_equal(ours, numpy_intersection(hashes, a, b))
    skewed = (hashes.sizes()[a] * 16 <= hashes.sizes()[b]) & (ours > 0)
    assert skewed.any()  # the search path found some


@needs_minhash
@pytest.mark.parametrize("seed", range(6))
def test_c_intersections_with_a_need_are_exact_where_they_reach_it(seed: int) -> None:
    """A pair below its need may stop early with any count below it; a pair at or above
    it has its exact count, whatever the need (0, 1, the count, past the sizes)."""
    rng = np.random.default_rng(seed)
    pool = np.unique(rng.integers(0, [300, 3000, 2**32][seed % 3], size=4000, dtype=np.uint64))
    sizes = rng.choice([0, 1, 3, 40, 300, 2000], size=20)
    sets = [np.unique(rng.choice(pool, size=k)).astype(np.uint32) for k in sizes]
    indptr = np.concatenate([[0], np.cumsum([len(x) for x in sets])]).astype(np.int64)
    hashes = ShingleSets(np.concatenate(sets), indptr)
    a, b = np.divmod(np.arange(20 * 20, dtype=np.int64), 20)
    exact = numpy_intersection(hashes, a, b)
    for need in (np.zeros_like(a), exact, exact + 1, exact - 1, rng.integers(0, 2100, len(a))):
        got = exact_intersection(hashes, a, b, need=need)
        reached = exact >= need
        assert np.array_equal(got >= need, reached)
        assert np.array_equal(got[reached], exact[reached])
        assert (got[~reached] <= exact[~reached]).all()
    stopped = exact_intersection(hashes, a, b, need=np.minimum(exact + 1, 2000))
    assert (stopped < exact).any()  # some pairs did stop early


@needs_minhash
def test_the_c_intersections_refuse_what_does_not_fit() -> None:
    kernel = minhash.native
    assert kernel is not None
    values = np.arange(10, dtype=np.uint32)
    pair, out = np.zeros(1, np.int64), np.zeros(1, np.int64)
    with pytest.raises(ValueError, match="rise within values"):
        kernel.intersections(values, np.array([0, 6, 11], np.int64), pair, pair, out)
    with pytest.raises(ValueError, match="rise within values"):
        kernel.intersections(values, np.array([0, 6, 3], np.int64), pair, pair, out)
    with pytest.raises(ValueError, match="of one length"):
        kernel.intersections(values, np.array([0, 10], np.int64), pair, pair, np.zeros(2, np.int64))
    with pytest.raises(IndexError, match="out of range"):
        kernel.intersections(values, np.array([0, 10], np.int64), pair + 1, pair, out)
    with pytest.raises(IndexError, match="out of range"):
        kernel.intersections(values, np.array([0, 10], np.int64), pair, pair - 1, out)


TESTS = Path(__file__).resolve().parent.parent
HTML = TESTS / "data" / "html"
needs_lines = pytest.mark.skipif(
    features.native is None, reason="no C compiler at install (the test above says so)"
)

# words of every list, in any case, and words the lists and the prior have not: digits,
# "_", one letter, other scripts, words longer than the kernel's buffer for one (256)
_WORDS = [
    *sorted(STOPWORDS)[:20], *sorted(LINK_WORDS), *sorted(SHOP_WORDS), "The", "HOME", "Cart",
    "x", "I", "a1", "R2D2", "snake_case", "_", "2024", "Ünïcode", "İstanbul", "ΣΟΦΙΑ", "straße",
    "٣٤", "x²", "½", "東京都", "ǅemal", "b" * 256, "Long" + "x" * 300, "q" * 257, "é" * 300,
]  # fmt: skip
_GAPS = [" ", "  ", ", ", ". ", "! ", " | ", "/", "-", "'", "\t", "$", ":", "(", ")", "\x1f", "\0",
         "\u00a0", "\u2003", "’", "—", "\u0301", "\U0001f600"]  # fmt: skip


@st.composite
def lines(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_GAPS)), max_size=30))
    return "".join(w + g for w, g in parts)


@st.composite
def priors(draw: st.DrawFn) -> dict[str, float]:
    """A word prior over some of the words, lower-cased and with no -0.0, as a model
    keeps them (:class:`LineModel`): ties of 0.0 and -0.0 would make the min and max
    depend on the order of a set."""
    words = draw(st.lists(st.sampled_from(_WORDS), max_size=15))
    values = st.floats(-30, 30, allow_nan=False) | st.sampled_from([0.0, -0.0, 1e-300])
    return {w.lower(): draw(values) + 0.0 for w in words}


def _same(text: str, vocab: dict[str, float] | None) -> None:
    fast, plain = line_row(text, vocab), python_row(text, vocab)
    assert [type(v) for v in fast] == [type(v) for v in plain] == [float] * len(plain)
    assert struct.pack(f"{len(fast)}d", *fast) == struct.pack(f"{len(plain)}d", *plain)


def test_a_models_word_prior_holds_no_negative_zero() -> None:
    data = json.loads(model.MODEL_PATH.read_text(encoding="utf-8"))
    data["vocab"] = {"foo": -0.0, "bar": 0.0, "baz": -1.5}
    vocab = model.LineModel(data).vocab
    assert [math.copysign(1.0, v) for v in vocab.values()] == [1.0, 1.0, -1.0]


@needs_lines
@given(text=lines() | st.text() | st.text(alphabet=st.characters(codec="ascii")), vocab=priors())
@example(text="", vocab={})
@example(text="The Cart, the cart: THE CART!", vocab={"the": 1.0, "cart": 0.1 + 0.2})
@example(text="Long" + "x" * 300 + " home", vocab={"long" + "x" * 300: -2.5, "home": 3.0})
@example(text="\x00\x1f\t _ 7 a I", vocab={"a": 1.0, "i": 1.0})
@example(text="İstanbul ΣΟΦΙΑ Straße", vocab={"i̇stanbul": 1.0, "σοφια": 2.0, "straße": 3.0})
def test_c_line_counts_are_pythons(text: str, vocab: dict[str, float]) -> None:
    """Every column of a line's row, with a prior, without and with an empty one."""
    for prior in (vocab, None, {}):
        _same(text, prior)


@needs_lines
def test_c_line_counts_are_pythons_for_every_character() -> None:
    """Each code point's classes, case and lower case as str has them: every character
    in runs of 64 (words of many scripts) and alone between spaces (words of one)."""
    chars = list(map(chr, range(sys.maxunicode + 1)))
    vocab = {c.lower(): 1.0 for c in chars[::7]}
    for at in range(0, len(chars), 64):
        run = chars[at : at + 64]
        _same("".join(run), vocab)
        _same(" ".join(run), None)


@needs_lines
def test_c_line_counts_are_pythons_on_real_pages() -> None:
    """The lines of the seed pages and of the four test pages' HTML, flattened."""
    pages = [p.read_text(encoding="utf-8") for p in (TESTS / "seeds" / "raw").glob("*.txt")]
    pages += [parse_html(gzip.decompress(p.read_bytes())).text for p in HTML.glob("*.html.gz")]
    vocab = model.LineModel.default().vocab
    found = {line for page in pages for line in page.splitlines()}
    assert len(found) > 300 and any(not line.isascii() for line in found)
    for line in sorted(found):
        _same(line, vocab)


@needs_lines
def test_the_c_line_counts_refuse_what_they_cannot_read() -> None:
    kernel = features.native
    assert kernel is not None
    with pytest.raises(TypeError, match="text: a str"):
        kernel.line_counts(b"cafe", features._LISTED, None)
    with pytest.raises(TypeError, match="flags: a dict"):
        kernel.line_counts("cafe", ["cafe"], None)
    with pytest.raises(TypeError, match="a dict or None"):
        kernel.line_counts("cafe", features._LISTED, ["cafe"])
    with pytest.raises(TypeError, match="line_counts"):
        kernel.line_counts("cafe")


needs_page = pytest.mark.skipif(
    features.page_native is None, reason="no C compiler at install (the test above says so)"
)
_MARKS = [None, None, None, "navigation", "title", "share-prompt"]  # rules that took lines


_FIXED = ["", "", "Home", "Read more.", "The council met on Monday and voted to close the bridge."]


@st.composite
def pages(draw: st.DrawFn) -> tuple[Page, list[float]]:
    """A page of words, paragraphs, blank lines and repeated lines, some lines taken by
    rules (the title too), some cut short by an edit; and a first stage's probability
    for each non-blank line, with ties and halves (a main span's ends in a tie)."""
    texts = draw(st.lists(lines() | st.sampled_from(_FIXED), max_size=60))
    page = Page.parse("\n".join(texts))
    for i in page.nonempty():
        page.rule[i] = draw(st.sampled_from(_MARKS))
        if draw(st.integers(0, 9)) == 0:
            page.edits[i] = ("share-prompt", page.lines[i][: len(page.lines[i]) // 2])
    chance = st.sampled_from([0.0, 0.5, 0.5, 1.0, 0.75]) | st.floats(0.0, 1.0)
    first = draw(st.lists(chance, min_size=len(page.nonempty()), max_size=len(page.nonempty())))
    return page, first


def _both(func: object) -> tuple[object, object]:
    """``func()`` with the page kernel, then with the numpy path."""
    fast = func()  # type: ignore[operator]
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(features, "page_native", None)
        return fast, func()  # type: ignore[operator]


def _same_page(page: Page, chances: list[float] | None = None) -> None:
    """Both paths' line features of ``page`` and second-stage features for ``chances``
    (by default probabilities rising along the page) are the same to the bit."""
    vocab = model.LineModel.default().vocab
    (idx, fast), (idx2, plain) = _both(lambda: features.line_features(page, vocab))
    assert idx == idx2 and fast.dtype == plain.dtype == np.float64
    assert fast.tobytes() == plain.tobytes()
    first = np.linspace(0.0, 1.0, len(idx)) ** 3 if chances is None else np.array(chances)
    smooth = _both(lambda: features.smooth_features(page, idx, first))
    assert smooth[0].tobytes() == smooth[1].tobytes()  # type: ignore[union-attr]


@needs_page
@given(case=pages())
def test_c_page_columns_are_numpys(case: tuple[Page, list[float]]) -> None:
    _same_page(*case)


@needs_page
def test_c_page_columns_are_numpys_on_real_pages() -> None:
    """The seed pages and the four test pages' HTML, flattened, after the named rules."""
    texts = [p.read_text(encoding="utf-8") for p in (TESTS / "seeds" / "raw").glob("*.txt")]
    texts += [parse_html(gzip.decompress(p.read_bytes())).text for p in HTML.glob("*.html.gz")]
    assert len(texts) >= 9
    for text in texts:
        page = prepare_page(text)
        assert any(page.rule) and any(r is None for r in page.rule)
        _same_page(page)


@needs_page
def test_a_page_whose_blocks_go_back_takes_the_numpy_path() -> None:
    """A page built by hand with its blocks out of order: the kernel writes nothing and
    says so, and the columns are numpy's."""
    page = Page(["Home", "The council met on Monday.", "Share"], [2, 1, 1], rule=[None] * 3)
    kernel = features.page_native
    assert kernel is not None
    back = np.array([2, 1, 1], np.int64)
    x, out, logs = np.full((3, 72), 7.0), np.full((3, 15), 7.0), np.full((3, 6), 7.0)
    assert kernel.smooth_columns(np.ones(3), np.ones(3), back, out) is False
    rows = np.ones((3, 24))
    assert kernel.page_columns(rows, 24, bytes(3), bytes(3), back, x, 72, 21, logs) is False
    assert (x == 7.0).all() and (out == 7.0).all() and (logs == 7.0).all()
    _same_page(page)


@needs_page
def test_the_c_page_columns_refuse_what_does_not_fit() -> None:
    kernel = features.page_native
    assert kernel is not None
    rows, block, logs = np.ones((3, 24)), np.zeros(3, np.int64), np.empty((3, 6))
    x = np.empty((3, 72))
    with pytest.raises(ValueError, match="columns do not fit"):
        kernel.page_columns(rows, 20, bytes(3), bytes(3), block, x, 72, 21, logs)
    with pytest.raises(ValueError, match="columns do not fit"):
        kernel.page_columns(rows, 24, bytes(3), bytes(3), block, x, 72, 40, logs)
    with pytest.raises(ValueError, match="blank"):
        kernel.page_columns(rows, 24, bytes(3), bytes(2), block, x, 72, 21, logs)
    with pytest.raises(ValueError, match="logs"):
        kernel.page_columns(rows, 24, bytes(3), bytes(3), block, x, 72, 21, logs[:2])
    with pytest.raises(ValueError, match="out"):
        kernel.smooth_columns(np.ones(3), np.ones(3), block, np.empty((3, 14)))
    with pytest.raises(ValueError, match="words"):
        kernel.smooth_columns(np.ones(3), np.ones(2), block, np.empty((3, 15)))

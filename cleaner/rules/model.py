"""The learned line model: boosted trees over :mod:`cleaner.rules.features`, in numpy.

Two tree ensembles are trained offline by ``bench/train_boilerplate.py`` and stored as plain
arrays in ``cleaner/data/boilerplate_model.json``; scoring needs only numpy (a C walker
of the same trees, built at install where there is a compiler, makes it faster). Each page
gets its own cut (:func:`page_cut`): a line whose keep probability is below it is
removed as ``low-content``. Without the data file every line scores 1.0, so the named
rules still work alone.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.arrays import distinct
from cleaner.html.flatten import HINTS, MODEL_HINTS, NEUTRAL
from cleaner.rules.context import Page, is_body, is_heading_like
from cleaner.rules.features import (
    NAMES,
    ROW_WIDTH,
    SMOOTH,
    LineTable,
    line_features,
    line_row,
    smooth_features,
)

native: ModuleType | None
try:  # the trees walked in C: built at install where a C compiler is found
    from cleaner.rules import _trees as native
except ImportError:  # no compiler at install: the numpy scorer, same leaves
    native = None

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "boilerplate_model.json"
# the model of pages read from HTML: the same columns, then the markup's (MODEL_HINTS)
HTML_MODEL_PATH = MODEL_PATH.with_name("boilerplate_html_model.json")


LEAF_BITS = 64  # trees with at most this many leaves are scored by leaf bitmasks


class Trees:
    """A boosted tree ensemble flattened into arrays, scored for all trees at once.

    Scoring follows QuickScorer (Lucchese et al., SIGIR 2015): the leaves of a tree
    are numbered left to right, and a split whose test fails rules out the leaves of
    its left subtree. The leaf a row reaches is the leftmost one that no failed split
    rules out, so all the splits of all the trees are tested at once and each tree's
    leaf is the lowest bit of an AND of bitmasks: a few numpy calls per call, whatever
    the depth. A tree with more than ``LEAF_BITS`` leaves is walked level by level
    instead (:meth:`walk`), which gives the same leaves.

    Where the C walker (``cleaner/rules/_trees.c``) was built at install, :meth:`raw`
    uses it instead (:meth:`native_raw`): it walks every tree down for a block of rows
    side by side, with no branch (:class:`_Layout`), about five times faster than the
    numpy scorer on the shipped model, and reaches the same leaves. Each way sums the
    leaf values with the same numpy call, so the scores are the same to the bit.
    """

    ROWS = 16  # rows scored together: 16 x 4,500 float64 splits are 576 KB (64 rows: slower)

    def __init__(self, trees: list[dict[str, list[Any]]]) -> None:
        self.trees = trees
        sizes = np.array([len(t["feature"]) for t in trees], dtype=np.int64)
        self.roots = np.cumsum(sizes) - sizes  # each tree's first node, numbered across all
        tree_of = np.repeat(np.arange(len(trees)), sizes)

        def cat(key: str) -> list[Any]:
            return [v for t in trees for v in t[key]]

        feature = np.asarray(cat("feature"), dtype=np.int64)
        threshold = np.asarray(cat("threshold"), dtype=np.float64)
        left = np.asarray(cat("left"), dtype=np.int64) + self.roots[tree_of]
        right = np.asarray(cat("right"), dtype=np.int64) + self.roots[tree_of]
        leaf = np.asarray(cat("leaf"), dtype=np.bool_)
        # a leaf points at itself, so every row can take the same number of steps
        here = np.arange(len(leaf), dtype=np.int64)
        self.feature = np.where(leaf, 0, feature)
        self.threshold = np.where(leaf, np.inf, threshold)
        self.left = np.where(leaf, here, left)
        self.right = np.where(leaf, here, right)
        self.value = np.asarray(cat("value"), dtype=np.float64)
        _check_trees(left, right, leaf, tree_of, self.roots)
        # each node's depth, level by level down from the roots (one parent each: checked)
        depth = np.zeros(len(leaf), dtype=np.int64)
        level = distinct(self.roots[self.roots < len(leaf)])  # an empty tree has no root
        while level.size:
            split = level[~leaf[level]]
            level = np.concatenate([left[split], right[split]])
            depth[level] = np.concatenate([depth[split], depth[split]]) + 1
        self.depth = int(depth.max()) if len(depth) else 0
        self.layout = _Layout.of(self, leaf, left, right, depth, tree_of)

    @cached_property
    def masks(self) -> _Masks | None:
        """The bitmask tables of the numpy scorer (built on first use: not with C)."""
        return _leaf_masks(self.trees) if self.trees else None

    def raw(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The sum of leaf values over all trees, for every row of ``x``."""
        if native is not None:
            return self.native_raw(x)
        return self.numpy_raw(x)

    def native_raw(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """:meth:`raw` by the C walker (``native`` must be built)."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] <= self.layout.widest:
            raise ValueError(f"rows of {self.layout.widest + 1} columns or more expected")
        if len(x) == 0:
            return np.zeros(0)
        lay = self.layout
        out = np.empty((len(x), len(lay.roots)))
        assert native is not None  # raw() calls this only then
        native.leaves(
            x, x.shape[1], lay.feature, lay.child, lay.threshold, lay.value, lay.roots,
            lay.depths, out,
        )  # fmt: skip
        return np.asarray(out.sum(axis=1), dtype=np.float64)

    def numpy_raw(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """:meth:`raw` in numpy: by leaf bitmasks, or :meth:`walk` for big trees."""
        x = np.asarray(x, dtype=np.float64)
        if self.masks is None:
            return self.walk(x)
        if len(x) > self.ROWS:
            parts = [self.numpy_raw(x[r : r + self.ROWS]) for r in range(0, len(x), self.ROWS)]
            return np.concatenate(parts) if parts else np.zeros(0)
        m = self.masks
        n = len(x)
        values, holds, kept = _scratch(n, len(m.feature), m.mask.dtype)
        np.take(x, m.feature, axis=1, out=values, mode="clip")  # in range: no check
        np.less_equal(values, m.threshold, out=holds)  # to bool: a third of the time
        np.copyto(kept, holds.view(np.uint8), casting="unsafe")  # 1 where the split holds
        np.negative(kept, out=kept)  # all ones where it holds, 0 where it fails
        np.bitwise_or(kept, m.mask, out=kept)
        left = np.bitwise_and.reduceat(kept, m.start, axis=1)
        lowest = left & (~left + left.dtype.type(1))
        bit = np.frexp(lowest.astype(np.float64))[1] - 1
        return np.asarray(m.value.take(bit + m.base).sum(axis=1), dtype=np.float64)

    def walk(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """:meth:`raw` by walking all the trees down together, one level per step."""
        n, width = x.shape
        flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
        base = (np.arange(n, dtype=np.int64) * width)[:, None]
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        for _ in range(self.depth):
            go_left = flat.take(base + self.feature.take(node)) <= self.threshold.take(node)
            step = np.where(go_left, self.left.take(node), self.right.take(node))
            if np.array_equal(step, node):
                break  # every row is at a leaf
            node = step
        return np.asarray(self.value.take(node).sum(axis=1), dtype=np.float64)


@dataclass(frozen=True)
class _Layout:
    """The nodes of all trees laid out for a walk with no branch (``_trees.c``).

    The two children of a split are neighbours, from ``child[k]``: a row goes to
    ``child[k] + !(x[feature[k]] <= threshold[k])``, so a NaN goes right as in numpy. A
    leaf's child is a pair of copies of the leaf that point back at the pair, so a row
    that reached a leaf stays on its value for the steps left of its tree's ``depths``.
    """

    feature: npt.NDArray[np.int64]
    child: npt.NDArray[np.int64]
    threshold: npt.NDArray[np.float64]
    value: npt.NDArray[np.float64]
    roots: npt.NDArray[np.int64]
    depths: npt.NDArray[np.int64]  # the steps that take every row of a tree to a leaf
    widest: int  # the highest column read

    @classmethod
    def of(
        cls,
        trees: Trees,
        leaf: npt.NDArray[np.bool_],
        left: npt.NDArray[np.int64],
        right: npt.NDArray[np.int64],
        depth: npt.NDArray[np.int64],
        tree_of: npt.NDArray[np.int64],
    ) -> _Layout:
        """From the nodes of ``trees`` (numbered across all trees, children after their
        parent): tree ``t`` takes ``1 + 2 * nodes`` slots, its root first, then for its
        node ``g`` the pair at ``t + 1 + 2 * g``: ``g``'s children, or for a leaf two
        copies of it. A slot holding node ``g`` points at that pair."""
        count = len(trees.roots)
        nodes = np.arange(len(leaf), dtype=np.int64)
        who = np.empty(count + 2 * len(leaf), dtype=np.int64)  # the node each slot holds
        slot_roots = trees.roots * 2 + np.arange(count)
        pairs = tree_of + 1 + 2 * nodes
        who[pairs] = np.where(leaf, nodes, left)
        who[pairs + 1] = np.where(leaf, nodes, right)
        empty = np.bincount(tree_of, minlength=count) == 0  # no node: its root adds 0
        if len(leaf):
            who[slot_roots] = np.minimum(trees.roots, len(leaf) - 1)
            child, value = pairs[who], trees.value[who]
            feature, threshold = trees.feature[who], trees.threshold[who]
        else:  # no tree has a node: every root is an empty tree's, set below
            child, value = np.zeros(len(who), dtype=np.int64), np.zeros(len(who))
            feature, threshold = np.zeros(len(who), dtype=np.int64), np.zeros(len(who))
        child[slot_roots[empty]] = slot_roots[empty]
        value[slot_roots[empty]] = 0.0
        depths = np.zeros(count, dtype=np.int64)
        np.maximum.at(depths, tree_of, depth)
        return cls(
            np.ascontiguousarray(feature, dtype=np.int64),
            np.ascontiguousarray(child, dtype=np.int64),
            np.ascontiguousarray(threshold, dtype=np.float64),
            np.ascontiguousarray(value, dtype=np.float64),
            slot_roots,
            depths,
            int(feature.max()) if len(feature) else 0,
        )


def _check_trees(
    left: npt.NDArray[np.int64],
    right: npt.NDArray[np.int64],
    leaf: npt.NDArray[np.bool_],
    tree_of: npt.NDArray[np.int64],
    roots: npt.NDArray[np.int64],
) -> None:
    """Refuse trees that are not trees: the walkers trust that each node has one parent
    in its own tree, after it, and the C walker reads no bounds."""
    split = np.flatnonzero(~leaf)
    kids = np.concatenate([left[split], right[split]])
    parents = np.concatenate([split, split])
    if len(kids) == 0:
        return
    if (kids < 0).any() or (kids >= len(leaf)).any():
        raise ValueError("boilerplate model: a tree points past its nodes; retrain it")
    if np.bincount(kids, minlength=len(leaf)).max() > 1 or np.isin(kids, roots).any():
        raise ValueError("boilerplate model: a tree reaches a node twice; retrain it")
    if (kids <= parents).any() or (tree_of[kids] != tree_of[parents]).any():
        raise ValueError("boilerplate model: a node's children must follow it in its tree")


_SCRATCH = threading.local()


def _scratch(
    n: int, width: int, dtype: np.dtype[np.unsignedinteger[Any]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.unsignedinteger[Any]]]:
    """Work arrays for ``n`` rows of ``width`` splits, kept per thread and reused:
    fresh megabytes on every call cost page faults."""
    found: dict[tuple[int, Any], tuple[npt.NDArray[Any], ...]]
    found = _SCRATCH.__dict__.setdefault("arrays", {})
    key = (width, dtype)
    if key not in found:
        shape = (Trees.ROWS, width)
        found[key] = tuple(np.empty(shape, dtype=t) for t in (np.float64, np.bool_, dtype))
    values, holds, kept = found[key]
    return values[:n], holds[:n], kept[:n]


@dataclass(frozen=True)
class _Masks:
    """The splits of all trees, tree by tree, with the leaves each rules out on failing."""

    feature: npt.NDArray[np.int64]
    threshold: npt.NDArray[np.float64]
    mask: npt.NDArray[np.unsignedinteger[Any]]  # bit j clear: leaf j of the tree is ruled out
    start: npt.NDArray[np.int64]  # first split of each tree
    value: npt.NDArray[np.float64]  # leaf j of tree t at t * LEAF_BITS + j
    base: npt.NDArray[np.int64]  # t * LEAF_BITS, per tree


def _splits(tree: dict[str, list[Any]]) -> tuple[list[int], list[tuple[int, int]]]:
    """The leaves of ``tree`` (root 0) left to right, and each split reachable from the
    root, children first, with the bitmask of the leaves of its left subtree (leaf
    ``j`` of that order is bit ``j``)."""
    leaves: list[int] = []
    splits: list[tuple[int, int]] = []

    def visit(node: int) -> int:  # the bitmask of the leaves under ``node``
        if tree["leaf"][node]:
            leaves.append(node)
            return 1 << (len(leaves) - 1)
        left = visit(tree["left"][node])
        right = visit(tree["right"][node])
        splits.append((node, left))
        return left | right

    if tree["leaf"]:
        visit(0)
    return leaves, splits


def _leaf_masks(trees: list[dict[str, list[Any]]]) -> _Masks | None:
    """The bitmask tables of ``trees``, or None when a tree has too many leaves."""
    feature: list[int] = []
    threshold: list[float] = []
    mask: list[int] = []  # as 64 bits; cut to 32 when every tree has 32 leaves or fewer
    most = 0
    start: list[int] = []
    value = np.zeros(len(trees) * LEAF_BITS)
    for t, tree in enumerate(trees):
        start.append(len(feature))
        leaves, splits = _splits(tree)
        if len(leaves) > LEAF_BITS:
            return None
        most = max(most, len(leaves))
        for j, node in enumerate(leaves):
            value[t * LEAF_BITS + j] = tree["value"][node]
        for node, ruled_out in splits:
            feature.append(int(tree["feature"][node]))
            threshold.append(float(tree["threshold"][node]))
            mask.append(~ruled_out & (2**64 - 1))
        if start[-1] == len(feature):  # a lone leaf: one split that never fails
            feature.append(0)
            threshold.append(np.inf)
            mask.append(2**64 - 1)
    return _Masks(
        np.asarray(feature, dtype=np.int64),
        np.asarray(threshold, dtype=np.float64),
        np.asarray(mask, dtype=np.uint64).astype(np.uint32 if most <= 32 else np.uint64),
        np.asarray(start, dtype=np.int64),
        value,
        np.arange(len(trees), dtype=np.int64) * LEAF_BITS,
    )


def _sigmoid(raw: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-raw)), dtype=np.float64)


MIN_KEEP = 0.1  # a line scored below this never stays, whatever its page


def page_cut(
    scores: Sequence[float], words: Sequence[int], precision_weight: float, temperature: float = 1.0
) -> float:
    """The keep threshold for one page: its lines scoring at least this stay.

    The benchmark's score, like a corpus builder's, is a mean over pages of precision
    and of recall, so one fixed threshold is wrong for most pages: where every line is
    doubtful (a product grid, a listing) it drops the whole page, and where the article
    is plain it keeps doubtful furniture. Each prefix of the lines sorted by score has
    an expected precision (its expected content words over its words) and an expected
    recall (over the page's expected content words, scores taken as probabilities);
    the cut is the score of the prefix that maximizes ``precision_weight * P + (1 -
    precision_weight) * R``, the decision that optimizes the expected score (as in Nan
    et al., "Optimizing F-measure: a tale of two approaches", ICML 2012). A line weighs
    its words plus a half, as in training. A line scored below ``MIN_KEEP`` goes
    anyway, so a page of nothing but furniture loses every line (and the stage then
    keeps it whole for the filters downstream).

    ``temperature`` scales the scores' log-odds before they are read as probabilities:
    on sites it never saw the model is over-confident, and below 1 it is less so
    (fitted by held-out cross-validation in ``bench/train_boilerplate.py``).

    >>> page_cut([0.9, 0.8, 0.1], [20, 20, 20], 0.6)
    0.8
    >>> page_cut([0.3, 0.2, 0.05], [20, 20, 20], 0.6)  # all doubtful: keep the likeliest
    0.2
    """
    p = np.asarray(scores, dtype=np.float64)
    if p.size == 0:
        return 0.0
    order = np.argsort(-p, kind="stable")
    p = p[order]
    w = np.asarray(words, dtype=np.float64)[order] + 0.5
    q = p
    if temperature != 1.0:
        logit = np.log(np.clip(p, 1e-9, None)) - np.log(np.clip(1.0 - p, 1e-9, None))
        q = _sigmoid(temperature * logit)
    hits = np.cumsum(w * q)
    if hits[-1] <= 0.0:
        return float("inf")  # nothing looks like content: every line goes
    gain = precision_weight * hits / np.cumsum(w) + (1.0 - precision_weight) * hits / hits[-1]
    return max(float(p[int(np.argmax(gain))]), MIN_KEEP)


@cache
def model_digest() -> str:
    """A short sha256 of the shipped model files ("none" without them): output depends
    on them as on the config, so a changed model makes the next incremental run a rebuild."""
    digest = hashlib.sha256()
    found = False
    for path in (MODEL_PATH, HTML_MODEL_PATH):
        if path.is_file():
            digest.update(path.read_bytes())
            found = True
    return digest.hexdigest()[:16] if found else "none"


class LineModel:
    """Two stages of trees: line features, then the same plus the neighbours' scores.

    A model with ``hints`` (the HTML model) reads, after the text columns, what the
    markup said of each line (``Page.hints``, the columns named by
    :data:`cleaner.html.flatten.MODEL_HINTS`).
    """

    def __init__(self, data: dict[str, Any] | None) -> None:
        self.stages: list[tuple[float, Trees]] = []
        self.hints = False  # whether the columns end with the markup's hints
        self.precision_weight = 0.5  # page_cut's balance of precision against recall
        self.temperature = 1.0  # page_cut's scale of the scores' log-odds
        self.vocab: dict[str, float] = {}
        self.table = LineTable(ROW_WIDTH, self._line_row)  # lines' columns, with this vocab
        if data is None:
            return
        if list(data["features"]) != NAMES or list(data["smooth"]) != SMOOTH:
            raise ValueError("boilerplate model features differ from the code; retrain it")
        if "precision_weight" not in data:  # a model of 0.1.0 had one fixed threshold
            raise ValueError("boilerplate model has no precision_weight; retrain it")
        self.precision_weight = float(data["precision_weight"])
        self.temperature = float(data.get("temperature", 1.0))
        # + 0.0: a -0.0 becomes 0.0, so that the min and max of a line's words come out
        # the same whatever order a set gives them in (-0.0 == 0.0 ties otherwise)
        self.vocab = {str(k): float(v) + 0.0 for k, v in data["vocab"].items()}
        if "hints" in data:
            if list(data["hints"]) != list(MODEL_HINTS):
                raise ValueError("boilerplate HTML model hints differ from the code; retrain it")
            self.hints = True
        for stage in data["stages"]:
            self.stages.append((float(stage["base"]), Trees(stage["trees"])))

    def _line_row(self, text: str) -> tuple[float, ...]:
        return line_row(text, self.vocab)

    @classmethod
    @cache
    def default(cls) -> LineModel:
        """The model shipped in ``cleaner/data`` (loaded once)."""
        if not MODEL_PATH.is_file():
            return cls(None)
        return cls(json.loads(MODEL_PATH.read_text(encoding="utf-8")))

    @classmethod
    @cache
    def html_default(cls) -> LineModel:
        """The HTML model shipped in ``cleaner/data`` (loaded once); the text model
        when there is none."""
        if not HTML_MODEL_PATH.is_file():
            return cls.default()
        return cls(json.loads(HTML_MODEL_PATH.read_text(encoding="utf-8")))

    def scores(self, page: Page, wanted: Collection[int] | None = None) -> dict[int, float]:
        """Keep probability for every non-blank line of ``page``, by line index; the
        main span the last stage read is left in ``page.span``.

        ``wanted``: the only lines whose score the caller reads (None: all). The
        earlier stages still score every line, since the next stage reads each line's
        neighbours; the last one scores only these. Rows are scored independently, so
        a line's score is the same either way.
        """
        idx, x = line_features(page, self.vocab, self.table)
        if not self.stages or not idx:
            return dict.fromkeys(idx, 1.0)
        if self.hints:
            x = np.hstack([x, hint_columns(page, idx)])
        base, trees = self.stages[0]
        p = _sigmoid(base + trees.raw(x))
        if len(self.stages) == 1:
            return dict(zip(idx, p.tolist(), strict=True))
        both = np.empty((len(idx), x.shape[1] + len(SMOOTH)))  # x, then the smooth columns
        both[:, : x.shape[1]] = x
        in_span = x.shape[1] + SMOOTH.index("in_span")
        for k, (base, trees) in enumerate(self.stages[1:], start=2):
            both[:, x.shape[1] :] = smooth_features(page, idx, p)
            inside = np.flatnonzero(both[:, in_span])
            page.span = (idx[inside[0]], idx[inside[-1]]) if inside.size else None
            if k == len(self.stages) and wanted is not None:
                rows = [r for r, i in enumerate(idx) if i in wanted]
                last = _sigmoid(base + trees.raw(both[rows]))
                return dict(zip([idx[r] for r in rows], last.tolist(), strict=True))
            p = _sigmoid(base + trees.raw(both))
        return dict(zip(idx, p.tolist(), strict=True))

    def cut(self, scores: Sequence[float], words: Sequence[int]) -> float:
        """This page's keep threshold: :func:`page_cut` with the model's weight."""
        return page_cut(scores, words, self.precision_weight, self.temperature)


def hint_columns(page: Page, idx: Sequence[int]) -> npt.NDArray[np.float64]:
    """The markup's hints of lines ``idx`` that the HTML model reads (``MODEL_HINTS``), as
    columns (``NEUTRAL`` where a line has none)."""
    hints = page.hints or []
    rows = [(hints[i] if i < len(hints) else None) or NEUTRAL for i in idx]
    x = np.asarray(rows, dtype=np.float64).reshape(len(idx), len(HINTS))
    return x[:, _MODEL_COLUMNS]


_MODEL_COLUMNS = [HINTS.index(name) for name in MODEL_HINTS]


def protected_headings(page: Page) -> set[int]:
    """Short kept lines with a paragraph on both sides: section headings, which stay."""
    kept = [i for i in page.nonempty() if page.kept(i)]
    texts = [page.text_of(i) for i in kept]
    body = [is_body(text) for text in texts]  # once a line, not once per neighbour
    return {
        kept[k]
        for k in range(1, len(kept) - 1)
        if body[k - 1] and body[k + 1] and is_heading_like(texts[k]) and len(texts[k].split()) <= 12
    }


_BYLINE_RULES = frozenset({"byline", "date-line", "metadata"})


def protected_standfirst(page: Page) -> int | None:
    """The standfirst: a paragraph between the headline and the byline or date, which stays.

    News and magazine pages print a one-paragraph summary under the headline and above
    the byline or date line ("title, standfirst, byline"). It reads like the lead and
    belongs to the article, but on its own the line model doubts it (it sits in the
    page head, among furniture). Only this layout counts: the line right after the
    line taken as ``title``, reading as a paragraph, with a ``byline``, ``date-line`` or
    ``metadata`` line among the next two lines. On boilerplate-dev 4 of the 6 lines in
    this layout are in the gold (of every paragraph right after the title, 18 of 41).
    It is found in the first pass only, where the title is: in the later passes (and
    when clean output is cleaned again) it is the text's first line, over the body,
    and the model judges it as it judges a lead.
    """
    lines = page.nonempty()
    titles = [k for k, i in enumerate(lines) if page.rule[i] == "title"]
    if not titles or titles[-1] + 1 >= len(lines):
        return None
    i = lines[titles[-1] + 1]
    after = lines[titles[-1] + 2 : titles[-1] + 4]
    if (
        page.kept(i)
        and is_body(page.text_of(i))
        and any(page.rule[j] in _BYLINE_RULES for j in after)
    ):
        return i
    return None

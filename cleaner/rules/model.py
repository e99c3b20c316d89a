"""The learned line model: boosted trees over :mod:`cleaner.rules.features`, in numpy.

Two tree ensembles are trained offline by ``bench/train_boilerplate.py`` and stored as plain
arrays in ``cleaner/data/boilerplate_model.json``; scoring needs only numpy. A line
whose keep probability is below ``threshold`` is removed as ``low-content``. Without
the data file every line scores 1.0, so the named rules still work alone.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.rules.context import Page, is_body, is_heading_like
from cleaner.rules.features import NAMES, SMOOTH, line_features, smooth_features

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "boilerplate_model.json"


class Trees:
    """A boosted tree ensemble flattened into arrays, scored for all trees at once."""

    def __init__(self, trees: list[dict[str, list[Any]]]) -> None:
        offsets, roots, total = [], [], 0
        for tree in trees:
            offsets.append(total)
            roots.append(total)
            total += len(tree["feature"])

        def cat(key: str) -> list[Any]:
            return [v for t in trees for v in t[key]]

        shift = [o for o, t in zip(offsets, trees, strict=True) for _ in t["left"]]
        feature = np.asarray(cat("feature"), dtype=np.int64)
        threshold = np.asarray(cat("threshold"), dtype=np.float64)
        left = np.asarray(cat("left"), dtype=np.int64) + np.asarray(shift, dtype=np.int64)
        right = np.asarray(cat("right"), dtype=np.int64) + np.asarray(shift, dtype=np.int64)
        leaf = np.asarray(cat("leaf"), dtype=np.bool_)
        # a leaf points at itself, so every row can take the same number of steps
        here = np.arange(len(leaf), dtype=np.int64)
        self.feature = np.where(leaf, 0, feature)
        self.threshold = np.where(leaf, np.inf, threshold)
        self.left = np.where(leaf, here, left)
        self.right = np.where(leaf, here, right)
        self.value = np.asarray(cat("value"), dtype=np.float64)
        self.roots = np.asarray(roots, dtype=np.int64)
        depth = np.zeros(len(leaf), dtype=np.int64)
        for node in range(len(leaf)):  # children come after their parent in each tree
            if not leaf[node]:
                depth[left[node]] = depth[right[node]] = depth[node] + 1
        self.depth = int(depth.max()) if len(depth) else 0

    def raw(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The sum of leaf values over all trees, for every row of ``x``."""
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


def _sigmoid(raw: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-raw)), dtype=np.float64)


class LineModel:
    """Two stages of trees: line features, then the same plus the neighbours' scores."""

    def __init__(self, data: dict[str, Any] | None) -> None:
        self.stages: list[tuple[float, Trees]] = []
        self.threshold = 0.0
        self.vocab: dict[str, float] = {}
        self.lex_cache: dict[str, tuple[float, float, float, float]] = {}  # per vocab
        if data is None:
            return
        if list(data["features"]) != NAMES or list(data["smooth"]) != SMOOTH:
            raise ValueError("boilerplate model features differ from the code; retrain it")
        self.threshold = float(data["threshold"])
        self.vocab = {str(k): float(v) for k, v in data["vocab"].items()}
        for stage in data["stages"]:
            self.stages.append((float(stage["base"]), Trees(stage["trees"])))

    @classmethod
    @cache
    def default(cls) -> LineModel:
        """The model shipped in ``cleaner/data`` (loaded once)."""
        if not MODEL_PATH.is_file():
            return cls(None)
        return cls(json.loads(MODEL_PATH.read_text(encoding="utf-8")))

    def scores(self, page: Page) -> dict[int, float]:
        """Keep probability for every non-blank line of ``page``, by line index."""
        idx, x = line_features(page, self.vocab, self.lex_cache)
        if not self.stages or not idx:
            return dict.fromkeys(idx, 1.0)
        base, trees = self.stages[0]
        p = _sigmoid(base + trees.raw(x))
        for base, trees in self.stages[1:]:
            p = _sigmoid(base + trees.raw(np.hstack([x, smooth_features(page, idx, p)])))
        return dict(zip(idx, p.tolist(), strict=True))


def protected_headings(page: Page) -> set[int]:
    """Short kept lines with a paragraph on both sides: section headings, which stay."""
    kept = [i for i in page.nonempty() if page.kept(i)]
    out: set[int] = set()
    for a, i, b in zip(kept, kept[1:], kept[2:], strict=False):
        text = page.text_of(i)
        if (
            is_heading_like(text)
            and len(text.split()) <= 12
            and is_body(page.text_of(a))
            and is_body(page.text_of(b))
        ):
            out.add(i)
    return out

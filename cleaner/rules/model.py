"""The learned line model: boosted trees over :mod:`cleaner.rules.features`, in numpy.

The trees are trained offline by ``bench/train_boilerplate.py`` and stored as plain
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
from cleaner.rules.features import NAMES, line_features

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "boilerplate_model.json"


class LineModel:
    """A boosted tree ensemble: raw score = base + sum of leaf values; p = sigmoid(raw)."""

    def __init__(self, data: dict[str, Any] | None) -> None:
        self.trees: list[dict[str, npt.NDArray[Any]]] = []
        self.base = 0.0
        self.threshold = 0.0
        if data is None:
            return
        if list(data["features"]) != NAMES:
            raise ValueError("boilerplate model features differ from the code; retrain it")
        self.base = float(data["base"])
        self.threshold = float(data["threshold"])
        for tree in data["trees"]:
            self.trees.append(
                {
                    "feature": np.asarray(tree["feature"], dtype=np.int64),
                    "threshold": np.asarray(tree["threshold"], dtype=np.float64),
                    "left": np.asarray(tree["left"], dtype=np.int64),
                    "right": np.asarray(tree["right"], dtype=np.int64),
                    "value": np.asarray(tree["value"], dtype=np.float64),
                    "leaf": np.asarray(tree["leaf"], dtype=bool),
                }
            )

    @classmethod
    @cache
    def default(cls) -> LineModel:
        """The model shipped in ``cleaner/data`` (loaded once)."""
        if not MODEL_PATH.is_file():
            return cls(None)
        return cls(json.loads(MODEL_PATH.read_text(encoding="utf-8")))

    def predict(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Keep probabilities for the rows of ``x``."""
        if not self.trees:
            return np.ones(len(x))
        raw = np.full(len(x), self.base)
        rows = np.arange(len(x))
        for t in self.trees:
            node = np.zeros(len(x), dtype=np.int64)
            while True:
                live = ~t["leaf"][node]
                if not live.any():
                    break
                go_left = x[rows, t["feature"][node]] <= t["threshold"][node]
                nxt = np.where(go_left, t["left"][node], t["right"][node])
                node = np.where(live, nxt, node)
            raw += t["value"][node]
        return np.asarray(1.0 / (1.0 + np.exp(-raw)), dtype=np.float64)

    def scores(self, page: Page) -> dict[int, float]:
        """Keep probability for every non-blank line of ``page``, by line index."""
        idx, x = line_features(page)
        if not self.trees:
            return dict.fromkeys(idx, 1.0)
        return dict(zip(idx, self.predict(x).tolist(), strict=True))


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

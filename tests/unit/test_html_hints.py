"""The flattening's hints cost work in elements plus lines, and keep their numbers.

``_reference_hints`` is the plain way to count them: each line walks all its ancestors.
Its numbers are the ones to keep; its cost (lines times depth) is the one not to have.
It counts on its own and lays the counts out in rows as the shipped code does.
"""

from __future__ import annotations

import importlib
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from cleaner.html.flatten import _NOT_MAIN, _PROSE, _Frame, _Lines, _rows, flatten

# the module (the package's name ``flatten`` is the function)
flatten_module = importlib.import_module("cleaner.html.flatten")


def _reference_hints(out: _Lines, root: _Frame) -> tuple[tuple[float, ...] | None, ...]:
    for line, frame, links in zip(out.lines, out.frames, out.links, strict=True):
        prose = len(line) if _PROSE.search(line) and line.count(" ") >= 8 else 0
        if frame is not None and frame.regions & _NOT_MAIN:
            prose = 0
        f = frame
        while f is not None:
            f.chars += len(line)
            f.links += links
            f.prose += prose
            f = f.parent
    total = max(root.chars, 1)
    main, best = root, float("-inf")
    seen: set[int] = set()
    for frame in out.frames:
        f = frame
        while f is not None and id(f) not in seen:
            seen.add(id(f))
            score = f.prose - 0.5 * (f.chars - f.prose)
            if not f.regions & _NOT_MAIN and (
                score > best or (score == best and f.depth > main.depth)
            ):
                main, best = f, score
            f = f.parent
    main_share = main.prose / max(root.prose, 1)
    inside: list[bool] = []
    parents: list[_Frame | None] = []
    lines_in: dict[int, int] = {}
    for frame in out.frames:
        up: _Frame | None = frame
        while up is not None and up is not main:
            up = up.parent
        inside.append(up is not None)
        if frame is None:
            parents.append(None)
            continue
        block = frame
        while not block.block and block.parent is not None:
            block = block.parent
        container = block.parent or block
        parents.append(container)
        lines_in[id(container)] = lines_in.get(id(container), 0) + 1
    return _rows(out, inside, parents, lines_in, main_share, total)  # the row, as shipped


_TAGS = (
    "div", "div", "span", "span", "b", "a", "p", "li", "ul", "section", "nav", "footer",
    "aside", "article", "main", "header", "td", "h2", "blockquote", "pre", "form", "em",
)  # fmt: skip
_ATTRS = ("", "", "", ' class="content"', ' class="sidebar"', ' id="comments"', " hidden")
_WORDS = ("the", "council", "met", "on", "monday", "and", "voted", "to", "close", "old", "bridge",
          "home", "news", "share")  # fmt: skip


def _random_page(rng: random.Random) -> str:
    parts: list[str] = []

    def grow(depth: int) -> None:
        for _ in range(rng.randint(0, 4 if depth < 6 else 1)):
            if rng.random() < 0.45 or depth > 9:
                words = rng.choices(_WORDS, k=rng.choice((1, 2, 3, 10, 14)))
                parts.append(" ".join(words) + rng.choice(("", ".", ". ", "|")))
                if rng.random() < 0.3:
                    parts.append("<br>")
                continue
            tag = rng.choice(_TAGS)
            parts.append(f"<{tag}{rng.choice(_ATTRS)}>")
            grow(depth + 1)
            parts.append(f"</{tag}>")

    if rng.random() < 0.5:
        parts.append("<title>A page</title>")
    grow(0)
    return "".join(parts)


@pytest.mark.parametrize("seed", range(300))
def test_the_hints_are_the_reference_numbers_on_random_pages(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = _random_page(random.Random(seed))
    got = flatten(LexborHTMLParser(html))
    monkeypatch.setattr(flatten_module, "_hints", _reference_hints)
    want = flatten(LexborHTMLParser(html))
    assert got == want


@contextmanager
def _counting_lines(limit: int) -> Iterator[list[int]]:
    """Count the lines the flattening module runs; past ``limit``, stop it with an error."""
    source = str(Path(flatten_module.__file__))
    count = [0]

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            count[0] += 1
            if count[0] > limit:
                raise AssertionError(f"the flattening ran more than {limit} lines")
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == source else None

    before = sys.gettrace()
    sys.settrace(calls)
    try:
        yield count
    finally:
        sys.settrace(before)


def test_a_deep_page_with_many_lines_flattens_in_work_of_elements_plus_lines() -> None:
    # 2,000 nested div around 2,000 lines: counted on every ancestor, that is millions
    # of steps (some 20 million lines run); once per element and line, some 60 a piece
    depth, lines = 2000, 2000
    tree = LexborHTMLParser("<div>" * depth + "a line of text<br>" * lines + "</div>" * depth)
    nodes = depth + 2 * lines
    with _counting_lines(limit=200 * (nodes + lines)) as count:
        flat = flatten(tree)
    assert flat.text.split("\n") == ["a line of text"] * lines
    assert count[0] > nodes  # the count saw the walk

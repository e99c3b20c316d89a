"""Compare HTML parsers under cleaner's flattening: lexbor (selectolax) against lxml.

Both parse every dev page (decoded once, as ``parse_html`` decodes it) and the same
flattening (:func:`cleaner.html.flatten.flatten`) walks each tree, lxml's through a
small adapter that gives its elements the node interface the flattening reads. For
each parser it prints the CPU-seconds to parse, to parse and flatten, how much of the
gold text the flattened page still holds (token recall: what the boilerplate stage can
keep at best), and the boilerplate-dev F1 of the HTML path on it (the HTML line model
reads the hints; the model was trained on lexbor's flattening of these pages, so this
row is in-sample and favours lexbor a little).

    python bench/bench_parsers.py [--bench ../shared/bench]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import itertools
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.html.encoding import page_text  # noqa: E402
from cleaner.html.flatten import TITLE, Flat, flatten  # noqa: E402
from cleaner.stages.boilerplate import strip_boilerplate  # noqa: E402

TOKEN = re.compile(r"\w+")


class _Text:
    """A text node, as selectolax shows one."""

    tag = "-text"
    child = None

    def __init__(self, text: str) -> None:
        self.text_content = text
        self.next: Any = None


class _Element:
    """An lxml element with selectolax's node interface: tag, attributes, child, next."""

    def __init__(self, el: Any) -> None:
        self.el = el
        tag = el.tag
        self.tag = tag.lower() if isinstance(tag, str) else "-comment"
        self.attributes: dict[str, str] = {}
        if isinstance(tag, str):
            # libxml2 keeps attributes with names it cannot give back
            with contextlib.suppress(ValueError):
                self.attributes = dict(el.attrib)
        self.next: Any = None
        self._child: Any = False

    @property
    def child(self) -> Any:
        if self._child is False:
            kids: list[Any] = []
            if self.el.text and isinstance(self.el.tag, str):
                kids.append(_Text(self.el.text))
            for sub in self.el:
                kids.append(_Element(sub))
                if sub.tail:
                    kids.append(_Text(sub.tail))
            for a, b in itertools.pairwise(kids):
                a.next = b
            self._child = kids[0] if kids else None
        return self._child

    def text(self, deep: bool = True) -> str:
        return str(self.el.text_content())


class _LxmlTree:
    def __init__(self, root: Any) -> None:
        self.root = root
        body = root.find("body")
        self.body = _Element(body) if body is not None else _Element(root)

    def css_first(self, selector: str) -> _Element | None:
        if selector == TITLE:  # the page's own <title>, not an svg's or a formula's
            found = next(
                iter(self.root.xpath(".//title[not(ancestor::svg or ancestor::math)]")), None
            )
        else:  # a bare tag name: all flatten asks for besides
            found = self.root.find(f".//{selector}")
        return None if found is None else _Element(found)


def lexbor(text: str) -> Any:
    from selectolax.lexbor import LexborHTMLParser

    return LexborHTMLParser(text)


def lxml(text: str) -> Any:
    import lxml.html

    return _LxmlTree(lxml.html.document_fromstring(text))


def run(parse: Callable[[str], Any], texts: list[str]) -> tuple[float, float, list[Flat]]:
    start = time.process_time()
    for t in texts:
        parse(t)
    parsed = time.process_time() - start
    start = time.process_time()
    flats = [flatten(parse(t)) for t in texts]
    return parsed, time.process_time() - start, flats


def scores(pred: str, gold: str) -> tuple[float | None, float]:
    """Token precision (None for an empty prediction, as the shared scorer leaves it out
    of the mean) and recall, over \\w+ tokens."""
    p, g = Counter(TOKEN.findall(pred)), Counter(TOKEN.findall(gold))
    tp = sum((p & g).values())
    return (tp / sum(p.values()) if p else None), tp / max(sum(g.values()), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench")
    args = ap.parse_args()
    folder = args.bench / "boilerplate-dev"
    ids = [json.loads(line)["id"] for line in (folder / "meta.jsonl").open(encoding="utf-8")]
    texts = []
    for pid in ids:
        decoded = page_text(gzip.decompress((folder / "html" / f"{pid}.html.gz").read_bytes()))
        texts.append(decoded.text or "")
    golds = [(folder / "gold" / f"{pid}.txt").read_text(encoding="utf-8") for pid in ids]
    print(f"{len(ids)} pages")
    print("parser   parse CPU-s  parse+flatten CPU-s  gold recall of page  F1 / P / R")
    for name, parse in (("lexbor", lexbor), ("lxml", lxml)):
        parsed, flattened, flats = run(parse, texts)
        recall = sum(scores(f.text, g)[1] for f, g in zip(flats, golds, strict=True)) / len(ids)
        ps, rs = [], []
        for f, g in zip(flats, golds, strict=True):
            p, r = scores(strip_boilerplate(f.text, hints=f.hints).text, g)
            if p is not None:
                ps.append(p)
            rs.append(r)
        mp, mr = sum(ps) / len(ps), sum(rs) / len(rs)
        f1 = 2 * mp * mr / (mp + mr)
        print(
            f"{name:8} {parsed:11.2f}  {flattened:19.2f}  {recall:19.3f}  "
            f"{f1:.3f} / {mp:.3f} / {mr:.3f}"
        )


if __name__ == "__main__":
    main()

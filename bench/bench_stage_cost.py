"""Where the boilerplate stage's CPU goes, on real text.

Runs ``strip_boilerplate`` over every document of a JSONL folder in this one process
and times its parts apart (``time.process_time`` around each call): the named rules
(``prepare_page``), the line features, the tree stages, the neighbour features, the
page cut and the rest. It also counts the passes per document and the lines judged, so
the tree cost comes out per line and pass.

    python bench/bench_scale.py --mb 10 --jobs datasketch   # builds bench/data/real-10mb
    python bench/bench_stage_cost.py [bench/data/real-10mb/jsonl]

The timers add a few microseconds per call (a few hundred calls per page), not per line.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cleaner.rules.model as model_module  # noqa: E402
import cleaner.stages.boilerplate as stage_module  # noqa: E402

SPENT: Counter[str] = Counter()


def timed(part: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func``, its CPU added to ``SPENT[part]``; a call inside another of the same
    part (the tree scorer splits big pages and calls itself) is counted once."""
    depth = 0

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal depth
        depth += 1
        start = time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            depth -= 1
            if depth == 0:
                SPENT[part] += time.process_time() - start

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "bench/data/real-10mb/jsonl")
    args = parser.parse_args()
    texts = [
        json.loads(line)["text"]
        for path in sorted(args.folder.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    if not texts:
        parser.error(
            f"no JSONL documents in {args.folder}; build the sample with "
            "python bench/bench_scale.py --mb 10 --jobs datasketch"
        )
    stage_module.strip_boilerplate(texts[0])  # load the model outside the timers
    judged = Counter()  # passes, lines

    def count(func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(text: str, *args: Any, **kwargs: Any) -> Any:
            page = func(text, *args, **kwargs)
            judged["passes"] += 1
            judged["lines"] += len(page.nonempty())
            return page

        return wrapper

    stage_module._judge = count(stage_module._judge)
    stage_module.prepare_page = timed("named rules", stage_module.prepare_page)
    model_module.line_features = timed("line features", model_module.line_features)
    model_module.smooth_features = timed("neighbour features", model_module.smooth_features)
    model_module.Trees.raw = timed("tree stages", model_module.Trees.raw)  # type: ignore[method-assign]
    model_module.page_cut = timed("page cut", model_module.page_cut)
    stage_module._render = timed("rendering", stage_module._render)
    start = time.process_time()
    for text in texts:
        stage_module.strip_boilerplate(text)
    total = time.process_time() - start
    lines = sum(1 for t in texts for line in t.split("\n") if line.strip())
    print(
        f"{len(texts)} documents, {lines} non-blank lines, {sum(map(len, texts)) / 1e6:.1f} M chars"
    )
    print(
        f"{judged['passes']} passes ({judged['passes'] / len(texts):.2f} per document), "
        f"{judged['lines']} line judgements ({judged['lines'] / lines:.2f} per line)"
    )
    print("\n| part | CPU-s | µs per line judged |\n|---|---|---|")
    rest = total - sum(SPENT.values())
    for part, spent in [*SPENT.most_common(), ("the rest", rest), ("the stage", total)]:
        print(f"| {part} | {spent:.2f} | {spent / judged['lines'] * 1e6:.1f} |")


if __name__ == "__main__":
    main()

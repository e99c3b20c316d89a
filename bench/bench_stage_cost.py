"""Where the boilerplate stage's CPU goes, on real text.

Runs ``strip_boilerplate`` over every document of a JSONL folder in this one process
and times its parts apart (``time.process_time`` around each call): the named rules
(``prepare_page``), the line features, the tree stages, the neighbour features, the
page cut and the rest. It also counts the passes per document and the lines judged, so
the tree cost comes out per line and pass.

    python bench/bench_scale.py --mb 10 --jobs datasketch   # builds bench/data/real-10mb
    python bench/bench_stage_cost.py [bench/data/real-10mb/jsonl]

The timers add a few microseconds per call (a few hundred calls per page), not per line.

``--families`` prints instead what each phrase family costs in the chain of
:func:`~cleaner.rules.patterns.find_line_rule` over the sample's distinct lines (the
rules' cache asks it once per distinct line): the family's test timed alone on the lines
that reach it (within its word limit, no earlier rule taken), best of ``--repeat`` runs.
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
    parser.add_argument("--families", action="store_true", help="each phrase family's cost")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each, with --families")
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
    if args.families:
        family_costs(texts, args.repeat)
        return
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


def family_costs(texts: list[str], repeat: int) -> None:
    """Each phrase family's CPU in the chain of ``find_line_rule`` over the distinct
    lines of ``texts``: its test timed alone on the lines that reach it in the chain
    (within its word limit, no earlier rule taken), best of ``repeat`` runs."""
    from cleaner.rules import patterns

    lines = sorted({line.strip() for t in texts for line in t.split("\n")} - {""})
    chain = list(patterns._COMPILED)

    class Reached:  # the family's pattern, noting each line it is tried on
        def __init__(self, pattern: Any) -> None:
            self.pattern, self.lines = pattern, []

        def match(self, text: str) -> Any:
            self.lines.append(text)
            return self.pattern.match(text)

    noted = [Reached(pat) for _, pat, *_ in chain]
    patterns._COMPILED[:] = [(c[0], r, *c[2:]) for c, r in zip(chain, noted, strict=True)]
    try:
        for line in lines:
            patterns.find_line_rule(line)
    finally:
        patterns._COMPILED[:] = chain
    whole = min(_timed(lambda: [patterns.find_line_rule(x) for x in lines]) for _ in range(repeat))
    print(f"{len(lines)} distinct lines; find_line_rule over them {whole:.3f} CPU-s")
    print("\n| family | lines tried | CPU-s | µs per line tried |\n|---|---|---|---|")
    rows = []
    for (rule, pat, _, anywhere), reached in zip(chain, noted, strict=True):
        tried = [(x, patterns.scan_text(x)) for x in reached.lines]

        def test(pat: Any = pat, anywhere: Any = anywhere, tried: Any = tried) -> None:
            for x, low in tried:
                pat.match(x) or (anywhere is not None and anywhere.search_lowered(x, low))

        rows.append((min(_timed(test) for _ in range(repeat)), rule, len(tried)))
    for spent, rule, n in sorted(rows, reverse=True):
        print(f"| {rule} | {n} | {spent:.3f} | {spent / max(n, 1) * 1e6:.2f} |")


def _timed(func: Callable[[], Any]) -> float:
    start = time.process_time()
    func()
    return time.process_time() - start


if __name__ == "__main__":
    main()

"""How often each quality rule's keep/drop decision agrees with datatrove's.

For each rule of gopher-quality, gopher-repetition, c4-quality and fineweb-quality, the
rule runs alone (the filter's other tests skipped) in cleaner and in datatrove (its
filter with only that test's threshold set), on the same texts: the gold main text of
boilerplate-dev's pages, dedup-dev's news documents, and the raw pages of
boilerplate-dev and pydocs-dev (real pages with their menus and footers). It prints,
per rule and set, the share of documents on which both decide alike, how many each
drops, and the CPU seconds each side took; ``--show RULE`` prints the documents on
which they differ.

    python bench/bench_filters.py [--bench PATH] [--show RULE] [--json OUT]

Needs the ``bench`` extra (datatrove, spacy).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.document import Document  # noqa: E402
from cleaner.names import QualityRule  # noqa: E402
from tests.filter_reference import ours, reference  # noqa: E402


def texts(bench: Path) -> dict[str, list[tuple[str, str]]]:
    """(id, text) of each set."""
    bp, py = bench / "boilerplate-dev", bench / "pydocs-dev"
    sets = {
        "boilerplate-dev gold": sorted(bp.glob("gold/*.txt")),
        "boilerplate-dev raw": sorted(bp.glob("raw/*.txt")),
        "pydocs-dev raw": sorted(py.glob("raw/*.txt")),
    }
    out = {k: [(p.stem, p.read_text(encoding="utf-8")) for p in v] for k, v in sets.items()}
    with (bench / "dedup-dev" / "docs.jsonl").open(encoding="utf-8") as f:
        out["dedup-dev"] = [(str(r["id"]), r["text"]) for r in map(json.loads, f)]
    return out


def compare(
    docs: list[tuple[str, str]],
) -> Iterator[tuple[QualityRule, str, str | None, str | None, float, float]]:
    """(rule, doc id, datatrove's rule, cleaner's rule, datatrove CPU, cleaner CPU)."""
    groups = [
        (decide, mapping, ours(name, set(mapping.values())))
        for name, decide, mapping in reference()
    ]
    for doc_id, text in docs:
        for decide, mapping, mine in groups:
            t0 = time.process_time()
            try:
                theirs = decide(text)
            except ZeroDivisionError:  # datatrove on a text of no words: not comparable
                continue
            t1 = time.process_time()
            failure = next(mine.failures(Document(doc_id, "bench", text)), None)
            t2 = time.process_time()
            their_rule = None if theirs is None else mapping.get(theirs)
            my_rule = None if failure is None else failure.rule
            for rule in dict.fromkeys(mapping.values()):
                yield rule, doc_id, their_rule, my_rule, t1 - t0, t2 - t1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--show", help="print the documents a RULE's two sides differ on")
    parser.add_argument("--json", type=Path, help="write the table as JSON to this file")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # numpy's mean of no words in datatrove
    table: dict[str, dict[str, dict[str, float]]] = {}
    for set_name, docs in texts(args.bench).items():
        for rule, doc_id, theirs, mine, t_dt, t_ours in compare(docs):
            row = table.setdefault(rule, {}).setdefault(
                set_name, {"docs": 0, "agree": 0, "datatrove": 0, "cleaner": 0}
            )
            drop_dt, drop_ours = theirs == rule, mine == rule
            row["docs"] += 1
            row["agree"] += drop_dt == drop_ours
            row["datatrove"] += drop_dt
            row["cleaner"] += drop_ours
            cpu = table.setdefault("_cpu", {}).setdefault(set_name, {"datatrove": 0, "cleaner": 0})
            cpu["datatrove"] += t_dt
            cpu["cleaner"] += t_ours
            if args.show == rule and drop_dt != drop_ours:
                print(f"  {set_name} {doc_id}: datatrove {drop_dt}, cleaner {drop_ours}")
    sets = list(next(iter(table.values())))
    print("rule | " + " | ".join(sets))
    for rule, by_set in table.items():
        if rule == "_cpu":
            continue
        cells = [
            f"{r['agree'] / r['docs']:.4f} ({r['datatrove']:.0f}/{r['cleaner']:.0f})"
            for r in (by_set[s] for s in sets)
        ]
        print(f"{rule} | " + " | ".join(cells))
    print("CPU s (datatrove/cleaner) | " + " | ".join(
        f"{table['_cpu'][s]['datatrove']:.1f}/{table['_cpu'][s]['cleaner']:.1f}" for s in sets
    ))  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(table, indent=1, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    main()

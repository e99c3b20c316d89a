"""Near-duplicate removal where copies pile up: every way in, counted over every process.

    python bench/bench_copies.py [--dedup-dev ../shared/bench/dedup-dev] [--docs 2000]

Corpora built from one real news story of dedup-dev (the document nearest 1,900
characters) and word lists, each a JSONL file of ``--docs`` documents:

* ``near``: near copies of the story, two words changed in each (every pair a near
  duplicate; one copy stays);
* ``template``: pages that share 300 words and have 60 of their own (Jaccard about 0.7:
  every pair a candidate, none a near copy, so every pair must be verified);
* ``preamble``: pages that share a 500-word preamble and have 500 words of their own
  (Jaccard 0.33: candidates through the containment bands).

For each: a full build (``cleaner run IN OUT --workers 1``), a stream
(``cleaner run - -``), an incremental run that adds the last twentieth of the pages,
one that removes half of them, and ``cleaner check`` of 50 pages against the rest. CPU
is perf's task-clock over the process tree (``bench_scale.run_measured``). Each
incremental run's corpus and audit are compared with a full build of the same input
(``same as rebuild``).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench_scale import run_measured

ROOT = Path(__file__).resolve().parent.parent
CLEANER = [sys.executable, "-m", "cleaner"]


def story(dedup_dev: Path) -> str:
    with (dedup_dev / "docs.jsonl").open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    return str(min(texts, key=lambda t: abs(len(t) - 1900)))


def near(text: str, n: int, rng: random.Random) -> list[str]:
    words = text.split(" ")
    out = []
    for i in range(n):
        copy = list(words)
        for _ in range(2):
            copy[rng.randrange(len(copy))] = f"x{i}"
        out.append(" ".join(copy))
    return out


def shared(common: int, own: int) -> Callable[[str, int, random.Random], list[str]]:
    def make(_: str, n: int, rng: random.Random) -> list[str]:
        vocab = [f"w{i}" for i in range(20000)]
        body = " ".join(rng.choice(vocab) for _ in range(common))
        return [
            f"Item {i} is described here.\n\n{body} "
            + " ".join(rng.choice(vocab) for _ in range(own))
            + "."
            for i in range(n)
        ]

    return make


KINDS = {"near": near, "template": shared(300, 60), "preamble": shared(500, 500)}


def write(path: Path, texts: list[str], start: int = 0) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i, t in enumerate(texts, start):
            f.write(json.dumps({"id": str(i), "text": t}) + "\n")


def cpu(cmd: list[str], stdin: Path | None = None, problems: bool = False) -> float:
    """CPU-s of ``cmd``; ``stdin``: a file the shell feeds it (a stream), ``problems``:
    exit 1 (a check that found duplicates) counts as done."""
    line = " ".join(map(shlex.quote, cmd))
    if stdin is not None:
        line += f" < {shlex.quote(str(stdin))} > /dev/null"
    if problems:
        line += " > /dev/null; test $? -le 1"
    return float(run_measured(["sh", "-c", line], dict(os.environ))["cpu_s"])


def same(a: Path, b: Path) -> bool:
    return all(filecmp.cmp(a / f, b / f, shallow=False) for f in ("corpus.jsonl", "audit.jsonl"))


def bench(kind: str, texts: list[str], work: Path) -> None:
    run = [*CLEANER, "run", "-q", "--workers", "1"]
    raw, out, full = work / "raw", work / "out", work / "full"
    raw.mkdir()
    half = len(texts) // 2
    write(raw / "a.jsonl", texts[:half])
    write(raw / "b.jsonl", texts[half:])
    row = {"full build": cpu([*run, str(raw), str(out)])}
    write(work / "all.jsonl", texts)
    row["stream"] = cpu([*CLEANER, "run", "-q", "-", "-"], stdin=work / "all.jsonl")
    pages = work / "pages"
    pages.mkdir()
    for i, t in enumerate(texts[:50]):
        (pages / f"p{i}.txt").write_text(t, encoding="utf-8")
    files = sorted(map(str, pages.glob("*.txt")))
    row["check 50"] = cpu([*CLEANER, "check", "--corpus", str(out), *files], problems=True)
    # add the last twentieth to a build of the rest
    tail = len(texts) // 20
    shutil.rmtree(out)
    write(raw / "b.jsonl", texts[half:-tail], half)
    cpu([*run, str(raw), str(out)])
    write(raw / "c.jsonl", texts[-tail:], len(texts) - tail)
    row["add 1/20"] = cpu([*run, str(raw), str(out)])
    cpu([*run, str(raw), str(full)])
    checks = [same(out, full)]
    # remove half
    (raw / "a.jsonl").unlink()
    row["remove 1/2"] = cpu([*run, str(raw), str(out)])
    shutil.rmtree(full)
    cpu([*run, str(raw), str(full)])
    checks.append(same(out, full))
    cells = " | ".join(f"{v:.2f}" for v in row.values())
    print(f"| {kind} | {len(texts):,} | {cells} | {all(checks)} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dedup-dev", type=Path, default=ROOT.parent / "shared/bench/dedup-dev")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    text = story(args.dedup_dev)
    print("CPU-s (perf task-clock, every process), 1 worker")
    print(
        "| corpus | documents | full build | stream | check 50 | add 1/20 | remove 1/2 "
        "| same as rebuild |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for kind in args.kinds.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            bench(kind, KINDS[kind](text, args.docs, random.Random(7)), Path(tmp))


if __name__ == "__main__":
    main()

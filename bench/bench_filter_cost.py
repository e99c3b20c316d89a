"""What the filters add to a full run on real text, and what each of them costs.

    python bench/bench_filter_cost.py [--runs 3] [--no-stages]

The input is boilerplate-dev's raw pages and dedup-dev's ``docs.jsonl`` in one folder
(links to them). ``cleaner run IN OUT --workers 2 -q`` runs ``--runs`` times with the
filters off and as often with all of them on (``--languages en``, ``redact-pii`` and the
four quality filters), alternating, each into a new output folder; CPU is counted over
the whole process tree with ``perf stat -e task-clock`` (``bench_scale.run_measured``).
The language model's cache is made before the first run, so no run pays for unpacking.
Then, unless ``--no-stages``, one run in one process (``--workers 1``) times each
filter's ``apply`` with ``time.process_time``, and how many documents reach it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench_scale import run_measured

ROOT = Path(__file__).resolve().parent.parent
FILTERS_ON = [
    "--languages", "en",
    *[arg for name in ("redact-pii", "gopher-repetition", "gopher-quality", "c4-quality",
                       "fineweb-quality") for arg in ("--enable-rule", name)],
]  # fmt: skip


def build_input(bench: Path, folder: Path) -> Path:
    """boilerplate-dev's raw pages and dedup-dev's documents, linked into one folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for page in sorted((bench / "boilerplate-dev" / "raw").iterdir()):
        (folder / page.name).symlink_to(page)
    (folder / "docs.jsonl").symlink_to(bench / "dedup-dev" / "docs.jsonl")
    return folder


def stage_times(args: list[str]) -> None:
    """Run the CLI in this process with each filter's ``apply`` timed; print the times."""
    import cleaner.stages.filters.language_model  # noqa: F401  (loaded as a run preloads it)
    from cleaner.cli import cli
    from cleaner.stages.filters import FILTERS

    spent: Counter[str] = Counter()
    calls: Counter[str] = Counter()

    def timed(name: str, apply):  # type: ignore[no-untyped-def]
        def run(self, doc):  # type: ignore[no-untyped-def]
            start = time.process_time()
            try:
                return apply(self, doc)
            finally:
                spent[name] += time.process_time() - start
                calls[name] += 1

        return run

    for name, stage in FILTERS.items():
        stage.apply = timed(name, stage.apply)  # type: ignore[method-assign]
    try:
        cli.main(args, standalone_mode=False)
    finally:
        for name, seconds in spent.most_common():
            print(f"{name:18s} {seconds:6.2f} CPU-s  {calls[name]:5d} documents")
        print(f"{'all filters':18s} {sum(spent.values()):6.2f} CPU-s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--runs", type=int, default=3, help="runs with the filters off and on")
    parser.add_argument("--no-stages", action="store_true", help="skip the per-filter times")
    parser.add_argument("--stage-times", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage_times is not None:
        stage_times(args.stage_times)
        return
    with tempfile.TemporaryDirectory(prefix="bench-filter-cost-") as tmp:
        work = Path(tmp)
        raw = build_input(args.bench, work / "in")
        env = {**os.environ, "CLEANER_CACHE_DIR": str(work / "cache")}
        python = [sys.executable, "-m", "cleaner"]
        load_model = "import cleaner.stages.filters.language_model"  # makes the cache
        subprocess.run([sys.executable, "-c", load_model], env=env, check=True)
        cpu: dict[str, list[float]] = {"off": [], "on": []}
        for k in range(args.runs):
            for mode, flags in (("off", []), ("on", FILTERS_ON)):
                out = work / f"out-{mode}-{k}"
                run = run_measured(
                    [*python, "run", str(raw), str(out), "--workers", "2", "-q", *flags], env
                )
                cpu[mode].append(run["cpu_s"])
                print(f"run {k + 1} filters {mode:3s} {run['cpu_s']:6.2f} CPU-s "
                      f"({run['cpu_counted_by']})", flush=True)  # fmt: skip
        off, on = statistics.mean(cpu["off"]), statistics.mean(cpu["on"])
        print(f"mean: {off:.2f} CPU-s off, {on:.2f} on: the filters add {on / off - 1:+.1%}")
        if not args.no_stages:
            print("\none process (--workers 1), each filter's apply:", flush=True)
            stage_args = ["run", str(raw), str(work / "stages"), "--workers", "1", "-q"]
            subprocess.run([sys.executable, __file__, "--stage-times", *stage_args, *FILTERS_ON],
                           env=env, check=True)  # fmt: skip


if __name__ == "__main__":
    main()

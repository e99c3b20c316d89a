"""End-to-end throughput and memory of ``cleaner run``, and datatrove on the same job.

    python bench/bench_scale.py                      # 200,000 documents (~900 MB)
    python bench/bench_scale.py --docs 20000         # a quick run
    python bench/bench_scale.py --docs 50000,200000 --no-datatrove   # memory trend

For each size, a corpus is generated once with ``bench/gen_corpus.py`` (kept in
``--data``), then both jobs run as child processes on ``--workers`` cores, one after
the other, in the same invocation, so their ratio is fair on a busy machine:

* **cleaner**: ``python -m cleaner run RAW OUT --workers N`` (repair-text,
  strip-boilerplate, dedup-blocks, near-duplicates at Jaccard 0.8, audit, manifest);
* **datatrove**: ``FTFYFormatter``, ``C4QualityFilter`` as a line filter (its
  document-dropping rules off), then its four MinHash dedup stages (5-grams, 14 bands
  of 8), reading and writing uncompressed JSONL.

Reported: wall seconds, documents/s and MB/s per core (input bytes / wall / cores),
the peak summed RSS of the job's process tree and of its driver, and the ratio of
cleaner's throughput to datatrove's. A JSON line per job goes to ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0


class PeakRSS:
    """Samples the RSS of a process and its descendants every 0.2 s; keeps the peaks."""

    def __init__(self, pid: int) -> None:
        self.pid, self.tree_peak, self.driver_peak = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            tree, todo, total = _children(), [self.pid], 0
            while todo:
                pid = todo.pop()
                total += _rss(pid)
                todo.extend(tree.get(pid, []))
            self.driver_peak = max(self.driver_peak, _rss(self.pid))
            self.tree_peak = max(self.tree_peak, total)
            self._stop.wait(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def measure(name: str, cmd: list[str], docs: int, size: int, cores: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = PeakRSS(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    peak.stop()
    if proc.returncode != 0:
        sys.exit(f"{name} failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    return {
        "job": name,
        "docs": docs,
        "mb": round(size / 1e6, 1),
        "cores": cores,
        "seconds": round(seconds, 1),
        "docs_per_s_per_core": round(docs / seconds / cores, 1),
        "mb_per_s_per_core": round(size / 1e6 / seconds / cores, 2),
        "peak_rss_mb": round(peak.tree_peak / 1e6),
        "driver_rss_mb": round(peak.driver_peak / 1e6),
        "output": out.decode().strip()[-300:],
    }


def datatrove_job(raw: Path, out: Path, work: Path, workers: int) -> None:
    """The datatrove pipeline (run in a child process by ``--datatrove-job``)."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.filters import C4QualityFilter
    from datatrove.pipeline.formatters import FTFYFormatter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    files = len(list(raw.glob("*.jsonl")))
    cfg = MinhashConfig()  # 5-grams, 14 bands x 8 hashes: datatrove's defaults
    c4_lines = C4QualityFilter(  # the line filter only: no rule drops a whole document
        min_num_sentences=-1, filter_lorem_ipsum=False, filter_curly_bracket=False
    )
    logs = work / "logs"
    s1 = LocalPipelineExecutor(
        [
            JsonlReader(str(raw)),
            FTFYFormatter(),
            c4_lines,
            JsonlWriter(str(work / "filtered"), compression=None),
            MinhashDedupSignature(str(work / "sigs"), config=cfg),
        ],
        tasks=files,
        workers=workers,
        logging_dir=str(logs / "1"),
    )
    s2 = LocalPipelineExecutor(
        [MinhashDedupBuckets(str(work / "sigs"), str(work / "buckets"), config=cfg)],
        tasks=cfg.num_buckets,
        workers=workers,
        logging_dir=str(logs / "2"),
        depends=s1,
    )
    s3 = LocalPipelineExecutor(
        [MinhashDedupCluster(str(work / "buckets"), str(work / "remove"), config=cfg)],
        tasks=1,
        logging_dir=str(logs / "3"),
        depends=s2,
    )
    s4 = LocalPipelineExecutor(
        [
            JsonlReader(str(work / "filtered")),
            MinhashDedupFilter(str(work / "remove")),
            JsonlWriter(str(out), compression=None),
        ],
        tasks=files,
        workers=workers,
        logging_dir=str(logs / "4"),
        depends=s3,
    )
    s4.run()
    kept = sum(1 for f in out.glob("*.jsonl") for _ in f.open(encoding="utf-8"))
    print(f"datatrove: {kept} documents kept")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", default="200000", help="comma-separated corpus sizes")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--data", type=Path, default=HERE / "data", help="generated corpora")
    parser.add_argument("--no-datatrove", action="store_true", help="run cleaner only")
    parser.add_argument("--json", type=Path, help="append one JSON line per job here")
    parser.add_argument(
        "--datatrove-job", nargs=4, metavar=("RAW", "OUT", "WORK", "N"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.datatrove_job:
        raw, out, work, n = args.datatrove_job
        datatrove_job(Path(raw), Path(out), Path(work), int(n))
        return
    sys.path.insert(0, str(HERE))
    import gen_corpus

    for docs in (int(x) for x in args.docs.split(",")):
        raw = args.data / f"raw-{docs}"
        if not (raw / ".complete").exists():
            shutil.rmtree(raw, ignore_errors=True)
            gen_corpus.write(raw, docs)
            (raw / ".complete").touch()
        size = sum(f.stat().st_size for f in raw.glob("*.jsonl"))
        runs = args.data / f"runs-{docs}"
        shutil.rmtree(runs, ignore_errors=True)
        results = [
            measure(
                "cleaner",
                [
                    sys.executable,
                    "-m",
                    "cleaner",
                    "run",
                    str(raw),
                    str(runs / "cleaner"),
                    "--workers",
                    str(args.workers),
                    "--json",
                ],
                docs,
                size,
                args.workers,
            )
        ]
        if not args.no_datatrove:
            cmd = [
                sys.executable,
                __file__,
                "--datatrove-job",
                str(raw),
                str(runs / "datatrove"),
                str(runs / "datatrove-work"),
                str(args.workers),
            ]
            results.append(measure("datatrove", cmd, docs, size, args.workers))
            ratio = results[0]["docs_per_s_per_core"] / results[1]["docs_per_s_per_core"]
            results[0]["ratio_vs_datatrove"] = round(ratio, 2)
        for r in results:
            print(
                f"{r['job']:>9} {r['docs']:>8} docs {r['mb']:>7} MB {r['cores']} cores: "
                f"{r['seconds']:>7}s  {r['docs_per_s_per_core']:>7} docs/s/core  "
                f"{r['mb_per_s_per_core']:>5} MB/s/core  peak RSS {r['peak_rss_mb']} MB "
                f"(driver {r['driver_rss_mb']} MB)"
                + (f"  x{r['ratio_vs_datatrove']} datatrove" if "ratio_vs_datatrove" in r else "")
            )
            if args.json:
                with args.json.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(r, sort_keys=True) + "\n")
        shutil.rmtree(runs, ignore_errors=True)


if __name__ == "__main__":
    main()

"""End-to-end CPU cost of ``cleaner run`` on real text, and of its peers on the same text.

    python bench/bench_scale.py                       # real text, 40 MB (every job)
    python bench/bench_scale.py --mb 40,160           # also 160 MB of changed copies
    python bench/bench_scale.py --jobs cleaner-jsonl-1,datatrove --json out.jsonl
    python bench/bench_scale.py --profile             # cProfile of cleaner-jsonl-1, top 15
    python bench/bench_scale.py --generated 200000 --jobs cleaner-jsonl-2,datatrove

**The corpus** is real text only, from the shared benchmark sets (``--data``, default
``../shared/bench`` beside the repository): the raw pages and the gold main texts of
``boilerplate-dev`` and ``pydocs-dev`` and the news documents of ``dedup-dev`` (3,184
documents, 25.4 MB of UTF-8 text), in a fixed shuffled order. A size above that is
filled with changed copies of the same documents, in the same order: each copy has a
few pairs of neighbouring words swapped (one pair per 250 words, at least two), so it
is a near-duplicate that a MinHash pass has to find and verify. The label of a corpus
says how many documents are copies. It is written once (kept in ``--work``) in two
forms: JSONL files of about ``--file-mb`` MB (``{"id", "text"}`` records), and one
``.txt`` file per document, named with its place in the JSONL order first, so that a
run reads both forms in one order (named by id alone, a folder lists each copy beside
the document it copies, where the line caches of the boilerplate stage still hold its
lines: 194k lines computed instead of 385k on the 40 MB corpus, about 9% less CPU).
``--generated DOCS`` uses ``bench/gen_corpus.py`` text instead (made-up words, long
paragraphs, no boilerplate, no non-ASCII): it flatters a line-level pipeline and is
only a scaling trend.

**The jobs** run as child processes one after the other in one invocation, so their
ratios are fair on a busy machine (``--jobs`` picks some):

* ``cleaner-{jsonl,txt}-{1,2}``: ``python -m cleaner run RAW OUT --workers N`` (repair
  text, strip boilerplate, repeated blocks, near-duplicates at Jaccard 0.8, audit,
  manifest) on either form, with 1 or 2 workers;
* ``datatrove``: ``FTFYFormatter``, ``C4QualityFilter`` as a line filter (its
  document-dropping rules off), then its four MinHash dedup stages (5-grams, 14 bands
  of 8), reading and writing uncompressed JSONL, with ``--workers`` processes;
* ``datasketch``: near-duplicate detection alone, the naive way: one
  ``MinHash(num_perm=128)`` per document with ``update()`` per word 5-gram shingle,
  ``MinHashLSH(threshold=0.8)`` query then insert, in one process;
* ``cleaner-ray-1`` (not run by default: needs ``cleaner[ray]``): ``cleaner run`` on the
  JSONL form with ``--executor ray`` on a new local instance, ``--workers`` tasks in
  flight (the digit);
* ``startup``: ``cleaner run`` on one tiny file with 2 workers (median of 3);
* ``version``: ``cleaner --version`` (median of 5).

**CPU** is counted over the whole process tree with ``perf stat -e task-clock``, which
follows every fork, including the pool workers that the multiprocessing forkserver
forks (``getrusage(RUSAGE_CHILDREN)`` and ``/usr/bin/time`` miss those: the forkserver
is never waited for). As a check, each job's tree is also polled every 0.05 s
(utime + stime from ``/proc/PID/stat`` of every descendant, kept even after it is
re-parented), which gives a lower bound; both figures and the ``RUSAGE_CHILDREN`` one go
to ``--json``. Reported: CPU seconds, MB of text per CPU-second, wall seconds, the peak
summed RSS of the tree, and each cleaner job's throughput per CPU-second against
datatrove's and datasketch's from the same invocation. The peak summed PSS (the
proportional set size, which counts a page shared by several processes once) is given
beside it: Ray's processes share its object store, which summed RSS counts again in
each. Needs ``cleaner[bench]`` and
``perf`` (without it, the polled figure is used and the table says so).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")
CORPUS_VERSION = 2  # bump when the corpus a size gives changes (2: .txt names in JSONL order)
ALL_JOBS = [
    "cleaner-jsonl-1",
    "cleaner-jsonl-2",
    "cleaner-txt-1",
    "cleaner-txt-2",
    "datatrove",
    "datasketch",
    "startup",
    "version",
]
GOALS = "goals: >= 4 MB per CPU-s; txt within 15% of JSONL; 2 workers within 10% of 1; "
GOALS += "start-up <= 0.4 CPU-s; --version <= 0.1 s"


# -- the corpus ---------------------------------------------------------------------------


def real_documents(data: Path) -> list[tuple[str, str]]:
    """``(name, text)`` of every real document, in a fixed shuffled order."""
    docs: list[tuple[str, str]] = []
    for dev, prefix in (("boilerplate-dev", "bp"), ("pydocs-dev", "py")):
        for kind in ("raw", "gold"):
            for path in sorted((data / dev / kind).glob("*.txt")):
                docs.append((f"{prefix}-{kind}-{path.stem}", path.read_text(encoding="utf-8")))
    with (data / "dedup-dev" / "docs.jsonl").open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            docs.append((f"news-{rec['id']:04d}", rec["text"]))
    if not docs:
        sys.exit(f"no documents under {data}: point --data at the shared benchmark sets")
    random.Random(0).shuffle(docs)
    return docs


def swap_words(text: str, rng: random.Random) -> str:
    """``text`` with a few pairs of neighbouring words on one line swapped."""
    toks = text.split(" ")
    for _ in range(max(2, len(toks) // 250)):
        i = rng.randrange(max(1, len(toks) - 1))
        if i + 1 < len(toks) and "\n" not in toks[i] + toks[i + 1]:
            toks[i], toks[i + 1] = toks[i + 1], toks[i]
    return " ".join(toks)


def real_corpus(data: Path, target: int) -> Iterator[tuple[str, str]]:
    """The real documents, then changed copies of them, up to ``target`` bytes of text
    (a smaller target takes the first documents of the shuffled order: a quick run)."""
    docs = real_documents(data)
    total, copy = 0, 0
    while True:
        for i, (name, text) in enumerate(docs):
            if copy:
                name, text = f"{name}-copy{copy}", swap_words(text, random.Random(f"{copy}:{i}"))
            yield name, text
            total += len(text.encode("utf-8"))
            if total >= target:
                return
        copy += 1


def generated_corpus(docs: int) -> Iterator[tuple[str, str]]:
    sys.path.insert(0, str(HERE))
    import gen_corpus

    for rec in gen_corpus.generate(docs):
        yield f"gen-{rec['id']:07d}", str(rec["text"])


def write_corpus(
    root: Path, docs: Iterable[tuple[str, str]], file_mb: float, txt: bool
) -> dict[str, Any]:
    """Write ``root/jsonl/part-NNNN.jsonl`` and, with ``txt``, ``root/txt/NAME.txt``;
    return what the corpus holds."""
    if (root / "corpus.json").exists():
        info: dict[str, Any] = json.loads((root / "corpus.json").read_text())
        if info.get("version") == CORPUS_VERSION and info.get("txt", True) >= txt:
            return info
    shutil.rmtree(root, ignore_errors=True)
    (root / "jsonl").mkdir(parents=True)
    (root / "txt").mkdir()
    n = copies = size = lines = part_size = parts = 0
    out = None
    for name, text in docs:
        if out is None or part_size >= file_mb * 1e6:
            if out is not None:
                out.close()
            out = (root / "jsonl" / f"part-{parts:04d}.jsonl").open("w", encoding="utf-8")
            parts, part_size = parts + 1, 0
        out.write(json.dumps({"id": name, "text": text}, ensure_ascii=False) + "\n")
        if txt:
            (root / "txt" / f"{n:06d}-{name}.txt").write_text(text, encoding="utf-8")
        n, copies = n + 1, copies + ("-copy" in name)
        size += len(text.encode("utf-8"))
        part_size += len(text.encode("utf-8"))
        lines += sum(1 for line in text.splitlines() if line.strip())
    if out is not None:
        out.close()
    info = {"version": CORPUS_VERSION, "docs": n, "copies": copies, "bytes": size}
    info.update(lines=lines, files=parts, txt=txt)
    (root / "corpus.json").write_text(json.dumps(info))
    return info


# -- measuring a child command ------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """``(ppid, utime + stime in seconds)`` of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _pss(pid: int) -> int:
    """A process's proportional set size in bytes (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0


class TreePoller:
    """Polls a process and its descendants every 0.05 s: the peak summed RSS, and each
    process's last seen CPU time (a descendant stays counted after it is re-parented)."""

    def __init__(self, pid: int) -> None:
        self.root, self.rss_peak, self.pss_peak = pid, 0, 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        known = {self.root}
        while not self._stop.is_set():
            stats = {}
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    st = _stat(int(entry.name))
                    if st is not None:
                        stats[int(entry.name)] = st
            grew = True
            while grew:  # a child forked since the last poll may have forked again
                new = {pid for pid, (ppid, _) in stats.items() if ppid in known} - known
                known |= new
                grew = bool(new)
            alive = [pid for pid in known if pid in stats]
            for pid in alive:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), stats[pid][1])
            self.rss_peak = max(self.rss_peak, sum(_rss(pid) for pid in alive))
            self.pss_peak = max(self.pss_peak, sum(_pss(pid) for pid in alive))
            self._stop.wait(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _perf_cpu(path: Path) -> float | None:
    """Seconds of task-clock from a ``perf stat -x,`` output file."""
    for line in path.read_text().splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2].startswith("task-clock") and fields[1] == "msec":
            return float(fields[0]) / 1000
    return None


def run_measured(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``cmd`` under ``perf stat``; CPU-s (whole tree), wall, peak RSS, output."""
    with tempfile.TemporaryDirectory() as tmp:
        perf_out = Path(tmp) / "perf.csv"
        perf = ["perf", "stat", "-e", "task-clock", "-x,", "-o", str(perf_out), "--"]
        full = perf + cmd if shutil.which("perf") else cmd
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        poller = TreePoller(proc.pid)
        out, err = proc.communicate()
        wall = time.perf_counter() - t0
        poller.stop()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()[-3000:]}")
        perf_cpu = _perf_cpu(perf_out) if perf_out.exists() else None
    polled = sum(poller.cpu.values())
    rusage = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {
        "cpu_s": round(perf_cpu if perf_cpu is not None else polled, 2),
        "cpu_counted_by": "perf task-clock" if perf_cpu is not None else "polled /proc",
        "cpu_polled_s": round(polled, 2),
        "cpu_rusage_children_s": round(rusage, 2),
        "processes": len(poller.cpu),
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(poller.rss_peak / 1e6),
        "peak_pss_mb": round(poller.pss_peak / 1e6),
        "output": out.decode(errors="replace").strip()[-300:],
    }


# -- the jobs -----------------------------------------------------------------------------


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


WORD = re.compile(r"\w+")


def datasketch_job(raw: Path) -> None:
    """Naive near-duplicate detection with datasketch (run by ``--datasketch-job``)."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.8, num_perm=128)  # 9 bands x 13 rows
    docs = with_candidates = 0
    for path in sorted(raw.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                w = WORD.findall(rec["text"].lower())
                grams = (
                    [" ".join(w)]
                    if len(w) < 5
                    else [" ".join(w[i : i + 5]) for i in range(len(w) - 4)]
                )
                m = MinHash(num_perm=128)
                for s in grams:
                    m.update(s.encode("utf-8"))
                with_candidates += bool(lsh.query(m))
                lsh.insert(rec["id"], m, check_duplication=False)
                docs += 1
    print(f"datasketch: {with_candidates} of {docs} documents have a candidate")


def cleaner_cmd() -> list[str]:
    """The ``cleaner`` console script beside this interpreter, else ``python -m cleaner``."""
    script = Path(sys.executable).parent / "cleaner"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cleaner"]


def plan(job: str, corpus: Path, runs: Path, workers: int) -> tuple[list[str], int]:
    """The command of a job and how many times it runs (the median counts)."""
    if job.startswith("cleaner-ray-"):
        cmd = [sys.executable, "-m", "cleaner", "run", str(corpus / "jsonl"), str(runs / job)]
        return [*cmd, "--executor", "ray", "--workers", job.rsplit("-", 1)[1], "--json", "-q"], 1
    if job.startswith("cleaner-"):
        _, form, n = job.split("-")
        cmd = [sys.executable, "-m", "cleaner", "run", str(corpus / form), str(runs / job)]
        return [*cmd, "--workers", n, "--json", "-q"], 1
    if job == "datatrove":
        args = [str(corpus / "jsonl"), str(runs / job), str(runs / "datatrove-work")]
        return [sys.executable, __file__, "--datatrove-job", *args, str(workers)], 1
    if job == "datasketch":
        return [sys.executable, __file__, "--datasketch-job", str(corpus / "jsonl")], 1
    if job == "startup":
        tiny = runs.parent / "tiny"
        tiny.mkdir(parents=True, exist_ok=True)
        (tiny / "hello.txt").write_text("A tiny document.\n\nIt has two short paragraphs.\n")
        cmd = [sys.executable, "-m", "cleaner", "run", str(tiny), str(runs / job)]
        return [*cmd, "--workers", "2", "-q"], 3
    if job == "version":
        return [*cleaner_cmd(), "--version"], 5
    raise SystemExit(f"unknown job {job!r}; jobs: {', '.join(ALL_JOBS)}")


def measure(job: str, corpus: Path, runs: Path, workers: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd, times = plan(job, corpus, runs, workers)
    results = []
    for _ in range(times):
        shutil.rmtree(runs / job, ignore_errors=True)
        results.append(run_measured(cmd, env))
    result = sorted(results, key=lambda r: r["cpu_s"])[len(results) // 2]
    if times > 1:
        result["wall_s"] = round(statistics.median(r["wall_s"] for r in results), 3)
    result["runs"] = times
    return {"job": job, "command": " ".join(cmd[1:] if cmd[0] == sys.executable else cmd), **result}


def profile(corpus: Path, runs: Path, top: int = 15) -> None:
    """cProfile of ``cleaner run --workers 1`` on the JSONL form: the top functions by
    cumulative time, then by own time."""
    import pstats

    sys.path.insert(0, str(REPO))
    from cleaner.cli import cli

    out = runs / "profile"
    shutil.rmtree(out, ignore_errors=True)
    stats_file = runs.parent / "profile.pstats"
    prof = cProfile.Profile()
    argv = ["run", str(corpus / "jsonl"), str(out), "--workers", "1", "-q"]
    prof.enable()
    try:
        cli.main(argv, prog_name="cleaner", standalone_mode=False)
    except SystemExit as done:  # the run command ends with sys.exit(exit code)
        if done.code:
            raise
    finally:
        prof.disable()
    prof.dump_stats(stats_file)
    print(f"cProfile of cleaner {' '.join(argv)} ({stats_file}):")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(top)
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


# -- report -------------------------------------------------------------------------------


def report(rows: list[dict[str, Any]], info: dict[str, Any], label: str) -> None:
    mb = info["bytes"] / 1e6
    by = {r["job"]: r for r in rows}
    for r in rows:
        r.update(corpus=label, docs=info["docs"], mb=round(mb, 1))
        if r["job"] in ("startup", "version"):
            r.update(docs=1 if r["job"] == "startup" else 0, mb=0.0)
            continue
        r["mb_per_cpu_s"] = round(mb / r["cpu_s"], 3)
        for peer in ("datatrove", "datasketch"):
            if r["job"].startswith("cleaner") and peer in by:
                r[f"x_{peer}"] = round(by[peer]["cpu_s"] / r["cpu_s"], 2)
    counted = {r["cpu_counted_by"] for r in rows}
    print(f"\n{label}; CPU counted by {', '.join(sorted(counted))}")
    print()
    print(
        "| job | CPU-s | MB per CPU-s | wall s | peak RSS MB | peak PSS MB | x datatrove "
        "| x datasketch |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cells = [
            r["job"],
            f"{r['cpu_s']:.2f}",
            f"{r['mb_per_cpu_s']:.2f}" if "mb_per_cpu_s" in r else "",
            f"{r['wall_s']:.2f}",
            str(r["peak_rss_mb"]),
            str(r.get("peak_pss_mb", "")),
            str(r.get("x_datatrove", "")),
            str(r.get("x_datasketch", "")),
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    for j1, j2, what in (
        ("cleaner-txt-1", "cleaner-jsonl-1", "txt / JSONL CPU, 1 worker"),
        ("cleaner-txt-2", "cleaner-jsonl-2", "txt / JSONL CPU, 2 workers"),
        ("cleaner-jsonl-2", "cleaner-jsonl-1", "2 workers / 1 worker CPU, JSONL"),
        ("cleaner-txt-2", "cleaner-txt-1", "2 workers / 1 worker CPU, txt"),
    ):
        if j1 in by and j2 in by:
            print(f"{what}: {by[j1]['cpu_s'] / by[j2]['cpu_s']:.2f}")
    print(GOALS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", default="40", help="comma-separated sizes, MB of real text")
    parser.add_argument("--generated", help="comma-separated sizes, generated documents")
    parser.add_argument("--jobs", default=",".join(ALL_JOBS), help="comma-separated jobs")
    parser.add_argument("--workers", type=int, default=2, help="datatrove's processes")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "bench")
    parser.add_argument("--work", type=Path, default=HERE / "data", help="corpora, outputs")
    parser.add_argument("--file-mb", type=float, default=4.0, help="size of a JSONL file")
    parser.add_argument("--json", type=Path, help="append one JSON line per job here")
    parser.add_argument("--profile", action="store_true", help="cProfile cleaner-jsonl-1 only")
    parser.add_argument("--datatrove-job", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--datasketch-job", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.datatrove_job:
        raw, out, work, n = args.datatrove_job
        datatrove_job(Path(raw), Path(out), Path(work), int(n))
        return
    if args.datasketch_job:
        datasketch_job(args.datasketch_job)
        return
    corpora: list[tuple[str, Path, Iterable[tuple[str, str]]]] = []
    if args.generated:
        for docs in (int(x) for x in args.generated.split(",")):
            root = args.work / f"generated-{docs}"
            corpora.append(("generated text", root, generated_corpus(docs)))
    else:
        for mb in (float(x) for x in args.mb.split(",")):
            root = args.work / f"real-{mb:g}mb"
            corpora.append(("real text", root, real_corpus(args.data, int(mb * 1e6))))
    compile_modules()
    for kind, root, docs in corpora:
        txt = any("txt" in job for job in args.jobs.split(","))
        info = write_corpus(root, docs, args.file_mb, txt)
        label = f"{kind}, {info['docs']:,} documents"
        if info["copies"]:
            label += f" ({info['copies']:,} of them changed copies)"
        label += f", {info['bytes'] / 1e6:.1f} MB of text, JSONL files: {info['files']}"
        if "lines" in info:
            label += f", {info['lines'] / info['bytes'] * 1e6:,.0f} non-blank lines per MB"
        runs = root.parent / f"runs-{root.name}"
        if args.profile:
            profile(root, runs)
            continue
        rows = [measure(job, root, runs, args.workers) for job in args.jobs.split(",")]
        report(rows, info, label)
        if args.json:
            with args.json.open("a", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps(r, sort_keys=True) + "\n")
        shutil.rmtree(runs, ignore_errors=True)


def compile_modules() -> None:
    """Compile cleaner's modules to bytecode, as Python does on a first run where it may
    write it: the jobs then measure what a user's runs cost after the first. Where the
    environment forbids writing bytecode (``PYTHONDONTWRITEBYTECODE``), an edited module
    would be compiled again by every process of every job (0.05 s a start)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    code = (
        "import compileall, os, cleaner\n"
        "compileall.compile_dir(os.path.dirname(cleaner.__file__), quiet=1)"
    )
    cmd = [sys.executable, "-c", code]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()

"""Near-duplicate resolution as `cleaner run` does it: time, index size, driver memory.

Three measurements, each optional:

* ``--sizes 200000 1000000``: the array resolver of a full build
  (:func:`cleaner.dedup.resolve.resolve_arrays`) on synthetic band keys, one row of 21
  uint32 keys per document, with injected clusters of near copies (10% of documents
  head a cluster of 1 to 4 copies; each copy keeps a band of its head with
  probability 0.4, and its shingle set differs from the head's by 3 to 15%). Shingle
  sets are made up only for the documents the resolver asks for, as the state reads
  only those. Prints CPU seconds (candidate pairs, then the whole resolution), the
  bytes per document that a full build holds for every document (handle, set size,
  band keys) and the peak of the resolver's other allocations (tracemalloc).
* ``--texts PATH --limit N``: the first N texts of the JSONL files under PATH,
  resolved by the one-at-a-time reference (``tests/oracles.py``: ``MemoryIndex``) and
  by the array resolver: CPU seconds of both, and a check that the verdicts agree.
* ``--corpus PATH``: ``cleaner run PATH OUT --workers W`` in a subprocess for each
  ``--src`` (a source checkout, default this one; pass an older checkout to compare):
  the driver's own peak RSS and CPU seconds, and the sha256 of corpus.jsonl,
  audit.jsonl and of the manifest without its timing keys.

    python bench/bench_resolve.py --sizes 200000 1000000
    python bench/bench_resolve.py --texts bench/data/raw-20000 --limit 20000
    python bench/bench_resolve.py --corpus bench/data/raw-20000 --src OLD_CHECKOUT --src .
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.dedup.keeper import position_key, priority_rank, rank_key  # noqa: E402
from cleaner.dedup.lsh import Banding  # noqa: E402
from cleaner.dedup.pairs import all_candidate_pairs  # noqa: E402
from cleaner.dedup.resolve import InMemory, resolve_arrays  # noqa: E402
from cleaner.dedup.shingles import ShingleSets, shingle_hashes, shingle_sets  # noqa: E402
from tests.oracles import MemoryIndex  # noqa: E402

BANDS = 21
HELD_PER_DOC = 8 + 8  # the handle and the set size (int64 each), beside the band keys


def synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:  # type: ignore[type-arg]
    """Band keys and set sizes of ``n`` documents, and the sets of the clustered ones."""
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 1 << 32, size=(n, BANDS), dtype=np.uint32)
    sizes = rng.integers(50, 400, size=n).astype(np.int64)
    heads = rng.choice(n, size=n // 10, replace=False)
    copies = rng.integers(1, 5, size=len(heads))
    others = rng.permutation(np.setdiff1d(np.arange(n), heads))[: int(copies.sum())]
    of = np.repeat(heads, copies)[: len(others)]
    keep = rng.random((len(others), BANDS)) < 0.4
    keys[others] = np.where(keep, keys[of], keys[others])
    sets: dict[int, np.ndarray] = {}  # type: ignore[type-arg]
    for h in heads.tolist():
        sets[h] = np.unique(rng.integers(0, 1 << 32, size=int(sizes[h]), dtype=np.uint32))
    for o, h in zip(others.tolist(), of.tolist(), strict=True):
        base = sets[h]
        change = max(1, int(len(base) * rng.uniform(0.03, 0.15)))
        out = rng.choice(len(base), size=len(base) - change, replace=False)
        new = rng.integers(0, 1 << 32, size=change, dtype=np.uint32)
        sets[o] = np.unique(np.concatenate((base[out], new)))
    for d, s in sets.items():
        sizes[d] = len(s)
    return keys, sizes, sets


def bench_size(n: int) -> None:
    keys, set_sizes, sets = synthetic(n)
    rank = np.random.default_rng(1).permutation(n).astype(np.int64)
    asked = [0, 0.0, 0]  # sets read, CPU-s spent making them up, their bytes

    class Synthetic:
        def order(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
            return rank[rows], rows.astype(np.int64)

        def shingles(self, rows: np.ndarray) -> ShingleSets:  # type: ignore[type-arg]
            t = time.process_time()
            rng = np.random.default_rng(2)
            parts = [
                sets[r]
                if r in sets
                else np.unique(rng.integers(0, 1 << 32, size=int(set_sizes[r]), dtype=np.uint32))
                for r in rows.tolist()
            ]
            lengths = np.array([len(p) for p in parts], np.int64)
            values = np.concatenate(parts) if parts else np.zeros(0, np.uint32)
            indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
            asked[0] += len(rows)
            asked[1] += time.process_time() - t
            asked[2] += values.nbytes
            return ShingleSets(values, indptr)

    t0 = time.process_time()
    a, _ = all_candidate_pairs(keys)
    pairs_cpu = time.process_time() - t0
    tracemalloc.start()
    t0 = time.process_time()
    dropped, _, _, _ = resolve_arrays(keys, set_sizes, 0.8, Synthetic())
    cpu = time.process_time() - t0 - asked[1]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    held = (keys.nbytes + n * HELD_PER_DOC) / n
    print(
        f"  {n:>9,} docs: resolve {cpu:.2f} CPU-s (candidate pairs alone {pairs_cpu:.2f}; "
        f"making up the sets read not counted); {len(a):,} candidate pairs, "
        f"{asked[0]:,} sets read ({asked[2] / n:.0f} bytes/doc), {len(dropped):,} dropped; "
        f"index {held:.0f} bytes/doc; resolver peak {peak / n:.0f} bytes/doc "
        f"(sets read included)"
    )


def read_texts(path: Path, limit: int) -> list[str]:
    texts: list[str] = []
    for part in sorted(path.rglob("*.jsonl")):
        with part.open(encoding="utf-8") as f:
            for line in f:
                texts.append(str(json.loads(line)["text"]))
                if len(texts) >= limit:
                    return texts
    return texts


def bench_texts(path: Path, limit: int, threshold: float = 0.8) -> None:
    texts = read_texts(path, limit)
    n = len(texts)
    sources = [f"{i // 2000:05d}" for i in range(n)]
    ranks = [
        rank_key(len(t), s, str(i), i) for i, (t, s) in enumerate(zip(texts, sources, strict=True))
    ]
    t0 = time.process_time()
    sets = shingle_sets(texts)
    hash_cpu = time.process_time() - t0
    banding = Banding(threshold)
    t0 = time.process_time()
    index = MemoryIndex(
        [shingle_hashes(t) for t in texts],
        ranks,
        [position_key(s, i) for i, s in enumerate(sources)],
        [True] * n,
        threshold=threshold,
        banding=banding,
    )
    ref = {d: v for d, v in index.resolve_all().items() if v[0] is not None}
    ref_cpu = time.process_time() - t0
    full = np.flatnonzero(sets.sizes() > 0)
    mine = sets.take(full)
    keys = banding.keys(mine)
    rank, position = priority_rank(ranks), np.arange(n, dtype=np.int64)
    t0 = time.process_time()
    dropped, dup_of, sim, _ = resolve_arrays(
        keys,
        mine.sizes(),
        threshold,
        InMemory(rank[full], position[full], mine),
    )
    arr_cpu = time.process_time() - t0
    got = {
        int(full[d]): (int(full[k]), float(s)) for d, k, s in zip(dropped, dup_of, sim, strict=True)
    }
    same = got == ref
    print(
        f"  {n:,} texts ({hash_cpu:.1f} CPU-s to shingle and key them, not counted): "
        f"reference {ref_cpu:.2f} CPU-s (shingles of every text held, tokens, dict-of-sets), "
        f"arrays {arr_cpu:.2f} CPU-s; {len(got):,} dropped; same verdicts: {same}"
    )
    if not same:
        raise SystemExit("the array resolver disagrees with the reference")


DRIVER = """
import json, resource, sys
from cleaner.cli import cli
try:
    cli(sys.argv[1:], prog_name="cleaner", standalone_mode=False)
finally:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    peak = ru.ru_maxrss / 1024
    try:  # VmHWM: unlike ru_maxrss, not inherited from the process that started this one
        status = open("/proc/self/status").read().split("VmHWM:")[1]
        peak = int(status.split()[0]) / 1024
    except (OSError, IndexError):
        pass
    print(json.dumps({"rss_mb": peak, "cpu_s": ru.ru_utime + ru.ru_stime}), file=sys.stderr)
"""


def digest(folder: Path) -> str:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    comparable = {k: v for k, v in manifest.items() if k not in ("run", "runs")}
    parts = [hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in ("corpus.jsonl",)]
    parts.append(hashlib.sha256((folder / "audit.jsonl").read_bytes()).hexdigest())
    parts.append(hashlib.sha256(json.dumps(comparable, sort_keys=True).encode()).hexdigest())
    return " ".join(p[:12] for p in parts)


def bench_corpus(corpus: Path, srcs: list[Path], workers: int) -> None:
    for src in srcs:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            env = {**os.environ, "PYTHONPATH": str(src.resolve())}
            env.pop("PYTHONSAFEPATH", None)
            cmd = [sys.executable, "-c", DRIVER, "run", str(corpus.resolve()), str(out)]
            t0 = time.perf_counter()
            done = subprocess.run(  # in tmp: `python -c` puts the working folder first
                [*cmd, "--workers", str(workers)], env=env, cwd=tmp, capture_output=True, text=True
            )
            wall = time.perf_counter() - t0
            if done.returncode != 0:
                raise SystemExit(f"cleaner run failed with {src}:\n{done.stderr}")
            stats: dict[str, Any] = json.loads(done.stderr.strip().splitlines()[-1])
            print(
                f"  {src}: driver peak RSS {stats['rss_mb']:.0f} MB, driver "
                f"{stats['cpu_s']:.2f} CPU-s, wall {wall:.1f} s; "
                f"sha256 corpus/audit/manifest {digest(out)}"
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[], help="synthetic corpus sizes")
    ap.add_argument("--texts", type=Path, help="a folder of JSONL files with a text field")
    ap.add_argument("--limit", type=int, default=20_000, help="texts read from --texts")
    ap.add_argument("--corpus", type=Path, help="a folder to run `cleaner run` on")
    ap.add_argument("--src", type=Path, action="append", help="source checkout (repeatable)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if args.sizes:
        print(f"synthetic band keys ({BANDS} bands), threshold 0.8, full-build resolver:")
        for n in args.sizes:
            bench_size(n)
    if args.texts:
        print(f"real texts from {args.texts}, threshold 0.8, reference vs arrays:")
        bench_texts(args.texts, args.limit)
    if args.corpus:
        print(f"cleaner run {args.corpus} OUT --workers {args.workers}:")
        bench_corpus(args.corpus, args.src or [ROOT], args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Cleaner's MinHash dedup side by side with datasketch's MinHashLSH: quality and speed.

The corpus a user gets, on dedup-dev (the scorer's ``corpus`` block, with CPU-seconds):
``cleaner run`` with and without containment, datasketch MinHashLSH (Jaccard 0.8, first
copy kept) and MinHashLSH plus LSH Ensemble (containment 0.9, longest copy kept); and
the containment candidates of cleaner's short bands against LSH Ensemble's.

Quality, on the shared dedup-dev set, scored by the shared scorer (a subprocess):

* cleaner "clusters": every document's ``duplicate_of`` (star clusters, verified);
* cleaner "pairs": the verified pairs at or above the threshold;
* datasketch "pairs" / "clusters": the README baseline, MinHashLSH(0.8, 128),
  query-then-insert in file order, unverified candidates and their components;
* paragraphs (``paras.jsonl``): repeated blocks inside one document, and across.

Speed, on the synthetic corpus of ``bench/gen_corpus.py`` (same process, CPU time):
signatures per CPU-second for cleaner on ``--docs`` documents and for datasketch's
per-shingle ``update()`` on the first ``--ds-docs`` of them (a sample, because it is
slow; the rate is per document, so the ratio is like for like), the band keys a full
build holds per document, star clustering of synthetic pair arrays over
``--cluster-docs`` documents, and peak resident memory.

    python bench/bench_dedup.py [--dedup-dev PATH] [--docs 20000] [--ds-docs 2000]
    python bench/bench_dedup.py --folds 0.8,0.85,0.9   # the containment share, held out

Bench-only dependency: datasketch (for the baseline).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH, MinHashLSHEnsemble

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_corpus import generate  # noqa: E402

from cleaner.config import CleanConfig, DedupConfig  # noqa: E402
from cleaner.dedup.cluster import star_clusters  # noqa: E402
from cleaner.dedup.find import find_block_duplicates, find_duplicates  # noqa: E402
from cleaner.dedup.keeper import priority_rank, rank_key  # noqa: E402
from cleaner.dedup.lsh import Banding, band_keys, choose_bands  # noqa: E402
from cleaner.dedup.minhash import MinHasher  # noqa: E402
from cleaner.dedup.pairs import all_candidate_pairs  # noqa: E402
from cleaner.dedup.shingles import shingle_sets  # noqa: E402
from cleaner.document import Document  # noqa: E402
from cleaner.pipeline import Pipeline  # noqa: E402
from cleaner.stages.dedup import DropNearDuplicates  # noqa: E402

WORD = re.compile(r"\w+")


def ds_shingles(text: str, n: int = 5) -> list[str]:
    w = WORD.findall(text.lower())
    return (
        [" ".join(w)] if 0 < len(w) < n else [" ".join(w[i : i + n]) for i in range(len(w) - n + 1)]
    )


def ds_minhash(text: str) -> MinHash:
    m = MinHash(num_perm=128)
    for s in ds_shingles(text):
        m.update(s.encode("utf-8"))
    return m


def keep_order(texts: list[str], ids: list[int]) -> np.ndarray:  # type: ignore[type-arg]
    """The keeper's priority, with the documents named as :func:`product` names them."""
    return priority_rank(
        [
            rank_key(len(t), f"{i}.txt", str(i), k)
            for k, (t, i) in enumerate(zip(texts, ids, strict=True))
        ]
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, sort_keys=True) + "\n")
    return path


def score(pred: Path, data: Path, level: str = "doc") -> dict[str, Any]:
    scorer = data.parent / "score_dedup.py"
    cmd = [sys.executable, str(scorer), "--pred", str(pred), "--data", str(data)]
    out = subprocess.run(
        [*cmd, "--level", level, "--json"], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def datasketch_baseline(
    texts: list[str], ids: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    pairs = []
    for i, text in zip(ids, texts, strict=True):
        m = ds_minhash(text)
        pairs.extend({"a": other, "b": i} for other in lsh.query(m))
        lsh.insert(i, m, check_duplication=False)
    parent = {i: i for i in ids}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        parent[find(p["a"])] = find(p["b"])
    groups: dict[int, list[int]] = {}
    for i in ids:
        groups.setdefault(find(i), []).append(i)
    return pairs, [{"ids": g} for g in groups.values() if len(g) > 1]


def line(name: str, s: dict[str, Any]) -> str:
    a, b = s["J>=0.8"], s["J>=0.7"]
    pa = s.get("precision_article", float("nan"))
    return (
        f"  {name:<22} P {a['P']:.4f} R {a['R']:.4f} F1 {a['F1']:.4f} | "
        f"@0.7 P {b['P']:.4f} R {b['R']:.4f} F1 {b['F1']:.4f} | P_article {pa:.4f}"
    )


def quality(data: Path, tmp: Path) -> None:
    docs = read_jsonl(data / "docs.jsonl")
    texts, ids = [d["text"] for d in docs], [int(d["id"]) for d in docs]
    t0 = time.process_time()
    result = find_duplicates(texts, priority=keep_order(texts, ids))
    cpu = time.process_time() - t0
    clusters = [
        {"id": ids[i], "duplicate_of": None if d < 0 else ids[d]}
        for i, d in enumerate(result.duplicate_of.tolist())
    ]
    pairs = [
        {"a": ids[a], "b": ids[b]}
        for a, b in zip(result.pair_a.tolist(), result.pair_b.tolist(), strict=True)
    ]
    ds_pairs, ds_clusters = datasketch_baseline(texts, ids)
    print(
        f"dedup-dev documents ({len(docs)}), threshold 0.8; cleaner: {cpu:.2f} CPU-s, "
        f"{result.candidates} candidates, {result.verified} verified ({result.similarity_kind})"
    )
    for name, recs in [
        ("cleaner clusters", clusters),
        ("cleaner verified pairs", pairs),
        ("datasketch pairs", ds_pairs),
        ("datasketch clusters", ds_clusters),
    ]:
        print(line(name, score(write_jsonl(tmp / f"{name.replace(' ', '_')}.jsonl", recs), data)))

    product(texts, ids, data, tmp)

    paras = read_jsonl(data / "paras.jsonl")
    print(f"dedup-dev paragraphs ({len(paras)}), first copy kept:")
    for cross in (False, True):
        r = find_block_duplicates(
            [p["text"] for p in paras], [p["doc"] for p in paras], cross_doc=cross
        )
        recs = [
            {"id": paras[i]["pid"], "duplicate_of": None if d < 0 else paras[d]["pid"]}
            for i, d in enumerate(r.duplicate_of.tolist())
        ]
        s = score(write_jsonl(tmp / f"paras_{cross}.jsonl", recs), data, level="para")
        w, c, rep = s["within_doc J>=0.8"], s["cross_doc J>=0.8"], s["docs_with_internal_repeat"]
        print(
            f"  cross_doc={cross!s:<5}          within-doc F1 {w['F1']:.4f} "
            f"(P {w['P']:.4f} R {w['R']:.4f}) "
            f"| cross-doc F1 {c['F1']:.4f} | docs with repeat P {rep['P']:.2f} R {rep['R']:.2f} "
            f"| all F1 {s['J>=0.8']['F1']:.4f}"
        )


def corpus_line(name: str, s: dict[str, Any], cpu: float) -> str:
    """The scorer's ``corpus`` block on one line: what a user of the output sees."""
    c = s["corpus"]
    gone = c["injected_one_copy_gone"]
    kinds = " / ".join(f"{gone[k]:.3f}" for k in ("truncate", "combo", "para_drop", "syndicated"))
    return (
        f"  {name:<34} residual {c['residual_pairs_J>=0.8']:>7} | one copy gone "
        f"{gone['ALL']:.3f} (truncate / combo / para_drop / syndicated {kinds}) | "
        f"false drops {c['false_drops']} | {cpu:.2f} CPU-s"
    )


def audit_records(folder: Path) -> list[dict[str, Any]]:
    """``duplicate_of`` records from a run's audit: its near-duplicate and contained drops."""
    return [
        {"id": int(r["id"]), "duplicate_of": int(r["duplicate_of"])}
        for r in read_jsonl(folder / "audit.jsonl")
        if r.get("stage") == "drop-near-duplicates"
    ]


def corpus(data: Path, tmp: Path) -> None:
    """The corpus a user gets from dedup-dev: ``cleaner run`` (one worker, CPU of the whole
    process), and datasketch on the raw texts (unverified candidates, as its users run
    it): MinHashLSH(0.8) keeping the first copy, and that plus an LSH Ensemble at
    containment 0.9 keeping the longest copy."""
    print("dedup-dev, the corpus a user gets (the scorer's corpus block):")
    for k, (name, flags) in enumerate(
        [
            ("cleaner run", []),
            ("cleaner run --containment 0.9", ["--containment", "0.9"]),
            ("cleaner run --no-containment", ["--no-containment"]),
        ]
    ):
        out = tmp / f"run{k}"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cmd = [sys.executable, "-m", "cleaner", "run", str(data / "docs.jsonl"), str(out)]
        subprocess.run([*cmd, "--workers", "1", "-q", *flags], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        recs = audit_records(out)
        print(corpus_line(name, score(write_jsonl(tmp / f"c{k}.jsonl", recs), data), cpu))
    docs = read_jsonl(data / "docs.jsonl")
    texts, ids = [d["text"] for d in docs], [int(d["id"]) for d in docs]
    t0 = time.process_time()
    hashes = [ds_minhash(t) for t in texts]
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    first: list[dict[str, Any]] = []
    for i, m in zip(ids, hashes, strict=True):
        found = lsh.query(m)
        if found:
            first.append({"id": i, "duplicate_of": min(found)})
        else:
            lsh.insert(i, m, check_duplication=False)
    cpu = time.process_time() - t0
    recs = first
    print(
        corpus_line("datasketch MinHashLSH", score(write_jsonl(tmp / "ds.jsonl", recs), data), cpu)
    )
    t0 = time.process_time()
    hashes = [ds_minhash(t) for t in texts]
    size = [len(set(ds_shingles(t))) for t in texts]
    ensemble = MinHashLSHEnsemble(threshold=0.9, num_perm=128, num_part=16)
    ensemble.index((k, hashes[k], size[k]) for k in range(len(texts)))
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    kept: set[int] = set()
    longest: list[dict[str, Any]] = []
    for k in sorted(range(len(texts)), key=lambda k: (-len(texts[k]), k)):
        near = [x for x in lsh.query(hashes[k]) if x in kept]
        holders = [x for x in ensemble.query(hashes[k], size[k]) if x in kept]
        if near or holders:
            longest.append({"id": ids[k], "duplicate_of": ids[min(near or holders)]})
        else:
            kept.add(k)
            lsh.insert(k, hashes[k], check_duplication=False)
    cpu = time.process_time() - t0
    recs = longest
    name = "datasketch MinHashLSH + Ensemble"
    print(corpus_line(name, score(write_jsonl(tmp / "dse.jsonl", recs), data), cpu))


def product(texts: list[str], ids: list[int], data: Path, tmp: Path) -> None:
    """What `cleaner run` drops: the drop-near-duplicates stage, on raw text and after the
    per-document stages (repair, boilerplate, blocks), as the pipeline runs it."""
    docs = [Document(str(i), f"{i}.txt", t) for i, t in zip(ids, texts, strict=True)]
    per_doc = Pipeline.from_config(CleanConfig(), corpus_stages=False)
    t0 = time.process_time()
    cleaned = list(per_doc.run(docs))
    clean_cpu = time.process_time() - t0
    for name, batch, dedup in [
        ("stage, raw text", docs, DedupConfig()),
        ("stage, after cleaning", cleaned, DedupConfig()),
        ("stage, cleaned, Jaccard only", cleaned, DedupConfig(containment=False)),
    ]:
        t0 = time.process_time()
        out = list(DropNearDuplicates(dedup).run(batch))
        cpu = time.process_time() - t0
        recs = [
            {
                "id": int(d.id),
                "duplicate_of": None
                if d.dropped is None
                else int(d.dropped.detail["duplicate_of"]),
            }
            for d in out
        ]
        print(line(f"cleaner {name}", score(write_jsonl(tmp / f"{name[7:14]}.jsonl", recs), data)))
        dropped = sum(d.dropped is not None for d in out)
        print(f"    ({cpu:.2f} CPU-s for the stage; {dropped} dropped)")
    print(f"    (per-document cleaning of {len(docs)} docs: {clean_cpu:.1f} CPU-s)")
    texts = [d.text for d in cleaned if d.dropped is None]
    containment_candidates(texts, DedupConfig().containment_threshold)


def containment_candidates(texts: list[str], share: float) -> None:
    """Candidate recall for containment on the cleaned texts, and CPU: cleaner's short
    bands against datasketch's LSH Ensemble. The truth is every pair in which at least
    ``share`` of the smaller set's shingles are in the other (exact, on shingle hashes)."""
    sets = shingle_sets(texts)
    sizes = sets.sizes()
    owners: dict[int, list[int]] = {}
    for k in range(len(texts)):
        for h in sets[k].tolist():
            owners.setdefault(h, []).append(k)
    inter: dict[tuple[int, int], int] = {}
    for group in owners.values():
        if len(group) <= 200:  # a shingle in more than 200 texts is no article's own
            for x in range(len(group)):
                for y in range(x + 1, len(group)):
                    inter[group[x], group[y]] = inter.get((group[x], group[y]), 0) + 1
    truth = {p for p, c in inter.items() if c >= share * min(sizes[p[0]], sizes[p[1]])}
    t0 = time.process_time()
    keys = Banding(0.8, containment=True).keys(sets)
    a, b = all_candidate_pairs(keys)
    ours_cpu = time.process_time() - t0
    ours = set(zip(a.tolist(), b.tolist(), strict=True))
    t0 = time.process_time()
    hashes = [ds_minhash(t) for t in texts]
    ds_sig = time.process_time() - t0
    t0 = time.process_time()
    ensemble = MinHashLSHEnsemble(threshold=share, num_perm=128, num_part=16)
    ensemble.index(
        (k, m, len(set(ds_shingles(t)))) for k, (m, t) in enumerate(zip(hashes, texts, strict=True))
    )
    theirs: set[tuple[int, int]] = set()
    for k, (m, t) in enumerate(zip(hashes, texts, strict=True)):
        for other in ensemble.query(m, len(set(ds_shingles(t)))):
            if other != k:
                theirs.add((min(k, other), max(k, other)))
    ds_cpu = time.process_time() - t0
    print(
        f"containment candidates on {len(texts)} cleaned texts, {len(truth)} pairs at >= {share}:"
    )
    for name, found, cpu in [
        ("cleaner bands (21 x 6 + 24 x 2)", ours, ours_cpu),
        ("datasketch LSH Ensemble", theirs, ds_cpu),
    ]:
        print(
            f"  {name:<32} recall {len(truth & found) / max(len(truth), 1):.4f}, "
            f"{len(found)} candidates, {cpu:.2f} CPU-s (signatures not included)"
        )
    print(f"  (datasketch MinHash update() for those texts: {ds_sig:.2f} CPU-s)")


def speed(n_docs: int, ds_docs: int, cluster_docs: int) -> None:
    texts = [str(r["text"]) for r in generate(n_docs, 0.1, 0)]
    mb = sum(len(t) for t in texts) / n_docs / 1000
    hasher = MinHasher()
    hasher.signatures(texts[:10])  # builds the word table once (~0.1 s), outside the timing
    t0 = time.process_time()
    sig = hasher.signatures(texts)
    ours = n_docs / (time.process_time() - t0)
    sample = texts[:ds_docs]
    t0 = time.process_time()
    for t in sample:
        ds_minhash(t)
    theirs = len(sample) / (time.process_time() - t0)
    print(
        f"synthetic corpus: {n_docs} docs, {mb:.1f} k chars each (gen_corpus seed 0, dup-rate 0.1)"
    )
    print(
        f"  signatures: cleaner {ours:,.0f} docs/CPU-s on {n_docs} docs; datasketch update() "
        f"{theirs:,.0f} docs/CPU-s on the first {len(sample)}; ratio {ours / theirs:.1f}x"
    )
    print(f"  peak RSS so far: {peak_mb():,.0f} MB")

    bands, rows = choose_bands(0.8, 128)
    keys = band_keys(sig, bands, rows)
    ds = MinHashLSH(threshold=0.8, num_perm=128)
    print(
        f"  LSH: {bands} bands x {rows} rows, band keys {keys.nbytes / n_docs:.0f} bytes/doc "
        f"(datasketch picks {ds.b} x {ds.r}; its dict-of-lists index is not measured here)"
    )
    both = Banding(0.8, containment=True).keys(shingle_sets(texts[:100]))
    print(
        f"  with the containment bands: {both.shape[1]} keys, {both.nbytes / 100:.0f} bytes/doc; "
        f"a full build holds {both.nbytes / 100 + 16:.0f} bytes/doc with the size and handle"
    )
    docs = [Document(str(i), f"{i}.txt", t) for i, t in enumerate(texts)]
    for name, dedup in [("Jaccard only", DedupConfig(containment=False)), ("+ containment", None)]:
        t0 = time.process_time()
        out = list(DropNearDuplicates(dedup).run(docs))
        print(
            f"  drop-near-duplicates stage, {name}: {time.process_time() - t0:.2f} CPU-s, "
            f"{sum(d.dropped is not None for d in out)} dropped"
        )
    t0 = time.process_time()
    result = find_duplicates(texts, signatures=sig, priority=keep_order(texts, list(range(n_docs))))
    print(
        f"  find_duplicates after signatures: {time.process_time() - t0:.2f} CPU-s, "
        f"{result.candidates} candidates, {result.verified} verified, "
        f"{int((result.duplicate_of >= 0).sum())} duplicates"
    )

    rng = np.random.default_rng(0)
    n = cluster_docs
    heads = rng.choice(n, size=n // 10, replace=False)  # 10% of docs head a group of 1-4 copies
    sizes = rng.integers(1, 5, size=len(heads))
    others = rng.permutation(np.setdiff1d(np.arange(n), heads))[: int(sizes.sum())]
    a = np.repeat(heads, sizes[: len(heads)])[: len(others)]
    b = others
    a2, b2 = others[:-1:3], others[1::3]  # extra edges between copies (stars must not chain)
    ea, eb = np.concatenate((a, a2)), np.concatenate((b, b2[: len(a2)]))
    rank = rng.permutation(n).astype(np.int64)
    t0 = time.process_time()
    center = star_clusters(n, ea.astype(np.int64), eb.astype(np.int64), rank)
    dt = time.process_time() - t0
    print(
        f"  star clustering: {n:,} docs, {len(ea):,} verified pairs: {dt:.2f} CPU-s, "
        f"{int((center != np.arange(n)).sum()):,} duplicates"
    )
    print(f"  peak RSS: {peak_mb():,.0f} MB (whole process, datasketch included)")


def folds(data: Path, tmp: Path, shares: list[float]) -> None:
    """The containment threshold judged held out: dedup-dev split in two by BBC source
    file (a variant goes with its source), the corpus block of each half for every
    share. Pick a share on one half and read its measures on the other. The measures
    are the shared scorer's corpus block (``score_dedup.py``), counted per half: it
    scores a whole set only."""
    meta = {m["id"]: m for m in read_jsonl(data / "docs_meta.jsonl")}
    jac = {(r["a"], r["b"]): r["j"] for r in read_jsonl(data / "truth_doc_pairs.jsonl")}
    half = {i: zlib.crc32(m["base"].encode()) % 2 for i, m in meta.items()}
    print("dedup-dev in two halves by source file (residual, one copy gone, false drops):")
    for share in shares:
        out = tmp / f"share{share}"
        cmd = [sys.executable, "-m", "cleaner", "run", str(data / "docs.jsonl"), str(out)]
        subprocess.run([*cmd, "--workers", "1", "-q", "--containment", str(share)], check=True)
        drops: dict[int, int] = {r["id"]: r["duplicate_of"] for r in audit_records(out)}
        kept = set(meta) - set(drops)
        for h in (0, 1):
            pairs = [(a, b) for (a, b), j in jac.items() if j >= 0.8 and half[a] == h]
            left = sum(a in kept and b in kept for a, b in pairs)
            gone: dict[str, list[int]] = {}
            for i, m in meta.items():
                if m["src"] is not None and half[i] == h:
                    for key in (m["mut"], "ALL"):
                        n = gone.setdefault(key, [0, 0])
                        n[0] += not (i in kept and m["src"] in kept)
                        n[1] += 1
            mine = [(a, b) for a, b in drops.items() if half[a] == h]
            false = sum(
                jac.get((min(a, b), max(a, b)), 0.0) < 0.7 and meta[a]["base"] != meta[b]["base"]
                for a, b in mine
            )
            kinds = " / ".join(
                f"{gone[k][0] / gone[k][1]:.3f}"
                for k in ("truncate", "combo", "para_drop", "syndicated", "typos")
            )
            print(
                f"  {share:<5} half {h}: residual {left:>2}/{len(pairs)} | one copy gone "
                f"{gone['ALL'][0] / gone['ALL'][1]:.3f} (truncate / combo / para_drop / "
                f"syndicated / typos {kinds}) | false drops {false}/{len(mine)}"
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--dedup-dev", type=Path, default=ROOT.parent / "shared" / "bench" / "dedup-dev"
    )
    ap.add_argument("--docs", type=int, default=20_000, help="synthetic docs for cleaner's speed")
    ap.add_argument("--ds-docs", type=int, default=2_000, help="of those, timed with datasketch")
    ap.add_argument(
        "--cluster-docs", type=int, default=1_000_000, help="docs in the clustering test"
    )
    ap.add_argument(
        "--folds",
        default="",
        help="comma-separated containment shares: score each on two halves of dedup-dev "
        "(split by source file) and stop",
    )
    args = ap.parse_args()
    if args.folds:
        with tempfile.TemporaryDirectory() as tmp:
            shares = [float(x) for x in args.folds.split(",")]
            folds(args.dedup_dev.resolve(), Path(tmp), shares)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        corpus(args.dedup_dev.resolve(), Path(tmp))
        quality(args.dedup_dev.resolve(), Path(tmp))
    speed(args.docs, args.ds_docs, args.cluster_docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Incremental run vs full rebuild: add documents to a large corpus and time both.

Generates a deterministic corpus (JSONL shards of 1,000 documents, about 5% near
duplicates), builds it in full, adds ``--add`` documents (new shard, including
near-duplicates of old documents, shorter and longer), runs incrementally, then
rebuilds the grown corpus from scratch into a second folder and checks that both
outputs are byte-identical.

    python bench/bench_incremental.py --docs 200000
    python bench/bench_incremental.py --docs 20000 --out bench/out/incremental
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from pathlib import Path

from cleaner import clean_corpus
from cleaner.store.manifest import comparable

SHARD = 1000


def vocabulary(rng: random.Random, size: int = 30000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(size)]


def article(rng: random.Random, vocab: list[str]) -> str:
    paras = []
    for _ in range(rng.randint(2, 5)):
        words = [rng.choice(vocab) for _ in range(rng.randint(20, 60))]
        paras.append(" ".join(words).capitalize() + ".")
    return "\n\n".join(paras)


def near_copy(rng: random.Random, vocab: list[str], text: str, longer: bool) -> str:
    words = text.split(" ")
    words[rng.randrange(len(words))] = rng.choice(vocab)
    if longer:
        words.extend(rng.choice(vocab) for _ in range(5))
    elif len(words) > 40:
        words = words[:-3]
    return " ".join(words)


def generate(
    raw: Path, docs: int, start: int, rng: random.Random, vocab: list[str], pool: list[str]
) -> None:
    """Write ``docs`` documents as shards; every 20th one nearly copies an earlier one."""
    raw.mkdir(parents=True, exist_ok=True)
    for first in range(start, start + docs, SHARD):
        lines = []
        for _ in range(first, min(first + SHARD, start + docs)):
            if pool and rng.random() < 0.05:
                text = near_copy(rng, vocab, rng.choice(pool), longer=rng.random() < 0.5)
            else:
                text = article(rng, vocab)
                if len(pool) < 5000:
                    pool.append(text)
            lines.append(json.dumps({"text": text}, ensure_ascii=False))
        (raw / f"shard-{first // SHARD:06d}.jsonl").write_text("\n".join(lines) + "\n")


def same_output(a: Path, b: Path) -> bool:
    for name in ("corpus.jsonl", "audit.jsonl"):
        if (a / name).read_bytes() != (b / name).read_bytes():
            return False
    load = [json.loads((d / "manifest.json").read_text()) for d in (a, b)]
    return comparable(load[0]) == comparable(load[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=200_000, help="documents in the base corpus")
    parser.add_argument("--add", type=int, default=1000, help="documents added afterwards")
    parser.add_argument("--out", type=Path, default=Path("bench/out/incremental"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    raw, inc, full = args.out / "raw", args.out / "clean", args.out / "clean-full"
    rng = random.Random(args.seed)
    vocab, pool = vocabulary(rng), []
    generate(raw, args.docs, 0, rng, vocab, pool)
    t = time.perf_counter()
    base = clean_corpus(raw, inc)
    t_base = time.perf_counter() - t
    generate(
        raw,
        args.add,
        args.docs + SHARD - args.docs % SHARD if args.docs % SHARD else args.docs,
        rng,
        vocab,
        pool,
    )
    t = time.perf_counter()
    step = clean_corpus(raw, inc)
    t_inc = time.perf_counter() - t
    t = time.perf_counter()
    rebuilt = clean_corpus(raw, full)
    t_full = time.perf_counter() - t
    print(
        f"base corpus:      {args.docs} docs, full build {t_base:.1f}s "
        f"({base.kept} kept, {base.duplicates} near-duplicates)"
    )
    print(
        f"incremental run:  +{args.add} docs, {step.mode}, cleaned {step.documents_cleaned}, "
        f"{t_inc:.2f}s ({step.kept} kept, {step.duplicates} near-duplicates)"
    )
    print(f"full rebuild:     {rebuilt.documents_in} docs, {t_full:.1f}s")
    print(
        f"ratio incremental/full: {t_inc / t_full:.3f}  identical output: {same_output(inc, full)}"
    )


if __name__ == "__main__":
    main()

"""Generate a deterministic synthetic corpus for speed benchmarks, as JSONL.

Each document is about 4 KB of English-like text: words drawn from a Zipf law
(exponent 1.1) over a fixed vocabulary of made-up words, in sentences and
paragraphs. A share ``--dup-rate`` of the documents are near-duplicates of an
earlier document: a few words changed, a paragraph dropped, or a line added.
Each record is ``{"id": int, "text": str, "src": int | null, "mut": str}``, where
``src`` is the id of the document a near-duplicate was made from.

    python bench/gen_corpus.py --docs 200000 --out corpus.jsonl [--dup-rate 0.1] [--seed 0]

The same arguments always give the same bytes. Needs numpy only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

SYLLABLES = [c + v for c in "bdklmnrstv" for v in "aeiou"]  # 50 open syllables


def vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    """``size`` distinct made-up words of 1-4 syllables, shorter words more common."""
    words: dict[str, None] = {}
    while len(words) < size:
        n = int(rng.choice([1, 2, 2, 3, 3, 3, 4]))
        words["".join(SYLLABLES[int(i)] for i in rng.integers(0, len(SYLLABLES), n))] = None
    return sorted(words, key=lambda w: (len(w), w))


def _document(rng: np.random.Generator, vocab: list[str], cdf: np.ndarray, words: int) -> str:
    idx = np.searchsorted(cdf, rng.random(words))
    toks = [vocab[i] for i in idx.tolist()]
    cuts = np.cumsum(rng.integers(8, 25, size=words // 8 + 2))
    paras, sent, para = [], [], []
    start = 0
    for end in cuts.tolist():
        if start >= words:
            break
        s = toks[start:end]
        sent.append(s[0].capitalize() + " " + " ".join(s[1:]) + ".")
        if len(sent) >= 4 and rng.random() < 0.35:
            para.append(" ".join(sent))
            sent = []
        start = end
    if sent:
        para.append(" ".join(sent))
    paras.extend(para)
    return "\n\n".join(paras)


def _mutate(text: str, rng: np.random.Generator, vocab: list[str]) -> tuple[str, str]:
    kind = ("typos", "para_drop", "line_added")[int(rng.integers(0, 3))]
    if kind == "typos":
        toks = text.split(" ")
        for pos in rng.integers(0, len(toks), size=max(1, len(toks) // 100)).tolist():
            toks[pos] = vocab[int(rng.integers(0, len(vocab)))]
        return " ".join(toks), kind
    paras = text.split("\n\n")
    if kind == "para_drop" and len(paras) > 4:
        del paras[int(rng.integers(0, len(paras)))]
        return "\n\n".join(paras), kind
    return text + "\n\nShare this article with your friends.", "line_added"


def generate(docs: int, dup_rate: float = 0.1, seed: int = 0) -> Iterator[dict[str, object]]:
    """Yield ``docs`` records; the same arguments always give the same records."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary(50_000, rng)
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** 1.1
    cdf = np.cumsum(weights) / weights.sum()
    recent: list[tuple[int, str]] = []  # sources for near-duplicates: a window of recent docs
    for i in range(docs):
        if recent and rng.random() < dup_rate:
            src, base = recent[int(rng.integers(0, len(recent)))]
            text, mut = _mutate(base, rng, vocab)
            yield {"id": i, "text": text, "src": src, "mut": mut}
            continue
        text = _document(rng, vocab, cdf, int(rng.integers(750, 1050)))
        recent.append((i, text))
        if len(recent) > 1000:
            recent.pop(int(rng.integers(0, len(recent))))
        yield {"id": i, "text": text, "src": None, "mut": "original"}


def write(
    out: Path, docs: int, dup_rate: float = 0.1, seed: int = 0, per_file: int = 2000
) -> list[Path]:
    """Write the corpus into folder ``out`` as ``part-NNNNN.jsonl`` files of ``per_file``
    records (a run cleans one file per task, so a corpus in parts uses every core)."""
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    handle = None
    for i, rec in enumerate(generate(docs, dup_rate, seed)):
        if i % per_file == 0:
            if handle is not None:
                handle.close()
            files.append(out / f"part-{i // per_file:05d}.jsonl")
            handle = files[-1].open("w", encoding="utf-8")
        assert handle is not None
        handle.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    if handle is not None:
        handle.close()
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=200_000, help="number of documents")
    ap.add_argument("--out", required=True, help="output JSONL path ('-' for stdout)")
    ap.add_argument("--dup-rate", type=float, default=0.1, help="share of near-duplicates")
    ap.add_argument("--seed", type=int, default=0, help="random seed")
    args = ap.parse_args(argv)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for rec in generate(args.docs, args.dup_rate, args.seed):
            out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What ``corpus-repeat`` takes from kept documents on a news corpus with near-duplicates.

dedup-dev (``../shared/bench/dedup-dev/docs.jsonl``) holds 896 news articles and 736
near-duplicates made from them; here they are one JSONL file, so all their lines count
in one source, as a crawl of one site would. Near-duplicate twins share paragraphs:
counted once per document, an article with two twins holds each of its paragraphs
three times, and those the line model doubts go as ``corpus-repeat`` from the copy that
is kept. This script runs ``cleaner run`` on the set (in a temporary folder) and
prints, for the kept documents, the lines ``corpus-repeat`` removed; among them the
content-like ones (over 80 characters, ending like a sentence; on this set most of them
are the synthetic site header and footer, repeated across distinct articles, which
should go); and the lines that are lines of a real article (``mut`` "original"), which
should stay. Run it at two commits to compare them.

    python bench/bench_corpus_repeat.py [--dedup-dev PATH] [--boilerplate-dev PATH]

With ``--boilerplate-dev PATH`` it also runs ``cleaner run --no-dedup`` on that set's
raw pages (one folder, as the README's corpus row) and prints what ``corpus-repeat``
removed there: navigation and footers that repeat across distinct pages.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.config import CleanConfig, DedupConfig  # noqa: E402
from cleaner.run.corpus import clean_corpus  # noqa: E402

SENTENCE_END = re.compile(r"[.!?\"'”’)]$")
CONTENT_CHARS = 80  # a line longer than this that ends like a sentence reads as content


def content_like(text: str) -> bool:
    """A line a reader would call a paragraph of the article."""
    text = text.strip()
    return len(text) > CONTENT_CHARS and bool(SENTENCE_END.search(text))


def rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def repeat_removals(out: Path, article: set[str]) -> dict[str, Any]:
    """corpus-repeat removals from kept documents, from a run's corpus and audit;
    ``article`` holds the lines of the real articles (empty: not known)."""
    kept = {r["id"] for r in rows(out / "corpus.jsonl")}
    removed = [
        r for r in rows(out / "audit.jsonl") if r.get("rule") == "corpus-repeat" and r["id"] in kept
    ]
    content = [r for r in removed if content_like(r["text"])]
    paragraphs = [r for r in content if r["text"].strip() in article]
    lines = [r for r in removed if r["text"].strip() in article]
    return {
        "kept documents": len(kept),
        "corpus-repeat lines (documents)": f"{len(removed)} ({len({r['id'] for r in removed})})",
        "content-like lines (documents)": f"{len(content)} ({len({r['id'] for r in content})})",
        "of them article paragraphs (documents)": (
            f"{len(paragraphs)} ({len({r['id'] for r in paragraphs})})" if article else "n/a"
        ),
        "article lines of any length (documents)": (
            f"{len(lines)} ({len({r['id'] for r in lines})})" if article else "n/a"
        ),
    }


def article_lines(folder: Path) -> set[str]:
    """The lines of the set's real articles (``mut`` "original"): its content."""
    originals = {r["id"] for r in rows(folder / "docs_meta.jsonl") if r["mut"] == "original"}
    return {
        line.strip()
        for r in rows(folder / "docs.jsonl")
        if r["id"] in originals
        for line in r["text"].split("\n")
        if line.strip()
    }


def run(raw: Path, out: Path, config: CleanConfig, article: set[str]) -> str:
    t0 = time.perf_counter()
    clean_corpus(raw, out, config, incremental=False)
    found = repeat_removals(out, article)
    seconds = time.perf_counter() - t0
    return "\n".join([f"  {k}: {v}" for k, v in found.items()] + [f"  seconds: {seconds:.1f}"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dedup-dev", type=Path, default=ROOT.parent / "shared/bench/dedup-dev")
    ap.add_argument("--boilerplate-dev", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        # one JSONL file: every document is in one source, as a crawl of one site would be
        docs = [
            {"id": str(r["id"]), "text": r["text"]} for r in rows(args.dedup_dev / "docs.jsonl")
        ]
        (raw / "docs.jsonl").write_text(
            "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8"
        )
        article = article_lines(args.dedup_dev)
        print("dedup-dev, cleaner run:")
        print(run(raw, Path(tmp) / "out", CleanConfig(), article))
        if args.boilerplate_dev is not None:
            print("boilerplate-dev, cleaner run --no-dedup:")
            nodedup = CleanConfig(dedup=DedupConfig(documents=False))
            print(run(args.boilerplate_dev / "raw", Path(tmp) / "bp", nodedup, set()))


if __name__ == "__main__":
    main()

"""Benchmark the HTML path beside trafilatura on the same HTML and cleaner on the text.

For each set (boilerplate-dev, pydocs-dev), in one run and one process:

- ``trafilatura``: ``trafilatura.extract`` on each page's original HTML (``html/``);
- ``cleaner-html``: cleaner's HTML path: :func:`cleaner.html.parse_html`, then the
  per-document chain of ``cleaner run --no-dedup`` (repair, redaction if on, the
  boilerplate stage with the HTML line model, repeated paragraphs; corpus repeats
  counted per site);
- ``cleaner-text``: the same chain on the flattened text (``raw/``), with the text model.

It scores the three with the shared scorer, overall and by page type and source, and
prints pages per CPU-second for each (process time of this process: nothing runs in
another). cleaner's shipped models were trained on these dev pages, so its rows here
are in-sample; the held-out figures come from ``bench/train_boilerplate.py`` (grouped
cross-validation), which this script prints from the model files.

    python bench/bench_html.py [--bench ../shared/bench] [--out bench/out] [--sets ...]

Needs the ``html`` extra and trafilatura (``pip install -e '.[html]' trafilatura``).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_boilerplate import score  # noqa: E402
from cleaner.config import CleanConfig, DedupConfig  # noqa: E402
from cleaner.document import Document  # noqa: E402
from cleaner.html import parse_html  # noqa: E402
from cleaner.pipeline import Pipeline  # noqa: E402
from cleaner.rules.model import HTML_MODEL_PATH, MODEL_PATH  # noqa: E402


def load(folder: Path) -> list[dict[str, Any]]:
    pages = []
    for line in (folder / "meta.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        rec["html"] = gzip.decompress((folder / "html" / f"{rec['id']}.html.gz").read_bytes())
        rec["raw"] = (folder / "raw" / f"{rec['id']}.txt").read_text(encoding="utf-8")
        rec["site"] = rec.get("domain") or rec.get("source") or ""
        pages.append(rec)
    return sorted(pages, key=lambda p: p["id"])


def timed(run: Callable[[], list[str]]) -> tuple[list[str], float]:
    start = time.process_time()
    out = run()
    return out, time.process_time() - start


def trafilatura_texts(pages: list[dict[str, Any]]) -> list[str]:
    import trafilatura

    return [trafilatura.extract(p["html"]) or "" for p in pages]


def cleaner_texts(pages: list[dict[str, Any]], html: bool) -> list[str]:
    chain = Pipeline.from_config(CleanConfig(dedup=DedupConfig(documents=False)))
    docs = []
    for p in pages:
        if html:
            page = parse_html(p["html"])
            docs.append(
                Document(p["id"], f"{p['id']}.html", page.text, meta={"site": p["site"]},
                         hints=page.hints)
            )  # fmt: skip
        else:
            docs.append(Document(p["id"], f"{p['id']}.txt", p["raw"], meta={"site": p["site"]}))
    return [d.text for d in chain.run(docs)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--sets", default="boilerplate-dev,pydocs-dev")
    args = ap.parse_args()
    args.bench, args.out = args.bench.resolve(), args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    scorer = args.bench / "score_boilerplate.py"
    for name in args.sets.split(","):
        pages = load(args.bench / name)
        systems: dict[str, Callable[[], list[str]]] = {
            "trafilatura": functools.partial(trafilatura_texts, pages),
            "cleaner-html": functools.partial(cleaner_texts, pages, html=True),
            "cleaner-text": functools.partial(cleaner_texts, pages, html=False),
        }
        paths, speed = [], []
        for system, run in systems.items():
            texts, seconds = timed(run)
            path = args.out / f"{name}.{system}.jsonl"
            with path.open("w", encoding="utf-8") as f:
                for p, text in zip(pages, texts, strict=True):
                    f.write(json.dumps({"id": p["id"], "text": text}, ensure_ascii=False) + "\n")
            paths.append(path)
            speed.append(f"{system}: {len(pages) / seconds:.1f} pages/CPU-s ({seconds:.1f} CPU-s)")
        names = ",".join(systems)
        print(f"## {name}: {len(pages)} pages (cleaner in-sample)")
        print(score(scorer, name, paths, names, "none").rstrip())
        if name == "boilerplate-dev":
            for by in ("page_type", "source"):
                print(f"### by {by}")
                print(score(scorer, name, paths, names, by).rstrip())
        print("\n".join(speed))
        print()
    for label, path in (("text", MODEL_PATH), ("html", HTML_MODEL_PATH)):
        if path.is_file():
            cv = json.loads(path.read_text(encoding="utf-8")).get("cv")
            print(f"## {label} line model, held out (5 folds grouped by domain, from training):")
            print(json.dumps(cv, sort_keys=True))


if __name__ == "__main__":
    main()

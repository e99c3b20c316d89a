"""Benchmark the boilerplate stage on boilerplate-dev and pydocs-dev.

Runs cleaner's StripBoilerplate stage (two passes, with corpus counts per site) over
each set's raw/ folder, and the whole per-document chain of ``cleaner run --no-dedup``
(text repair, the stage, repeated paragraphs dropped; corpus repeats counted per site,
where a run counts them per input file), writes JSONL predictions keyed by ``source``,
scores them with the shared scorer in a subprocess, and prints cleaner beside two
baselines measured in the same run: no cleaning, and the C4 line filter as the bench
README defines it.

    python bench/bench_boilerplate.py [--bench ../shared/bench] [--out bench/out] [--losses 15]

Besides the score tables (all pages, by page type, by source) it counts what each rule
removed (pages, lines, tokens, and the gold tokens among them), and it lists the pages
that cost the macro score most, each with the rules that removed its gold tokens (and the
line model's cut) and the kept line with most tokens that are not in the gold: where
to look next. These are in-sample; held-out folds come from
``bench/train_boilerplate.py --cv-only`` (``--dump DIR`` writes their output), and
``--held-out DIR`` scores that output (of the text model: this script runs the text
path) beside this run's corpus, by page type and source, and lists the pages that cost
most held out, each with its in-sample scores.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.config import BoilerplateConfig, CleanConfig, DedupConfig  # noqa: E402
from cleaner.document import Change, Document  # noqa: E402
from cleaner.pipeline import Pipeline  # noqa: E402
from cleaner.rules.model import MODEL_PATH  # noqa: E402
from cleaner.stages.boilerplate import StripBoilerplate  # noqa: E402

C4_BAD = re.compile(
    r"javascript|lorem ipsum|\{|terms of use|privacy policy|cookie policy|uses cookies"
    r"|use of cookies|use cookies",
    re.IGNORECASE,
)
C4_END = (".", "!", "?", '"', "'", "”", "…", "’")
CITATION = re.compile(r"\[\d+\]")


def c4_line_filter(text: str) -> str:
    """The C4 / datatrove C4QualityFilter line rules, applied per line only."""
    kept = []
    for line in text.split("\n"):
        line = CITATION.sub("", line).strip()
        words = line.split()
        if (
            line.endswith(C4_END)
            and len(words) >= 3
            and max(map(len, words)) <= 1000
            and not C4_BAD.search(line)
        ):
            kept.append(line)
    return "\n\n".join(kept)


def read_meta(folder: Path) -> dict[str, dict[str, Any]]:
    """The set's ``meta.jsonl``, by page id."""
    lines = (folder / "meta.jsonl").read_text(encoding="utf-8").splitlines()
    return {(rec := json.loads(line))["id"]: rec for line in lines}


def load(folder: Path) -> list[Document]:
    meta = read_meta(folder)
    docs = []
    for path in sorted((folder / "raw").glob("*.txt")):
        rec = meta.get(path.stem, {})
        site = rec.get("domain") or rec.get("source") or ""
        text = path.read_text(encoding="utf-8")
        docs.append(Document(path.stem, path.name, text, meta={"site": site}))
    return docs


def write(path: Path, records: list[tuple[str, str]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for source, text in records:
            f.write(json.dumps({"source": source, "text": text}, ensure_ascii=False) + "\n")


def score(scorer: Path, name: str, preds: list[Path], names: str, by: str) -> str:
    cmd = [sys.executable, str(scorer), name, *map(str, preds), "--names", names, "--by", by]
    cmd += ["--bootstrap", "0"]
    done = subprocess.run(cmd, cwd=scorer.parent, capture_output=True, text=True, check=True)
    return done.stdout


def run_set(bench: Path, out: Path, name: str, top: int) -> dict[str, Any]:
    docs = load(bench / name)
    size = sum(len(d.text.encode()) for d in docs)
    stage = StripBoilerplate(BoilerplateConfig())
    start = time.perf_counter()
    cleaned = list(stage.run(docs))
    seconds = time.perf_counter() - start
    golds = gold_tokens(bench / name, docs)
    # the per-document chain of `cleaner run --no-dedup`: repair, the stage, repeated paragraphs
    chain = Pipeline.from_config(CleanConfig(dedup=DedupConfig(documents=False)))
    corpus = list(chain.run(docs))
    paths = {
        "raw": out / f"{name}.raw.jsonl",
        "c4": out / f"{name}.c4.jsonl",
        "cleaner": out / f"{name}.cleaner.jsonl",
        "corpus": out / f"{name}.corpus.jsonl",
    }
    write(paths["raw"], [(d.source, d.text) for d in docs])
    write(paths["c4"], [(d.source, c4_line_filter(d.text)) for d in docs])
    write(paths["cleaner"], [(d.source, d.text) for d in cleaned])
    write(paths["corpus"], [(d.source, d.text) for d in corpus])
    scorer = bench / "score_boilerplate.py"
    names = "raw,c4,cleaner,cleaner-corpus"
    table = score(scorer, name, list(paths.values()), names, "none")
    by_type = score(scorer, name, [paths["cleaner"]], "cleaner", "page_type")
    by_source = score(scorer, name, [paths["cleaner"]], "cleaner", "source")
    return {
        "docs": len(docs), "seconds": seconds, "mb": size / 1e6,
        "table": table, "by_type": by_type, "by_source": by_source,
        "losses": losses(bench / name, golds, cleaned, top) if top else "",
        "rules": by_rule(golds, cleaned),
        "held": (docs, golds, corpus),  # for --held-out
    }  # fmt: skip


TOKEN = re.compile(r"\w+")  # the scorer's tokens: case-sensitive unigrams


def gold_taken(gold: Counter[str], out: Document) -> list[tuple[Change, int]]:
    """Each removal of ``out`` with the gold tokens it took: those the output lacks,
    handed to the removals in order (a token the output keeps was taken by none)."""
    left = gold - Counter(TOKEN.findall(out.text))
    taken = []
    for change in out.changes:
        mine = Counter(TOKEN.findall(change.text)) & left
        left -= mine
        taken.append((change, sum(mine.values())))
    return taken


def gold_tokens(folder: Path, docs: list[Document]) -> list[Counter[str]]:
    """Each page's gold, as the scorer's tokens."""
    return [
        Counter(TOKEN.findall((folder / "gold" / d.source).read_text(encoding="utf-8")))
        for d in docs
    ]


def by_rule(golds: list[Counter[str]], cleaned: list[Document]) -> str:
    """Per rule: the pages and lines it removed, their tokens, and how many of those were
    gold tokens (as :func:`gold_taken` hands them out): what each rule costs."""
    pages: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    tokens: Counter[str] = Counter()
    gold_tokens: Counter[str] = Counter()
    for gold, out in zip(golds, cleaned, strict=True):
        seen = set()
        for change, n in gold_taken(gold, out):
            seen.add(change.rule)
            lines[change.rule] += 1
            tokens[change.rule] += len(TOKEN.findall(change.text))
            gold_tokens[change.rule] += n
        pages.update(seen)
    rows = ["| rule | pages | lines | tokens | gold tokens |", "|---|---|---|---|---|"]
    rows += [
        f"| {rule} | {pages[rule]} | {n} | {tokens[rule]} | {gold_tokens[rule]} |"
        for rule, n in lines.most_common()
    ]
    return "\n".join(rows)


def page_scores(gold: Counter[str], text: str) -> tuple[float, float, Counter[str]]:
    """A page's precision and recall of ``text`` against ``gold`` (as the scorer counts
    them, but an empty output has precision 0), and the kept tokens not in the gold."""
    kept = Counter(TOKEN.findall(text))
    hit = sum((gold & kept).values())
    p = hit / max(sum(kept.values()), 1) if kept else 0.0
    return p, hit / max(sum(gold.values()), 1), kept - gold


def worst_line(text: str, extra: Counter[str]) -> str:
    """The line of ``text`` that holds most of the tokens ``extra`` (kept, not gold)."""
    return max(
        text.split("\n"),
        key=lambda line: sum((Counter(TOKEN.findall(line)) & extra).values()),
        default="",
    )


def losses(folder: Path, golds: list[Counter[str]], cleaned: list[Document], top: int) -> str:
    """The ``top`` pages that cost the macro score most, (1 - P) + (1 - R), each with
    what lost it: the gold tokens every rule removed (for the line model, the highest
    cut it ran under) and the kept tokens that are not in the gold, with the kept line
    that holds most of them. Tokens as the scorer counts them (a multiset of ``\\w+``);
    unlike the scorer, an empty output counts here as precision 0."""
    meta = read_meta(folder)
    rows = []
    for gold, out in zip(golds, cleaned, strict=True):
        p, r, extra = page_scores(gold, out.text)
        lost: Counter[str] = Counter()
        cut: dict[str, float] = {}
        for change, taken in gold_taken(gold, out):
            lost[change.rule] += taken
            if "cut" in change.detail and taken:
                cut[change.rule] = max(cut.get(change.rule, 0.0), change.detail["cut"])
        worst = worst_line(out.text, extra)
        rows.append((2.0 - p - r, out.id, p, r, lost, cut, sum(extra.values()), worst))
    rows.sort(key=lambda row: (-row[0], row[1]))
    lines = []
    for _, page, p, r, lost, cut, extra_n, worst in rows[:top]:
        rec = meta.get(page, {})
        why = ", ".join(
            f"{rule} {n}" + (f" (cut {cut[rule]:.2f})" if rule in cut else "")
            for rule, n in lost.most_common(3)
            if n
        )
        lines.append(
            f"  {page} ({rec.get('page_type', '?')}, {rec.get('domain', '?')}) P {p:.2f} "
            f"R {r:.2f} | gold lost to: {why or 'nothing'} | kept not gold: {extra_n} "
            f"tokens, most in {worst.strip()[:70]!r}"
        )
    return "\n".join(lines)


def held_out_file(folder: Path) -> Path:
    """The held-out corpus output ``train_boilerplate.py --dump`` wrote to ``folder``."""
    found = sorted(folder.glob("corpus-*.jsonl"))
    if len(found) != 1:
        raise SystemExit(f"{folder}: expected one corpus-W.jsonl from --dump, found {len(found)}")
    return found[0]


def held_out_losses(
    folder: Path, docs: list[Document], golds: list[Counter[str]], corpus: list[Document],
    held: Path, top: int,
) -> str:  # fmt: skip
    """The ``top`` pages that cost most held out, (1 - P) + (1 - R), each with its
    in-sample P and R (this run's corpus) and the held-out kept line with most tokens
    that are not in the gold."""
    texts: dict[str, list[str]] = {}
    for line in held.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        texts.setdefault(rec["id"], []).append(rec["text"])
    meta = read_meta(folder)
    rows = []
    for doc, gold, inside in zip(docs, golds, corpus, strict=True):
        page = Path(doc.source).stem
        text = "\n\n".join(texts.get(page, []))
        p, r, extra = page_scores(gold, text)
        p_in, r_in, _ = page_scores(gold, inside.text)
        worst = worst_line(text, extra)
        rows.append((2.0 - p - r, page, p, r, p_in, r_in, sum(extra.values()), worst))
    rows.sort(key=lambda row: (-row[0], row[1]))
    lines = []
    for _, page, p, r, p_in, r_in, extra_n, worst in rows[:top]:
        rec = meta.get(page, {})
        lines.append(
            f"  {page} ({rec.get('page_type', '?')}, {rec.get('domain', '?')}) held out P "
            f"{p:.2f} R {r:.2f}, in-sample P {p_in:.2f} R {r_in:.2f} | kept not gold: "
            f"{extra_n} tokens, most in {worst.strip()[:70]!r}"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--sets", default="boilerplate-dev,pydocs-dev")
    ap.add_argument("--losses", type=int, default=15, help="pages listed with what lost them")
    ap.add_argument(
        "--held-out",
        type=Path,
        help="a folder train_boilerplate.py --dump wrote (the text model: this script runs "
        "the text path): its held-out corpus scored beside this run's, by page type and "
        "source, with the pages it costs most",
    )
    args = ap.parse_args()
    # the scorer runs from its own folder: paths given relative to here must not move
    args.bench, args.out = args.bench.resolve(), args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    held = None if args.held_out is None else held_out_file(args.held_out.resolve())
    for name in args.sets.split(","):
        res = run_set(args.bench, args.out, name, args.losses)
        print(f"## {name}: {res['docs']} pages")
        print(res["table"].rstrip())
        print(
            f"cleaner throughput: {res['docs'] / res['seconds']:.1f} pages/s, "
            f"{res['mb'] / res['seconds']:.2f} MB/s ({res['seconds']:.1f} s)"
        )
        if name == "boilerplate-dev":
            print("### cleaner by page_type")
            print(res["by_type"].rstrip())
            print("### cleaner by source")
            print(res["by_source"].rstrip())
        print("### cleaner's removals by rule (the stage)")
        print(res["rules"])
        if args.losses:
            print(f"### the {args.losses} pages that cost most, (1 - P) + (1 - R), and why")
            print(res["losses"])
        if held is not None:
            show_held_out(args, name, res, held)
        print()
    if MODEL_PATH.is_file():
        cv = json.loads(MODEL_PATH.read_text(encoding="utf-8")).get("cv")
        print("## line model, cross-validated (grouped by domain, from training):")
        print(json.dumps(cv, sort_keys=True))


def show_held_out(args: argparse.Namespace, name: str, res: dict[str, Any], held: Path) -> None:
    """The held-out corpus beside this run's (in-sample) one, and what costs most held out."""
    scorer = args.bench / "score_boilerplate.py"
    preds = [args.out / f"{name}.corpus.jsonl", held]
    by = "page_type" if name == "boilerplate-dev" else "none"
    print(f"### the corpus in-sample beside held out ({held.name}), by {by}")
    print(score(scorer, name, preds, "in-sample,held-out", by).rstrip())
    if name == "boilerplate-dev":
        print(score(scorer, name, preds, "in-sample,held-out", "source").rstrip())
    if args.losses:
        print(f"### the {args.losses} pages that cost most held out")
        print(held_out_losses(args.bench / name, *res["held"], held, args.losses))


if __name__ == "__main__":
    main()

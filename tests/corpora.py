"""Corpora for the tests that run cleaner: deterministic articles and near-duplicates of
them, and the outputs of a run as two runs are compared."""

from __future__ import annotations

import json
import random
from pathlib import Path

from cleaner import CleanConfig, clean_corpus
from cleaner.run.report import Report
from cleaner.store.manifest import AUDIT, CORPUS, MANIFEST, comparable

WORDS = tuple(
    [
        "river",
        "stone",
        "market",
        "lantern",
        "harbor",
        "winter",
        "council",
        "bridge",
        "orchard",
        "signal",
        "meadow",
        "copper",
        "village",
        "engine",
        "garden",
        "ledger",
        "festival",
        "canal",
        "quarry",
        "beacon",
        "tower",
        "mill",
        "harvest",
        "rail",
        "ferry",
        "school",
        "clinic",
        "museum",
        "theater",
        "forest",
        "valley",
    ]
)


def text(seed: int, words: int = 120) -> str:
    """A deterministic article of a few paragraphs."""
    rng = random.Random(seed)
    body = [rng.choice(WORDS) for _ in range(words)]
    paras = [" ".join(body[i : i + 40]) + "." for i in range(0, words, 40)]
    return "\n\n".join(paras)


def variant(base: str, seed: int, changes: int = 2, extra: int = 0) -> str:
    """A near-duplicate: a few words changed, ``extra`` words appended (longer)."""
    rng = random.Random(seed)
    words = base.split(" ")
    for _ in range(changes):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    tail = " ".join(rng.choice(WORDS) for _ in range(extra))
    return " ".join(words) + (f"\n\nAddendum {tail}." if extra else "")


def outputs(folder: Path) -> dict[str, object]:
    """The outputs as compared between runs: the bytes of the corpus and the audit, and
    the manifest without the keys that differ between identical runs."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return {
        **{n: (folder / n).read_bytes() for n in (CORPUS, AUDIT)},
        "manifest": comparable(manifest),
    }


def run_both(raw: Path, out: Path, scratch: Path, config: CleanConfig | None = None) -> Report:
    """Run incrementally into ``out`` and from scratch into ``scratch``; they must agree."""
    report = clean_corpus(raw, out, config)
    clean_corpus(raw, scratch, config)
    inc, full = outputs(out), outputs(scratch)
    for name in inc:
        assert inc[name] == full[name], f"{name} differs from a full rebuild"
    return report

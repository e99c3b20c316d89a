"""A small corpus that exercises every stage, for the sharded-run tests."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = [
    "river",
    "stone",
    "market",
    "harbor",
    "council",
    "budget",
    "winter",
    "school",
    "garden",
    "railway",
    "bridge",
    "museum",
    "festival",
    "orchard",
    "village",
    "doctor",
    "engine",
    "ferry",
    "lantern",
    "meadow",
    "quarry",
    "tower",
    "valley",
    "copper",
    "signal",
    "parcel",
    "mayor",
    "tunnel",
    "glacier",
    "canyon",
]


def _paragraph(rng: random.Random, words: int) -> str:
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    return body[0].upper() + body[1:] + "."


def _article(rng: random.Random) -> str:
    paras = [_paragraph(rng, rng.randint(20, 60)) for _ in range(rng.randint(3, 7))]
    if rng.random() < 0.3:  # a repeated block, also with a word changed
        copy = paras[0].split()
        copy[len(copy) // 2] = "changed"
        paras.insert(2, " ".join(copy))
    if rng.random() < 0.3:  # damage for repair-text
        paras[-1] = paras[-1].replace("e", "Ã©", 1) + " &amp; more\u00a0 "
    return "\r\n\r\n\r\n".join(paras) if rng.random() < 0.2 else "\n\n".join(paras)


def write_corpus(root: Path, docs: int = 120, seed: int = 7) -> Path:
    """``docs`` articles over two JSONL files and some text files; about a fifth are
    near-copies of an earlier article (one word changed), some exact copies; plus
    an empty file and a malformed JSONL record."""
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(docs):
        if texts and rng.random() < 0.2:
            words = rng.choice(texts).split(" ")
            if rng.random() < 0.7:
                words[rng.randrange(len(words))] = "altered"
            texts.append(" ".join(words))
        else:
            texts.append(_article(rng))
    root.mkdir(parents=True, exist_ok=True)
    third = len(texts) // 3
    for name, part in (("a.jsonl", texts[:third]), ("b.jsonl", texts[third : 2 * third])):
        lines = [json.dumps({"text": t, "url": f"u{i}"}) for i, t in enumerate(part)]
        lines.insert(len(lines) // 2, "{not json")
        (root / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for i, text in enumerate(texts[2 * third :]):
        (root / "pages" / f"{i:04d}.txt").parent.mkdir(exist_ok=True)
        (root / "pages" / f"{i:04d}.txt").write_text(text, encoding="utf-8")
    (root / "empty.txt").write_text("", encoding="utf-8")
    return root

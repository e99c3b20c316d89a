"""redact-pii: precision and recall on values planted in real text, and its hits on
text with nothing planted.

Planted: into each of boilerplate-dev's 623 gold texts, at paragraph ends, one value
of each type, made at random in the forms people write them (e-mail addresses of
several shapes; phone numbers international, North American, European with and
without area-code brackets, E.164 ("+14155552671") and "1-800-...", national forms
("1 (800) ...", "0044 ...", "030 1234567", "06 12 34 56 78"); public IPv4 addresses; Visa,
Mastercard and Amex numbers with and without spaces or hyphens). Recall: the share of
planted values gone from the text, replaced by their own type's placeholder.
Precision: of the replacements a planted text gains over the same text unplanted, the
share that are planted values of that type. Then the hits on the dev texts as they are
(boilerplate-dev gold and raw, pydocs-dev raw, dedup-dev), with examples, to be read
by a person: a contact address on a page is a true hit, a version number read as an
IP address a false one.

    python bench/bench_pii.py [--bench PATH] [--examples N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.names import PiiType  # noqa: E402
from cleaner.stages.filters.pii import KINDS, redact  # noqa: E402

NAMES = ["jane", "j.doe", "mark_li", "anna-maria", "o.brien", "k2", "sales", "info"]
DOMAINS = ["example.com", "mail.example.org", "uni-example.de", "example.co.uk"]


def luhn_complete(digits: list[int]) -> list[int]:
    for last in range(10):
        total = 0
        for i, d in enumerate(reversed([*digits, last])):
            total += (d * 2 - 9 if d > 4 else d * 2) if i % 2 else d
        if total % 10 == 0:
            return [*digits, last]
    raise AssertionError


def make(kind: PiiType, rng: random.Random) -> str:
    if kind == PiiType.EMAIL:
        return (
            f"{rng.choice(NAMES)}{rng.choice(['', str(rng.randint(1, 99))])}@{rng.choice(DOMAINS)}"
        )
    if kind == PiiType.IP_ADDRESS:
        while True:
            parts = [
                rng.randint(1, 223),
                rng.randint(0, 255),
                rng.randint(0, 255),
                rng.randint(1, 254),
            ]
            if parts[0] not in (10, 127, 100, 169, 172, 192, 198, 203):
                return ".".join(map(str, parts))
    if kind == PiiType.CARD_NUMBER:
        prefix, size = rng.choice([([4], 16), ([5, rng.randint(1, 5)], 16), ([3, 7], 15)])
        digits = luhn_complete(prefix + [rng.randint(0, 9) for _ in range(size - len(prefix) - 1)])
        text = "".join(map(str, digits))
        sep = rng.choice(["", " ", "-"])
        groups = [4, 6, 5] if size == 15 else [4, 4, 4, 4]
        out, at = [], 0
        for g in groups:
            out.append(text[at : at + g])
            at += g
        return sep.join(out)
    d = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
    return rng.choice(
        [
            f"+44 20 {d(4)} {d(4)}",
            f"+1-{rng.randint(2, 9)}{d(2)}-{d(3)}-{d(4)}",
            f"({rng.randint(2, 9)}{d(2)}) {d(3)}-{d(4)}",
            f"{rng.randint(2, 9)}{d(2)}-{d(3)}-{d(4)}",
            f"+49 30 {d(4)} {d(4)}",
            f"030 {d(4)} {d(4)}",
            f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}",
            f"{rng.randint(2, 9)}{d(2)}.{d(3)}.{d(4)}",
            f"+1{rng.randint(2, 9)}{d(9)}",  # E.164, as forms and APIs store them
            f"+44{rng.randint(1, 9)}{d(9)}",
            f"+49 30 {d(7)}",  # a subscriber number of seven digits
            f"1-{rng.choice(['800', '888', '877'])}-{d(3)}-{d(4)}",  # toll-free, with the 1
            # national forms: a trunk 1 before a bracketed area code, "00" for "+", a
            # trunk 0 and an area code before an unbroken number, French pairs, en dashes
            f"1 ({rng.choice(['800', '888', '877'])}) {d(3)}-{d(4)}",
            f"0044 20 {d(4)} {d(4)}",
            f"030 {rng.randint(2, 9)}{d(6)}",
            f"030/{rng.randint(2, 9)}{d(6)}",
            f"07{d(3)} {d(6)}",
            f"0{rng.randint(1, 7)} {d(2)} {d(2)} {d(2)} {d(2)}",
            f"{rng.randint(2, 9)}{d(2)}\u2013{d(3)}\u2013{d(4)}",
        ]
    )


def _cpu(work: Callable[[], object]) -> float:
    t0 = time.process_time()
    work()
    return time.process_time() - t0


FRAMES = ["Contact: {}.", "Write to {} for details.", "Call us on {} today.", "({})", "{}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--examples", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5, help="timed passes; the best counts")
    args = parser.parse_args()
    rng = random.Random(1)
    gold = [
        p.read_text(encoding="utf-8") for p in sorted(args.bench.glob("boilerplate-dev/gold/*.txt"))
    ]
    planted, found, gained, right = Counter(), Counter(), Counter(), Counter()
    for text in gold:
        paragraphs = text.split("\n\n")
        values = []
        for kind in PiiType:
            value = make(kind, rng)
            at = rng.randrange(len(paragraphs))
            paragraphs[at] += " " + rng.choice(FRAMES).format(value)
            values.append((kind, value))
        _, before = redact(text)
        out, after = redact("\n\n".join(paragraphs))
        extra = Counter(after) - Counter(before)
        for kind, value in values:
            planted[kind] += 1
            gone = value not in out
            found[kind] += gone and extra[kind] > 0
        for kind in PiiType:
            gained[kind] += extra[kind]
            right[kind] += min(extra[kind], 1)  # one of each type planted per text
    print("type | planted | recall | precision")
    for kind in PiiType:
        print(f"{kind} | {planted[kind]} | {found[kind] / planted[kind]:.3f} | "
              f"{right[kind] / max(1, gained[kind]):.3f}")  # fmt: skip

    sets = {
        "boilerplate-dev gold": gold,
        "boilerplate-dev raw": [
            p.read_text(encoding="utf-8")
            for p in sorted(args.bench.glob("boilerplate-dev/raw/*.txt"))
        ],
        "pydocs-dev raw": [
            p.read_text(encoding="utf-8") for p in sorted(args.bench.glob("pydocs-dev/raw/*.txt"))
        ],
        "dedup-dev": [
            json.loads(line)["text"]
            for line in (args.bench / "dedup-dev" / "docs.jsonl").read_text().splitlines()
        ],
    }
    print("\nhits on the dev texts as they are")
    print("set | documents | " + " | ".join(PiiType) + " | documents per CPU-s (best of --repeat)")
    examples: dict[PiiType, list[str]] = {kind: [] for kind in PiiType}
    for name, texts in sets.items():
        hits: Counter[PiiType] = Counter()
        for text in texts:
            hits.update(redact(text)[1])
        cpu = min(_cpu(lambda texts=texts: [redact(t) for t in texts]) for _ in range(args.repeat))
        for text in texts:
            for kind, pattern, valid in KINDS:
                for m in pattern.finditer(text):
                    if (valid is None or valid(m.group(0))) and len(examples[kind]) < args.examples:
                        s = text[max(0, m.start() - 30) : m.end() + 10].replace("\n", " ")
                        examples[kind].append(f"{name}: ...{s}...")
        cells = " | ".join(str(hits[k]) for k in PiiType)
        print(f"{name} | {len(texts)} | {cells} | {len(texts) / cpu:.0f}")
    for kind in PiiType:
        print(f"\n{kind} ({kind.placeholder}) examples:")
        for line in examples[kind]:
            print("  " + line)


if __name__ == "__main__":
    main()

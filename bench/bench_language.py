"""Language identification: accuracy per language and text length, and speed, of the
libraries cleaner could use, on translated manual pages.

The labelled text is Debian's translated manual pages (``manpages-de``, ``-fr``, ``-es``,
``-it``, ``-nl``, ``-pl``, ``-pt-br``, ``-ru`` and the English ``manpages``), unpacked
into a folder (not part of the repository)::

    mkdir deb && cd deb && apt-get download manpages manpages-de manpages-fr ...
    for f in *.deb; do dpkg -x "$f" x/; done
    python bench/bench_language.py deb/x/usr/share/man

Each page's roff source is reduced to its running text (macro lines and font escapes
dropped), and its paragraphs of 200 characters or more are the samples, if they are
prose (85% letters and spaces: no tables or code) and, in a translation, hold fewer than
two English function words ("the", "and", "of", ...: the translators leave some
paragraphs in English, and those are not samples of the language); each sample is
cut at a word boundary to 30, 100 and 300 characters and judged at each length, and
whole (up to 2,000 characters). Option names and commands stay English in any
translation, so a short cut can be mostly English words: the short rows are harder
than the text of a web page of that length would be. Prints accuracy per library,
language and length, and documents per CPU-second.
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

LANGS = {"": "en", "de": "de", "fr": "fr", "es": "es", "it": "it", "nl": "nl", "pl": "pl",
         "pt_BR": "pt", "ru": "ru"}  # fmt: skip
LENGTHS = (30, 100, 300, 2000)
_ESCAPE = re.compile(r"\\f[BIRP]|\\f\(..|\\\(..|\\[&|^%e-]|\\s[+-]?\d|\\\*\(..|\\\*.")


def page_text(path: Path) -> str:
    """The running text of a roff manual page: macro and comment lines dropped."""
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        raw = f.read()
    out = []
    for line in raw.splitlines():
        if line.startswith((".", "'")):
            out.append("")  # a macro line ends a paragraph (.PP, .SH, ...)
            continue
        out.append(_ESCAPE.sub("", line).replace("\\-", "-"))
    return "\n".join(out)


def samples(root: Path, per_language: int, seed: int = 1) -> dict[str, list[str]]:
    rng = random.Random(seed)
    out: dict[str, list[str]] = {}
    for folder, lang in LANGS.items():
        pages = sorted((root / folder).glob("man[1-8]/*.gz"))
        rng.shuffle(pages)
        found: list[str] = []
        for page in pages:
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", page_text(page))]
            found += [p for p in paragraphs if len(p) >= 200 and prose(p, lang)][:3]
            if len(found) >= per_language:
                break
        out[lang] = found[:per_language]
    return out


_ENGLISH = frozenset(["the", "and", "of", "is", "are", "to", "with", "that", "this", "which"])


def prose(paragraph: str, lang: str) -> bool:
    """A paragraph of running text in ``lang``: mostly letters and spaces (no table or
    code), and, labelled other than English, without two English function words (a
    paragraph the translators left in English)."""
    letters = sum(ch.isalpha() or ch == " " for ch in paragraph)
    english = sum(word in _ENGLISH for word in paragraph.lower().split())
    return letters >= 0.85 * len(paragraph) and (lang == "en" or english < 2)


def cut(text: str, size: int) -> str:
    if len(text) <= size:
        return text
    head = text[:size]
    return head[: head.rfind(" ")] if " " in head else head


def detectors() -> dict[str, Callable[[str], str]]:
    found: dict[str, Callable[[str], str]] = {}
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        found["py3langid"] = lambda text: str(ident.classify(text)[0])
    except ImportError:
        pass
    try:
        from langdetect import DetectorFactory, detect
        from langdetect.lang_detect_exception import LangDetectException

        DetectorFactory.seed = 0

        def langdetect(text: str) -> str:
            try:
                return str(detect(text)).split("-")[0]
            except LangDetectException:
                return "?"

        found["langdetect"] = langdetect
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("man", type=Path, help="the unpacked usr/share/man folder")
    parser.add_argument("--per-language", type=int, default=200)
    args = parser.parse_args()
    data = samples(args.man, args.per_language)
    print("samples: " + ", ".join(f"{k} {len(v)}" for k, v in data.items()))
    for name, detect in detectors().items():
        detect("warm up the model")
        print(f"\n{name}")
        print("length | " + " | ".join(data) + " | all | docs per CPU-s")
        for size in LENGTHS:
            right, total, cpu = {}, 0, 0.0
            for lang, texts in data.items():
                pieces = [cut(t, size) for t in texts]
                t0 = time.process_time()
                guesses = [detect(p) for p in pieces]
                cpu += time.process_time() - t0
                right[lang] = sum(g == lang for g in guesses) / len(pieces)
                total += len(pieces)
            every = sum(right[k] * len(data[k]) for k in data) / total
            cells = " | ".join(f"{right[k]:.3f}" for k in data)
            print(f"{size} | {cells} | {every:.3f} | {total / cpu:.0f}")


if __name__ == "__main__":
    main()

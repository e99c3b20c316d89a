"""C4Quality: the document rules of C4 (Raffel et al. 2020), as datatrove's
``C4QualityFilter`` applies them.

C4 looks only at the lines that could be prose: a line that ends a sentence ("." "?"
"!" or a closing quote, not "..."), of at least three words, no word over 1,000
characters, citation marks like "[1]" left out. Among those, "lorem ipsum" or a curly
bracket drops the page, and the page needs at least ``min_sentences`` sentences in its
lines that do not mention "javascript" or a cookie or terms-of-use notice. C4 also
deletes the other lines; cleaner leaves lines to strip-boilerplate and only decides
keep or drop, so the text of a kept page is not changed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from cleaner.document import Document
from cleaner.names import QualityRule, StageName
from cleaner.stages.filters.checks import ChecksConfig, ChecksFilter, Failure, under
from cleaner.stages.filters.words import TERMINAL_PUNCTUATION, is_symbol, split_uncached

R = QualityRule
_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
_END = (".", "?", "!", '"', "'")
_POLICY = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)


@dataclass(frozen=True)
class C4QualityConfig(ChecksConfig):
    min_sentences: int = 5  # C4's code (c4_utils, _MIN_NUM_SENTENCES): less is no article

    rules: ClassVar[tuple[QualityRule, ...]] = (
        R.C4_LOREM_IPSUM,
        R.C4_CURLY_BRACKET,
        R.C4_FEW_SENTENCES,
    )


@cache
def _marks() -> re.Pattern[str]:
    """Any sentence mark (compiled on first use: the CLI starts without it)."""
    return re.compile("[" + re.escape("".join(sorted(TERMINAL_PUNCTUATION))) + "]")


def count_sentences(line: str) -> int:
    """Sentences in ``line``: one, and one more after each sentence-ending mark that a
    word follows (spaCy's sentencizer, which the reference uses, splits the same way).

    >>> count_sentences("It rained. We stayed in! Why? (Cold.)")
    4
    >>> count_sentences("Mr. Smith paid $3.50 at 9 a.m. on Jan. 3.")
    1
    """
    if not _marks().search(line, 0, len(line) - 1):
        return 1  # no mark before the last character: one sentence, no need to split
    sentences, seen_end = 1, False
    for word in split_uncached(line):
        if word in TERMINAL_PUNCTUATION:
            seen_end = True
        elif seen_end and not is_symbol(word):
            sentences += 1
            seen_end = False
    return sentences


class C4Quality(ChecksFilter[C4QualityConfig]):
    """Drop a page with "lorem ipsum", a curly bracket, or too few sentences, in the
    lines C4 keeps; the first of the two marks in page order is the reason.

    >>> f = C4Quality(C4QualityConfig(enabled=True, min_sentences=2))
    >>> f.apply(Document("1", "a.txt", "We met at noon. It rained all day.")).dropped is None
    True
    >>> f.apply(Document("2", "b.txt", "Use it like f(x) {return x;}.")).dropped.rule
    'c4-curly-bracket'
    """

    name = StageName.C4_QUALITY
    config_class = C4QualityConfig

    def failures(self, doc: Document) -> Iterator[Failure]:
        want = self.wanted
        lorem, curly = want(R.C4_LOREM_IPSUM), want(R.C4_CURLY_BRACKET)
        sentences = 0
        for line in doc.text.splitlines():
            original = line = line.strip()
            if len(line) > 1000 and any(len(word) > 1000 for word in line.split()):
                continue
            if "[" in line:
                line = _CITATION.sub("", line)
            if not line.endswith(_END) or line.endswith("...") or len(original.split()) < 3:
                continue
            lower = line.lower()
            if lorem and "lorem ipsum" in lower:
                yield Failure(R.C4_LOREM_IPSUM, "lines with 'lorem ipsum'", 1, 0, True)
                return
            if "javascript" in lower:
                continue
            if curly and "{" in line:
                yield Failure(R.C4_CURLY_BRACKET, "lines with '{'", 1, 0, True)
                return
            if any(p in lower for p in _POLICY):
                continue
            if sentences < self.config.min_sentences:  # past it, more cannot matter
                sentences += count_sentences(line)
        if want(R.C4_FEW_SENTENCES) and (
            f := under(R.C4_FEW_SENTENCES, "sentences", sentences, self.config.min_sentences)
        ):
            yield f

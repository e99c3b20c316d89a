"""GopherQuality: the quality rules of Gopher's MassiveWeb (Rae et al. 2021, table A1).

Thresholds are the paper's, as datatrove's ``GopherQualityFilter`` keeps them, and the
tests run in its order, each measured as it measures it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from cleaner.document import Document
from cleaner.errors import UsageError
from cleaner.names import QualityRule, StageName
from cleaner.stages.filters.checks import ChecksConfig, ChecksFilter, Failure, over, under
from cleaner.stages.filters.words import has_letter, is_symbol, split_words

R = QualityRule


@dataclass(frozen=True)
class GopherQualityConfig(ChecksConfig):
    min_words: int = 50  # fewer words is no page worth training on (the paper's cut)
    max_words: int = 100_000  # more is a dump, not a document
    min_mean_word_length: float = 3.0  # shorter: symbols, numbers, a table
    max_mean_word_length: float = 10.0  # longer: URLs, hashes, run-together text
    max_symbol_word_ratio: float = 0.1  # "#" or ellipses per word: tag clouds, teasers
    max_bullet_lines_ratio: float = 0.9  # a page that is only a list
    max_ellipsis_lines_ratio: float = 0.3  # a page of truncated teasers
    min_alpha_words_ratio: float = 0.8  # words with a letter; fewer: numbers, code
    min_stop_words: int = 2  # English prose has "the", "and", "of", ...
    stop_words: tuple[str, ...] = ("the", "be", "to", "of", "and", "that", "have", "with")

    rules: ClassVar[tuple[QualityRule, ...]] = (
        R.GOPHER_WORD_COUNT,
        R.GOPHER_MEAN_WORD_LENGTH,
        R.GOPHER_HASH_RATIO,
        R.GOPHER_ELLIPSIS_RATIO,
        R.GOPHER_BULLET_LINES,
        R.GOPHER_ELLIPSIS_LINES,
        R.GOPHER_ALPHA_WORDS,
        R.GOPHER_STOP_WORDS,
    )
    shares: ClassVar[tuple[str, ...]] = (
        "max_bullet_lines_ratio",
        "max_ellipsis_lines_ratio",
        "min_alpha_words_ratio",
    )
    bounds: ClassVar[tuple[tuple[str, str], ...]] = (
        ("min_words", "max_words"),
        ("min_mean_word_length", "max_mean_word_length"),
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        # the test counts distinct stop words: more than the list holds, none could pass
        distinct = len(set(self.stop_words))
        if R.GOPHER_STOP_WORDS not in self.skip and self.min_stop_words > distinct:
            raise UsageError(
                f"min_stop_words {self.min_stop_words} is above the {distinct} distinct "
                "stop_words; no page could pass"
            )


def word_counts(counts: Counter[str]) -> tuple[int, int, int]:
    """Of the tokens counted in ``counts``: the words (tokens not only punctuation),
    their characters, and the tokens with a letter. Each distinct token is judged once.

    >>> word_counts(Counter(["The", "cat", ",", "the", "42", "..."]))
    (4, 11, 3)
    """
    words = chars = alpha = 0
    for word, k in counts.items():
        if word.isalpha():  # most tokens: a word, with letters
            words += k
            chars += len(word) * k
            alpha += k
            continue
        if not is_symbol(word):
            words += k
            chars += len(word) * k
        if has_letter(word):
            alpha += k
    return words, chars, alpha


class GopherQuality(ChecksFilter[GopherQualityConfig]):
    """Drop a document that fails one of Gopher's quality tests.

    Words are :func:`~cleaner.stages.filters.words.split_words` tokens; the word count
    and mean length leave out tokens that are only punctuation, the ratios count them.

    >>> f = GopherQuality(GopherQualityConfig(enabled=True, min_words=3))
    >>> f.apply(Document("1", "a.txt", "The cat sat with the dog.")).dropped is None
    True
    >>> f.apply(Document("2", "b.txt", "Supercalifragilistic expialidocious "
    ...     "antidisestablishmentarianism the and.")).dropped.detail["test"]
    'mean word length 13.6 > 10'
    """

    name = StageName.GOPHER_QUALITY
    config_class = GopherQualityConfig

    def failures(self, doc: Document) -> Iterator[Failure]:
        c, text, want = self.config, doc.text, self.wanted
        words = split_words(text)
        counts = Counter(words)
        n_words = len(words)
        n_real, n_chars, n_alpha = word_counts(counts)
        if want(R.GOPHER_WORD_COUNT):
            if f := under(R.GOPHER_WORD_COUNT, "words", n_real, c.min_words):
                yield f
            if f := over(R.GOPHER_WORD_COUNT, "words", n_real, c.max_words):
                yield f
        if not n_words:  # no words: of the tests below only the stop words' has a meaning
            if want(R.GOPHER_STOP_WORDS) and (
                f := under(R.GOPHER_STOP_WORDS, "stop words", 0, c.min_stop_words)
            ):
                yield f
            return
        if want(R.GOPHER_MEAN_WORD_LENGTH) and n_real:
            mean = n_chars / n_real
            m = "mean word length"
            if f := under(R.GOPHER_MEAN_WORD_LENGTH, m, mean, c.min_mean_word_length):
                yield f
            if f := over(R.GOPHER_MEAN_WORD_LENGTH, m, mean, c.max_mean_word_length):
                yield f
        if want(R.GOPHER_HASH_RATIO) and (
            f := over(
                R.GOPHER_HASH_RATIO,
                "'#' per word",
                text.count("#") / n_words,
                c.max_symbol_word_ratio,
            )
        ):
            yield f
        if want(R.GOPHER_ELLIPSIS_RATIO) and (
            f := over(
                R.GOPHER_ELLIPSIS_RATIO,
                "ellipses per word",
                (text.count("...") + text.count("…")) / n_words,
                c.max_symbol_word_ratio,
            )
        ):
            yield f
        lines = text.splitlines() or [""]
        if want(R.GOPHER_BULLET_LINES) and (
            f := over(
                R.GOPHER_BULLET_LINES,
                "share of lines starting with a bullet",
                sum(s.lstrip().startswith(("•", "-")) for s in lines) / len(lines),
                c.max_bullet_lines_ratio,
            )
        ):
            yield f
        if want(R.GOPHER_ELLIPSIS_LINES) and (
            f := over(
                R.GOPHER_ELLIPSIS_LINES,
                "share of lines ending in an ellipsis",
                sum(s.rstrip().endswith(("...", "…")) for s in lines) / len(lines),
                c.max_ellipsis_lines_ratio,
            )
        ):
            yield f
        if want(R.GOPHER_ALPHA_WORDS) and (
            f := under(
                R.GOPHER_ALPHA_WORDS,
                "share of words with a letter",
                n_alpha / n_words,
                c.min_alpha_words_ratio,
            )
        ):
            yield f
        if want(R.GOPHER_STOP_WORDS) and (
            f := under(
                R.GOPHER_STOP_WORDS,
                "stop words",
                len(set(c.stop_words).intersection(counts)),
                c.min_stop_words,
            )
        ):
            yield f

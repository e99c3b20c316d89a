"""FineWebQuality: the three rules FineWeb added to C4's and Gopher's (Penedo et al.
2024), and datatrove's fourth, as its ``FineWebQualityFilter`` applies them.

They catch what the older rules let through in Common Crawl: pages of lines that end
no sentence (menus, lists of links), of short lines, and of lines repeated. Lines are
the non-blank ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from cleaner.document import Document
from cleaner.names import QualityRule, StageName
from cleaner.stages.filters.checks import ChecksConfig, ChecksFilter, Failure, over, under
from cleaner.stages.filters.gopher_repetition import duplicates
from cleaner.stages.filters.words import TERMINAL_PUNCTUATION, split_words

R = QualityRule
_STOPS = tuple(TERMINAL_PUNCTUATION)


@dataclass(frozen=True)
class FineWebQualityConfig(ChecksConfig):
    min_line_punctuation: float = 0.12  # lines ending a sentence: fewer is a menu or a list
    max_short_lines: float = 0.67  # lines of at most short_line_length characters
    short_line_length: int = 30
    max_dup_line_chars: float = 0.01  # characters in lines that repeat an earlier one
    max_newlines_per_word: float = 0.3  # a line break every three words is a list

    rules: ClassVar[tuple[QualityRule, ...]] = (
        R.FINEWEB_LINE_PUNCTUATION,
        R.FINEWEB_SHORT_LINES,
        R.FINEWEB_DUP_LINE_CHARS,
        R.FINEWEB_LIST_RATIO,
    )
    shares: ClassVar[tuple[str, ...]] = (
        "min_line_punctuation",
        "max_short_lines",
        "max_dup_line_chars",
    )


class FineWebQuality(ChecksFilter[FineWebQualityConfig]):
    """Drop a page of lines that end no sentence, short lines, repeated lines, or a
    line break every few words.

    >>> f = FineWebQuality(FineWebQualityConfig(enabled=True))
    >>> f.apply(Document("1", "a.txt", "Home\\nNews\\nSport\\nWeather")).dropped.detail["test"]
    'share of lines ending a sentence 0 < 0.12'
    """

    name = StageName.FINEWEB_QUALITY
    config_class = FineWebQualityConfig

    def failures(self, doc: Document) -> Iterator[Failure]:
        c, text, want = self.config, doc.text, self.wanted
        lines = [line for line in text.split("\n") if line.strip()]
        if not lines:
            return
        if want(R.FINEWEB_LINE_PUNCTUATION) and (
            f := under(
                R.FINEWEB_LINE_PUNCTUATION,
                "share of lines ending a sentence",
                sum(line.endswith(_STOPS) for line in lines) / len(lines),
                c.min_line_punctuation,
            )
        ):
            yield f
        if want(R.FINEWEB_SHORT_LINES) and (
            f := over(
                R.FINEWEB_SHORT_LINES,
                f"share of lines of at most {c.short_line_length} characters",
                sum(len(line) <= c.short_line_length for line in lines) / len(lines),
                c.max_short_lines,
            )
        ):
            yield f
        if want(R.FINEWEB_DUP_LINE_CHARS) and (
            f := over(
                R.FINEWEB_DUP_LINE_CHARS,
                "share of characters in repeated lines",
                duplicates(lines)[1] / max(1, len(text) - text.count("\n")),
                c.max_dup_line_chars,
            )
        ):
            yield f
        if want(R.FINEWEB_LIST_RATIO) and (
            f := over(
                R.FINEWEB_LIST_RATIO,
                "line breaks per word",
                text.count("\n") / max(1, len(split_words(text))),
                c.max_newlines_per_word,
            )
        ):
            yield f

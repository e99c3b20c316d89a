"""TooShort: leave out documents with fewer words than ``min_words`` after cleaning."""

from __future__ import annotations

from dataclasses import dataclass

from cleaner.document import Document
from cleaner.errors import UsageError
from cleaner.names import Reason, StageName
from cleaner.rules.patterns import count_words
from cleaner.stage import Filter, FilterConfig, Verdict


@dataclass(frozen=True)
class TooShortConfig(FilterConfig):
    # Gopher's quality rules (Rae et al. 2021, kept by datatrove's GopherQualityFilter)
    # drop documents under 50 words: too little text to be a page worth training on.
    # C4 counts sentences instead (at least 3), which needs a sentence splitter.
    min_words: int = 50

    def __post_init__(self) -> None:
        if self.min_words < 1:  # 0 or less would drop nothing: a typo, not a setting
            raise UsageError(f"min_words must be at least 1, not {self.min_words}")


class TooShort(Filter[TooShortConfig]):
    """Drop a document whose cleaned text has fewer than ``min_words`` words.

    Words are counted as the boilerplate rules count them (runs of ``\\w``). The drop's
    detail is ``{"words": n, "min_words": m}``.

    >>> f = TooShort(TooShortConfig(enabled=True, min_words=3))
    >>> f.apply(Document("1", "a.txt", "Two words.")).dropped.detail
    {'words': 2, 'min_words': 3}
    >>> f.apply(Document("2", "b.txt", "Three whole words.")).dropped is None
    True
    """

    name = StageName.TOO_SHORT
    reason = Reason.TOO_SHORT
    config_class = TooShortConfig

    def filter(self, doc: Document) -> Verdict:
        words = count_words(doc.text)
        return words >= self.config.min_words, {
            "words": words,
            "min_words": self.config.min_words,
        }

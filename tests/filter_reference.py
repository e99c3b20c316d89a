"""datatrove's quality filters, one test at a time, as the reference for cleaner's.

Each group is a datatrove filter with only one of its thresholds set (the others off),
the datatrove reason it drops for mapped to cleaner's rule, and the cleaner filter to
run with only the same tests. ``tests/unit/test_quality_filters.py`` and
``bench/bench_filters.py`` compare the two sides' decisions. Needs datatrove and spacy
(datatrove splits English words with spaCy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cleaner.document import Document
from cleaner.names import QualityRule
from cleaner.stages.filters import FILTERS
from cleaner.stages.filters.checks import ChecksConfig, ChecksFilter

R = QualityRule
Group = tuple[str, Callable[[str], str | None], dict[str, QualityRule]]


def reference() -> list[Group]:
    """(cleaner filter name, datatrove decision, datatrove reason -> rule) per test group;
    the decision is the reason datatrove drops for, None to keep."""
    from datatrove.data import Document as DtDocument
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    def decide(make: Callable[[], Any]) -> Callable[[str], str | None]:
        step = make()

        def run(text: str) -> str | None:
            verdict = step.filter(DtDocument(text=text, id="x"))
            return None if verdict is True else verdict[1]

        return run

    gq_off: dict[str, Any] = dict.fromkeys(
        [
            "min_doc_words", "max_doc_words", "min_avg_word_length", "max_avg_word_length",
            "max_symbol_word_ratio", "max_bullet_lines_ratio", "max_ellipsis_lines_ratio",
            "max_non_alpha_words_ratio", "min_stop_words",
        ]
    )  # fmt: skip
    groups: list[Group] = []

    def add(name: str, make: Any, off: dict[str, Any], rules: dict[str, QualityRule]) -> None:
        """One test of datatrove's filter ``make``: the ``off`` settings, and ``rules``
        naming which of cleaner's rules each datatrove reason stands for."""
        groups.append((name, decide(lambda: make(**off)), rules))

    def gq(rules: dict[str, QualityRule], **on: Any) -> None:
        add("gopher-quality", GopherQualityFilter, {**gq_off, **on}, rules)

    gq({"gopher_short_doc": R.GOPHER_WORD_COUNT, "gopher_long_doc": R.GOPHER_WORD_COUNT},
       min_doc_words=50, max_doc_words=100_000)  # fmt: skip
    gq({"gopher_below_avg_threshold": R.GOPHER_MEAN_WORD_LENGTH,
        "gopher_above_avg_threshold": R.GOPHER_MEAN_WORD_LENGTH},
       min_avg_word_length=3, max_avg_word_length=10)  # fmt: skip
    symbols = {
        "gopher_too_many_hashes": R.GOPHER_HASH_RATIO,
        "gopher_too_many_ellipsis": R.GOPHER_ELLIPSIS_RATIO,
    }
    gq(symbols, max_symbol_word_ratio=0.1)
    gq({"gopher_too_many_bullets": R.GOPHER_BULLET_LINES}, max_bullet_lines_ratio=0.9)
    gq({"gopher_too_many_end_ellipsis": R.GOPHER_ELLIPSIS_LINES}, max_ellipsis_lines_ratio=0.3)
    gq({"gopher_below_alpha_threshold": R.GOPHER_ALPHA_WORDS}, max_non_alpha_words_ratio=0.8)
    gq({"gopher_enough_stop_words": R.GOPHER_STOP_WORDS}, min_stop_words=2)

    gr_off: dict[str, Any] = dict(
        dup_line_frac=None, dup_para_frac=None, dup_line_char_frac=None,
        dup_para_char_frac=None, top_n_grams=(), dup_n_grams=(),
    )  # fmt: skip

    def gr(reason: str, rule: QualityRule, **on: Any) -> None:
        add("gopher-repetition", GopherRepetitionFilter, {**gr_off, **on}, {reason: rule})

    gr("dup_para_frac", R.GOPHER_DUP_PARAGRAPHS, dup_para_frac=0.3)
    gr("dup_para_char_frac", R.GOPHER_DUP_PARAGRAPH_CHARS, dup_para_char_frac=0.2)
    gr("dup_line_frac", R.GOPHER_DUP_LINES, dup_line_frac=0.3)
    gr("dup_line_char_frac", R.GOPHER_DUP_LINE_CHARS, dup_line_char_frac=0.2)
    for n, frac in ((2, 0.2), (3, 0.18), (4, 0.16)):
        gr(f"top_{n}_gram", R(f"gopher-top-{n}-gram"), top_n_grams=((n, frac),))
    for n, frac in ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)):
        gr(f"duplicated_{n}_n_grams", R(f"gopher-dup-{n}-gram"), dup_n_grams=((n, frac),))

    def c4(reason: str, rule: QualityRule, **on: Any) -> None:
        off = dict(filter_lorem_ipsum=False, filter_curly_bracket=False, min_num_sentences=-1)
        add("c4-quality", C4QualityFilter, {**off, **on}, {reason: rule})

    c4("lorem_ipsum", R.C4_LOREM_IPSUM, filter_lorem_ipsum=True)
    c4("curly_bracket", R.C4_CURLY_BRACKET, filter_curly_bracket=True)
    c4("too_few_sentences", R.C4_FEW_SENTENCES, min_num_sentences=5)

    fw_off = dict(
        line_punct_thr=0.0, short_line_thr=2.0, char_duplicates_ratio=2.0, new_line_ratio=1e9
    )

    def fw(reason: str, rule: QualityRule, **on: Any) -> None:
        add("fineweb-quality", FineWebQualityFilter, {**fw_off, **on}, {reason: rule})

    fw("line_punct_ratio", R.FINEWEB_LINE_PUNCTUATION, line_punct_thr=0.12)
    fw("short_line_ratio", R.FINEWEB_SHORT_LINES, short_line_thr=0.67)
    fw("char_dup_ratio", R.FINEWEB_DUP_LINE_CHARS, char_duplicates_ratio=0.01)
    fw("list_ratio", R.FINEWEB_LIST_RATIO, new_line_ratio=0.3)
    return groups


def ours(name: str, rules: set[QualityRule]) -> ChecksFilter[Any]:
    """Cleaner's filter ``name`` with only ``rules`` run."""
    cls = FILTERS[name]
    config_class: type[ChecksConfig] = cls.config_class  # type: ignore[assignment]
    skip = tuple(r for r in config_class.rules if r not in rules)
    return cls(config_class(enabled=True, skip=skip))  # type: ignore[return-value]


def decisions(text: str, groups: list[Group]) -> Iterator[tuple[QualityRule, bool, bool]]:
    """(rule, datatrove drops, cleaner drops) for each test of each group on ``text``;
    a group datatrove cannot judge (a division by zero on a text of no words) is left
    out."""
    for name, decide, mapping in groups:
        try:
            theirs = decide(text)
        except ZeroDivisionError:
            continue
        failure = next(ours(name, set(mapping.values())).failures(Document("x", "t", text)), None)
        for rule in dict.fromkeys(mapping.values()):
            yield (
                rule,
                mapping.get(theirs or "") == rule,
                failure is not None and failure.rule == rule,
            )

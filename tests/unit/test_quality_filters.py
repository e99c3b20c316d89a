"""The quality filters (gopher-quality, gopher-repetition, c4-quality, fineweb-quality):
each test drops a document under its own rule with what it measured, can be skipped,
is off by default, and decides as datatrove's implementation does."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import CleanConfig, clean_records
from cleaner.config import load_config
from cleaner.document import Document
from cleaner.errors import UsageError
from cleaner.pipeline import Pipeline
from cleaner.stages.filters import FILTERS, gopher_repetition
from cleaner.stages.filters.checks import ChecksConfig
from cleaner.stages.filters.gopher_quality import word_counts
from cleaner.stages.filters.gopher_repetition import (
    TOP,
    GopherRepetition,
    GopherRepetitionConfig,
    Grams,
    dup_gram_chars,
    split_lines,
    split_paragraphs,
    top_gram_bound,
    top_gram_chars,
)
from cleaner.stages.filters.words import has_letter, is_symbol, split_words
from tests.conftest import CASES

CASES_LIST: list[dict[str, Any]] = json.loads(
    (CASES / "quality_filters.json").read_text(encoding="utf-8")
)
QUALITY = ("gopher-quality", "gopher-repetition", "c4-quality", "fineweb-quality")


def _run(name: str, text: str, **settings: Any) -> Document:
    cls = FILTERS[name]
    return cls(cls.config_class(enabled=True, **settings)).apply(Document("1", "a.txt", text))


@pytest.mark.parametrize("case", CASES_LIST, ids=lambda c: c["label"])
def test_case(case: dict[str, Any]) -> None:
    dropped = _run(case["filter"], case["input"]).dropped
    assert (dropped and dropped.rule) == case["rule"]
    if case["rule"] is None:
        return
    assert dropped is not None
    assert dropped.stage == case["filter"] and dropped.text == case["input"]
    detail = dropped.detail
    assert {"measure", "value", "limit", "test"} <= set(detail)
    assert detail["test"].startswith(detail["measure"])
    # skipping the test that fired lets the document past that test
    again = _run(case["filter"], case["input"], skip=(case["rule"],)).dropped
    assert again is None or again.rule != case["rule"]


@pytest.mark.parametrize("case", CASES_LIST, ids=lambda c: c["label"])
def test_case_through_clean_records(case: dict[str, Any]) -> None:
    """The filter in a pipeline, turned on by config, gives the same verdict (the
    stages that remove lines are off: their job is not under test here)."""
    config = CleanConfig().with_filter(case["filter"], enabled=True)
    config = config.with_overrides({"boilerplate.enabled": False, "dedup.blocks": False})
    [record] = clean_records([{"text": case["input"]}], config, near_duplicates=False)
    dropped = record["cleaner"]["dropped"]
    if case["rule"] is None:
        assert dropped is None
    else:
        assert dropped["rule"] == case["rule"] and dropped["stage"] == case["filter"]


def test_quality_filters_are_off_by_default() -> None:
    names = Pipeline.from_config(CleanConfig()).names
    assert not set(QUALITY) & set(names)
    assert "filters" not in CleanConfig().to_dict()


def test_thresholds_and_skip_come_from_the_config_table(tmp_path: Any) -> None:
    path = tmp_path / "cleaner.toml"
    path.write_text(
        '[filters.gopher-quality]\nenabled = true\nmin_words = 3\nskip = ["gopher-stop-words"]\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert "gopher-quality" in Pipeline.from_config(config).names
    settings = config.filter("gopher-quality")
    assert settings.min_words == 3  # type: ignore[attr-defined]
    # three words without a stop word: kept, as the stop-word test is skipped
    stage = FILTERS["gopher-quality"](settings)
    assert stage.apply(Document("1", "a.txt", "Fresh bread rolls daily")).dropped is None


def test_a_document_of_no_words_has_too_few_stop_words_with_the_word_count_skipped() -> None:
    """datatrove's stop-word test holds at no words too (0 is under 2): the empty
    document went through when the word-count test, which caught it first, was skipped."""
    settings = CleanConfig().with_filter("gopher-quality", skip=["gopher-word-count"])
    stage = FILTERS["gopher-quality"](settings.filter("gopher-quality"))
    for text in ("", "   "):
        dropped = stage.apply(Document("1", "a.txt", text)).dropped
        assert dropped is not None and dropped.rule == "gopher-stop-words", text


def test_skip_names_a_test_of_the_filter() -> None:
    with pytest.raises(UsageError, match="unknown test 'c4-lorem-ipsum'"):
        CleanConfig().with_filter("gopher-quality", skip=["c4-lorem-ipsum"])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[filters.fineweb-quality]\nmax_short_lines = -1", "max_short_lines must be 0 or more"),
        ("[filters.fineweb-quality]\nshort_line_length = -5", "short_line_length must be 0 or"),
        ("[filters.c4-quality]\nmin_sentences = -3", "min_sentences must be 0 or more"),
        ("[filters.gopher-repetition]\nmax_dup_5_gram = 15", "max_dup_5_gram is a share, 0 to 1"),
        ("[filters.gopher-quality]\nmin_alpha_words_ratio = 80", "min_alpha_words_ratio is a"),
        ("[filters.gopher-quality]\nmin_words = 500\nmax_words = 10", "min_words 500 is above"),
        ("[filters.gopher-quality]\nmin_mean_word_length = 12", "min_mean_word_length 12.0 is"),
        # the test counts distinct stop words: more than the list holds drops every page
        ("[filters.gopher-quality]\nmin_stop_words = 9", "min_stop_words 9 is above the 8"),
        ("[filters.gopher-quality]\nstop_words = []", "min_stop_words 2 is above the 0"),
    ],
    ids=["negative-share", "negative-length", "negative-count", "percentage", "percentage-min",
         "min-above-max", "min-above-default-max", "more-stop-words-than-listed",
         "no-stop-words"],
)  # fmt: skip
def test_a_limit_out_of_its_range_is_an_error(tmp_path: Any, table: str, message: str) -> None:
    """A negative limit kept or dropped every page, a share written as a percentage
    turned its test off, a minimum above its maximum dropped every page: silently."""
    path = tmp_path / "cleaner.toml"
    path.write_text(table + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match=f"{re.escape(str(path))} \\[filters.*{message}"):
        load_config(path)


@pytest.mark.parametrize("name", QUALITY)
def test_each_filter_names_its_shares_and_bounds_among_its_keys(name: str) -> None:
    config_class = FILTERS[name].config_class
    assert issubclass(config_class, ChecksConfig)
    keys = {f.name for f in dataclasses.fields(config_class)}
    assert set(config_class.shares) <= keys
    assert {key for pair in config_class.bounds for key in pair} <= keys
    config_class()  # the defaults are in range


@pytest.mark.parametrize("name", QUALITY)
def test_each_filter_lists_its_tests(name: str) -> None:
    config_class = FILTERS[name].config_class
    assert issubclass(config_class, ChecksConfig)
    assert config_class.rules and all(
        rule.startswith(name.split("-")[0]) for rule in config_class.rules
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Don't stop.", ["Do", "n't", "stop", "."]),
        ("(See the U.S. page: https://example.org/a?b=1).",
         ["(", "See", "the", "U.S.", "page", ":", "https://example.org/a?b=1", ")", "."]),
        ("A well-known co-op, 3.5km away...",
         ["A", "well", "-", "known", "co", "-", "op", ",", "3.5", "km", "away", "..."]),
        ("gonna cannot Mr. Smith's", ["gon", "na", "can", "not", "Mr.", "Smith", "'s"]),
    ],
)  # fmt: skip
def test_words_split_as_spacy_english(text: str, words: list[str]) -> None:
    assert list(split_words(text)) == words


def test_a_special_case_before_punctuation_splits_as_spacy_splits_it() -> None:
    """Every special case of letters, then a comma, period, quote ...: "id." is "i" and
    "d." to spaCy (it merges the special case "d." across the split), and the fast path
    gave "i", "d", "." (59 of the 2,592 pieces differed; c4's sentence count moved)."""
    spacy = pytest.importorskip("spacy", reason="the reference is spaCy's English tokenizer")
    from cleaner.stages.filters.words import _tables

    nlp = spacy.blank("en")
    pieces = [k + last for k in _tables().special if k.isalpha() for last in ',;:!?").']
    differ = [p for p in pieces if [t.text for t in nlp(p)] != list(split_words(p))]
    assert not differ, differ[:10]
    assert split_words("your user id. Then") == ("your", "user", "i", "d.", "Then")


def _reference_texts() -> list[tuple[str, str]]:
    lines = (CASES / "filters_reference.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    return [(r["id"], r["text"]) for r in rows] + [(c["label"], c["input"]) for c in CASES_LIST]


@pytest.mark.slow
def test_every_test_decides_as_datatrove() -> None:
    """datatrove's filters, one threshold at a time, as the reference, on the cases and
    on 58 real pages (boilerplate-dev gold and raw, pydocs-dev raw, each cut at 5,000
    characters): every decision of every test agrees."""
    pytest.importorskip("datatrove", reason="the reference is datatrove's filters")
    pytest.importorskip("spacy", reason="datatrove splits English words with spacy")
    from tests.filter_reference import decisions, reference

    groups = reference()
    differ = [
        (doc_id, rule, theirs, mine)
        for doc_id, text in _reference_texts()
        for rule, theirs, mine in decisions(text, groups)
        if theirs != mine
    ]
    assert not differ


def _dup_gram_chars_plain(words: list[str], n: int) -> int:
    """Gopher's duplicate n-gram scan as written: every n-gram in turn, a repeat of an
    earlier one counted (its words' characters) and jumped past."""
    grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    seen: set[tuple[str, ...]] = set()
    chars = i = 0
    while i < len(grams):
        if grams[i] in seen:
            chars += sum(map(len, grams[i]))
            i += n
        else:
            seen.add(grams[i])
            i += 1
    return chars


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb"]), min_size=5, max_size=60))
def test_duplicate_grams_count_as_the_plain_scan(words: list[str]) -> None:
    """The n-gram scan of gopher-repetition, with its shortcuts (hashes, the masks
    derived from shorter n-grams, skipping n-grams that occur once), counts what the
    plain scan counts, for each n in the order the filter asks for them."""
    grams = Grams(words)
    for n in range(5, 11):
        assert dup_gram_chars(grams, n) == _dup_gram_chars_plain(words, n)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "bb", "ccc", "d"]), max_size=60),
    st.integers(5, 10),
    st.integers(0, 60),
)
def test_duplicate_grams_under_a_limit_decide_as_the_plain_scan(
    words: list[str], first: int, limit: int
) -> None:
    """With a limit, the n-gram scan may stop at a bound, but only under the limit: the
    same n-grams are over it as with the plain scan, with the same value; whichever n
    the filter asks first."""
    grams = Grams(words)
    for n in [first, *range(5, 11)]:
        plain, found = _dup_gram_chars_plain(words, n), dup_gram_chars(grams, n, limit)
        assert found >= plain and (found > limit) == (plain > limit)
        assert found == plain or plain <= limit


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb", "ccc", "a b", "dd"]), max_size=60))
def test_the_top_gram_bound_is_never_under_the_commonest_gram(parts: list[str]) -> None:
    """The bound that lets gopher-repetition skip the sort is never under the value."""
    words = " ".join(parts).split()
    grams = Grams(words)
    for n in TOP:
        assert top_gram_bound(grams, n) >= top_gram_chars(grams, n)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "bb", "ccc", "dd", " ", " ", "\n", "\n\n"]), max_size=80),
    st.floats(0.0, 0.3),
)
def test_skipping_the_top_gram_sort_changes_no_failure(parts: list[str], limit: float) -> None:
    """gopher-repetition fails the same tests, with the same values, whether the sort
    for the commonest n-grams is skipped under the bound or always done."""
    config = GopherRepetitionConfig(
        enabled=True, max_top_2_gram=limit, max_top_3_gram=limit, max_top_4_gram=limit
    )
    doc = Document("1", "a.txt", "".join(parts))
    found = list(GopherRepetition(config).failures(doc))
    with mock.patch.object(gopher_repetition, "top_gram_bound", return_value=float("inf")):
        always = list(GopherRepetition(config).failures(doc))
    assert found == always


@given(st.lists(st.sampled_from(["The", "cat", ",", "...", "42", "3rd", "n't", "é"])))
def test_word_counts_count_token_by_token(tokens: list[str]) -> None:
    """gopher-quality's counts over distinct tokens equal the counts token by token."""
    words = [t for t in tokens if not is_symbol(t)]
    expected = (len(words), sum(map(len, words)), sum(map(has_letter, tokens)))
    assert word_counts(Counter(tokens)) == expected


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "b c", "\n", "\n\n", "\r", " ", "\t"]), max_size=16))
def test_paragraphs_and_lines_split_as_the_regular_expressions(parts: list[str]) -> None:
    """gopher-repetition's splits with str.split give what the reference's regular
    expressions give, empty and edge parts included."""
    text = "".join(parts)
    assert split_lines(text) == re.split(r"\n+", text)
    assert split_paragraphs(text.strip()) == re.split(r"\n{2,}", text.strip())

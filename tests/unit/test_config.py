"""Config files: a value of the wrong type or out of range is a one-line error naming it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import cli
from cleaner.config import (
    BoilerplateConfig,
    CleanConfig,
    DedupConfig,
    RepairConfig,
    load_config,
)
from cleaner.errors import UsageError
from tests.conftest import SEEDS

# (label, TOML body, words the one-line error must hold)
BAD_CONFIGS: list[tuple[str, str | bytes, str]] = [
    ("disable as a string", '[boilerplate]\ndisable = "caption"\n', 'disable = ["caption"]'),
    # Python's regex parser raises OverflowError and RecursionError for these, not re.error
    (
        "a pattern count too large",
        '[boilerplate]\nextra_patterns = ["a{4294967296}"]\n',
        "extra pattern 'a{4294967296}' is not a regular expression (the repetition number",
    ),
    (
        "a pattern nested too deeply",
        f'[boilerplate]\nextra_patterns = ["{"(" * 1000}{")" * 1000}"]\n',
        "(2,000 chars) is not a regular expression (nested too deeply)",
    ),
    ("arrays nested too deeply", f"x = {'[' * 5000}{']' * 5000}\n", "(nested too deeply)"),
    (
        "a key as min_repeats and min-repeats",
        "[boilerplate]\nmin_repeats = 4\nmin-repeats = 5\n",
        "'min_repeats' is given twice (as 'min-repeats' too); keep one",
    ),
    ("disable as a number", "[boilerplate]\ndisable = 3\n", "list of strings"),
    ("patterns of numbers", "[boilerplate]\nextra_patterns = [1]\n", "list of strings"),
    ("negative min_repeats", "[boilerplate]\nmin_repeats = -1\n", "min_repeats must be at least 2"),
    ("min_repeats of one", "[boilerplate]\nmin_repeats = 1\n", "min_repeats must be at least 2"),
    ("fractional min_repeats", "[boilerplate]\nmin_repeats = 2.5\n", "whole number"),
    ("boolean min_repeats", "[boilerplate]\nmin_repeats = true\n", "whole number"),
    ("threshold above one", "[dedup]\nthreshold = 1.5\n", "threshold must be in (0, 1]"),
    ("zero block threshold", "[dedup]\nblock_threshold = 0\n", "block_threshold must be in"),
    ("zero permutations", "[dedup]\nnum_perm = 0\n", "num_perm must be between 1 and 8192"),
    ("zero ngram", "[dedup]\nngram = 0\n", "ngram must be between 1 and 1000"),
    # containment's 24 bands of 2 values need 48 (with it off, fewer will do)
    ("too few permutations", "[dedup]\nnum_perm = 47\n", "num_perm must be at least 48 with"),
    # a TOML float that is a whole number is one, but none a shingle can be this long
    ("huge ngram", "[dedup]\nngram = 1e20\n", "[dedup]: ngram must be between 1 and 1000"),
    ("huge block ngram", "[dedup]\nblock_ngram = 1001\n", "block_ngram must be between"),
    (
        "the language filter's field as the text",
        'text_key = "language"\n[filters.language]\nenabled = true\nlanguages = ["en"]\n',
        "text_key 'language' is a field cleaner writes itself",
    ),
    ("negative seed", "[dedup]\nseed = -1\n", "[dedup]: seed must be between 0 and 4294967295"),
    ("seed of 2**32", f"[dedup]\nseed = {2**32}\n", "seed must be between 0 and 4294967295"),
    ("string threshold", '[dedup]\nthreshold = "high"\n', "must be a finite number"),
    (
        "unknown normalization",
        '[repair]\nnormalization = "BOGUS"\n',
        "normalization must be one of",
    ),
    ("numeric text key", "text_key = 5\n", "text_key must be a field name"),
    # a value where a table belongs
    ("repair as a number", "repair = 5\n", "repair must be a table such as [repair]"),
    ("dedup as a list", "dedup = [1, 2]\n", "dedup must be a table such as [dedup]"),
    ("boilerplate as a string", 'boilerplate = "off"\n', "boilerplate must be a table"),
    ("filters as a number", "filters = 5\n", "filters takes one table per filter"),
    ("a filter as a number", "[filters]\ntoo-short = 5\n", "filters takes one table"),
    # inf and nan are TOML floats, but no count
    (
        "infinite min_repeats",
        "[boilerplate]\nmin_repeats = inf\n",
        "min_repeats must be a whole number, not inf",
    ),
    (
        "infinite num_perm",
        "[dedup]\nnum_perm = inf\n",
        "[dedup]: num_perm must be a whole number, not inf",
    ),
    ("minus infinite seed", "[dedup]\nseed = -inf\n", "seed must be a whole number, not -inf"),
    (
        "infinite filter count",
        "[filters.too-short]\nmin_words = inf\n",
        "[filters.too-short]: min_words must be a whole number, not inf",
    ),
    (
        "nan min_repeats",
        "[boilerplate]\nmin_repeats = nan\n",
        "min_repeats must be a whole number, not nan",
    ),
    (
        "nan threshold",
        "[dedup]\nthreshold = nan\n",
        "[dedup]: threshold must be a finite number, not nan",
    ),
    (
        "inf filter limit",  # the manifest records the config: JSON has no infinity
        "[filters.gopher-quality]\nmax_mean_word_length = inf\n",
        "[filters.gopher-quality]: max_mean_word_length must be a finite number, not inf",
    ),
    (
        "nan filter limit",
        "[filters.gopher-quality]\nmax_mean_word_length = nan\n",
        "[filters.gopher-quality]: max_mean_word_length must be a finite number, not nan",
    ),
    # other types where a number, a word or a switch belongs
    ("string min_repeats", '[boilerplate]\nmin_repeats = "3"\n', "whole number, not '3'"),
    ("list num_perm", "[dedup]\nnum_perm = [128]\n", "num_perm must be a whole number"),
    ("table ngram", "[dedup]\nngram = {n = 5}\n", "ngram must be a whole number"),
    ("boolean filter count", "[filters.too-short]\nmin_words = false\n", "whole number"),
    ("huge threshold", f"[dedup]\nthreshold = {10**400}\n", "threshold must be a finite number"),
    ("list threshold", "[dedup]\nthreshold = [0.8]\n", "threshold must be a finite number"),
    ("date threshold", "[dedup]\nthreshold = 2024-01-01\n", "threshold must be a finite number"),
    (
        "numeric normalization",
        "[repair]\nnormalization = 5\n",
        "normalization must be text in quotes, not 5",
    ),
    ("list normalization", '[repair]\nnormalization = ["NFC"]\n', "normalization must be text"),
    ("number as a switch", "[dedup]\nblocks = 1\n", "blocks must be true or false, not 1"),
    (
        "string as a switch",
        '[filters.too-short]\nenabled = "yes"\n',
        "enabled must be true or false",
    ),
    # bytes that are not UTF-8, which TOML requires
    ("latin-1 comment", b"[dedup]\nthreshold = 0.9  # caf\xe9\n", "line 2: byte 0xe9 is not UTF-8"),
    ("utf-16 file", "[dedup]\n".encode("utf-16"), "line 1: byte 0xff is not UTF-8"),
]

# the same for the [tool.cleaner] table of a pyproject.toml
BAD_PYPROJECTS: list[tuple[str, str | bytes, str]] = [
    (
        "tool.cleaner as a number",
        "[tool]\ncleaner = 5\n",
        "tool.cleaner must be a table such as [tool.cleaner]",
    ),
    ("tool.cleaner as a list", "[tool]\ncleaner = [1]\n", "tool.cleaner must be a table"),
    ("tool as a string", 'tool = "cleaner"\n', "tool must be a table such as [tool.cleaner]"),
    ("tool.cleaner.dedup as a number", "[tool.cleaner]\ndedup = 5\n", "dedup must be a table"),
    (
        "infinite num_perm in pyproject",
        "[tool.cleaner.dedup]\nnum_perm = inf\n",
        "num_perm must be a whole number, not inf",
    ),
    ("pyproject not UTF-8", b"[project]\nname = 'caf\xe9'\n", "line 2: byte 0xe9 is not UTF-8"),
]

CASES = [
    pytest.param(name, body, words, id=label)
    for name, table in (("cleaner.toml", BAD_CONFIGS), ("pyproject.toml", BAD_PYPROJECTS))
    for label, body, words in table
]


def _write(path: Path, body: str | bytes) -> None:
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))


@pytest.mark.parametrize(("name", "body", "words"), CASES)
def test_a_bad_value_is_named(tmp_path: Path, name: str, body: str | bytes, words: str) -> None:
    path = tmp_path / name
    _write(path, body)
    for given, found in ((path, None), (None, tmp_path)):  # --config FILE, or found in a folder
        with pytest.raises(UsageError) as info:
            load_config(given, start=found)
        message = str(info.value)
        assert words in message and message.startswith(str(path)) and "\n" not in message


@pytest.mark.parametrize(("name", "body", "words"), CASES)
def test_a_bad_value_is_a_one_line_usage_error(
    tmp_path: Path, name: str, body: str | bytes, words: str
) -> None:
    path = tmp_path / name
    _write(path, body)
    args = ["run", str(SEEDS / "raw"), str(tmp_path / "o"), "--config", str(path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert words in result.output and str(path) in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_good_values_are_read_with_their_types(tmp_path: Path) -> None:
    path = tmp_path / "cleaner.toml"
    path.write_text(
        '[boilerplate]\ndisable = ["caption"]\nmin_repeats = 4\n[dedup]\nthreshold = 1\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.boilerplate.disable == ("caption",)
    assert config.boilerplate.min_repeats == 4
    assert config.dedup.threshold == 1.0 and isinstance(config.dedup.threshold, float)


def test_the_largest_seed_is_taken(tmp_path: Path) -> None:
    path = tmp_path / "cleaner.toml"
    path.write_text(f"[dedup]\nseed = {2**32 - 1}\n", encoding="utf-8")
    assert load_config(path).dedup.seed == 2**32 - 1


def test_overrides_are_checked_too() -> None:
    with pytest.raises(UsageError, match="threshold must be in"):
        CleanConfig().with_overrides({"dedup.threshold": 0.0})


def test_a_pyproject_gives_its_tool_cleaner_table(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert load_config(path) == load_config(start=tmp_path) == CleanConfig()
    path.write_text("[tool.cleaner.dedup]\nthreshold = 0.9\nnum_perm = 64.0\n", encoding="utf-8")
    config = load_config(path)
    assert config == load_config(start=tmp_path)
    assert config.dedup.threshold == 0.9 and config.dedup.num_perm == 64
    assert isinstance(config.dedup.num_perm, int)


# settings made in Python, not read from a file: the same checks, not a failure in a run
PYTHON_MADE = [
    (lambda: BoilerplateConfig(extra_patterns="Sponsored"), "extra_patterns must be a list of"),
    (lambda: BoilerplateConfig(disable="caption"), "disable must be a list of strings"),
    (lambda: BoilerplateConfig(extra_patterns=None), "extra_patterns must be a list of"),
    (lambda: BoilerplateConfig(extract_title=1), "extract_title must be true or false"),
    (lambda: BoilerplateConfig(min_repeats=3.0), "min_repeats must be a whole number"),
    (lambda: DedupConfig(threshold="0.8"), "threshold must be a finite number, not '0.8'"),
    (lambda: DedupConfig(threshold=float("nan")), "threshold must be a finite number"),
    (lambda: DedupConfig(ngram=2.5), "ngram must be a whole number, not 2.5"),
    (lambda: DedupConfig(ngram=10**20), "ngram must be between 1 and 1000"),
    (lambda: DedupConfig(num_perm=True), "num_perm must be a whole number"),
    (lambda: RepairConfig(normalization=None), "normalization must be text"),
    (lambda: CleanConfig(text_key=5), "text_key must be a field name"),
    (lambda: CleanConfig(html_key=""), "html_key must be a field name"),
    (
        lambda: CleanConfig(text_key="language").with_filter("language", enabled=True),
        "text_key 'language' is a field cleaner writes itself",
    ),
    (lambda: CleanConfig(repair=5), "repair must be a RepairConfig, not 5"),  # type: ignore[arg-type]
    (lambda: CleanConfig(dedup=None), "dedup must be a DedupConfig, not None"),  # type: ignore[arg-type]
    (lambda: CleanConfig(boilerplate={}), "boilerplate must be a BoilerplateConfig"),  # type: ignore[arg-type]
    (lambda: CleanConfig(filters=5), "filters must be (name, config) pairs, not 5"),  # type: ignore[arg-type]
    (lambda: CleanConfig().with_overrides({"nope.x": 1}), "nope.x: unknown setting; known:"),
    (lambda: CleanConfig().with_overrides({"nope": 1}), "nope: unknown setting"),
    (lambda: CleanConfig().with_overrides({"repair": 5}), "repair must be a RepairConfig"),
    (lambda: load_config(5), "the config path must be a path (a str or a Path), not 5"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("make", "words"), PYTHON_MADE)
def test_a_setting_made_in_python_is_checked_as_one_in_a_file(
    make: Callable[[], object], words: str
) -> None:
    with pytest.raises(UsageError) as caught:
        make()
    assert words in str(caught.value)


def test_a_list_of_rules_made_in_python_is_taken_as_the_tuple() -> None:
    config = BoilerplateConfig(disable=["caption"], extra_patterns=["Sponsored by .*"])
    assert config.disable == ("caption",) and config.extra_patterns == ("Sponsored by .*",)
    assert config == BoilerplateConfig(disable=("caption",), extra_patterns=("Sponsored by .*",))
    assert hash(config)  # frozen settings stay hashable


def test_a_config_path_that_names_no_regular_file_says_what_it_names(tmp_path: Path) -> None:
    """A pipe was "not found" (it exists), and a ./cleaner.toml that is a link to nowhere
    or a folder was passed over without a word, for [tool.cleaner] or the defaults."""
    import os

    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(UsageError, match="pipe: not a regular file"):
        load_config(tmp_path / "pipe")
    (tmp_path / "pyproject.toml").write_text("[tool.cleaner.dedup]\nthreshold = 0.7\n")
    (tmp_path / "cleaner.toml").symlink_to(tmp_path / "gone.toml")
    with pytest.raises(UsageError, match=r"cleaner\.toml: a link to no file"):
        load_config(start=tmp_path)
    (tmp_path / "cleaner.toml").unlink()
    (tmp_path / "cleaner.toml").mkdir()
    with pytest.raises(UsageError, match=r"cleaner\.toml: a folder"):
        load_config(start=tmp_path)
    (tmp_path / "cleaner.toml").rmdir()
    assert load_config(start=tmp_path).dedup.threshold == 0.7

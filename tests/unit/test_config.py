"""Config files: a value of the wrong type or out of range is a one-line error naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import cli
from cleaner.config import CleanConfig, load_config
from cleaner.errors import UsageError
from tests.conftest import SEEDS

# (label, TOML body, words the one-line error must hold)
BAD_CONFIGS = [
    ("disable as a string", '[boilerplate]\ndisable = "caption"\n', 'disable = ["caption"]'),
    ("disable as a number", "[boilerplate]\ndisable = 3\n", "list of strings"),
    ("patterns of numbers", "[boilerplate]\nextra_patterns = [1]\n", "list of strings"),
    ("negative min_repeats", "[boilerplate]\nmin_repeats = -1\n", "min_repeats must be at least 2"),
    ("min_repeats of one", "[boilerplate]\nmin_repeats = 1\n", "min_repeats must be at least 2"),
    ("fractional min_repeats", "[boilerplate]\nmin_repeats = 2.5\n", "whole number"),
    ("boolean min_repeats", "[boilerplate]\nmin_repeats = true\n", "whole number"),
    ("threshold above one", "[dedup]\nthreshold = 1.5\n", "threshold must be in (0, 1]"),
    ("zero block threshold", "[dedup]\nblock_threshold = 0\n", "block_threshold must be in"),
    ("zero permutations", "[dedup]\nnum_perm = 0\n", "num_perm must be at least 1"),
    ("zero ngram", "[dedup]\nngram = 0\n", "ngram must be at least 1"),
    ("string threshold", '[dedup]\nthreshold = "high"\n', "must be a number"),
    (
        "unknown normalization",
        '[repair]\nnormalization = "BOGUS"\n',
        "normalization must be one of",
    ),
    ("numeric text key", "text_key = 5\n", "text_key must be a field name"),
]


@pytest.mark.parametrize(("label", "body", "words"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_a_bad_value_is_named(tmp_path: Path, label: str, body: str, words: str) -> None:
    path = tmp_path / "cleaner.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_config(path)
    assert words in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize(("label", "body", "words"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_a_bad_value_is_a_one_line_usage_error(
    tmp_path: Path, label: str, body: str, words: str
) -> None:
    path = tmp_path / "cleaner.toml"
    path.write_text(body, encoding="utf-8")
    args = ["run", str(SEEDS / "raw"), str(tmp_path / "o"), "--config", str(path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert words in result.output
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


def test_overrides_are_checked_too() -> None:
    with pytest.raises(UsageError, match="threshold must be in"):
        CleanConfig().with_overrides({"dedup.threshold": 0.0})

"""Filters: a filter is one class and one register() call, and is then everywhere.

The filter below is defined here, as a user's plugin would be, and registered at import
(so that worker processes, which import this module when they read a config naming its
settings, know it too). Nothing else in cleaner names it, yet it must show in config
loading, ``--disable-rule``/``--enable-rule``, the pipeline, a run's audit and
manifest, ``cleaner stats`` and ``cleaner explain``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import cli
from cleaner.config import load_config
from cleaner.document import Document
from cleaner.errors import UsageError
from cleaner.pipeline import Pipeline
from cleaner.stage import Filter, FilterConfig, Verdict
from cleaner.stages.filters import register
from tests.conftest import write_files


@dataclass(frozen=True)
class MinLinesConfig(FilterConfig):
    min_lines: int = 2


class MinLines(Filter[MinLinesConfig]):
    """Drop a document of fewer than ``min_lines`` non-blank lines."""

    name = "min-lines"
    reason = "few-lines"
    config_class = MinLinesConfig

    def filter(self, doc: Document) -> Verdict:
        lines = sum(1 for line in doc.text.split("\n") if line.strip())
        return lines >= self.config.min_lines, {"lines": lines}


register(MinLines)

PAGES = {
    "long.txt": "The river bridge will close for six months from Monday while engineers "
    "replace its beams.\n\nResidents will take the ferry or the northern ring road instead.",
    "short.txt": "The bakery on the corner now opens at seven in the morning on weekdays.",
}
CONFIG = "[filters.min-lines]\nenabled = true\nmin_lines = 2\n"


def _manifest(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_a_registered_filter_is_in_config_run_audit_manifest_stats_and_explain(
    tmp_path: Path,
) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, PAGES)
    config = tmp_path / "cleaner.toml"
    config.write_text(CONFIG, encoding="utf-8")
    loaded = load_config(config)
    assert loaded.filter("min-lines") == MinLinesConfig(enabled=True, min_lines=2)
    assert loaded.to_dict()["filters"] == {"min-lines": {"enabled": True, "min_lines": 2}}
    assert "min-lines" in Pipeline.from_config(loaded).names
    runner = CliRunner()
    # a real run, with worker processes: they learn the filter from the config
    result = runner.invoke(cli, ["run", str(raw), str(out), "--config", str(config), "-q"])
    assert result.exit_code == 0, result.output
    manifest = _manifest(out)
    assert manifest["stages"][-2:] == ["min-lines", "drop-near-duplicates"]
    assert manifest["config"]["filters"]["min-lines"] == {"enabled": True, "min_lines": 2}
    assert manifest["counts"]["documents"] == {"in": 2, "kept": 1, "dropped": {"few-lines": 1}}
    row = manifest["counts"]["stages"]["min-lines"]["few-lines"]
    assert row == {"changes": 1, "documents": 1, "chars": len(PAGES["short.txt"])}
    outcome = {f["path"]: f["outcome"] for f in manifest["inputs"]}
    assert outcome == {"long.txt": "cleaned", "short.txt": "dropped"}
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    [drop] = [a for a in audit if a["stage"] == "min-lines"]
    assert (drop["source"], drop["rule"], drop["lines"]) == ("short.txt", "few-lines", 1)
    assert drop["text"] == PAGES["short.txt"]  # no document is lost: the audit holds it
    stats = runner.invoke(cli, ["stats", str(out)])
    assert "1 dropped (few-lines 1)" in stats.output
    assert any(
        line.split()[:3] == ["min-lines", "few-lines", "1"] for line in stats.output.splitlines()
    )
    explained = runner.invoke(cli, ["explain", str(raw / "short.txt"), "--config", str(config)])
    assert explained.exit_code == 0 and "dropped: few-lines" in explained.output
    kept = runner.invoke(cli, ["explain", str(raw / "long.txt"), "--config", str(config)])
    assert "dropped" not in kept.output


def test_the_filter_turns_off_and_on_by_name(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_files(raw, PAGES)
    config = tmp_path / "cleaner.toml"
    config.write_text(CONFIG, encoding="utf-8")
    runner = CliRunner()
    for name, args, dropped in (
        ("off", ["--config", str(config), "--disable-rule", "min-lines"], {}),
        ("default", [], {}),
        ("on", ["--enable-rule", "min-lines"], {"few-lines": 1}),
    ):
        out = tmp_path / name
        result = runner.invoke(cli, ["run", str(raw), str(out), "-q", "--workers", "1", *args])
        assert result.exit_code == 0, result.output
        manifest = _manifest(out)
        assert manifest["counts"]["documents"]["dropped"] == dropped, name
        assert ("min-lines" in manifest["stages"]) == bool(dropped), name


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[filters.min-lines]\nmin_line = 3\n", "unknown key 'min_line'"),
        ('[filters.min-lines]\nmin_lines = "three"\n', "must be a whole number"),
        ("[filters.min-lins]\nenabled = true\n", "unknown filter 'min-lins'"),
        ("[filters]\nmin-lines = true\n", "one table per filter"),
        ('[boilerplate]\ndisable = ["min-lines"]\n', "[filters.min-lines] enabled = false"),
    ],
)
def test_a_bad_filter_table_is_a_one_line_error(tmp_path: Path, body: str, words: str) -> None:
    config = tmp_path / "cleaner.toml"
    config.write_text(body, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_config(config)
    assert words in str(info.value) and str(config) in str(info.value)


def test_an_unknown_name_to_enable_names_the_filters() -> None:
    result = CliRunner().invoke(cli, ["explain", "x.txt", "--enable-rule", "min-line"])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert (
        "--enable-rule: unknown rule 'min-line'" in result.output and "min-lines" in result.output
    )


def test_a_filter_name_must_be_new() -> None:
    class Caption(MinLines):
        name = "caption"  # a boilerplate rule's name: --disable-rule could not tell them apart

    with pytest.raises(ValueError, match="'caption' is taken"):
        register(Caption)

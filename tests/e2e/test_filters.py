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
    reason = "too-few-lines"
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
    assert manifest["counts"]["documents"] == {"in": 2, "kept": 1, "dropped": {"too-few-lines": 1}}
    row = manifest["counts"]["stages"]["min-lines"]["too-few-lines"]
    assert row == {"changes": 1, "documents": 1, "chars": len(PAGES["short.txt"])}
    outcome = {f["path"]: f["outcome"] for f in manifest["inputs"]}
    assert outcome == {"long.txt": "cleaned", "short.txt": "dropped"}
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    [drop] = [a for a in audit if a["stage"] == "min-lines"]
    assert (drop["source"], drop["rule"], drop["lines"]) == ("short.txt", "too-few-lines", 1)
    assert drop["text"] == PAGES["short.txt"]  # no document is lost: the audit holds it
    stats = runner.invoke(cli, ["stats", str(out)])
    assert "1 dropped (too-few-lines 1)" in stats.output
    assert any(
        line.split()[:3] == ["min-lines", "too-few-lines", "1"]
        for line in stats.output.splitlines()
    )
    explained = runner.invoke(cli, ["explain", str(raw / "short.txt"), "--config", str(config)])
    assert explained.exit_code == 0 and "dropped: too-few-lines" in explained.output
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
        ("on", ["--enable-rule", "min-lines"], {"too-few-lines": 1}),
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


@pytest.mark.parametrize(
    ("name", "reason", "says"),
    [
        ("repair-text", "", "filter name 'repair-text' is taken"),  # a stage's
        ("empty", "", "filter name 'empty' is taken"),  # a reason's
        ("few-words", "near-duplicate", "filter reason 'near-duplicate' is taken"),
        ("few-words", "min-lines", "filter reason 'min-lines' is taken"),  # another filter's
    ],
)
def test_a_filter_name_or_reason_of_cleaner_s_own_is_refused(
    name: str, reason: str, says: str
) -> None:
    """A stage's name merged the filter's drops into that stage's counts (and the
    summary's lines removed fell); a built-in reason merged its drops into that one."""
    clash = type("Clash", (MinLines,), {"name": name, "reason": reason})
    with pytest.raises(ValueError, match=says):
        register(clash)


def test_register_takes_a_named_filter_class() -> None:
    with pytest.raises(TypeError, match="register takes a Filter subclass, not 5"):
        register(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Nameless has no name"):
        register(type("Nameless", (Filter,), {}))


class _Faulty(Filter[FilterConfig]):
    name = "faulty"
    verdict: object = None

    def filter(self, doc: Document) -> Verdict:
        if self.verdict == "raise":
            raise ZeroDivisionError("division by zero")
        return self.verdict  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("verdict", "says"),
    [
        ("raise", "filter 'faulty' failed on document 1 of a.txt (ZeroDivisionError: division"),
        (None, "filter 'faulty' returned None for document 1 of a.txt; return True, False"),
        ("drop", "filter 'faulty' returned 'drop' for document 1 of a.txt"),
        ((False, "why"), "filter 'faulty' returned (False, 'why') for document 1"),
    ],
)
def test_a_faulty_filter_is_a_usage_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, verdict: object, says: str
) -> None:
    """It was an internal error that named neither (an exception), dropped every
    document (None) or kept every one (a string)."""
    from cleaner.config import CleanConfig
    from cleaner.stages.filters import unregister

    monkeypatch.setattr(_Faulty, "verdict", verdict)
    register(_Faulty)
    try:
        pipeline = Pipeline.from_config(CleanConfig().with_filter("faulty", enabled=True))
        with pytest.raises(UsageError, match=says.replace("(", r"\(").replace(")", r"\)")):
            list(pipeline.run([Document("1", "a.txt", "Some text about the hills.")]))
    finally:
        unregister("faulty")


def test_a_stage_that_gives_no_document_is_a_usage_error_naming_it() -> None:
    from cleaner.stage import Stage

    class Words(Stage):
        name = "words"

        def apply(self, doc: Document) -> Document:
            return doc.text  # type: ignore[return-value]

    with pytest.raises(UsageError, match=r"stage 'words' gave a str for document 1 of a\.txt"):
        list(Pipeline([Words()]).run([Document("1", "a.txt", "Some text.")]))


def test_a_filter_turned_on_but_unregistered_is_refused() -> None:
    """The config still turned it on; the run went without it, its manifest saying so."""
    from cleaner.config import CleanConfig
    from cleaner.stages.filters import unregister

    register(_Faulty)
    config = CleanConfig().with_filter("faulty", enabled=True)
    unregister("faulty")
    with pytest.raises(UsageError, match="filter 'faulty' is turned on but not registered"):
        Pipeline.from_config(config)

"""The CLI surfaces: stdin/stdout, explain, stats, completion, progress, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner import cli as cli_module
from cleaner.cli import cli
from cleaner.document import Change, Document
from cleaner.explain import explain_document
from cleaner.stage import Stage
from cleaner.stages.dedup import DedupBlocks
from cleaner.stages.repair import RepairText
from tests.conftest import SEEDS

PARA = "A paragraph that is long enough to count as a block of text in the page here."


def test_stdin_to_stdout_streams_jsonl(runner: CliRunner) -> None:
    lines = [
        json.dumps({"text": "x &amp; y", "lang": "en"}),
        "not json",
        json.dumps({"text": PARA}),
        json.dumps({"text": PARA}),
    ]
    result = runner.invoke(cli, ["run", "-", "-"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["text"] for r in records] == ["x & y", PARA]
    assert records[0]["lang"] == "en"
    assert "stdin:2: not JSON" in result.stderr
    assert "3 documents in, 2 kept, 1 dropped as duplicates" in result.stderr


def test_stdout_output_writes_no_folder(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["run", str(SEEDS / "raw"), "-", "--json"])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 5
    assert json.loads(result.stderr)["kept"] == 5
    assert list(tmp_path.iterdir()) == []


def test_stdin_into_a_folder_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["run", "-", str(tmp_path / "o")], input="{}\n")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "cleaner run - -" in result.output


def test_fail_on_change_then_nothing_changes(runner: CliRunner, tmp_path: Path) -> None:
    args = ["run", str(SEEDS / "raw"), str(tmp_path / "o"), "--fail-on-change"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 1 and "cleaner: updated" in first.stderr
    manifest = (tmp_path / "o" / "manifest.json").read_bytes()
    second = runner.invoke(cli, args)
    assert second.exit_code == 0, second.output
    assert (tmp_path / "o" / "manifest.json").read_bytes() == manifest


def test_summary_table_follows_the_summary(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path / "o")])
    assert "stage" in result.stderr and "rule" in result.stderr
    assert "documents: 5 in, 5 kept" in result.stderr


class FakeBoilerplate(Stage):
    """Stands in for strip-boilerplate: removes line 1 as navigation, takes a title."""

    name = "strip-boilerplate"

    def apply(self, doc: Document) -> Document:
        first, _, rest = doc.text.partition("\n")
        return doc.with_changes(
            [Change(self.name, "navigation", first, {"line": 1})], text=rest, title="The Title"
        )


def test_explain_marks_each_removed_line_with_its_rule() -> None:
    text = f"Home | News\n\n{PARA}\n\nOther words in a second paragraph.\n\n{PARA}"
    exp = explain_document(
        Document("1", "p.txt", text), [RepairText(), FakeBoilerplate(), DedupBlocks()]
    )
    marked = [(line.rule, line.text) for line in exp.lines if line.rule]
    assert marked == [("navigation", "Home | News"), ("repeated-block", PARA)]
    assert exp.lines[-1].rule == "repeated-block" and exp.lines[2].rule is None
    rendered = exp.render()
    assert "title: The Title" in rendered and "- [navigation] Home | News" in rendered


def test_explain_command_text_and_json(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "p.txt"
    page.write_text(f"{PARA}\n\nSomething else entirely here.\n\n{PARA}\n")
    result = runner.invoke(cli, ["explain", str(page)])
    assert result.exit_code == 0
    assert f"- [repeated-block] {PARA}" in result.output
    data = json.loads(runner.invoke(cli, ["explain", str(page), "--json"]).output)
    assert data[0]["source"] == "p.txt" and data[0]["lines"][-1]["rule"] == "repeated-block"


def test_explain_errors_are_one_line(runner: CliRunner, tmp_path: Path) -> None:
    for target in (tmp_path, tmp_path / "missing.txt"):
        result = runner.invoke(cli, ["explain", str(target)])
        assert result.exit_code == 2 and result.output.count("\n") == 1
        assert str(target) in result.output


def test_stats_reads_a_manifest_or_its_folder(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path / "o"), "-q"])
    for target in (tmp_path / "o", tmp_path / "o" / "manifest.json"):
        result = runner.invoke(cli, ["stats", str(target)])
        assert result.exit_code == 0
        assert "inputs: 5 files, 5 read, 0 rejected" in result.output
    data = json.loads(runner.invoke(cli, ["stats", str(tmp_path / "o"), "--json"]).output)
    assert data["counts"]["documents"]["in"] == 5


def test_stats_errors_say_what_to_do(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    for target, words in (
        (tmp_path / "none.json", "run `cleaner run` first"),
        (tmp_path / "bad.json", "not a readable manifest"),
    ):
        result = runner.invoke(cli, ["stats", str(target)])
        assert result.exit_code == 2 and words in result.output
        assert result.output.count("\n") == 1


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(runner: CliRunner, shell: str) -> None:
    result = runner.invoke(cli, ["completion", shell])
    assert result.exit_code == 0 and "_CLEANER_COMPLETE" in result.output


def test_progress_bar_only_on_a_terminal(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli_module._progress(quiet=False) is None  # CliRunner's stderr is no terminal
    calls: list[tuple[int, int | None]] = []

    class Recorder:
        def __call__(self, done: int, total: int | None) -> None:
            calls.append((done, total))

        def close(self) -> None:
            calls.append((-1, None))

    monkeypatch.setattr(cli_module, "_progress", lambda quiet: None if quiet else Recorder())
    runner.invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path / "o")])
    # five files, each read twice: once to count its lines (corpus-repeat), once to clean
    assert [c[0] for c in calls[:-1]] == list(range(1, 11)) and calls[-2:] == [(10, 10), (-1, None)]
    calls.clear()
    runner.invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path / "o"), "--quiet"])
    assert calls == []


def test_the_bar_draws_counts_and_rates(capsys: pytest.CaptureFixture[str]) -> None:
    bar = cli_module._Bar("cleaning")
    bar(3, None)
    bar.close()
    assert "cleaning 3 documents" in capsys.readouterr().err


def test_an_internal_error_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(cli_module.api, "clean_corpus", boom)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", str(SEEDS / "raw"), str(tmp_path / "o")], prog_name="cleaner")
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError: kaput" in err and "CLEANER_DEBUG=1" in err
    assert "Traceback" not in err


def test_explain_shows_the_model_score_under_the_page_cut() -> None:
    from cleaner.config import BoilerplateConfig
    from cleaner.stages.boilerplate import StripBoilerplate

    text = f"Home\nNews\nSport\n\n{PARA}\n\nShare on Facebook"
    stage = StripBoilerplate(BoilerplateConfig())
    changes = stage.apply(Document("1", "p.txt", text)).changes
    model_lines = [c for c in changes if c.rule == "low-content"]
    assert [c.text for c in model_lines] == ["Home", "News", "Sport"]
    assert all(0.0 <= c.detail["score"] < c.detail["cut"] for c in model_lines)
    exp = explain_document(Document("1", "p.txt", text), [stage])
    shown = [line for line in exp.lines if line.rule == "low-content"]
    assert [(line.score, line.cut) for line in shown] == [
        (c.detail["score"], c.detail["cut"]) for c in model_lines
    ]
    first = shown[0]
    assert f"- [low-content {first.score:.2f} < {first.cut:.2f}] Home" in exp.render()
    assert "- [share-prompt] Share on Facebook" in exp.render()  # a named rule: no score

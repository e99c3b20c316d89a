"""The CLI surfaces: stdin/stdout, explain, stats, completion, progress, errors."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner import clean_records
from cleaner import cli as cli_module
from cleaner.cli import cli
from cleaner.document import Change, Document
from cleaner.readers import doc_id
from cleaner.run.explain import Explanation, explain_document, explain_file
from cleaner.stage import Stage
from cleaner.stages.dedup import DedupBlocks
from cleaner.stages.repair import RepairText
from cleaner.terminal import Bar
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
    assert "3 documents in, 2 kept, 1 dropped (near-duplicate 1)" in result.stderr


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


def test_an_output_removed_or_cut_by_hand_is_written_again(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A run with no input changed wrote nothing, so a corpus removed or an audit cut
    short by hand stayed so, while the run said all was well."""
    out = tmp_path / "o"
    args = ["run", str(SEEDS / "raw"), str(out), "--fail-on-change", "-q"]
    runner.invoke(cli, args)
    corpus, audit = (out / "corpus.jsonl").read_bytes(), (out / "audit.jsonl").read_bytes()
    (out / "corpus.jsonl").unlink()
    (out / "audit.jsonl").write_bytes(b"")  # through the link: the generation's file
    rewritten = runner.invoke(cli, args)
    assert rewritten.exit_code == 1, rewritten.output  # files changed
    assert (out / "corpus.jsonl").read_bytes() == corpus
    assert (out / "audit.jsonl").read_bytes() == audit
    assert runner.invoke(cli, args).exit_code == 0  # and then nothing to do


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


def test_an_unreadable_input_file_is_named_in_one_line_by_each_command(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file without read permission (mode 000 for a user who is not root): the library
    says so in its words, not click's usage block (click's own check is os.access)."""
    import os

    locked = tmp_path / "locked.txt"
    locked.write_text(PARA + "\n", encoding="utf-8")
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == locked.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", refuse)
    monkeypatch.setattr(os, "access", lambda p, *a, **k: Path(p).name != locked.name)
    why = f"{locked}: unreadable (Permission denied); check that it exists and its permissions"
    ran = runner.invoke(cli, ["run", str(locked), str(tmp_path / "out")])
    assert (
        ran.exit_code == 0 and "rejected locked.txt: unreadable (Permission denied)" in ran.output
    )
    checked = runner.invoke(cli, ["check", str(locked), "--corpus", str(tmp_path / "out")])
    assert (checked.exit_code, checked.output) == (2, f"cleaner: error: {why}\n")
    shown = runner.invoke(cli, ["explain", str(locked)])
    assert (shown.exit_code, shown.output) == (2, f"cleaner: error: {why}\n")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "{raw}", "{out}", "--config", "{dir}"], "{dir}: a folder; pass the cleaner.toml"),
        (["check", "{file}", "--corpus", "{file}"], "{file}: not a folder; pass the OUTPUT folder"),
        (["explain", "{file}", "--corpus", "{file}"], "{file}: not an output folder"),
        (["report", "{out}", "--to", "{dir}"], "{dir}: a folder; name the report's file"),
        (["report", "{out}", "--input", "{dir}/nope"], "{dir}/nope: no such file or folder"),
    ],
)
def test_a_path_of_the_wrong_kind_is_one_line_not_a_usage_block(
    runner: CliRunner, tmp_path: Path, args: list[str], says: str
) -> None:
    raw, out, folder = tmp_path / "raw", tmp_path / "out", tmp_path / "dir"
    raw.mkdir()
    folder.mkdir()
    (raw / "a.txt").write_text(PARA + "\n", encoding="utf-8")
    assert runner.invoke(cli, ["run", str(raw), str(out), "-q"]).exit_code == 0
    names = {"raw": raw, "out": out, "dir": folder, "file": raw / "a.txt"}
    result = runner.invoke(cli, [a.format(**names) for a in args])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert result.output.startswith(f"cleaner: error: {says.format(**names)}"), result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "{raw}", "{out}", "--window", "0"], "--window: must be at least 1, not 0"),
        (  # it was ignored without a word
            ["run", "{raw}", "{out}", "--window", "5"],
            "--window applies to a stream run (OUTPUT -); a folder run compares every "
            "document with every other: leave it out",
        ),
        (["run", "{raw}", "{out}", "--workers", "0"], "--workers: must be at least 1, not 0"),
        (
            ["check", "{raw}", "--corpus", "{out}", "--max-boilerplate", "2"],
            "--max-boilerplate: must be between 0.0 and 1.0, not 2.0",
        ),
        (
            ["run", "{raw}", "{out}", "--threshold", "2"],
            "--threshold: threshold must be in (0, 1], not 2.0",
        ),
        (
            ["run", "{raw}", "{out}", "--containment", "1.5"],
            "--containment: containment_threshold must be in (0, 1], not 1.5",
        ),
        # options that undo each other (each was taken without a word, one of them lost)
        (
            ["run", "{raw}", "{out}", "--no-dedup", "--containment", "0.9"],
            "--no-dedup keeps near-duplicates, so --containment would do nothing: give one of them",
        ),
        (
            ["run", "{raw}", "{out}", "--no-dedup", "--threshold", "0.7"],
            "--no-dedup keeps near-duplicates, so --threshold would do nothing: give one of them",
        ),
        (
            ["run", "{raw}", "{out}", "--no-containment", "--containment", "0.9"],
            "--containment sets the share at which a document leaves as contained, and "
            "--no-containment keeps contained documents: give one of them",
        ),
        (
            ["run", "{raw}", "{out}", "--disable-rule", "language", "--languages", "en"],
            "--languages turns the language filter on, and --disable-rule language turns it "
            "off: give one of them",
        ),
    ],
)
def test_an_option_out_of_range_is_named_in_one_line(
    runner: CliRunner, tmp_path: Path, args: list[str], says: str
) -> None:
    names = {"raw": tmp_path / "raw", "out": tmp_path / "out"}
    names["raw"].mkdir()
    result = runner.invoke(cli, [a.format(**names) for a in args])
    assert result.exit_code == 2 and result.output == f"cleaner: error: {says}\n"


def test_names_and_fields_reach_the_terminal_without_their_control_characters(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A file name or a record's id and title could clear the screen or set the
    window's title (ESC, BEL), or split a line (a line break): shown written out."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "esc\x1b[2J.txt").write_text(PARA + "\n", encoding="utf-8")
    (raw / "new\nline.txt").write_text(PARA + "\n", encoding="utf-8")
    text = "The bridge will close for six months while the council repairs it, they said."
    record = {"id": "\x1b[2J", "title": "\x1b]0;HIJACK\x07T", "text": text}
    (raw / "r.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert runner.invoke(cli, ["run", str(raw), str(out), "-q"]).exit_code == 0
    shown = {
        "stats": runner.invoke(cli, ["stats", str(out)]).output,
        "explain": runner.invoke(cli, ["explain", str(raw / "esc\x1b[2J.txt")]).output,
        "record": runner.invoke(cli, ["explain", str(raw / "r.jsonl")]).output,
    }
    for output in shown.values():
        assert "\x1b" not in output and "\x07" not in output
    assert "esc\\x1b[2J.txt <- new\\nline.txt (1.0)" in shown["stats"]
    assert shown["explain"].startswith("# esc\\x1b[2J.txt (id ")
    assert shown["record"].startswith("# r.jsonl (id \\x1b[2J)\ntitle: \\x1b]0;HIJACK\\x07T\n")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "--bogus"], "No such option '--bogus'. (see cleaner run --help)"),
        (["run", "--workers"], "Option '--workers' requires an argument."),
        (
            ["run", "a", "b", "--workers", "x"],
            "Invalid value for '--workers': 'x' is not a valid integer. (see cleaner run --help)",
        ),
        (["run", "a", "b", "c"], "Got unexpected extra argument (c) (see cleaner run --help)"),
        (["check"], "Missing argument 'FILES...'. (see cleaner check --help)"),
        (["bogus"], "No such command 'bogus'. (see cleaner --help)"),
    ],
)
def test_an_argument_click_refuses_is_one_line_too(
    runner: CliRunner, args: list[str], says: str
) -> None:
    """Its usage, a hint and the error were four lines, without the prefix of the rest."""
    result = runner.invoke(cli, args, prog_name="cleaner")
    assert result.exit_code == 2
    assert result.output == f"cleaner: error: {says}\n"


def test_cleaner_alone_shows_its_help() -> None:
    result = CliRunner().invoke(cli, [], prog_name="cleaner")
    assert result.exit_code == 2 and result.output.startswith("Usage: cleaner [OPTIONS] COMMAND")


def test_a_stream_lists_some_skipped_lines_counts_the_rest_and_is_quiet_with_q(
    runner: CliRunner,
) -> None:
    data = "".join(f"not json {i}\n" for i in range(25)) + json.dumps({"text": PARA}) + "\n"
    loud = runner.invoke(cli, ["run", "-", "-"], input=data)
    assert loud.exit_code == 0 and json.loads(loud.stdout)["text"] == PARA
    skipped = [line for line in loud.stderr.splitlines() if line.startswith("cleaner: skipped")]
    assert len(skipped) == 21 and skipped[-1] == "cleaner: skipped 5 more (not shown)"
    quiet = runner.invoke(cli, ["run", "-", "-", "-q"], input=data)
    assert quiet.exit_code == 0 and quiet.stdout == loud.stdout and quiet.stderr == ""


def test_a_removed_line_of_code_keeps_its_indentation_in_the_audit(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The audit holds a removed line as the text had it: the corpus and the audit give
    back the repaired page, a code line's indentation included, as explain shows it."""
    raw = tmp_path / "raw"
    raw.mkdir()
    code = "```python\nfor x in items:\n    print(x)\n    total += x\n```"
    (raw / "code.txt").write_text(f"{PARA}\n\n{code}\n\n{_paragraph(3)}\n", encoding="utf-8")
    args = ["--add-pattern", r"print\(x\)"]
    ran = runner.invoke(cli, ["run", str(raw), str(tmp_path / "out"), "-q", *args])
    assert ran.exit_code == 0, ran.output
    audit = [json.loads(r) for r in (tmp_path / "out" / "audit.jsonl").read_text().splitlines()]
    assert [(r["line"], r["text"]) for r in audit if r["rule"] == "user-pattern"] == [
        (5, "    print(x)")
    ]
    shown = runner.invoke(cli, ["explain", str(raw / "code.txt"), "--json", *args])
    [doc] = json.loads(shown.stdout)
    assert [r["text"] for r in doc["lines"] if r["rule"] == "user-pattern"] == ["    print(x)"]


def test_stats_reads_a_manifest_or_its_folder(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path / "o"), "-q"])
    for target in (tmp_path / "o", tmp_path / "o" / "manifest.json"):
        result = runner.invoke(cli, ["stats", str(target)])
        assert result.exit_code == 0
        assert "inputs: 5 files, 5 read, 0 rejected" in result.output
    data = json.loads(runner.invoke(cli, ["stats", str(tmp_path / "o"), "--json"]).output)
    assert data["counts"]["documents"]["in"] == 5
    # the outputs in one order, from the manifest file as from a run that wrote them
    again = runner.invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path / "o")])  # no change
    for said in (result.output, again.stderr):
        named = [line.split(":")[0] for line in said.splitlines() if line.startswith("output ")]
        assert named == ["output corpus.jsonl", "output audit.jsonl"], said


def test_stats_errors_say_what_to_do(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    for target, words in (
        (tmp_path / "none.json", "run `cleaner run` first"),
        (tmp_path / "bad.json", "not a readable manifest"),
    ):
        result = runner.invoke(cli, ["stats", str(target)])
        assert result.exit_code == 2 and words in result.output
        assert result.output.count("\n") == 1


def test_stats_of_a_pipe_is_a_one_line_error(tmp_path: Path) -> None:
    """Read, a FIFO waited for a writer for ever (and /dev/zero filled the memory). In
    its own process, so that a wait ends at the timeout."""
    os.mkfifo(tmp_path / "fifo")
    done = subprocess.run(
        [sys.executable, "-m", "cleaner", "stats", str(tmp_path / "fifo")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "fifo: not a regular file" in done.stderr


def _seeds_run(runner: CliRunner, tmp_path: Path) -> tuple[Path, Path]:
    """A run over the seeds into ``tmp_path/o``: the folder and its manifest's file."""
    out = tmp_path / "o"
    assert runner.invoke(cli, ["run", str(SEEDS / "raw"), str(out), "-q"]).exit_code == 0
    return out, out.resolve() / "manifest.json"


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ({"outputs": None}, "outputs is not an object"),
        ({"inputs": [1, 2]}, "an entry of inputs is not an object"),
        ({"counts": {"documents": "x"}}, "an entry of counts is not an object"),
        ({"duplicates": {"kept": 1}}, "duplicates is not a list"),
    ],
)
def test_a_damaged_manifest_is_one_line_for_stats_and_report(
    runner: CliRunner, tmp_path: Path, damage: dict[str, object], words: str
) -> None:
    """A manifest whose parts have the wrong types (edited by hand, or by another tool):
    stats and report say so in one line, with status 2, not as an internal error."""
    out, target = _seeds_run(runner, tmp_path)
    target.write_text(json.dumps({**json.loads(target.read_text()), **damage}))
    for command in (["stats", str(out)], ["report", str(out)]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert "internal error" not in result.output and "damaged manifest" in result.output
        assert words in result.output


def test_stats_and_report_say_a_manifest_with_counts_of_the_wrong_type_is_damaged(
    runner: CliRunner, tmp_path: Path
) -> None:
    out, target = _seeds_run(runner, tmp_path)
    manifest = json.loads(target.read_text())
    manifest["counts"]["documents"] = {"in": "many", "kept": [], "dropped": 3}
    target.write_text(json.dumps(manifest))
    for command in (["stats", str(out)], ["report", str(out)]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert "a damaged manifest" in result.output and "internal error" not in result.output


@pytest.mark.parametrize(
    "damage",
    [
        {"config": "x"},
        {"duplicates": [{"duplicates": "abc"}]},
        {"duplicates": [{"duplicates": 5}]},
        {"inputs": [{"path": "\ud800x", "outcome": "rejected"}]},
    ],
    ids=["config a string", "duplicates a string", "duplicates a number", "a lone surrogate"],
)
def test_every_command_that_reads_a_manifest_says_when_it_is_damaged(
    runner: CliRunner, tmp_path: Path, damage: dict[str, object]
) -> None:
    """stats, report, check and explain --corpus: one line naming the damage (these were
    internal errors: a config or a duplicates entry of the wrong type, a string that no
    UTF-8 file holds)."""
    out, target = _seeds_run(runner, tmp_path)
    target.write_text(json.dumps({**json.loads(target.read_text()), **damage}))
    page = str(sorted((SEEDS / "raw").iterdir())[0])
    commands = [["report", str(out), "--to", str(tmp_path / "r.html")]]
    if "config" in damage:  # what check and explain read (stats shows no config)
        commands += [["check", page, "--corpus", str(out)], ["explain", page, "--corpus", str(out)]]
    else:
        commands += [["stats", str(out)]]
    for command in commands:
        result = runner.invoke(cli, command)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert "internal error" not in result.output and "a damaged manifest" in result.output


def test_a_manifest_without_its_shingle_size_or_with_nan_is_damaged(
    runner: CliRunner, tmp_path: Path
) -> None:
    """check and explain read the shingle size the corpus was built with: a manifest
    without it was an internal error (KeyError). A NaN, which no run writes, went out
    of stats --json as invalid JSON."""
    out, target = _seeds_run(runner, tmp_path)
    manifest = json.loads(target.read_text())
    del manifest["config"]["dedup"]["ngram"]
    target.write_text(json.dumps(manifest))
    page = str(sorted((SEEDS / "raw").iterdir())[0])
    for command in (["check", page, "--corpus", str(out)], ["explain", page, "--corpus", str(out)]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert "internal error" not in result.output and "a damaged manifest" in result.output
    manifest = json.loads(_seeds_run(runner, tmp_path / "again")[1].read_text())
    manifest["counts"]["documents"]["in"] = float("nan")
    target.write_text(json.dumps(manifest))
    for command in (["stats", str(out), "--json"], ["stats", str(out)]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert "NaN is no JSON number" in result.output


def test_stats_names_a_manifest_nested_too_deeply(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text('{"counts": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = runner.invoke(cli, ["stats", str(tmp_path / "m.json")])
    assert result.exit_code == 2 and "not a readable manifest (nested too deeply)" in result.output


def test_check_says_a_cut_manifest_is_damaged_not_missing(
    runner: CliRunner, tmp_path: Path
) -> None:
    out, target = _seeds_run(runner, tmp_path)
    target.write_bytes(target.read_bytes()[:100])
    page = str(sorted((SEEDS / "raw").iterdir())[0])
    result = runner.invoke(cli, ["check", page, "--corpus", str(out)])
    assert result.exit_code == 2
    assert "a damaged manifest (not the JSON object a run writes)" in result.output


def test_report_names_a_manifest_it_cannot_read(runner: CliRunner, tmp_path: Path) -> None:
    out, target = _seeds_run(runner, tmp_path)
    target.write_text(target.read_text()[:100])  # cut short
    result = runner.invoke(cli, ["report", str(out)])
    assert result.exit_code == 2 and "not a readable manifest" in result.output


def test_a_file_name_with_a_line_break_stays_on_one_line(runner: CliRunner, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ok.txt").write_text(_paragraph(1))
    (raw / "two\nlines.txt").write_bytes(b"\x00\x01\x02" * 100)  # binary: rejected
    ran = runner.invoke(cli, ["run", str(raw), str(tmp_path / "out")])
    assert ran.exit_code == 0
    [line] = [x for x in ran.stderr.splitlines() if "lines.txt" in x]
    assert line.startswith("  rejected two\\nlines.txt: ")
    missing = runner.invoke(cli, ["explain", str(tmp_path / "no\nsuch.txt")])
    assert missing.exit_code == 2 and missing.output.count("\n") == 1, missing.output
    assert "no\\nsuch.txt" in missing.output


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(runner: CliRunner, shell: str) -> None:
    result = runner.invoke(cli, ["completion", shell])
    assert result.exit_code == 0 and "_CLEANER_COMPLETE" in result.output


def test_progress_bar_only_on_a_terminal(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli_module._progress(quiet=False) is None  # CliRunner's stderr is no terminal
    calls: list[tuple[object, int | None]] = []

    class Recorder:
        def __call__(self, done: int, total: int | None) -> None:
            calls.append((done, total))

        def phase(self, name: str) -> None:
            calls.append((name, None))

        def close(self) -> None:
            calls.append(("closed", None))

    monkeypatch.setattr(cli_module, "_progress", lambda quiet: None if quiet else Recorder())
    runner.invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path / "o")])
    # five files, two passes of five: counting their lines (corpus-repeat), then cleaning
    one_pass = [(k, 5) for k in range(1, 6)]
    assert calls == [
        ("counting lines", None),
        *one_pass,
        ("cleaning", None),
        *one_pass,
        ("closed", None),
    ]
    calls.clear()
    runner.invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path / "o"), "--quiet"])
    assert calls == []


def test_the_bar_draws_counts_and_rates(capsys: pytest.CaptureFixture[str]) -> None:
    bar = Bar("cleaning")
    bar(3, None)
    bar.close()
    assert "cleaning 3 documents" in capsys.readouterr().err


def test_an_internal_error_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaput")

    import cleaner.run.corpus  # the run command imports its work when it runs

    monkeypatch.setattr(cleaner.run.corpus, "clean_corpus", boom)
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
    assert (
        f"- [low-content {first.score:.2f} < {first.cut:.2f} | before the main span] Home"
        in exp.render()
    )
    assert "- [share-prompt | after the main span] Share on Facebook" in exp.render()  # no score


def _paragraph(seed: int, n: int = 70) -> str:
    rng = random.Random(seed)
    words = ["river", "bank", "council", "bridge", "market", "school", "train", "harvest"]
    return " ".join(rng.choice(words) for _ in range(n)) + "."


def _pages_jsonl() -> bytes:
    """Records that exercise the reader: own ids of each type, fields cleaner renames,
    repairs (a stray Windows-1252 byte, NUL, a lone surrogate), bad lines, and the
    three places where a stream must differ from a folder run. ``n`` is the line number."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted((SEEDS / "raw").glob("*.txt"))]
    shared = "Filed under harbour notes by the desk of the Evening Courier."
    recs: list[dict[str, object] | bytes] = [
        {"n": 1, "id": 0, "source": "crawl-a", "lang": "en", "text": seeds[0]},
        {"n": 2, "id": 7, "text": seeds[1]},
        {"n": 3, "id": "x-1", "title": 3, "text": seeds[2]},
        b'{"n": 4, "place": "Caf\xe9", "text": ' + json.dumps(seeds[3]).encode() + b"}",
        b"not json",
        b'{"n": 6, "body": "no text field"}',
        b'{"n": 7, "text": null}',
        {"n": 8, "id": 8.5, "title": "Own title", "text": "Nul\x00 bytes. " + _paragraph(1)},
        {"n": 9, "id": "\ud800-lone", "text": seeds[4]},
        {"n": 10, "id": 7, "text": _paragraph(2)},  # the id of line 2 again
        {"n": 11, "id": "first", "text": _paragraph(3)},  # near-duplicates: the first
        {"n": 12, "id": "longer", "text": _paragraph(3) + " One more closing sentence."},
        *({"n": n, "id": f"r{n}", "text": f"{_paragraph(n)}\n\n{shared}"} for n in (13, 14, 15)),
    ]
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in recs)


def _repairs_line(stderr: str) -> str:
    return next(line.strip() for line in stderr.splitlines() if "repaired" in line)


def test_stdin_and_a_folder_read_records_the_same_way(runner: CliRunner, tmp_path: Path) -> None:
    data = _pages_jsonl()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "pages.jsonl").write_bytes(data)
    ran = runner.invoke(cli, ["run", str(tmp_path / "in"), str(tmp_path / "out")])
    streamed = runner.invoke(cli, ["run", "-", "-"], input=data)
    assert ran.exit_code == streamed.exit_code == 0, (ran.output, streamed.output)
    lines = (tmp_path / "out" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    folder = {r["n"]: r for r in map(json.loads, lines)}
    stream = {r["n"]: r for r in map(json.loads, streamed.stdout.splitlines())}

    # Where they must differ, and why:
    # 1. `source` is the file's path in a folder run and "stdin" for standard input, so
    #    an id derived from source and line (a record without its own id) differs too.
    assert {r["source"] for r in folder.values()} == {"pages.jsonl"}
    assert {r["source"] for r in stream.values()} == {"stdin"}
    assert folder[4]["id"] == doc_id("pages.jsonl", 4) and stream[4]["id"] == doc_id("stdin", 4)
    # 2. A stream keeps no set of the ids it has seen (its memory is bounded), so an own
    #    id used twice stays; a folder run gives the second copy a derived id.
    assert stream[10]["id"] == 7 and "record_id" not in stream[10]
    assert folder[10]["id"] == doc_id("pages.jsonl", 10) and folder[10]["record_id"] == 7
    # 3. Near-duplicates: a folder run keeps the longest copy, a stream the first.
    assert 11 not in folder and 12 in folder
    assert 12 not in stream and 11 in stream
    # 4. corpus-repeat (a line in min_repeats documents of one source) needs the whole
    #    input, so only a folder run removes the shared line.
    shared = "Filed under harbour notes"
    assert all(
        shared in stream[n]["text"] and shared not in folder[n]["text"] for n in (13, 14, 15)
    )

    # Everything else agrees: fields, own ids with their type, titles, renamed fields,
    # repaired text.
    differ = {4, 10, 11, 12, 13, 14, 15}
    assert set(folder) - differ == set(stream) - differ == {1, 2, 3, 8, 9}
    for n in set(folder) - differ:
        assert {**folder[n], "source": "stdin"} == stream[n]
    assert stream[1]["id"] == 0 and stream[1]["title"].startswith("Why Russia")
    assert stream[1]["record_source"] == "crawl-a" and stream[1]["lang"] == "en"
    assert stream[3]["record_title"] == 3
    assert stream[8]["id"] == 8.5 and stream[8]["title"] == "Own title"
    assert stream[9]["id"] == "\ufffd-lone"
    assert {**folder[4], "source": "stdin", "id": stream[4]["id"]} == stream[4]
    assert stream[4]["place"] == "Café"

    # The same lines are rejected for the same reasons, and the same repairs are counted.
    audit = (tmp_path / "out" / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    rejected = [r for r in map(json.loads, audit) if r["stage"] == "read"]
    assert [r["line"] for r in rejected] == [5, 6, 7]
    skipped = [
        line.removeprefix("cleaner: skipped ")
        for line in streamed.stderr.splitlines()
        if line.startswith("cleaner: skipped ")
    ]
    assert skipped == [r["message"].replace("pages.jsonl:", "stdin:", 1) for r in rejected]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"][0]["repairs"] == {
        "invalid-utf8": 1,
        "lone-surrogates": 1,
        "nul-bytes": 1,
        "renamed-fields": 2,
        "renamed-ids": 1,  # the stream's difference 2
    }
    assert _repairs_line(ran.stderr).replace(", renamed-ids 1", "") == _repairs_line(
        streamed.stderr
    )
    assert _repairs_line(streamed.stderr) == (
        "repaired while reading: invalid-utf8 1, lone-surrogates 1, nul-bytes 1, renamed-fields 2"
    )


def test_text_key_names_the_field_both_ways(runner: CliRunner, tmp_path: Path) -> None:
    page = f"x &amp; y. {PARA} {_paragraph(5)}"
    records = [
        {"id": 0, "body": page, "text": "left alone"},
        {"id": 1, "body": page[:-40]},  # a near-duplicate: the audit holds its text
    ]
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_bytes(data)
    args = ["--text-key", "body", "-q"]
    ran = runner.invoke(cli, ["run", str(tmp_path / "in"), str(tmp_path / "out"), *args])
    streamed = runner.invoke(cli, ["run", "-", "-", *args], input=data)
    assert ran.exit_code == streamed.exit_code == 0, ran.output
    [folder] = map(json.loads, (tmp_path / "out" / "corpus.jsonl").read_text().splitlines())
    [stream] = map(json.loads, streamed.stdout.splitlines())
    assert folder["body"] == stream["body"] == f"x & y. {PARA} {_paragraph(5)}"
    assert folder["text"] == stream["text"] == "left alone"
    assert folder["id"] == stream["id"] == 0
    audit = (tmp_path / "out" / "audit.jsonl").read_text().splitlines()
    [dropped] = [r for r in map(json.loads, audit) if r["rule"] == "near-duplicate"]
    assert dropped["id"] == "1" and dropped["text"] == page[:-40].replace("&amp;", "&")


def test_text_key_leaves_text_files_their_own_field(runner: CliRunner, tmp_path: Path) -> None:
    """--text-key names a field of records; a text file's record holds its text under
    "text", also when it is a near-duplicate named in the audit."""
    page = f"{PARA} {_paragraph(5)}\n"
    (tmp_path / "in").mkdir()
    for name in ("a.txt", "b.txt"):
        (tmp_path / "in" / name).write_text(page, encoding="utf-8")
    (tmp_path / "in" / "c.jsonl").write_text(json.dumps({"body": page}) + "\n", encoding="utf-8")
    args = ["run", str(tmp_path / "in"), str(tmp_path / "out"), "--text-key", "body", "-q"]
    ran = runner.invoke(cli, args)
    assert ran.exit_code == 0, ran.output
    [kept] = map(json.loads, (tmp_path / "out" / "corpus.jsonl").read_text().splitlines())
    assert kept["source"] == "a.txt" and kept["text"] == page.strip()
    audit = [json.loads(r) for r in (tmp_path / "out" / "audit.jsonl").read_text().splitlines()]
    assert {r["source"]: r["text"] for r in audit if r["rule"] == "near-duplicate"} == {
        "b.txt": page.strip(),
        "c.jsonl": page.strip(),
    }


def test_explain_names_a_bad_jsonl_line(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "p.jsonl"
    page.write_text(
        "\n".join(
            [json.dumps({"text": PARA}), "not json", '{"body": 1}', json.dumps({"text": "Two."})]
        )
        + "\n"
    )
    result = runner.invoke(cli, ["explain", str(page)])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "cleaner: skipped p.jsonl:2: not JSON (Expecting value at column 1); is this a .jsonl"
        " file?",
        "cleaner: skipped p.jsonl:3: no field 'text'; use --text-key to name the text field",
    ]
    assert PARA in result.stdout and "Two." in result.stdout
    as_json = runner.invoke(cli, ["explain", str(page), "--json"])
    data = json.loads(as_json.stdout)
    assert as_json.stderr.count("cleaner: skipped p.jsonl:") == 2
    assert [d.get("rule") for d in data] == [None, "malformed-json", "missing-text", None]
    assert data[1] == {
        "source": "p.jsonl",
        "stage": "read",
        "rule": "malformed-json",
        "line": 2,
        "message": "p.jsonl:2: not JSON (Expecting value at column 1); is this a .jsonl file?",
    }
    assert data[0]["lines"][0]["text"] == PARA and data[3]["lines"][0]["text"] == "Two."
    many = tmp_path / "many.jsonl"
    many.write_text("oops\n" * 25 + json.dumps({"text": PARA}) + "\n")
    result = runner.invoke(cli, ["explain", str(many)])
    assert result.exit_code == 0 and PARA in result.stdout
    assert result.stderr.count("cleaner: skipped many.jsonl:") == 20
    assert f"cleaner: skipped 5 more bad lines of {many}; --json lists them" in result.stderr


def test_stream_and_folder_drop_contained_copies_alike(runner: CliRunner, tmp_path: Path) -> None:
    # each source comes before its truncated copies, so the first copy is the longest
    # and a stream (which keeps the first) must agree with a folder run (the longest)
    records: list[dict[str, object]] = []
    for k in range(4):
        body = " ".join(_paragraph(10 + 3 * k + j) for j in range(3))
        words = body.split(" ")
        records.append({"id": 10 * k, "text": body})
        records.append({"id": 10 * k + 1, "text": " ".join(words[: len(words) * 2 // 3])})
        records.append({"id": 10 * k + 2, "text": " ".join(words[len(words) // 4 :])})
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_bytes(data)
    ran = runner.invoke(cli, ["run", str(tmp_path / "in"), str(tmp_path / "out"), "-q"])
    streamed = runner.invoke(cli, ["run", "-", "-", "-q"], input=data)
    assert ran.exit_code == streamed.exit_code == 0, ran.output
    lines = (tmp_path / "out" / "corpus.jsonl").read_text().splitlines()
    folder = [json.loads(x)["id"] for x in lines]
    stream = [json.loads(x)["id"] for x in streamed.stdout.splitlines()]
    assert folder == stream == [0, 10, 20, 30]
    audit = [json.loads(x) for x in (tmp_path / "out" / "audit.jsonl").read_text().splitlines()]
    drops = {r["id"]: (r["rule"], r["duplicate_of"]) for r in audit if "duplicate_of" in r}
    assert drops == {str(10 * k + j): ("contained", str(10 * k)) for k in range(4) for j in (1, 2)}
    said = [r["cleaner"]["dropped"] for r in clean_records(records)]  # the stream's audit
    assert {
        str(r["id"]): (d["rule"], d["detail"]["duplicate_of"])
        for r, d in zip(records, said, strict=True)
        if d is not None
    } == drops
    stats = runner.invoke(cli, ["stats", str(tmp_path / "out")]).output
    assert "drop-near-duplicates  contained" in stats and ", contained 1.0)" in stats
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    shares = [d["containment"] for c in manifest["duplicates"] for d in c["duplicates"]]
    assert len(shares) == 8 and min(shares) >= 0.9


def test_explain_with_a_corpus_takes_the_runs_config(runner: CliRunner, tmp_path: Path) -> None:
    """A run told to keep captions and to drop one more line: explain --corpus shows
    what that run did, not what the defaults would."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    page = raw / "002_13d8536eb054a7f2.txt"
    page.write_bytes((SEEDS / "raw" / page.name).read_bytes())
    options = ["--disable-rule", "caption", "--add-pattern", "Hanoi and Moscow .*"]
    assert runner.invoke(cli, ["run", str(raw), str(out), "-q", *options]).exit_code == 0
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    removed = {row.get("text") for row in audit}
    explained = runner.invoke(cli, ["explain", str(page), "--corpus", str(out), "--json"])
    [shown] = json.loads(explained.output)
    gone = {line["text"] for line in shown["lines"] if line.get("rule")}
    assert "File image of Russian President Vladimir Putin Photo: AP" not in gone
    assert gone <= removed and any(t.startswith("Hanoi and Moscow ") for t in gone)
    again = runner.invoke(cli, ["explain", str(page), "--corpus", str(out), "--json", *options])
    assert json.loads(again.output) == [shown]  # the same options again: the same view
    default = runner.invoke(cli, ["explain", str(page), "--json"])  # no corpus: defaults
    [plain] = json.loads(default.output)
    assert any(line.get("rule") == "caption" for line in plain["lines"])
    # the library's explain_file with a corpus and no config sees what the run did too
    [library] = explain_file(page, corpus=out)
    assert isinstance(library, Explanation)
    assert {line["text"] for line in library.to_dict()["lines"] if line.get("rule")} == gone


def _shard(path: Path, texts: dict[str, str]) -> None:
    path.write_text("".join(json.dumps({"id": k, "text": t}) + "\n" for k, t in texts.items()))


def test_explain_and_check_find_a_copy_inside_one_file(runner: CliRunner, tmp_path: Path) -> None:
    """A JSONL shard holding a page twice: the run drops the copy, and explain --corpus
    and check say so, as they say it of a copy of a corpus document; a new shard with a
    copy inside is a problem for check."""
    pages = sorted((SEEDS / "raw").glob("*.txt"))
    first, second = (p.read_text(encoding="utf-8") for p in pages[2:4])
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    _shard(raw / "news.jsonl", {"a": first, "a-copy": first, "b": second})
    assert runner.invoke(cli, ["run", str(raw), str(out), "-q"]).exit_code == 0
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    assert {(r["id"], r["rule"], r["duplicate_of"]) for r in audit if "duplicate_of" in r} == {
        ("a-copy", "near-duplicate", "a")
    }
    shown = runner.invoke(cli, ["explain", str(raw / "news.jsonl"), "--corpus", str(out), "--json"])
    verdicts = {
        e["id"]: (e["dropped"], (e["duplicate"] or {}).get("duplicate_of"))
        for e in json.loads(shown.output)
    }
    assert verdicts == {"a": (None, None), "a-copy": ("near-duplicate", "a"), "b": (None, None)}
    third = pages[4].read_text(encoding="utf-8")  # in no document of the corpus
    fresh = tmp_path / "fresh.jsonl"
    _shard(fresh, {"y": third, "y-copy": third, "z": second})
    checked = runner.invoke(cli, ["check", str(fresh), "--corpus", str(out), "--json"])
    assert checked.exit_code == 1
    [report] = json.loads(checked.stdout)["files"]
    found = {(d["id"], d["duplicate_of"], d["rule"]) for d in report["duplicates"]}
    assert found == {("y-copy", "y", "near-duplicate"), ("z", "b", "near-duplicate")}


def test_explain_says_a_link_leads_nowhere_not_that_there_is_no_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")  # round a loop
    (tmp_path / "c").symlink_to(tmp_path / "gone.txt")
    for link in ("a", "c"):
        result = runner.invoke(cli, ["explain", str(tmp_path / link)])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert f"{link}: a link that leads to no file; fix the link." in result.output


def test_an_output_that_is_a_file_is_named_as_such(runner: CliRunner, tmp_path: Path) -> None:
    """It said "cannot create the output folder (File exists)"."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(PARA + "\n", encoding="utf-8")
    (tmp_path / "out.txt").write_text("mine\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", str(raw), str(tmp_path / "out.txt")])
    assert result.exit_code == 2
    assert (
        result.output
        == f"cleaner: error: {tmp_path}/out.txt: not a folder; pick a folder for the output.\n"
    )
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "mine\n"

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import cli
from tests.conftest import SEEDS


def test_run_writes_outputs_and_summary(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "5 documents in, 5 kept" in result.output
    for name in ("corpus.jsonl", "audit.jsonl", "manifest.json"):
        assert (tmp_path / "out" / name).is_file()


def test_json_summary(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path / "o"), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["documents_in"] == 5


def test_missing_input_is_a_one_line_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["run", str(tmp_path / "nope"), str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "nope" in result.output
    assert "Traceback" not in result.output


def test_unwritable_output_is_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(cli, ["run", str(SEEDS / "raw"), str(blocker / "out")])
    assert result.exit_code == 2
    assert "output" in result.output and "Traceback" not in result.output


def test_an_output_path_round_a_loop_is_a_one_line_error(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to("loop")
    result = runner.invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path / "loop")])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "loop: cannot follow the path" in result.output and "internal error" not in result.output


def test_an_input_path_round_a_loop_is_named_as_the_input(
    runner: CliRunner, tmp_path: Path
) -> None:
    """It was named as the output folder ("out: cannot follow the path")."""
    (tmp_path / "loop").symlink_to("loop")
    result = runner.invoke(cli, ["run", str(tmp_path / "loop"), str(tmp_path / "out")])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert result.output.startswith(f"cleaner: error: {tmp_path / 'loop'}: cannot follow")
    assert "output folder" not in result.output


@pytest.mark.parametrize("name", ["corpus.jsonl", "audit.jsonl", "manifest.json"])
def test_a_folder_in_place_of_an_output_file_is_a_one_line_error(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    """Said before any work, and nothing is left behind (the run made a link beside it
    and then failed to move it into place)."""
    out = tmp_path / "o"
    (out / name).mkdir(parents=True)
    result = runner.invoke(cli, ["run", str(SEEDS / "raw"), str(out)])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert f"{name}: a folder where the run writes its {name}" in result.output
    assert sorted(p.name for p in out.iterdir()) == [name]


def test_bad_files_are_reported_not_fatal(runner: CliRunner, corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    raw = corpus(
        {
            "good.txt": "A fine paragraph of text that says something useful.",
            "empty.txt": "",
            "blob.txt": bytes(range(256)) * 4,
            "bad.jsonl": '{"text": "ok record with words"}\nnot json\n',
        }
    )
    result = runner.invoke(cli, ["run", str(raw), str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    outcomes = {f["path"]: f["outcome"] for f in manifest["inputs"]}
    assert outcomes == {
        "bad.jsonl": "cleaned",
        "blob.txt": "rejected",
        "empty.txt": "rejected",
        "good.txt": "cleaned",
    }
    audit = [json.loads(x) for x in (tmp_path / "o" / "audit.jsonl").read_text().splitlines()]
    reasons = {(r["source"], r["rule"]) for r in audit}
    assert {
        ("empty.txt", "rejected-file"),
        ("blob.txt", "rejected-file"),
        ("bad.jsonl", "malformed-json"),
    } <= reasons
    assert any(r.get("line") == 2 for r in audit if r["source"] == "bad.jsonl")


def test_help_has_an_example(runner: CliRunner) -> None:
    for name in cli.commands:  # type: ignore[attr-defined]
        result = runner.invoke(cli, [name, "--help"])
        assert "Example" in result.output, name


def test_version(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["--version"]).output.startswith("cleaner, version")


def test_rules_from_the_command_line(runner: CliRunner, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    body = "The council voted on Tuesday to close the old river bridge for six months."
    other = "Residents will have to use the ferry or the ring road, which adds twenty minutes."
    (raw / "a.txt").write_text(f"{body}\n\nSponsored content 42\n\n{other}", "utf-8")
    out = tmp_path / "out"
    args = ["run", str(raw), str(out), "-q", "--add-pattern", r"Sponsored content \d+"]
    assert runner.invoke(cli, args).exit_code == 0
    audit = [json.loads(x) for x in (out / "audit.jsonl").read_text("utf-8").splitlines()]
    assert ("user-pattern", "Sponsored content 42") in [(r["rule"], r["text"]) for r in audit]
    assert "Sponsored" not in (out / "corpus.jsonl").read_text("utf-8")
    explained = runner.invoke(cli, ["explain", str(raw / "a.txt"), "--add-pattern", "Sponsored.*"])
    [shown] = [x for x in explained.output.splitlines() if x.endswith("] Sponsored content 42")]
    assert shown.startswith("- [user-pattern")


def test_an_unknown_rule_or_a_bad_pattern_is_a_one_line_usage_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    seeds = str(SEEDS / "raw")
    for extra, named in (
        (["--disable-rule", "captoin"], "captoin"),
        (["--add-pattern", "(unclosed"], "(unclosed"),
    ):
        for command in (["run", seeds, str(tmp_path / "o")], ["explain", f"{seeds}/x.txt"]):
            result = runner.invoke(cli, [*command, *extra])
            assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
            assert named in result.output and "Traceback" not in result.output
    config = tmp_path / "cleaner.toml"
    config.write_text('[boilerplate]\ndisable = ["captoin"]\n', encoding="utf-8")
    result = runner.invoke(cli, ["run", seeds, str(tmp_path / "o"), "--config", str(config)])
    assert result.exit_code == 2 and "unknown rule 'captoin'" in result.output
    assert str(config) in result.output


def test_an_output_inside_the_input_is_refused(runner: CliRunner, corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    raw = corpus({"a.txt": "A fine paragraph of text that says something useful here."})
    for output in (raw / "clean", raw / "deeper" / "clean", raw):
        result = runner.invoke(cli, ["run", str(raw), str(output)])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert "input folder" in result.output
        if output == raw:  # the folder itself, not a link into it
            assert "output folder is the input folder" in result.output, result.output
    assert sorted(p.name for p in raw.iterdir()) == ["a.txt"]  # nothing was written there
    file_in = runner.invoke(cli, ["run", str(raw / "a.txt"), str(raw)])  # the file's folder
    assert file_in.exit_code == 2 and "folder of the input file" in file_in.output
    assert sorted(p.name for p in raw.iterdir()) == ["a.txt"]
    beside = tmp_path / "raw-clean"  # a sibling whose name starts with the input's is fine
    assert runner.invoke(cli, ["run", str(raw), str(beside), "-q"]).exit_code == 0
    # the output's own corpus as input (a link into its generation, so its resolved folder
    # is not the output's): each run would read the last one's output back
    before = (beside / "corpus.jsonl").read_bytes()
    for into in (beside / "corpus.jsonl", beside / ".cleaner"):
        again = runner.invoke(cli, ["run", str(into), str(beside)])
        assert again.exit_code == 2 and "is in this output folder" in again.output, again.output
    assert (beside / "corpus.jsonl").read_bytes() == before
    elsewhere = runner.invoke(cli, ["run", str(beside / "corpus.jsonl"), str(tmp_path / "re")])
    assert elsewhere.exit_code == 0  # cleaning a corpus again into another folder is fine


def test_another_runs_output_inside_the_input_is_listed_not_read(
    runner: CliRunner, corpus, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """`cleaner run raw/a.txt raw/o` may write there (a run over one file reads only it);
    a run over raw then lists o/ as rejected and reads none of its outputs."""
    raw = corpus({"a.txt": "A fine paragraph of text that says something useful here."})
    assert runner.invoke(cli, ["run", str(raw / "a.txt"), str(raw / "o"), "-q"]).exit_code == 0
    assert runner.invoke(cli, ["run", str(raw), str(tmp_path / "out"), "-q"]).exit_code == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [(f["path"], f["outcome"], f.get("reason")) for f in manifest["inputs"]] == [
        ("a.txt", "cleaned", None),
        (
            "o/",
            "rejected",
            "the output folder of a cleaner run, whose corpus, audit and manifest are no "
            "raw input; move it out of the input folder",
        ),
    ]
    checked = runner.invoke(cli, ["check", str(raw), "--corpus", str(tmp_path / "out")])
    assert checked.exit_code == 0 and checked.stdout == "", checked.output
    assert checked.stderr == (
        f"cleaner: {raw / 'o'}: the output folder of a cleaner run: `cleaner run` does not "
        "read it; skipped\n"
    )


def test_an_output_folder_given_as_the_input_is_a_usage_error(
    runner: CliRunner, corpus, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Its corpus, audit and manifest were read as raw input (the manifest one text, each
    audit row a document), as one found inside the input folder is not."""
    raw = corpus({"a.txt": "A fine paragraph of text that says something useful here."})
    out = tmp_path / "out"
    assert runner.invoke(cli, ["run", str(raw), str(out), "-q"]).exit_code == 0
    for args in (["run", str(out), str(tmp_path / "again")], ["check", str(out)]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert f"{out}: the output folder of a cleaner run" in result.output
    assert not (tmp_path / "again" / "corpus.jsonl").exists()
    again = runner.invoke(cli, ["run", str(out / "corpus.jsonl"), str(tmp_path / "again"), "-q"])
    assert again.exit_code == 0  # its corpus, as a file, is a corpus to clean again


def test_the_folder_suggested_for_an_output_inside_the_input_is_named_from_the_folder(
    runner: CliRunner, corpus, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    raw = corpus({"a.txt": "A fine paragraph of text that says something useful here."})
    monkeypatch.chdir(raw)  # `cd raw && cleaner run . o`: the input is named "."
    result = runner.invoke(cli, ["run", ".", "o"])
    assert result.exit_code == 2, result.output
    assert result.output.rstrip().endswith(f"(e.g. {raw.resolve().parent / 'raw-clean'}).")


def test_a_link_from_the_input_to_the_output_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    """raw/zlink -> ../clean: the first run finds the link dangling (a rejected file);
    later runs would walk into the output and clean it as input, run after run."""
    raw, out = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "a.txt").write_text("A fine paragraph of text that says something useful here.")
    (raw / "zlink").symlink_to("../clean")
    assert runner.invoke(cli, ["run", str(raw), str(out), "-q"]).exit_code == 0
    before = (out / "corpus.jsonl").read_bytes()
    again = runner.invoke(cli, ["run", str(raw), str(out), "-q"])
    assert again.exit_code == 2 and again.output.count("\n") == 1, again.output
    assert "zlink" in again.output and "its own output" in again.output
    assert (out / "corpus.jsonl").read_bytes() == before


def test_a_file_name_that_is_not_utf8_is_read_under_an_escaped_name(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A name from another system's encoding (Latin-1 bytes): the corpus, audit and
    state are UTF-8, so the byte is written \\xe9 there; the file is read by its name."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ok.txt").write_text("A fine paragraph of text that says something useful here.")
    bad = os.path.join(os.fsencode(raw), b"caf\xe9.txt")
    with open(bad, "wb") as f:
        f.write(b"Another paragraph, about the cafe by the harbour, that is kept too.")
    ran = runner.invoke(cli, ["run", str(raw), str(tmp_path / "out"), "-q"])
    assert ran.exit_code == 0, ran.output
    records = [json.loads(x) for x in (tmp_path / "out" / "corpus.jsonl").read_text().splitlines()]
    assert sorted(r["source"] for r in records) == ["caf\\xe9.txt", "ok.txt"]
    again = runner.invoke(cli, ["run", str(raw), str(tmp_path / "out"), "-q"])
    assert again.exit_code == 0, again.output  # the state holds the name too
    # a name that reads so: two files, one name in the corpus; say so, do not crash
    (raw / "caf\\xe9.txt").write_text("A third paragraph, named with a backslash, x, e and 9.")
    clash = runner.invoke(cli, ["run", str(raw), str(tmp_path / "out"), "-q"])
    assert clash.exit_code == 2 and clash.output.count("\n") == 1, clash.output
    assert "'caf\\\\xe9.txt' and 'caf\\xe9.txt'" in clash.output and "rename one" in clash.output
    # two folders that read so: the message named the file twice, not its folders
    nested = tmp_path / "nested"
    for folder in (os.fsdecode(b"d\xe9"), "d\\xe9"):
        (nested / folder).mkdir(parents=True)
        (nested / folder / "a.txt").write_text("A paragraph of text in a folder, kept.")
    clash = runner.invoke(cli, ["run", str(nested), str(tmp_path / "out2"), "-q"])
    assert clash.exit_code == 2, clash.output
    assert "'d\\\\xe9/a.txt' and 'd\\xe9/a.txt'" in clash.output, clash.output


def test_an_empty_input_says_so(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "raw" / ".git").mkdir(parents=True)
    (tmp_path / "raw" / ".hidden.txt").write_text("A hidden page of text that is skipped.")
    said = {"holds no documents": [str(tmp_path / "raw"), str(tmp_path / "o")]}
    said["stdin: empty file; nothing to clean"] = ["-", "-"]  # an empty stream is rejected
    for words, args in said.items():
        for quiet in ([], ["-q"]):
            result = runner.invoke(cli, ["run", *args, *quiet], input="")
            assert result.exit_code == 0, result.output
            assert words in result.stderr
    assert (tmp_path / "o" / "corpus.jsonl").read_text() == ""


def test_a_text_key_cleaner_writes_itself_is_a_usage_error(runner: CliRunner) -> None:
    record = '{"id": "A sentence long enough to be a page of its own here.", "text": "x"}\n'
    for key in ("id", "title", "source"):
        result = runner.invoke(cli, ["run", "-", "-", "--text-key", key], input=record)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert f"text_key {key!r} is a field cleaner writes itself" in result.output


_BLAS_PROBE = """
import os, sys
from cleaner.cli import main
sys.argv = ["cleaner", "run", sys.argv[1], sys.argv[2], "-q"]
try:
    main()
except SystemExit:
    pass
assert "numpy" in sys.modules  # the run loaded it, after main set the default
# the pool's threads are joined when the run ends, but a joined thread's task can stay
# listed a moment longer while it exits (under load): a spinning BLAS thread stays
import time
for _ in range(100):
    if len(os.listdir("/proc/self/task")) == 1:
        break
    time.sleep(0.05)
print(os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task")))
"""


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("2", "2")])
def test_the_command_keeps_numpy_to_one_blas_thread(
    tmp_path: Path, given: str | None, expected: str
) -> None:
    """OpenBLAS starts a spinning thread per core on import; the CLI asks for none (a
    user's own setting stays), so this process has no thread besides its own."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    out = subprocess.run(
        [sys.executable, "-c", _BLAS_PROBE, str(SEEDS / "raw"), str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.split()
    assert out[0] == expected
    if given is None and (os.cpu_count() or 1) > 1:
        assert out[1] == "1"

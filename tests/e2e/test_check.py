"""`cleaner check`: per-file verdicts against a corpus, exit codes, nothing written."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner import clean_corpus
from cleaner.cli import cli
from cleaner.config import CleanConfig
from cleaner.errors import UsageError
from cleaner.run.check import check_files
from cleaner.run.explain import Explanation, explain_file
from cleaner.stages.filters.pii import redact
from cleaner.store.outdir import OutputFolder
from tests.conftest import ROOT, write_files
from tests.corpora import text, variant

PARA = (
    "The harbour council met on Tuesday to agree the budget for the new ferry "
    "terminal, which has been delayed twice by storms and a shortage of steel."
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    write_files(raw, {f"doc{i}.txt": text(i) for i in range(6)})
    clean_corpus(raw, tmp_path / "clean")
    return tmp_path / "clean"


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.lstat().st_mtime_ns, p.lstat().st_size) for p in folder.rglob("*")}


def test_clean_file_passes(corpus: Path, tmp_path: Path) -> None:
    new = tmp_path / "new.txt"
    new.write_text(text(99))
    report = check_files([new], corpus)
    assert report.exit_code == 0
    assert report.files[0].boilerplate == 0.0 and not report.files[0].duplicates


def test_near_duplicate_names_the_corpus_document(corpus: Path, tmp_path: Path) -> None:
    new = tmp_path / "copy.txt"
    new.write_text(variant(text(2), 1, changes=1))
    [verdict] = check_files([new], corpus).files
    [dup] = verdict.duplicates
    assert dup["duplicate_source"] == "doc2.txt" and 0.8 <= dup["similarity"] < 1.0
    kept = [json.loads(x) for x in (corpus / "corpus.jsonl").read_text().splitlines()]
    assert dup["duplicate_of"] == next(r["id"] for r in kept if r["source"] == "doc2.txt")


def test_a_truncated_copy_is_contained_as_a_run_would_say(corpus: Path, tmp_path: Path) -> None:
    words = text(4).split(" ")
    new = tmp_path / "raw" / "part.txt"
    new.write_text(" ".join(words[: len(words) * 3 // 5]))
    [verdict] = check_files([new], corpus).files
    [dup] = verdict.duplicates
    assert dup["rule"] == "contained" and dup["duplicate_source"] == "doc4.txt"
    assert dup["containment"] >= 0.9 and dup["similarity"] < 0.8
    assert "contained in" in verdict.problems[0]
    # the run over the corpus and the file drops it the same way
    clean_corpus(tmp_path / "raw", tmp_path / "again")
    audit = [json.loads(x) for x in (tmp_path / "again" / "audit.jsonl").read_text().splitlines()]
    [drop] = [r for r in audit if r["source"] == "part.txt"]
    assert {k: drop[k] for k in dup if k != "id"} == {k: v for k, v in dup.items() if k != "id"}
    # and explain --corpus names the same partner and measure
    [explained] = explain_file(new, corpus=corpus)
    assert isinstance(explained, Explanation) and explained.duplicate == dup
    assert explained.dropped == "contained"
    assert f"contained in corpus: {dup['duplicate_of']} (doc4.txt)" in explained.render()
    [alone] = explain_file(new)
    assert isinstance(alone, Explanation) and alone.duplicate is None and alone.dropped is None


def test_a_document_names_the_longer_kept_one_a_run_dropped_it_for(tmp_path: Path) -> None:
    # b is contained in the longer a (0.87, Jaccard 0.58) and a near-duplicate of the
    # shorter c (0.82): a run judges b before c, so b goes for a and c stays. check and
    # explain named c, a near-duplicate b would have pushed out, not what b went for.
    words = text(7, 400).replace("\n\n", " ").replace(".", "").split(" ")
    extra = text(8, 200).replace("\n\n", " ").replace(".", "").split(" ")

    def article(ws: list[str]) -> str:
        return "\n\n".join(" ".join(ws[i : i + 40]) + "." for i in range(0, len(ws), 40))

    raw = tmp_path / "raw"
    write_files(
        raw,
        {
            "a.txt": article(words[:348] + extra),
            "b.txt": article(words),
            "c.txt": article(words[72:]),
        },
    )
    clean_corpus(raw, tmp_path / "clean")
    audit = [json.loads(x) for x in (tmp_path / "clean" / "audit.jsonl").read_text().splitlines()]
    [drop] = [r for r in audit if r["source"] == "b.txt"]
    assert drop["rule"] == "contained" and drop["duplicate_source"] == "a.txt"
    [verdict] = check_files([raw / "b.txt"], tmp_path / "clean").files
    [dup] = verdict.duplicates
    assert {k: drop[k] for k in dup if k != "id"} == {k: v for k, v in dup.items() if k != "id"}
    [explained] = explain_file(raw / "b.txt", corpus=tmp_path / "clean")
    assert isinstance(explained, Explanation) and explained.duplicate == dup


def test_a_corpus_file_is_not_its_own_duplicate(corpus: Path, tmp_path: Path) -> None:
    own = tmp_path / "raw" / "doc3.txt"
    own.write_text(variant(text(3), 4, changes=1))  # edited in place
    assert check_files([own], corpus).exit_code == 0


def test_a_renamed_file_is_not_a_duplicate_of_its_old_name(corpus: Path, tmp_path: Path) -> None:
    """`git mv raw/doc3.txt raw/sub/doc3.txt`: the run over the input as it is now takes
    the old name's document out of the corpus, so the file duplicates nothing (check
    blocked the commit of a plain rename); a copy beside the old name still does."""
    raw = tmp_path / "raw"
    (raw / "sub").mkdir()
    (raw / "doc3.txt").rename(raw / "sub" / "doc3.txt")
    assert check_files([raw / "sub" / "doc3.txt"], corpus).exit_code == 0
    [explained] = explain_file(raw / "sub" / "doc3.txt", corpus=corpus)
    assert isinstance(explained, Explanation) and explained.duplicate is None
    (raw / "doc4.txt").rename(raw / "doc4-moved.txt")
    (raw / "copy.txt").write_text((raw / "doc5.txt").read_text())
    verdicts = check_files([raw / "doc4-moved.txt", raw / "copy.txt"], corpus).files
    assert [[d["duplicate_source"] for d in v.duplicates] for v in verdicts] == [[], ["doc5.txt"]]


def test_an_error_of_a_file_named_with_a_line_break_is_one_line(tmp_path: Path) -> None:
    """The reason names the file again (its first bad line): it split the line."""
    (tmp_path / "bad\nname.jsonl").write_text("not json\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["check", str(tmp_path / "bad\nname.jsonl"), "--corpus", str(tmp_path / "c")]
    )
    assert result.exit_code == 2 and result.stderr.count("\n") == 2, result.stderr  # note, error
    assert result.stderr.splitlines()[1].startswith("cleaner: error: ")
    assert "bad\\nname.jsonl:1: not JSON" in result.stderr


def test_a_path_longer_than_the_system_takes_is_an_error_of_that_file(tmp_path: Path) -> None:
    """A folder nested past PATH_MAX (made relative to each level): a run rejects it as
    unreadable; check ended with an internal error."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "top.txt").write_text(text(1), encoding="utf-8")
    fd = os.open(raw, os.O_RDONLY)
    try:
        for i in range(200):
            name = f"level{i:03d}_" + "x" * 21
            os.mkdir(name, dir_fd=fd)
            deeper = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = deeper
        leaf = os.open("deepest.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd)
        os.write(leaf, text(2).encode())
        os.close(leaf)
    finally:
        os.close(fd)
    clean_corpus(raw, tmp_path / "clean")
    report = check_files([raw], tmp_path / "clean")
    [deep] = [f for f in report.files if f.error]
    assert deep.error == "unreadable (File name too long); shorten its path or its folders' names"
    assert report.exit_code == 2


def test_explain_shows_the_paragraphs_cross_doc_blocks_took_as_the_audit_does(
    tmp_path: Path,
) -> None:
    """With cross_doc_blocks the documents of a file went through dedup-blocks one by
    one in explain, so a paragraph repeated from an earlier record stayed, and a
    record made only of such paragraphs was called a near-duplicate, not empty."""
    a, b, c, d = (text(i, 20) for i in range(4))
    records = [{"id": 1, "text": f"{a}\n\n{b}"}, {"id": 2, "text": f"{c}\n\n{b}\n\n{d}"}]
    records.append({"id": 3, "text": f"{a}\n\n{b}"})
    raw = tmp_path / "raw"
    write_files(raw, {"pages.jsonl": "".join(json.dumps(r) + "\n" for r in records)})
    config = CleanConfig.from_dict({"dedup": {"cross_doc_blocks": True}})
    clean_corpus(raw, tmp_path / "clean", config)
    audit = [json.loads(x) for x in (tmp_path / "clean" / "audit.jsonl").read_text().splitlines()]
    expected = {
        (row["id"], row["rule"]) for row in audit if row["rule"] in ("repeated-block", "empty")
    }
    assert ("2", "repeated-block") in expected and ("3", "empty") in expected
    shown = explain_file(raw / "pages.jsonl", corpus=tmp_path / "clean")
    found = {
        (e.id, line.rule)
        for e in shown
        if isinstance(e, Explanation)
        for line in e.lines
        if line.rule == "repeated-block"
    } | {(e.id, e.dropped) for e in shown if isinstance(e, Explanation) and e.dropped}
    assert found == expected


def test_a_copy_outside_the_input_folder_is_no_earlier_version(
    corpus: Path, tmp_path: Path
) -> None:
    """A file outside the run's input folder that has the name of a corpus file is
    another file: its copy of that file is a duplicate (it was excused as the file's own
    earlier version), in `check` and in `explain`."""
    incoming = tmp_path / "incoming"
    write_files(incoming, {"doc3.txt": text(3), "doc3-copy.txt": text(3)})
    verdicts = check_files([incoming / "doc3.txt", incoming / "doc3-copy.txt"], corpus).files
    assert [[d["duplicate_source"] for d in v.duplicates] for v in verdicts] == [["doc3.txt"]] * 2
    [explained] = explain_file(incoming / "doc3.txt", corpus=corpus)
    assert isinstance(explained, Explanation) and explained.duplicate is not None


def test_a_linked_input_is_judged_under_its_own_name_as_a_run_lists_it(tmp_path: Path) -> None:
    """A run lists a link by its own name. Resolved, a link to a file kept outside the
    input folder (git-annex, DVC) was another file, a duplicate of itself; a link to a
    corpus file passed as that file's earlier version, though the run drops it."""
    raw, store = tmp_path / "raw", tmp_path / "store"
    write_files(raw, {f"doc{i}.txt": text(i) for i in range(4)})
    write_files(store, {"kept.txt": text(7)})
    (raw / "kept.txt").symlink_to(store / "kept.txt")
    (raw / "later.txt").symlink_to("doc1.txt")  # after doc1.txt: the run drops it
    clean_corpus(raw, tmp_path / "clean")
    report = check_files([raw / "kept.txt", raw / "later.txt"], tmp_path / "clean")
    kept, later = report.files
    assert not kept.duplicates
    assert [d["duplicate_source"] for d in later.duplicates] == ["doc1.txt"]
    [explained] = explain_file(raw / "later.txt", corpus=tmp_path / "clean")
    assert isinstance(explained, Explanation) and explained.source == "later.txt"
    assert explained.duplicate is not None


def test_a_name_that_is_not_utf8_is_explained_and_checked_as_a_run_names_it(
    tmp_path: Path, runner: CliRunner
) -> None:
    """Alone, explain read such a file as damaged (its name could not be written in
    UTF-8), and check wrote the name with a lone surrogate into its JSON."""
    raw = tmp_path / "raw"
    write_files(raw, {"doc1.txt": text(1)})
    name = os.fsdecode(b"caf\xe9.txt")
    (raw / name).write_text(text(2), encoding="utf-8")
    clean_corpus(raw, tmp_path / "clean")
    [alone] = explain_file(raw / name)
    [against] = explain_file(raw / name, corpus=tmp_path / "clean")
    assert isinstance(alone, Explanation) and isinstance(against, Explanation)
    assert alone.source == against.source == "caf\\xe9.txt" and alone.id == against.id
    result = runner.invoke(
        cli, ["check", str(raw / name), "--corpus", str(tmp_path / "clean"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"][0]["path"] == f"{raw}/caf\\xe9.txt"


def test_a_moved_project_still_knows_its_files(tmp_path: Path) -> None:
    """After the project folder moves, a file of a subfolder is still its own earlier
    version (the state keeps the input folder's old absolute path), as a run's output
    folder finds its input at the same place from itself."""
    project = tmp_path / "project"
    write_files(project / "raw" / "site", {f"doc{i}.txt": text(i) for i in range(4)})
    clean_corpus(project / "raw", project / "clean")
    moved = project.rename(tmp_path / "moved")
    report = check_files([moved / "raw" / "site" / "doc1.txt"], moved / "clean")
    assert report.exit_code == 0 and not report.files[0].duplicates


def test_a_copied_project_knows_its_own_files_not_the_originals(tmp_path: Path) -> None:
    """A copy of a project (the original still in place) reads its own input folder: it
    read the original's, so each of its unchanged files was a near-duplicate of
    itself, and the check hook failed on a clean file."""
    project = tmp_path / "project"
    write_files(project / "raw" / "site", {f"doc{i}.txt": text(i) for i in range(4)})
    clean_corpus(project / "raw", project / "clean")
    copy = tmp_path / "copy"
    shutil.copytree(project, copy, symlinks=True)
    report = check_files([copy / "raw" / "site" / "doc1.txt"], copy / "clean")
    assert report.exit_code == 0 and not report.files[0].duplicates
    [explained] = explain_file(copy / "raw" / "site" / "doc1.txt", corpus=copy / "clean")
    assert isinstance(explained, Explanation) and explained.dropped is None


def test_a_clone_without_the_state_index_is_checked_without_duplicates(
    corpus: Path, tmp_path: Path, runner: CliRunner
) -> None:
    """A corpus kept in git comes without its state index (it is not committed): the
    check hook judged nothing and exited 2 until a run rebuilt it."""
    OutputFolder(corpus).db_path.unlink()
    copy = tmp_path / "copy.txt"
    copy.write_text(text(2))
    result = runner.invoke(cli, ["check", str(copy), "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "no state index here" in result.stderr and "no duplicate check" in result.stderr


def test_boilerplate_share_over_the_limit(corpus: Path, tmp_path: Path) -> None:
    noisy = tmp_path / "noisy.txt"
    noisy.write_text("\n\n".join([PARA, PARA, PARA]))
    [verdict] = check_files([noisy], corpus).files
    assert verdict.boilerplate == pytest.approx(2 * len(PARA) / len(noisy.read_text()), 0.01)
    assert verdict.problems and check_files([noisy], corpus, max_boilerplate=0.7).exit_code == 0


def test_cli_exit_codes_and_json(corpus: Path, tmp_path: Path, runner: CliRunner) -> None:
    good, dup = tmp_path / "good.txt", tmp_path / "dup.txt"
    good.write_text(text(98))
    dup.write_text(variant(text(1), 2, changes=1))
    before = snapshot(corpus)
    args = ["check", "--corpus", str(corpus)]
    assert runner.invoke(cli, [*args, str(good)]).exit_code == 0
    result = runner.invoke(cli, [*args, str(good), str(dup)])
    assert result.exit_code == 1
    assert "dup.txt: near-duplicate of" in result.stdout and "doc1.txt" in result.stdout
    data = json.loads(runner.invoke(cli, [*args, "--json", str(good), str(dup)]).stdout)
    assert [f["status"] for f in data["files"]] == ["clean", "problems"]
    missing = runner.invoke(cli, [*args, str(good), str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and missing.stdout == ""  # an error, not a problem found
    assert (
        missing.stderr
        == f"cleaner: error: {tmp_path / 'nope.txt'}: no such file; pass the raw files to check\n"
    )
    assert snapshot(corpus) == before


def test_a_folder_that_is_no_corpus_is_a_usage_error(tmp_path: Path, runner: CliRunner) -> None:
    f = tmp_path / "a.txt"
    f.write_text(text(1))
    # a mistyped --corpus naming some other folder (the raw one, say) is no "first run":
    # a hook would pass quietly and never check duplicates again
    result = runner.invoke(cli, ["check", "--corpus", str(tmp_path), str(f)])
    assert result.exit_code == 2 and "not an output folder" in result.output
    (tmp_path / "empty" / ".gitkeep").parent.mkdir()
    (tmp_path / "empty" / ".gitkeep").write_text("")  # an empty clean/ kept in git: no corpus yet
    assert runner.invoke(cli, ["check", "--corpus", str(tmp_path / "empty"), str(f)]).exit_code == 0


def test_a_stopped_first_run_leaves_no_corpus_yet(tmp_path: Path, runner: CliRunner) -> None:
    """A first run stopped by Ctrl-C leaves OUTPUT/.cleaner (its lock and .gitignore),
    maybe the links it makes before it publishes, and no manifest: as before the run,
    the files are judged on their boilerplate share alone, not refused."""
    f = tmp_path / "a.txt"
    f.write_text(text(1))
    out = tmp_path / "out"
    with OutputFolder(out).lock():
        pass  # what a first run leaves when it is stopped before it publishes
    assert sorted(p.name for p in (out / ".cleaner").iterdir()) == [".gitignore", "lock"]
    result = runner.invoke(cli, ["check", "--corpus", str(out), str(f)])
    assert result.exit_code == 0, result.output
    assert "no corpus yet" in result.stderr
    for name in ("corpus.jsonl", "audit.jsonl", "manifest.json"):
        (out / name).symlink_to(f".cleaner/current/{name}")  # made first, dangling
    result = runner.invoke(cli, ["check", "--corpus", str(out), str(f)])
    assert result.exit_code == 0 and "no corpus yet" in result.stderr, result.output
    (out / "notes.txt").write_text("not a run's")  # anything else is no first run
    result = runner.invoke(cli, ["check", "--corpus", str(out), str(f)])
    assert result.exit_code == 2 and "not an output folder" in result.output


def test_check_files_judges_with_the_config_the_run_recorded(
    tmp_path: Path, runner: CliRunner
) -> None:
    """Without a config, ``check_files`` judges with the config in the corpus's manifest,
    as ``cleaner check`` does and as the run did: a rule the run enabled counts."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"doc.txt": text(1)})
    run = runner.invoke(cli, ["run", str(raw), str(out), "-q", "--enable-rule", "too-short"])
    assert run.exit_code == 0, run.output
    short = tmp_path / "short.txt"
    short.write_text("Only a few words here.\n")
    cli_check = runner.invoke(cli, ["check", "--corpus", str(out), "--json", str(short)])
    assert cli_check.exit_code == 1, cli_check.output
    [verdict] = check_files([short], out).files
    assert [d["rule"] for d in verdict.dropped] == ["too-short"]
    assert verdict.to_dict() == json.loads(cli_check.stdout)["files"][0]
    assert check_files([short], out, CleanConfig()).exit_code == 0  # a config given wins


def test_check_files_refuses_a_file_as_the_corpus(corpus: Path, tmp_path: Path) -> None:
    """The corpus.jsonl instead of its folder is a usage error, not "no corpus yet"
    (which would quietly turn the duplicate check off)."""
    copy = tmp_path / "copy.txt"
    copy.write_text(text(2))
    with pytest.raises(UsageError, match=r"corpus\.jsonl: not a folder; pass the OUTPUT folder"):
        check_files([copy], corpus / "corpus.jsonl")


def test_bad_jsonl_lines_are_problems_as_a_run_rejects_them(
    corpus: Path, tmp_path: Path, runner: CliRunner
) -> None:
    """A JSONL file with bad lines is not clean: each line a run would reject (and put
    in the audit) is named with its number and reason, in the text and --json output."""
    shard = tmp_path / "raw" / "shard.jsonl"
    good = json.dumps({"text": text(97)})
    shard.write_text(f'{good}\n{{"text": broken\n{{"body": "no text field"}}\n')
    args = ["check", "--corpus", str(corpus), str(shard)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{shard}:2: not JSON") and "(rejected: malformed-json)" in lines[0]
    assert lines[1] == f"{shard}:3: no field 'text'; use --text-key to name the text field " + (
        "(rejected: missing-text)"
    )
    [verdict] = json.loads(runner.invoke(cli, [*args, "--json"]).stdout)["files"]
    assert verdict["status"] == "problems" and verdict["problems"] == lines
    # the rows a run over the corpus and the file puts in its audit
    clean_corpus(tmp_path / "raw", tmp_path / "again")
    audit = [json.loads(x) for x in (tmp_path / "again" / "audit.jsonl").read_text().splitlines()]
    rows = [r for r in audit if r["source"] == "shard.jsonl" and r.get("line")]
    assert [r["line"] for r in verdict["rejected"]] == [2, 3]
    assert verdict["rejected"] == [{k: r[k] for k in verdict["rejected"][0]} for r in rows]


def test_a_folder_is_the_files_a_run_reads_there(
    corpus: Path, tmp_path: Path, runner: CliRunner
) -> None:
    """``cleaner check incoming/`` judges each file a run over the folder would read, in
    the run's order, as if each were named; a hidden one is not among them."""
    incoming = tmp_path / "incoming"
    write_files(incoming, {"b.txt": variant(text(1), 2, changes=1), ".gitkeep": ""})
    write_files(incoming / "sub", {"a.txt": text(97)})
    named = [incoming / "b.txt", incoming / "sub" / "a.txt"]
    report = check_files([incoming], corpus)
    assert [f.path for f in report.files] == [str(p) for p in named]
    assert [f.to_dict() for f in report.files] == [
        f.to_dict() for f in check_files(named, corpus).files
    ]
    assert report.exit_code == 1 and report.files[0].duplicates
    result = runner.invoke(cli, ["check", "--corpus", str(corpus), str(incoming)])
    assert result.exit_code == 1 and "b.txt: near-duplicate of" in result.stdout


def test_hidden_files_are_skipped_as_a_run_skips_them(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hidden file (a .gitkeep, a .DS_Store, a file in a hidden folder of raw/) is no
    input of a run: check skips it with a note instead of failing on it, and judges
    the other files as ever."""
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path / "raw", {"a.txt": text(1), ".gitkeep": "", ".DS_Store": "\0\1\2"})
    write_files(tmp_path / "raw" / ".cache", {"b.txt": "Home | News"})
    first = ["raw/.gitkeep", "raw/.DS_Store", "raw/.cache/b.txt", "raw/a.txt"]
    before = runner.invoke(cli, ["check", *first])
    assert before.exit_code == 0, before.output  # before the first run: the path's parts
    assert "raw/.gitkeep: hidden: `cleaner run` does not read it; skipped" in before.stderr
    assert "raw/.cache/b.txt: hidden" in before.stderr  # a hidden folder too
    run = runner.invoke(cli, ["run", "raw", "clean", "-q"])
    assert run.exit_code == 0, run.output
    hidden = ["raw/.gitkeep", "raw/.DS_Store", "raw/.cache/b.txt"]
    result = runner.invoke(cli, ["check", *hidden])
    assert result.exit_code == 0 and result.stdout == "", result.output
    assert all(f"{h}: hidden" in result.stderr for h in hidden)
    data = json.loads(runner.invoke(cli, ["check", "--json", *hidden, "raw/a.txt"]).stdout)
    assert [f["status"] for f in data["files"]] == ["skipped", "skipped", "skipped", "clean"]
    copy = tmp_path / "raw" / "copy.txt"
    copy.write_text(variant(text(1), 2, changes=1))
    assert check_files([Path("raw/.gitkeep"), copy], Path("clean")).exit_code == 1  # still judged


def test_a_run_over_one_file_is_explained_and_checked_as_that_file(
    tmp_path: Path, runner: CliRunner
) -> None:
    """`cleaner run page.html.gz OUT`: the corpus names the file by its name; explain
    and check read it as HTML under that name (they took the source "." and read the
    markup as text)."""
    page = tmp_path / "wcxb-0482.html.gz"
    page.write_bytes((ROOT / "tests" / "data" / "html" / page.name).read_bytes())
    clean_corpus(page, tmp_path / "out")
    out = tmp_path / "out"
    [record] = [json.loads(x) for x in (out / "corpus.jsonl").read_text().splitlines()]
    audit = [json.loads(x) for x in (out / "audit.jsonl").read_text().splitlines()]
    [shown] = explain_file(page, corpus=out)
    assert isinstance(shown, Explanation)
    assert (shown.source, shown.id) == (page.name, record["id"])
    removed = [(line.text, line.rule) for line in shown.lines if line.rule is not None]
    assert removed == [(row["text"], row["rule"]) for row in audit] and len(removed) > 10
    checked = runner.invoke(cli, ["check", str(page), "--corpus", str(tmp_path / "out"), "--json"])
    [verdict] = json.loads(checked.output)["files"]
    assert checked.exit_code == 0 and verdict["status"] == "clean", checked.output
    assert verdict["input_chars"] < page.stat().st_size * 4  # the page's text, not its markup


def test_bad_threshold_is_a_usage_error(corpus: Path, tmp_path: Path, runner: CliRunner) -> None:
    f = tmp_path / "a.txt"
    f.write_text(text(1))
    result = runner.invoke(
        cli, ["check", "--corpus", str(corpus), "--max-boilerplate", "2", str(f)]
    )
    assert result.exit_code == 2


def test_before_the_first_run_files_are_judged_on_their_own(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new repository has no clean/ yet: nothing to duplicate, boilerplate still counts."""
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path / "raw", {"good.txt": text(1), "copy.txt": text(1)})
    ok = runner.invoke(cli, ["check", "raw/good.txt", "raw/copy.txt"])
    assert ok.exit_code == 0, ok.output
    assert "no corpus yet" in ok.stderr and "judged on its own" in ok.stderr
    assert not (tmp_path / "clean").exists()  # and nothing was written
    menu = "\n".join(["Home", "News", "Sport", "Weather", "Contact us", "Subscribe"] * 8)
    (tmp_path / "raw" / "menu.txt").write_text(f"{menu}\n\n{PARA}\n", encoding="utf-8")
    bad = runner.invoke(cli, ["check", "raw/menu.txt", "--json"])
    assert bad.exit_code == 1, bad.output
    verdict = json.loads(bad.stdout)
    assert verdict["note"] and verdict["files"][0]["boilerplate"] > 0.5


NOTICE = (
    "The council answers questions about the bridge closure by mail at "
    "roads@council.example.org and by phone on +44 20 7946 0958.\n\n"
    "The ferry timetable is posted at the landing stage every Monday morning."
)


def _check(runner: CliRunner, paths: list[Path], corpus: Path, *flags: str) -> dict:  # type: ignore[type-arg]
    args = ["check", *map(str, paths), "--corpus", str(corpus), "--json", *flags]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_check_counts_redactions_and_holds_none_against_the_file(tmp_path: Path) -> None:
    """With redact-pii on, ``check`` says what a run would replace, per type; the
    replacements are not boilerplate (the share is of the redacted text), so a file
    with an address is clean."""
    raw = tmp_path / "raw"
    write_files(raw, {"notice.txt": NOTICE})
    runner = CliRunner()
    on = _check(runner, [raw / "notice.txt"], tmp_path / "none", "--enable-rule", "redact-pii")
    [verdict] = on["files"]
    assert verdict["status"] == "clean" and verdict["problems"] == []
    assert verdict["redacted"] == {"email": 1, "phone": 1}
    assert verdict["removed_chars"] == 0 and verdict["boilerplate"] == 0.0
    redacted, _ = redact(NOTICE)
    assert verdict["input_chars"] == len(redacted)
    [off] = _check(runner, [raw / "notice.txt"], tmp_path / "none")["files"]
    assert off["redacted"] == {} and off["input_chars"] == len(NOTICE)


def test_check_compares_the_redacted_text_with_the_corpus(tmp_path: Path) -> None:
    """A corpus built with redact-pii on holds redacted text; ``check`` redacts a new
    file the same way before it looks for near-duplicates, so a copy of a page is the
    same page (similarity 1), not a page that differs by its addresses."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"notice.txt": NOTICE})
    runner = CliRunner()
    run = runner.invoke(cli, ["run", str(raw), str(out), "-q", "--enable-rule", "redact-pii"])
    assert run.exit_code == 0, run.output
    copy = tmp_path / "copy.txt"
    copy.write_text(NOTICE, encoding="utf-8")
    result = runner.invoke(
        cli, ["check", str(copy), "--corpus", str(out), "--json", "--enable-rule", "redact-pii"]
    )
    assert result.exit_code == 1, result.output
    [verdict] = json.loads(result.stdout)["files"]
    [dup] = verdict["duplicates"]
    assert dup["similarity"] == 1.0 and dup["duplicate_source"] == "notice.txt"
    assert verdict["redacted"] == {"email": 1, "phone": 1}
    assert "council.example.org" not in result.stdout


def test_check_files_takes_one_path_as_a_string(tmp_path: Path) -> None:
    """A string is one path, not its letters (each of which was judged as a file)."""
    raw = tmp_path / "raw"
    write_files(raw, {"b.txt": text(7, 200)})
    one = check_files(str(raw / "b.txt"), str(tmp_path / "clean"))
    assert [f.path for f in one.files] == [str(raw / "b.txt")] and one.exit_code == 0
    assert one == check_files([raw / "b.txt"], tmp_path / "clean")


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        ((None,), {}, "check_files takes a list of paths and the corpus's folder"),
        ((["x.txt"], None), {}, "check_files takes a list of paths and the corpus's folder"),
        ((["x.txt"],), {"max_boilerplate": "0.5"}, "max boilerplate must be a number"),
        ((["x.txt"],), {"config": {}}, "config must be a CleanConfig or None"),
    ],
)
def test_check_files_bad_arguments_are_usage_errors(
    args: tuple[object, ...], kwargs: dict[str, object], words: str
) -> None:
    with pytest.raises(UsageError, match=words):
        check_files(*args, **kwargs)  # type: ignore[arg-type]


def _words_para(words: list[str]) -> str:
    return "\n\n".join(" ".join(words[i : i + 40]) + "." for i in range(0, len(words), 40))


def test_check_counts_a_dropped_document_whose_keeper_leaves(tmp_path: Path) -> None:
    """b.txt was dropped as a near-duplicate of a.txt. Once a.txt is edited shorter than
    b.txt, or removed, the next run judges b.txt again and keeps it, and drops the new
    file for it; check compared the new file with the kept documents only and found
    nothing."""
    rng = random.Random(1)
    words = [f"w{rng.randrange(5000)}" for _ in range(400)]
    raw, out = tmp_path / "raw", tmp_path / "clean"
    write_files(raw, {"a.txt": _words_para(words), "b.txt": _words_para(words[:380])})
    clean_corpus(raw, out)
    (raw / "a.txt").write_text(_words_para(words[:360]), encoding="utf-8")
    [edited] = check_files([raw / "a.txt"], out).files
    [dup] = edited.duplicates
    assert dup["duplicate_source"] == "b.txt" and dup["rule"] == "near-duplicate"
    (raw / "a.txt").unlink()
    (raw / "c.txt").write_text(_words_para(words[:380]), encoding="utf-8")
    [copy] = check_files([raw / "c.txt"], out).files
    assert [d["duplicate_source"] for d in copy.duplicates] == ["b.txt"]
    report = clean_corpus(raw, out)  # the run agrees
    audit = (out / "audit.jsonl").read_text(encoding="utf-8")
    assert report.duplicates == 1 and '"duplicate_source": "b.txt"' in audit


def test_check_names_a_keeper_of_the_same_file_that_a_run_prefers(tmp_path: Path) -> None:
    """Y is a near-duplicate of X, a longer record of the same JSONL file, and contained
    in the corpus's k.txt: a run judges them together and names X (a near-duplicate
    comes before containment); check matched Y with the corpus first and named k.txt."""
    rng = random.Random(1)
    words = [f"w{rng.randrange(5000)}" for _ in range(400)]
    other = [f"v{rng.randrange(5000)}" for _ in range(400)]
    raw, out = tmp_path / "raw", tmp_path / "clean"
    write_files(raw, {"k.txt": _words_para(words[:330] + other)})
    clean_corpus(raw, out)
    new = tmp_path / "new.jsonl"
    records = [
        {"id": "X", "text": _words_para(words)},
        {"id": "Y", "text": _words_para(words[:380])},
    ]
    new.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    [checked] = check_files([new], out).files
    [dup] = checked.duplicates
    assert (dup["id"], dup["duplicate_of"], dup["rule"]) == ("Y", "X", "near-duplicate")
    [explained] = [e for e in explain_file(new, corpus=out) if isinstance(e, Explanation)][1:]
    assert explained.duplicate is not None and explained.duplicate["duplicate_of"] == "X"
    shutil.copy(new, raw / "new.jsonl")  # the run agrees
    clean_corpus(raw, out)
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    [row] = [r for r in audit if r.get("id") == "Y"]
    assert (row["duplicate_of"], row["rule"]) == ("X", "near-duplicate")

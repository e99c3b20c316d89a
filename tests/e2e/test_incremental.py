"""Incremental runs give the same output, byte for byte, as a full rebuild."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cleaner import CleanConfig, DedupConfig, clean_corpus
from cleaner.config import BoilerplateConfig
from cleaner.run.report import Report
from cleaner.stats import Stats
from tests.conftest import write_files
from tests.corpora import outputs, run_both, text, variant


def kept_sources(folder: Path) -> set[str]:
    lines = (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return {json.loads(x)["source"] for x in lines}


@pytest.fixture(params=["one by one", "all on arrays"])
def judging(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How an incremental run judges near-duplicates: its changed documents one by one,
    or, when they are a large share of the corpus, every document on arrays."""
    from cleaner.run import corpus

    share = 2.0 if request.param == "one by one" else 0.0
    monkeypatch.setattr(corpus, "REJUDGE_ALL_SHARE", share)
    return str(request.param)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    files: dict[str, str | bytes] = {f"doc{i:02d}.txt": text(i) for i in range(12)}
    files["dup-of-03.txt"] = variant(text(3), 100)
    files["feed.jsonl"] = "".join(
        json.dumps({"text": t, "url": f"u{i}"}) + "\n"
        for i, t in enumerate([text(50), variant(text(5), 101), text(51)])
    )
    files["empty.txt"] = ""
    write_files(raw, files)
    return raw


def test_scenarios_match_a_full_rebuild(base: Path, tmp_path: Path, judging: str) -> None:
    out = tmp_path / "out"
    first = clean_corpus(base, out)
    assert first.mode == "full" and first.rebuild is None
    steps: list[tuple[str, dict[str, str | bytes], list[str], int]] = [
        ("add files", {"new1.txt": text(70), "sub/new2.md": text(71)}, [], 2),
        ("change a file", {"doc01.txt": text(72)}, [], 1),
        (
            "change one jsonl record",
            {
                "feed.jsonl": "".join(
                    json.dumps({"text": t}) + "\n" for t in [text(50), text(73), text(51)]
                )
            },
            [],
            3,
        ),
        ("delete a file", {}, ["doc07.txt"], 0),
        ("shorter near-duplicate of a kept doc", {"short.txt": variant(text(8), 5)}, [], 1),
        (
            "longer near-duplicate of a kept doc",
            {"long.txt": variant(text(9), 6, changes=1, extra=8)},
            [],
            1,
        ),
        ("delete the kept copy: its duplicate comes back", {}, ["doc03.txt"], 0),
        (
            "longer copy of a doc that had duplicates",
            {"long3.txt": variant(variant(text(3), 100), 7, changes=1, extra=12)},
            [],
            1,
        ),
        ("binary file", {"blob.txt": bytes(range(256)) * 8}, [], 0),
        ("nothing changed", {}, [], 0),
    ]
    for k, (label, add, delete, cleaned) in enumerate(steps):
        write_files(base, add)
        for name in delete:
            (base / name).unlink()
        report = run_both(base, out, tmp_path / f"scratch{k}")
        assert report.mode == ("unchanged" if label == "nothing changed" else "incremental"), label
        assert report.documents_cleaned == cleaned, label
        if label.startswith("delete the kept copy"):
            assert "dup-of-03.txt" in kept_sources(out)
        if label.startswith("longer copy"):
            assert "long3.txt" in kept_sources(out) and "dup-of-03.txt" not in kept_sources(out)
    assert "doc09.txt" not in kept_sources(out) and "long.txt" in kept_sources(out)
    assert "short.txt" not in kept_sources(out)
    runs = json.loads((out / "manifest.json").read_text())["runs"]
    # the last step changed nothing, so it wrote nothing and is not in the history
    assert [r["mode"] for r in runs] == ["full"] + ["incremental"] * (len(steps) - 1)


def test_random_edits_match_a_full_rebuild(tmp_path: Path, judging: str) -> None:
    rng = random.Random(7)
    raw, out = tmp_path / "raw", tmp_path / "out"
    pool = [text(i, rng.randint(30, 160)) for i in range(6)] + [text(9, 4)]
    write_files(
        raw,
        {
            f"f{i}.txt": variant(rng.choice(pool), i, rng.randint(0, 2), rng.choice([0, 0, 3, 8]))
            for i in range(10)
        },
    )
    config = CleanConfig(dedup=DedupConfig(threshold=0.7))
    clean_corpus(raw, out, config)
    for step in range(12):
        edit_randomly(
            raw,
            rng,
            step,
            lambda: variant(
                rng.choice(pool), rng.randint(0, 999), rng.randint(0, 2), rng.choice([0, 0, 3, 8])
            ),
        )
        assert run_both(raw, out, tmp_path / f"scratch{step}", config).mode == "incremental"


def edit_randomly(raw: Path, rng: random.Random, step: int, body: Callable[[], str]) -> None:
    """One to three random edits of the folder: remove a file, rewrite one, or add one."""
    names = sorted(p.name for p in raw.iterdir())
    for _ in range(rng.randint(1, 3)):
        action = rng.random()
        if action < 0.3 and len(names) > 1:
            (raw / names.pop(rng.randrange(len(names)))).unlink()
        else:
            name = rng.choice(names) if action < 0.6 else f"g{step}_{rng.randint(0, 99)}.txt"
            write_files(raw, {name: body()})
            names = sorted(set(names) | {name})


def cut(body: str, rng: random.Random) -> str:
    """A run of the body's words from near its start: a truncated copy or an excerpt."""
    words = body.split(" ")
    start = rng.randrange(len(words) // 5 + 1)
    return " ".join(words[start : start + rng.randint(len(words) // 2, len(words))])


def test_random_cuts_match_a_full_rebuild(tmp_path: Path, judging: str) -> None:
    # truncated copies and excerpts leave as contained; adding, changing and removing
    # their longer sources turns them, and an incremental run must follow as a rebuild
    rng = random.Random(11)
    raw, out = tmp_path / "raw", tmp_path / "out"
    pool = [text(i, rng.randint(60, 160)) for i in range(5)]
    write_files(raw, {f"f{i}.txt": cut(rng.choice(pool), rng) for i in range(8)})
    clean_corpus(raw, out)
    rules: set[str] = set()
    for step in range(12):

        def body(step: int = step) -> str:
            source = rng.choice(pool)
            return cut(source, rng) if rng.random() < 0.6 else variant(source, step, 1)

        edit_randomly(raw, rng, step, body)
        assert run_both(raw, out, tmp_path / f"scratch{step}").mode == "incremental"
        audit = (out / "audit.jsonl").read_text(encoding="utf-8").splitlines()
        rules.update(json.loads(x)["rule"] for x in audit)
    assert "contained" in rules


def test_a_new_record_with_no_words_is_kept_as_a_rebuild_keeps_it(
    tmp_path: Path, judging: str
) -> None:
    # a record with no word has no shingle, so the near-duplicate index never holds it;
    # a rebuild keeps it, and so must a run that judges its new documents on arrays
    # (with the boilerplate stage on, a line of no word goes as template-leftover)
    config = CleanConfig(boilerplate=BoilerplateConfig(enabled=False))
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {f"doc{i}.txt": text(i) for i in range(3)})
    clean_corpus(raw, out, config)
    write_files(raw, {"feed.jsonl": json.dumps({"text": "* * *"}) + "\n"})
    report = run_both(raw, out, tmp_path / "scratch", config)
    assert report.mode == "incremental" and "feed.jsonl" in kept_sources(out)
    assert report.manifest["counts"]["documents"]["kept"] == 4


def test_config_change_rebuilds_and_says_why(base: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    clean_corpus(base, out)
    report = clean_corpus(base, out, CleanConfig(dedup=DedupConfig(threshold=0.9)))
    assert report.mode == "full"
    assert report.rebuild is not None and "dedup.threshold 0.8 -> 0.9" in report.rebuild
    again = clean_corpus(base, out, CleanConfig(dedup=DedupConfig(threshold=0.9)))
    assert again.mode == "unchanged" and again.documents_cleaned == 0


def test_model_change_rebuilds_and_says_why(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cleaner.run.plan

    out = tmp_path / "out"
    first = clean_corpus(base, out)
    assert first.manifest["boilerplate_model"] == cleaner.run.plan.model_digest()
    monkeypatch.setattr(cleaner.run.plan, "model_digest", lambda: "retrained")
    report = clean_corpus(base, out)
    assert report.mode == "full" and report.rebuild == "boilerplate model changed"
    assert clean_corpus(base, out).mode == "unchanged"


def test_another_input_folder_rebuilds_and_says_why(tmp_path: Path) -> None:
    """Two snapshots unpacked with their files' times kept: the same name, size and time
    say nothing of a file in another folder, so a run over the other one rebuilds."""
    first, other = tmp_path / "snap1", tmp_path / "snap2"
    write_files(first, {"a.txt": text(1)})
    write_files(other, {"a.txt": text(2)[: len(text(1))].ljust(len(text(1)), "x")})
    assert (first / "a.txt").stat().st_size == (other / "a.txt").stat().st_size
    for path in (first / "a.txt", other / "a.txt"):
        os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    clean_corpus(first, tmp_path / "out")
    report = run_both(other, tmp_path / "out", tmp_path / "full")
    assert report.mode == "full" and report.rebuild is not None
    assert report.rebuild.startswith("input folder changed: ")


def test_forced_rebuild(base: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    clean_corpus(base, out)
    report = clean_corpus(base, out, incremental=False)
    assert report.mode == "full" and report.rebuild == "a full rebuild was asked for"


def test_counts_match_the_in_memory_stats(base: Path, tmp_path: Path) -> None:
    from cleaner.pipeline import Pipeline
    from cleaner.readers import read_inputs

    docs = list(Pipeline.from_config().run(d for f in read_inputs(base) for d in f.documents))
    stats = Stats()
    for doc in docs:
        stats.add_document(doc)
    report = clean_corpus(base, tmp_path / "out")
    manifest, want = report.manifest, stats.to_dict()
    assert manifest["counts"]["documents"] == want["documents"]
    assert manifest["counts"]["stages"] == want["stages"]
    # lines removed: the audit's rows of lines, not its rows of dropped documents
    audit = [json.loads(x) for x in (tmp_path / "out" / "audit.jsonl").read_text().splitlines()]
    lines = [r for r in audit if "line" in r and r["stage"] not in ("read", "repair-text")]
    assert report.dropped and report.lines_removed == stats.lines_removed() == len(lines)


def test_old_flat_output_is_replaced(base: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("corpus.jsonl", "audit.jsonl"):
        (out / name).write_text("{}\n")
    (out / "manifest.json").write_text('{"tool": "cleaner"}\n')  # as every version wrote
    report = clean_corpus(base, out)
    assert report.mode == "full" and report.rebuild is not None
    assert (out / "manifest.json").is_symlink()
    assert outputs(out) == outputs(clean_corpus(base, tmp_path / "fresh").output)  # type: ignore[arg-type]


def test_state_of_an_older_layout_is_rebuilt_and_says_why(base: Path, tmp_path: Path) -> None:
    import sqlite3

    out = tmp_path / "out"
    clean_corpus(base, out)
    db = sqlite3.connect(out / ".cleaner" / "state.sqlite")
    db.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    db.commit()
    db.close()
    report = clean_corpus(base, out)
    assert report.mode == "full"
    assert report.rebuild is not None and "layout 1" in report.rebuild
    assert outputs(out) == outputs(clean_corpus(base, tmp_path / "fresh").output)  # type: ignore[arg-type]


def test_removing_a_file_hashes_nothing_again(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cleaner.dedup.minhash import MinHasher

    out = tmp_path / "out"
    clean_corpus(base, out)
    (base / "doc03.txt").unlink()  # the kept copy of dup-of-03.txt: its duplicate comes back

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("stored band keys are read, not computed again")

    monkeypatch.setattr(MinHasher, "signatures_from_hashes", refuse)
    report = run_both_after(base, out, tmp_path / "scratch", monkeypatch)
    assert report.mode == "incremental" and "dup-of-03.txt" in kept_sources(out)


def run_both_after(raw: Path, out: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    """The incremental run under the patch, then a rebuild without it; they must agree."""
    report = clean_corpus(raw, out)
    monkeypatch.undo()
    clean_corpus(raw, scratch)
    assert outputs(out) == outputs(scratch)
    return report


def test_a_code_change_rebuilds(tmp_path: Path) -> None:
    """A rule changed in the code, with the same version and config, still rebuilds.

    The package is copied and one rule pattern edited, as a commit would; the run of the
    edited copy into the output of the original must equal a fresh run of the copy.
    """
    from tests.conftest import ROOT

    edited = tmp_path / "edited"
    shutil.copytree(ROOT / "cleaner", edited / "cleaner", ignore=shutil.ignore_patterns("*.pyc"))
    patterns = edited / "cleaner" / "rules" / "patterns.py"
    old = 'r"((subscribe|sign up|signup|register)\\b'  # subscribe-prompt's first phrase
    assert old in patterns.read_text(encoding="utf-8")
    patterns.write_text(
        patterns.read_text(encoding="utf-8").replace(old, 'r"(the ferry runs every|' + old[3:]),
        encoding="utf-8",
    )
    line = "The ferry runs every twenty minutes from the harbour on weekdays."
    body = "The council voted on Tuesday to close the old river bridge for six months of work."
    raw = tmp_path / "raw"
    write_files(
        raw, {f"p{i}.txt": f"{body} Page {i}.\n\n{line * (i == 0)}\n\n{text(i)}" for i in range(3)}
    )

    def run(package: Path, out: Path) -> str:
        env = {**os.environ, "PYTHONPATH": str(package)}
        command = [sys.executable, "-m", "cleaner", "run", str(raw), str(out)]
        done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stderr

    run(ROOT, tmp_path / "out")
    assert line in (tmp_path / "out" / "corpus.jsonl").read_text(encoding="utf-8")
    said = run(edited, tmp_path / "out")
    assert "full rebuild: cleaner's code changed" in said
    run(edited, tmp_path / "fresh")
    assert line not in (tmp_path / "fresh" / "corpus.jsonl").read_text(encoding="utf-8")
    assert outputs(tmp_path / "out") == outputs(tmp_path / "fresh")


def test_two_files_of_one_size_and_mtime_swapped_are_read_again(tmp_path: Path) -> None:
    """Size and mtime alone took two files of one size and mtime swapped with a rename
    (as `mv` does) for unchanged: the corpus kept each file's old text for ever."""
    raw = tmp_path / "raw"
    first = "Ferry service resumed on Monday after the storm had closed the harbour again."
    second = "Bus routes were restored on Friday after a strike by drivers lasting a week."
    second = second.ljust(len(first), ".")
    write_files(raw, {"x.txt": first, "y.txt": second})
    for name in ("x.txt", "y.txt"):
        os.utime(raw / name, ns=(1_700_000_000_000_000_000,) * 2)  # one mtime, long past
    out = tmp_path / "out"
    clean_corpus(raw, out)
    os.rename(raw / "x.txt", raw / "t")
    os.rename(raw / "y.txt", raw / "x.txt")
    os.rename(raw / "t", raw / "y.txt")
    clean_corpus(raw, out)
    clean_corpus(raw, tmp_path / "fresh")
    assert outputs(out) == outputs(tmp_path / "fresh")
    records = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(r)["source"]: json.loads(r)["text"][:5] for r in records} == {
        "x.txt": "Bus r",
        "y.txt": "Ferry",
    }

"""The run is the pipeline's: its corpus stages are what runs and what the manifest lists;
tasks are typed records; the CLI starts without the heavy modules."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cleaner import BoilerplateConfig, CleanConfig, DedupConfig, Pipeline, clean_corpus
from cleaner.run.tasks import CleanTask, clean_file
from cleaner.stages.dedup import DropNearDuplicates
from cleaner.stages.repeats import CountRepeats

# what `cleaner --version` and `--help` need none of: the arrays, text repair, the store,
# the process pool and the compiled rule patterns of the config
HEAVY = ("numpy", "ftfy", "sqlite3", "multiprocessing", "cleaner.config", "cleaner.rules")
PAGE = "A long enough sentence about the weather in the hills today, {0}.\n\nMore on {0}."


def _write(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"p{i}.txt").write_text(PAGE.format("the same story"), encoding="utf-8")


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["run", "--help"]])
def test_the_cli_starts_without_the_heavy_modules(args: list[str]) -> None:
    code = (
        "import sys\nfrom cleaner.cli import cli\n"
        f"try:\n    cli({args!r}, prog_name='cleaner')\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_corpus_stages_follow_the_config() -> None:
    def names(config: CleanConfig) -> list[str]:
        return [c.name for c in Pipeline.from_config(config).corpus]

    assert names(CleanConfig()) == ["count-repeats", "drop-near-duplicates"]
    no_dedup = CleanConfig(dedup=DedupConfig(documents=False))
    assert names(no_dedup) == ["count-repeats"]
    assert "drop-near-duplicates" not in Pipeline.from_config(no_dedup).names
    no_repeat = CleanConfig(boilerplate=BoilerplateConfig(disable=("corpus-repeat",)))
    assert names(no_repeat) == ["drop-near-duplicates"]
    assert Pipeline.from_config(CleanConfig(), corpus_stages=False).corpus == []


def test_the_run_calls_the_pipelines_corpus_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    batch, changed = DropNearDuplicates.resolve_all, DropNearDuplicates.resolve_changed

    def resolve_all(self: DropNearDuplicates, *args: Any, **kwargs: Any) -> Any:
        calls.append("all")
        return batch(self, *args, **kwargs)

    def resolve_changed(index: Any, dirty: Any) -> None:
        calls.append("changed")
        changed(index, dirty)

    def repeated(self: CountRepeats, sets: Any, orig: Any = CountRepeats.repeated) -> Any:
        calls.append("repeated")
        return orig(self, sets)

    monkeypatch.setattr(DropNearDuplicates, "resolve_all", resolve_all)
    monkeypatch.setattr(DropNearDuplicates, "resolve_changed", staticmethod(resolve_changed))
    monkeypatch.setattr(CountRepeats, "repeated", repeated)
    raw, out = tmp_path / "raw", tmp_path / "out"
    _write(raw, 3)
    report = clean_corpus(raw, out)
    assert report.duplicates == 2
    assert calls == ["repeated", "all"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stages"] == Pipeline.from_config(CleanConfig()).names
    calls.clear()
    from cleaner.run import corpus

    monkeypatch.setattr(corpus, "REJUDGE_ALL_SHARE", 2.0)  # the changed documents alone
    (raw / "p9.txt").write_text(PAGE.format("the same story"), encoding="utf-8")
    assert clean_corpus(raw, out).mode == "incremental"
    assert "changed" in calls and "all" not in calls
    calls.clear()
    monkeypatch.setattr(corpus, "REJUDGE_ALL_SHARE", 0.2)  # one new page of five: all
    (raw / "p10.txt").write_text(PAGE.format("another story"), encoding="utf-8")
    assert clean_corpus(raw, out).mode == "incremental"
    assert "all" in calls and "changed" not in calls
    calls.clear()
    no_dedup = CleanConfig(dedup=DedupConfig(documents=False))
    clean_corpus(raw, tmp_path / "flat", no_dedup)
    assert "all" not in calls
    flat = json.loads((tmp_path / "flat" / "manifest.json").read_text(encoding="utf-8"))
    assert "drop-near-duplicates" not in flat["stages"] and flat["dedup_scheme"] == {}


def test_a_clean_task_is_a_typed_record_that_pickles(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(PAGE.format("rain"), encoding="utf-8")
    task = CleanTask(str(path), "a.txt", CleanConfig(), np.array([1, 2], np.uint64), (0,))
    again = pickle.loads(pickle.dumps(task))
    assert again.source == "a.txt" and again.ordinals == (0,)
    assert again.repeated is not None and again.repeated.tolist() == [1, 2]
    with pytest.raises(AttributeError):
        task.source = "b.txt"  # type: ignore[misc]
    assert clean_file(again).docs


@pytest.mark.parametrize("umask", [0o022, 0o027], ids=["umask 022", "umask 027"])
def test_the_outputs_get_the_mode_the_umask_gives(tmp_path: Path, umask: int) -> None:
    """The corpus, audit and manifest are readable as any file the user makes (they are
    written under a temporary name first, which would make them 0o600)."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    _write(raw, 2)
    code = f"import os, sys; os.umask({umask}); from cleaner import clean_corpus; " + (
        "from pathlib import Path; clean_corpus(Path(sys.argv[1]), Path(sys.argv[2]))"
    )
    subprocess.run([sys.executable, "-c", code, str(raw), str(out)], check=True, timeout=300)
    for name in ("corpus.jsonl", "audit.jsonl", "manifest.json"):
        assert (out / name).stat().st_mode & 0o777 == 0o666 & ~umask, name

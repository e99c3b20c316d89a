"""Killed runs and concurrent runs: the output is always a whole old or a whole new state."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner import clean_corpus
from cleaner.cli import cli
from cleaner.outdir import OutputFolder
from tests.conftest import ROOT
from tests.test_incremental import outputs, text, variant, write

Snapshot = tuple[bytes, bytes, dict[str, object]]


def make_versions(base: Path) -> tuple[Path, Path]:
    """Two versions of an input folder: v2 adds, changes and deletes files of v1."""
    v1, v2 = base / "v1", base / "v2"
    files: dict[str, str | bytes] = {}
    for shard in range(40):
        files[f"shard{shard:02d}.jsonl"] = "".join(
            json.dumps({"text": text(shard * 100 + i, 150)}) + "\n" for i in range(25)
        )
    for i in range(30):
        files[f"page{i:02d}.txt"] = variant(text(7 * i, 150), i, changes=1, extra=i % 3 * 4)
    write(v1, files)
    files.pop("shard03.jsonl")
    files.pop("page05.txt")
    files["page06.txt"] = text(9999, 150)
    files["shard04.jsonl"] = files["shard04.jsonl"].replace("a", "o")  # type: ignore[union-attr]
    for i in range(20):
        files[f"new{i:02d}.txt"] = variant(text(7 * i, 150), 50 + i, changes=1, extra=6)
    write(v2, files)
    return v1, v2


def use(version: Path, raw: Path) -> None:
    shutil.rmtree(raw, ignore_errors=True)
    shutil.copytree(version, raw)


def cli_run(raw: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "cleaner", "run", str(raw), str(out), "-q"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def state(out: Path) -> Snapshot | None:
    """What a reader sees: None before any finished run, else the three outputs."""
    if not (out / "manifest.json").exists():
        assert (
            not (out / "corpus.jsonl").exists() or not (out / "corpus.jsonl").resolve().exists()
        ), "a corpus without a manifest"
        return None
    return outputs(out)


@pytest.mark.slow
def test_kill_at_random_points_leaves_old_or_new_state(tmp_path: Path) -> None:
    v1, v2 = make_versions(tmp_path)
    expected = {
        v: outputs(clean_corpus(v, tmp_path / f"ref-{v.name}").output)  # type: ignore[arg-type]
        for v in (v1, v2)
    }
    raw, out = tmp_path / "raw", tmp_path / "out"
    durations = []
    for version in (v1, v2, v1):  # a full run, then incremental runs both ways
        use(version, raw)
        t0 = time.perf_counter()
        assert cli_run(raw, tmp_path / "timing").wait() == 0
        durations.append(time.perf_counter() - t0)
    duration = max(durations)
    rng = random.Random(20240611)
    seen_states: set[str] = set()
    finished = False
    for kill in range(20):
        version = (v1, v2)[kill // 2 % 2]  # two kills per version, then switch
        use(version, raw)
        proc = cli_run(raw, out)
        time.sleep(rng.uniform(0.3, 1.3) * duration)
        proc.send_signal(signal.SIGKILL)
        code = proc.wait()
        now = state(out)
        if now is None:
            assert not finished, f"kill {kill}: a finished output disappeared"
            seen_states.add("none")
            continue
        finished = True
        match = [v.name for v in (v1, v2) if now == expected[v]]
        assert match, f"kill {kill} (exit {code}): output is neither the old nor the new state"
        seen_states.add(match[0])
    for version in (v1, v2):
        use(version, raw)
        assert cli_run(raw, out).wait() == 0
        assert state(out) == expected[version]
    assert "v1" in seen_states or "v2" in seen_states


def test_second_run_is_refused_while_one_holds_the_folder(
    tmp_path: Path, runner: CliRunner
) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write(raw, {"a.txt": text(1)})
    with OutputFolder(out).lock():
        result = runner.invoke(cli, ["run", str(raw), str(out)])
    assert result.exit_code == 2
    assert "another run" in result.output and f"pid {os.getpid()}" in result.output
    assert runner.invoke(cli, ["run", str(raw), str(out)]).exit_code == 0


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write(raw, {"a.txt": text(1)})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / ".cleaner").mkdir(parents=True)
    (out / ".cleaner" / "lock").write_text(
        json.dumps({"pid": dead.pid, "host": "elsewhere", "started": "2020-01-01T00:00:00"})
    )
    assert clean_corpus(raw, out).kept == 1

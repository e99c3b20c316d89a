"""Killed runs and concurrent runs: the output is always a whole old or a whole new state."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner import clean_corpus
from cleaner.cli import cli
from cleaner.store.outdir import OutputFolder
from tests.conftest import write_files
from tests.corpora import outputs, text, variant
from tests.processes import (
    Process,
    cleaner,
    cli_run,
    descendants,
    kill_left,
    read,
    tree_cpu,
    wait_gone,
)

Snapshot = dict[str, object]


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
    write_files(v1, files)
    files.pop("shard03.jsonl")
    files.pop("page05.txt")
    files["page06.txt"] = text(9999, 150)
    files["shard04.jsonl"] = files["shard04.jsonl"].replace("a", "o")  # type: ignore[union-attr]
    for i in range(20):
        files[f"new{i:02d}.txt"] = variant(text(7 * i, 150), 50 + i, changes=1, extra=6)
    write_files(v2, files)
    return v1, v2


def use(version: Path, raw: Path) -> None:
    shutil.rmtree(raw, ignore_errors=True)
    shutil.copytree(version, raw)


def state(out: Path) -> Snapshot | None:
    """What a reader sees: None before any finished run, else the three outputs."""
    if not (out / "manifest.json").exists():
        assert (
            not (out / "corpus.jsonl").exists() or not (out / "corpus.jsonl").resolve().exists()
        ), "a corpus without a manifest"
        return None
    return outputs(out)


def run_to_end(proc: subprocess.Popen[bytes]) -> float:
    """Wait for ``proc``; return the CPU time it and its worker processes used."""
    used = 0.0
    while proc.poll() is None:
        used = max(used, tree_cpu(proc.pid))  # workers leave the tree when the run exits
        time.sleep(0.01)
    assert proc.returncode == 0
    return used


def kill_after(proc: subprocess.Popen[bytes], cpu: float) -> int:
    """SIGKILL ``proc`` once it and its workers have used ``cpu`` seconds of CPU, unless
    it ends first.

    The point is set in CPU time, not wall time, so that it falls at the same stage
    of a run however busy the machine is.
    """
    while proc.poll() is None:
        if tree_cpu(proc.pid) >= cpu:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    return proc.wait()


@pytest.mark.slow
def test_kill_at_random_points_leaves_old_or_new_state(tmp_path: Path) -> None:
    v1, v2 = make_versions(tmp_path)
    expected = {
        v: outputs(clean_corpus(v, tmp_path / f"ref-{v.name}").output)  # type: ignore[arg-type]
        for v in (v1, v2)
    }
    raw, out = tmp_path / "raw", tmp_path / "out"
    used = []
    for version in (v1, v2, v1):  # a full run, then incremental runs both ways
        use(version, raw)
        used.append(run_to_end(cli_run(raw, tmp_path / "timing")))
    work = {"first run": used[0], "later run": min(used[1:])}
    rng = random.Random(20240611)
    finished = False
    killed = {"first run": 0, "later run": 0}
    for kill in range(20):
        version = (v1, v2)[kill // 2 % 2]  # two runs per version, then switch
        use(version, raw)
        proc = cli_run(raw, out)
        kind = "later run" if finished else "first run"
        point = rng.uniform(0.0, 1.0) * work[kind]
        code = proc.wait() if kill % 5 == 1 else kill_after(proc, point)  # some runs end
        assert code in (0, -signal.SIGKILL), f"run {kill} ended with {code}"
        killed[kind] += code == -signal.SIGKILL
        now = state(out)
        if now is None:
            assert not finished, f"kill {kill}: a finished output disappeared"
            continue
        finished = True
        assert now in (expected[v1], expected[v2]), (
            f"kill {kill} (exit {code}): output is neither the old nor the new state"
        )
    for version in (v1, v2):
        use(version, raw)
        assert cli_run(raw, out).wait() == 0
        assert state(out) == expected[version]
    # the points are set in CPU time, so these hold however busy the machine is
    assert killed["first run"] >= 1 and killed["later run"] >= 8, killed


def test_workers_end_when_the_run_is_killed(tmp_path: Path) -> None:
    """kill -9 of `cleaner run` (or the OOM killer) leaves none of its processes behind:
    not its workers, nor the forkserver and resource tracker that serve them."""
    v1, _ = make_versions(tmp_path)
    proc = cli_run(v1, tmp_path / "out", "--workers", "3")
    tree: list[Process] = []
    try:
        while sum(p.ppid != proc.pid for p in descendants(proc.pid)) < 3:  # the workers
            assert proc.poll() is None, "the run ended before its three workers started"
            time.sleep(0.01)
        proc.send_signal(signal.SIGSTOP)  # hold the run where it is
        while (driver := read(proc.pid)) is not None and driver.state != "T":
            time.sleep(0.01)
        tree = descendants(proc.pid)
        assert len(tree) >= 5, [p.name() for p in tree]
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
        left = wait_gone(tree, timeout=60)
        assert not left, f"still running after the run was killed: {[p.name() for p in left]}"
    finally:
        proc.kill()
        proc.wait()
        kill_left(tree)


@pytest.mark.parametrize(
    ("signum", "group", "code", "message"),
    [
        (signal.SIGINT, True, 130, "interrupted"),  # Ctrl-C: the terminal signals the group
        (signal.SIGTERM, False, 143, "stopped by SIGTERM"),  # `kill PID`
    ],
)
@pytest.mark.parametrize("first", [False, True], ids=["later run", "first run"])
def test_an_interrupted_run_cleans_up_and_keeps_the_previous_output(
    tmp_path: Path, signum: int, group: bool, code: int, message: str, first: bool
) -> None:
    v1, _ = make_versions(tmp_path)
    out = tmp_path / "out"
    if not first:
        assert cli_run(v1, out).wait() == 0
    before = None if first else outputs(out)
    # another config: a full rebuild into a new state file
    args = ("run", str(v1), str(out), "-q", "--workers", "3", "--threshold", "0.85")
    proc = cleaner(*args, stderr=subprocess.PIPE, start_new_session=True)
    state_dir = out / ".cleaner"
    tree: list[Process] = []
    deadline = time.monotonic() + 120  # a run that hangs fails the test instead of hanging it
    try:
        while not (state_dir / "repaired.tmp").is_dir() or not any(
            (state_dir / "repaired.tmp").iterdir()
        ):
            assert proc.poll() is None, "the run ended before its middle"
            assert time.monotonic() < deadline, "the run never reached its middle"
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGSTOP)  # hold the run in its middle
        while (driver := read(proc.pid)) is not None and driver.state != "T":
            assert time.monotonic() < deadline, "the run did not stop"
            time.sleep(0.01)
        tree = descendants(proc.pid)
        assert (state_dir / "state.sqlite.new").exists() and len(tree) >= 5
        if group:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        os.killpg(proc.pid, signal.SIGCONT)
        _, err = proc.communicate()
        assert proc.returncode == code
        kept = "holds no output yet" if first else "holds its last complete output"
        assert err.decode() == f"cleaner: {message}; {out} {kept}\n"
        left = wait_gone(tree, timeout=60)
        assert not left, f"still running after the run stopped: {[p.name() for p in left]}"
    finally:
        proc.kill()
        proc.wait()
        kill_left(tree)
    if first:  # no output, no state: only the lock and the ignore file are left
        assert not (out / "manifest.json").exists()
        assert sorted(p.name for p in state_dir.iterdir()) == [".gitignore", "lock"]
    else:
        assert outputs(out) == before
        assert sorted(p.name for p in state_dir.iterdir()) == [
            ".gitignore",
            "current",
            "gen-000001",
            "lock",
            "state.sqlite",
        ]
    assert not [p for p in out.rglob("*") if p.name.endswith((".tmp", ".new"))]
    assert cli_run(v1, out, "--threshold", "0.85").wait() == 0  # the lock was released


def test_a_command_started_without_stdout_ends_normally(tmp_path: Path) -> None:
    """fd 1 closed before the start (`cleaner run raw out >&-`): sys.stdout is None, and
    neither a run into a folder nor --version may crash at exit."""
    v1, _ = make_versions(tmp_path)
    for args in (("--version",), ("run", str(v1), str(tmp_path / "out"), "-q")):
        proc = cleaner(*args, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
        _, err = proc.communicate()
        assert proc.returncode == 0 and b"Traceback" not in err, err.decode()
    assert (tmp_path / "out" / "manifest.json").is_file()
    proc = cleaner("run", str(v1), "-", stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    _, err = proc.communicate()
    assert proc.returncode == 2 and err.count(b"\n") == 1 and b"standard output is closed" in err


def test_a_stream_run_started_without_stdin_says_so(tmp_path: Path) -> None:
    """fd 0 closed before the start (`cleaner run - - <&-`): sys.stdin is None."""
    proc = cleaner(
        "run", "-", "-", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: os.close(0),
    )  # fmt: skip
    out, err = proc.communicate()
    assert proc.returncode == 2 and out == b"" and err.count(b"\n") == 1, err.decode()
    assert b"standard input is closed" in err


def test_a_closed_stdout_ends_the_run_quietly_with_status_141(tmp_path: Path) -> None:
    """`cleaner run raw - | head -n 3`: the run stops when `head` closes the pipe, with
    the status of a process ended by SIGPIPE (as coreutils) and nothing on stderr."""
    v1, _ = make_versions(tmp_path)  # about 1 MB of output, more than a pipe holds
    proc = cleaner("run", str(v1), "-", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    lines = [json.loads(proc.stdout.readline()) for _ in range(3)]
    proc.stdout.close()
    with proc.stderr:
        err = proc.stderr.read()
    assert proc.wait() == 141
    assert err == b""
    assert all(line["text"] for line in lines)


@pytest.mark.parametrize(
    "args",
    [("run", "{raw}", "-"), ("run", "-", "-"), ("run", "{raw}", "{out}", "--json"), ("--help",)],
    ids=["folder to stdout", "stdin to stdout", "summary as JSON", "help"],
)
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_stdout_that_cannot_be_written_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    """`cleaner run raw - > /dev/full`: a full disk under stdout is named, status 2."""
    v1, _ = make_versions(tmp_path)
    args = tuple(a.format(raw=v1, out=tmp_path / "out") for a in args)
    with (v1 / "shard00.jsonl").open("rb") as stdin, open("/dev/full", "wb") as full:
        proc = cleaner(*args, stdin=stdin, stdout=full, stderr=subprocess.PIPE)
        _, err = proc.communicate()
    assert proc.returncode == 2, err.decode()
    assert err.decode().splitlines()[-1] == (
        "cleaner: error: stdout: cannot write (No space left on device); "
        "free space or send it elsewhere"
    )
    assert b"Traceback" not in err and b"internal error" not in err


_LATE_SIGNAL = """
import atexit, os, signal, sys
from cleaner.cli import main

# the signal arrives once the command is over, as Python shuts down
atexit.register(lambda: os.kill(os.getpid(), signal.{name}))
sys.argv = ["cleaner", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_signal_after_the_run_is_over_leaves_its_status(tmp_path: Path, name: str) -> None:
    """Ctrl-C as a run ends, its output complete: the status was 130 with no word (or a
    traceback from the exit handlers); the run is over, so it keeps its own status."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("A short page about the rivers of the north.\n", "utf-8")
    script = tmp_path / "late.py"
    script.write_text(_LATE_SIGNAL.format(name=name), encoding="utf-8")
    from tests.conftest import ROOT

    proc = subprocess.run(
        [sys.executable, str(script), "run", str(raw), str(tmp_path / "out"), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert (tmp_path / "out" / "manifest.json").is_file()


_BAD_LINE = b'{"text": "A record about rivers and the lakes of the north."}\nnot json\n'


@pytest.mark.parametrize("stderr", ["closed", "full"])
@pytest.mark.parametrize("to_stdout", [False, True], ids=["to a folder", "to stdout"])
def test_a_stderr_that_cannot_be_written_changes_nothing(
    tmp_path: Path, stderr: str, to_stdout: bool
) -> None:
    """`cleaner run ... 2>&-` or `2>/dev/full`: the messages are lost, the run is not.
    A closed stderr ended it with an internal error (exit 2, nothing written); a full
    one filed the failed "skipped" message as damage to the input, dropped the rest of
    stdin and exited 1."""
    if stderr == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    (tmp_path / "raw").mkdir()
    source = tmp_path / "raw" / "in.jsonl"
    source.write_bytes(_BAD_LINE * 3)
    out = tmp_path / "out"
    args = ("run", "-", "-") if to_stdout else ("run", str(tmp_path / "raw"), str(out))
    with contextlib.ExitStack() as stack:
        stdin = stack.enter_context(source.open("rb"))
        kwargs: dict[str, object] = {"preexec_fn": lambda: os.close(2)}
        if stderr == "full":
            kwargs = {"stderr": stack.enter_context(open("/dev/full", "wb"))}
        proc = cleaner(*args, stdin=stdin, stdout=subprocess.PIPE, **kwargs)
        written, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    corpus = written if to_stdout else (out / "corpus.jsonl").read_bytes()
    assert len(corpus.splitlines()) == 1  # the three copies: one kept
    if not to_stdout:
        audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
        assert [row.get("rule") for row in audit].count("malformed-json") == 3


class Crash(BaseException):
    """A process dying at a file-system call (BaseException: no ``except OSError`` stops it)."""


FS_CALLS = ("mkdir", "rmdir", "unlink", "link", "symlink", "rename", "replace", "fsync")


def published(out: Path) -> dict[str, bytes] | None:
    """What a reader of OUTPUT sees: the outputs it can open (None: none of them)."""
    seen = {}
    for name in ("corpus.jsonl", "audit.jsonl", "manifest.json"):
        with contextlib.suppress(FileNotFoundError):
            seen[name] = (out / name).read_bytes()
    return seen or None


def generation(folder: OutputFolder, n: int) -> dict[str, bytes]:
    files = {name: f"{name} of {n}\n".encode() for name in ("corpus.jsonl", "audit.jsonl")}
    files["manifest.json"] = json.dumps({"generation": n}).encode()
    gen = folder.start_generation(n)
    for name, body in files.items():
        (gen / name).write_bytes(body)
    return files


def crash_at(monkeypatch: pytest.MonkeyPatch, step: int) -> list[int]:
    """Make the ``step``-th file-system call from now on raise :class:`Crash`."""
    calls = [0]

    def wrap(name: str) -> Callable[..., object]:
        real = getattr(os, name)

        def call(*args: object, **kwargs: object) -> object:
            calls[0] += 1
            if calls[0] == step:
                raise Crash(name)
            return real(*args, **kwargs)

        return call

    for name in FS_CALLS:
        monkeypatch.setattr(os, name, wrap(name))
    return calls


def test_a_broken_pipe_that_is_not_stdout_is_an_error(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pipe to a worker that breaks is an error said in one line (status 2), not the
    quiet status 141 of a reader of stdout that went away."""
    import cleaner.run.corpus

    def broken(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cleaner.run.corpus, "clean_corpus", broken)
    raw = tmp_path / "raw"
    write_files(raw, {"a.txt": text(1)})
    result = runner.invoke(cli, ["run", str(raw), str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "internal error: BrokenPipeError" in result.output


@pytest.mark.parametrize("before", ["nothing", "a generation", "flat files"])
def test_publish_shows_a_whole_old_or_new_output_whatever_step_it_stops_at(
    tmp_path: Path, before: str
) -> None:
    """Stop ``publish`` at each of its file-system calls in turn (a run killed there):
    a reader sees the whole old output or the whole new one, and the next run's
    ``publish`` finishes the switch."""
    steps = 0
    while True:
        steps += 1
        out = tmp_path / f"out{steps}"
        folder = OutputFolder(out)
        old: dict[str, bytes] | None = None
        if before == "a generation":
            old = generation(folder, 1)
            folder.publish(1)
        elif before == "flat files":
            out.mkdir()
            old = {"corpus.jsonl": b"old corpus\n", "manifest.json": b'{"tool": "cleaner"}'}
            for name, body in old.items():
                (out / name).write_bytes(body)
        n = 2 if before == "a generation" else 1
        new = generation(folder, n)
        with pytest.MonkeyPatch.context() as patch:
            calls = crash_at(patch, steps)
            with contextlib.suppress(Crash):
                folder.publish(n)
        if calls[0] < steps:  # publish made fewer calls: every step has been tried
            break
        assert published(out) in (old, new), f"stopped at call {steps} of publish"
        folder.publish(n)  # the next run finishes a committed generation
        assert published(out) == new
        assert not [p.name for p in out.rglob("*.tmp")]
    assert steps > 8, "publish should stop at each of its steps"


def test_second_run_is_refused_while_one_holds_the_folder(
    tmp_path: Path, runner: CliRunner
) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"a.txt": text(1)})
    with OutputFolder(out).lock():
        result = runner.invoke(cli, ["run", str(raw), str(out)])
    assert result.exit_code == 2
    assert "another run" in result.output and f"pid {os.getpid()}" in result.output
    assert runner.invoke(cli, ["run", str(raw), str(out)]).exit_code == 0


@pytest.mark.parametrize(
    "theirs",
    [
        {"corpus.jsonl": b'{"my": "data"}\n'},
        {"manifest.json": b'{"my": "manifest"}'},
        {"corpus.jsonl": b"mine\n", "audit.jsonl": b"mine\n", "manifest.json": b"[1, 2]"},
    ],
    ids=["a corpus", "a manifest", "all three"],
)
def test_a_run_refuses_to_replace_files_no_run_wrote(
    tmp_path: Path, runner: CliRunner, theirs: dict[str, bytes]
) -> None:
    """A corpus.jsonl, audit.jsonl or manifest.json in OUTPUT with no manifest of
    cleaner's beside it is the user's: publishing would replace it by a link and lose
    it, so the run stops first (status 2) and leaves it as it was."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"a.txt": text(1)})
    write_files(out, theirs)
    result = runner.invoke(cli, ["run", str(raw), str(out)])
    assert result.exit_code == 2
    assert "a file no cleaner run wrote" in result.output and "move it away" in result.output
    assert {name: (out / name).read_bytes() for name in theirs} == theirs
    assert not any((out / name).is_symlink() for name in theirs)


def test_a_run_refuses_to_replace_a_file_put_over_its_output(
    tmp_path: Path, runner: CliRunner
) -> None:
    """A corpus.jsonl of the user's put where a run's link was is refused too."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"a.txt": text(1)})
    assert runner.invoke(cli, ["run", str(raw), str(out)]).exit_code == 0
    (out / "corpus.jsonl").unlink()
    (out / "corpus.jsonl").write_text("mine\n")
    write_files(raw, {"b.txt": text(2)})
    result = runner.invoke(cli, ["run", str(raw), str(out)])
    assert result.exit_code == 2 and "a file no cleaner run wrote" in result.output
    assert (out / "corpus.jsonl").read_text() == "mine\n"


def test_a_run_refuses_to_replace_a_link_of_the_users(tmp_path: Path, runner: CliRunner) -> None:
    """A corpus.jsonl that is the user's link elsewhere was replaced by the run's own
    link without a word, where a plain file of that name is refused."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"a.txt": text(1)})
    (tmp_path / "mine.jsonl").write_text('{"mine": 1}\n')
    out.mkdir()
    (out / "corpus.jsonl").symlink_to("../mine.jsonl")
    result = runner.invoke(cli, ["run", str(raw), str(out)])
    assert result.exit_code == 2 and "a link no cleaner run made" in result.output
    assert os.readlink(out / "corpus.jsonl") == "../mine.jsonl"
    assert runner.invoke(cli, ["run", str(raw), str(tmp_path / "o2"), "-q"]).exit_code == 0
    assert runner.invoke(cli, ["run", str(raw), str(tmp_path / "o2"), "-q"]).exit_code == 0


def test_an_older_versions_flat_output_is_taken_over(tmp_path: Path) -> None:
    """The flat files an older version wrote (its manifest names the tool) become the
    first generation and are then replaced: the run goes ahead."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"a.txt": text(1)})
    write_files(out, {"corpus.jsonl": "old\n", "manifest.json": '{"tool": "cleaner"}'})
    assert clean_corpus(raw, out).kept == 1
    corpus = out / "corpus.jsonl"
    assert corpus.is_symlink() and "old" not in corpus.read_text(encoding="utf-8")


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"a.txt": text(1)})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / ".cleaner").mkdir(parents=True)
    (out / ".cleaner" / "lock").write_text(
        json.dumps({"pid": dead.pid, "host": "elsewhere", "started": "2020-01-01T00:00:00"})
    )
    assert clean_corpus(raw, out).kept == 1

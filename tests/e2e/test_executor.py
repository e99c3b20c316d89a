"""Executors: the same output bytes whatever runs the per-file work, and where."""

from __future__ import annotations

import ast
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner

from cleaner import CleanConfig, DedupConfig, clean_corpus
from cleaner.cli import cli
from cleaner.errors import UsageError
from cleaner.executors import InlineExecutor, LocalExecutor, make_executor
from cleaner.readers import list_inputs
from cleaner.run import tasks
from cleaner.run.tasks import CleanBatch, CountBatch
from tests.conftest import ROOT, SEEDS
from tests.corpora import outputs
from tests.scale_corpus import write_corpus

T = TypeVar("T")
R = TypeVar("R")


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("scale") / "raw")


@pytest.fixture(scope="module")
def reference(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The single-process run."""
    out = tmp_path_factory.mktemp("reference")
    report = clean_corpus(raw, out)
    assert report.duplicates > 5, "the test corpus must plant near-duplicates"
    assert report.records_rejected == 2 and report.files_rejected == 1
    return outputs(out)


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("shuffle_on_pool", [False, True])
def test_local_pool_is_byte_identical(
    raw: Path,
    reference: dict[str, object],
    tmp_path: Path,
    workers: int,
    shuffle_on_pool: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if shuffle_on_pool:  # a corpus this small shuffles in the driver unless told otherwise
        monkeypatch.setattr("cleaner.run.corpus.SHUFFLE_MIN", 0)
    executor = LocalExecutor(workers, in_flight=2)
    try:
        clean_corpus(raw, tmp_path, executor=executor)
    finally:
        executor.close()
    assert outputs(tmp_path) == reference


def test_incremental_run_on_a_pool_equals_a_rebuild(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    clean_corpus(raw, out)
    (raw / "late.txt").write_text("A late article about the harbor council budget. " * 20)
    executor = LocalExecutor(2)
    try:
        report = clean_corpus(raw, out, executor=executor)
    finally:
        executor.close()
        (raw / "late.txt").unlink()
    assert report.mode == "incremental" and report.documents_cleaned == 1
    (raw / "late.txt").write_text("A late article about the harbor council budget. " * 20)
    try:
        clean_corpus(raw, tmp_path / "full", incremental=False)
    finally:
        (raw / "late.txt").unlink()
    assert outputs(out)["corpus.jsonl"] == outputs(tmp_path / "full")["corpus.jsonl"]


@pytest.mark.parametrize(
    "config",
    [
        CleanConfig(dedup=DedupConfig(documents=False)),
        CleanConfig(dedup=DedupConfig(threshold=0.5)),
    ],
    ids=["no-dedup", "threshold-0.5"],
)
def test_configs_on_a_pool(raw: Path, tmp_path: Path, config: CleanConfig) -> None:
    clean_corpus(raw, tmp_path / "a", config)
    executor = LocalExecutor(2)
    try:
        clean_corpus(raw, tmp_path / "b", config, executor=executor)
    finally:
        executor.close()
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")


class ElsewhereExecutor(InlineExecutor):
    """Runs the tasks in another working folder, as a Ray worker does (the raylet's)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        for task in tasks:
            here = Path.cwd()
            os.chdir(self.folder)
            try:
                result = fn(task)
            finally:
                os.chdir(here)
            yield result


def test_tasks_in_another_working_folder_read_a_relative_input(
    raw: Path, reference: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(raw.parent)
    clean_corpus(
        Path(raw.name), tmp_path / "out", executor=ElsewhereExecutor(tmp_path / "elsewhere")
    )
    assert outputs(tmp_path / "out") == reference


def _slow_square(x: int) -> int:
    time.sleep(0.01 * (x % 3))
    return x * x


def test_local_executor_keeps_order_and_bounds_in_flight() -> None:
    pulled: list[int] = []

    def tasks() -> Iterator[int]:
        for i in range(40):
            pulled.append(i)
            yield i

    executor = LocalExecutor(workers=2, in_flight=3)
    try:
        results = executor.map(_slow_square, tasks())
        first = next(results)
        assert first == 0 and len(pulled) == 3  # read ahead by in_flight only
        assert [first, *results] == [i * i for i in range(40)]
    finally:
        executor.close()


def test_a_lone_task_starts_no_worker() -> None:
    """One task runs in the driver: a pool would cost a process start and an import of
    cleaner per worker for nothing. Two tasks start the pool."""
    executor = LocalExecutor(workers=2)
    try:
        assert list(executor.map(_slow_square, [3])) == [9]
        assert list(executor.map(_slow_square, [])) == []
        assert executor._pool is None
        assert list(executor.map(_slow_square, [2, 3])) == [4, 9]
        assert executor._pool is not None
    finally:
        executor.close()


def test_make_executor_rejects_unknown_names() -> None:
    with pytest.raises(UsageError):
        make_executor("dask")
    with pytest.raises(UsageError):
        make_executor("local", address="auto")
    assert isinstance(make_executor("local", workers=1), InlineExecutor)


@pytest.mark.parametrize("args", [["--workers", "1"], ["--workers", "2"], []])
def test_cli_run_workers(
    raw: Path, reference: dict[str, object], tmp_path: Path, args: list[str]
) -> None:
    result = CliRunner().invoke(cli, ["run", str(raw), str(tmp_path), "-q", *args])
    assert result.exit_code == 0, result.output
    assert outputs(tmp_path) == reference


def test_cli_address_needs_ray_executor(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(SEEDS / "raw"), str(tmp_path), "--address", "x"])
    assert result.exit_code == 2 and "--executor ray" in result.output


class Recording(InlineExecutor):
    """Runs tasks in this process and keeps each one it was given."""

    def __init__(self) -> None:
        self.tasks: list[object] = []

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        for task in tasks:
            self.tasks.append(task)
            yield fn(task)


def test_small_files_are_counted_and_cleaned_in_batches(
    raw: Path, reference: dict[str, object], tmp_path: Path
) -> None:
    executor = Recording()
    clean_corpus(raw, tmp_path, executor=executor)
    assert outputs(tmp_path) == reference
    files = [source for _, source in list_inputs(raw)]
    counted = [t for t in executor.tasks if isinstance(t, CountBatch)]
    cleaned = [t for t in executor.tasks if isinstance(t, CleanBatch)]
    assert [t.source for b in cleaned for t in b.tasks] == files
    assert len(cleaned) <= 6  # 43 files, 175 kB: about four batches, one per jsonl file
    # a file is cleaned in the batch it was counted in, from the batch's one spill file
    assert [[t.source for t in b.tasks] for b in counted] == [
        [t.source for t in b.tasks] for b in cleaned
    ]
    assert all(len(b.kept) == 1 for b in cleaned)


@pytest.mark.parametrize("workers", [1, 2])
def test_batches_of_any_size_give_the_same_bytes(
    raw: Path,
    reference: dict[str, object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    workers: int,
) -> None:
    """One file per task (as before batching) and several small batches per worker."""
    for name, value in (("BATCH_FILES", 1), ("BATCH_BYTES", 2000)):
        monkeypatch.setattr(tasks, name, value)
        executor = make_executor("local", workers)
        try:
            clean_corpus(raw, tmp_path / name, executor=executor)
        finally:
            executor.close()
        assert outputs(tmp_path / name) == reference
        monkeypatch.undo()


def test_an_incremental_run_cleans_only_the_changed_file_of_a_batch(
    raw: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    clean_corpus(raw, out)
    page = sorted((raw / "pages").iterdir())[3]
    before = page.read_text(encoding="utf-8")
    page.write_text(before + "\n\nA new closing paragraph about the harbor.", encoding="utf-8")
    try:
        executor = Recording()
        report = clean_corpus(raw, out, executor=executor)
        clean_corpus(raw, tmp_path / "full", incremental=False)
    finally:
        page.write_text(before, encoding="utf-8")
    assert report.mode == "incremental" and report.files["changed"] == 1
    cleaned = [t for t in executor.tasks if isinstance(t, CleanBatch)]
    assert [t.path for b in cleaned for t in b.tasks] == [str(page)]
    assert outputs(out) == outputs(tmp_path / "full")


def test_pool_workers_start_with_the_tasks_module_imported() -> None:
    """The forkserver imports the module of the mapped function once; each worker is
    forked from it with the module in place, and does not import it again (in a fresh
    process: a forkserver already running keeps what it imported)."""
    script = (
        "from cleaner.executors import LocalExecutor\n"
        "from tests.processes import imported_by\n"
        "pool = LocalExecutor(2, in_flight=4)\n"
        "print(sorted(set(pool.map(imported_by, range(8)))))\n"
        "pool.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    pairs = ast.literal_eval(done.stdout)
    assert pairs and all(by != worker for by, worker in pairs), pairs


def test_pool_workers_start_with_the_preloaded_modules() -> None:
    """A module the run asks to preload (the language model's) is imported by the
    forkserver, so each worker starts with it, not loading it on its own (in a fresh
    process, as above)."""
    model = "cleaner.stages.filters.language_model"
    script = (
        "from cleaner.executors import LocalExecutor\n"
        "from tests.processes import has_module\n"
        "pool = LocalExecutor(2, in_flight=4)\n"
        f"pool.preload([{model!r}])\n"
        f"print(sorted(set(pool.map(has_module, [{model!r}] * 8))))\n"
        "pool.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    found = ast.literal_eval(done.stdout)
    assert found and all(loaded for loaded, _ in found), found


class Preloading(LocalExecutor):
    """A local executor that records what the run asks its workers to preload."""

    def __init__(self) -> None:
        super().__init__(2)
        self.asked: list[str] = []

    def preload(self, modules: Iterable[str]) -> None:
        self.asked += modules
        super().preload(modules)


@pytest.mark.parametrize("languages", [(), ("en",)])
def test_a_run_preloads_the_language_model_when_the_filter_is_on(
    tmp_path: Path, languages: tuple[str, ...]
) -> None:
    pytest.importorskip("py3langid")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("The bridge will close for six months.\n", encoding="utf-8")
    config = CleanConfig().with_filter("language", enabled=bool(languages), languages=languages)
    executor = Preloading()
    try:
        clean_corpus(raw, tmp_path / "out", config, executor=executor)
    finally:
        executor.close()
    # ftfy: the repair stage's, which every run has
    expected = ["ftfy", "cleaner.stages.filters.language_model"] if languages else ["ftfy"]
    assert executor.asked == expected


_SIGINT_AT_BIRTH = """
import multiprocessing
import signal

from cleaner.executors import LocalExecutor


def ignored(answer):  # what a process forked by the forkserver does with Ctrl-C at birth
    answer.put(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)


if __name__ == "__main__":
    executor = LocalExecutor(2)
    assert list(executor.map(abs, [-1, -2, -3])) == [1, 2, 3]  # starts the forkserver
    context = multiprocessing.get_context("forkserver")
    answer = context.Queue()
    child = context.Process(target=ignored, args=(answer,))  # no initializer: as born
    child.start()
    print(answer.get(timeout=60))
    child.join()
    executor.close()
"""


@pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no forkserver"
)
def test_workers_are_forked_ignoring_ctrl_c(tmp_path: Path) -> None:
    """The forkserver is started with Ctrl-C ignored, so every process it forks ignores
    it from birth: a worker forked as the terminal signals the group cannot die of
    KeyboardInterrupt before its initializer runs (and print a traceback beside the
    driver's one-line message)."""
    script = tmp_path / "born.py"
    script.write_text(_SIGINT_AT_BIRTH, encoding="utf-8")
    found = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "True"


_SIGINT_MID_START = """
import multiprocessing.context, os, signal, time
from cleaner.executors import LocalExecutor

started = []
real_start = multiprocessing.context.ForkServerProcess.start


def start(self):
    real_start(self)  # forked: the pool has not put it in its table yet
    started.append(self.pid)
    if len(started) == 1:
        signal.raise_signal(signal.SIGINT)  # Ctrl-C at that moment


if __name__ == "__main__":
    # as in a terminal's foreground: a shell's background job starts with Ctrl-C ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    multiprocessing.context.ForkServerProcess.start = start
    executor = LocalExecutor(2)
    try:
        list(executor.map(abs, [-1, -2, -3]))
    except KeyboardInterrupt:
        pass
    executor.close()
    time.sleep(0.5)
    alive = []
    for pid in started:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive.append(pid)
        os.kill(pid, signal.SIGKILL)  # leave nothing behind
    print(len(started), alive)
"""


@pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no forkserver"
)
def test_ctrl_c_while_a_worker_starts_stops_that_worker(tmp_path: Path) -> None:
    """Ctrl-C that lands after the forkserver forked a worker but before the pool
    listed it: the pool still lists it, and closing the executor stops it. Before, the
    worker was left to fail on its own when the pool's queues closed, and printed a
    traceback ("SemLock._rebuild ... FileNotFoundError") after the driver's message."""
    script = tmp_path / "mid_start.py"
    script.write_text(_SIGINT_MID_START, encoding="utf-8")
    found = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == ["1", "[]"], found.stdout
    # the worker was stopped, not left to fail when the pool's queues went
    assert "Traceback" not in found.stderr, found.stderr


def test_ctrl_c_held_while_the_pool_starts_a_worker_comes_after_it_once() -> None:
    """What ``submit`` runs under: Ctrl-C comes when the block ends, once; a second one
    inside it comes at once; an ignored one stays ignored."""
    from cleaner.executors.local import _signals_held

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        done = []
        with pytest.raises(KeyboardInterrupt), _signals_held():
            signal.raise_signal(signal.SIGINT)
            done.append("block")  # not interrupted
        assert done == ["block"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        with pytest.raises(KeyboardInterrupt), _signals_held():
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)  # asked twice: at once
            done.append("rest")
        assert done == ["block"]
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with _signals_held():
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)

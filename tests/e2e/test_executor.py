"""Executors: the same output bytes whatever runs the per-file work, and where."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner import CleanConfig, DedupConfig, clean_corpus
from cleaner.cli import cli
from cleaner.errors import UsageError
from cleaner.executors import InlineExecutor, LocalExecutor, make_executor
from tests.conftest import SEEDS
from tests.corpora import outputs
from tests.scale_corpus import write_corpus


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

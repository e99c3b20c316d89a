"""The Ray executor: the same task as Ray tasks, the same output bytes.

Ray starts once per test session, on one CPU and without its dashboard.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import ray

from cleaner import clean_corpus
from cleaner.config import CleanConfig
from cleaner.executors import make_executor
from cleaner.integrations.ray import RayExecutor, RayParts
from cleaner.run import tasks as tasks_module
from cleaner.run.tasks import CleanBatch, CleanTask, SpilledFile, clean_file, clean_files, rows_of
from cleaner.store.prepare import PreparedFile
from tests.corpora import outputs, text
from tests.processes import cleaner, descendants, in_group, kill_left, read, started_by, wait_gone
from tests.scale_corpus import write_corpus
from tests.warcs import crawl, pages


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _double(x: int) -> int:
    return 2 * x


def test_ray_map_keeps_order(ray_cluster: None) -> None:
    executor = RayExecutor(in_flight=3)
    assert executor.workers == 1
    assert list(executor.map(_double, range(10))) == [2 * i for i in range(10)]


@pytest.mark.parametrize("shuffle_on_ray", [False, True], ids=["driver", "shuffle"])
def test_ray_run_is_byte_identical_to_local(
    ray_cluster: None, tmp_path: Path, shuffle_on_ray: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shuffle_on_ray:  # the band tokens go to Ray tasks in hash partitions, found as runs
        monkeypatch.setattr("cleaner.run.corpus.SHUFFLE_MIN", 0)
    raw = write_corpus(tmp_path / "raw", docs=80, seed=3)
    for i in range(3):  # a source and a truncated copy of it: the copy is contained
        body = text(40 + i, 200)
        (raw / f"full{i}.txt").write_text(body, encoding="utf-8")
        (raw / f"cut{i}.txt").write_text(body[: len(body) * 3 // 5], encoding="utf-8")
    local = clean_corpus(raw, tmp_path / "local")
    executor = make_executor("ray")
    try:
        report = clean_corpus(raw, tmp_path / "ray", executor=executor)
    finally:
        executor.close()
    assert report.duplicates == local.duplicates > 0
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    assert (tmp_path / "ray" / "audit.jsonl").read_text().count('"rule": "contained"') >= 3


def _clean_as_large(batch: CleanBatch) -> list[PreparedFile | SpilledFile]:
    """``clean_files`` in a Ray worker where every file is large and a part is three
    documents (the worker's module, not the test process's, decides)."""
    saved = tasks_module.STREAM_BYTES, tasks_module.PART_DOCS
    tasks_module.STREAM_BYTES, tasks_module.PART_DOCS = 1, 3
    try:
        return clean_files(batch)
    finally:
        tasks_module.STREAM_BYTES, tasks_module.PART_DOCS = saved


def test_a_large_file_comes_back_from_a_ray_task_a_part_at_a_time(
    ray_cluster: None, tmp_path: Path
) -> None:
    """A Ray task cleaned a large file whole and sent its rows back whole (a shard of a
    few GB needed tens of GB on the worker and the driver). It now cleans it as read
    and leaves its rows in the object store a part at a time, which the driver takes
    one by one: the same rows as the file cleaned whole."""
    raw = write_corpus(tmp_path / "raw", docs=30, seed=3)
    path = max(raw.rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    task = CleanTask(str(path), path.name, CleanConfig())
    whole = clean_file(task)
    executor = RayExecutor()
    assert isinstance(executor.parts, RayParts)
    [[spilled]] = list(executor.map(_clean_as_large, [CleanBatch((task,), spill=executor.parts)]))
    assert isinstance(spilled, SpilledFile) and len(spilled.parts) > 2
    parts = list(rows_of(spilled))
    assert [row for part in parts for row in part.docs] == whole.docs
    assert np.array_equal(np.concatenate([p.keys for p in parts]), whole.keys)
    assert spilled.file._replace(seen_ns=0) == whole.file._replace(seen_ns=0)


def test_a_ray_run_of_large_files_writes_what_a_local_run_writes(
    ray_cluster: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file large on the workers: a run on Ray takes each file's rows from the
    object store a part at a time and writes the corpus, audit and manifest of a local
    run (near-duplicates across files included)."""
    import cleaner.run.corpus as corpus_module

    monkeypatch.setattr(tasks_module, "BATCH_BYTES", 1)  # a batch a file, as a large one is
    raw = write_corpus(tmp_path / "raw", docs=60, seed=5)
    local = clean_corpus(raw, tmp_path / "local")
    monkeypatch.setattr(corpus_module, "clean_files", _clean_as_large)
    spilled: list[int] = []  # per file whose rows came in parts: how many
    take = corpus_module.rows_of

    def counted(prepared: PreparedFile | SpilledFile) -> Iterator[Any]:
        if isinstance(prepared, SpilledFile):
            spilled.append(len(prepared.parts))
        return take(prepared)

    monkeypatch.setattr(corpus_module, "rows_of", counted)
    report = clean_corpus(raw, tmp_path / "ray", executor=RayExecutor())
    read = [p for p in raw.rglob("*") if p.is_file() and p.stat().st_size]  # not empty.txt
    assert len(spilled) == len(read) and max(spilled) > 2
    assert report.duplicates == local.duplicates
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")


def test_ray_reads_html_and_warc_as_a_local_run_does(ray_cluster: None, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "crawl.warc.gz").write_bytes(crawl())
    for name, body in pages().items():
        (raw / f"{name}.html").write_bytes(body)
    local = clean_corpus(raw, tmp_path / "local")
    executor = make_executor("ray")
    try:
        clean_corpus(raw, tmp_path / "ray", executor=executor)
    finally:
        executor.close()
    assert local.kept >= len(pages())
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")


def test_ray_gives_the_filters_verdicts_of_a_local_run(ray_cluster: None, tmp_path: Path) -> None:
    """The filters on (quality, language, personal data): Ray's workers drop, label
    and redact as a local run does."""
    raw = write_corpus(tmp_path / "raw", docs=40, seed=4)
    (raw / "de.txt").write_text(
        "Der Gemeinderat hat am Montag beschlossen, die alte Brücke über den Fluss zu "
        "schließen. Die Reparatur soll im nächsten Frühjahr beginnen und etwa zwei Jahre "
        "dauern. Während dieser Zeit fahren die Busse über die neue Umgehungsstraße, und "
        "Fußgänger können eine Fähre nehmen, die jede halbe Stunde ablegt."
    )
    (raw / "mail.txt").write_text(
        "The council met on Monday and voted to close the old bridge for repairs. "
        "The work will begin in the spring and take about two years. "
        "Buses will use the new bypass while the bridge is closed. "
        "Residents who want to comment on the plan can write to the clerk at "
        "jane.doe@example.org before the end of the month. "
        "The minutes of the meeting will be posted on the notice board of the town hall. "
        "The next meeting of the council is planned for the first week of the new year."
    )
    (raw / "short.txt").write_text("Too short.")
    config = CleanConfig()
    # the shipped filters but too-short (the documents here are short on purpose); by
    # name, as other tests register filters of their own in this process
    shipped = ("language", "gopher-repetition", "gopher-quality", "c4-quality")
    for name in (*shipped, "fineweb-quality", "redact-pii"):
        config = config.with_filter(name, enabled=True)
    config = config.with_filter("language", languages=("en",))
    local = clean_corpus(raw, tmp_path / "local", config)
    executor = make_executor("ray")
    try:
        clean_corpus(raw, tmp_path / "ray", config, executor=executor)
    finally:
        executor.close()
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    audit = [json.loads(x) for x in (tmp_path / "ray" / "audit.jsonl").read_text().splitlines()]
    assert {"rule": "language", "language": "de"} in [
        {"rule": r["rule"], "language": r.get("language")} for r in audit if r["source"] == "de.txt"
    ]
    assert "<EMAIL>" in (tmp_path / "ray" / "corpus.jsonl").read_text()
    assert local.documents_in > local.kept > 0


@pytest.mark.slow
def test_a_killed_driver_leaves_no_ray_process(tmp_path: Path) -> None:
    """kill -9 of a `cleaner run --executor ray` that started a local Ray instance: Ray
    ends every process of it (the raylet and GCS at once, the workers within seconds,
    the agents after up to a minute, which they spend trying to report the raylet's
    death to the dead GCS)."""
    raw = write_corpus(tmp_path / "raw", docs=600, seed=5)
    mark = f"CLEANER_TEST_RUN={uuid.uuid4().hex}"  # Ray's processes inherit it, orphans too
    name, value = mark.split("=")
    proc = cleaner(  # a process group of its own, so that its processes can be told by it
        "run",
        str(raw),
        str(tmp_path / "out"),
        "-q",
        "--executor",
        "ray",
        env={name: value},
        start_new_session=True,
    )
    try:
        while not any(p.command().endswith("_files") for p in descendants(proc.pid)):  # a task
            assert proc.poll() is None, "the run ended before a Ray task was seen"
            time.sleep(0.05)
        proc.send_signal(signal.SIGSTOP)  # hold the run where it is
        while (driver := read(proc.pid)) is not None and driver.state != "T":
            time.sleep(0.01)
        assert len(started_by(mark)) >= 5  # the driver, GCS, raylet, a worker, ...
        # the whole tree and the run's process group too: Ray's agents rewrite their
        # command line over the environment that started_by reads
        tree = {p.key: p for p in [*started_by(mark), *descendants(proc.pid), *in_group(proc.pid)]}
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
        left = wait_gone([*tree.values(), *in_group(proc.pid)], timeout=180)
        assert not left, f"still running after the driver was killed: {[p.name() for p in left]}"
    finally:
        proc.kill()
        proc.wait()
        kill_left([*started_by(mark), *in_group(proc.pid)])


@pytest.mark.slow
def test_a_stopped_clusters_address_does_not_hold_a_local_run(tmp_path: Path) -> None:
    """`--executor ray` with no address starts a local instance, also where the last
    `ray start` on the machine left the address of a cluster long stopped (Ray alone
    would try to join that one and wait for it)."""
    raw = write_corpus(tmp_path / "raw", docs=20, seed=7)
    temp = Path(tempfile.mkdtemp(prefix="r", dir="/tmp"))  # short: Ray's socket paths
    (temp / "ray").mkdir()
    (temp / "ray" / "ray_current_cluster").write_text("127.0.0.1:9\n")  # nothing there
    mark = f"CLEANER_TEST_RUN={uuid.uuid4().hex}"
    name, value = mark.split("=")
    env = {name: value, "TMPDIR": str(temp), "RAY_TMPDIR": str(temp), "RAY_ADDRESS": ""}
    args = ["run", str(raw), str(tmp_path / "ray"), "-q", "--executor", "ray"]
    proc = cleaner(*args, env=env, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        clean_corpus(raw, tmp_path / "local")
        assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    finally:
        proc.kill()
        proc.wait()
        kill_left([*started_by(mark), *in_group(proc.pid)])
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.parametrize("address", ["127.0.0.1:9", "ray://127.0.0.1:9"])
def test_a_cluster_address_that_takes_no_connection_is_a_one_line_error(
    tmp_path: Path, address: str
) -> None:
    """Ray retries such an address for ever, printing a line a second: the run never
    ended. Nothing listens on port 9 (discard) here."""
    raw = write_corpus(tmp_path / "raw", docs=3, seed=7)
    args = ["run", str(raw), str(tmp_path / "out"), "--executor", "ray", "--address", address]
    proc = cleaner(*args, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 2
        assert err.decode().splitlines() == [
            f"cleaner: error: cannot reach a Ray cluster at {address} (no connection: "
            "Connection refused); check --address (e.g. auto, or ray://HEAD:10001)."
        ]
    finally:
        proc.kill()
        proc.wait()
        kill_left(in_group(proc.pid))

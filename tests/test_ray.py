"""The Ray executor: the same task as Ray tasks, the same output bytes.

Ray starts once per test session, on one CPU and without its dashboard.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import ray

from cleaner import clean_corpus
from cleaner.executors import make_executor
from cleaner.integrations.ray import RayExecutor
from tests.scale_corpus import write_corpus
from tests.test_executor import outputs


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _double(x: int) -> int:
    return 2 * x


def test_ray_map_keeps_order(ray_cluster: None) -> None:
    executor = RayExecutor(in_flight=3)
    assert executor.workers == 1
    assert list(executor.map(_double, range(10))) == [2 * i for i in range(10)]


def test_ray_run_is_byte_identical_to_local(ray_cluster: None, tmp_path: Path) -> None:
    raw = write_corpus(tmp_path / "raw", docs=80, seed=3)
    local = clean_corpus(raw, tmp_path / "local")
    executor = make_executor("ray")
    try:
        report = clean_corpus(raw, tmp_path / "ray", executor=executor)
    finally:
        executor.close()
    assert report.duplicates == local.duplicates > 0
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")

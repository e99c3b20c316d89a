from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.document import Document
from tests.processes import started_by, wait_gone

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(__file__).resolve().parent / "seeds"
CASES = Path(__file__).resolve().parent / "cases"  # golden cases, see its README.md
# a Markdown code block, and its code as a run must keep it (indentation, inner spaces)
FIB_CODE = 'def fib(n):\n    a, b = 0, 1\n    while a < n:\n        print(a,  end=" ")'
FENCED_FIB = f"```python\n{FIB_CODE}\n```"
SESSION = "CLEANER_TEST_SESSION"  # in the environment of every process the tests start
CACHE = "CLEANER_CACHE_DIR"  # the tests' own model cache (cleaner.stages.filters.language_model)


def doc(text: str, source: str = "a.txt", **fields: object) -> Document:
    """A document for a test, with an id derived from its source."""
    return Document(id=source, source=source, text=text, **fields)  # type: ignore[arg-type]


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Write {relative name: text or bytes} under ``root``, making folders."""
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def corpus(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write {name: text} into tmp_path/raw and return that folder."""

    def make(files: dict[str, str | bytes]) -> Path:
        write_files(tmp_path / "raw", files)
        return tmp_path / "raw"

    return make


def pytest_sessionstart(session: pytest.Session) -> None:
    os.environ[SESSION] = f"{os.getpid()}-{time.time_ns()}"
    # the unpacked language model goes to a folder of the session's, not the user's cache
    os.environ[CACHE] = tempfile.mkdtemp(prefix="cleaner-test-cache-")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session when a process it started still runs: a worker, forkserver,
    resource tracker or Ray process that a test left, or that a killed run orphaned."""
    shutil.rmtree(os.environ.pop(CACHE, ""), ignore_errors=True)
    mark = f"{SESSION}={os.environ.get(SESSION)}"
    ours = {os.getpid(), *_helpers()}
    left = wait_gone([p for p in started_by(mark) if p.pid not in ours], timeout=60)
    if not left:
        return
    message = "processes started by the tests still run (now killed):\n  " + "\n  ".join(
        p.name() for p in left
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(message, red=True)
    else:
        print(message, file=sys.stderr)
    for process in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _helpers() -> set[int]:
    """The forkserver and resource tracker of this process: they end when it ends."""
    from multiprocessing import forkserver, resource_tracker

    pids = {
        getattr(forkserver._forkserver, "_forkserver_pid", None),
        getattr(resource_tracker._resource_tracker, "_pid", None),
    }
    return {pid for pid in pids if isinstance(pid, int)}

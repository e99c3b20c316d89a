"""The process table as /proc shows it (Linux), for tests that kill runs and count what is left,
and :func:`cleaner`, which starts ``python -m cleaner`` from this checkout in a process of its own.

A process is named by its pid and its start time together, so that a pid the system
has given to a new process since is not taken for the old one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    state: str  # R running, S sleeping, T stopped, Z exited but not reaped, ...
    group: int  # the process group: kept when the parent dies, whatever the command line says
    started: int  # clock ticks after boot
    cpu: int  # clock ticks of user and system time, its own and its reaped children's

    @property
    def key(self) -> tuple[int, int]:
        return (self.pid, self.started)

    def command(self) -> str:
        try:
            raw = (PROC / str(self.pid) / "cmdline").read_bytes()
        except OSError:
            return "?"
        return raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()

    def name(self) -> str:
        """The pid and the start of the command line, to name the process in a message."""
        command = self.command()
        return f"{self.pid} {command[:90]}{'...' if len(command) > 90 else ''}"


def read(pid: int) -> Process | None:
    """The process ``pid``, or None when there is none."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # from the third field, the state
    return Process(
        pid,
        int(fields[1]),
        fields[0],
        int(fields[2]),
        int(fields[19]),
        sum(map(int, fields[11:15])),
    )


def table() -> dict[int, Process]:
    """Every process on this machine, by pid."""
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (process := read(int(entry.name))) is not None:
            found[process.pid] = process
    return found


def descendants(pid: int, processes: dict[int, Process] | None = None) -> list[Process]:
    """The children of ``pid``, their children, and so on."""
    processes = table() if processes is None else processes
    children: dict[int, list[Process]] = {}
    for process in processes.values():
        children.setdefault(process.ppid, []).append(process)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child.pid)
    return found


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and its descendants."""
    processes = table()
    mine = [processes[pid]] if pid in processes else []
    return sum(p.cpu for p in mine + descendants(pid, processes)) / TICKS


def running(process: Process) -> bool:
    """Whether ``process`` still runs (an exited process not yet reaped does not)."""
    now = read(process.pid)
    return now is not None and now.started == process.started and now.state not in "ZX"


def kill_left(processes: list[Process]) -> None:
    """SIGKILL those of ``processes`` that still run: a failed test leaves nothing behind."""
    for process in processes:
        if running(process):
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)


def wait_gone(processes: list[Process], timeout: float) -> list[Process]:
    """Wait until none of ``processes`` runs, at most ``timeout`` seconds; return the rest."""
    deadline = time.monotonic() + timeout
    left = [p for p in processes if running(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if running(p)]
    return left


def in_group(group: int) -> list[Process]:
    """The running processes of process group ``group``.

    A process that rewrites its command line (Ray's agents do, with setproctitle) can
    clobber the environment /proc shows, so :func:`started_by` misses it; its group stays.
    """
    return [p for p in table().values() if p.group == group and running(p)]


def started_by(mark: str) -> list[Process]:
    """The running processes whose environment holds ``mark`` (``NAME=value``).

    A process keeps the environment it started with, also once its parent has died, so
    this finds the orphans of a test session as well as its children.
    """
    found = []
    entry = mark.encode()
    for process in table().values():
        try:
            environ = (PROC / str(process.pid) / "environ").read_bytes()
        except OSError:  # gone, or not ours to read
            continue
        if entry in environ.split(b"\0") and running(process):
            found.append(process)
    return found


def cleaner(*args: str, **popen: Any) -> subprocess.Popen[bytes]:
    """``python -m cleaner ARGS`` in a process of its own, quiet unless ``popen`` says."""
    from tests.conftest import ROOT  # not at the top: conftest imports this module

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        **popen.pop("env", {}),
    }
    options = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, **popen}
    return subprocess.Popen([sys.executable, "-m", "cleaner", *args], env=env, cwd=ROOT, **options)


def cli_run(raw: Path, out: Path, *args: str) -> subprocess.Popen[bytes]:
    """``cleaner run RAW OUT -q ARGS`` in a process of its own."""
    return cleaner("run", str(raw), str(out), "-q", *args)


IMPORTED_BY = os.getpid()  # the process that imported this module


def imported_by(_: object) -> tuple[int, int]:
    """(the process that imported this module, this process): a task for a pool."""
    return IMPORTED_BY, os.getpid()


def has_module(name: str) -> tuple[bool, int]:
    """(whether this process has imported the module ``name``, this process): a task."""
    return name in sys.modules, os.getpid()

"""A full disk while a run writes: one line saying so, and the previous output whole."""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import cleaner.run.corpus
import cleaner.run.tasks
from cleaner import clean_corpus
from cleaner.cli import cli
from cleaner.store.output import AtomicWriter
from cleaner.store.state import State
from tests.conftest import write_files
from tests.corpora import outputs, text


def full(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "corpus.jsonl")


def sqlite_full(*args: Any, **kwargs: Any) -> None:
    raise sqlite3.OperationalError("database or disk is full")


# (label, object, attribute, replacement): where the disk fills up
POINTS: list[tuple[str, Any, str, Callable[..., None]]] = [
    ("writing the corpus", AtomicWriter, "write_text", full),
    ("committing the state", State, "commit", sqlite_full),
    ("keeping repaired documents", cleaner.run.tasks.pickle, "dump", full),
]


@pytest.mark.parametrize("point", POINTS, ids=[p[0] for p in POINTS])
@pytest.mark.parametrize("first_run", [True, False], ids=["first run", "later run"])
def test_a_full_disk_leaves_the_previous_output(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    point: tuple[str, Any, str, Callable[..., None]],
    first_run: bool,
) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {f"doc{i}.txt": text(i) for i in range(4)})
    if not first_run:
        clean_corpus(raw, out)
        before = outputs(out)
        write_files(raw, {"doc9.txt": text(9), "doc0.txt": text(10)})
    _, owner, name, replacement = point
    with monkeypatch.context() as patch:
        patch.setattr(owner, name, replacement)
        result = CliRunner().invoke(cli, ["run", str(raw), str(out), "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert "previous output is unchanged" in result.output and "Free some space" in result.output
    if first_run:
        assert not (out / "manifest.json").exists() and not (out / "corpus.jsonl").exists()
    else:
        assert outputs(out) == before
    clean_corpus(raw, out)  # with space again, the next run completes as if nothing happened
    assert outputs(out) == outputs(clean_corpus(raw, tmp_path / "fresh").output)  # type: ignore[arg-type]
    assert not [p for p in (out / ".cleaner").rglob("*") if p.name.endswith((".tmp", ".new"))]


def test_other_os_errors_are_not_called_a_full_disk() -> None:
    with pytest.raises(PermissionError), cleaner.run.corpus._disk_errors(Path("out")):
        raise PermissionError(errno.EACCES, "Permission denied", "x")

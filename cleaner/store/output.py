"""Atomic file writes: a temporary file in the same folder, then ``os.replace``."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def dumps(record: dict[str, Any]) -> str:
    """One JSON line: UTF-8 text, sorted keys, so output is byte-stable."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def _file_mode() -> int:
    """The mode a file made with ``open`` gets: 0o666 less the process's umask (which
    can only be read by setting it, so it is read once, at import)."""
    umask = os.umask(0o077)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


class AtomicWriter:
    """Write a file under a temporary name and move it into place on ``commit``, with
    the mode ``open`` would give it.

    Keeps a running sha256 and line count of what was written.
    """

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        os.fchmod(fd, FILE_MODE)  # mkstemp's 0o600 would keep the corpus from its readers
        self._tmp = Path(name)
        self._file = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self._hash = hashlib.sha256()
        self.lines = 0
        self.bytes = 0

    def write_line(self, line: str) -> None:
        data = line + "\n"
        self._file.write(data)
        encoded = data.encode("utf-8")
        self._hash.update(encoded)
        self.lines += 1
        self.bytes += len(encoded)

    def write_text(self, text: str) -> None:
        self._file.write(text)
        encoded = text.encode("utf-8")
        self._hash.update(encoded)
        self.bytes += len(encoded)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def commit(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._tmp, self.dest)

    def abort(self) -> None:
        self._file.close()
        self._tmp.unlink(missing_ok=True)


def write_jsonl(dest: Path, records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Write records as JSONL atomically; return {"sha256", "records", "bytes"}."""
    writer = AtomicWriter(dest)
    try:
        for record in records:
            writer.write_line(dumps(record))
    except BaseException:
        writer.abort()
        raise
    writer.commit()
    return {"sha256": writer.sha256, "records": writer.lines, "bytes": writer.bytes}


def write_json(dest: Path, data: dict[str, Any]) -> None:
    """Write one JSON document atomically, pretty and with sorted keys."""
    writer = AtomicWriter(dest)
    try:
        writer.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n")
    except BaseException:
        writer.abort()
        raise
    writer.commit()

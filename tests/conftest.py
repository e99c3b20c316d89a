from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.document import Document

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(__file__).resolve().parent / "seeds"


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

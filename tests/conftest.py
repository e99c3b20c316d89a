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


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def corpus(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write {name: text} into tmp_path/raw and return that folder."""

    def make(files: dict[str, str | bytes]) -> Path:
        raw = tmp_path / "raw"
        for name, body in files.items():
            path = raw / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(body, bytes):
                path.write_bytes(body)
            else:
                path.write_text(body, encoding="utf-8")
        return raw

    return make

"""The boilerplate stage: the five seed pages, golden cases, and the config switches."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cleaner.config import BoilerplateConfig
from cleaner.stages.boilerplate import strip_boilerplate

HERE = Path(__file__).parent
SEEDS = sorted((HERE / "seeds" / "raw").glob("*.txt"))


def repair(text: str) -> str:
    """The seeds' repair: line endings, trailing spaces, blank-line runs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


@pytest.mark.parametrize("raw", SEEDS, ids=lambda p: p.stem)
def test_seed(raw: Path) -> None:
    expected: dict[str, Any] = json.loads(
        (HERE / "seeds" / "expected" / f"{raw.stem}.json").read_text(encoding="utf-8")
    )
    got = strip_boilerplate(repair(raw.read_text(encoding="utf-8")))
    assert (got.title, got.date) == (expected["title"], expected["date"])
    assert got.text == expected["text"]


def test_default_config_is_used() -> None:
    assert strip_boilerplate("Hello there.", BoilerplateConfig()).text == "Hello there."

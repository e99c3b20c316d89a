from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cleaner.config import RepairConfig
from cleaner.stages.repair import RepairText, repair_text
from tests.conftest import doc


def load_cases(name: str) -> list[dict[str, Any]]:
    cases = json.loads((Path(__file__).parent / "cases" / f"{name}.json").read_text("utf-8"))
    return [
        pytest.param(c, marks=pytest.mark.xfail(strict=True)) if c["expect"] == "xfail" else c
        for c in cases
    ]


@pytest.mark.parametrize("case", load_cases("repair"), ids=lambda c: c["label"])
def test_repair_case(case: dict[str, Any]) -> None:
    assert repair_text(case["input"])[0] == case["expected"]


def test_uncurl_quotes_is_configurable() -> None:
    assert repair_text("“Yes”", RepairConfig(uncurl_quotes=True))[0] == '"Yes"'


def test_stage_records_each_fix_and_leaves_clean_text_alone() -> None:
    stage = RepairText()
    fixed = stage.apply(doc("cafÃ© &amp; co"))
    assert fixed.text == "café & co"
    assert {c.rule for c in fixed.changes} == {"fix-mojibake", "unescape-html"}
    clean = doc("Already clean.")
    assert stage.apply(clean) is clean


def test_repair_is_idempotent() -> None:
    once = repair_text("cafÃ© \r\n\r\n\r\n x\u00a0y")[0]
    assert repair_text(once) == (once, [])

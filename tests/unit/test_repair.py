from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import ftfy
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner.config import RepairConfig
from cleaner.stages.repair import REPAIR_ROUNDS, RepairText, repair_text
from tests.conftest import CASES, doc


def load_cases(name: str) -> list[dict[str, Any]]:
    cases = json.loads((CASES / f"{name}.json").read_text("utf-8"))
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


_OLD_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_OLD_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def old_repair(text: str) -> str:
    """repair_text's text as first written: whitespace and blank lines line by line."""
    config = RepairConfig()
    cfg = ftfy.TextFixerConfig(
        unescape_html=config.unescape_html,
        uncurl_quotes=config.uncurl_quotes,
        fix_encoding=config.fix_mojibake,
        normalization=None,
    )
    # the whole text at once, as repair_text does: ftfy.fix_text would fix it line by
    # line, and "€\n¬Ñ" then reads "¬Ñ" alone as Mac Roman mojibake of "„"
    fixed = ftfy.fix_and_explain(text, config=cfg)[0]
    text = unicodedata.normalize(config.normalization, fixed)  # type: ignore[arg-type]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    spaced = _OLD_ZERO_WIDTH.sub("", text)
    spaced = "\n".join(_OLD_SPACES.sub(" ", line).strip() for line in spaced.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", spaced).strip("\n")


def old_repair_settled(text: str) -> str:
    """:func:`old_repair` again until the text stops changing, as repair_text's rounds
    go on: trimming can expose mojibake (a no-break space, then "\\u00c2\\x80", reads as
    the euro sign only once the space is gone)."""
    for _ in range(REPAIR_ROUNDS):
        fixed = old_repair(text)
        if fixed == text:
            break
        text = fixed
    return text


SPACY = [
    "",
    " ",
    "a b",
    "a  b\t\tc \u00a0 d\u3000e",
    "\u2002lead and trail\u205f ",
    "zero\u200bwidth\ufeff and\u200d joiners",
    "line one \n\n\n\n  line two\x1c\n\u2028 three\r\n ",
    "\n\n\nx\n\n\n",
    "tab\tonly",
    "\u00a0",
]


@pytest.mark.parametrize("text", SPACY)
def test_whitespace_steps_match_the_plain_ones(text: str) -> None:
    assert repair_text(text)[0] == old_repair(text)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.text(" \t\n\r\u00a0\u2003\u3000\u200b\ufeffab\x1c\u2028.")))
@example("\x80\r\u00ac\u00d1")  # found by hypothesis: a line-by-line oracle read "¬Ñ" as "„"
def test_whitespace_steps_match_on_random_text(text: str) -> None:
    assert repair_text(text)[0] == old_repair_settled(text)

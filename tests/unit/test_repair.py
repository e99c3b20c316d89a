from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import ftfy
import pytest
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES, is_bad
from ftfy.chardata import CONTROL_CHARS, LIGATURES, WIDTH_MAP
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner.config import NORMAL_FORMS, RepairConfig
from cleaner.readers import read_file
from cleaner.stages import repair
from cleaner.stages.repair import (
    ASCII_TRIGGERS,
    BAD_REACH,
    REPAIR_ROUNDS,
    RepairText,
    _ftfy_config,
    _ftfy_triggers,
    fenced_lines,
    ftfy_unchanged,
    looks_bad,
    repair_text,
)
from tests.conftest import CASES, FENCED_FIB, FIB_CODE, doc


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


def test_the_c1_codes_ftfy_leaves_are_taken_out() -> None:
    """0x81, 0x8D, 0x8F, 0x90 and 0x9D have no Windows-1252 character, so ftfy's
    fix_c1_controls keeps them; 0x9D starts a command some terminals obey."""
    text = "Window \u009d0;TITLE\u0007 here, \u0081\u008d\u008f\u0090 gone."
    assert ftfy.fix_text(text) != text and "\u009d" in ftfy.fix_text(text)
    fixed, fixes = repair_text(text)
    assert fixed == "Window 0;TITLE here, gone." and "control-characters" in fixes
    assert repair_text(fixed) == (fixed, [])


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
    # line, and "€\n¬Ñ" then reads "¬Ñ" alone as Mac Roman mojibake of "„"; a line
    # that ends in the first character of a two-byte sequence gets a space for the
    # no-break space a flattener may have trimmed after it (as in "\u00c2\u00a0"), and a
    # space ftfy leaves goes with the rest of the line's end below
    spaced = re.sub(r"([\u00c2-\u00df])(?=\n|\Z)", r"\1 ", text)
    fixed = ftfy.fix_and_explain(spaced, config=cfg)[0]
    fixed = re.sub("[\x80-\x9f]", "", fixed)  # the C1 codes ftfy leaves are taken out
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
@example("cats.\u00c2\nIRM\u00c3\r\u00c2")  # a no-break space cut at a line's end
def test_whitespace_steps_match_on_random_text(text: str) -> None:
    assert repair_text(text)[0] == old_repair_settled(text)


def test_verbatim_lines_keep_their_spaces_and_the_others_are_trimmed() -> None:
    text = "def f(x):\n    return  x  \n  Body  text  here.  \n\tlast"
    fixed, fixes = repair_text(text, verbatim={0, 1, 3})
    assert fixed == "def f(x):\n    return  x\nBody text here.\n\tlast" and fixes == ["whitespace"]
    assert repair_text(fixed, verbatim={0, 1, 3}) == (fixed, [])  # repaired: settled
    # blank lines that go move no line that holds text: the second round keeps them too
    assert repair_text("\n\nx:\n    y  z\n  w\n\n\n", verbatim={3})[0] == "x:\n    y  z\nw"
    # a repaired line break adds a line: the places name none of them, all trimmed
    assert repair_text("a\n    b  c\rd", verbatim={1})[0] == "a\nb c\nd"


def test_the_stage_keeps_the_spaces_of_lines_the_markup_puts_in_pre() -> None:
    from cleaner.document import Document
    from cleaner.html.flatten import HINTS, NEUTRAL

    pre = tuple(1.0 if name == "in_pre" else v for name, v in zip(HINTS, NEUTRAL, strict=True))
    text = "Call it so:\n  f(x,  y)  \n  Then  stop."
    page = Document("1", "a.html", text, hints=(NEUTRAL, pre, NEUTRAL))
    assert RepairText().apply(page).text == "Call it so:\n  f(x,  y)\nThen stop."
    assert RepairText().apply(doc(text)).text == "Call it so:\nf(x, y)\nThen stop."  # text


def test_a_no_break_space_the_flattener_trimmed_is_mojibake_undone(tmp_path: Path) -> None:
    # a page that was itself mojibake: "\u00c2\u00a0" is UTF-8's no-break space read as
    # cp1252, and flattening trims the no-break space with the end of the block
    html = (
        "<html><body><p>The average premium was $32.21 for cats.\u00c2\u00a0</p>"
        "<pre>  keep  = 1  \u00c2\u00a0</pre><p>IRM\u00c3\u00a0</p></body></html>"
    )
    (tmp_path / "a.html").write_text(html, "utf-8")
    [page] = read_file(tmp_path / "a.html", "a.html").documents
    assert "cats.\u00c2\n" in page.text  # what the repair stage is given
    fixed = RepairText().apply(page)
    assert fixed.text.split("\n") == [
        "The average premium was $32.21 for cats.",
        "",
        "  keep  = 1",
        "",
        "IRM\u00e0",  # "\u00c3\u00a0" was "\u00e0", as the page's other mojibake says
    ]
    assert {c.rule for c in fixed.changes} == {"fix-mojibake", "whitespace"}
    # where ftfy leaves the space it was given, the text is as it came, with no fix named
    for text, verbatim in (("IRM\u00c3\nCONTACT US \u00d7", ()), ("  f(x)  \u00d7", (0,))):
        assert repair_text(text, verbatim=verbatim) == (text, [])
    assert repair_text("caf\u00c3\u00a9 ok\nCONTACT US \u00d7") == (
        "caf\u00e9 ok\nCONTACT US \u00d7",
        ["fix-mojibake"],  # ftfy ran, and left the space
    )


MARKDOWN = f"""To define a function in Python, use the def statement followed by its name.

{FENCED_FIB}

~~~
  indented  output
~~~
    an indented line outside a fence is trimmed."""


def test_markdown_code_keeps_its_spaces_and_the_rest_is_trimmed() -> None:
    fixed = RepairText().apply(doc(MARKDOWN)).text
    assert FIB_CODE in fixed
    assert "\n  indented  output\n" in fixed
    assert fixed.endswith("\nan indented line outside a fence is trimmed.")
    unclosed = MARKDOWN.replace("~~~\n  indented  output\n~~~", "```\n  no  close")
    assert "\nno close\n" in RepairText().apply(doc(unclosed)).text  # a fence never closed
    assert fenced_lines("```js x`y\n  a\n```") == frozenset()  # a backtick in the info string


# -- skipping ftfy on text it cannot change ------------------------------------------------

# one text for each thing ftfy's fixes act on (as repair_text configures it)
FTFY_FIXES = {
    "mojibake": "caf\u00c3\u00a9 cr\u00c3\u00a8me",
    "mojibake-cp1252-quote": "it\u00e2\u20ac\u2122s",
    "mojibake-windows-1251": "\u0432\u0402\u201c a dash",
    "restore-byte-a0": "voil\u00c3 le travail",
    "lossy-sequence": "\u00e2\u20ac\ufffd quoted",
    "inconsistent-utf8": "Ã¡rbol \u2019quote\u2019",
    "c1-controls": "a\x80b and \x9f",
    "next-line": "one\x85two",
    "entity-named": "fish &amp; chips",
    "entity-numeric": "&#233;t&#xe9;",
    "entity-capitals": "P&EACUTE;REZ",
    "terminal-escape": "\x1b[31mred\x1b[0m",
    "control-nul": "a\x00b",
    "control-bell": "ring\x07",
    "control-delete": "del\x7f",
    "control-arabic": "x\u206ay",
    "control-annotation": "x\ufff9y\ufffb",
    "object-replacement": "x\ufffcy",
    "byte-order-mark": "\ufeffstart",
    "carriage-return": "a\r\nb\rc",
    "line-separator": "a\u2028b\u2029c",
    "ligature": "\ufb01nd the \ufb04",
    "ligature-dutch": "\u0132sselmeer",
    "full-width": "\uff28\uff45\uff4c\uff4c\uff4f\uff01",
    "half-width-katakana": "\uff76\uff80\uff76\uff85",
    "ideographic-space": "a\u3000b",
    "surrogate": "a\ud800b",
    "surrogate-pair": "\ud83d\ude00",
}


def _ftfy(text: str, config: RepairConfig = RepairConfig()) -> tuple[str, list[Any]]:
    """What repair_text's call to ftfy gives, always calling it."""
    fixed, steps = ftfy.fix_and_explain(text, config=_ftfy_config(config))
    return fixed, list(steps or [])


@pytest.mark.parametrize("text", FTFY_FIXES.values(), ids=FTFY_FIXES.keys())
def test_ftfy_is_called_on_every_fix_it_has(text: str) -> None:
    assert _ftfy(text) != (text, [])  # the example is one ftfy does change
    assert not ftfy_unchanged(text)
    assert not ftfy_unchanged(f"Plain words around it. {text} And after.")


def test_curly_quotes_reach_ftfy_only_when_uncurling() -> None:
    text = "\u201cYes\u201d, it\u2019s \u02bcok"
    assert ftfy_unchanged(text)
    assert not ftfy_unchanged(text, RepairConfig(uncurl_quotes=True))
    assert not ftfy_unchanged("&amp;", RepairConfig())
    assert ftfy_unchanged("&amp;", RepairConfig(unescape_html=False))
    assert ftfy_unchanged("caf\u00c3\u00a9", RepairConfig(fix_mojibake=False))


@pytest.mark.parametrize(
    "text", ["", "plain ASCII, AT&T & co", "caf\u00e9 \u2014 na\u00efve \u201cok\u201d"]
)
def test_clean_text_skips_ftfy(text: str) -> None:
    assert ftfy_unchanged(text)
    assert _ftfy(text) == (text, [])


@pytest.mark.parametrize("config", [RepairConfig(), RepairConfig(uncurl_quotes=True)])
def test_the_ascii_triggers_are_ftfys(config: RepairConfig) -> None:
    """ASCII text is judged without ftfy's tables: the ASCII characters they hold."""
    ascii_chars = [chr(c) for c in range(128)]
    expected = [c for c in ascii_chars if _ftfy_triggers(config).search(c)]
    assert [c for c in ascii_chars if ASCII_TRIGGERS.search(c)] == expected
    for c in ascii_chars:
        text = f"a{c}b"
        if c != "&" and not ASCII_TRIGGERS.search(c):
            assert ftfy_unchanged(text, config)
            assert _ftfy(text, config) == (text, [])


def test_plain_ascii_text_is_repaired_without_loading_ftfy() -> None:
    """ftfy's tables load on the first text it may change: a run of plain ASCII text
    (a commit's new files, a first try) starts without them."""
    code = (
        "import sys; from cleaner.stages.repair import repair_text;"
        "print(repair_text('Plain  text.\\n\\n\\nAT and T'), 'ftfy' in sys.modules);"
        "print(repair_text('AT&amp;T'), 'ftfy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    assert out == [
        "('Plain text.\\n\\nAT and T', ['whitespace', 'blank-lines']) False",
        "('AT&T', ['unescape-html']) True",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("config", [RepairConfig(), RepairConfig(uncurl_quotes=True)])
def test_no_single_character_ftfy_changes_is_skipped(config: RepairConfig) -> None:
    """Every code point of the Basic Multilingual Plane and a sample beyond it, alone
    and between letters."""
    for cp in [*range(0x10000), *range(0x10000, 0x110000, 97)]:
        for text in (chr(cp), f"a{chr(cp)}b"):
            if ftfy_unchanged(text, config):
                assert _ftfy(text, config) == (text, []), hex(cp)


def _ftfy_alphabet() -> list[str]:
    """Characters ftfy acts on or reads as mojibake, and their neighbours."""
    chars = {*"aZ &#;[m0.\n\t ", "\x1b", "\r", "\u2028", "\u2029", "\x85", "\ufeff"}
    chars |= {chr(c) for c in [*LIGATURES, *list(WIDTH_MAP)[::7], *CONTROL_CHARS]}
    chars |= {chr(c) for c in range(0x80, 0x100)}
    for category in MOJIBAKE_CATEGORIES.values():
        chars |= set(category)
    chars |= set("\u2018\u2019\u201c\u201d\u02bc\u0432\u0402\u0393\u03b2\u20ac\ud800\udc00")
    return sorted(chars)


_RISKY_TEXT = st.one_of(
    st.text(st.sampled_from(_ftfy_alphabet()), max_size=12),
    st.lists(
        st.sampled_from(
            [
                "&amp;",
                "&EACUTE;",
                "&#233;",
                "\u00c3\u00a9",
                "\u00e2\u20ac\u2122",
                "\u00c3 ",
                "plain ",
                "\u00e9",
                "\u2019",
            ]
        ),
        max_size=6,
    ).map("".join),
    st.text(max_size=20),
)


@settings(max_examples=3000, deadline=None)
@given(_RISKY_TEXT, st.booleans())
@example("\u00c3 ", False)
@example("a \u00c2 \u201c", False)
def test_ftfy_leaves_alone_what_the_check_skips(text: str, uncurl: bool) -> None:
    config = RepairConfig(uncurl_quotes=uncurl)
    if ftfy_unchanged(text, config):
        assert _ftfy(text, config) == (text, [])


@settings(max_examples=1000, deadline=None)
@given(_RISKY_TEXT, st.text(st.sampled_from("ab .,\n"), max_size=30))
def test_looks_bad_is_ftfys_is_bad(text: str, gap: str) -> None:
    for case in (text, gap + text + gap + text, text + gap):
        assert looks_bad(case) == is_bad(case)


def test_ftfys_mojibake_sequences_are_short_and_hold_non_ascii() -> None:
    """What looks_bad relies on, read from ftfy's pattern: no sequence longer than
    BAD_REACH - 1, no lookaround or anchor but the start, and in each alternative a
    character that must be non-ASCII."""
    from re import _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    assert parsed.getwidth()[1] <= BAD_REACH - 1
    assert not BADNESS_RE.flags & re.MULTILINE
    [(op, (_, branches))] = parsed.data
    assert op == _parser.BRANCH
    for branch in branches:
        looks = [arg for op, arg in _walk(branch) if str(op) in ("AT", "ASSERT", "ASSERT_NOT")]
        assert looks in ([], [_parser.AT_BEGINNING]), branch
        assert looks == [] or str(branch[0][0]) == "AT"
        assert any(_only_non_ascii(item) for item in branch), branch


def _walk(items: Any) -> Iterator[tuple[Any, Any]]:
    """Every (op, arg) of a parsed pattern, nested ones too."""
    for op, arg in items:
        yield op, arg
        yield from _nested(arg)


def _nested(arg: Any) -> Iterator[tuple[Any, Any]]:
    if hasattr(arg, "data"):
        yield from _walk(arg.data)
    elif isinstance(arg, tuple | list):
        for part in arg:
            yield from _nested(part)


def _only_non_ascii(item: Any) -> bool:
    op, arg = item
    if str(op) == "LITERAL":
        return bool(arg > 0x7F)
    if str(op) == "IN":
        return all(
            (str(kind) == "LITERAL" and value > 0x7F) or (str(kind) == "RANGE" and value[0] > 0x7F)
            for kind, value in arg
        )
    return False


def repair_always_calling_ftfy(
    text: str, config: RepairConfig = RepairConfig()
) -> tuple[str, list[str]]:
    """repair_text with its check forced to say "ftfy may change it" in every round."""
    with mock.patch.object(repair, "ftfy_unchanged", lambda text, config=None: False):
        return repair_text(text, config)


def test_repair_is_the_same_with_ftfy_always_called() -> None:
    texts = [
        *FTFY_FIXES.values(),
        "caf\u00e9 \u201cok\u201d  x",
        "a\r\n\r\n\r\nb &amp; \u00c3\u00a9",
    ]
    assert [repair_text(t) for t in texts] == [repair_always_calling_ftfy(t) for t in texts]


# text as scrapes damage it: UTF-8 read in a one-byte encoding, once or twice, cut anywhere
_MOJIBAKE_ENCODINGS = [
    "sloppy-windows-1252",
    "latin-1",
    "mac_roman",
    "sloppy-windows-1251",
    "sloppy-windows-1250",
    "cp437",
]
_WRITTEN = st.text(
    st.sampled_from(
        [
            *"aeZ .,'\"-\n\u00a0\u0301",
            *"\u00e9\u00e0\u00fc\u00df\u00c9\u20ac\u00a3\u00a9\u2122",
            *"\u201c\u201d\u2018\u2019\u2013\u2014\u2026\u2022\u0416\u03a9\u65e5\ud55c\U0001f600",
        ]
    ),
    max_size=12,
)


@st.composite
def _mojibake(draw: st.DrawFn) -> str:
    text = draw(_WRITTEN)
    for _ in range(draw(st.integers(1, 2))):
        text = text.encode("utf-8").decode(draw(st.sampled_from(_MOJIBAKE_ENCODINGS)), "replace")
    cut = draw(st.integers(0, len(text)))
    return draw(st.sampled_from([text, text[:cut], text[cut:]]))


_PIECES = st.sampled_from(
    [
        *FTFY_FIXES.values(),
        *["&amp;amp;", "&amp", "&#233", "&eacute", "&nTILDE;", "&#128;", "&#xD800;", "AT&T"],
        *["&#x110000;", "\u00a0\u00c2", "\u00e2\u20ac", "\u00c3 ", "e\u0301", "\u200b", "\u202f"],
        *["\r\n", "\n\n\n", " \n ", "\u2019", "\u201c", "\x00", "\x7f", "\x85", "\ud83d\ude00"],
    ]
)
_CONFIGS = st.builds(
    RepairConfig,
    uncurl_quotes=st.booleans(),
    fix_mojibake=st.booleans(),
    unescape_html=st.booleans(),
    normalization=st.sampled_from(NORMAL_FORMS),
    collapse_blank_lines=st.booleans(),
)
_DAMAGE = st.one_of(_PIECES, _mojibake())


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        _RISKY_TEXT,
        # one piece of damage in ordinary text, where a character the check missed shows
        st.tuples(_WRITTEN, _DAMAGE, _WRITTEN).map("".join),
        st.lists(st.one_of(_DAMAGE, _WRITTEN), max_size=6).map("".join),
    ),
    _CONFIGS,
)
def test_repair_is_the_same_with_ftfy_always_called_on_any_text(
    text: str, config: RepairConfig
) -> None:
    """Skipping ftfy changes neither the text nor the fixes named, under any [repair]."""
    assert repair_text(text, config) == repair_always_calling_ftfy(text, config)

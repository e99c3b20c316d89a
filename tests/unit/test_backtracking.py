"""The rule patterns that a line could make backtrack without end, and their plain forms.

Each pattern below was written at first so that two adjacent parts could take the same
characters (``\\W*`` beside ``\\W*``, ``\\s*`` around an optional separator, ``\\s+``
tried from every space of a run, a word cut at every "and" in it): a line of a few
hundred such characters took seconds to minutes, in every pass of the boilerplate stage.
The shipped patterns take each run one way. They must take the same strings as the
plain forms kept in :mod:`tests.oracles` (short strings, where the plain ones are
fast), and must get through the lines that stalled the plain ones.
"""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.rules import features, meta, patterns
from tests import oracles


def pieces(*parts: str) -> st.SearchStrategy[str]:
    """Strings of up to 10 of ``parts``: the characters and words a pattern turns on."""
    return st.lists(st.sampled_from(parts), max_size=10).map("".join)


def outcome(m: re.Match[str] | None) -> tuple[tuple[int, int], tuple[str | None, ...]] | None:
    return None if m is None else (m.span(), m.groups())


METADATA_TEXT = pieces(
    "published", "Updated", " on ", " by ", "5", " min", " read", "read time", "reading time",
    " views", "1", "k", " ", "-", ",", ".", "x", "minutes", " ago", "reads", "shares", ":",
    "date", "June 6, 2024", "12:30", " at ", "pm", "GMT", "\x0c", "—", "Posted on",
    "views 1,2", "3.4k views", "5 min read", "reading time: 4", "2 days ago",
)  # fmt: skip
PLAIN_METADATA = re.compile(oracles.PLAIN_METADATA, re.IGNORECASE)
PLAIN_DATE_PREFIX = re.compile(
    meta.DATE_PREFIX.pattern.replace(*reversed(oracles.PLAIN_DATE_SEPARATOR)).replace(
        *reversed(oracles.PLAIN_TIME_SEPARATOR)
    ),
    re.IGNORECASE,
)
PLAIN_TEMPLATE = re.compile(oracles.PLAIN_TEMPLATE)
PLAIN_URL = re.compile(oracles.PLAIN_URL, re.IGNORECASE)
PLAIN_EMAIL = re.compile(oracles.PLAIN_EMAIL)
PLAIN_ITEM_SEP = re.compile(oracles.PLAIN_ITEM_SEP)
PLAIN_PRICE = re.compile(oracles.PLAIN_PRICE, re.IGNORECASE)
PLAIN_COUNT_OF = re.compile(
    oracles.PLAIN_COUNT_OF.format(words="|".join(features._COUNTED)), re.IGNORECASE
)
COUNT_OF = re.compile(features._COUNT_OF, re.IGNORECASE)
BYLINE = next(pat for rule, pat, _, _ in patterns._COMPILED if rule == "byline")
PLAIN_BYLINE = re.compile(
    BYLINE.pattern.replace(r"(?<=\s)and", "and").replace(*reversed(oracles.PLAIN_BYLINE_SEPARATOR))
)


def test_the_plain_forms_are_the_shipped_ones_but_for_the_rewrite() -> None:
    """The date prefix and the byline are compared with their plain forms made from the
    shipped pattern: each rewrite must be in it, once, or the comparison would be void."""
    assert PLAIN_DATE_PREFIX.pattern != meta.DATE_PREFIX.pattern
    assert meta.DATE_PREFIX.pattern.count(oracles.PLAIN_DATE_SEPARATOR[1]) == 1
    assert meta.DATE_PREFIX.pattern.count(oracles.PLAIN_TIME_SEPARATOR[1]) == 1
    assert BYLINE.pattern.count(r"(?<=\s)and") == 1
    assert BYLINE.pattern.count(oracles.PLAIN_BYLINE_SEPARATOR[1]) == 1


@settings(max_examples=1000, deadline=None)
@given(METADATA_TEXT)
def test_metadata_and_date_lines_as_the_plain_forms(text: str) -> None:
    assert outcome(meta.METADATA.match(text)) == outcome(PLAIN_METADATA.match(text))
    assert outcome(meta.DATE_PREFIX.match(text)) == outcome(PLAIN_DATE_PREFIX.match(text))


@settings(max_examples=1000, deadline=None)
@given(pieces("__a__", "_", "a", "{{x}}", "{%a%}", "${a}", "%a%", "[[a]]", " ", "!", "__", "\t"))
def test_template_slots_as_the_plain_form(text: str) -> None:
    assert bool(patterns.TEMPLATE.fullmatch(text)) == bool(PLAIN_TEMPLATE.fullmatch(text))


@settings(max_examples=1000, deadline=None)
@given(pieces("a.com", "/", "x", "<", ">", "http://", "www.", "@", "b", ".", " ", "a.org"))
def test_addresses_as_the_plain_forms(text: str) -> None:
    assert outcome(patterns.URL.match(text)) == outcome(PLAIN_URL.match(text))
    if "<EMAIL>" not in text:  # the placeholder's branch is not rewritten
        assert bool(patterns.EMAIL.match(text)) == bool(PLAIN_EMAIL.match(text))


@settings(max_examples=1000, deadline=None)
@given(pieces("a", " ", "|", "/", "»", "•", "\t", "b", "  "))
def test_item_separators_split_as_the_plain_form(text: str) -> None:
    assert patterns._ITEM_SEP.split(text) == PLAIN_ITEM_SEP.split(text)


@settings(max_examples=1000, deadline=None)
@given(
    pieces("1", ",", ".", "2", " ", "USD", "€", "$", "k", "m", " items", "replies", "x", "/", "5")
)
def test_prices_and_counts_as_the_plain_forms(text: str) -> None:
    assert bool(features.PRICE.search(text)) == bool(PLAIN_PRICE.search(text))
    assert bool(COUNT_OF.search(text)) == bool(PLAIN_COUNT_OF.search(text))


@settings(max_examples=1000, deadline=None)
@given(
    pieces("By ", "by ", "Jane", "Doe", " and ", " ", ",", "&", " | ", " - ", "O'Neil", "-", ":")
)
def test_bylines_as_the_plain_form_where_and_stands_apart(text: str) -> None:
    """The one change: "and" joins two names only after a space, as a byline writes it
    ("Jane and John", "Jane, John"); cut inside a word ("XyandXyand"), every cut was
    tried. The strings here hold "and" as a word only."""
    assert outcome(BYLINE.match(text)) == outcome(PLAIN_BYLINE.match(text))


# lines that took seconds to hours with the plain forms (measured; each grows as a
# power of its length, or doubles with every few characters more)
STALLING = [
    "Published" + "." * 2000 + "x",
    "views 1" + "," * 20000 + "x",
    "5 min" + " " * 20000 + "x",
    "Updated" + " -" * 2000 + " x",
    "{{x}} " * 60 + "!",
    "__a__" * 60 + "!",
    "By " + "Xyand" * 60 + "!",
    "By " + "\t" * 100000 + "x",
    "1," * 20000 + "x",
    "1," * 20000 + " x/",
    "a/b" + " " * 20000 + "c",
    "date" + " " * 8000 + "x",
    "a.com/" * 5000 + " b",
    "a@a." * 8000 + " b",
]


def test_the_lines_that_stalled_the_plain_forms_are_judged() -> None:
    """In a process of its own, so that a pattern that backtracks again fails the test
    at the timeout instead of holding the test run: each line takes milliseconds (the
    plain forms: minutes to hours for the shortest of them)."""
    script = (
        "import sys, json\n"
        "from cleaner.rules import features, meta, patterns\n"
        "for line in json.load(sys.stdin):\n"
        "    patterns.find_line_rule(line); patterns.byline_names(line)\n"
        "    patterns.is_link_row(line); patterns.is_link_list(line)\n"
        "    meta.is_metadata(line); meta.parse_date_line(line)\n"
        "    features.PRICE.search(line); features._COUNT_OF_SCAN.search(line)\n"
        "print('judged', flush=True)\n"
    )
    import json

    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(STALLING),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "judged\n"

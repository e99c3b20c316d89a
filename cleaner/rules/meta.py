"""Metadata lines: dates, reading times, "Published" stubs, and headline candidates.

A date line gives the record its ``date`` (ISO ``YYYY-MM-DD``). When a date prefix
("date 2024-06-20 ...", "Published June 20, 2024 ...") sits in front of body text,
only the prefix goes; the rest of the line is kept.

>>> parse_date_line("Published June 20, 2024 - 00:06am")
('2024-06-20', '')
>>> parse_date_line(" date 2024-06-20 HANOI, June 20 (Reuters) - Putin arrived.")
('2024-06-20', 'HANOI, June 20 (Reuters) - Putin arrived.')
>>> parse_date_line("The budget for June 20, 2024 was cut.") is None
True
"""

from __future__ import annotations

import datetime
import re

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_MON = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE = (
    r"(?P<iso>(?P<y1>\d{4})[-/.](?P<m1>\d{1,2})[-/.](?P<d1>\d{1,2}))"
    rf"|(?:{_MON}\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}}))"
    rf"|(?:(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon3>[A-Za-z]{{3,9}})\.?,?\s+(?P<y3>\d{{4}}))"
)
_MARKER = (
    r"(?:date|dated|published(?: on| at)?|posted(?: on| at)?|updated(?: on| at)?|last updated"
    r"(?: on)?|first published(?: on)?|modified(?: on)?|released(?: on)?|on)"
)
_TIME = (  # (a separator's spaces taken one way: "\s*X?\s*" split a run of them every way)
    r"(?:\s*(?:(?:[-–—|,@·•]|at)\s*)?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?"
    r"(?:\s*[A-Z]{2,4})?)?"
)
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"
DATE_PREFIX = re.compile(
    rf"^\W*(?:(?P<marker>{_MARKER})\s*(?::\s*)?)?{_WEEKDAY}(?:{_DATE}){_TIME}\s*[-–—|,:·•]?\s*",
    re.IGNORECASE,
)
# Written so that no two adjacent parts can take the same characters (a run of \W
# split between three \W* was tried every way: a line of 1,000 dots took seconds); the
# strings it takes are those of "kw \W* (on|by|at)? \W*", "N min .? \s* (read)?",
# "reading time \W* \d* \s* (min)?" and "views \W* \d[\d,.]* k?", each then \W*$
METADATA = re.compile(
    r"^\W*(?:(?:published|posted|updated|last updated|modified|date|dated)(?:\W*(?:on|by|at))?"
    r"|\d+\s*(?:min|mins|minutes?|hours?|hrs?)"
    r"(?:\.?\s*(?:read|reading|reading time|to read|listen))?"
    r"|(?:reading|read|estimated reading) time"
    r"(?:\W*\d+(?:\s*(?:min|mins|minutes?))?|\W*(?:min|mins|minutes?))?"
    r"|\d+\s*(?:seconds?|minutes?|mins?|hours?|days?|weeks?|months?|years?)\s+ago"
    r"|(?:views?|reads?)\W*\d[\d,.]*+k?|\d[\d,.]*k?\s+(?:views?|reads?|shares?))\W*$",
    re.IGNORECASE,
)


def _iso(m: re.Match[str]) -> str | None:
    if m.group("iso"):
        y, mo, d = int(m.group("y1")), int(m.group("m1")), int(m.group("d1"))
    elif m.group("mon"):
        y, mo, d = int(m.group("y2")), _MONTHS[m.group("mon").lower()], int(m.group("d2"))
    else:
        mon = _MONTHS.get(m.group("mon3").lower())
        if mon is None:
            return None
        y, mo, d = int(m.group("y3")), mon, int(m.group("d3"))
    return calendar_date(y, mo, d)


def calendar_date(year: int, month: int, day: int) -> str | None:
    """``YYYY-MM-DD`` for a day the calendar has, in 1900-2100; else None.

    >>> calendar_date(2024, 2, 29), calendar_date(2023, 2, 29), calendar_date(2024, 4, 31)
    ('2024-02-29', None, None)
    """
    if not 1900 <= year <= 2100:
        return None
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:  # no such month, or no such day in it (February 31)
        return None


def parse_date_line(line: str) -> tuple[str, str] | None:
    """``(iso_date, rest)`` when ``line`` opens with a date, else None.

    ``rest`` is the text after the date prefix, stripped. A date that opens body text
    counts only with a marker word ("date", "Published", "Updated"), so a sentence
    that starts with a date is left alone, as is one that opens "On <date>," and goes
    on in lower case.

    >>> parse_date_line("Published June 6, 2024 - The company said on Monday that")
    ('2024-06-06', 'The company said on Monday that')
    >>> parse_date_line("On June 6, 2024, we will stop providing the longer chain") is None
    True
    """
    m = DATE_PREFIX.match(line)
    if m is None:
        return None
    iso = _iso(m)
    if iso is None:
        return None
    rest = line[m.end() :].strip()
    if rest and len(rest.split()) > 3:
        marker = (m.group("marker") or "").lower()
        # no marker, or a bare "On" that the sentence goes on from ("On June 6, 2024, we
        # will stop ..."): the date is the sentence's, not the page's
        if not marker or (marker == "on" and rest[:1].islower()):
            return None
    return iso, rest


def is_metadata(line: str) -> bool:
    """A line that only says when or how long: "Published", "7 minutes read", "3 hours ago".

    >>> is_metadata("7 minutes read"), is_metadata("Published"), is_metadata("Seven read it.")
    (True, True, False)
    """
    return bool(METADATA.match(line))


TITLE_SEPARATORS = (" | ", " - ", " — ", " – ", " :: ", " · ", " » ", " : ")


def title_variants(first: str) -> list[str]:
    """The parts of a ``<title>`` line once a site name is split off: "A | Site" gives "A".

    >>> title_variants("What is Cloud Computing? | Google Cloud")
    ['What is Cloud Computing?', 'Google Cloud']
    """
    out: list[str] = []
    for sep in TITLE_SEPARATORS:
        if sep in first:
            head, _, tail = first.rpartition(sep)
            out += [head.strip(), tail.strip()]
            first_head, _, first_tail = first.partition(sep)
            out += [first_head.strip(), first_tail.strip()]
    return [p for p in dict.fromkeys(out) if p]


def clean_heading(line: str) -> str:
    """A heading without the permalink marks some sites print after it ("¶", "#")."""
    return line.rstrip(" ¶#§").strip()

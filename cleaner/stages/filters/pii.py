"""RedactPii: replace personal data in the text with typed placeholders.

E-mail addresses become ``<EMAIL>``, phone numbers ``<PHONE>``, public IP addresses
``<IP_ADDRESS>`` and payment-card numbers ``<CARD_NUMBER>``. It is registered as a
filter (a ``[filters.redact-pii]`` table, ``--enable-rule redact-pii``) but it drops
nothing: it rewrites, right after repair-text (``Filter.rewrites``), so no later stage
writes a value it replaces to the audit: not a line removed as boilerplate, nor the text
of a document a quality filter drops.
Each replacement is a change of the stage, with the type as its rule (``email``,
``phone``, ``ip-address``, ``card-number``), so the manifest counts them per type; the
audit row holds the placeholder, never the value replaced.

What each pattern takes, and leaves alone:

- e-mail: datatrove's address pattern (local part, "@", a dotted domain);
- IP address: IPv4 in dotted form that is public (a private, loopback or documentation
  address such as 192.168.0.1 or 127.0.0.1 names no one), as datatrove does, and not
  four single digits (a section number, "4.8.3.1"; 8.8.8.8 and 1.1.1.1 stay with
  them); a version number that reads as a public address ("17.0.4.1") goes too;
- card number: 13 to 19 digits, unbroken or in the groups cards print (four of four,
  Amex's 4-6-5) split by spaces or hyphens, that start as a card issuer's do (4, 51-55,
  22-27, 34, 37, 30, 36, 38, 6) and pass the Luhn check (a random number passes one
  time in ten); a run of years or postcodes is no card;
- phone: a number written as one, of 9 to 15 digits: "+" (or "00") and a country code,
  or digits in groups split by spaces, dots, hyphens, en dashes or a bracketed area code,
  also right after a label's colon ("Tel:555-123-4567"); national forms too: a trunk
  "1" before the area code (1 (800) 555-0199), a trunk "0" and an area code before an
  unbroken number (030 1234567, 030/1234567, 07700 900123), French pairs
  (06 12 34 56 78); a date (2024-01-02), a time, a decimal number, one unbroken run of
  digits, a run of more numbers than a phone number has, or a number after "#" is no
  phone.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import ClassVar

from cleaner.document import Change, Document
from cleaner.errors import UsageError
from cleaner.names import PiiType, StageName
from cleaner.stage import Filter, FilterConfig

_EMAIL = re.compile(
    r"\b(?=[.A-Za-z0-9!#$%&'*+/=?^_`{|}~-]*+@)"  # a word that runs on to an "@": no
    # backtracking through the local part of every other word
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
)
_LOCAL_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-."
)  # what the e-mail pattern's local part is made of
_DOMAIN_RUN = re.compile(r"[A-Za-z0-9.-]*")  # what its domain is made of


def _near_at_signs(text: str) -> Iterator[tuple[int, int]]:
    """Spans of ``text`` that hold every e-mail address in it, as ``_EMAIL`` finds them:
    around each "@", the run of local-part characters before it (and the character
    before that run, which the pattern's ``\\b`` reads) and the run of domain
    characters after it; spans that meet are one. An address is one "@" with its
    local part and domain, so it lies in its "@"'s span, and one span's matches cannot
    reach another's.

    >>> text = "Mail jo.x@x.org, or a@b, today."
    >>> [text[a:b] for a, b in _near_at_signs(text)]
    [' jo.x@x.org', ' a@b']
    """
    start = end = -1
    at = text.find("@")
    while at != -1:
        first = at
        while first and text[first - 1] in _LOCAL_CHARS:
            first -= 1
        first = max(first - 1, 0)
        last = _DOMAIN_RUN.match(text, at + 1).end()  # type: ignore[union-attr]
        if first <= end:
            end = last
        else:
            if end >= 0:
                yield start, end
            start, end = first, last
        at = text.find("@", last)  # no "@" in a domain run
    if end >= 0:
        yield start, end


def _rewrite_spans(
    text: str, spans: Iterable[tuple[int, int]], rewrite: Callable[[str], str]
) -> str:
    """``text`` with each of ``spans`` (in order, apart) replaced by ``rewrite`` of it."""
    parts: list[str] = []
    done = 0
    for start, end in spans:
        parts += (text[done:start], rewrite(text[start:end]))
        done = end
    parts.append(text[done:])
    return "".join(parts)


def _sub_emails(repl: Callable[[re.Match[str]], str], text: str) -> str:
    """``_EMAIL.sub(repl, text)``, with the pattern run only near each "@"
    (:func:`_near_at_signs`): run over the whole text, its look-ahead is tried at every
    word."""
    return _rewrite_spans(text, _near_at_signs(text), partial(_EMAIL.sub, repl))


# each pattern starts with a character class (the look-behinds come after it), which
# lets the regular expression engine skip to candidates instead of trying every position
_IP = re.compile(r"\d(?<![\d.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.]*\d)")
_CARD = re.compile(
    r"\d(?<![\d-]\d)(?<!\d[ -]\d)"  # not inside a longer run of numbers
    r"(?:\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?"  # 4111 1111 1111 1111
    r"|\d{3}([ -])\d{6}\2\d{5}"  # Amex: 3782 822463 10005
    r"|\d{12,18})(?![\d-])(?![ -]\d)"  # unbroken
)
# what splits a phone number's groups: a space, dot or hyphen, a no-break space, an en dash
_SEP = "[ .\u00a0\u2013-]"
# a country code and the number after it, as after a "+"
_INTL = rf"\d{{1,3}}{_SEP}?(?:\(\d{{1,4}}\){_SEP}?)?\d{{1,4}}(?:{_SEP}\d{{2,8}}){{1,4}}"
_PHONE = re.compile(
    r"[+(\d](?<![\w#+./\u2013-].)(?<![^a-zA-Z]:.)(?<!^:.)"  # not in a word, a path, a time
    # or after "#" (an id: "NAIC #0361-23469"); after a colon only that of a label
    # ("Tel:555-123-4567"). A North American number written with hyphens is one by its
    # shape, also beside another number ("918-205-4386 24 hours", two in a row); any
    # other form is not taken from a run of numbers (after or before one, a space apart)
    r"(?:(?<=\d)\d\d-\d{3}-\d{4}(?![\w.,:/\u2013-]?\d)"
    r"|(?<!\d[ \u00a0].)"
    rf"(?:(?<=\+){_INTL}"  # +44 20 7946 0958
    r"|(?<=\+)\d{8,14}"  # E.164, unbroken: +14155552671
    rf"|(?<=0)0{_INTL}"  # 0044 20 7946 0958: "00" for "+"
    rf"|(?<=\()\d{{2,4}}\){_SEP}?\d{{3,4}}{_SEP}\d{{3,4}}"  # (555) 123-4567
    rf"|(?<=\()0\d{{1,4}}\){_SEP}?\d{{5,8}}"  # (030) 1234567
    # North American, long distance: 1 (800) 555-0199, 1-800-555-0199
    rf"|(?<=1){_SEP}?\(\d{{3}}\){_SEP}?\d{{3}}{_SEP}\d{{4}}"
    rf"|(?<=1){_SEP}\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{4}}"
    rf"|(?<=0)\d(?:{_SEP}\d\d){{4}}"  # 06 12 34 56 78: French, in pairs
    # a trunk 0 and an area code, then the rest unbroken: 030 1234567, 07700 900123
    r"|(?<=0)\d{1,4}[ /\u00a0\u2013-]\d{5,8}"
    rf"|(?<=\d)\d{{1,3}}{_SEP}\d{{3,4}}{_SEP}\d{{3,4}})"  # 555 123 4567, 030 1234 5678
    r"(?![\w.,:/ \u00a0\u2013-]?\d))"
)


_ISSUER = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[0689]|6")  # Visa, Mastercard, Amex, ...


def _card(value: str) -> bool:
    """A card's issuer prefix and checksum (a number in code or a table rarely has both)."""
    return _ISSUER.match(value) is not None and _luhn(value)


def _luhn(number: str) -> bool:
    """The payment-card checksum.

    >>> _luhn("4111 1111 1111 1111"), _luhn("4111 1111 1111 1112")
    (True, False)
    """
    digits = [int(ch) for ch in number if ch.isdigit()]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _public_ip(value: str) -> bool:
    if len(value) == 7:  # four single digits: a section or version number ("4.8.3.1")
        return False
    try:
        return ipaddress.ip_address(value).is_global
    except ValueError:  # a part over 255, or with a leading zero: no address
        return False


def _phone(value: str) -> bool:
    digits = sum(ch.isdigit() for ch in value)
    return 9 <= digits <= 15


# the types in the order they are replaced: a card number is never read as a phone
# (each replaced by ``PiiType.placeholder``)
KINDS: tuple[tuple[PiiType, re.Pattern[str], Callable[[str], bool] | None], ...] = (
    (PiiType.EMAIL, _EMAIL, None),
    (PiiType.IP_ADDRESS, _IP, _public_ip),
    (PiiType.CARD_NUMBER, _CARD, _card),
    (PiiType.PHONE, _PHONE, _phone),
)


# An IP address, card or phone number is written with digits, " .()+-/", no-break spaces
# and en dashes only, so it lies in one run of them. It starts at a digit, or at the "+"
# or "(" right before one, and has four digits at least (an IP address, "1.2.3.4", and a
# phone number, "+1 2 34", have the fewest) and seven characters. Its patterns'
# look-arounds read at most two characters before its start and after its end.
_DIGIT_RUN = re.compile(r"\d[\d .()+/\u00a0\u2013-]*+")  # a run's first digit to its end
_MIN_DIGITS, _MIN_CHARS, _REACH = 4, 7, 2


def _number_windows(text: str) -> Iterator[tuple[int, int]]:
    """Spans of ``text`` that hold every match of the IP, card and phone patterns, with
    the characters their look-arounds read: each run of number characters that could
    hold a match, from the character before its first digit, ``_REACH`` characters
    wider on each side; spans that meet are one. Nothing outside the runs is replaced,
    so the patterns, run over each span in turn, match as they do in the whole text.

    >>> text = "Call 555-123-4567 in 2024 or 8.8.4.4; x 12 y"
    >>> [text[a:b] for a, b in _number_windows(text)]
    ['ll 555-123-4567 in', 'or 8.8.4.4; ']
    """
    start = end = -1
    for run in _DIGIT_RUN.finditer(text):
        a, b = run.span()
        if b - a + 1 < _MIN_CHARS or sum(ch.isdigit() for ch in run.group()) < _MIN_DIGITS:
            continue
        a, b = max(a - 1 - _REACH, 0), b + _REACH
        if a <= end:  # spans that meet: one
            end = b
            continue
        if end >= 0:
            yield start, min(end, len(text))
        start, end = a, b
    if end >= 0:
        yield start, min(end, len(text))


def redact(text: str, kinds: tuple[str, ...] = tuple(PiiType)) -> tuple[str, list[PiiType]]:
    """``text`` with the personal data of ``kinds`` replaced, and the type of each
    replacement in order (by type, as ``KINDS`` orders them, then by place).

    >>> redact("Write to jane.doe@example.com or call +44 20 7946 0958.")
    ('Write to <EMAIL> or call <PHONE>.', [<PiiType.EMAIL: 'email'>, <PiiType.PHONE: 'phone'>])
    >>> redact("Version 2.4.1, released 2024-01-02, costs 1,299.00 and runs on 10.0.0.1.")[1]
    []

    E-mail addresses are looked for around each "@" (:func:`_near_at_signs`), the
    numbers only in :func:`_number_windows`: run over the whole text, each of the three
    patterns would try every digit of it.
    """
    found = dict.fromkeys((kind for kind, *_ in KINDS), 0)  # replacements, by type

    def swapper(
        kind: PiiType, holder: str, valid: Callable[[str], bool] | None
    ) -> Callable[[re.Match[str]], str]:
        def swap(match: re.Match[str]) -> str:
            value = match.group(0)
            if valid is not None and not valid(value):
                return value
            found[kind] += 1
            return holder

        return swap

    numbers = []
    for kind, pattern, valid in KINDS:
        if kind not in kinds:
            continue
        if kind == PiiType.EMAIL:
            if "@" in text:
                text = _sub_emails(swapper(kind, kind.placeholder, valid), text)
        else:
            numbers.append((pattern, swapper(kind, kind.placeholder, valid)))
    if numbers:

        def numbers_in(window: str) -> str:
            for pattern, swap in numbers:
                window = pattern.sub(swap, window)
            return window

        text = _rewrite_spans(text, _number_windows(text), numbers_in)
    return text, [kind for kind, count in found.items() for _ in range(count)]


@dataclass(frozen=True)
class RedactPiiConfig(FilterConfig):
    # the types to replace; all four by default
    types: tuple[str, ...] = tuple(PiiType)

    names: ClassVar[tuple[str, ...]] = tuple(PiiType)

    def __post_init__(self) -> None:
        for name in self.types:
            if name not in self.names:
                raise UsageError(f"unknown type {name!r}; known: {', '.join(self.names)}")


def redactions(doc: Document) -> dict[str, int]:
    """How many values of each type redact-pii replaced in ``doc``, by type: the
    manifest's per-type counts, for one document.

    >>> f = RedactPii(RedactPiiConfig(enabled=True))
    >>> redactions(f.apply(Document("1", "a.txt", "Mail a@example.org or b@example.org.")))
    {'email': 2}
    """
    counts = Counter(str(c.rule) for c in doc.changes if c.stage == StageName.REDACT_PII)
    return dict(sorted(counts.items()))


class RedactPii(Filter[RedactPiiConfig]):
    """Replace e-mail addresses, phone numbers, public IP addresses and card numbers
    with placeholders, in the text and in the document's own title and author (a
    page's markup names them, a record may hold them); one change per replacement, its
    type as the rule, no value kept.

    >>> f = RedactPii(RedactPiiConfig(enabled=True))
    >>> doc = f.apply(Document("1", "a.txt", "Mail jane@example.com now."))
    >>> doc.text, [(c.rule, c.text, c.detail) for c in doc.changes]
    ('Mail <EMAIL> now.', [('email', '', {'placeholder': '<EMAIL>'})])
    """

    name = StageName.REDACT_PII
    config_class = RedactPiiConfig
    rewrites = True  # before any stage writes text to the audit

    def apply(self, doc: Document) -> Document:
        text, found = redact(doc.text, self.config.types)
        # the record's own title and author too (a page's markup, a record's fields):
        # they go into the corpus beside the text
        title, in_title = redact(doc.title, self.config.types) if doc.title else (None, [])
        author, in_author = redact(doc.author, self.config.types) if doc.author else (None, [])
        found += in_title + in_author
        if not found:
            return doc
        changes = [
            Change(self.name, kind, "", {"placeholder": PiiType(kind).placeholder})
            for kind in found
        ]
        return replace(
            doc, text=text, title=title, author=author, changes=doc.changes + tuple(changes)
        )

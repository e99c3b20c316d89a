"""redact-pii: typed placeholders for e-mail addresses, phone numbers, public IP
addresses and card numbers; counts per type in the manifest; the audit never holds the
value replaced."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner import CleanConfig
from cleaner.cli import cli
from cleaner.errors import UsageError
from cleaner.pipeline import Pipeline
from cleaner.stages.filters import pii
from cleaner.stages.filters.pii import redact
from tests.conftest import write_files


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail jane.doe@example.org today.", "Mail <EMAIL> today."),
        ("Call +44 20 7946 0958 now.", "Call <PHONE> now."),
        ("Call (415) 742-4306 or 918-205-4492.", "Call <PHONE> or <PHONE>."),
        ("WhatsApp +971505017371 or +14155552671.", "WhatsApp <PHONE> or <PHONE>."),  # E.164
        ("Ring +49 30 1234567 or 1-800-555-0199.", "Ring <PHONE> or <PHONE>."),
        ("Tel:555-123-4567, Fax:(212) 555-0100.", "Tel:<PHONE>, Fax:<PHONE>."),  # labels
        # national forms: a trunk 1 before a bracketed area code, "00" for "+", a trunk 0
        # and an unbroken subscriber number, French pairs, en dashes and no-break spaces
        ("Call 1 (800) 555-0199 or 0044 20 7946 0958.", "Call <PHONE> or <PHONE>."),
        ("Tel. 030 1234567, 030/1234567 or (030) 1234567.", "Tel. <PHONE>, <PHONE> or <PHONE>."),
        ("Ring 07700 900123 or 06 12 34 56 78.", "Ring <PHONE> or <PHONE>."),
        ("Call 555–123–4567 or 06\u00a012\u00a034\u00a056\u00a078.", "Call <PHONE> or <PHONE>."),
        # hyphens make a North American number one beside another number: a street
        # address after it, a second number (both went unredacted)
        ("Sand Springs 918-205-4386 24 E 34th St.", "Sand Springs <PHONE> 24 E 34th St."),
        ("Phones: 555-123-4567 555-123-4568.", "Phones: <PHONE> <PHONE>."),
        ("Server 203.0.114.7 answered.", "Server <IP_ADDRESS> answered."),
        ("Card 4111 1111 1111 1111 expired.", "Card <CARD_NUMBER> expired."),
        ("Amex 3782-822463-10005 too.", "Amex <CARD_NUMBER> too."),
        # what is left alone
        ("Home router 192.168.0.1 and 127.0.0.1.", None),  # private, loopback
        ("Version 2.4.1 was built on 2024-01-02 at 12:30.", None),
        ("Card 4111 1111 1111 1112 fails the checksum.", None),
        ("Years 1996 1997 1998 1999 2000 2001 2002 2003.", None),  # a run of numbers
        ("It cost 1,299.00 euros and weighed 12.5 kg.", None),
        ("Order 123456789012 shipped.", None),  # 12 digits, unbroken: no phone, no card
        ("Scores +1234567 and +12345678901234567.", None),  # too short, too long for E.164
        ("Log 12:555-123-4567 and :555-123-4567.", None),  # a colon after digits: no label
        ("Part 555-123-4567-89 and 555-123-45678.", None),  # a longer hyphenated number
        ("Sizes 06 08 10 12 14 16, ISBN 0 306 40615 7, on 03/15/2024.", None),
        ("Population 1 234 567 890 in 2010 12345 678, NAIC #0361-23469.", None),
    ],
)
def test_redact(text: str, expected: str | None) -> None:
    out, found = redact(text)
    assert out == (text if expected is None else expected)
    assert len(found) == (0 if expected is None else expected.count("<"))


def test_types_limit_what_is_replaced() -> None:
    out, found = redact("jane@example.org, +44 20 7946 0958", ("phone",))
    assert out == "jane@example.org, <PHONE>" and found == ["phone"]
    with pytest.raises(UsageError, match="unknown type 'ssn'"):
        CleanConfig().with_filter("redact-pii", enabled=True, types=["ssn"])


def test_off_by_default() -> None:
    assert "redact-pii" not in Pipeline.from_config(CleanConfig()).names


def test_a_run_counts_per_type_and_the_audit_holds_no_value(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    page = (
        "The council answers questions about the bridge closure by mail at "
        "roads@council.example.org and by phone on +44 20 7946 0958 or +44 20 7946 0959.\n\n"
        "The ferry timetable is posted at the landing stage every Monday morning."
    )
    write_files(raw, {"notice.txt": page})
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(raw), str(out), "-q", "--enable-rule", "redact-pii"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]["stages"]["redact-pii"]
    assert counts["email"]["changes"] == 1 and counts["phone"]["changes"] == 2
    [record] = [json.loads(x) for x in (out / "corpus.jsonl").read_text().splitlines()]
    assert "<EMAIL>" in record["text"] and record["text"].count("<PHONE>") == 2
    audit = (out / "audit.jsonl").read_text(encoding="utf-8")
    assert "council.example.org" not in audit and "7946" not in audit
    assert '"placeholder": "<PHONE>"' in audit
    stats = runner.invoke(cli, ["stats", str(out)])
    assert any(
        line.split()[:3] == ["redact-pii", "phone", "2"] for line in stats.output.splitlines()
    )


def test_a_pages_title_and_author_are_redacted_too(tmp_path: Path) -> None:
    """A page's title and author come from its markup, a record's from its fields: they
    reach the corpus beside the text, so redact-pii replaces what they hold too."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    body = (
        "Our office has moved to a new building near the river, and the phone number has "
        "changed as well. Write to jane.doe@example.com for an appointment."
    )
    write_files(
        raw,
        {
            "p.html": (
                "<html><head><title>Write to jane.doe@example.com or call +44 20 7946 0958"
                '</title><meta name="author" content="jane.doe@example.com"></head><body>'
                f"<main><article><p>{body}</p><p>{body.replace('river', 'harbour')}</p>"
                "</article></main></body></html>"
            ),
            "r.jsonl": json.dumps(
                {
                    "text": "The ferry timetable changes on Monday, when the winter service "
                    "begins and the last boat leaves the landing stage an hour earlier.",
                    "title": "Ask jane.doe@example.com",
                }
            )
            + "\n",
        },
    )
    runner = CliRunner()
    ran = runner.invoke(cli, ["run", str(raw), str(out), "-q", "--enable-rule", "redact-pii"])
    assert ran.exit_code == 0, ran.output
    records = {
        r["source"]: r for r in map(json.loads, (out / "corpus.jsonl").read_text().splitlines())
    }
    assert records["p.html"]["title"] == "Write to <EMAIL> or call <PHONE>"
    assert records["p.html"]["author"] == "<EMAIL>"
    assert records["r.jsonl"]["title"] == "Ask <EMAIL>"
    for name in ("corpus.jsonl", "audit.jsonl"):
        assert "jane.doe" not in (out / name).read_text() and "7946" not in (out / name).read_text()
    shown = runner.invoke(cli, ["explain", str(raw / "p.html"), "--enable-rule", "redact-pii"])
    assert shown.exit_code == 0 and "jane.doe" not in shown.output and "7946" not in shown.output


def test_no_audit_row_holds_a_value_replaced(tmp_path: Path) -> None:
    """Redaction comes before every stage that writes text to the audit: a line removed
    as boilerplate and a document a quality filter drops are in the audit redacted."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    article = (
        "The council met on Monday and voted to close the old bridge for repairs. "
        "The work will begin in the spring and take about two years to finish. "
        "Buses will use the new bypass while the bridge is closed to all traffic. "
        "Walkers can take the ferry, which leaves the landing every half hour. "
        "The council will post the timetable at the landing stage each Monday. "
        "Shops near the bridge will get help with their rates during the works."
    )
    write_files(
        raw,
        {
            "notice.txt": f"{article}\n\nShare this by email: roads@council.example.org",
            "short.txt": "Mail roads@council.example.org about the bridge.",
        },
    )
    args = ["--enable-rule", "redact-pii", "--enable-rule", "c4-quality"]
    result = CliRunner().invoke(cli, ["run", str(raw), str(out), "-q", *args])
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (out / "audit.jsonl").read_text().splitlines()]
    assert {r["stage"] for r in rows} >= {"strip-boilerplate", "c4-quality"}
    assert not [r for r in rows if "council.example.org" in json.dumps(r)]


def test_explain_lists_the_replacements_by_type(tmp_path: Path) -> None:
    page = tmp_path / "notice.txt"
    page.write_text(
        "Questions about the closure go to roads@council.example.org or +44 20 7946 0958, "
        "or to press@council.example.org, "
        "the council said on Monday in a notice to residents of the old town.",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["explain", str(page), "--enable-rule", "redact-pii"])
    assert result.exit_code == 0, result.output
    assert "redacted: email (2), phone\n" in result.output  # the page is shown redacted


# the e-mail and phone patterns as first written: the shipped ones start with a
# character class or a look-ahead so that the engine skips to candidates faster, and
# must match exactly where these do
_PLAIN_EMAIL = re.compile(
    r"\b[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
)
_S = "[ .\u00a0\u2013-]"
_PLAIN_PHONE = re.compile(
    r"(?<![\w#+./\u2013-])(?<![^a-zA-Z]:)(?<!^:)"
    r"(?:\d{3}-\d{3}-\d{4}(?![\w.,:/\u2013-]?\d)"
    r"|(?<!\d[ \u00a0])"
    rf"(?:\+\d{{1,3}}{_S}?(?:\(\d{{1,4}}\){_S}?)?\d{{1,4}}(?:{_S}\d{{2,8}}){{1,4}}"
    r"|\+\d{8,14}"
    rf"|00\d{{1,3}}{_S}?(?:\(\d{{1,4}}\){_S}?)?\d{{1,4}}(?:{_S}\d{{2,8}}){{1,4}}"
    rf"|\(\d{{2,4}}\){_S}?\d{{3,4}}{_S}\d{{3,4}}"
    rf"|\(0\d{{1,4}}\){_S}?\d{{5,8}}"
    rf"|1{_S}?\(\d{{3}}\){_S}?\d{{3}}{_S}\d{{4}}"
    rf"|1{_S}\d{{3}}{_S}\d{{3}}{_S}\d{{4}}"
    rf"|0\d(?:{_S}\d\d){{4}}"
    r"|0\d{1,4}[ /\u00a0\u2013-]\d{5,8}"
    rf"|\d{{2,4}}{_S}\d{{3,4}}{_S}\d{{3,4}})"
    r"(?![\w.,:/ \u00a0\u2013-]?\d))"
)


_PARTS = st.one_of(
    st.from_regex(r"[0-9]{1,4}", fullmatch=True),
    st.sampled_from([" ", "-", ".", "+", "(", ")", "jo", "@", "x.org", ":", "/", ",", "\n", "é",
                     "–", "\u00a0", "0", "00", "1 (", "#"]),
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(_PARTS, max_size=14).map("".join))
@example("12 555 4567 7946, or 44 20 7946 0958")  # a phone number right after another number
@example("Sand Springs 918-205-4386 24 E 34th St., 555-123-4567 555-123-4568-9")  # hyphens
@example("v1.2 555-123-4567 (555) 123-4567 +1 (555) 123 4567 and x+1 555 123 4567")
@example("mail jo.x@x.org, a@b.c.org. or jo@@x.org and x.org@x.org")
@example("Tel:555-123-4567, 2:555-123-4567, 1 (800) 555-0199, 0044 20 7946 0958")  # labels
@example("030 1234567, 030/1234567 (030) 1234567 06 12 34 56 78 555–123–4567")  # national
def test_patterns_match_where_the_plain_ones_do(text: str) -> None:
    for fast, plain in ((pii._EMAIL, _PLAIN_EMAIL), (pii._PHONE, _PLAIN_PHONE)):
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


def _redact_plain(text: str) -> tuple[str, list[str]]:
    """Each pattern run over the whole text in turn: what redact-pii must replace,
    in that order (it runs the e-mail pattern near each "@" and the others in the
    windows around runs of number characters)."""
    found: list[str] = []
    for kind, pattern, valid in pii.KINDS:
        holder = kind.placeholder

        def swap(match: re.Match[str], kind: str = kind, holder: str = holder, valid=valid) -> str:  # type: ignore[no-untyped-def]
            if valid is not None and not valid(match.group()):
                return match.group()
            found.append(kind)
            return holder

        text = pattern.sub(swap, text)
    return text, found


_NUMBERISH = st.one_of(
    st.from_regex(r"[0-9]{1,5}", fullmatch=True),
    st.sampled_from(["4111", "1111", "3782", " ", "-", ".", "+", "(", ")", ",", ":", "/", "\n",
                     "a", "x.org", "@", "é", "٣", "8.8.4.4", "+44 20 7946 0958", "–", "\u00a0", "0",
                     "Tel:", "1 (", "/"]),
)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(_NUMBERISH, max_size=20).map("".join))
@example("+44 20 7946 0958; 8.8.4.4.1 93.184.216.34 4111 1111 1111 1111 12 555 4567 7946")
@example("1.1.1.1:(555) 123-4567,4111-1111-1111-1111 +1 2 34 a+1 2 34")
def test_numbers_are_replaced_as_the_patterns_over_the_whole_text(text: str) -> None:
    assert pii.redact(text) == _redact_plain(text)


_NEAR_AT = st.sampled_from(
    ["jo", "x.org", "@", ".", "-", "é", " ", "ß", "a_b", "+", "9", "\n", "<", "..", "Ω"]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_NEAR_AT, max_size=16).map("".join))
@example("é@x.org jo@x.org@y.org a.@b.c jo@@x.org x@y")
def test_emails_are_found_near_each_at_sign_as_in_the_whole_text(text: str) -> None:
    """redact-pii runs the e-mail pattern only around each "@", and replaces what the
    pattern finds in the whole text, no more, no less."""

    def mark(match: re.Match[str]) -> str:
        return f"<{match.group()}>"

    assert pii._sub_emails(mark, text) == pii._EMAIL.sub(mark, text)


def test_clean_records_counts_the_redactions_per_type() -> None:
    """The account of a record names what redact-pii replaced, per type, as the
    manifest counts it for a run (never the values)."""
    from cleaner import clean_records

    config = CleanConfig().with_filter("redact-pii", enabled=True)
    rows = [
        {"text": "Mail roads@council.example.org or call +44 20 7946 0958 or +44 20 7946 0959."},
        {"text": "The ferry leaves the landing stage at nine every Monday."},
    ]
    first, second = clean_records(rows, config, near_duplicates=False)
    assert first["cleaner"]["redacted"] == {"email": 1, "phone": 2}
    assert second["cleaner"]["redacted"] == {}
    assert "council.example.org" not in json.dumps(first)
    [off] = clean_records(rows[:1], near_duplicates=False)
    assert off["cleaner"]["redacted"] == {} and off["text"] == rows[0]["text"]


@pytest.mark.parametrize("line", ["jane@example.com", "mailto:desk@example.com"])
def test_a_line_that_is_only_an_address_goes_with_or_without_redaction(line: str) -> None:
    """redact-pii runs before boilerplate removal: the line it leaves ("<EMAIL>",
    "mailto:<EMAIL>") is still the url-line the address was, not text kept for it."""
    from cleaner import clean_records

    body = (
        "The council voted on Monday to close the old bridge for repairs next spring, "
        "and residents said they would have liked more notice of the plan."
    )
    rows = [{"text": f"{body}\n\n{line}\n\n{body.replace('council', 'board')}"}]
    on = CleanConfig().with_filter("redact-pii", enabled=True)
    for config in (CleanConfig(), on):
        [record] = clean_records(rows, config, near_duplicates=False)
        assert "@" not in record["text"] and "<EMAIL>" not in record["text"]
        assert [r["rule"] for r in record["cleaner"]["removed"]] == ["url-line"]

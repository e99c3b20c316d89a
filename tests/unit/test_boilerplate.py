"""The boilerplate stage: the five seed pages, golden cases, and the config switches."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest

from cleaner.config import BoilerplateConfig
from cleaner.document import Document
from cleaner.rules.context import is_body
from cleaner.rules.meta import parse_date_line
from cleaner.stages.boilerplate import StripBoilerplate, strip_boilerplate
from cleaner.stages.dedup import DedupBlocks
from tests.conftest import CASES, FENCED_FIB, SEEDS

PAGES = sorted((SEEDS / "raw").glob("*.txt"))
GOLDEN: list[dict[str, Any]] = json.loads((CASES / "boilerplate.json").read_text(encoding="utf-8"))
P1 = "The council voted on Tuesday to close the old river bridge for six months of repairs."
P2 = "Residents will have to use the ferry or the ring road, which adds twenty minutes to trips."


def repair(text: str) -> str:
    """The seeds' repair: line endings, trailing spaces, blank-line runs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


@pytest.mark.parametrize("raw", PAGES, ids=lambda p: p.stem)
def test_seed(raw: Path) -> None:
    expected: dict[str, Any] = json.loads(
        (SEEDS / "expected" / f"{raw.stem}.json").read_text(encoding="utf-8")
    )
    got = strip_boilerplate(repair(raw.read_text(encoding="utf-8")))
    assert (got.title, got.date) == (expected["title"], expected["date"])
    # the pasted second copy of nine paragraphs in 001 is dedup-blocks' job
    [deduped] = DedupBlocks().run([Document("x", raw.name, got.text)])
    assert deduped.text == expected["text"]


def _marks(case: dict[str, Any]) -> list[pytest.MarkDecorator]:
    if case.get("expect") == "xfail":
        return [pytest.mark.xfail(strict=True, reason=case["comment"])]
    return []


@pytest.mark.parametrize("case", [pytest.param(c, id=c["label"], marks=_marks(c)) for c in GOLDEN])
def test_case(case: dict[str, Any]) -> None:
    got = strip_boilerplate(case["input"])
    assert got.text == case["expected"]
    assert [r.rule for r in got.removed] == case["rules"]


def test_every_removed_line_is_reported_with_its_number() -> None:
    text = f"Home | News | Sport\n\n{P1}\n\nShare this article\n\n{P2}"
    got = strip_boilerplate(text)
    lines = text.split("\n")
    for r in got.removed:
        assert lines[r.line - 1] == r.text


def test_disable_turns_a_rule_off() -> None:
    text = f"{P1}\n\nShare this article\n\n{P2}"
    on = strip_boilerplate(text)
    off = strip_boilerplate(text, BoilerplateConfig(disable=("share-prompt", "low-content")))
    assert "Share this article" not in on.text
    assert "Share this article" in off.text
    assert all(r.rule != "share-prompt" for r in off.removed)


def test_extra_patterns_remove_whole_lines_as_user_pattern() -> None:
    text = f"{P1}\n\nPromo code SAVE10 applies to the bridge pass this week only.\n\n{P2}"
    got = strip_boilerplate(text, BoilerplateConfig(extra_patterns=(r"Promo code .*",)))
    assert [r.rule for r in got.removed] == ["user-pattern"]
    assert got.text == f"{P1}\n\n{P2}"


def test_date_prefix_is_a_partial_removal() -> None:
    got = strip_boilerplate(f"date 2024-06-20 HANOI, June 20 (Reuters) - {P1}\n\n{P2}")
    assert got.date == "2024-06-20"
    assert got.text.startswith("HANOI, June 20")
    assert [(r.rule, r.text) for r in got.removed] == [("date-line", "date 2024-06-20")]


@pytest.mark.parametrize(
    "sentence",
    [
        "On Thursday, June 6th, 2024, we will stop providing the longer chain entirely.",
        "On June 6, 2024, the certificate will expire for most of the sites we serve.",
    ],
)
def test_a_sentence_that_goes_on_from_on_and_a_date_stays_whole(sentence: str) -> None:
    """The date of "On <date>, we will ..." is the sentence's (an event to come), not the
    page's: the sentence stays whole and gives no date; "On <date> - The" still does."""
    got = strip_boilerplate(f"{P1}\n\n{sentence}\n\n{P2}")
    assert sentence in got.text and got.date is None and got.removed == ()
    assert parse_date_line("On June 6, 2024 - The company said it would stop") is not None


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("Published February 31, 2024", "February 29, 2024"),
        ("date 2023-02-29", "2024-02-29"),
        ("Updated 31 April 2022", "30 April 2022"),
    ],
)
def test_a_date_line_with_no_such_day_gives_no_date(line: str, day: str) -> None:
    assert parse_date_line(line) is None
    assert parse_date_line(f"{line.split()[0]} {day}") is not None  # a day that exists


def test_never_empties_a_document() -> None:
    got = strip_boilerplate("Home\nNews\n\nShare this article")
    assert got.text == "Home\nNews\n\nShare this article"
    assert got.removed == ()


def test_disabled_stage_returns_text_unchanged() -> None:
    text = f"Share this article\n\n{P1}"
    assert strip_boilerplate(text, BoilerplateConfig(enabled=False)).text == text


def _doc(n: int, site: str, body: str) -> Document:
    return Document(f"d{n}", f"{site}/{n}.txt", body, meta={})


def test_stage_records_changes_and_corpus_repeats() -> None:
    footer = "Visit our partner shops"
    quote = (
        "“We will rebuild it stronger than before, whatever the cost,” the mayor told reporters."
    )
    docs = [_doc(n, "site", f"{P1} Part {n}.\n\n{quote}\n\n{P2}\n\n{footer}") for n in range(3)]
    stage = StripBoilerplate(BoilerplateConfig(min_repeats=3, disable=("navigation",)))
    out = list(stage.run(docs))
    for doc in out:
        assert footer not in doc.text
        assert quote in doc.text
        rules = {c.rule: c for c in doc.changes}
        assert rules["corpus-repeat"].text == footer
        assert rules["corpus-repeat"].stage == "strip-boilerplate"
        assert rules["corpus-repeat"].detail == {"line": 7, "where": "after the main span"}


def test_stage_passes_dropped_documents_through() -> None:
    from cleaner.document import Change

    doc = _doc(1, "s", "Share this article").drop(Change("x", "y"))
    assert list(StripBoilerplate(BoilerplateConfig()).run([doc])) == [doc]


def test_pipeline_takes_a_line_model_in_place_of_the_shipped_one() -> None:
    from cleaner.pipeline import Pipeline
    from cleaner.rules.model import MODEL_PATH, LineModel

    strict = LineModel(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
    strict.precision_weight = 1.0  # precision alone: only the likeliest lines stay
    text = f"Bridge closes\n\n{P1}\n\n{P2}\n\nSale ends Sunday\n\nFerry times"
    doc = Document("d1", "site/1.txt", text, meta={})
    [shipped] = Pipeline.from_config().run([doc])
    [custom] = Pipeline.from_config(line_model=strict).run([doc])
    assert P1 in shipped.text and P2 in shipped.text and "Ferry times" in shipped.text
    dropped = [c.text for c in custom.changes if c.rule == "low-content"]
    assert dropped == ["Sale ends Sunday", "Ferry times"]
    assert custom.text == f"{P1}\n\n{P2}"  # the paragraphs of the main span stay


def test_byline_names_go_into_author() -> None:
    byline = "By Jane Doe and John Roe | Reuters"
    got = strip_boilerplate(f"Bridge closes\n\n{byline}\n\n{P1}\n\n{P2}")
    assert got.author == "Jane Doe, John Roe"
    assert byline in [r.text for r in got.removed]  # as a credit: it names an agency
    assert strip_boilerplate(f"{P1}\n\nBy the way, {P2}").author is None
    off = strip_boilerplate(f"By Jane Doe\n\n{P1}", BoilerplateConfig(disable=("byline",)))
    assert off.author is None


# the seed story told in Japanese: sentences end in "。" and have no spaces between words
JA = [
    "市議会は火曜日、老朽化した川の橋を六か月間閉鎖し、さびた鋼材を交換することを決めました。",
    "毎日橋を渡る住民は、フェリーか北側の環状道路を使う必要があり、移動時間は約二十分長くなります。",
    "工事は三月に始まる予定で、費用は地域の交通局と分担すると市は説明しました。",
]


def test_a_japanese_article_reads_as_paragraphs() -> None:
    assert all(is_body(p) for p in JA)  # ten words or more, ending like a sentence
    text = "ホーム\nニュース\nスポーツ\n\n橋の閉鎖が決まる\n\n" + "\n\n".join(JA) + "\n\nシェアする"
    got = strip_boilerplate(text)
    assert all(p in got.text.split("\n") for p in JA)


def test_a_copy_of_the_title_line_beats_a_longer_line_printed_twice() -> None:
    from cleaner.rules.context import prepare_page

    place = "Tech conference in Toronto, Ontario, Canada, North America"
    items = [f"{name}\n{place}" for name in ("AgentCon Toronto", "DevDay North", "CodeCamp")]
    page_title = "Tech conferences in Americas 2026"
    text = "\n".join([page_title, "", "Conferences Meetups FAQ", "", page_title, "", *items])
    text += f"\n\n{P1}\n\n{P2}"
    page = prepare_page(text)
    assert page.title == page_title
    lines = text.split("\n")
    # the items stay for the line model to judge: none goes as the page's head
    assert [lines[i] for i in page.nonempty() if page.rule[i] is not None] == [
        page_title,
        "Conferences Meetups FAQ",
        page_title,
    ]
    # a part of the title line without the site name comes before the line whole
    full = f"{page_title} | dev.events"
    named = prepare_page(text.replace(page_title, full, 1).replace("Conferences Meetups FAQ", full))
    assert named.title == page_title


@pytest.mark.parametrize("html", [False, True])
def test_a_line_of_code_printed_twice_is_no_headline(html: bool) -> None:
    """Neither a fenced block's repeated command nor an HTML pre's is the headline: the
    block stayed no longer, taken whole as the title's copies and its fences after it."""
    from cleaner.html import parse_html

    command = "make install now"
    block = f"{command}\n{command}"
    hints = None
    if html:
        page = parse_html(f"<pre>{block}</pre><p>{P1}</p><p>{P2}</p>".encode())
        text, hints = page.text, page.hints
    else:
        text = f"```\n{block}\n```\n\n{P1}\n\n{P2}"
    got = strip_boilerplate(text, hints=hints)
    assert got.title is None
    assert got.text.split("\n").count(command) == 2


def test_a_heading_that_opens_with_code_can_be_the_headline() -> None:
    from cleaner.html import parse_html

    heading = "aifc — Read and write AIFF files"
    page = parse_html(
        f"<title>{heading}</title><h1><code>aifc</code> — Read and write AIFF files</h1>"
        f"<p>{P1}</p><p>{P2}</p>".encode()
    )
    got = strip_boilerplate(page.text, hints=page.hints)
    assert got.title == heading
    assert got.text == f"{P1}\n\n{P2}"


JS_CODE = "function f(x) {\n  if (x) {\n    return 1;\n  }\n  return 2;\n}"
JS_PAGE = f"{P1}\n\n```js\n{JS_CODE}\n```\n\n{P2}"


def _doubting(doubted: Collection[str]) -> Any:
    """A line model that doubts exactly the lines ``doubted`` (trimmed)."""
    from cleaner.rules.context import Page
    from cleaner.rules.model import LineModel

    class Doubting(LineModel):
        def scores(self, page: Page, wanted: Collection[int] | None = None) -> dict[int, float]:
            return {i: 0.02 if page.lines[i] in doubted else 0.98 for i in page.nonempty()}

    return Doubting(None)


def _cleaned(text: str, model: Any) -> str:
    from cleaner.pipeline import Pipeline

    [out] = Pipeline.from_config(line_model=model).run([Document("d", "s/d.txt", text, meta={})])
    return out.text


def test_no_rule_takes_a_line_of_code_by_its_text() -> None:
    """A closing brace is a line of symbols, and the short lines between braces look
    like a menu's: in a code block they are code (the rules took "}" as
    template-leftover and "return 2;" as navigation, and broke the code)."""
    assert f"```js\n{JS_CODE}\n```" in _cleaned(JS_PAGE, _doubting(()))


def test_the_line_model_keeps_or_drops_a_code_block_whole() -> None:
    """The block goes as the model judged most of its words: doubting "return 1;" and
    "return 2;" keeps the block whole; doubting its first three lines drops all of it,
    braces and fences too."""
    kept = _cleaned(JS_PAGE, _doubting({"return 1;", "return 2;"}))
    assert f"```js\n{JS_CODE}\n```" in kept
    dropped = _cleaned(JS_PAGE, _doubting({"function f(x) {", "if (x) {", "return 1;"}))
    assert dropped == f"{P1}\n\n{P2}"


def test_a_closing_brace_the_corpus_repeats_stays_in_its_block() -> None:
    """Every page of a site with code repeats "}": a line without a word in a code
    block is not the line model's to judge, so it never goes as ``corpus-repeat``."""
    from cleaner.stages.boilerplate import _strip
    from cleaner.stages.repeats import Repeated, line_hash

    repeated = Repeated(frozenset([line_hash("}")]))
    out = _strip(JS_PAGE, BoilerplateConfig(), repeated, _doubting({"}"}))
    assert f"```js\n{JS_CODE}\n```" in out.text


STANDFIRST = "The old river bridge will shut for six months while its rusted beams are replaced."


def test_the_standfirst_between_headline_and_date_stays() -> None:
    from cleaner.pipeline import Pipeline
    from cleaner.rules.context import Page, prepare_page
    from cleaner.rules.model import LineModel, protected_standfirst

    text = f"Bridge closes\n\n{STANDFIRST}\n\nPublished June 20, 2024\n\n{P1}\n\n{P2}"
    page = prepare_page(text)
    assert page.title == "Bridge closes" and page.date == "2024-06-20"
    assert protected_standfirst(page) == 2
    plain = text.replace("Published June 20, 2024", "")
    assert protected_standfirst(prepare_page(plain)) is None  # then the model judges it

    class Doubting(LineModel):  # doubts the standfirst in the page head, below a headline
        def scores(self, page: Page, wanted: Collection[int] | None = None) -> dict[int, float]:
            first = page.nonempty()[0]
            return {i: 0.02 if i != first and page.lines[i] == STANDFIRST else 0.98
                    for i in page.nonempty()}  # fmt: skip

    chain = Pipeline.from_config(line_model=Doubting(None))
    [kept] = chain.run([Document("d1", "s/1.txt", text, meta={})])
    [doubted] = chain.run([Document("d2", "s/2.txt", plain, meta={})])
    assert kept.text.split("\n\n")[0] == STANDFIRST
    assert STANDFIRST not in doubted.text and P1 in doubted.text


def test_markup_lines_are_judged_in_one_pass_however_long() -> None:
    """A long line that opens with a tag and nearly reads as markup (text runs longer
    than a tag's neighbours may be, a stray "<" at the end) must fail at once: a
    pattern that can split a run of text in many ways takes exponential time on it.
    Run in a child process, so that such a pattern fails this test instead of hanging
    the suite."""
    code = (
        "from cleaner.rules.patterns import line_rule\n"
        "tag = '<a href=\"//x.example/p\">'\n"
        "for text in (tag + 'word ' * 4000 + '<', tag + ('x ' * 50 + '</a> ') * 200 + '<'):\n"
        "    assert line_rule(text) != 'markup-leftover'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], timeout=120, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def test_a_removed_line_says_where_it_sat_against_the_main_span() -> None:
    """On text, each removed line says whether it sat before, in or after the stretch
    the line model believes in, and after it whether from a comment header on."""
    article = "\n\n".join(
        f"{P1} The engineers found {n} cracks in the main span of the old bridge."
        f" {P2} The work will start in spring and end before the summer holidays."
        for n in range(2, 6)
    )
    page = (
        f"Home | News | Sport | Weather\n\n{article}\n\nShare on Facebook\n\n3 Comments\n\n"
        "Jane Doe says:\n\nI drive over it every day and it shakes.\n\n"
        "Contact us | Privacy | Terms"
    )
    where = {r.text: r.where for r in strip_boilerplate(page).removed}
    assert where["Home | News | Sport | Weather"] == "before the main span"
    assert where["Share on Facebook"] == "after the main span"
    assert where["3 Comments"] == "after the main span, in or after the comments"
    assert where["Jane Doe says:"] == "after the main span, in or after the comments"
    assert all(w is not None and "main span" in w for w in where.values())
    assert P1 in strip_boilerplate(page).text


def test_the_cut_never_takes_a_paragraph_of_the_main_span_the_model_leans_to_keep() -> None:
    """A page whose other lines score high raises its cut above lines the model still
    thinks more likely content than not. Inside the main span such a paragraph stays;
    outside it, or scored below a half, or a short line, it goes under the cut."""
    doubted = "The repair crews will work through the night so the ferry can run on time."
    weak = "Ferry tickets will cost the same as a bus fare for the whole six months."
    after = "I drive over it every day and it shakes so much that my coffee spills, honestly."
    short = "Tap to see the map."
    scores = {P1: 0.95, doubted: 0.6, short: 0.6, weak: 0.3, P2: 0.95, after: 0.6}
    model = _span_model(P1, P2, scores, cut=0.9)
    text = "\n\n".join([P1, doubted, short, weak, P2, after])
    stage = StripBoilerplate(BoilerplateConfig(extract_title=False), model=model)
    out = stage.apply(Document("d1", "s/1.txt", text, meta={}))
    assert out.text.split("\n\n") == [P1, doubted, P2]
    removed = {c.text: c.rule for c in out.changes}
    assert removed == dict.fromkeys([short, weak, after], "low-content")


def _span_model(
    first: str, last: str, scores: dict[str, float] | None = None, cut: float | None = None
) -> Any:
    """A stub line model whose main span runs from line ``first`` to line ``last``: it
    scores each line as ``scores`` says (default 0.95, believing every line) and, with
    ``cut``, gives every page that cut."""
    from cleaner.rules.context import Page
    from cleaner.rules.model import LineModel

    class SpanModel(LineModel):
        def scores(self, page: Page, wanted: Collection[int] | None = None) -> dict[int, float]:
            idx = page.nonempty()
            at = {page.lines[i]: i for i in idx}
            page.span = (at[first], at[last]) if first in at and last in at else None
            return {i: (scores or {}).get(page.lines[i], 0.95) for i in idx}

        def cut(self, line_scores: Any, words: Any) -> float:
            return super().cut(line_scores, words) if cut is None else cut

    return SpanModel(None)


COMMENT = "I drive over it every day and it shakes so much that my coffee spills, honestly."
REPLY = "Same here, the ferry is the better way across while the works go on, I think."


@pytest.mark.parametrize(
    "header", ["3 Comments", "Leave a Reply", "Jane Doe says:", "Top Rated Comments"]
)
def test_a_comment_thread_below_the_article_ends_it(header: str) -> None:
    text = "\n\n".join([P1, P2, header, COMMENT, "John Roe says:", REPLY])
    model = _span_model(P1, P2)
    stage = StripBoilerplate(BoilerplateConfig(), model=model)
    out = stage.apply(Document("d1", "s/1.txt", text, meta={}))
    assert out.text == f"{P1}\n\n{P2}"
    rules = {c.text: c.rule for c in out.changes}
    assert rules[COMMENT] == rules[REPLY] == "comment-thread"
    off = StripBoilerplate(BoilerplateConfig(disable=("comment-thread",)), model=model)
    kept = off.apply(Document("d1", "s/1.txt", text, meta={}))
    assert COMMENT in kept.text and REPLY in kept.text


@pytest.mark.parametrize(
    ("lines", "why"),
    [
        ([P1, "Jane Doe says:", P2, "John Roe says:", COMMENT], "a byline in the span: a forum"),
        (["Leave a comment", P1, P2, "3 Comments", COMMENT], "a comment header above it"),
        ([P1, P2, "Comments", COMMENT, "Reply", REPLY], "a bare header or button"),
    ],
)
def test_no_comment_thread_where_posts_are_the_content_or_no_thread_is_headed(
    lines: list[str], why: str
) -> None:
    stage = StripBoilerplate(BoilerplateConfig(), model=_span_model(P1, P2))
    out = stage.apply(Document("d1", "s/1.txt", "\n\n".join(lines), meta={}))
    assert COMMENT in out.text, why
    assert not any(c.rule == "comment-thread" for c in out.changes), why


@pytest.mark.parametrize("header", ["[ 167 comments ]", "Top Rated Comments", "Comments (2)"])
def test_a_comment_header_inside_the_span_ends_the_article_there(header: str) -> None:
    """The model's span can run on into a thread whose posts read like prose; a header
    that counts or names comments still ends the article where it stands."""
    text = "\n\n".join([P1, P2, header, COMMENT, REPLY])
    model = _span_model(P1, REPLY)
    out = StripBoilerplate(BoilerplateConfig(), model=model).apply(
        Document("d1", "s/1.txt", text, meta={})
    )
    assert out.text == f"{P1}\n\n{P2}"
    rules = {c.text: c.rule for c in out.changes}
    assert rules[header] == "comment-prompt"
    assert rules[COMMENT] == rules[REPLY] == "comment-thread"


@pytest.mark.parametrize(
    ("lines", "why"),
    [
        ([P1, "Join the conversation", COMMENT, REPLY], "a prompt can close a docs page's text"),
        ([P1, P2, "3 comments", COMMENT, "5 comments", REPLY], "a counter per item"),
        ([P1, "Jane Doe says:", P2, "2 comments", COMMENT], "a comment line above: a forum"),
        (["Ferry works", "2 comments", COMMENT, REPLY], "no paragraph of the span above"),
    ],
)
def test_no_thread_inside_the_span_from_prompts_counters_or_forums(
    lines: list[str], why: str
) -> None:
    model = _span_model(lines[0], lines[-1])
    out = StripBoilerplate(BoilerplateConfig(extract_title=False), model=model).apply(
        Document("d1", "s/1.txt", "\n\n".join(lines), meta={})
    )
    assert COMMENT in out.text, why
    assert not any(c.rule == "comment-thread" for c in out.changes), why


def _html_doc(body: str, attrs: str = "") -> Document:
    """A page read from HTML: its flattened lines and what the markup says of each
    (``attrs``: the ``<body>`` element's)."""
    from selectolax.lexbor import LexborHTMLParser

    from cleaner.html.flatten import flatten

    flat = flatten(LexborHTMLParser(f"<html><body {attrs}>{body}</body></html>"))
    return Document("d1", "s/1.html", flat.text, meta={}, hints=flat.hints)


ARTICLE = f"<article><p>{P1}</p><p>{P2}</p></article>"


@pytest.mark.parametrize("tag", ['div id="comments"', 'section class="reviews"'])
def test_comments_the_markup_names_below_the_article_end_it(tag: str) -> None:
    """No header line needed from HTML: the markup says where the comments are."""
    end = tag.split()[0]
    menu = '<ul><li class="menu-reviews">Reviews</li></ul>'  # a link above: no post
    doc = _html_doc(f"{menu}{ARTICLE}<{tag}><p>{COMMENT}</p><p>{REPLY}</p></{end}><p>Newsroom</p>")
    stage = StripBoilerplate(BoilerplateConfig(), model=_span_model(P1, P2))
    out = stage.apply(doc)
    assert out.text == f"Reviews\n\n{P1}\n\n{P2}"
    rules = {c.text: c.rule for c in out.changes}
    assert rules[COMMENT] == rules[REPLY] == rules["Newsroom"] == "comment-thread"
    off = BoilerplateConfig(disable=("comment-thread",))
    assert COMMENT in StripBoilerplate(off, model=_span_model(P1, P2)).apply(doc).text
    as_text = stage.apply(Document("d1", "s/1.txt", doc.text, meta={}))  # no markup, no header
    assert COMMENT in as_text.text and REPLY in as_text.text


@pytest.mark.parametrize(
    "attrs", ['class="topic bbpress single-topic"', 'id="phpbb"', 'class="question-page"']
)
def test_posts_stay_on_a_page_whose_body_says_it_is_a_forums(attrs: str) -> None:
    """A forum's software can mark every post as a reply, the opening one too: below a
    breadcrumb and a sentence of the topic's facts, the markup's comments took a whole
    thread (a bbPress page of boilerplate-dev, held-out recall 0.02). A ``<body>`` whose
    class or id names a forum, a thread or a question keeps the posts, whatever else."""
    thread = f'<div id="comments"><p>{COMMENT}</p><p>{REPLY}</p></div>'
    stage = StripBoilerplate(BoilerplateConfig(), model=_span_model(P1, P2))
    out = stage.apply(_html_doc(f"{ARTICLE}{thread}", attrs))
    assert COMMENT in out.text and REPLY in out.text
    assert not any(c.rule == "comment-thread" for c in out.changes)
    header = _html_doc(f"{ARTICLE}<p>12 Comments</p><p>{COMMENT}</p><p>{REPLY}</p>", attrs)
    assert COMMENT in stage.apply(header).text  # a header line starts none either
    for other in ('class="post-template"', 'class="forumlike"'):  # no forum's page
        assert COMMENT not in stage.apply(_html_doc(f"{ARTICLE}{thread}", other)).text


def test_text_for_screen_readers_only_goes_by_its_rule() -> None:
    """A line no sighted reader sees goes whatever the model scores it; words for screen
    readers inside a visible line stay with it (the line is the reader's)."""
    doc = _html_doc(
        '<a class="sr-only sr-only-focusable" href="#main">Skip to search results</a>'
        f'<article><p>{P1}</p><p>{P2} <span class="visually-hidden">(opens in a new '
        'window)</span></p></article><div class="screen-reader-text"><p>Loading...</p></div>'
    )
    stage = StripBoilerplate(BoilerplateConfig(), model=_span_model(P1, P2.replace(".", "")))
    out = stage.apply(doc)
    assert out.text == f"{P1}\n\n{P2} (opens in a new window)"
    rules = {c.text: (c.rule, c.detail) for c in out.changes}
    assert rules["Skip to search results"][0] == rules["Loading..."][0] == "screen-reader-only"
    assert "for screen readers" in rules["Loading..."][1]["where"]
    off = BoilerplateConfig(disable=("screen-reader-only",))
    assert "Loading..." in StripBoilerplate(off, model=_span_model(P1, P2)).apply(doc).text
    as_text = stage.apply(Document("d1", "s/1.txt", doc.text, meta={}))  # no markup
    assert "Loading..." in as_text.text


def test_comments_the_markup_names_end_the_article_where_the_span_runs_into_them() -> None:
    """The model's main span can take in a thread whose posts read like prose; the
    markup still ends the article where the comments begin, when their region says it
    holds comments (a heading no text rule takes: the markup, not the line, starts it)."""
    heading = "Comments from our readers"
    thread = f'<div id="comments"><h2>{heading}</h2><p>{COMMENT}</p><p>{REPLY}</p></div>'
    doc = _html_doc(f"{ARTICLE}{thread}")
    out = StripBoilerplate(BoilerplateConfig(), model=_span_model(P1, REPLY)).apply(doc)
    assert out.text == f"{P1}\n\n{P2}"
    rules = {c.text: c.rule for c in out.changes}
    assert rules[heading] == rules[COMMENT] == rules[REPLY] == "comment-thread"
    # the span's end alone does not start it: below the span it does, as before
    assert StripBoilerplate(BoilerplateConfig(), model=_span_model(P1, P2)).apply(doc).text == (
        f"{P1}\n\n{P2}"
    )


def test_comments_with_no_paragraph_above_them_in_the_span_stay() -> None:
    """A page of comments alone (the span opens on a heading, then the thread) has no
    article for them to end."""
    doc = _html_doc(
        f'<h1>Ferry works, your say</h1><div id="comments"><h2>2 Comments</h2>'
        f"<p>{COMMENT}</p><p>{REPLY}</p></div>"
    )
    model = _span_model("Ferry works, your say", REPLY)
    out = StripBoilerplate(BoilerplateConfig(extract_title=False), model=model).apply(doc)
    assert COMMENT in out.text and REPLY in out.text
    assert not any(c.rule == "comment-thread" for c in out.changes)


def test_reviews_in_the_span_stay_when_their_region_names_no_comments() -> None:
    """A product's reviews in review markup inside the span can be the page's content."""
    reviews = (
        f'<section class="reviews"><h2>5 based on 14 reviews</h2><p>{COMMENT}</p>'
        f"<p>{REPLY}</p></section>"
    )
    doc = _html_doc(f"{ARTICLE}{reviews}")
    out = StripBoilerplate(BoilerplateConfig(), model=_span_model(P1, REPLY)).apply(doc)
    assert COMMENT in out.text and REPLY in out.text
    assert not any(c.rule == "comment-thread" for c in out.changes)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (
            f'<div class="comment"><p>{P1}</p></div><div class="comment"><p>{P2}</p></div>'
            f'<div class="comment"><p>{COMMENT}</p></div>',
            "posts in comment markup from the top: a forum",
        ),
        (
            f'{ARTICLE}<div><p>{COMMENT}</p><span class="comments">Talk about it</span></div>'
            f'<div><p>{REPLY}</p><span class="comments">Talk about it</span></div>',
            "a counter under each item: most words below are not in comment markup",
        ),
        (
            f'{ARTICLE}<pre><code><span class="hljs-comment"># {COMMENT}</span>\n'
            f'<span class="hljs-comment"># {REPLY}</span></code></pre>',
            "comments in code, as a syntax highlighter marks them",
        ),
    ],
)
def test_no_thread_from_markup_where_posts_are_the_content_or_comments_are_few(
    body: str, why: str
) -> None:
    out = StripBoilerplate(BoilerplateConfig(), model=_span_model(P1, P2)).apply(_html_doc(body))
    assert COMMENT in out.text, why
    assert not any(c.rule == "comment-thread" for c in out.changes), why


def test_a_comment_header_printed_per_item_starts_no_thread() -> None:
    """ "27 comments" under each post of a listing, "Add a comment" under each answer of
    a Q&A page: the same header twice (digits aside) is a counter or a button."""
    stage = StripBoilerplate(BoilerplateConfig(), model=_span_model(P1, P2))
    for counter in (["27 comments", "4 comments"], ["Add a comment", "Add a comment"]):
        lines = [P1, P2, counter[0], COMMENT, counter[1], REPLY]
        out = stage.apply(Document("d1", "s/1.txt", "\n\n".join(lines), meta={}))
        assert COMMENT in out.text and REPLY in out.text, counter
    lines = [P1, P2, "12 Comments", COMMENT, "Leave a Reply", REPLY]  # two headers: a thread
    assert stage.apply(Document("d1", "s/1.txt", "\n\n".join(lines), meta={})).text == (
        f"{P1}\n\n{P2}"
    )


# -- one-line documents: the model's verdict cannot change them -------------------------

ONE_LINERS = [
    P1,
    "Sale ends Sunday",
    "Share this article",  # a named rule takes it: boilerplate-only
    "Read more »",
    "Photo: Jane Doe/Reuters",
    f"Published June 20, 2024 {P1}",  # the rules cut the date off the line
    "Published June 20, 2024",
    "https://example.com/story",
    "ok",
    "東京都は火曜日に新しい計画を発表しました。",
]


@pytest.mark.parametrize("score", [0.0, 0.5, 1.0, None])
@pytest.mark.parametrize("text", ONE_LINERS)
def test_a_one_line_page_ends_the_same_whatever_the_model_says(
    monkeypatch: pytest.MonkeyPatch, text: str, score: float | None
) -> None:
    """The one line stays whether the model keeps it or not: a page the model alone
    would empty is kept whole. So the stage skips the model there, with the same result
    as a model that keeps everything, one that removes everything, or the shipped one
    (``None``), asked as before."""
    from cleaner.rules.context import Page
    from cleaner.rules.model import LineModel
    from cleaner.stages import boilerplate
    from cleaner.stages.repeats import NO_REPEATS, Repeated, line_hash

    class Fixed(LineModel):
        def scores(self, page: Page, wanted: Collection[int] | None = None) -> dict[int, float]:
            return dict.fromkeys(page.nonempty(), score)

    model = LineModel.default() if score is None else Fixed(None)
    config = BoilerplateConfig()
    repeated = Repeated(frozenset([line_hash(text)]))  # corpus-repeat reads the score
    for page, repeats in [
        (text, NO_REPEATS),
        (f"\n{text}\n\n", NO_REPEATS),
        (text, repeated),
        (f"Share this article\n\n{text}", NO_REPEATS),  # one line judged, not alone
    ]:
        skipped = boilerplate._strip(page, config, repeats, model)
        monkeypatch.setattr(boilerplate, "_moot", lambda *_: False)
        asked = boilerplate._strip(page, config, repeats, model)
        monkeypatch.undo()
        assert skipped == asked


def test_the_model_is_asked_only_where_its_verdict_can_matter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cleaner.rules.model import LineModel
    from cleaner.stages.repeats import Repeated, line_hash

    asked: list[int] = []
    scores = LineModel.scores

    def counting(self: LineModel, page: Any, wanted: Any = None) -> dict[int, float]:
        asked.append(len(page.nonempty()))
        return scores(self, page, wanted)

    monkeypatch.setattr(LineModel, "scores", counting)
    strip_boilerplate(P1)
    assert asked == []
    strip_boilerplate(f"{P1}\n\nSale ends Sunday")
    assert asked and asked[0] == 2
    asked.clear()
    # a line repeated over the corpus: its score decides corpus-repeat
    from cleaner.stages.boilerplate import _strip

    repeated = Repeated(frozenset([line_hash("Sale ends Sunday")]))
    _strip("Sale ends Sunday", BoilerplateConfig(), repeated)
    assert asked == [1]
    asked.clear()
    strip_boilerplate(f"Published June 20, 2024 {P1}")  # the date cut off: the model may undo it
    assert asked == [1]


def test_a_later_strip_numbers_its_removals_on_the_page_the_first_one_read() -> None:
    """The settle round strips a text that the first strip and dedup-blocks already
    cut (``Document.origin`` holds each line's number on the page): its removals are
    named by page lines, and the lines it keeps keep theirs. It used to number them on
    the shorter text, so the audit and ``explain`` named other lines."""
    body = (
        "The council met on Tuesday to discuss the new budget for the harbor district. "
        "Members agreed to fund the repairs to the old stone bridge before the winter."
    )
    text = f"Home | About | Contact\n\n{body}"
    stage = StripBoilerplate(BoilerplateConfig())
    first = stage.apply(Document("a", "a.txt", text))
    (nav,) = first.changes
    assert nav.detail["line"] == 1 and first.origin == (3,)
    later = stage.apply(Document("a", "a.txt", text, origin=(7, None, 12)))
    assert later.changes[0].detail["line"] == 7 and later.origin == (12,)


GUIDE = f"""# Defining functions

To define a function in Python, use the def statement followed by its name and the
arguments, as the example below shows for the Fibonacci series up to a bound.

{FENCED_FIB}

```
Share on Facebook
Tweet
```

The keyword def introduces a function definition, and the statements that form the
body of the function start at the next line and must be indented, as shown above.
"""


def test_markdown_code_blocks_keep_their_fences_and_indentation_through_a_run() -> None:
    """A fenced block's lines keep their spaces (repair-text), no rule takes a fence,
    so the settle round finds the block again, and a block whose lines all go takes its
    fences along."""
    from cleaner import CleanConfig, DedupConfig
    from cleaner.pipeline import Pipeline

    chain = Pipeline.from_config(CleanConfig(dedup=DedupConfig(documents=False)))
    (out,) = chain.run([Document("g", "guide.md", GUIDE)])
    assert FENCED_FIB in out.text
    assert "Share on Facebook" not in out.text and out.text.count("```") == 2
    gone = [c for c in out.changes if c.text == "```"]
    assert {c.rule for c in gone} == {"share-prompt"} and len(gone) == 2
    (again,) = chain.run([Document("g", "guide.md", out.text)])
    assert again.text == out.text  # clean output cleans to itself
    stray = GUIDE.replace("```\nShare on Facebook\nTweet\n```", "```\nShare on Facebook")
    (unclosed,) = chain.run([Document("g", "guide.md", stray.replace("```python", "~~~"))])
    assert "    a, b = 0, 1" not in unclosed.text  # no closed fence: trimmed as text


def test_a_long_run_of_tildes_is_a_divider_not_a_fence() -> None:
    """Scraped text sets sections apart with lines of tildes: they open no code block,
    so a rule can take them while the text between stays."""
    divider = "~" * 24
    text = f"{P1}\n\n{divider}\n\n{P2}\n\n{divider}\n\n{P1} It was the last vote of the year."
    got = strip_boilerplate(text)
    assert divider not in got.text and P2 in got.text
    assert [r.rule for r in got.removed] == ["template-leftover"] * 2
    assert "~~~" in strip_boilerplate(text.replace(divider, "~~~")).text  # a fence pair


NAV_THEN_HEADLINE = (
    "Home\nNews\nSport\nWeather\nContact us\n\nCouncil Votes To Close Bridge\n\n"
    "The council met on Monday evening and voted to close the old bridge for repairs "
    "after a long debate about costs.\n\nResidents spoke at length about the detour, and "
    "the mayor promised a shuttle bus for the months of the work.\n"
)


def test_the_headline_is_looked_for_until_one_is_found() -> None:
    """The headline sat under a menu the line model took: the first pass found none and
    the later passes did not look, so the text kept it, and a run over the clean output
    took it as the title (clean output did not clean to itself)."""
    once = strip_boilerplate(NAV_THEN_HEADLINE)
    assert once.title == "Council Votes To Close Bridge"
    assert once.text.startswith("The council met")
    again = strip_boilerplate(once.text)
    assert again.text == once.text and again.title is None


def test_a_text_with_a_title_of_its_own_is_not_searched_for_another() -> None:
    """A record cleaned before comes with its title; its text's first heading is the
    text's own (a second run took it as a new title, over the record's)."""
    text = (
        "Big News Today\nBig News Today\nA Second Heading Here\nThe council met on Monday "
        "and voted to close the old bridge for repairs after a long debate.\n"
    )
    once = strip_boilerplate(text)
    assert once.title == "Big News Today" and once.text.startswith("A Second Heading Here")
    again = strip_boilerplate(once.text, title=once.title)
    assert again.text == once.text and again.title is None and not again.removed
    doc = Document("d", "a.jsonl", once.text, title=once.title)
    [out] = StripBoilerplate(BoilerplateConfig()).run([doc])
    assert out.text == once.text and out.title == "Big News Today"


CODE_PAGE = """A short guide to {topic} in Python

This example shows a small program for {topic}. It reads the input and prints what it \
found, and it stops with an error message when the input cannot be read at all.

```python
import os
def run_{k}(path):
    if os.path.exists(path):
        print("found {k}", path)
    else:
        print("missing {k}", path)
```

The function above is all you need for {topic}; call it with the path of the input you \
want to check before you go on.
"""


def test_corpus_repeat_takes_a_code_block_whole_or_not_at_all(tmp_path: Path) -> None:
    """The lines common to much code (``import os``, ``else:``) are repeated over a
    site's pages while each block is the page's own: corpus-repeat took them one by one
    and left broken code."""
    from cleaner import clean_corpus
    from cleaner.config import CleanConfig, DedupConfig

    raw = tmp_path / "raw"
    raw.mkdir()
    topics = ("parsing configuration files", "walking a directory tree", "counting words")
    for k, topic in enumerate(topics):
        (raw / f"page{k}.md").write_text(CODE_PAGE.format(topic=topic, k=k), encoding="utf-8")
    clean_corpus(raw, tmp_path / "out", CleanConfig(dedup=DedupConfig(documents=False)))
    corpus = (tmp_path / "out" / "corpus.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in corpus.splitlines()]
    assert len(records) == 3
    for k, record in enumerate(records):
        assert f"import os\ndef run_{k}(path):\n    if os.path.exists(path):" in record["text"]
        assert "    else:\n" in record["text"]
    audit = (tmp_path / "out" / "audit.jsonl").read_text(encoding="utf-8")
    assert "corpus-repeat" not in audit


def test_a_phrase_family_does_not_cut_a_line_out_of_a_kept_code_block() -> None:
    """A license's text in a code block holds "All rights reserved": copyright took that
    line and left the block broken (21 blocks of the dev pages, most of the pydocs
    license page's). A block keeps such lines while it keeps any; one every line of
    which a family takes still goes whole."""
    text = (
        "Here is the licence text that ships with the library, exactly as the file "
        "LICENSE holds it.\n\n```\nCopyright (c) 2020 Example Ltd.\nAll rights reserved.\n"
        "Permission is granted to use, copy and modify this software for any purpose.\n"
        "```\n\nKeep the file next to the code when you pass the library on to somebody "
        "else.\n"
    )
    out = strip_boilerplate(text)
    assert "Copyright (c) 2020 Example Ltd.\nAll rights reserved.\nPermission" in out.text
    assert not out.removed
    furniture = text.replace(
        "Permission is granted to use, copy and modify this software for any purpose.\n",
        "Share on Facebook\n",
    )
    gone = strip_boilerplate(furniture)
    assert "```" not in gone.text and "All rights reserved." not in gone.text

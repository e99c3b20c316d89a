"""The HTML flattening: the lines the text path would see, and what the markup says of each."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from cleaner.config import CleanConfig, DedupConfig
from cleaner.document import Document
from cleaner.html.flatten import (
    FAR,
    HINTS,
    MODEL_HINTS,
    Flat,
    code_lines,
    flatten,
    pre_lines,
)
from cleaner.names import StageName
from cleaner.pipeline import Pipeline
from cleaner.rules.context import prepare_page
from cleaner.rules.model import LineModel
from cleaner.stages.boilerplate import strip_boilerplate

PAGE = """<!doctype html><html><head><title>The bridge closes</title>
<style>p { color: red }</style><script>var x = "<p>not text</p>";</script></head>
<body>
<header class="site-header"><nav><ul><li><a href="/">Home</a></li><li><a href="/n">News</a></li>
</ul></nav></header>
<main><article class="post-content">
<h1>The bridge closes</h1>
<p>The council met on Monday and voted to close the old bridge for repairs, which
will take <b>six</b>&nbsp;months.</p>
<p>Drivers can use the <a href="/ring">ring road</a> meanwhile. Buses will be rerouted.</p>
<pre>line one
  line two</pre>
</article>
<div id="comments" class="comment-list"><p>Great article, thanks for sharing this!</p></div>
</main>
<footer><p>Copyright 2026 The Gazette</p></footer>
<!-- a comment that is not text -->
</body></html>"""


def _lines(flat: Flat) -> list[str]:
    return flat.text.split("\n")


def _hint(flat: Flat, line: str, name: str) -> float:
    row = flat.hints[_lines(flat).index(line)]
    assert row is not None
    return row[HINTS.index(name)]


def test_lines_follow_the_blocks_and_skip_what_is_not_text() -> None:
    flat = flatten(LexborHTMLParser(PAGE))
    lines = _lines(flat)
    assert lines[0] == "The bridge closes"  # the <title> first
    assert "Home" in lines and "News" in lines  # each list item on its own line
    assert (
        "The council met on Monday and voted to close the old bridge for repairs, which "
        "will take six months."
    ) in lines
    assert "Drivers can use the ring road meanwhile. Buses will be rerouted." in lines
    assert "line one" in lines and "  line two" in lines  # pre keeps its breaks and indent
    assert not any("var x" in line or "color" in line or "not text" in line for line in lines)
    assert not any("a comment that" in line for line in lines)
    assert len(flat.hints) == len(lines)
    assert all((h is None) == (line == "") for h, line in zip(flat.hints, lines, strict=True))
    assert all(len(h) == len(HINTS) for h in flat.hints if h is not None)
    assert "" in lines and "\n\n\n" not in flat.text  # one blank line around paragraphs


def test_hints_say_where_a_line_sits() -> None:
    flat = flatten(LexborHTMLParser(PAGE))
    assert _hint(flat, "Home", "in_nav") == 1.0
    assert _hint(flat, "Home", "in_header") == 1.0
    assert _hint(flat, "Home", "link_density") == 1.0
    assert _hint(flat, "Home", "in_li") == 1.0
    body = "Drivers can use the ring road meanwhile. Buses will be rerouted."
    assert _hint(flat, body, "in_nav") == 0.0
    assert _hint(flat, body, "in_article") == 1.0
    assert _hint(flat, body, "in_p") == 1.0
    assert _hint(flat, body, "class_content") == 1.0  # its parent's class is post-content
    assert _hint(flat, body, "class_comment") == FAR  # no ancestor names comments
    assert 0.1 < _hint(flat, body, "link_density") < 0.2
    assert _hint(flat, body, "in_main") == 1.0
    assert _hint(flat, "Home", "in_main") == 0.0
    assert _hint(flat, "The bridge closes", "in_title") == 1.0
    assert _hint(flat, "Great article, thanks for sharing this!", "class_comment") == 1.0
    assert _hint(flat, "Great article, thanks for sharing this!", "after_main") == 1.0
    assert _hint(flat, "Home", "before_main") == 1.0
    assert _hint(flat, body, "before_main") == _hint(flat, body, "after_main") == 0.0
    assert _hint(flat, "Copyright 2026 The Gazette", "in_footer") == 1.0
    assert _hint(flat, "line one", "in_pre") == 1.0


def test_a_line_is_code_when_all_of_it_is() -> None:
    """``in_pre`` (the model's column, and the lines the rules leave to code) says a line
    opens in ``pre`` or ``code``; ``in_code``, which keeps a line from the headline, that
    all of it is there."""
    flat = flatten(
        LexborHTMLParser(
            "<body><h1><code>aifc</code> — Read and write AIFF files</h1>"
            "<pre>x = 1\n  y = 2</pre><ul><li><code>os.sep</code></li></ul>"
            "<p>Use <code>os.sep</code> here.</p><code>a = 1\nb = 2</code></body>"
        )
    )
    lines = _lines(flat)
    filled = [k for k, line in enumerate(lines) if line]
    assert [_hint(flat, lines[k], "in_pre") for k in filled] == [1, 1, 1, 1, 0, 1, 1]
    assert [_hint(flat, lines[k], "in_code") for k in filled] == [0, 1, 1, 1, 0, 1, 1]
    assert sorted(pre_lines(flat.hints)) == [filled[k] for k in (0, 1, 2, 3, 5, 6)]
    assert sorted(code_lines(flat.hints)) == [filled[k] for k in (1, 2, 3, 5, 6)]
    assert "in_code" not in MODEL_HINTS


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p><span class="a">2026</span><span class="b">1h 54m</span></p>', "2026 1h 54m"),
        ("<p>A <a href=x>link</a>, then more.</p>", "A link, then more."),
        ("<p>one<br>two</p>", "one\ntwo"),
        ("<table><tr><td>Beans</td><td>16 oz</td></tr><tr><td>Rice</td></tr></table>",
         "Beans 16 oz\nRice"),
        ("<noscript><p>Posts a forum shows without scripts.</p></noscript>",
         "Posts a forum shows without scripts."),
        ("<div hidden>Hidden menu</div><p>Shown.</p>", "Hidden menu\n\nShown."),
        # markup of part of a word joins it, as a browser shows it; a footnote's number
        # and a menu's spans stand apart
        ("<p>H<sub>2</sub>O is <b>bold</b>er, un<wbr>breakable, Scythe<i>’s</i>.</p>",
         "H2O is bolder, unbreakable, Scythe’s."),
        ("<p>Suction<sup>1</sup> and <span>Home</span><span>News</span></p>",
         "Suction 1 and Home News"),
        # a drop cap (a paragraph's first letter in an element of its own) joins its
        # word; a lone capital before a space, a capital, or inside a line stands apart
        ('<p><span class="dropcap">T</span>here are</p><p><span>W</span><span>hile</span></p>'
         '<p>T<a href=x>ransparency</a></p><p><span>É</span>té</p>',
         "There are\n\nWhile\n\nTransparency\n\nÉté"),
        ("<p><span>A</span> dog</p><p><span>A</span><span>Dog</span></p>"
         "<p><b>x</b><span>T</span>here</p><p><span>1</span>st</p>",
         "A dog\n\nA Dog\n\nx T here\n\n1 st"),
        # a highlighter's spans in code are the code's own characters
        ('<pre><span class="n">os</span><span class="o">.</span><span class="n">path</span>'
         '<span class="p">(</span><span class="s1">"a"</span><span class="p">)</span></pre>'
         '<p>Use <code><span class="pre">os.path</span></code>.</p>',
         'os.path("a")\n\nUse os.path.'),
        # the space between an element and punctuation goes, as does the source's layout
        # there; a space typed in the text stays (French typography, straight quotes)
        ("<p><a>Switch to Application</a>\n\t\t. Then <b>Jane</b> <span>, an editor</span>"
         " and Jane Doe\n     , Contributor</p>",
         "Switch to Application. Then Jane, an editor and Jane Doe, Contributor"),
        ('<p>Bonjour ! Comment allez-vous ? La liste : pommes ; poires.</p>'
         '<p>He said: " quoted " text, <code>ls -l ; echo</code>.</p>',
         'Bonjour ! Comment allez-vous ? La liste : pommes ; poires.\n\n'
         'He said: " quoted " text, ls -l ; echo.'),
    ],
)  # fmt: skip
def test_flattening_of_small_pieces(html: str, expected: str) -> None:
    assert flatten(LexborHTMLParser(f"<body>{html}</body>")).text == expected


_POLICY = "We collect the personal information you give us when you order, and we use it to ship."
_ARTICLE = "The wool runner is soft, light and made to be worn every day without socks."


@pytest.mark.parametrize(
    "wrap",
    [
        '<div role="dialog" id="modal-privacy">{}</div>',  # a shop's policy in a dialog
        "<footer>{}</footer>",
        '<aside class="rail">{}</aside>',
        '<nav aria-label="help">{}</nav>',
        '<div aria-hidden="true">{}</div>',
    ],
)
def test_the_main_container_is_never_a_dialog_footer_aside_or_nav(wrap: str) -> None:
    """Held out, a shop's privacy policy in a dialog inside the footer outweighed the
    product text and was taken as the main text (product page F1 0.02)."""
    policy = "".join(f"<p>{_POLICY} Clause {k}.</p>" for k in range(8))
    page = f"<body><main><div><p>{_ARTICLE}</p><p>{_ARTICLE} Twice.</p></div></main>"
    flat = flatten(LexborHTMLParser(page + wrap.format(policy) + "</body>"))
    assert _hint(flat, _ARTICLE, "in_main") == 1.0
    assert _hint(flat, f"{_POLICY} Clause 3.", "in_main") == 0.0
    assert _hint(flat, f"{_POLICY} Clause 3.", "after_main") == 1.0
    # the same prose outside those regions is the page's main text
    plain = flatten(LexborHTMLParser(page + f"<section>{policy}</section></body>"))
    assert _hint(plain, f"{_POLICY} Clause 3.", "in_main") == 1.0
    # with no prose elsewhere, not even the region's shortest element is the main text
    bare = "<body><p>Sizes 7 to 12.</p>" + wrap.format("<h2>Hi</h2>" + policy) + "</body>"
    flat = flatten(LexborHTMLParser(bare))
    assert _hint(flat, "Hi", "in_main") == _hint(flat, f"{_POLICY} Clause 3.", "in_main") == 0.0


def test_a_hidden_element_is_flagged() -> None:
    flat = flatten(LexborHTMLParser('<body><div style="display: none">Menu</div><p>A.</p></body>'))
    assert _hint(flat, "Menu", "in_hidden") == 1.0
    assert _hint(flat, "A.", "in_hidden") == 0.0


@pytest.mark.parametrize(
    "names",
    ["sr-only", "sr-only sr-only-focusable", "visually-hidden", "govuk-visually-hidden",
     "visuallyhidden", "screen-reader-text", "show-for-sr", "element-invisible",
     "usa-sr-only", "fl-screen-reader-text", "sbi-screenreader", "elementor-screen-only",
     "ui-helper-hidden-accessible", "eds-is-hidden-accessible"],
)  # fmt: skip
def test_text_for_screen_readers_only_is_marked(names: str) -> None:
    """Held out, lines no sighted reader sees stayed on 21 pages of 8 sites ("Loading...",
    "Select Size", "Opens in New Window", "Skip to search results"): 3,101 tokens, 4 of
    them gold."""
    html = f'<body><a class="{names}" href="#main">Skip to content</a><p>A.</p></body>'
    flat = flatten(LexborHTMLParser(html))
    assert _hint(flat, "Skip to content", "in_reader") == 1.0
    assert _hint(flat, "A.", "in_reader") == 0.0
    # a class that merely holds the words is no such class ("screen-only": not in print)
    for other in ("hidden-xs", "srt-only", "sr-mobile", "screen-only", "accessible-menu"):
        flat = flatten(LexborHTMLParser(html.replace(names, other)))
        assert _hint(flat, "Skip to content", "in_reader") == 0.0


def test_a_forums_page_is_marked_on_every_line() -> None:
    """The class or id of <html> or <body> naming a forum, a thread or a question marks
    every line; the same word on an inner element, or inside another word, does not."""
    body = "<p>Topic title</p><div><p>First post.</p></div>"
    for html in (
        f'<html><body class="single-topic bbpress">{body}</body></html>',
        f'<html class="forum-page"><body>{body}</body></html>',
        f'<html><body id="phpbb">{body}</body></html>',
    ):
        flat = flatten(LexborHTMLParser(html))
        assert sum(h is not None for h in flat.hints) == 2, html
        assert all(h is None or h[HINTS.index("in_forum")] == 1.0 for h in flat.hints), html
    for html in (
        f'<html><body><div class="forum">{body}</div></body></html>',
        f'<html><body class="forumlike questionnaire">{body}</body></html>',
    ):
        flat = flatten(LexborHTMLParser(html))
        assert all(h is None or h[HINTS.index("in_forum")] == 0.0 for h in flat.hints), html
    assert "in_forum" not in MODEL_HINTS


def test_a_line_is_for_screen_readers_when_most_of_its_text_is() -> None:
    """Not when its first words are: "<span class=sr-only>Warning:</span> The bridge
    ..." is a line every reader sees."""
    html = (
        '<body><p><span class="sr-only">Warning:</span> The bridge is closed until May.</p>'
        '<p>Read more<span class="sr-only"> about the bridge and its long history</span></p>'
        '<p class="sr-only">Loading <b>the</b> map</p></body>'
    )
    flat = flatten(LexborHTMLParser(html))
    assert _hint(flat, "Warning: The bridge is closed until May.", "in_reader") == 0.0
    assert _hint(flat, "Read more about the bridge and its long history", "in_reader") == 1.0
    assert _hint(flat, "Loading the map", "in_reader") == 1.0


def test_a_short_class_word_matches_only_whole() -> None:
    html = '<body><div class="ad">Buy now</div><div class="shadow header-wrap">Logo</div></body>'
    flat = flatten(LexborHTMLParser(html))
    assert _hint(flat, "Buy now", "class_advert") == 0.0  # the element itself
    assert _hint(flat, "Logo", "class_advert") == FAR  # "shadow" is not "ad"
    assert _hint(flat, "Logo", "class_chrome") == 0.0


def test_deep_nesting_and_empty_pages_do_not_fail() -> None:
    deep = "<body>" + "<div>" * 5000 + "Deep text." + "</div>" * 5000 + "</body>"
    assert flatten(LexborHTMLParser(deep)).text == "Deep text."
    assert flatten(LexborHTMLParser("")) == Flat("", (None,))
    assert flatten(LexborHTMLParser("<html><body> </body></html>")) == Flat("", (None,))


def test_the_stage_takes_hints_that_match_and_ignores_those_that_do_not() -> None:
    flat = flatten(LexborHTMLParser(PAGE))
    with_hints = strip_boilerplate(flat.text, hints=flat.hints)
    assert "Buses will be rerouted." in with_hints.text
    assert "Home" not in with_hints.text.split("\n")
    short = flat.hints[:-1]  # one line fewer than the text: not used, no error
    assert strip_boilerplate(flat.text, hints=short).text == strip_boilerplate(flat.text).text


def test_hints_follow_the_lines_a_stage_keeps_and_go_after_the_settle_round() -> None:
    flat = flatten(LexborHTMLParser(PAGE))
    doc = Document("p", "p.html", flat.text, hints=flat.hints)
    body = "Drivers can use the ring road meanwhile. Buses will be rerouted."
    row = flat.hints[_lines(flat).index(body)]
    fewer = doc.with_changes([], text=f"Home\n\n{body}")
    assert fewer.hints == (flat.hints[_lines(flat).index("Home")], None, row)
    cut = doc.with_changes([], text="ring road meanwhile. Buses will be rerouted.")
    assert cut.hints == (row,)  # a prefix cut from a line keeps the line's hints
    repaired = doc.with_changes([], text=flat.text.replace("Home", "H\u00f6me"))
    assert repaired.hints == flat.hints  # as many lines: each keeps its own
    (out,) = Pipeline.from_config(CleanConfig(dedup=DedupConfig(documents=False))).run([doc])
    assert out.hints is None and body in out.text
    assert "hints" not in out.record()


CODE_PAGE = """<html><head><title>Defining functions</title></head><body>
<nav><a href="/">Home</a> <a href="/docs">Docs</a> <a href="/blog">Blog</a></nav>
<main><article><h1>Defining functions</h1>
<p>To define a function in Python, use the def statement followed by its name and its
arguments, as the example below shows for the Fibonacci series.</p>
<pre><span class="k">def</span> <span class="nf">fib</span>(n<span class="p">):</span>
    <span class="n">a</span>, <span class="n">b</span> <span class="o">=</span> 0, 1
    <span class="k">while</span> a <span class="o">&lt;</span> n:
	<span class="nb">print</span>(a,  end<span class="o">=</span><span class="s1">' '</span>)
</pre>
<p>The keyword def introduces a function definition, and the statements that form the
body of the function start at the next line and must be indented.</p>
</article></main>
<footer><p>Copyright 2026 Example Docs. All rights reserved.</p></footer></body></html>"""
CODE = "def fib(n):\n    a, b = 0, 1\n    while a < n:\n\tprint(a,  end=' ')"


def test_code_from_html_keeps_its_indentation_through_the_run() -> None:
    """A pre's lines keep their indentation and inner spaces, through repair, the
    boilerplate stage (which judges them trimmed) and the settle round; the rest of the
    page is trimmed as ever, and the text path still trims every line."""
    flat = flatten(LexborHTMLParser(CODE_PAGE))
    assert CODE in flat.text
    doc = Document("p", "p.html", flat.text, hints=flat.hints)
    (out,) = Pipeline.from_config(CleanConfig(dedup=DedupConfig(documents=False))).run([doc])
    body = CODE.split("\n", 1)[1]  # the model may doubt the def line of so small a page
    assert body in out.text and "Home" not in out.text and "Copyright" not in out.text
    assert all(line == line.strip() for line in out.text.split("\n") if line not in CODE)
    (again,) = Pipeline.from_config(CleanConfig(dedup=DedupConfig(documents=False))).run(
        [Document("p", "p.txt", out.text)]
    )
    assert "a, b = 0, 1\nwhile a < n:\nprint(a, end=' ')" in again.text  # text: trimmed


def test_the_settle_round_gets_the_hints_also_where_repeats_were_counted() -> None:
    """A run that counted the corpus's repeated lines gives the strip stage its
    repeated hashes (``with_repeated``): the stage must still pass the page's hints on
    to the settle round, which strips a page from HTML with the HTML model. It dropped
    them, so the settle round judged such a page as plain text."""
    flat = flatten(LexborHTMLParser(PAGE))
    doc = Document("p", "p.html", flat.text, hints=flat.hints)
    pipeline = Pipeline.from_config(CleanConfig(), corpus_stages=False)
    for counted in (pipeline, pipeline.with_repeated([1, 2, 3])):
        strip = next(s for s in counted.stages if s.name == StageName.STRIP_BOILERPLATE)
        (out,) = strip.run([doc])
        assert out.hints is not None and len(out.hints) == out.text.count("\n") + 1


def test_a_removed_line_of_a_page_from_html_says_what_its_markup_said() -> None:
    flat = flatten(LexborHTMLParser(PAGE))
    removed = {r.text: r for r in strip_boilerplate(flat.text, hints=flat.hints).removed}
    assert removed["Home"].where is not None
    assert "nav" in removed["Home"].where.split("; ")
    assert "links 100%" in removed["Home"].where
    # from the text alone: where a line sat against the line model's main span only
    text_where = {r.where for r in strip_boilerplate(flat.text).removed}
    assert text_where and all(w is None or "main span" in w for w in text_where)
    assert not any(w and "links" in w for w in text_where)


def test_the_shipped_html_model_reads_these_hints_and_scores_pages_from_html() -> None:
    model = LineModel.html_default()
    assert model.hints and model.stages  # its columns match HINTS, or loading fails
    assert not LineModel.default().hints
    flat = flatten(LexborHTMLParser(PAGE))
    page = prepare_page(flat.text)
    page.hints = list(flat.hints)
    lines = _lines(flat)
    scores = model.scores(page)
    body = lines.index("Drivers can use the ring road meanwhile. Buses will be rerouted.")
    assert scores[body] > scores[lines.index("Home")]
    page.hints = None  # the same lines without their markup score otherwise
    assert model.scores(page) != scores


@pytest.mark.parametrize("blocks", [True, False])
def test_no_document_leaves_the_pipeline_with_hints(blocks: bool) -> None:
    flat = flatten(LexborHTMLParser(PAGE))
    doc = Document("p", "p.html", flat.text, hints=flat.hints)
    config = CleanConfig(dedup=DedupConfig(documents=False, blocks=blocks))
    (out,) = Pipeline.from_config(config).run([doc])
    assert out.hints is None


def test_no_rule_takes_a_line_of_a_pre_by_its_shape() -> None:
    """A pre's "}" lines, and the short lines between them, are code: the shape rules
    (a line of symbols, a run of short lines boxed in by removed ones) leave them to the
    line model, which keeps or drops the block whole."""
    from collections.abc import Collection

    from cleaner.rules.context import Page

    class KeepAll(LineModel):
        def scores(self, page: Page, wanted: Collection[int] | None = None) -> dict[int, float]:
            return dict.fromkeys(page.nonempty(), 0.98)

    code = "if (ready) {\n  start();\n}\nreturn done;\n}"
    page = CODE_PAGE.replace(CODE_PAGE[CODE_PAGE.index("<pre>") : CODE_PAGE.index("</pre>")],
                             f"<pre>{code}\n")  # fmt: skip
    flat = flatten(LexborHTMLParser(page))
    out = strip_boilerplate(flat.text, hints=flat.hints)
    assert code in flat.text and code in _stripped(flat, KeepAll(None))
    assert code in out.text or "start();" not in out.text  # the shipped model: whole or not


def _stripped(flat: Flat, model: LineModel) -> str:
    from cleaner.config import BoilerplateConfig
    from cleaner.stages.boilerplate import _strip
    from cleaner.stages.repeats import NO_REPEATS

    return _strip(flat.text, BoilerplateConfig(), NO_REPEATS, model=model, hints=flat.hints).text

"""Pages nested too deep to parse in good time: their start tags past the cap become line
breaks, and every word stays (cleaner.html.nesting)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from cleaner.html import nesting, parse_html
from cleaner.html.encoding import page_text
from cleaner.readers import read_file
from tests.warcs import page


def _depth(html: str) -> int:
    """How deep lexbor's tree goes."""
    from selectolax.lexbor import LexborHTMLParser

    deepest, stack = 0, [(LexborHTMLParser(html).root, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        child = node.child
        while child is not None:
            stack.append((child, depth + 1))
            child = child.next
    return deepest


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    """A cap of 40 and a scan of every page, so the tests' pages stay small."""
    monkeypatch.setattr(nesting, "MAX_DEPTH", 40)
    monkeypatch.setattr(nesting, "SCAN_ABOVE", 0)
    return 40


@pytest.mark.parametrize("tag", ["div", "section", "blockquote", "ul", "span", "font"])
@pytest.mark.parametrize("closed", [False, True])
def test_a_deep_page_keeps_its_lines_and_nests_no_deeper_than_the_cap(
    small_cap: int, tag: str, closed: bool
) -> None:
    levels = 300
    html = "".join(f"<{tag}>word{k} " for k in range(levels))
    html += f"</{tag}>" * levels if closed else ""
    capped, dropped = nesting.cap_nesting(html)
    assert dropped == levels - small_cap
    assert capped.count(f"<{tag}>") == small_cap
    assert capped.count(f"</{tag}>") == (small_cap if closed else 0)  # with their starts
    assert _depth(capped) <= small_cap + 4  # html, body and the text node above the cap
    assert _depth(html) > levels
    # the same words in the same order; a block tag's line break is kept as <br>
    before = parse_html(html.encode()).text
    after = parse_html(capped.encode()).text
    assert after.split() == before.split()
    if tag in ("div", "section", "blockquote", "ul"):
        assert [line.strip() for line in after.split("\n") if line.strip()] == [
            f"word{k}" for k in range(levels)
        ]


@pytest.mark.parametrize("tag", ["span", "font", "b", "em"])
@pytest.mark.parametrize("gap", ["", " "])
def test_a_deep_inline_tag_cut_leaves_the_text_as_the_parse_makes_it(
    small_cap: int, tag: str, gap: str
) -> None:
    """A cut inline tag became a line break: 120,000 unclosed ``font`` made as many lines,
    past the line limit, so the page was rejected as a list or log. It now becomes what
    the flattening makes of the tag: a space, or nothing for one that joins its text."""
    html = "<p>" + "".join(f"<{tag}>w{k}{gap}" for k in range(300))
    capped, dropped = nesting.cap_nesting(html)
    assert dropped == 300 - small_cap
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nesting, "MAX_DEPTH", 10**6)  # the page as it is, parsed whole
        whole = parse_html(html.encode())
    page = parse_html(capped.encode())
    assert page.deep_tags == 0 and page.text == whole.text
    assert len(page.text.splitlines()) < 5


def test_parse_html_counts_the_tags_it_took_out(small_cap: int, tmp_path: Path) -> None:
    html = "<html><body>" + "<div>deep text here " * 100 + "</body></html>"
    parsed = parse_html(html.encode())
    assert parsed.deep_tags == 100 - small_cap
    assert parsed.text.split().count("deep") == 100
    path = tmp_path / "deep.html"
    path.write_text(html)
    entry = read_file(path, path.name)
    assert entry.repairs == {"deep-nesting": 100 - small_cap}
    [doc] = entry.documents
    assert doc.text.split().count("deep") == 100


@pytest.mark.parametrize(
    "html",
    [
        # an svg's shapes close themselves: no depth
        "<div><svg>" + '<path d="M0 0"/>' * 200 + "</svg></div><p>After.</p>",
        # tags in a script, a style or a comment are no tags
        "<script>"
        + "<div>" * 200
        + "</script><style>"
        + "<div>" * 200
        + "</style>"
        + "<!--"
        + "<div>" * 200
        + "--><p>Text.</p>",
        # elements a sibling closes, and void ones, do not nest
        "<ul>" + "<li>item <br><img src=x>" * 200 + "</ul>" + "<p>para " * 200,
        # properly closed siblings
        "<div>" + "<div><span>x</span></div>" * 300 + "</div>",
        # a stray end tag closes nothing
        "</div>" * 300 + "<div>" * 30 + "text",
    ],
)
def test_pages_that_do_not_nest_deep_are_left_as_they_are(small_cap: int, html: str) -> None:
    assert nesting.cap_nesting(html) == (html, 0)


@pytest.mark.parametrize("name", ["wcxb-0482", "wcxb-0541", "wcxb-4207", "wcxb-5592"])
def test_real_pages_nest_far_below_the_cap(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Scanned whatever their size, the test pages reach no depth of 64 by the scan."""
    monkeypatch.setattr(nesting, "MAX_DEPTH", 64)
    monkeypatch.setattr(nesting, "SCAN_ABOVE", 0)
    text = page_text(page(name)).text
    assert text is not None
    assert nesting.cap_nesting(text) == (text, 0)


def test_a_page_with_few_tags_is_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nesting, "MAX_DEPTH", 5)
    html = "<div>" * 50
    assert nesting.cap_nesting(html) == (html, 0)  # 50 tags: under SCAN_ABOVE
    monkeypatch.setattr(nesting, "SCAN_ABOVE", 49)
    assert nesting.cap_nesting(html)[1] == 45


def test_a_page_of_many_lt_and_no_gt_is_scanned_once() -> None:
    """Each "<" that fails to start a tag costs a look to the page's end for a ">": on a
    page with none, that was time quadratic in its "<" (792 KB of "if a<b then" took 18
    s). The tag that starts with the first "<" now runs to the end, and the scan stops."""
    page = "<p>" + "if a<b then " * 2000
    tokens = list(nesting._TOKEN.finditer(page))
    assert [t.group(2) for t in tokens] == ["p", "b"]
    assert tokens[-1].end() == len(page)  # one look to the end, not 2,000
    assert nesting.cap_nesting("<p>" + "if a<b then " * 66000)[1] == 0


@pytest.mark.parametrize(
    "opening",
    [
        "<!-->",  # an empty comment: HTML5 ends it at once
        "<!--->",
        "<!-- a -- b --!>",  # "--!>" ends a comment too
        "<title>Use <!-- to open a comment</title>",  # a title's text holds no markup
        "<textarea><script></textarea>",
        "<script>x</script foo>",  # an end tag with attributes
        "<style-guide></style-guide>",  # a custom element, not a style
        "<xmp><div></xmp><iframe><div></iframe>",
    ],
)
def test_markup_that_opens_a_page_does_not_stop_the_scan(small_cap: int, opening: str) -> None:
    """A few bytes of ordinary markup read as a comment or a script that never ends made
    the scan stop, so the deep page after them went to the parser whole (100,000 div:
    37 s; 300,000: more than two minutes)."""
    html = opening + "<div>word " * 300
    capped, dropped = nesting.cap_nesting(html)
    assert dropped == 300 - small_cap
    assert _depth(capped) <= small_cap + 4


def test_tags_in_raw_text_are_no_tags(small_cap: int) -> None:
    html = "<title>" + "<div>" * 300 + "</title><textarea>" + "<div>" * 300 + "</textarea>"
    assert nesting.cap_nesting(html) == (html, 0)
    # inside svg a title is a plain element, whose tags count
    assert nesting.cap_nesting("<svg><title>" + "<div>" * 300)[1] > 0


@pytest.mark.parametrize("seed", range(200))
def test_a_capped_page_parses_no_deeper_than_the_cap(small_cap: int, seed: int) -> None:
    """The scan reads the page as lexbor does, near enough: on random pieces of markup,
    the capped page's tree stays within twice the cap (the parser reopens formatting
    elements such as ``b`` that a block closed, which the scan does not follow), and
    every word stays. Before the scan read comments and raw text as HTML5 does, 45 of
    these pages went deeper than the cap and 4, reaching 97, went past twice the cap."""
    rng = random.Random(seed)
    pieces = ["<div>", "</div>", "<span>", "</span>", "<svg>", "<g/>", "</svg>", "<p>", "<",
              "a<b ", ">", "<!--", "-->", "<script>", "</script>", " text ", "<br>", "<!-->",
              "<title>", "</title>", "<textarea>", "</textarea>", "<style-guide>", "</script x>",
              "--!>", "<b>", "<section>"]  # fmt: skip
    weights = [30, 10, 20, 5, 1, 1, 1, 3, 2, 3, 2, 1, 1, 1, 1, 10, 3, 1, 1, 1, 1, 1, 2, 1, 1, 2, 5]
    html = "".join(rng.choices(pieces, weights, k=rng.randint(50, 400)))
    capped, _ = nesting.cap_nesting(html)
    assert _depth(capped) <= 2 * small_cap + 8
    assert parse_html(capped.encode()).text.split() == parse_html(html.encode()).text.split()

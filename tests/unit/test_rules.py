"""The fast paths of ``cleaner.rules`` against the plain formulas they replace.

Line features feed a trained model, so a faster way to compute one must give the same
number, bit for bit. Each test below keeps the plain formula (the one the model was
trained with) and checks the fast one against it on tricky text: letters and digits
of other scripts, emoji, combining marks, odd spaces, empty lines; then on random
text. The tree scorer is checked against the level-by-level walk the same way.
"""

from __future__ import annotations

import math
import os
import pickle
import re
import subprocess
import sys
import threading

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner.html.flatten import HINTS
from cleaner.pipeline import Pipeline
from cleaner.rules import features, patterns
from cleaner.rules import model as model_module
from cleaner.rules.context import (
    SENTENCE_END,
    Page,
    ends_sentence,
    is_body,
    is_heading_like,
    prepare_page,
)
from cleaner.rules.features import (
    CODE,
    COUNT,
    LINK_WORDS,
    PRICE,
    ROW_WIDTH,
    SHOP_WORDS,
    SMOOTH,
    char_classes,
    lexical_features,
    lexicon_tokens,
    line_features,
    lower_words,
    main_span,
    smooth_features,
)
from cleaner.rules.model import MIN_KEEP, LineModel, Trees, page_cut, protected_headings
from cleaner.rules.patterns import (
    CJK,
    CJK_CHARS_PER_WORD,
    STOPWORDS,
    WORD,
    count_words,
    is_link_row,
    word_count,
    words,
)
from cleaner.stages.boilerplate import StripBoilerplate

TRICKY = [
    "",
    " ",
    "a",
    "_",
    "__init__ snake_case x_1 _x",
    "Ünïcödé façade naïve",
    "İstanbul ŞEHİR I\u0307",
    "straße STRASSE ǅ titlecase ǈ",
    "٣٤٥ ۱۲ ५६ ７８ ²³ ½ Ⅻ 〇 ꙮ",
    "emoji 😀👍🏽 ok 🇫🇷",
    "e\u0301 combining n\u0303 a\u0308\u0301",
    "tab\tsep\x1c\x1d\x1e\x1f\x0b\x0c end",
    "\u2028line\u2029 \xa0nbsp\u3000ideographic",
    "\x00nul \x7f del \udcff surrogate",
    "ＡＢＣ fullwidth Ｋ K Kelvin",
    "日本語のテキスト。",
    "مرحبا بالعالم.",
    "Ελληνικά κείμενα;",
    "Price: $5 or 5€ or ¥٣, 4 USD, 3.50 EUR",
    "12 replies · 3.4k views · 4.5 / 5 · out of 5",
    "(1,234)",
    'He said "no."',
    "(see above)",
    "end…",
    "end.”’)]",
    "end.”’)] ",
    '"',
    "”",
    "The end.\n",
    "a.\n\n",
    "a\n.",
    "def f(x):",
    "  >>> import os",
    "$ ls -la",
    "# heading",
    "... more",
    "return x",
    "Home | News | Sport",
    "| Ferry | 25 | 3.50 |",
    "Home / News / World",
    "A • B • C",
    "Home » 2024 » News",
    "HOME ABOUT CONTACT",
    "Add to cart - Free shipping on orders over $50",
    "The council met on Monday and voted to close the old bridge for repairs.",
]
texts = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="ascii")),
    st.text(alphabet=" \t\n.!?…\"'”’)]_aZé09٣²|/•€$()=<>;#:"),
)


# the formulas the model was trained with
def old_own(text: str, repeats: int) -> tuple[float, ...]:
    toks = words(text)
    n = len(toks)
    chars = max(len(text), 1)
    alpha = sum(map(str.isalpha, text))
    digits = sum(map(str.isdigit, text))
    punct = len(text) - sum(map(str.isalnum, text)) - sum(map(str.isspace, text))
    stops = sum(t.lower() in STOPWORDS for t in toks)
    upper = sum(t[0].isupper() for t in toks)
    return (
        math.log1p(n),
        math.log1p(len(text)),
        float(bool(SENTENCE_END.search(text))),
        float(text.endswith(":")),
        stops / n if n else 0.0,
        alpha / chars,
        digits / chars,
        punct / chars,
        upper / n if n else 0.0,
        sum(map(len, toks)) / n if n else 0.0,
        float("http" in text or "www." in text or "@" in text),
        float(bool(features.SEPARATORS.search(text))),
        float(bool(features.BULLET.match(text))),
        float(bool(CODE.search(text))),
        sum(t.lower() in LINK_WORDS for t in toks) / n if n else 0.0,
        float(text.isupper()),
        math.log1p(repeats - 1),
        float(1 <= n <= 12 and not text.endswith((".", ",", ";"))),
        float(bool(PRICE.search(text))),
        float(bool(COUNT.search(text))),
        sum(t.lower() in SHOP_WORDS for t in toks) / n if n else 0.0,
    )


def old_lexicon_tokens(text: str) -> set[str]:
    return {t.lower() for t in words(text) if len(t) > 1 and t.isalpha()}


_OLD_ITEM_SEP = re.compile(r"\s+[|•·»›]\s+|\s+/\s+")


def old_is_link_row(text: str) -> bool:
    if text.startswith("|") or text.endswith("|"):
        return False
    parts = _OLD_ITEM_SEP.split(text)
    return len(parts) >= 3 and all(
        1 <= len(words(p)) <= 4 and not any(c.isdigit() for c in p) for p in parts
    )


def plain_word_count(text: str) -> int:
    """A word per ``\\w+`` token outside Chinese and Japanese script, and one per
    ``CJK_CHARS_PER_WORD`` characters (rounded up) of it."""
    cjk = sum(1 for c in text if CJK.fullmatch(c))
    return len(WORD.findall(CJK.sub(" ", text))) + math.ceil(cjk / CJK_CHARS_PER_WORD)


def check_line(text: str) -> None:
    assert word_count(text) == count_words(text) == plain_word_count(text)
    if CJK.search(text) is None:
        assert count_words(text) == len(WORD.findall(text))
    assert ends_sentence(text) == bool(SENTENCE_END.search(text))
    assert char_classes(text) == (
        sum(map(str.isalpha, text)),
        sum(map(str.isdigit, text)),
        sum(map(str.isalnum, text)),
        sum(map(str.isspace, text)),
    )
    assert lower_words(text) == [t.lower() for t in words(text)]
    fast, plain = lexicon_tokens(text), old_lexicon_tokens(text)
    assert fast == plain
    assert list(fast) == list(plain)  # same order, so the same float sums
    assert is_link_row(text) == old_is_link_row(text)
    n, cols, *_ = features._own(text)
    assert n == len(words(text))
    for repeats in (1, 3):
        row = (*cols[:16], features._repeat_col(repeats), *cols[17:])
        assert row == old_own(text, repeats)


@pytest.mark.parametrize("text", TRICKY)
def test_fast_line_formulas_match_the_plain_ones(text: str) -> None:
    check_line(text)
    check_line(text.strip())


@settings(max_examples=300, deadline=None)
@given(texts)
def test_fast_line_formulas_match_on_random_text(text: str) -> None:
    check_line(text)


def old_block_and_run_columns(page: Page) -> dict[str, list[float]]:
    """The block, run and shape columns as the plain loops computed them in training."""
    idx = page.nonempty()
    texts = [page.text_of(i) for i in idx]
    nwords = [len(words(t)) for t in texts]
    ids = [page.block[i] for i in idx]
    length: dict[int, int] = {}
    total: dict[int, int] = {}
    for b, k in zip(ids, nwords, strict=True):
        length[b] = length.get(b, 0) + 1
        total[b] = total.get(b, 0) + k
    index, seen = [], {}
    for b in ids:
        index.append(seen.get(b, 0))
        seen[b] = seen.get(b, 0) + 1
    run, start = [0.0] * len(idx), 0
    for r in range(1, len(idx) + 1):
        if r == len(idx) or (nwords[r] <= 6) != (nwords[start] <= 6):
            run[start:r] = [float(r - start) if nwords[start] <= 6 else 0.0] * (r - start)
            start = r
    shape = [
        (min(k, 12) // 3) * 4 + t[:1].isdigit() * 2 + (t[-1:] in ".!?")
        for k, t in zip(nwords, texts, strict=True)
    ]
    same = [
        float(sum(0 <= r + d < len(idx) and shape[r + d] == shape[r] for d in (-2, -1, 1, 2)))
        for r in range(len(idx))
    ]
    return {  # numpy's log1p over the column, as training took it (not always math's)
        "block_lines": np.log1p([length[b] for b in ids]).tolist(),
        "block_index": np.log1p(index).tolist(),
        "block_words": np.log1p([total[b] for b in ids]).tolist(),
        "short_run": np.log1p(run).tolist(),
        "same_shape": same,
    }


_page_lines = st.lists(st.sampled_from([*TRICKY, "", "", "1 two", "a b c d e f g h"]), max_size=40)


@settings(max_examples=200, deadline=None)
@given(_page_lines, st.lists(st.integers(0, 4), min_size=40, max_size=40))
def test_block_and_run_columns_match_the_plain_loops(lines: list[str], ids: list[int]) -> None:
    """Blocks as a text gives them (runs between blank lines), and in any order."""
    for page in (
        Page.parse("\n".join(lines)),
        Page(lines, [ids[k] for k in range(len(lines))], rule=[None] * len(lines)),
    ):
        _, x = line_features(page)
        for name, want in old_block_and_run_columns(page).items():
            got = x[:, features.NAMES.index(name)].tolist()
            assert got == want, name


def old_protected_headings(page: Page) -> set[int]:
    """Section headings as the stage first found them: every kept triple, in turn."""
    kept = [i for i in page.nonempty() if page.kept(i)]
    return {
        i
        for a, i, b in zip(kept, kept[1:], kept[2:], strict=False)
        if is_heading_like(page.text_of(i))
        and len(page.text_of(i).split()) <= 12
        and is_body(page.text_of(a))
        and is_body(page.text_of(b))
    }


_PARAGRAPH = "The council met on Monday and voted to close the old bridge for repairs."
_HEADINGS = ["Results", " ".join(["word"] * 12), " ".join(["word"] * 13)]  # 12 words at most


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*TRICKY, _PARAGRAPH, _PARAGRAPH, *_HEADINGS, ""]), max_size=30),
    st.sets(st.integers(0, 29)),
)
@example([_PARAGRAPH, _HEADINGS[1], _PARAGRAPH, _HEADINGS[2], _PARAGRAPH], set())
@example([_PARAGRAPH, "Results", "Menu", _PARAGRAPH, "Results", _PARAGRAPH], {2})
def test_protected_headings_are_the_plain_loops(lines: list[str], taken: set[int]) -> None:
    page = Page.parse("\n".join(lines))
    for i in taken:
        if i < len(page.lines):
            page.mark(i, "navigation")  # removed lines are not neighbours
    assert protected_headings(page) == old_protected_headings(page)


_ANYWHERE_LINES = [
    "We use cookies to improve your experience.",
    "By using this site you agree: THIS WEBSITE USES COOKIES",
    "Read our Cookie Policy",
    "© 2024 Example Ltd. All rights reserved.",
    "Example Ltd. all rights reservedly",
    "Please subscribe to our channel",
    "Readers who subscribe get it on Sunday.",
    "x\rall rights reserved",
]


@settings(max_examples=300, deadline=None)
@given(st.one_of(texts, st.sampled_from(_ANYWHERE_LINES)))
def test_families_searched_anywhere_decide_as_one_pattern_with_dot_star(text: str) -> None:
    """``match(main) or search(anywhere)`` is ``match(main|.*(anywhere))`` on a line."""
    line = text.replace("\n", " ")  # lines hold no newline, where ``.`` would stop
    for rule, pattern, _, anywhere in patterns._COMPILED:
        if anywhere is None:
            continue
        one = re.compile(f"(?:{pattern.pattern})|.*(?:{anywhere.pattern.pattern})", re.IGNORECASE)
        split = bool(pattern.match(line) or anywhere.search(line))
        assert split == bool(one.match(line)), rule


# every scan of the rules, and per word of it a line its pattern finds with no other word
_SCANS = {
    "caption credit": patterns._CREDIT_SCAN,
    "count": features._COUNT_OF_SCAN,
    "price": features._PRICE_SCAN,
    **{rule: scan for rule, _, _, scan in patterns._COMPILED if scan is not None},
}
_SCAN_LINES = {
    "caption credit": [
        "Photo: Jane Doe", "Images by NASA", "(Picture courtesy of the family)",
        "Illustration: Ann Lee", "Video: BBC News", "Graphic: The Times", "Credit: Ann Lee",
        "Troops gather in the square. AFP", "Smoke over the city. Reuters",
        "Sunset over the bay. Shutterstock", "A cat on a mat. iStock/Getty",
    ],
    "count": [
        "12 replies", "1 reply", "3.4k views", "40 posts", "7 Comments", "5 likes",
        "120 reviews", "9 ratings", "4 stars", "30 items", "200 results", "12 products",
        "900 members", "14 votes", "3 points", "2 answers", "Rated 4 out of 5", "4.5/5",
    ],
    "price": [
        "Only $5 today", "Now €12.99", "£3 a month", "¥500", "₹250 off", "12 USD",
        "9,99 EUR", "20 GBP",
    ],
    "subscribe-prompt": ["Please subscribe to our channel"],
    "cookie": ["We use cookies to improve your experience."],
    "browser-notice": ["Powered by Discourse, best viewed with JavaScript enabled"],
    "copyright": [
        "Example Ltd. all rights reserved",
        "We are not responsible for the content of external sites",
        "Material here: no reproduction in whole or in part",
    ],
}  # fmt: skip
# the characters IGNORECASE matches with ASCII letters: dotless i, long s, the Kelvin sign
_FOLDS = "\u0131\u017f\u212a"


@pytest.mark.parametrize("name", sorted(_SCANS))
def test_each_word_of_a_scan_is_needed(name: str) -> None:
    """The scan finds every example line, in either case, and each word has a line that
    holds no other word of the scan: a word left out would pass that line over."""
    scan = _SCANS[name]
    lines = _SCAN_LINES[name]
    for line in lines:
        assert scan.pattern.search(line), line
        assert scan.search(line) and scan.search(line.upper()) and scan.search(line.lower()), line
    for word in scan.words:
        if any(w != word and w in word for w in scan.words):
            continue  # "reviews" holds "views": a line with it is scanned anyway
        alone = [t for t in lines if [w for w in scan.words if w in t.lower()] == [word]]
        assert alone, f"{name}: no example line holds only {word!r}"


_SCAN_PIECES = st.sampled_from(
    [w for scan in _SCANS.values() for w in scan.words]
    + [t for lines in _SCAN_LINES.values() for t in lines]
    + [" ", ": ", "/", "(", ")", "12", "4.5", "by ", "Jane Doe", _FOLDS, "\u0130"]
)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(sorted(_SCANS)),
    st.lists(st.one_of(_SCAN_PIECES, texts), max_size=6).map("".join),
    st.booleans(),
)
def test_a_scan_finds_what_its_pattern_finds(name: str, text: str, upper: bool) -> None:
    """Also where IGNORECASE matches a letter that is not ASCII ("ſ" for "s")."""
    scan = _SCANS[name]
    line = text.upper() if upper else text
    assert bool(scan.search(line)) == bool(scan.pattern.search(line))


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("subscribe-prompt", "Pleaſe ſubſcribe to our channel"),  # ſ matches s
        ("cookie", "We uſe cookıes"),  # ı matches i
        ("copyright", "All rights reſerved"),
        ("caption credit", "Vıdeo: BBC News"),
    ],
)
def test_a_line_with_a_folded_letter_is_scanned(name: str, line: str) -> None:
    """Its pattern finds it, though its lower-cased text holds none of the words."""
    assert not any(word in line.lower() for word in _SCANS[name].words)
    assert _SCANS[name].pattern.search(line) and _SCANS[name].search(line)
    for scan in _SCANS.values():
        assert bool(scan.search(line)) == bool(scan.pattern.search(line))


def test_scan_text_gives_up_on_exactly_the_letters_str_lower_does_not_fold() -> None:
    """Of the code points that re.IGNORECASE matches with an ASCII letter (in a class or
    as a literal), those whose ``str.lower`` is not that letter make
    :func:`~cleaner.rules.patterns.scan_text` give up; no other one does."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    as_class = re.compile("[a-z]", re.IGNORECASE).fullmatch
    as_literal = re.compile("|".join(letters), re.IGNORECASE).fullmatch
    folded = [chr(cp) for cp in range(0x80, 0x110000) if as_class(chr(cp)) or as_literal(chr(cp))]
    assert len(folded) == 4  # the re docs: İ, ı, ſ and the Kelvin sign
    odd = {
        ch
        for ch in folded
        for letter in letters
        if re.fullmatch(letter, ch, re.IGNORECASE) and ch.lower() != letter
    }
    assert odd == {"\u0130", "\u0131", "\u017f"}
    for ch in folded:
        assert (patterns.scan_text(f"a {ch} b") is None) == (ch in odd), ch
    assert patterns.scan_text("Ünïcödé ÀÉ") == "ünïcödé àé"


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("We use cookies to improve your experience.", "cookie"),
        ("Read our Cookie Policy", "cookie"),
        ("Example Ltd. all rights reserved", "copyright"),
        ("Material here: no reproduction in whole or in part", "copyright"),
        ("Please subscribe to our channel", "subscribe-prompt"),
        ("Powered by Discourse, best viewed with JavaScript enabled", "browser-notice"),
    ],
)
def test_a_family_takes_its_phrase_anywhere_in_the_line(line: str, rule: str) -> None:
    """In any case, and with a letter that IGNORECASE folds ("ſ" for s, "ı" for i)."""
    folded = line.replace("s", "\u017f").replace("i", "\u0131")
    for text in (line, line.upper(), line.lower(), f"“{line}”", folded):
        assert patterns.find_line_rule(text) == rule, text


def test_lexical_features_match_the_plain_mean() -> None:
    vocab = {"the": 0.1, "café": -0.7, "ok": 1e-17, "council": 0.3, "bridge": 2.5}
    rows = lexical_features(TRICKY, vocab)
    for text, row in zip(TRICKY, rows, strict=True):
        toks = old_lexicon_tokens(text)
        vals = [vocab[t] for t in toks if t in vocab]
        want = (
            (math.fsum(vals) / len(vals), min(vals), max(vals), len(vals) / len(toks))
            if vals
            else (0.0, 0.0, 0.0, 0.0)
        )
        assert tuple(row) == want


def _row(text: str) -> tuple[float, float]:
    return float(len(text)), float(text.count("a"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["a", "b", "aa", "ab", "ba", "", "abc", *TRICKY])), max_size=8
    ),
    st.integers(1, 6),
)
def test_a_line_table_gives_each_text_its_own_row(pages: list[list[str]], size: int) -> None:
    """Rows stay right across pages, repeats within a page, a table that starts again
    when a page's new lines do not fit, and a page with more lines than the table."""
    table = features.LineTable(2, _row, size=size)
    for texts in pages:
        got = table.columns(texts)
        assert got.shape == (len(texts), 2)
        assert [tuple(r) for r in got] == [_row(t) for t in texts]


def test_a_line_table_computes_a_line_once() -> None:
    seen: list[str] = []

    def row(text: str) -> tuple[float]:
        seen.append(text)
        return (float(len(text)),)

    table = features.LineTable(1, row, size=8)
    table.columns(["a", "bb", "a"])
    table.columns(["bb", "ccc"])
    assert seen == ["a", "bb", "ccc"]


def test_threads_share_a_line_table() -> None:
    table = features.LineTable(2, _row, size=16)
    pages = [[f"{k}a{j % 7}" * (j % 3 + 1) for j in range(k, k + 12)] for k in range(40)]
    wrong: list[int] = []

    def work(start: int) -> None:
        for k in range(start, len(pages) * 5, 3):
            texts = pages[k % len(pages)]
            if [tuple(r) for r in table.columns(texts)] != [_row(t) for t in texts]:
                wrong.append(k)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(3)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not wrong


def test_a_model_and_its_line_table_survive_pickling() -> None:
    """A pipeline given a model is pickled to worker processes (Ray, datasets' map): the
    copy's table starts empty and scores as the original does."""
    model = LineModel.default()
    text = "\n".join(TRICKY)
    want = model.scores(prepare_page(text))
    copy = pickle.loads(pickle.dumps(Pipeline.from_config(line_model=model)))
    strip = next(s for s in copy.stages if isinstance(s, StripBoilerplate))
    assert strip.model is not None and strip.model.table.columns([]).shape == (0, ROW_WIDTH)
    assert strip.model.scores(prepare_page(text)) == want


def test_line_features_with_the_model_table_are_those_without() -> None:
    model = LineModel.default()
    for text in ["\n".join(TRICKY), "\n".join(TRICKY[::-1] * 2)]:
        page = prepare_page(text)
        _, fresh = line_features(page, model.vocab)
        _, kept = line_features(page, model.vocab, model.table)
        _, again = line_features(page, model.vocab, model.table)
        assert np.array_equal(fresh, kept, equal_nan=True)
        assert np.array_equal(fresh, again, equal_nan=True)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Share", "Reply", _PARAGRAPH, "x", ""]), max_size=12))
def test_line_features_count_the_lines_printed_more_than_once(lines: list[str]) -> None:
    page = Page.parse("\n".join(lines))
    idx, x = line_features(page)
    texts = [page.text_of(i) for i in idx]
    column = x[:, features.NAMES.index("in_doc_repeats")]
    assert column.tolist() == [math.log1p(texts.count(t) - 1) for t in texts]


_LEX_PROGRAM = """
from cleaner.rules.features import lexical_features
vocab = {"big": 1e16, "one": 1.0, "minus": -1e16, "tiny": 0.1, "more": 3.3, "less": -2.2}
print(repr(lexical_features(["big one minus tiny more less"], vocab)[0, 0]))
"""


def test_lexical_mean_does_not_depend_on_the_hash_seed() -> None:
    # the words are a set, iterated in an order that changes with PYTHONHASHSEED; a
    # plain float sum of these values gives 0.0, 1.0, 1.1, ... depending on that order
    seen = {
        subprocess.run(
            [sys.executable, "-c", _LEX_PROGRAM],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(8)
    }
    assert len(seen) == 1


def test_line_features_word_columns_count_words() -> None:
    page = prepare_page("\n".join(TRICKY[1:]).replace("\n\n", "\n"))
    idx, x = line_features(page)
    nwords = np.array([len(words(page.text_of(i))) for i in idx], dtype=np.float64)
    assert x[:, features.NAMES.index("log_words")].tolist() == [math.log1p(k) for k in nwords]


def _rows(trees: Trees, n: int, width: int, seed: int) -> np.ndarray:
    """Random rows, with some values exactly on a split threshold and a NaN."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, width)) * 3
    hit = rng.integers(0, len(trees.feature), size=n * 30)
    rows = rng.integers(0, n, size=n * 30)
    x[rows, trees.feature[hit]] = np.where(
        np.isfinite(trees.threshold[hit]), trees.threshold[hit], 0.0
    )
    x[0, 1] = np.nan
    return x


needs_native = pytest.mark.skipif(
    model_module.native is None,
    reason="no C compiler at install (tests/unit/test_kernels.py says whether one was found)",
)


@pytest.mark.parametrize("n", [1, 2, 9, 64, 65, 200])
@pytest.mark.parametrize("model", [LineModel.default(), LineModel.html_default()])
def test_tree_scores_match_the_level_walk(model: LineModel, n: int) -> None:
    width = len(features.NAMES) + (len(HINTS) if model.hints else 0)
    for k, (_, trees) in enumerate(model.stages):
        assert trees.masks is not None
        x = _rows(trees, n, width + k * len(features.SMOOTH), seed=n + k)
        walked = trees.walk(x).tobytes()
        assert trees.numpy_raw(x).tobytes() == walked
        if model_module.native is not None:
            assert trees.native_raw(x).tobytes() == walked
            assert trees.raw(x).tobytes() == walked


@needs_native
def test_the_c_walker_refuses_rows_too_narrow_for_the_trees() -> None:
    _, trees = LineModel.default().stages[0]
    with pytest.raises(ValueError, match="columns"):
        trees.native_raw(np.zeros((3, trees.layout.widest)))
    assert trees.native_raw(np.zeros((0, trees.layout.widest + 1))).size == 0
    lay = trees.layout
    parts = (lay.feature, lay.child, lay.threshold, lay.value, lay.roots, lay.depths)
    x = np.zeros((2, lay.widest + 1))
    with pytest.raises(ValueError, match="one value per row"):  # the module's own checks
        model_module.native.leaves(x, x.shape[1], *parts, np.empty((2, 1)))
    with pytest.raises(ValueError, match="whole number of rows"):
        model_module.native.leaves(x, x.shape[1] + 1, *parts, np.empty((2, len(lay.roots))))
    with pytest.raises(ValueError, match="whole number of items"):
        model_module.native.leaves(x, x.shape[1], *parts[:-1], b"1234", np.empty(0))


def test_scores_of_some_lines_are_those_of_the_whole_page() -> None:
    """The strip stage asks only for the lines it judges; their scores must not move."""
    text = "\n".join(TRICKY[1:]) + "\n\nThe council met on Monday and voted to close the bridge."
    page = prepare_page(text)
    model = LineModel.default()
    every = model.scores(page)
    lines = sorted(every)
    for wanted in (set(lines[::2]), set(lines[1:2]), set()):
        assert model.scores(page, wanted) == {i: every[i] for i in sorted(wanted)}


def _chain(depth: int) -> dict[str, list[float]]:
    """A tree that splits on feature 0 at 0, 1, 2, ...: ``depth + 1`` leaves."""
    tree: dict[str, list[float]] = {k: [] for k in ("feature", "threshold", "left", "right")}
    tree |= {"value": [], "leaf": []}
    for d in range(depth):
        node = len(tree["leaf"])
        tree["feature"] += [0, 0]
        tree["threshold"] += [float(d), 0.0]
        tree["left"] += [node + 1, 0]
        tree["right"] += [node + 2, 0]
        tree["value"] += [0.0, float(d)]
        tree["leaf"] += [0, 1]  # the left child is a leaf; the right one splits next
    tree["feature"].append(0)
    tree["threshold"].append(0.0)
    tree["left"].append(0)
    tree["right"].append(0)
    tree["value"].append(float(depth))
    tree["leaf"].append(1)
    return tree


@pytest.mark.parametrize("depth", [0, 1, 5, 63, 70])
def test_small_deep_and_single_leaf_trees(depth: int) -> None:
    trees = Trees([_chain(depth), _chain(3)])
    assert (trees.masks is None) == (depth + 1 > 64)  # too many leaves: walked instead
    x = np.arange(-2.0, depth + 2.0, 0.5)[:, None]
    want = [min(max(math.ceil(v), 0), depth) + min(max(math.ceil(v), 0), 3) for v in x[:, 0]]
    assert trees.numpy_raw(x).tolist() == want
    assert trees.walk(x).tolist() == want
    if model_module.native is not None:
        assert trees.native_raw(x).tolist() == want


def test_a_tree_that_is_not_a_tree_is_refused() -> None:
    tree = _chain(2)
    tree["right"][2] = 0  # back to the root: a walk would never end
    with pytest.raises(ValueError, match="reaches a node twice"):
        Trees([tree])


@pytest.mark.parametrize(
    ("edits", "said"),
    [
        ({0: 9}, "points past its nodes"),
        ({0: 3, 2: 1}, "must follow it"),  # leaves 1 and 3 swapped: 1 is below node 2
        ({0: 2}, "reaches a node twice"),
    ],
)
def test_trees_whose_children_are_out_of_place_are_refused(
    edits: dict[int, int], said: str
) -> None:
    tree = _chain(2)  # node 0 splits into leaf 1 and node 2, which splits into 3 and 4
    for node, to in edits.items():
        tree["left"][node] = to
    with pytest.raises(ValueError, match=said):
        Trees([tree])


@needs_native
def test_trees_with_no_node_anywhere_add_nothing() -> None:
    empty = {k: [] for k in _chain(1)}
    trees = Trees([empty, _chain(3), empty, _chain(1), empty])
    x = np.arange(-2.0, 5.0, 0.5)[:, None]
    assert trees.native_raw(x).tolist() == trees.numpy_raw(x).tolist()


@needs_native
def test_the_c_walker_sends_nan_right_and_a_tie_left_as_numpy_does() -> None:
    tree = _chain(1)  # feature 0 <= 0: leaf 0, else leaf 1
    trees = Trees([tree, {k: [] for k in tree}])  # and a tree with no node: adds 0
    x = np.array([[np.nan], [0.0], [-0.0], [np.inf], [-np.inf], [1e-300]])
    assert trees.native_raw(x).tolist() == [1.0, 0.0, 0.0, 1.0, 0.0, 1.0]
    assert trees.native_raw(x).tolist() == trees.numpy_raw(x).tolist()


_page_scores = st.lists(
    st.tuples(st.floats(0.001, 0.999), st.integers(0, 60)), min_size=1, max_size=40
)


@given(_page_scores, st.floats(0.0, 1.0), st.floats(0.0, 1.0))
@settings(max_examples=200, deadline=None)
def test_page_cut_keeps_fewer_lines_as_precision_weighs_more(
    lines: list[tuple[float, int]], a: float, b: float
) -> None:
    scores, words = zip(*lines, strict=True)
    low, high = sorted((a, b))
    kept_low = [s for s in scores if s >= page_cut(scores, words, low)]
    kept_high = [s for s in scores if s >= page_cut(scores, words, high)]
    assert kept_high or max(scores) < MIN_KEEP  # else the likeliest line stays
    assert set(kept_high) <= set(kept_low)


def test_page_cut_ends() -> None:
    scores, words = [0.9, 0.6, 0.3, 0.15], [30, 5, 12, 40]
    assert page_cut(scores, words, 1.0) == 0.9  # precision alone: the likeliest line
    assert page_cut(scores, words, 0.0) == 0.15  # recall alone: every line
    assert page_cut([*scores, 0.05], [*words, 3], 0.0) == MIN_KEEP  # but not furniture
    assert page_cut([0.2] * 5, [10] * 5, 0.9) == 0.2  # no line likelier than another
    assert page_cut([], [], 0.6) == 0.0
    assert page_cut([0.0, 0.0], [5, 5], 0.6) == math.inf  # nothing can be content


def test_page_cut_keeps_the_likeliest_lines_of_a_doubtful_page() -> None:
    """A product grid the model doubts line by line: a fixed 0.5 would drop it all."""
    grid, furniture = [0.35] * 8, [0.04] * 8
    cut = page_cut(grid + furniture, [6] * 16, 0.62)
    assert cut == 0.35
    clear = page_cut([0.97] * 8 + [0.35] * 2, [40] * 8 + [6] * 2, 0.62)
    assert clear == 0.97  # beside a clear article the same doubtful lines go


def test_page_cut_temperature_softens_the_scores() -> None:
    """Below 1 the scores count as less sure: a doubtful line beside a clear article,
    which the scores as given would drop, stays; 1 is the scores as given."""
    scores, words = [0.97] * 8 + [0.35] * 2, [40] * 8 + [6] * 2
    assert page_cut(scores, words, 0.62, 1.0) == page_cut(scores, words, 0.62) == 0.97
    assert page_cut(scores, words, 0.62, 0.3) == 0.35


def test_a_model_file_sets_the_page_cut_temperature() -> None:
    import json

    from cleaner.rules.model import MODEL_PATH

    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    data["temperature"] = 0.3
    model = LineModel(data)
    assert model.temperature == 0.3
    assert model.cut([0.97] * 8 + [0.35] * 2, [40] * 8 + [6] * 2) == page_cut(
        [0.97] * 8 + [0.35] * 2, [40] * 8 + [6] * 2, model.precision_weight, 0.3
    )
    del data["temperature"]  # a model trained before the temperature reads as 1
    assert LineModel(data).temperature == 1.0


def test_main_span_is_the_stretch_the_model_believes_in() -> None:
    assert main_span(np.array([-1.0, 2.0, -0.5, 3.0, -4.0, 1.0])) == (1, 4)
    assert main_span(np.array([-1.0, -2.0])) == (0, 0)
    assert main_span(np.zeros(0)) == (0, 0)


@given(st.lists(st.integers(-5, 5), max_size=25))
@settings(max_examples=300, deadline=None)
def test_main_span_has_the_largest_sum_of_any_run(values: list[int]) -> None:
    lo, hi = main_span(np.array(values, dtype=np.float64))
    runs = [sum(values[a:b]) for a in range(len(values)) for b in range(a + 1, len(values) + 1)]
    best = max([0, *runs])
    assert sum(values[lo:hi]) == best
    assert (hi > lo) == (best > 0)


def test_smooth_features_place_each_line_against_the_main_span() -> None:
    """An article, then a comment thread the first model half believes: the thread's
    lines lie after the span, by the words between them and the article."""
    article = ["This is a sentence of the article, long enough to be a paragraph here."] * 4
    thread = ["Log in to reply", "Great post, I agree with every word of this one.", "Reply"]
    page = Page.parse("\n".join(article + thread))
    idx = page.nonempty()
    first = np.array([0.95] * 4 + [0.2, 0.55, 0.1])
    out = smooth_features(page, idx, first)
    col = {name: out[:, k] for k, name in enumerate(SMOOTH)}
    assert col["in_span"].tolist() == [1.0] * 4 + [0.0] * 3
    assert col["span_before"].tolist() == [0.0] * 7
    n_reply = word_count(thread[0])
    assert col["span_after"].tolist() == [0.0] * 4 + [0, n_reply, n_reply + word_count(thread[1])]
    words = [word_count(t) for t in article + thread]
    assert col["span_share"][0] == pytest.approx(sum(words[:4]) / sum(words))


def test_a_model_file_without_a_precision_weight_says_retrain() -> None:
    import json

    from cleaner.rules.model import MODEL_PATH

    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    data["threshold"] = data.pop("precision_weight")  # the layout of version 0.1.0
    with pytest.raises(ValueError, match="retrain"):
        LineModel(data)


def test_a_line_cache_keeps_short_lines_and_starts_over_when_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def measure(line: str) -> int:
        calls.append(line)
        return len(line)

    cached = patterns.line_cache(measure)
    assert cached("ab") == cached("ab") == 2 and calls == ["ab"]  # computed once
    long = "x" * (patterns.CACHED_CHARS + 1)
    assert cached(long) == cached(long) == len(long) and calls.count(long) == 2  # not kept
    monkeypatch.setattr(patterns, "CACHED_LINES", 3)
    for line in "cdefg":
        assert cached(line) == 1
    assert len(cached.__self__) <= 3  # type: ignore[attr-defined]
    assert cached("ab") == 2 and calls.count("ab") == 2  # emptied when full: asked again

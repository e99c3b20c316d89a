"""Phrase and shape families that name a boilerplate line on its own.

Each family is a rule name plus a few anchored patterns. A pattern has to match the
whole line, or the line has to be short, so that a sentence which merely mentions
"cookies" or "subscribe" stays. :func:`line_rule` returns the first family that
matches, or None. Context rules (runs, the head above the title, repeats) live in
:mod:`cleaner.rules.context`; dates and titles in :mod:`cleaner.rules.meta`.

>>> line_rule("Share on Facebook")
'share-prompt'
>>> line_rule("We use cookies to improve your experience. Accept all")
'cookie'
>>> line_rule("Readers who subscribe to the paper get it on Sunday.") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from cleaner.names import PiiType

T = TypeVar("T")
WORD = re.compile(r"\w+")

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?"
_NAME = r"[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}"  # one to four capitalized words
_WHEN = (  # a comment's time stamp: "Saturday, November 3 at 11:13 am", "3/11/2012 @ 18:08"
    rf"(?:(?i:{_DAY}),? )?(?:(?i:{_MONTH}) \d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)? "
    rf"(?i:{_MONTH})|\d{{1,2}}/\d{{1,2}})(?:,? \d{{4}})?,? (?i:at|@) \d{{1,2}}:\d{{2}}"
    rf"(?:\s*(?i:[ap]\.?m\.?))?"
)
# a heading over readers' comments ("Top Rated Comments"): comment-prompt takes it, and
# it heads a thread (COMMENTS_HEADER below)
_READERS_COMMENTS = (
    r"(top[- ]rated|most (liked|popular|recent|helpful)|readers?'?|user|member) comments"
)
# (rule, pattern, max words). The pattern is matched from the line start (a family's
# phrases that may stand anywhere in the line are in `_ANYWHERE` below); a line longer
# than `max words` never matches, so long sentences are left alone.
_FAMILIES: list[tuple[str, str, int]] = [
    (
        "subscribe-prompt",
        r"((subscribe|sign up|signup|register)\b.{0,40}\b(newsletter|updates|inbox|podcast|channel"
        r"|free|today|now|here)"
        r"|subscribe\b|unsubscribe\b|get (the|our) .{0,30}newsletter"
        r"|.{0,60}\bnewsletter\b.{0,40}$|enter your e-?mail|your e-?mail address$"
        r"|join (our|the) (mailing list|newsletter|community)"
        r"|thank(s| you) for (reading|subscribing|signing up))",
        18,
    ),
    (
        "comment-prompt",
        r"(leave a (comment|reply)|post a comment|add a comment|write a comment|\d+ comments?$"
        r"|comments?( \(\d+\))?$|no comments( yet)?|be the first to comment|show comments"
        r"|view comments|join the (discussion|conversation)"
        r"|your e-?mail address will not be published"
        r"|required fields are marked|cancel reply|reply$|notify me of|save my name"
        r"|you must be logged in to post|comment policy|leave a reply"
        r"|\d+ (responses|thoughts|replies|comments) (to|on)\b.*|add your comment\W*"
        r"|showing \d+\s*[-–]\s*\d+ of \d+( comments| replies)?$|comments are closed\.?$"
        r"|(like|reply|report|flag|quote)(\s*[·|•]\s*(like|reply|report|flag|share|quote))+$"
        r"|\W*\d[\d,]*\s+comments?\W*$"
        rf"|{_READERS_COMMENTS}\W*$)",
        16,
    ),
    (
        # a reader comment's header: "Jane Doe says:", "Jane on May 3, 2024 at 11:13 am";
        # a forum's "X said:" and "X wrote:" are left alone, as forum posts are content
        "comment-byline",
        rf"{_NAME} says:?$|{_NAME},? (?i:on )?{_WHEN}$",
        12,
    ),
    (
        "share-prompt",
        r"(share(\s+(this|on|via|the|article|story|post|page|link|it|with|now)\b.{0,30})?\W*$"
        r"|tweet( this)?$|pin( it)?$"
        r"|e-?mail (this|to a friend)|print( this)?( article| page)?$|copy (the )?link"
        r"|((facebook|twitter|linkedin|pinterest|reddit|whatsapp|telegram|email|e-mail|print|x|"
        r"instagram|youtube|tiktok|flipboard|threads|bluesky|share|copy link)[\s|,/·•]*){1,12}$"
        r"|follow us( on)?\b.{0,40}$|connect with us.{0,30}$)",
        12,
    ),
    (
        "rating-prompt",
        r"(how (would|do) you rate|rate this|was this (article|page|answer|post|information)?"
        r"\s?(helpful|useful)|did you find this (article|page)? (helpful|useful)"
        r"|(yes|no)\s*/\s*(yes|no)"
        r"|\d+(\.\d)? out of 5( stars)?|\d+(\.\d+)? stars?$|your rating|rating:|give feedback)",
        14,
    ),
    (
        "cookie",
        r"(accept (all )?cookies|reject all|manage (cookie|consent|preferences)|accept all$"
        r"|(i )?accept$|got it!?$"
        # a consent manager's dialog: its kinds of cookies, the ad industry's purposes
        # ("Use precise geolocation data"), its switches and buttons
        r"|these cookies (are|may|allow|enable|help|do|collect|will|let)\b"
        r"|we and our \d*\s*partners\b|(store and/or|store or) access information on a device"
        r"|use precise geolocation data|actively scan device characteristics"
        r"|(create|use) (profiles|limited data) (for|to select) (personali[sz]ed )?"
        r"(advertising|content)|measure (advertising|content) performance"
        r"|understand audiences through statistics|develop and improve (services|products)"
        r"|(always active|switch label|checkbox label|confirm my choices|allow all|cookie list"
        r"|legitimate interest|consent|vendor list)$|(manage|show|view) (vendors|partners)\b)",
        80,
    ),
    (
        # what a page says to a browser that cannot show it, and a hidden form field's
        # label: text a reader with a working browser never sees
        "browser-notice",
        r"((please )?(enable|turn on|activate|allow) javascript\b"
        r"|javascript (is|has been|seems to be|appears to be) (disabled|turned off|off|not enabled"
        r"|required|needed|blocked)"
        r"|(this (web)?(site|page|app|application)|you) (requires?|needs?|must (enable|have)"
        r"|need to enable) javascript"
        r"|please (note that )?javascript is (turned off|disabled)"
        r"|(please )?(ensure|make sure) javascript is enabled"
        r"|your (web )?browser (does not|doesn'?t|does not seem to|cannot|can'?t) (support|play"
        r"|display|show)\b"
        r"|you are using an? (out of date|outdated|old|older|unsupported) (web )?browser"
        r"|you should upgrade or use an alternative browser|(please )?(upgrade|update) your"
        r" (web )?browser\b|(note: )?this feature may not be available in some browsers"
        r"|your version of internet explorer\b"
        r"|(please )?(download|use|switch to) a (modern|supported|newer|different) (web )?browser"
        r"|this field is for validation purposes)",
        30,
    ),
    (
        "login",
        r"(log ?in|sign ?in|log ?out|sign ?out|register|create (an |your )?account|my account"
        r"|forgot (your )?password|don'?t have an account|already have an account"
        r"|remember me)\b.{0,30}$"
        # a forum's posting permissions box: "You may not post new threads", "BB code is On"
        r"|you may( not)? (post|edit|attach|reply)\b.{0,30}$|posting (permissions|rules)$"
        r"|(bb ?code|html code|\[img\] code|\[video\] code|smilies|pingbacks|trackbacks"
        r"|refbacks) (is|are) (on|off)$",
        8,
    ),
    (
        "advertisement",
        r"(advertisement|advertising|sponsored( content| by.*)?|ad$|ads by .*|promoted|"
        r"story continues below( advertisement)?|continue reading below|scroll to continue"
        r"( with content)?|article continues (below|after advertisement))$",
        8,
    ),
    (
        "related",
        r"(related( articles| posts| stories| content| news| links| topics| reading)?:?$"
        r"|read (more|next|also)\b|what to read next"
        r"|you (may|might) (also )?(like|enjoy|be interested)"
        r"|more (from|stories|articles|news|on this|like this|in)\b"
        r"|recommended( for you| reading)?:?$"
        r"|also read\b|see more\b|further reading$|keep reading$|up next$|next (article|post|story)"
        r"|previous (article|post|story)|more to explore|popular (posts|articles|stories))",
        14,
    ),
    (
        "trending",
        r"(trending( now| stories| news| topics)?|most (popular|read|viewed|shared)|top stories"
        r"|breaking news|now trending|hot topics|latest (news|posts|stories|articles)?|editor'?s"
        r" picks?|don'?t miss)\W*$",
        5,
    ),
    (
        "copyright",
        r"(©|\(c\)|copyright\b|all rights reserved"
        r"|(terms (of (use|service))|privacy policy|cookie policy|terms & conditions)[\s|·•,]*"
        r"((terms|privacy|cookie|accessibility|sitemap|contact)\b.*)?$)",
        30,
    ),
    (
        "byline",
        r"(?i:by|written by|posted by|words by|author|reported by|story by)\s*(?::\s*)?"
        # "and" between names after a space: cut at every "and" inside a word
        # ("XyandXyand"), a line of such words was tried every way
        r"(?P<names>[A-Z][\w.'’-]+( [A-Z][\w.'’-]+){0,3}"
        r"(\s*(,|(?<=\s)and|&)\s*[A-Z][\w.'’-]+( [A-Z][\w.'’-]+){0,3})*)"
        r"(\s*[|,·•-]\s*.{0,40})?$",
        14,
    ),
    ("see-also", r"see also\b", 30),
    # a teaser cut short with the bracketed ellipsis blogs print after an excerpt; the
    # three-dot "[...]" is left alone, as code and command help end lines with it too
    ("excerpt", r".*\[…\]$", 80),
    (
        "skip-link",
        r"(skip to (main )?(content|navigation|main|footer)|jump to (navigation|search|content)"
        r"|toggle (navigation|menu)|open menu|close menu|menu|search$|back to top|scroll to top"
        r"|go to top|top$)\W*$",
        6,
    ),
]
# What a family also takes anywhere in the line (searched, not matched from the start; each
# phrase holds one of the family's `_ANYWHERE_WORDS`, below):
# the same as a ``.*`` alternative of its pattern, for a line holds no newline, and the
# regex engine skips to where such a phrase can start instead of trying every tail
_ANYWHERE = {
    "subscribe-prompt": r"\b(don'?t forget to|please|click to|make sure to) subscribe\b",
    "cookie": (
        r"\b(we|this (web)?site|our (web)?site)s? uses? cookies"
        r"|\bcookie (policy|settings|preferences|consent|notice)|\buse of cookies"
    ),
    "browser-notice": r"\bbest viewed with javascript\b",
    "copyright": (
        r"\ball rights reserved\b"
        r"|\bnot responsible for the content of (external|other|third[- ]party|linked)\b"
        r"|\b(no )?reproduction in whole or in part\b"
    ),
}
PHRASE_RULES = tuple(rule for rule, _, _ in _FAMILIES)
# the byline family needs case: "By John Smith" but not "by the way"
_CASED = {"byline", "comment-byline"}


# the characters that are not ASCII letters, that re.IGNORECASE takes for one, and that
# str.lower does not turn into it: "İ" (lower-cased "i" and a combining dot) and a
# dotless "ı" for i, a long "ſ" for s (the Kelvin sign, the fourth the re docs name,
# lower-cases to "k")
_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f]")


def scan_text(text: str) -> str | None:
    """``text`` lower-cased, as :class:`Scan` looks for its words in it; None when a
    character of it matches an ASCII letter under re.IGNORECASE that ``str.lower``
    does not give (the line must then be scanned).

    >>> scan_text("Photo: AFP"), scan_text("Café crème"), scan_text("Pleaſe ſubſcribe")
    ('photo: afp', 'café crème', None)
    """
    if text.isascii() or _FOLDS_TO_ASCII.search(text) is None:
        return text.lower()
    return None


class Scan:
    """A pattern to search a line for, and words one of which every match holds.

    A line whose lower-cased text (:func:`scan_text`) holds none of the words cannot
    match, so it is passed over without the pattern's scan, which tries every place in
    the line (a few microseconds a line: the rules' dearest step). A line that holds a
    letter re.IGNORECASE folds to ASCII where ``str.lower`` does not (a dotless "ı"
    matches "i", a long "ſ" matches "s") is always scanned. ``search`` answers as the
    pattern's own ``search`` does; the tests hold each scan's words to its pattern.

    >>> scan = Scan(re.compile(r"\\ball rights reserved\\b", re.I), "reserved")
    >>> bool(scan.search("© 2024 Example. ALL RIGHTS RESERVED")), scan.search("All rights")
    (True, None)
    """

    __slots__ = ("pattern", "words")

    def __init__(self, pattern: re.Pattern[str], *words: str) -> None:
        self.pattern = pattern
        self.words = words

    def search(self, text: str) -> re.Match[str] | None:
        return self.search_lowered(text, scan_text(text))

    def search_lowered(self, text: str, lowered: str | None) -> re.Match[str] | None:
        """:meth:`search`, given ``scan_text(text)`` (one line's, for several scans)."""
        if lowered is not None:
            # each word looked for with ``in`` (memory speed): a regex of the words tried
            # every one at every place, twice as slow with ten words
            for word in self.words:
                if word in lowered:
                    break
            else:
                return None
        return self.pattern.search(text)


# the words every phrase of a family's ``_ANYWHERE`` pattern holds
_ANYWHERE_WORDS = {
    "subscribe-prompt": ("subscribe",),
    "cookie": ("cookie",),
    "browser-notice": ("javascript",),
    "copyright": ("rights reserved", "not responsible", "reproduction"),
}
_COMPILED = [
    (
        rule,
        re.compile(pat, flags := 0 if rule in _CASED else re.IGNORECASE),
        limit,
        # the same case rule as the family's pattern
        Scan(re.compile(_ANYWHERE[rule], flags), *_ANYWHERE_WORDS[rule])
        if rule in _ANYWHERE
        else None,
    )
    for rule, pat, limit in _FAMILIES
]

# (a line with a space in it is no address, known before \S+ backtracks to every ".com";
# an address is read from its first "@", as a later one only leaves less to match)
URL = re.compile(
    r"^(<)?(https?://|www\.)\S+(>)?$|^(?=\S*$)\S+\.(com|org|net|io|gov|edu)(/\S*)?$", re.I
)
# a line that is only an address: as written, or as redact-pii (which runs first) left it
EMAIL = re.compile(
    rf"^(?:(?=\S*$)(?>\S+?@)\S+\.\w+|(?:mailto:)?{re.escape(PiiType.EMAIL.placeholder)})$"
)
IMAGE_URL = re.compile(r"(\.(jpe?g|png|gif|webp|svg|avif)\b|/images?/|image|img|photo)", re.I)
CAPTION_CREDIT = re.compile(
    r"(\b(photo|image|picture|illustration|video|graphic|file photo|credit|photograph)s?"
    r"( credit)?\s*(:|by)\s*[\w.&/’' -]{1,40}$"
    r"|^(photo|image|picture)s?\s+(recovered|courtesy|via|from|by|credit)\b.{0,60}$"
    r"|\((photo|image|picture|credit)s?:?[^)]{0,40}\)$"
    r"|\b(getty images|afp|reuters|shutterstock|ap photo|istock)(/[\w ]+)?\)?$)",
    re.I,
)
# every credit holds one of these words (Getty Images, AP Photo and file photos too)
_CREDIT_SCAN = Scan(
    CAPTION_CREDIT, "photo", "image", "picture", "illustration", "video", "graphic", "credit",
    "afp", "reuters", "shutterstock", "istock",
)  # fmt: skip
SOURCE_LINE = re.compile(r"^sources?\s*:\s*\S.{0,60}$", re.I)
# an entry of a list that counts what is behind each entry: a shop's filters ("Mips (91)",
# "$50.00 to $99.99 (56)"), a blog's categories and archive ("► August 2021 (5)")
COUNTED_ENTRY = re.compile(r"(?P<name>[^\s()][^()]{0,60})\s\(\d[\d,.]*\)")
# a line made only of unfilled template slots; code such as `__name__` or `{{ x }}` inside
# real text is left alone
# (slots with space between and around them, written so that a space can be taken one
# way only, and glued "__a____b__" read one way: one slot, as the two would be; tried
# every way, 25 slots in a line took seconds)
TEMPLATE = re.compile(
    r"(?:\s*(?:(?>__\w+__)|\{\{[^{}]*\}\}|\{%[^%]*%\}|\$\{\w+\}|%\w+%|\[\[\w+\]\]))+\s*"
    r"|undefined|null|NaN|\[object Object\]"
)
# literal HTML left in the text (an embed's fallback, a tracking pixel, an ad tag): a line
# of tags and short text runs whose tags point at another address. A tag without an
# address (an XML or CSS example in documentation) is left alone.
_TAG = r"<[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?>|</[a-zA-Z][\w:-]*\s*>"
# tags with at most 120 other characters between them: each run of text ends at the next
# "<", so the pattern matches or fails in one pass (no two ways to split a run)
MARKUP = re.compile(rf"(?:{_TAG})(?:[^<>]{{0,120}}(?:{_TAG}))*[^<>]{{0,120}}")
_ADDRESS_ATTR = re.compile(r"""\b(?:href|src|data-src|action)\s*=\s*["']?(?:https?:)?//""", re.I)
_STOPWORDS_TEXT = (
    "a about above after again against all am an and any are as at be because been before"
    " being below between both but by can could did do does doing down during each few for"
    " from further had has have having he her here hers herself him himself his how i if"
    " in into is it its itself just me more most my myself no nor not now of off on once"
    " only or other our ours ourselves out over own same she should so some such than that"
    " the their theirs them themselves then there these they this those through to too"
    " under until up very was we were what when where which while who whom why will with"
    " would you your yours yourself yourselves also may might must shall said says one"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def words(line: str) -> list[str]:
    """The ``\\w+`` tokens of a line, the scorer's definition of a word."""
    return WORD.findall(line)


# ASCII byte -> b"a" for a word character (as ``\w`` matches it), b" " for the others
_WORD_BYTES = bytes(0x61 if WORD.match(chr(c)) else 0x20 for c in range(256))


# Chinese and Japanese script (kana, CJK ideographs): written without spaces, so one
# ``\w+`` token can be a whole clause
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
CJK_CHARS_PER_WORD = 2  # about the mean length of a Chinese or Japanese word


def count_words(text: str) -> int:
    """How many words the rules see in ``text``: ``len(words(text))``, ASCII text counted
    on bytes without making the words.

    Chinese and Japanese text has no spaces between words, so its characters count a
    word for every ``CJK_CHARS_PER_WORD`` instead of one ``\\w+`` token per clause: a
    sentence weighs about what its English translation does, and the rules' thresholds
    (a paragraph has ten words) hold for it.

    >>> count_words("Home | About us"), count_words("naïve café, 3½"), count_words("")
    (3, 3, 0)
    >>> count_words("Kindle書籍を読む場合は、一般的にスマホで読みます。")
    11
    """
    if text.isascii():
        marks = text.encode("ascii").translate(_WORD_BYTES)
        return marks.count(b" a") + marks.startswith(b"a")
    if CJK.search(text) is None:
        return len(WORD.findall(text))
    chars = sum(map(len, CJK.findall(text)))
    rest = len(WORD.findall(CJK.sub(" ", text)))
    return rest + -(-chars // CJK_CHARS_PER_WORD)


_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")  # a Markdown code fence opens its line
# a longer run opens no block here: in scraped text "~~~~~~~~~~~~" is a divider, and
# Markdown needs four or five marks only to fence a fence
_FENCE_OPENS = 5


def code_fences(lines: Iterable[str]) -> list[tuple[int, int]]:
    """The Markdown code blocks among ``lines``, each as the numbers of its opening and
    closing fence: three to five backticks or tildes, then the block, then a line of the
    same character, at least as many, and nothing else. A fence never closed fences
    nothing (a stray one in scraped text), nor does a longer run (a divider).

    >>> code_fences(["Run:", "```python", "if x:", "    y()", "```", "~~~", "no close"])
    [(1, 4)]
    >>> code_fences(["~~~~~~~~~~~~", "Share this story", "~~~~~~~~~~~~"])
    []
    """
    pairs = []
    start, fence = -1, ""
    for k, line in enumerate(lines):
        opened = _FENCE.match(line)
        if opened is None:
            continue
        run, rest = opened.group(1), line[opened.end() :]
        if not fence:
            # an info string holds no backtick
            if len(run) <= _FENCE_OPENS and not (run[0] == "`" and "`" in rest):
                start, fence = k, run
        elif run[0] == fence[0] and len(run) >= len(fence) and not rest.strip():
            pairs.append((start, k))
            fence = ""
    return pairs


def fenced(pairs: Iterable[tuple[int, int]]) -> frozenset[int]:
    """The lines inside the code blocks ``pairs`` of :func:`code_fences` (fences apart).

    >>> sorted(fenced(code_fences(["Run:", "```", "if x:", "", "```"])))
    [2, 3]
    """
    return frozenset(k for start, end in pairs for k in range(start + 1, end))


CACHED_CHARS = 1000  # longer lines are not kept by the per-line caches (0.1 % of real lines)


CACHED_LINES = 1 << 16  # a per-line cache is emptied when it holds this many lines


class LineCache(dict[str, T]):
    """A line's answer by ``func``, kept for lines of at most ``CACHED_CHARS``
    characters, and at most ``CACHED_LINES`` of them (then the cache starts over): the
    rules ask about one line many times, and a cache that also kept long lines would
    hold that many of them (13 GB of one-line records of 200 kB each). Looked up as a
    dict is (:func:`line_cache`), a line seen before costs no Python call."""

    __slots__ = ("func",)

    def __init__(self, func: Callable[[str], T]) -> None:
        super().__init__()
        self.func = func

    def __missing__(self, line: str) -> T:
        value = self.func(line)
        if len(line) <= CACHED_CHARS:
            if len(self) >= CACHED_LINES:
                self.clear()
            self[line] = value
        return value


def line_cache(func: Callable[[str], T]) -> Callable[[str], T]:
    """``func``, its answers kept per line by a :class:`LineCache` (``func`` stays
    callable on its own, uncached)."""
    return LineCache(func).__getitem__


# :func:`count_words`, cached: the rules ask about one line many times
word_count = line_cache(count_words)


_BYLINE = next(pat for rule, pat, _, _ in _COMPILED if rule == "byline")
_NAME_SPLIT = re.compile(r"\s*(?:,|\band\b|&)\s*")
# words that follow a byline's names but name a role or an agency, not a person
_NOT_NAMES = frozenset([
    "staff", "writer", "reporter", "editor", "editors", "correspondent", "contributor",
    "columnist", "senior", "associated", "press", "reuters", "afp", "bloomberg", "updated",
    "published", "team", "desk", "by", "the", "our", "admin", "blog", "appointment", "only",
])  # fmt: skip


def byline_names(line: str) -> str | None:
    """The names of a byline line, joined by ", " (None when it is not a byline).

    A name is two to four capitalized words, none of them a role or an agency, so a
    filter heading ("By Industry") or a desk ("By Our Editors") gives no author.

    >>> byline_names("By Jane Doe and John Roe | Reuters")
    'Jane Doe, John Roe'
    >>> byline_names("Written by: Mary Major, Staff Writer")
    'Mary Major'
    >>> byline_names("By Industry") is None, byline_names("by the way") is None
    (True, True)
    """
    found = _BYLINE.match(line.strip())
    if found is None:
        return None
    names = [
        part
        for part in _NAME_SPLIT.split(found.group("names"))
        if 2 <= len(part.split()) <= 4 and not any(w.lower() in _NOT_NAMES for w in part.split())
    ]
    return ", ".join(names) or None


def find_line_rule(line: str) -> str | None:
    """The name of the phrase or shape family a whole line belongs to, or None
    (:func:`line_rule` is this, cached)."""
    text = line.strip()
    if not text:
        return None
    n = word_count(text)
    if not n:
        return "template-leftover"  # a line of only symbols: "`", "|", "»"
    if URL.match(text):
        return "image-url" if IMAGE_URL.search(text) else "url-line"
    if TEMPLATE.fullmatch(text):
        return "template-leftover"
    if is_markup(text):
        return "markup-leftover"
    if EMAIL.match(text):
        return "url-line"
    if is_doubled(text):
        return "caption"
    if is_link_row(text):
        return "navigation"
    if is_link_list(text):
        return "related"
    if n <= 2 and all(t.lower() in STOPWORDS for t in words(text)):
        return "template-leftover"  # "on", "by": inline markup split off its line
    if SOURCE_LINE.match(text) and n <= 8:
        return "credit"
    lowered = scan_text(text)  # once, for every scan below
    if n <= 40 and _CREDIT_SCAN.search_lowered(text, lowered):
        return "caption" if n > 6 else "credit"
    for rule, pat, limit, anywhere in _COMPILED:
        if n <= limit and (
            pat.match(text) or (anywhere is not None and anywhere.search_lowered(text, lowered))
        ):
            return rule
    return None


line_rule = line_cache(find_line_rule)


# of the lines ``comment-prompt`` takes, those that count comments ("167 comments",
# "[ 167 comments ]", "Comments (12)", "3 thoughts on ...") or name readers' comments
# ("Top Rated Comments"): such a header starts a thread even inside the line model's
# main span. A prompt to write one ("Join the conversation") can close a docs page's own
# text, and "12 replies" heads a forum's posts, so neither is one of these.
_COMMENTS_HEADER = (
    r"\W*\d[\d,]*\s+(comments?|thoughts|responses)\b|comments?\s*\(\d+\)"
    rf"|{_READERS_COMMENTS}"
)
COMMENTS_HEADER = re.compile(_COMMENTS_HEADER, re.IGNORECASE)
# of the lines ``comment-prompt`` takes, those that head a thread of reader comments
# below the main span: the headers above, a count of replies, or the prompt to add one;
# a bare "Comments" or "Reply" (a docs page's COMMENT, a forum's buttons) not
THREAD_HEADER = re.compile(
    rf"{_COMMENTS_HEADER}|\d[\d,.]*\s+(comments?|responses|replies|thoughts)\b"
    r"|showing \d+\s*[-–]\s*\d+ of \d+ (comments|replies)"
    r"|(leave|post|add|write) a (comment|reply)|add your comment|join the (discussion|conversation)"
    r"|be the first to comment",
    re.IGNORECASE,
)

# from a run of space's start only, which it takes whole: tried from each space of a
# long run, a line of them took seconds
_ITEM_SEP = re.compile(r"(?<!\s)\s++[|•·»›/]\s+")
_ITEM_SEP_MARK = re.compile(r"[|•·»›/]")  # every separator holds one: a cheap first look


def is_markup(text: str) -> bool:
    """A line of literal HTML whose tags point at another address.

    >>> is_markup('<img height="1" width="1" src="//px.example.com/tr?id=1">')
    True
    >>> is_markup('<a href="https://x.example/album">Mercy by The Band</a>')
    True
    >>> is_markup("<a><b> 1 <c> 2 </c></b></a>")  # an XML example: no address
    False
    """
    return (
        text.startswith("<")
        and _ADDRESS_ATTR.search(text) is not None
        and MARKUP.fullmatch(text) is not None
    )


# the label of a list of links to other pages: "You might also like:", "Most read this week:"
_LIST_LABEL = re.compile(
    r"(you (may|might|will|'ll) (also )?(like|enjoy|be interested in)|more (from|on|in|stories"
    r"|articles|news)\b.{0,30}|most (read|popular|viewed|shared|watched|commented)\b.{0,20}"
    r"|related( \w+){0,2}|read (more|next|also)|recommended( \w+){0,2}|popular( \w+){0,2}"
    r"|(top|latest|trending) (stories|news|posts|articles|videos)\b.{0,20}|also (read|see)"
    r"|see also|in other news|elsewhere( on .{0,30})?)",
    re.IGNORECASE,
)
MAX_ITEM_WORDS = 15  # a headline, not a paragraph


def is_link_list(text: str) -> bool:
    """A related-stories label, a colon, then two or more headlines split by ``|`` or ``•``.

    Each item may be a whole headline (longer than a menu entry, with digits), which a
    menu row (:func:`is_link_row`) would not take; the label says what the list is.

    >>> is_link_list("You might also like: Ferry fares rise 4% | Storm shuts coast path")
    True
    >>> is_link_list("Note: the ferry | the road")  # no related label
    False
    """
    label, colon, rest = text.partition(":")
    if not colon or not _ITEM_SEP_MARK.search(rest) or not _LIST_LABEL.fullmatch(label.strip()):
        return False
    parts = _ITEM_SEP.split(rest.strip())
    return len(parts) >= 2 and all(1 <= len(words(p)) <= MAX_ITEM_WORDS for p in parts)


def is_link_row(text: str) -> bool:
    """A row of three or more short items split by ``|``, ``•``, ``»``: a menu or breadcrumb.

    Table rows (framed by ``|``) and rows with numeric cells are data, not menus.

    >>> is_link_row("Home | News | Sport"), is_link_row("| Ferry | 25 | 3.50 |")
    (True, False)
    """
    if text.startswith("|") or text.endswith("|") or not _ITEM_SEP_MARK.search(text):
        return False
    parts = _ITEM_SEP.split(text)
    return len(parts) >= 3 and all(
        1 <= len(words(p)) <= 4 and not any(c.isdigit() for c in p) for p in parts
    )


def is_doubled(text: str) -> bool:
    """True for a line printed twice on itself, ``X + " " + X`` (an alt text and caption).

    >>> is_doubled("A boy reads. A boy reads.")
    True
    """
    n = len(text)
    if n < 21 or n % 2 == 0:
        return False
    half = n // 2
    return text[half] == " " and text[:half] == text[half + 1 :]

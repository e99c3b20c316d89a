"""RepairText: fix broken text without changing what it says (the only ftfy importer).

ftfy is imported on the first text it may change, not with this module: its tables
take a twentieth of a second to load, as much as the rest of a one-file run's work,
and plain ASCII text (a commit's few new files, a tiny test run) never needs them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from cleaner.config import RepairConfig
from cleaner.document import Change, Document
from cleaner.html.flatten import pre_lines
from cleaner.names import StageName
from cleaner.rules.patterns import code_fences, fenced
from cleaner.stage import Stage

if TYPE_CHECKING:
    import ftfy

_SPACE = r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
# each run of spaces becomes one " "; the runs this changes are those of two or more,
# and a lone space that is not " "
_SPACES_TO_FIX = re.compile(_SPACE + "{2,}|" + _SPACE.replace(" ", "", 1))
_LONE_SPACE = re.compile(_SPACE.replace(" ", "", 1))  # a space that is not " "
_C1 = re.compile("[\x80-\x9f]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_BLANK_RUN = re.compile(r"\n{3,}")


REPAIR_ROUNDS = 4  # ftfy peels one layer of damage per round; real text settles in two


def repair_text(
    text: str, config: RepairConfig = RepairConfig(), verbatim: Collection[int] = ()
) -> tuple[str, list[str]]:
    """Repair ``text`` until it stops changing, and name each fix applied, in order.

    ``verbatim``: the lines (numbered from 0) whose spaces are the text's own (a page's
    ``pre``, a Markdown code block: code keeps its indentation), only trimmed at the end.
    They are followed as the n-th lines that hold more than spaces, which runs of blank
    lines going do not move; a fix that adds or empties such a line (a line break
    repaired) leaves every line trimmed.

    One round can expose new damage: a no-break space that ftfy read as part of a
    mis-decoded sequence is then trimmed, and the rest reads as mojibake to the next
    round. Repairing to a fixed point makes repairing repaired text change nothing.

    >>> repair_text("caf\\u00c3\\u00a9 &amp; bar \\r\\n\\r\\n\\r\\nnext\\u00a0line ")
    ('café & bar\\n\\nnext line', ['unescape-html', 'fix-mojibake', 'line-endings', \
'whitespace', 'blank-lines'])
    >>> repair_text("\x80\u00df\u00a0")  # the trimmed no-break space exposes mojibake
    ('\u06e7', ['fix-mojibake', 'whitespace'])
    """
    fixes: list[str] = []
    kept = _solid_places(text, verbatim) if verbatim else []
    for _ in range(REPAIR_ROUNDS):
        fixed, found = _repair_round(text, config, _lines_at(text, kept) if kept else ())
        if kept and len(_solid_places(fixed)) != len(_solid_places(text)):
            kept = []  # a line was added or emptied: the places no longer name the lines
        fixes += [fix for fix in found if fix not in fixes]
        changed = fixed != text
        text = fixed
        if not found or not changed:
            break  # nothing named changed (at most the final newlines went): settled
    return text, fixes


def _solid_places(text: str, among: Collection[int] | None = None) -> list[int]:
    """The places, among the lines of ``text`` that hold more than spaces, of those
    numbered in ``among`` (None: of every such line), from 0."""
    solid = [k for k, line in enumerate(text.split("\n")) if line.strip()]
    return (
        list(range(len(solid))) if among is None else [n for n, k in enumerate(solid) if k in among]
    )


def _lines_at(text: str, places: Collection[int]) -> frozenset[int]:
    """The numbers of the lines of ``text`` at ``places`` among those that hold more
    than spaces (:func:`_solid_places`)."""
    solid = [k for k, line in enumerate(text.split("\n")) if line.strip()]
    return frozenset(solid[n] for n in places if n < len(solid))


def _repair_round(
    text: str, config: RepairConfig, verbatim: Collection[int] = ()
) -> tuple[str, list[str]]:
    """One round: ftfy, then Unicode normalization, line endings and whitespace.

    ftfy undoes mojibake, HTML entities and control characters (a line that ends where
    a no-break space was trimmed from mojibake gets the space back for ftfy to judge:
    :func:`_put_back_spaces`); then the text is
    normalized to ``config.normalization``, line endings become ``\\n``, runs of spaces,
    tabs and no-break spaces become one space, lines are trimmed (a ``verbatim`` line
    only at its end) and runs of blank lines become one. Curly quotes and dashes are
    left alone unless ``config.uncurl_quotes`` is set.
    """
    fixes: list[str] = []
    lines = text.count("\n")
    primed, cut = _put_back_spaces(text, config)
    if not ftfy_unchanged(primed, config):
        import ftfy

        fixed, explanation = ftfy.fix_and_explain(primed, config=_ftfy_config(config))
        fixed = _take_back_spaces(fixed, cut, lines + 1)
        if fixed != text:
            for step in explanation or []:
                name = _FTFY_NAMES.get(step[1] if step[0] == "apply" else step[0], "fix-encoding")
                if name not in fixes:
                    fixes.append(name)
            text = fixed
        if _C1.search(text) is not None:  # only ftfy's checks find them: it was called
            # the C1 codes ftfy leaves, which no Windows code page has a character for
            # (0x81, 0x8D, 0x8F, 0x90, 0x9D): control codes, some of which a terminal
            # obeys (0x9D starts an operating-system command), never text
            text = _C1.sub("", text)
            if "control-characters" not in fixes:
                fixes.append("control-characters")
    norm = unicodedata.normalize(config.normalization, text)  # type: ignore[arg-type]
    if norm != text:
        fixes.append("normalize-unicode")
        text = norm
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        fixes.append("line-endings")
    spaced = text if text.isascii() else _ZERO_WIDTH.sub("", text)
    if verbatim and text.count("\n") == lines:
        spaced = "\n".join(
            [
                line.rstrip() if k in verbatim else _SPACES_TO_FIX.sub(" ", line).strip()
                for k, line in enumerate(spaced.split("\n"))
            ]
        )
    else:
        # one pass over the whole text (no space run holds a newline), skipping the
        # single " " between words, which would become itself; none when the text has
        # no run of two and no other space (most texts: "in" finds that at memory speed)
        if "  " in spaced or (
            "\t" in spaced if spaced.isascii() else _LONE_SPACE.search(spaced) is not None
        ):
            spaced = _SPACES_TO_FIX.sub(" ", spaced)
        spaced = "\n".join([line.strip() for line in spaced.split("\n")])
    if spaced != text:
        fixes.append("whitespace")
        text = spaced
    if config.collapse_blank_lines:
        collapsed = (_BLANK_RUN.sub("\n\n", text) if "\n\n\n" in text else text).strip("\n")
        if collapsed != text:
            if collapsed != text.strip("\n") or "\n\n\n" in text:
                fixes.append("blank-lines")
            text = collapsed
    return text, fixes


# a line that ends in a character that opens a two-byte UTF-8 sequence, read as
# Latin-1 or Windows-1252 ("Â", "Ã", ... "ß"): mojibake whose second byte, A0, a
# no-break space, may have been trimmed away with the line's end (a flattened page)
_CUT_AT_END = re.compile(r"[\u00c2-\u00df](?=\n|\Z)")


def _put_back_spaces(text: str, config: RepairConfig) -> tuple[str, list[int]]:
    """``text`` with a space after each line that ends in :data:`_CUT_AT_END`, and the
    numbers of those lines.

    ftfy undoes mojibake whose byte A0 became a space ("for cats.\u00c2 " is
    "for cats.\u00a0"; its ``restore_byte_a0``), by its own judgement: it leaves
    "IRM\u00c3 " and "CONTACT US \u00d7 " alone. When a page was flattened, the no-break
    space at a line's end was trimmed instead, and ftfy sees nothing to restore.
    Putting the space back lets ftfy judge those lines as it judges the others; a space
    it leaves is taken back (:func:`_take_back_spaces`).
    """
    if not config.fix_mojibake or text.isascii() or _CUT_AT_END.search(text) is None:
        return text, []
    lines = text.split("\n")
    cut = [k for k, line in enumerate(lines) if _CUT_AT_END.search(line)]
    for k in cut:
        lines[k] += " "
    return "\n".join(lines), cut


def _take_back_spaces(fixed: str, cut: list[int], lines: int) -> str:
    """``fixed``, ftfy's output for a text of ``lines`` lines, without the spaces
    :func:`_put_back_spaces` added to the lines ``cut`` that ftfy left where they were.
    Where ftfy changed the line breaks (a lone ``\\r``), the lines cannot be followed:
    the whitespace step trims those spaces with the rest."""
    if not cut or fixed.count("\n") + 1 != lines:
        return fixed
    at = fixed.split("\n")
    for k in cut:
        if at[k].endswith(" "):
            at[k] = at[k][:-1]
    return "\n".join(at)


@lru_cache(maxsize=8)
def _ftfy_config(config: RepairConfig) -> ftfy.TextFixerConfig:
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=config.unescape_html,
        uncurl_quotes=config.uncurl_quotes,
        fix_encoding=config.fix_mojibake,
        normalization=None,
        explain=True,
    )


def ftfy_unchanged(text: str, config: RepairConfig = RepairConfig()) -> bool:
    """Whether ftfy, as :func:`repair_text` calls it, provably leaves ``text`` as it is.

    True only when no fix ftfy runs could apply: no HTML entity that ftfy decodes
    (what its ``HTML_ENTITY_RE`` matches), no character that one of its other fixes
    looks for (:func:`_ftfy_triggers`), and, for non-ASCII text, none of the sequences
    its mojibake detector calls mojibake (``is_bad``, which ``fix_encoding`` asks
    first; :func:`looks_bad`). Then every fix is the identity and ftfy returns the
    text with no step, so calling it can be skipped: most real text is like that, and
    ftfy costs as much on it. False means only "ftfy may change it".

    ASCII text without an ``&`` is answered without ftfy's tables (:data:`ASCII_TRIGGERS`).

    >>> ftfy_unchanged("caf\u00e9 \u201cbar\u201d"), ftfy_unchanged("caf\u00c3\u00a9")
    (True, False)
    """
    if text.isascii() and ("&" not in text or not config.unescape_html):
        return ASCII_TRIGGERS.search(text) is None
    if _ftfy_triggers(config).search(text) is not None:
        return False
    if config.unescape_html and "&" in text:
        from ftfy.chardata import HTML_ENTITY_RE

        if HTML_ENTITY_RE.search(text) is not None:
            return False
    return not config.fix_mojibake or text.isascii() or not looks_bad(text)


# the ASCII characters :func:`_ftfy_triggers` holds (ftfy's control characters, ESC and
# "\r"; a test holds this to ftfy's tables): in ASCII text nothing else can start a fix,
# as ftfy's mojibake and every other character it looks for is not ASCII
ASCII_TRIGGERS = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
BAD_REACH = 8  # ftfy's mojibake sequences are at most 7 characters long (a test checks)


def looks_bad(text: str) -> bool:
    """ftfy's ``is_bad(text)`` (does it look like mojibake?), asked only near non-ASCII.

    Each sequence that ``BADNESS_RE`` looks for holds a non-ASCII character and is at
    most ``BAD_REACH - 1`` characters long, and the pattern has no lookaround and no
    anchor but the start of the text, so a match lies in a window of ``BAD_REACH``
    characters either side of a run of non-ASCII characters, and a match in a window
    is one in the text. Searching the windows gives the same answer as searching the
    text, without trying the pattern's dozens of alternatives at every ASCII letter.
    """
    from ftfy.badness import BADNESS_RE

    start = end = -1
    for run in _NON_ASCII.finditer(text):
        if run.start() - BAD_REACH > end >= 0:
            if BADNESS_RE.search(text, start, end) is not None:
                return True
            start = -1
        if start < 0:
            start = max(0, run.start() - BAD_REACH)
        end = run.end() + BAD_REACH
    return end >= 0 and BADNESS_RE.search(text, start, end) is not None


@lru_cache(maxsize=8)
def _ftfy_triggers(config: RepairConfig) -> re.Pattern[str]:
    """The characters one of ftfy's fixes would act on (but entities and mojibake).

    Read from ftfy's own tables where it has them, so a newer ftfy that widens one is
    followed: C1
    controls (``fix_c1_controls``, and ``fix_line_breaks`` for U+0085); ligatures and
    full/half-width forms (``fix_latin_ligatures``, ``fix_character_width``);
    ``\\r``, U+2028 and U+2029 (``fix_line_breaks``); surrogates (``fix_surrogates``);
    ESC, which starts every terminal escape and is itself a control character
    (``remove_terminal_escapes``, ``remove_control_chars``); curly quotes only when
    ``uncurl_quotes`` is on.
    """
    from ftfy.chardata import CONTROL_CHARS, DOUBLE_QUOTE_RE, LIGATURES, SINGLE_QUOTE_RE, WIDTH_MAP

    chars = {*range(0x80, 0xA0), *LIGATURES, *WIDTH_MAP, *CONTROL_CHARS}
    chars |= {ord("\r"), 0x2028, 0x2029, 0x85, 0x1B, *range(0xD800, 0xE000)}
    alternatives = [_char_class(chars)]
    if config.uncurl_quotes:
        alternatives += [SINGLE_QUOTE_RE.pattern, DOUBLE_QUOTE_RE.pattern]
    return re.compile("|".join(alternatives))


def _char_class(codepoints: Iterable[int]) -> str:
    """A regex character class of ``codepoints``, in ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(set(codepoints)):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return (
        "["
        + "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)
        + "]"
    )


_FTFY_NAMES = {
    "encode": "fix-mojibake",
    "decode": "fix-mojibake",
    "transcode": "fix-mojibake",
    "unescape_html": "unescape-html",
    "remove_terminal_escapes": "control-characters",
    "remove_control_chars": "control-characters",
    "fix_c1_controls": "control-characters",
    "restore_byte_a0": "fix-mojibake",
    "replace_lossy_sequences": "fix-mojibake",
    "decode_inconsistent_utf8": "fix-mojibake",
    "fix_latin_ligatures": "latin-ligatures",
    "fix_character_width": "character-width",
    "uncurl_quotes": "uncurl-quotes",
    "fix_line_breaks": "line-endings",
    "fix_surrogates": "fix-surrogates",
}


class RepairText(Stage):
    """Repair encoding damage, entities, control characters and whitespace."""

    name = StageName.REPAIR_TEXT
    preload = ("ftfy",)  # workers share its tables, loaded once before they fork

    def __init__(self, config: RepairConfig = RepairConfig()) -> None:
        self.config = config

    def apply(self, doc: Document) -> Document:
        text, fixes = repair_text(
            doc.text, self.config, verbatim_lines(doc) | fenced_lines(doc.text)
        )
        if text == doc.text:
            return doc
        return doc.with_changes([Change(self.name, fix) for fix in fixes], text=text)


def verbatim_lines(doc: Document) -> frozenset[int]:
    """The lines of a page read from HTML whose spaces are its own: those the markup puts
    in ``pre`` or ``code`` (the flattening keeps a ``pre``'s indentation and has
    collapsed the spaces of the others already)."""
    hints = doc.hints
    if not hints or len(hints) != doc.text.count("\n") + 1:
        return frozenset()
    return pre_lines(hints)


def fenced_lines(text: str) -> frozenset[int]:
    """The lines of Markdown code blocks (between the fences of
    :func:`~cleaner.rules.patterns.code_fences`), whose spaces are the code's.

    >>> sorted(fenced_lines("Run:\\n```python\\nif x:\\n    y()\\n```\\n  after"))
    [2, 3]
    """
    if "```" not in text and "~~~" not in text:
        return frozenset()  # most text
    return fenced(code_fences(text.split("\n")))

"""RepairText: fix broken text without changing what it says (the only ftfy importer)."""

from __future__ import annotations

import re
import unicodedata

import ftfy

from cleaner.config import RepairConfig
from cleaner.document import Change, Document
from cleaner.names import StageName
from cleaner.stage import Stage

_SPACE = r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
# each run of spaces becomes one " "; the runs this changes are those of two or more,
# and a lone space that is not " "
_SPACES_TO_FIX = re.compile(_SPACE + "{2,}|" + _SPACE.replace(" ", "", 1))
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_BLANK_RUN = re.compile(r"\n{3,}")


REPAIR_ROUNDS = 4  # ftfy peels one layer of damage per round; real text settles in two


def repair_text(text: str, config: RepairConfig = RepairConfig()) -> tuple[str, list[str]]:
    """Repair ``text`` until it stops changing, and name each fix applied, in order.

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
    for _ in range(REPAIR_ROUNDS):
        fixed, found = _repair_round(text, config)
        fixes += [fix for fix in found if fix not in fixes]
        changed = fixed != text
        text = fixed
        if not found or not changed:
            break  # nothing named changed (at most the final newlines went): settled
    return text, fixes


def _repair_round(text: str, config: RepairConfig) -> tuple[str, list[str]]:
    """One round: ftfy, then Unicode normalization, line endings and whitespace.

    ftfy undoes mojibake, HTML entities and control characters; then the text is
    normalized to ``config.normalization``, line endings become ``\\n``, runs of spaces,
    tabs and no-break spaces become one space, lines are trimmed and runs of blank
    lines become one. Curly quotes and dashes are left alone unless
    ``config.uncurl_quotes`` is set.
    """
    fixes: list[str] = []
    cfg = ftfy.TextFixerConfig(
        unescape_html=config.unescape_html,
        uncurl_quotes=config.uncurl_quotes,
        fix_encoding=config.fix_mojibake,
        normalization=None,
        explain=True,
    )
    fixed, explanation = ftfy.fix_and_explain(text, config=cfg)
    for step in explanation or []:
        name = _FTFY_NAMES.get(step[1] if step[0] == "apply" else step[0], "fix-encoding")
        if name not in fixes:
            fixes.append(name)
    text = fixed
    norm = unicodedata.normalize(config.normalization, text)  # type: ignore[arg-type]
    if norm != text:
        fixes.append("normalize-unicode")
        text = norm
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        fixes.append("line-endings")
    spaced = text if text.isascii() else _ZERO_WIDTH.sub("", text)
    # one pass over the whole text (no space run holds a newline), skipping the single
    # " " between words, which would become itself
    spaced = "\n".join([line.strip() for line in _SPACES_TO_FIX.sub(" ", spaced).split("\n")])
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

    def __init__(self, config: RepairConfig = RepairConfig()) -> None:
        self.config = config

    def apply(self, doc: Document) -> Document:
        text, fixes = repair_text(doc.text, self.config)
        if text == doc.text:
            return doc
        return doc.with_changes([Change(self.name, fix) for fix in fixes], text=text)

"""Words, punctuation and sentences as the quality filters count them.

The published quality rules (Gopher, C4, FineWeb) are defined over words and
sentences, and their reference implementation (datatrove) splits English with spaCy's
tokenizer. spaCy is too heavy a dependency for cleaner, so :func:`split_words` runs
spaCy's English tokenizer algorithm on its own data: the text is split at whitespace,
then each piece loses its prefixes and suffixes ("(", "." ...) and is split at its
infixes (a hyphen between letters), with spaCy's special cases ("don't" is "do" and
"n't", "U.S." stays whole) and its URL pattern. The patterns and special cases are
spaCy's, copied into ``cleaner/data/spacy_en_tokenizer.json`` (MIT licence, Explosion
AI); what is left out (the matcher for special cases inside affixes, such as an
emoticon before a comma) moves a count by a token on a rare page. The agreement of
each rule with the reference is measured by ``bench/bench_filters.py``.

The punctuation sets are datatrove's (``datatrove.utils.text``, Apache-2.0).
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

# Characters a token made only of is punctuation, not a word (datatrove's PUNCTUATION
# and TERMINAL_PUNCTUATION together, its PUNCTUATION_SET)
PUNCTUATION = frozenset(
    "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000b\u000c\u000d\u000e\u000f"
    "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d"
    "\u001e\u001f!\u0022#$%&'()*+,-./:;<=>?@[\u005c]^_`{|}~\u007f\u0080\u0081\u0082\u0083"
    "\u0084\u0085\u0086\u0087\u0088\u0089\u008a\u008b\u008c\u008d\u008e\u008f\u0090\u0091"
    "\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009a\u009b\u009c\u009d\u009e\u009f"
    "\u00ab\u00b4\u00bb\u2013\u2014\u2019\u201c\u201d\u201e\u2026\u2236\u2501\u25ba\u3001"
    "\u3002\u3008\u3009\u300a\u300b\u300c\u300d\u3010\u3011\uff01\uff05\uff08\uff09\uff0c"
    "\uff0e\uff11\uff1a\uff1b\uff1f\uff5e"
)
TERMINAL_PUNCTUATION = frozenset(
    "!.?\u0589\u061d\u061e\u061f\u06d4\u0700\u0701\u0702\u07f9\u0837\u0839\u083d\u083e\u0964"
    "\u0965\u104a\u104b\u1362\u1367\u1368\u166e\u1735\u1736\u17d4\u17d5\u17d6\u17d9\u17da"
    "\u1803\u1809\u1944\u1945\u1aa8\u1aa9\u1aaa\u1aab\u1b5a\u1b5b\u1b5e\u1b5f\u1b7d\u1b7e"
    "\u1c3b\u1c3c\u1c7e\u1c7f\u203c\u203d\u2047\u2048\u2049\u2e2e\u2e3c\u2e53\u2e54\u3002"
    "\ua4ff\ua60e\ua60f\ua6f3\ua6f7\ua876\ua877\ua8ce\ua8cf\ua92f\ua9c8\ua9c9\uaa5d\uaa5e"
    "\uaa5f\uaaf0\uaaf1\uabeb\ufe52\ufe56\ufe57\uff01\uff0e\uff1f\uff61\U00010a56\U00010a57"
    "\U00010f55\U00010f56\U00010f57\U00010f58\U00010f59\U00010f86\U00010f87\U00010f88"
    "\U00010f89\U00011047\U00011048\U000110be\U000110bf\U000110c0\U000110c1\U00011141"
    "\U00011142\U00011143\U000111c5\U000111c6\U000111cd\U000111de\U000111df\U00011238"
    "\U00011239\U0001123b\U0001123c\U000112a9\U0001144b\U0001144c\U000115c2\U000115c3"
    "\U000115c9\U000115ca\U000115cb\U000115cc\U000115cd\U000115ce\U000115cf\U000115d0"
    "\U000115d1\U000115d2\U000115d3\U000115d4\U000115d5\U000115d6\U000115d7\U00011641"
    "\U00011642\U0001173c\U0001173d\U0001173e\U00011944\U00011946\U00011a42\U00011a43"
    "\U00011a9b\U00011a9c\U00011c41\U00011c42\U00011ef7\U00011ef8\U00011f43\U00011f44"
    "\U00016a6e\U00016a6f\U00016af5\U00016b37\U00016b38\U00016b44\U00016e98\U0001bc9f"
    "\U0001da88"
)
PUNCTUATION_SET = PUNCTUATION | TERMINAL_PUNCTUATION

_DATA_PATH = Path(__file__).resolve().parents[2] / "data" / "spacy_en_tokenizer.json"


class _Tables:
    """spaCy's English patterns and special cases, compiled (once, on first use: the
    CLI starts without paying for them)."""

    def __init__(self) -> None:
        data = json.loads(_DATA_PATH.read_text(encoding="utf-8"))
        self.special: dict[str, list[str]] = data["special"]
        # special cases spaCy finds across the tokens of a piece (":)" in "(:)"), merged
        self.whole = frozenset(k for k, v in self.special.items() if v == [k] and not k.isalnum())
        self.prefix = re.compile(data["prefix"]).search
        self.suffix_search = re.compile(data["suffix"]).search
        self.infix = re.compile(data["infix"]).finditer
        self.url = re.compile(data["url"]).match

    def suffix(self, piece: str) -> re.Match[str] | None:
        """spaCy's suffix search, from 16 characters before the end: the pattern ends
        in ``$``, and searching a long piece from every position is most of the
        tokenizer's time. A suffix that reaches back to there (a run of dots) is
        searched again from the start."""
        if len(piece) <= 16:
            return self.suffix_search(piece)
        found = self.suffix_search(piece, len(piece) - 16)
        if found and found.start() < len(piece) - 13:
            return self.suffix_search(piece)
        return found


@cache
def _tables() -> _Tables:
    return _Tables()


def _split_piece(piece: str, out: list[str], t: _Tables) -> None:
    """Append the tokens of one whitespace-free ``piece`` (spaCy's affix loop)."""
    special = t.special
    prefixes: list[str] = []
    suffixes: list[str] = []
    while piece and piece not in special:
        size = len(piece)
        found = t.prefix(piece)
        pre = found.end() - found.start() if found else 0
        if pre and piece[pre:] in special:
            prefixes.append(piece[:pre])
            piece = piece[pre:]
            break
        found = t.suffix(piece[pre:])
        suf = found.end() - found.start() if found else 0
        if suf and piece[:-suf] in special:
            suffixes.append(piece[-suf:])
            piece = piece[:-suf]
            break
        if pre and suf and pre + suf <= len(piece):
            prefixes.append(piece[:pre])
            suffixes.append(piece[-suf:])
            piece = piece[pre:-suf]
        elif pre:
            prefixes.append(piece[:pre])
            piece = piece[pre:]
        elif suf:
            suffixes.append(piece[-suf:])
            piece = piece[:-suf]
        if len(piece) == size:
            break
    out.extend(prefixes)
    if piece:
        if piece in special:
            out.extend(special[piece])
        elif t.url(piece):
            out.append(piece)
        else:
            start = 0
            for match in t.infix(piece):
                if match.start() == 0:  # an infix at the very start splits nothing
                    continue
                if match.start() != start:
                    out.append(piece[start : match.start()])
                if match.start() != match.end():
                    out.append(piece[match.start() : match.end()])
                start = match.end()
            if piece[start:]:
                out.append(piece[start:])
    out.extend(reversed(suffixes))


@lru_cache(maxsize=1 << 16)
def _split_rare(piece: str) -> tuple[str, ...]:
    """The tokens of a piece no fast path of :func:`split_words` takes (spaCy's affix
    loop, then its special cases across the tokens, such as ":)").

    Cached: a piece's tokens depend on the piece alone, and such pieces (a number and
    its comma, a bracketed word, a URL) come back on page after page, while the affix
    loop costs some ten times a fast path.
    """
    t = _tables()
    out: list[str] = []
    _split_piece(piece, out, t)
    i = 0
    while i < len(out) - 1:
        if out[i] + out[i + 1] in t.whole:
            out[i : i + 2] = [out[i] + out[i + 1]]
        else:
            i += 1
    return tuple(out)


@lru_cache(maxsize=4)
def split_words(text: str) -> tuple[str, ...]:
    """The words and punctuation tokens of ``text``, as the quality rules count them.

    Cached for the last few texts: the filters that run one after another on a
    document each count its words (split a line with :func:`split_uncached`, so as not
    to push the document out of the cache).

    >>> split_words("Don't go, it's 3.5 km to the U.S. border...")
    ('Do', "n't", 'go', ',', 'it', "'s", '3.5', 'km', 'to', 'the', 'U.S.', 'border', '...')
    """
    special = _tables().special
    out: list[str] = []
    for piece in text.split():
        if piece in special:
            out.extend(special[piece])
            continue
        if piece.isalpha() or (piece.isascii() and piece.isdigit()):  # most words
            out.append(piece)
            continue
        head, last = piece[:-1], piece[-1]
        if head.isalpha() and (last in ',;:!?"”)' or (last == "." and head[-1].islower())):
            if head in special:  # "id." is "i" and "d.": spaCy merges "d" and "." again
                out.extend(_split_rare(piece))
            else:
                out += (head, last)  # a word and its comma, period, quote
            continue
        first, rest = piece[0], piece[1:]
        if first in '"“(' and rest.isalpha() and rest not in special:  # "If, (see
            out += (first, rest)
            continue
        if piece[-2:] in ("'s", "’s") and piece[:-2].isalpha() and piece[:-2] not in special:
            out += (piece[:-2], piece[-2:])  # India's: India 's
            continue
        if "-" in piece and piece.replace("-", "").isalpha() and "--" not in piece:
            parts = piece.split("-")
            if all(parts) and not any(part in special for part in parts):  # two-way
                out.append(parts[0])
                for part in parts[1:]:
                    out += ("-", part)
                continue
        out.extend(_split_rare(piece))
    return tuple(out)


split_uncached = split_words.__wrapped__


def is_symbol(word: str) -> bool:
    """True for a token made only of punctuation (it is no word to the rules).

    >>> is_symbol("..."), is_symbol("n't"), is_symbol("3")
    (True, False, False)
    """
    return not word.isalnum() and all(ch in PUNCTUATION_SET for ch in word)


def has_letter(word: str) -> bool:
    """True for a token with at least one letter.

    >>> has_letter("3rd"), has_letter("42")
    (True, False)
    """
    return word.isalpha() or any(ch.isalpha() for ch in word)

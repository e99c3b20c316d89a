"""Bytes to text: UTF-8 first, then BOMs, UTF-16 without BOM, and detected legacy encodings.

What is repaired on the way, and counted: NUL bytes are stripped (a text file with a
few NULs is a text file with a damaged write, not a binary file; ftfy would drop them
later anyway, but JSON parsing and binary detection must not see them), and a byte
that is not valid UTF-8 inside otherwise valid UTF-8 is read as Windows-1252, the
commonest source of such bytes in scraped text. What is left alone: the text itself;
quotes, dashes and mojibake are the repair stage's job.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

SAMPLE = 1 << 16  # bytes looked at to tell text from binary; a header is enough
MAX_CONTROL_SHARE = 0.05  # random bytes have ~10% C0 controls; text has almost none
# a text file's NULs are a damaged write (a few, or a zeroed block); more than this share
# of its first bytes and it is no text file (a tar archive, a disk image, an empty
# preallocated file)
MAX_NUL_SHARE = 0.5
BINARY = "binary data, not text; remove it or convert it to text"
BINARY_MAGIC = {
    b"\x89PNG\r\n": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF87a": "GIF image",
    b"GIF89a": "GIF image",
    b"%PDF-": "PDF document",
    b"PK\x03\x04": "ZIP archive (or docx, xlsx, epub)",
    b"\x1f\x8b\x08": "gzip file",
    b"\x28\xb5\x2f\xfd": "zstd file",
    b"\x7fELF": "ELF executable",
    b"SQLite format 3\x00": "SQLite database",
    b"\xfd7zXZ\x00": "xz file",
    b"7z\xbc\xaf\x27\x1c": "7z archive",
}  # formats whose header is plain enough to pass the control-byte test; others fail it
_TEXT_CONTROLS = {9, 10, 12, 13, 27}  # tab, newline, form feed, carriage return, ESC
_CONTROL_BYTES = bytes(b for b in range(32) if b not in _TEXT_CONTROLS) + b"\x7f"
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}  # read as the C1 control, as browsers do
_LATIN_LOOKALIKES = {
    "cp1250", "cp1252", "latin_1", "iso8859_2", "iso8859_15", "iso8859_9", "cp1254",
    "cp1257", "mac_roman", "mac_latin2", "iso8859_10", "iso8859_13", "iso8859_16",
    "iso8859_3", "iso8859_4", "cp850", "cp437",
}  # fmt: skip
_ESCAPED = re.compile("[\udc80-\udcff]")
_VALID_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


@dataclass(frozen=True)
class Decoded:
    """The result of :func:`decode_text`: text or the reason there is none."""

    text: str | None
    encoding: str | None
    problem: str | None = None
    nul_bytes: int = 0
    invalid_bytes: int = 0


def _cp1252_byte(byte: int) -> str:
    return chr(byte) if byte in _CP1252_UNDEFINED else bytes([byte]).decode("cp1252")


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    bad = err.object[err.start : err.end]
    return "".join(_cp1252_byte(b) for b in bad), err.end


codecs.register_error("cleaner-cp1252", _cp1252_fallback)


def decode_utf8_lenient(data: bytes) -> tuple[str, int]:
    """Decode UTF-8, reading each invalid byte as Windows-1252; return (text, invalid bytes).

    >>> decode_utf8_lenient("café ".encode() + b"caf\\xe9")
    ('café café', 1)
    """
    try:
        return data.decode("utf-8"), 0
    except UnicodeDecodeError:
        pass
    escaped = data.decode("utf-8", errors="surrogateescape")
    invalid = len(_ESCAPED.findall(escaped))
    return data.decode("utf-8", errors="cleaner-cp1252"), invalid


def binary_kind(data: bytes) -> str | None:
    """Name the kind of binary file ``data`` starts with, or None if it may be text.

    >>> binary_kind(b"\\x89PNG\\r\\n..."), binary_kind(b"plain words")
    ('PNG image', None)
    >>> binary_kind(b"notes.txt" + bytes(248) + b"ustar  "), binary_kind(b"words" + bytes(20))
    ('tar archive', 'binary data (mostly zero bytes)')
    """
    for magic, kind in BINARY_MAGIC.items():
        if data.startswith(magic):
            return kind
    if data[257:262] == b"ustar":  # a tar header: a file name, then octal fields and NULs
        return "tar archive"
    head = data[:SAMPLE]
    sample = head.replace(b"\x00", b"")
    if not sample:
        return None
    if len(sample) < len(head) * (1 - MAX_NUL_SHARE):
        return "binary data (mostly zero bytes)"
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return "binary data" if controls / len(sample) > MAX_CONTROL_SHARE else None


def utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``data`` looks like UTF-16 with no byte
    order mark (a zero byte in most odd, or most even, places: mostly ASCII text), else None.

    >>> utf16_without_bom("<p>Hi</p>".encode("utf-16-be")), utf16_without_bom(b"<p>Hi</p>")
    ('utf-16-be', None)
    """
    sample = data[: SAMPLE & ~1]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.02 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.02 * half:
        return "utf-16-be"
    return None


LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # no UTF-8 can hold one: a "\ud800" escape


def replace_surrogates(text: str) -> tuple[str, int]:
    """``text`` with each lone surrogate (a JSON ``\\ud800`` escape) made U+FFFD, and how
    many there were (``lone-surrogates``).

    >>> replace_surrogates("Caf" + chr(0xD800))
    ('Caf�', 1)
    """
    return LONE_SURROGATE.subn("\ufffd", text)


_UNPRINTABLE = ("Cc", "Cn", "Co", "Cs")  # control, unassigned, private use, surrogate
_TEXT_CONTROL_CHARS = frozenset(map(chr, _TEXT_CONTROLS))


def unprintable_share(text: str) -> float:
    """The share of the first :data:`SAMPLE` characters that are control characters
    (but tab, newline, form feed, carriage return and ESC), unassigned, private-use
    or surrogates.

    Asks ``unicodedata`` once per distinct character, not once per character, and
    counts ASCII controls on bytes.
    """
    sample = text[:SAMPLE]
    if not sample:
        return 0.0
    if sample.isascii():
        raw = sample.encode("ascii")
        return (len(raw) - len(raw.translate(None, _CONTROL_BYTES))) / len(sample)
    found = {
        ord(ch): None
        for ch in set(sample)
        if ch not in _TEXT_CONTROL_CHARS and unicodedata.category(ch) in _UNPRINTABLE
    }
    if not found:
        return 0.0
    return (len(sample) - len(sample.translate(found))) / len(sample)


def _without_nul(text: str, encoding: str) -> Decoded:
    nul = text.count("\x00")
    return Decoded(text.replace("\x00", "") if nul else text, encoding, None, nul)


def decode_text(data: bytes) -> Decoded:
    """Decode one file's bytes; see the module docstring for what is repaired."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _without_nul(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            return Decoded(None, None, "UTF-16 BOM but not valid UTF-16; convert it to UTF-8")
    utf16 = utf16_without_bom(data)
    if utf16 is not None:
        try:
            decoded = _without_nul(data.decode(utf16), utf16)
        except UnicodeDecodeError:
            pass
        else:  # 16-bit samples of quiet sound have a zero byte in every other place too
            if decoded.text and unprintable_share(decoded.text) > MAX_CONTROL_SHARE:
                return Decoded(None, None, BINARY)
            return decoded
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[3:], "utf-8-sig"
    kind = binary_kind(data)
    if kind is not None:
        return Decoded(None, None, f"{kind}, not text; remove it or convert it to text")
    nul = data.count(0)
    if nul:
        data = data.replace(b"\x00", b"")
    text, invalid = decode_utf8_lenient(data)
    if _legacy(data, invalid):
        return _detect(data, nul)
    if unprintable_share(text) > MAX_CONTROL_SHARE:
        return Decoded(None, None, BINARY)
    return Decoded(text, encoding, None, nul, invalid)


def detect_encoding(data: bytes) -> str:
    """The legacy encoding of ``data`` (bytes that are not UTF-8), by detection.

    Short Western text is ambiguous between the Latin code pages, so any of them (or
    no answer) is Windows-1252, the web's default for all of them (WHATWG reads
    latin-1 as it).

    >>> detect_encoding("Привет мир, это проверка кодировки текста.".encode("cp1251"))
    'cp1251'
    """
    from charset_normalizer import from_bytes

    # preemptive_behaviour off: a "charset=" the bytes hold (a comment, a description,
    # a line of a text file) is no label; the HTML path reads real ones before this
    best = from_bytes(data, preemptive_behaviour=False).best()
    encoding = None if best is None else str(best.encoding)
    if encoding is None or encoding.startswith("utf") or encoding in _LATIN_LOOKALIKES:
        return "cp1252"
    return encoding


def _legacy(data: bytes, invalid: int) -> bool:
    """Whether bytes with ``invalid`` bytes that are no UTF-8 are in a legacy encoding:
    those outnumber the valid multi-byte sequences (else they are strays in UTF-8)."""
    return invalid > 0 and len(_VALID_MULTIBYTE.findall(data)) < invalid


def _detect(data: bytes, nul: int) -> Decoded:
    encoding = detect_encoding(data)
    text = data.decode(encoding, errors="cleaner-cp1252")
    if unprintable_share(text) > MAX_CONTROL_SHARE:
        return Decoded(None, None, BINARY)
    return Decoded(text, encoding, None, nul)


def decode_line(data: bytes, legacy: str | None) -> tuple[str, int, str | None]:
    """One line of a file read a line at a time (JSONL): UTF-8, a stray invalid byte
    read as Windows-1252, as :func:`decode_text` reads a file. A line whose invalid
    bytes outnumber its valid multi-byte sequences is in a legacy encoding instead
    (a file saved as cp1251 or Shift JIS): it is read in ``legacy``, the encoding found
    on the file's first such line, or detected on this one.

    Returns the text, the bytes read as Windows-1252 (the strays, or every invalid
    byte of a line found to be Windows-1252), and the legacy encoding found for the
    line (None for a UTF-8 line).

    >>> decode_line("café ".encode() + b"caf\\xe9", None)
    ('café café', 1, None)
    >>> decode_line("Привет мир, это проверка кодировки текста.".encode("cp1251"), None)
    ('Привет мир, это проверка кодировки текста.', 0, 'cp1251')
    """
    text, invalid = decode_utf8_lenient(data)
    if not _legacy(data, invalid):
        return text, invalid, None
    # detected on the words that hold the bytes, not on the record's ASCII keys and
    # punctuation, which tip a short text to the wrong code page (a double-byte
    # encoding's second bytes are never a space or a quote)
    legacy = legacy or detect_encoding(b" ".join(_NON_ASCII_WORD.findall(data)))
    if legacy == "cp1252":  # Western text: each invalid byte is read as Windows-1252 anyway
        return text, invalid, legacy
    return data.decode(legacy, errors="cleaner-cp1252"), 0, legacy


_NON_ASCII_WORD = re.compile(rb'[^\s"]*[\x80-\xff][^\s"]*')


def decode(data: bytes) -> tuple[str | None, str | None, str | None]:
    """Decode bytes as text: UTF-8 (with or without BOM), UTF-16, else detected.

    Returns (text, encoding, problem); text is None when the bytes are not text, and
    problem then says why in one line. NUL bytes are dropped.

    >>> decode("caf\\u00e9".encode("cp1252"))[:2]
    ('café', 'cp1252')
    """
    d = decode_text(data)
    return d.text, d.encoding, d.problem

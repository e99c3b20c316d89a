"""Read an input folder or file into documents, and account for every file.

Reading never raises for one bad file: a file that cannot be used becomes an
:class:`InputFile` with ``outcome="rejected"`` and a one-line reason, and a bad record
inside a JSONL file becomes a :class:`Rejection` while the rest of the file is read.
Only an unusable input *path* (missing, not a file or folder) raises
:class:`~cleaner.errors.InputError`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.document import Document
from cleaner.errors import InputError

TEXT_SUFFIXES = (".txt", ".md", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
MAX_FILE_BYTES = 1 << 30  # 1 GiB: larger single files are rejected, not loaded into memory


@dataclass(frozen=True)
class Rejection:
    """Something in the input that did not become a document, and why."""

    source: str
    rule: str
    message: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "stage": "read", "rule": self.rule,
                               "message": self.message}
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass
class InputFile:
    """One input file as seen by the reader: its hash and what became of it."""

    path: str
    sha256: str
    size: int
    outcome: str = "read"  # "read" or "rejected"
    reason: str | None = None
    encoding: str | None = None
    documents: list[Document] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "sha256": self.sha256, "size": self.size,
                               "outcome": self.outcome, "documents": len(self.documents)}
        if self.reason:
            out["reason"] = self.reason
        if self.encoding and self.encoding != "utf-8":
            out["encoding"] = self.encoding
        if self.rejections:
            out["rejected_records"] = len(self.rejections)
        return out


def doc_id(source: str, record: int | None = None) -> str:
    """A stable id: a digest of the source path (and record number for JSONL).

    >>> doc_id("a.txt")
    '18b7cb099a9ea3f5'
    """
    key = source if record is None else f"{source}#{record}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def list_inputs(root: Path) -> list[tuple[Path, str]]:
    """The input files under ``root`` as (path, source) pairs, sorted by source.

    Hidden files and folders are skipped; symlinked folders are followed once
    (a link loop is not followed twice).
    """
    if not root.exists():
        raise InputError(f"{root}: no such file or folder. Pass the folder of raw files.")
    if root.is_file():
        return [(root, root.name)]
    if not root.is_dir():
        raise InputError(f"{root}: not a file or folder. Pass the folder of raw files.")
    found: list[tuple[Path, str]] = []
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen_dirs:
            dirnames[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            found.append((path, path.relative_to(root).as_posix()))
    found.sort(key=lambda item: item[1])
    return found


def read_file(path: Path, source: str, text_key: str = "text") -> InputFile:
    """Read one input file into an :class:`InputFile` with its documents."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return InputFile(source, "", size, "rejected",
                             f"larger than {MAX_FILE_BYTES >> 20} MiB; split it into smaller files")
        data = path.read_bytes()
    except OSError as e:
        reason = f"unreadable ({e.strerror or e}); check its permissions"
        return InputFile(source, "", 0, "rejected", reason)
    digest = hashlib.sha256(data).hexdigest()
    entry = InputFile(source, digest, len(data))
    if not data.strip():
        entry.outcome, entry.reason = "rejected", "empty file; nothing to clean"
        return entry
    text, encoding, problem = decode(data)
    if text is None:
        entry.outcome, entry.reason = "rejected", problem
        return entry
    entry.encoding = encoding
    if source.endswith(JSONL_SUFFIXES):
        _read_jsonl(entry, text, text_key)
    else:
        entry.documents.append(Document(doc_id(source), source, text))
    if not entry.documents and entry.outcome == "read":
        entry.outcome = "rejected"
        entry.reason = entry.reason or "no usable records"
    return entry


def decode(data: bytes) -> tuple[str | None, str | None, str | None]:
    """Decode bytes as text: UTF-8 (with or without BOM), UTF-16 with BOM, else detected.

    Returns (text, encoding, problem); text is None when the bytes are not text.

    >>> decode("caf\\u00e9".encode("cp1252"))[:2]
    ('café', 'cp1252')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", None
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _looks_binary(data):
        return None, None, "binary file, not text; remove it or convert it to text"
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    encoding = None if best is None else str(best.encoding)
    if encoding is None or encoding.startswith("utf_16") or encoding in _LATIN_LOOKALIKES:
        # Short Western text is ambiguous between the Latin code pages; the web's
        # default (WHATWG maps latin-1 to it) is the safer guess.
        try:
            return data.decode("cp1252"), "cp1252", None
        except UnicodeDecodeError:
            pass
    if best is None or encoding is None or encoding.startswith("utf_16"):
        return None, None, "not decodable as text in any known encoding; convert it to UTF-8"
    return str(best), encoding, None


_LATIN_LOOKALIKES = {"cp1250", "cp1252", "latin_1", "iso8859_2", "iso8859_15", "iso8859_9",
                     "cp1254", "cp1257", "mac_roman", "mac_latin2", "iso8859_10", "iso8859_13",
                     "iso8859_16", "iso8859_3", "iso8859_4", "cp850", "cp437"}


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if not sample:
        return False
    nul = sample.count(0)
    controls = sum(sample.count(b) for b in (1, 2, 3, 4, 5, 6, 14, 15, 16, 17, 18, 19, 20, 21,
                                            22, 23, 24, 25, 26, 28, 29, 30, 31))
    return (nul + controls) / len(sample) > 0.1


def _read_jsonl(entry: InputFile, text: str, text_key: str) -> None:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        rule, message, record = _parse_record(line, text_key)
        if record is None:
            entry.rejections.append(
                Rejection(entry.path, rule, f"{entry.path}:{number}: {message}", number))
            continue
        body = record.pop(text_key)
        ident = record.pop("id", None)
        doc = Document(
            id=str(ident) if ident is not None else doc_id(entry.path, number),
            source=entry.path,
            text=body,
            meta=record,
        )
        entry.documents.append(doc)


def _parse_record(line: str, text_key: str) -> tuple[str, str, dict[str, Any] | None]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as e:
        return "malformed-json", f"not JSON ({e.msg}); is this a .jsonl file?", None
    if not isinstance(record, dict):
        return "malformed-json", "not a JSON object; each line must be one {...} record", None
    if not isinstance(record.get(text_key), str):
        return ("missing-text",
                f"no string field {text_key!r}; use --text-key to name the text field", None)
    return "", "", record


def read_inputs(root: Path, text_key: str = "text") -> Iterator[InputFile]:
    """Read every input under ``root`` in sorted order."""
    for path, source in list_inputs(root):
        yield read_file(path, source, text_key)

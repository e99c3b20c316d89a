"""What the readers report: :class:`InputFile` per input, :class:`Rejection` per bad record."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cleaner.document import Document
from cleaner.names import StageName


@dataclass(frozen=True)
class Rejection:
    """Something in the input that did not become a document, and why.

    ``line`` is the 1-based line of a JSONL file or row of a Parquet file.
    """

    source: str
    rule: str
    message: str
    line: int | None = None

    def __post_init__(self) -> None:
        if type(self.rule) is not str:  # a Reason: a caller gets a plain str
            object.__setattr__(self, "rule", str(self.rule))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "stage": StageName.READ.value,
            "rule": self.rule,
            "message": self.message,
        }
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass
class InputFile:
    """One input file as seen by the reader: its hash and what became of it.

    ``outcome`` is ``"read"`` or ``"rejected"`` when reading ends; the run's state
    turns ``"read"`` into ``"cleaned"`` or ``"dropped"`` once the pipeline has run
    (:meth:`cleaner.store.state.State.inputs`).
    ``repairs`` counts what the reader fixed on the way in (``nul-bytes`` stripped,
    ``invalid-utf8`` bytes read as Windows-1252, ``legacy-encoding`` for a JSONL line
    read in its file's detected legacy encoding, ``renamed-ids`` for a record id
    already taken, ``deep-nesting`` for an HTML start tag taken out because it nested
    too deep to parse in good time, ``trailing-bytes`` for junk after a gzip file's last
    member); ``skipped`` counts what it passed over as no
    document, by :class:`~cleaner.names.Skip` (a WARC file's requests and non-HTML
    responses).
    ``count`` is the number of documents the file gave, also when they were streamed
    rather than kept in ``documents``; ``rejected_records`` counts
    the bad records, also those handed to ``on_rejection`` (see :meth:`add_rejection`).
    """

    path: str
    sha256: str
    size: int
    outcome: str = "read"
    reason: str | None = None
    encoding: str | None = None
    documents: list[Document] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    repairs: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    count: int = 0
    forgotten: int = 0  # rejections handed to on_rejection and not listed
    # the pages of a Parquet file's binary HTML column, by the encoding each was read
    # with and what decided it ("cp1251 (meta)"): its recorded encoding
    page_encodings: Counter[str] = field(default_factory=Counter, repr=False, compare=False)
    on_rejection: Callable[[Rejection], None] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def rejected_records(self) -> int:
        return self.forgotten + len(self.rejections)

    def add_rejection(self, rejection: Rejection) -> None:
        """Record one bad record; with ``on_rejection`` set, hand it on at once.

        A stream sets ``on_rejection`` (before reading) to report bad lines as they
        come; the entry then lists only the first (a reason may quote it) and counts
        the others, so that a stream of bad lines does not fill memory.
        """
        if self.on_rejection is not None:
            self.on_rejection(rejection)
            if self.rejections:
                self.forgotten += 1
                return
        self.rejections.append(rejection)

    def reject(self, reason: str) -> InputFile:
        """Mark the whole file rejected for ``reason`` (one line, says what to do)."""
        self.outcome, self.reason = "rejected", reason
        return self

    def repaired(self, what: str, n: int = 1) -> None:
        if n:
            self.repairs[what] = self.repairs.get(what, 0) + n

    def skip(self, why: str) -> None:
        self.skipped[str(why)] = self.skipped.get(str(why), 0) + 1

    @property
    def message(self) -> str:
        """The reason as one line that names the file, for the audit and the CLI."""
        return f"{self.path}: {self.reason}" if self.reason else self.path

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "outcome": self.outcome,
            "documents": max(self.count, len(self.documents)),
        }
        if self.reason:
            out["reason"] = self.reason
        if self.encoding:
            out["encoding"] = self.encoding
        if self.rejected_records:
            out["rejected_records"] = self.rejected_records
        if self.repairs:
            out["repairs"] = dict(sorted(self.repairs.items()))
        if self.skipped:
            out["skipped"] = dict(sorted(self.skipped.items()))
        return out


def first_line(e: BaseException) -> str:
    """An error's message for a one-line reason: its first line, at most 120 characters
    (its type's name when it has none).

    >>> first_line(ValueError("bad byte\\nat 3")), first_line(OverflowError())
    ('bad byte', 'OverflowError')
    """
    return (str(e).splitlines() or [type(e).__name__])[0][:120]


# lines of one document: the boilerplate stage holds a few kB a line while it judges a
# page, so 100,000 lines cost about 0.5 GB; the longest document of the benchmarks'
# real pages has 17,643. More is a log or a list, not a document, and is refused.
# Blank lines (a scrape's runs of them) cost the stage next to nothing and do not count.
MAX_DOCUMENT_LINES = 100_000


def too_many_lines(text: str) -> str | None:
    """Why ``text`` is refused as one document for its lines with text, or None.

    >>> too_many_lines("a\\nb"), too_many_lines("x\\n" * 100_000)
    (None, None)
    >>> too_many_lines("x\\n" * 100_001)[:50]
    '100,001 lines with text, more than 100,000 for one'
    >>> too_many_lines("x\\n \\n\\n" * 100_000) is None
    True
    """
    lines = text.count("\n") + (not text.endswith("\n"))
    if lines <= MAX_DOCUMENT_LINES:
        return None
    lines = sum(1 for line in text.split("\n") if line and not line.isspace())
    if lines <= MAX_DOCUMENT_LINES:
        return None
    return (
        f"{lines:,} lines with text, more than {MAX_DOCUMENT_LINES:,} for one document; "
        "split it into smaller documents"
    )


def unique_names(names: list[str]) -> list[str]:
    """Field names with a later one of a name taken given ``_2``, ``_3``, ... (a name
    no other field has): two Parquet columns or two keys of a JSON object of one name,
    of which a dict would keep the last.

    >>> unique_names(["text", "x", "x", "x_2"])
    ['text', 'x', 'x_3', 'x_2']
    """
    taken, seen, out = set(names), set(), []
    for name in names:
        new = name
        if name in seen:
            n = 2
            while f"{name}_{n}" in taken:
                n += 1
            new = f"{name}_{n}"
            taken.add(new)
        seen.add(name)
        out.append(new)
    return out


def doc_id(source: str, record: int | None = None) -> str:
    """A stable id: a digest of the source path (and record number for JSONL).

    A record's key is ``source#number``; a file whose name holds a ``#`` has a ``#``
    after its name too, so that a file named ``a.jsonl#2`` is not record 2 of
    ``a.jsonl`` (the keys of other files are their names, as before).

    >>> doc_id("a.txt")
    '18b7cb099a9ea3f5'
    >>> doc_id("a.jsonl#2") != doc_id("a.jsonl", 2)
    True
    """
    key = source if "#" not in source else f"{source}#"
    if record is not None:
        key = f"{source}#{record}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def dropped_reason(rules: dict[str, int]) -> str:
    """Why a file has no document in the corpus, from the rules that dropped them.

    >>> dropped_reason({"near-duplicate": 2})
    'all 2 documents dropped: near-duplicate; see audit.jsonl'
    """
    total = sum(rules.values())
    if not total:
        return "no documents; see audit.jsonl"
    why = ", ".join(
        f"{rule} ({n})" if len(rules) > 1 else rule for rule, n in sorted(rules.items())
    )
    return f"all {total} documents dropped: {why}; see audit.jsonl"

"""Explain one file: its page line by line, each removed line marked with its rule.

The lines shown are the text after ``repair-text``, which is the text the boilerplate
rules number their lines in. A line removed by ``strip-boilerplate`` is marked with
its rule at its line number; paragraphs removed by ``dedup-blocks`` are marked at
their later copies; anything else removed (with no place in the page) is listed after
the page. Near-duplicates are a matter between files, so ``explain`` leaves them to
``cleaner run``. A JSONL line that is no usable record is not skipped silently: it
takes its place among the explanations as the reader's :class:`Rejection`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cleaner.config import CleanConfig
from cleaner.document import Change, Document
from cleaner.errors import CleanerError, InputError, UsageError
from cleaner.names import BlockRule, StageName
from cleaner.pipeline import Pipeline
from cleaner.readers import Rejection, stream_file
from cleaner.readers.walk import source_name
from cleaner.run.check import (
    CorpusLines,
    corpus_config,
    corpus_index,
    corpus_ngram,
    corpus_source,
    duplicates,
    earlier_version,
    gone_from,
    open_corpus,
)
from cleaner.run.stream import StreamCleaner
from cleaner.stage import Filter, Stage
from cleaner.stages.boilerplate import is_forum_page
from cleaner.stages.repeats import CountRepeats
from cleaner.store.state import State
from cleaner.tables import one_line

REPAIR = StageName.REPAIR_TEXT
BOILERPLATE = StageName.STRIP_BOILERPLATE
BLOCKS = StageName.DEDUP_BLOCKS
# the page line of a forum's page read from HTML (cleaner.stages.boilerplate.is_forum_page)
FORUM_PAGE = "a forum's (its <html> or <body> class or id says so): comment-thread leaves its posts"


@dataclass(frozen=True)
class Line:
    """One line of the explained page: kept (``rule`` None) or removed by ``stage``/``rule``.

    A ``low-content`` line also has the line model's ``score`` and the page's ``cut``; a
    removed line of a page read from HTML, what its markup said of it (``where``).
    """

    text: str
    rule: str | None = None
    stage: str | None = None
    score: float | None = None
    cut: float | None = None
    where: str | None = None

    @property
    def label(self) -> str:
        """``rule``, with ``score < cut`` when the line model removed the line, and
        ``| where`` when the markup said something of it."""
        label = str(self.rule)
        if self.score is not None and self.cut is not None:
            label = f"{self.rule} {self.score:.2f} < {self.cut:.2f}"
        return f"{label} | {self.where}" if self.where else label


@dataclass
class Explanation:
    """What cleaning did to one document, line by line."""

    id: str
    source: str
    title: str | None
    date: str | None
    repaired: list[str]
    lines: list[Line] = field(default_factory=list)
    author: str | None = None
    dropped: str | None = None  # the rule that left the document out of the corpus
    # with --corpus: the kept corpus document it duplicates or is contained in (see
    # cleaner.run.check.duplicates), which a run would drop it for
    duplicate: dict[str, Any] | None = None
    measured: str = ""  # what the dropping stage measured ("mean word length 11.2 > 10")
    redacted: list[str] = field(default_factory=list)  # redact-pii's replacements, by type
    # what the markup of a page read from HTML said of the whole page, if anything
    page: str | None = None

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.rule is not None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self, mark: Callable[[str], str] = str) -> str:
        """The page as text: kept lines plain, removed ones as ``- [rule | where] text``.

        ``mark`` styles removed lines (the CLI colours them red).

        >>> print(Explanation("1", "a.txt", "Hi", None, [],
        ...       [Line("Home | About", "navigation"), Line("Body."),
        ...        Line("Sale ends Sunday", "low-content", None, 0.21, 0.48)]).render())
        # a.txt (id 1)
        title: Hi
        <BLANKLINE>
        - [navigation] Home | About
        Body.
        - [low-content 0.21 < 0.48] Sale ends Sunday
        """
        head = [f"# {self.source} (id {self.id})"]  # names and fields: one_line, below
        found = (
            ("title", self.title),
            ("date", self.date),
            ("author", self.author),
            ("page", self.page),
            ("dropped", f"{self.dropped} ({self.measured})" if self.measured else self.dropped),
        )
        head += [f"{k}: {v}" for k, v in found if v]
        if self.duplicate is not None:
            d = self.duplicate
            share = f"containment {d['containment']}, " if "containment" in d else ""
            head.append(
                f"{d['rule']} in corpus: {d['duplicate_of']} ({d['duplicate_source']}), "
                f"{share}similarity {d['similarity']}"
            )
        if self.repaired:
            head.append(f"repaired: {', '.join(self.repaired)}")
        if self.redacted:  # by type, in the order met, with a count past one
            counts = Counter(self.redacted)
            types = (f"{k} ({n})" if n > 1 else k for k, n in counts.items())
            head.append(f"redacted: {', '.join(types)}")
        # a file's name and a record's own fields are shown as they are, but for their
        # control characters: a line break would split the line, an escape sequence would
        # be obeyed by the terminal (the text's own were taken out by repair-text)
        head = [one_line(line) for line in head]
        body = [
            line.text if line.rule is None else mark(f"- [{line.label}] {line.text}")
            for line in self.lines
        ]
        return "\n".join([*head, "", *body])


def explain_document(doc: Document, stages: list[Stage]) -> Explanation:
    """Run ``stages`` on ``doc`` and lay every removal onto the repaired page (what it
    duplicates in a corpus is :func:`explain_file`'s to say, for a file's documents
    together)."""
    [explained] = explain_documents([doc], stages)
    return explained


def explain_documents(docs: list[Document], stages: list[Stage]) -> list[Explanation]:
    """:func:`explain_document` of each of one file's ``docs``, which go through each
    stage together, as a run's task sends them (:func:`_cleaned_all`)."""
    cleaned = _cleaned_all(docs, stages)
    return [_laid_out(*c, None, _page_note(d)) for d, c in zip(docs, cleaned, strict=True)]


def _page_note(doc: Document) -> str | None:
    """What the markup of ``doc`` (as read, before any stage) says of the whole page."""
    return FORUM_PAGE if is_forum_page(doc.hints) else None


def _cleaned_all(docs: list[Document], stages: list[Stage]) -> list[tuple[Document, str]]:
    """The documents of one file after ``stages``, each with the page its removals are
    numbered on. The file's documents go through each stage together, as a run's task
    sends them: with ``cross_doc_blocks`` a paragraph that repeats one of an earlier
    document of the file goes (one by one, nothing repeated it)."""
    bases = [doc.text for doc in docs]
    for stage in stages:
        docs = list(stage.run(docs))  # a document dropped before passes through as it is
        if stage.name == REPAIR or (isinstance(stage, Filter) and stage.rewrites):
            # the page the later stages number their lines on
            bases = [
                b if d.dropped is not None else d.text for d, b in zip(docs, bases, strict=True)
            ]
    return list(zip(docs, bases, strict=True))


def _laid_out(
    doc: Document, base: str, duplicate: dict[str, Any] | None, page: str | None
) -> Explanation:
    """The explanation of the cleaned ``doc``: every removal laid onto ``base``, the
    document it duplicates, if one (see :func:`cleaner.run.check.duplicates`), and what
    the markup said of the whole page (``page``, :func:`_page_note`)."""
    slots: list[list[Line]] = [[Line(text)] for text in base.split("\n")]
    rest = [c for c in doc.changes if c.text and not _place(c, slots)]
    lines = [line for slot in slots for line in slot]
    lines += [Line(c.text, c.rule, c.stage) for c in rest]
    repaired = [c.rule for c in doc.changes if c.stage == REPAIR and not c.text]
    dropped = None if doc.dropped is None else doc.dropped.rule
    if duplicate is not None:
        dropped = duplicate["rule"]
    measured = "" if doc.dropped is None else doc.dropped.measured()
    redacted = [c.rule for c in doc.changes if c.stage == StageName.REDACT_PII]
    return Explanation(
        doc.id,
        doc.source,
        doc.title,
        doc.date,
        repaired,
        lines,
        doc.author,
        dropped,
        duplicate=duplicate,
        measured=measured,
        redacted=redacted,
        page=page,
    )


def _place(change: Change, slots: list[list[Line]]) -> bool:
    """Mark ``change`` on its line; False when it has no line to go to."""
    number = change.detail.get("line")
    if change.stage == BOILERPLATE and isinstance(number, int) and 0 < number <= len(slots):
        slot = slots[number - 1]
        kept = slot[-1].text
        score, cut = change.detail.get("score"), change.detail.get("cut")
        where = change.detail.get("where")
        if slot[-1].rule is None and kept.startswith(change.text) and kept != change.text:
            slot[-1:] = [
                Line(change.text, change.rule, change.stage),
                Line(kept[len(change.text) :].lstrip()),
            ]
        else:
            slot[-1:] = [Line(kept, change.rule, change.stage, score, cut, where)]
        return True
    if not isinstance(number, int) or not 0 < number <= len(slots):
        return False
    if change.rule == BlockRule.REPEATED_LINE:
        slot = slots[number - 1]
        if slot[0].rule is None and slot[0].text.strip() == f"{change.text} {change.text}":
            slot[:] = [Line(change.text), Line(change.text, change.rule, change.stage)]
            return True
    if change.rule == BlockRule.REPEATED_BLOCK:
        # each line of the paragraph at the next line from there that still reads it
        # kept (the lines between went with earlier removals)
        at, found = number - 1, []
        for line in change.text.split("\n"):
            k = None
            while at < len(slots) and (k := _kept(slots[at], line.strip())) is None:
                at += 1
            if k is None:
                return False
            found.append((at, k))
            at += 1
        for at, k in found:
            slots[at][k] = Line(slots[at][k].text, change.rule, change.stage)
        return True
    return False


def _kept(slot: list[Line], text: str) -> int | None:
    """The place in ``slot`` of its kept part, when that reads ``text``."""
    found = (k for k, line in enumerate(slot) if line.rule is None and line.text.strip() == text)
    return next(found, None)


def explain_file(
    path: Path,
    config: CleanConfig | None = None,
    stages: list[Stage] | None = None,
    corpus: Path | None = None,
    ids: Collection[str] | None = None,
    source: str | None = None,
) -> list[Explanation | Rejection]:
    """Explain every document of one input file (a text file, or each JSONL record).

    The result is in file order; a bad JSONL line or Parquet row is there as the
    :class:`Rejection` the reader made of it (its ``message`` names file and line).
    ``stages`` defaults to the per-document stages of ``config``. With ``corpus``
    (the output folder of a run), the file's lines count for ``corpus-repeat``
    together with the corpus's, so the page shows what a run over both removes, and a
    document that nearly duplicates a kept corpus document or another document of the
    file, or is contained in a longer one, names it (as ``cleaner check`` does; with
    ``ids``, among those documents of the file).
    With ``ids``, only the documents of those ids are explained (and no rejections
    are listed). ``source`` is the file's name in the corpus (its documents' ids follow
    from it): by default its path under the corpus's input folder, else its own name.
    Without ``config``, the corpus's run's config is used (the one its manifest
    records), as ``cleaner explain --corpus`` does; the defaults without a corpus.
    Raises :class:`~cleaner.errors.InputError` for a file that cannot be read or used
    and :class:`~cleaner.errors.UsageError` for a folder that holds no corpus.
    """
    if config is None:
        recorded = None if corpus is None else corpus_config(corpus)
        config = CleanConfig() if recorded is None else recorded
    if corpus is None or stages is not None:
        items = _read(path, source or source_name(Path(path.name)), config, ids)
        if stages is None:
            stages = StreamCleaner(config, near_duplicates=False).stages
        done = iter(explain_documents([d for d in items if isinstance(d, Document)], stages))
        return [next(done) if isinstance(d, Document) else d for d in items]
    with open_corpus(corpus) as (state, manifest):
        pages = CorpusPages(state, config)
        root = state.input_root(Path(corpus))
        earlier = source or earlier_version(path, root)  # the file's own version in it
        source = source or corpus_source(path, root)
        renamed = pages.renamed_in(source)
        items = _read(path, source, config, ids, renamed)
        stages = pages.stages()
        if pages.lines is not None:  # the file's lines count as they are now: all of them
            every = [d for d in items if isinstance(d, Document)]
            if ids is not None:
                every = [
                    d for d in _read(path, source, config, renamed=renamed)
                    if isinstance(d, Document)
                ]  # fmt: skip
            stages = pages.stages(pages.lines.repeated(earlier, pages.prepared(every)))
        index = corpus_index(state, manifest)
        ngram = corpus_ngram(manifest)
        cleaned = _cleaned_all([d for d in items if isinstance(d, Document)], stages)
        judged: dict[str, dict[str, Any]] = {}
        if index is not None:  # against the corpus and each other, as a run judges them
            live = [doc for doc, _ in cleaned if doc.dropped is None]
            found = duplicates(index, live, str(source), ngram, earlier, gone_from(root))
            judged = {one["id"]: one for one in found}
        pending = iter(cleaned)
        return [
            _laid_out(*next(pending), judged.get(d.id), _page_note(d))
            if isinstance(d, Document)
            else d
            for d in items
        ]


def _read(
    path: Path,
    source: str,
    config: CleanConfig,
    ids: Collection[str] | None = None,
    renamed: Collection[int] = (),
) -> list[Document | Rejection]:
    """The documents of one input (only those of ``ids``, if given, and then no
    rejected lines), with its bad lines in their places. ``renamed`` holds the places
    in the file of the documents the corpus names by their fallback id."""
    if path.is_dir():
        raise UsageError(f"{path}: a folder; explain takes one file, e.g. {path}/page.txt")
    if not path.exists():
        if path.is_symlink():  # it names a file, that leads nowhere or round a loop
            raise InputError(f"{path}: a link that leads to no file; fix the link.")
        raise InputError(f"{path}: no such file; pass a file from the raw corpus.")
    entry, docs = stream_file(path, source, config.text_key, html_key=config.html_key)
    if renamed:
        docs = (d.under_fallback_id() if k in renamed else d for k, d in enumerate(docs))
    items: list[Document | Rejection] = []
    if ids is None:
        entry.on_rejection = items.append  # bad lines in their place among the documents
        items.extend(docs)
    else:  # only the documents asked for are kept in memory, not a large file's rest
        items.extend(d for d in docs if d.id in ids)
    if entry.outcome == "rejected":
        raise InputError(f"{path}: {entry.reason}")
    return items


@dataclass
class CorpusPages:
    """A corpus's stored lines, read once, to explain its documents as the run that
    made it did (see :meth:`explain`)."""

    state: State
    config: CleanConfig
    lines: CorpusLines | None = field(init=False)
    renamed: dict[int, str] = field(init=False)

    def __post_init__(self) -> None:
        repeats = Pipeline.from_config(self.config).corpus_stage(CountRepeats)
        self.lines = None if repeats is None else CorpusLines(self.state, repeats)
        self.renamed = self.state.renamed()

    def renamed_in(self, source: str) -> set[int]:
        """The places in ``source`` of the documents that the corpus names by their
        fallback id (:meth:`~cleaner.store.state.State.renamed`)."""
        if not self.renamed:
            return set()
        return {k for k, h in enumerate(self.state.docs_of(source)) if h in self.renamed}

    def prepared(self, docs: list[Document]) -> list[Document]:
        """``docs`` as the run counted their lines: after the text stages (repair-text,
        and redaction when it is on)."""
        text = Pipeline.from_config(self.config, corpus_stages=False).text_stages()
        return list(text.run(docs))

    def stages(self, repeated: list[int] | None = None) -> list[Stage]:
        """The per-document stages, with ``repeated`` lines for corpus-repeat."""
        stages = StreamCleaner(self.config, near_duplicates=False).stages
        return stages if repeated is None else Pipeline(stages).with_repeated(repeated).stages

    def explain(
        self, files: dict[str, tuple[Path, Collection[str]]]
    ) -> dict[str, list[Explanation] | CleanerError]:
        """The documents asked for in each input: ``{source: (path, ids)}``.

        Each file must be the one the corpus holds (the caller checks its sha256):
        the corpus's line counts are then the run's, and only the documents asked for
        are read into memory, repaired and cleaned, with the counts joined once for
        all of them. A file that cannot be read maps to its error.
        """
        found: dict[str, list[Explanation] | CleanerError] = {}
        wanted: dict[str, list[Document]] = {}
        for source, (path, ids) in files.items():
            try:
                items = _read(path, source, self.config, ids, self.renamed_in(source))
            except CleanerError as e:
                found[source] = e
            else:
                wanted[source] = [d for d in items if isinstance(d, Document)]
        stages = self.stages()
        if self.lines is not None:
            every = [d for docs in wanted.values() for d in docs]
            stages = self.stages(self.lines.counted(self.prepared(every)))
        for source, docs in wanted.items():
            found[source] = explain_documents(docs, stages)
        return found

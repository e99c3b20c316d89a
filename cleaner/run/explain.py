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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cleaner.config import CleanConfig
from cleaner.document import Change, Document
from cleaner.errors import InputError, UsageError
from cleaner.names import BlockRule, StageName
from cleaner.pipeline import Pipeline
from cleaner.readers import Rejection, stream_file
from cleaner.run.check import CorpusLines, corpus_source, open_corpus
from cleaner.run.stream import StreamCleaner
from cleaner.stage import Stage
from cleaner.stages.repair import RepairText
from cleaner.stages.repeats import CountRepeats

REPAIR = StageName.REPAIR_TEXT
BOILERPLATE = StageName.STRIP_BOILERPLATE
BLOCKS = StageName.DEDUP_BLOCKS


@dataclass(frozen=True)
class Line:
    """One line of the explained page: kept (``rule`` None) or removed by ``stage``/``rule``.

    A ``low-content`` line also has the line model's ``score`` and the page's ``cut``.
    """

    text: str
    rule: str | None = None
    stage: str | None = None
    score: float | None = None
    cut: float | None = None

    @property
    def label(self) -> str:
        """``rule``, with ``score < cut`` when the line model removed the line."""
        if self.score is None or self.cut is None:
            return str(self.rule)
        return f"{self.rule} {self.score:.2f} < {self.cut:.2f}"


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
    measured: str = ""  # what the dropping stage measured ("mean word length 11.2 > 10")
    redacted: list[str] = field(default_factory=list)  # redact-pii's replacements, by type

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.rule is not None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self, mark: Callable[[str], str] = str) -> str:
        """The page as text: kept lines plain, removed ones as ``- [rule] text``.

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
        head = [f"# {self.source} (id {self.id})"]
        found = (
            ("title", self.title),
            ("date", self.date),
            ("author", self.author),
            ("dropped", f"{self.dropped} ({self.measured})" if self.measured else self.dropped),
        )
        head += [f"{k}: {v}" for k, v in found if v]
        if self.repaired:
            head.append(f"repaired: {', '.join(self.repaired)}")
        if self.redacted:
            head.append(f"redacted: {', '.join(self.redacted)}")
        body = [
            line.text if line.rule is None else mark(f"- [{line.label}] {line.text}")
            for line in self.lines
        ]
        return "\n".join([*head, "", *body])


def explain_document(doc: Document, stages: list[Stage]) -> Explanation:
    """Run ``stages`` on ``doc`` and lay every removal onto the repaired page."""
    base = doc.text
    for stage in stages:
        if doc.dropped is not None:
            break
        doc = stage.apply(doc)
        if stage.name == REPAIR:
            base = doc.text
    slots: list[list[Line]] = [[Line(text)] for text in base.split("\n")]
    leftovers: list[Change] = []
    for change in doc.changes:
        if change.text and not _place(change, slots):
            leftovers.append(change)
    _place_blocks([c for c in leftovers if c.rule == BlockRule.REPEATED_BLOCK], slots)
    rest = [c for c in leftovers if c.rule != BlockRule.REPEATED_BLOCK]
    lines = [line for slot in slots for line in slot]
    lines += [Line(c.text, c.rule, c.stage) for c in rest]
    repaired = [c.rule for c in doc.changes if c.stage == REPAIR and not c.text]
    dropped = None if doc.dropped is None else doc.dropped.rule
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
        measured,
        redacted,
    )


def _place(change: Change, slots: list[list[Line]]) -> bool:
    """Mark ``change`` on its line; False when it has no line to go to."""
    number = change.detail.get("line")
    if change.stage == BOILERPLATE and isinstance(number, int) and 0 < number <= len(slots):
        slot = slots[number - 1]
        kept = slot[-1].text
        score, cut = change.detail.get("score"), change.detail.get("cut")
        if slot[-1].rule is None and kept.startswith(change.text) and kept != change.text:
            slot[-1:] = [
                Line(change.text, change.rule, change.stage),
                Line(kept[len(change.text) :].lstrip()),
            ]
        else:
            slot[-1:] = [Line(kept, change.rule, change.stage, score, cut)]
        return True
    if change.rule == BlockRule.REPEATED_LINE:
        doubled = f"{change.text} {change.text}"
        for slot in slots:
            if slot[0].rule is None and slot[0].text == doubled:
                slot[:] = [Line(change.text), Line(change.text, change.rule, change.stage)]
                return True
    return False


def _place_blocks(changes: list[Change], slots: list[list[Line]]) -> None:
    """Mark the lines of removed paragraphs at their last unmarked occurrences."""
    wanted = Counter(line for c in changes for line in c.text.split("\n"))
    stage = {line: c.stage for c in changes for line in c.text.split("\n")}
    for slot in reversed(slots):
        text = slot[0].text
        if len(slot) == 1 and slot[0].rule is None and wanted[text] > 0:
            wanted[text] -= 1
            slot[0] = Line(text, BlockRule.REPEATED_BLOCK, stage[text])


def explain_file(
    path: Path,
    config: CleanConfig = CleanConfig(),
    stages: list[Stage] | None = None,
    corpus: Path | None = None,
) -> list[Explanation | Rejection]:
    """Explain every document of one input file (a text file, or each JSONL record).

    The result is in file order; a bad JSONL line or Parquet row is there as the
    :class:`Rejection` the reader made of it (its ``message`` names file and line).
    ``stages`` defaults to the per-document stages of ``config``. With ``corpus``
    (the output folder of a run), the file's lines count for ``corpus-repeat``
    together with the corpus's, so the page shows what a run over both removes.
    Raises :class:`~cleaner.errors.InputError` for a file that cannot be read or used
    and :class:`~cleaner.errors.UsageError` for a folder that holds no corpus.
    """
    if path.is_dir():
        raise UsageError(f"{path}: a folder; explain takes one file, e.g. {path}/page.txt")
    if not path.exists():
        raise InputError(f"{path}: no such file; pass a file from the raw corpus.")
    entry, docs = stream_file(path, path.name, config.text_key)
    items: list[Document | Rejection] = []
    entry.on_rejection = items.append  # bad lines in their place among the documents
    items.extend(docs)
    if entry.outcome == "rejected":
        raise InputError(f"{path}: {entry.reason}")
    documents = [item for item in items if isinstance(item, Document)]
    if stages is None:
        stages = StreamCleaner(config, near_duplicates=False).stages
        repeats = Pipeline.from_config(config).corpus_stage(CountRepeats)
        if corpus is not None and repeats is not None:
            repaired = list(RepairText(config.repair).run(documents))
            with open_corpus(corpus) as (state, _):
                source = corpus_source(path, state.meta("input_root"))
                repeated = CorpusLines(state, repeats).repeated(source, repaired)
            stages = Pipeline(stages).with_repeated(repeated).stages
    return [
        explain_document(item, stages) if isinstance(item, Document) else item for item in items
    ]

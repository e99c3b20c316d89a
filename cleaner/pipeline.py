"""Pipeline: stages chained over an iterable of documents; no file I/O."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import takewhile
from typing import TypeVar

from cleaner.config import CleanConfig
from cleaner.document import Document
from cleaner.errors import RecordError, UsageError
from cleaner.names import StageName
from cleaner.rules.model import LineModel
from cleaner.stage import CorpusStage, Filter, Stage
from cleaner.stages.boilerplate import StripBoilerplate
from cleaner.stages.dedup import DedupBlocks, DropNearDuplicates
from cleaner.stages.empty import DropEmpty
from cleaner.stages.filters import FILTERS
from cleaner.stages.repair import RepairText
from cleaner.stages.repeats import CountRepeats

C = TypeVar("C", bound=CorpusStage)


def _rewrites(stage: Stage) -> bool:
    return isinstance(stage, Filter) and stage.rewrites


class Settle(Stage):
    """Run the per-document stages again where dedup-blocks changed a document.

    Boilerplate rules read a line's neighbours, so a removed paragraph copy can expose
    another boilerplate line. Re-running those stages (title and date already taken)
    until nothing changes makes cleaning idempotent: clean output cleans to itself.
    Only documents with a removed block pay for it, and a round ends where a stage
    changed nothing: dedup-blocks, which comes last, finds nothing in the text it left
    (on the 10 MB sample, 0.25 CPU-s of numpy set-up for one document at a time, saved
    for the 90 % of documents whose boilerplate stays the same). Changes keep their own
    stage names.
    The markup's hints of a page read from HTML are not needed past this stage: they go.
    """

    name = StageName.SETTLE
    max_rounds = 3  # in practice one round finds nothing more

    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = list(stages)

    def apply(self, doc: Document) -> Document:
        if any(c.stage == DedupBlocks.name and c.text for c in doc.changes):
            for _ in range(self.max_rounds):
                before = len(doc.changes)
                for stage in self.stages:
                    doc = stage.apply(doc)
                    if len(doc.changes) == before:
                        break  # the stages after it would find the text they left
                if len(doc.changes) == before or doc.dropped is not None:
                    break
        return doc if doc.hints is None else replace(doc, hints=None)


class Pipeline:
    """An ordered list of stages, run lazily one after the other.

    ``Pipeline.from_config(config)`` builds the default chain: repair-text, the filters
    that rewrite the text (``Filter.rewrites``: redact-pii), strip-boilerplate,
    dedup-blocks, settle, then each other filter the config turns on (in the order they
    were registered, see :mod:`cleaner.stages.filters`), then
    drop-near-duplicates, which so compares only documents the filters kept; it lists in
    ``corpus`` the stages a corpus run calls over the whole input
    (:class:`~cleaner.stage.CorpusStage`: count-repeats for ``corpus-repeat``,
    drop-near-duplicates). ``line_model`` replaces the shipped boilerplate line model, and
    ``repeated`` the salted hashes of lines counted as repeated over a larger corpus than
    the documents given (see :class:`~cleaner.stages.boilerplate.StripBoilerplate`).
    Documents come out in the order they went in; stages that need the whole corpus
    (near-duplicates, and corpus-repeat counts without ``repeated``) buffer it.
    """

    def __init__(self, stages: Sequence[Stage], corpus: Sequence[CorpusStage] = ()) -> None:
        self.stages = list(stages)
        self.corpus = list(corpus)

    @classmethod
    def from_config(
        cls,
        config: CleanConfig = CleanConfig(),
        *,
        corpus_stages: bool = True,
        line_model: LineModel | None = None,
        repeated: Iterable[int] | None = None,
    ) -> Pipeline:
        gone = [n for n, c in config.filters if c.enabled and n not in FILTERS]
        if gone:  # unregistered since the config was made: it would run without a word
            raise UsageError(
                f"filter {gone[0]!r} is turned on but not registered; register it before "
                "the run, or turn it off"
            )
        filters = [
            cls(config.filter(name)) for name, cls in FILTERS.items() if config.filter(name).enabled
        ]
        stages: list[Stage] = [RepairText(config.repair)]
        stages += [f for f in filters if f.rewrites]
        settles = config.boilerplate.enabled and config.dedup.blocks
        if config.boilerplate.enabled:
            strip = StripBoilerplate(config.boilerplate, line_model, repeated, keep_hints=settles)
            stages.append(strip)
        stages.append(DedupBlocks(config.dedup))
        if settles:
            again = replace(config.boilerplate, extract_title=False, extract_date=False)
            # the markup's hints stay through the round: Settle lets them go at its end
            strip_again = StripBoilerplate(again, line_model, keep_hints=True)
            settle = [strip_again, DedupBlocks(config.dedup)]
            stages.append(Settle(settle))
        stages.append(DropEmpty())
        stages += [f for f in filters if not f.rewrites]
        corpus: list[CorpusStage] = []
        if corpus_stages and CountRepeats.wanted(config.boilerplate):
            corpus.append(CountRepeats(config.boilerplate))
        if corpus_stages and config.dedup.documents:
            near = DropNearDuplicates(config.dedup)
            stages.append(near)  # a Stage too: buffers the documents given to run()
            corpus.append(near)
        return cls(stages, corpus)

    def text_stages(self) -> Pipeline:
        """The leading stages that make the text the others judge: repair-text and the
        filters that rewrite (``Filter.rewrites``). Lines are counted for corpus-repeat
        on their output."""
        return Pipeline(
            list(takewhile(lambda s: isinstance(s, RepairText) or _rewrites(s), self.stages))
        )

    def with_repeated(self, repeated: Iterable[int]) -> Pipeline:
        """The same stages, the strip stage counting ``repeated`` (salted hashes, see
        :class:`~cleaner.stages.boilerplate.StripBoilerplate`) as the corpus's repeats."""
        return Pipeline(
            [
                StripBoilerplate(s.config, s.model, repeated, s.twins, s.keep_hints)
                if isinstance(s, StripBoilerplate)
                else s
                for s in self.stages
            ],
            self.corpus,
        )

    @property
    def names(self) -> list[str]:
        """The stages that run, in order: the per-document ones, then the corpus stages
        whose changes the audit names (the manifest's ``stages``)."""
        each = {id(s) for s in self.stages}  # drop-near-duplicates is both kinds
        listed = [c for c in self.corpus if c.listed and id(c) not in each]
        return [str(s.name) for s in self.stages] + [str(c.name) for c in listed]

    def per_document(self) -> Pipeline:
        """The stages that run on each file by itself; the corpus run calls the others."""
        return Pipeline([s for s in self.stages if not isinstance(s, CorpusStage)])

    def corpus_stage(self, kind: type[C]) -> C | None:
        """The corpus stage of type ``kind`` (None: the config does not run it)."""
        return next((c for c in self.corpus if isinstance(c, kind)), None)

    def scheme(self) -> dict[str, object]:
        """What the manifest records of how the corpus stages work."""
        return {k: v for c in self.corpus for k, v in c.scheme().items()}

    def preload(self) -> list[str]:
        """The modules the stages ask their worker processes to import before the first
        task (:attr:`~cleaner.stage.Stage.preload`), each once, in stage order."""
        return list(dict.fromkeys(m for s in self.stages for m in s.preload))

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        """``docs`` through every stage, lazily; raises
        :class:`~cleaner.errors.RecordError` for a document whose text is no string."""
        stream: Iterable[Document] = map(with_text, docs)
        for stage in self.stages:
            stream = stage.run(stream)
        yield from stream


def with_text(doc: Document) -> Document:
    """``doc``, whose text must be a string (a :class:`~cleaner.errors.RecordError`
    naming it otherwise: a caller's document, given to the Python API)."""
    if not isinstance(doc.text, str):
        raise RecordError(
            f"{doc.source}: document {doc.id}: its text is {type(doc.text).__name__}, "
            "not a string; pass the text of each document"
        )
    return doc

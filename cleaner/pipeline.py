"""Pipeline: stages chained over an iterable of documents; no file I/O."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from cleaner.config import CleanConfig
from cleaner.document import Document
from cleaner.names import StageName
from cleaner.rules.model import LineModel
from cleaner.stage import Stage
from cleaner.stages.boilerplate import StripBoilerplate
from cleaner.stages.dedup import DedupBlocks, DropNearDuplicates
from cleaner.stages.filters import FILTERS
from cleaner.stages.repair import RepairText


class Settle(Stage):
    """Run the per-document stages again where dedup-blocks changed a document.

    Boilerplate rules read a line's neighbours, so a removed paragraph copy can expose
    another boilerplate line. Re-running those stages (title and date already taken)
    until nothing changes makes cleaning idempotent: clean output cleans to itself.
    Only documents with a removed block pay for it. Changes keep their own stage names.
    """

    name = StageName.SETTLE
    max_rounds = 3  # in practice one round finds nothing more

    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = list(stages)

    def apply(self, doc: Document) -> Document:
        if not any(c.stage == DedupBlocks.name and c.text for c in doc.changes):
            return doc
        for _ in range(self.max_rounds):
            before = len(doc.changes)
            for stage in self.stages:
                doc = stage.apply(doc)
            if len(doc.changes) == before or doc.dropped is not None:
                break
        return doc


class Pipeline:
    """An ordered list of stages, run lazily one after the other.

    ``Pipeline.from_config(config)`` builds the default chain: repair-text,
    strip-boilerplate, dedup-blocks, settle, then each filter the config turns on (in
    the order they were registered, see :mod:`cleaner.stages.filters`), then
    drop-near-duplicates, which so compares only documents the filters kept.
    ``line_model`` replaces the shipped boilerplate line model, and ``repeated`` the
    salted hashes of lines counted as repeated over a larger corpus than the documents
    given (see :class:`~cleaner.stages.boilerplate.StripBoilerplate`). Documents come
    out in the order they went in; stages that need the whole corpus (near-duplicates,
    and corpus-repeat counts without ``repeated``) buffer it.
    """

    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = list(stages)

    @classmethod
    def from_config(
        cls,
        config: CleanConfig = CleanConfig(),
        *,
        corpus_stages: bool = True,
        line_model: LineModel | None = None,
        repeated: Iterable[int] | None = None,
    ) -> Pipeline:
        stages: list[Stage] = [RepairText(config.repair)]
        if config.boilerplate.enabled:
            stages.append(StripBoilerplate(config.boilerplate, line_model, repeated))
        stages.append(DedupBlocks(config.dedup))
        if config.boilerplate.enabled and config.dedup.blocks:
            again = replace(config.boilerplate, extract_title=False, extract_date=False)
            settle = [StripBoilerplate(again, line_model), DedupBlocks(config.dedup)]
            stages.append(Settle(settle))
        for name, filter_class in FILTERS.items():
            settings = config.filter(name)
            if settings.enabled:
                stages.append(filter_class(settings))
        if corpus_stages and config.dedup.documents:
            stages.append(DropNearDuplicates(config.dedup))
        return cls(stages)

    def with_repeated(self, repeated: Iterable[int]) -> Pipeline:
        """The same stages, the strip stage counting ``repeated`` (salted hashes, see
        :class:`~cleaner.stages.boilerplate.StripBoilerplate`) as the corpus's repeats."""
        return Pipeline(
            [
                StripBoilerplate(s.config, s.model, repeated, s.twins)
                if isinstance(s, StripBoilerplate)
                else s
                for s in self.stages
            ]
        )

    @property
    def names(self) -> list[str]:
        return [str(s.name) for s in self.stages]

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        stream: Iterable[Document] = docs
        for stage in self.stages:
            stream = stage.run(stream)
        yield from stream

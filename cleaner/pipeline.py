"""Pipeline: stages chained over an iterable of documents; no file I/O."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from cleaner.config import CleanConfig
from cleaner.document import Document
from cleaner.stage import Stage
from cleaner.stages.boilerplate import StripBoilerplate
from cleaner.stages.dedup import DedupBlocks, DropNearDuplicates
from cleaner.stages.repair import RepairText


class Pipeline:
    """An ordered list of stages, run lazily one after the other.

    ``Pipeline.from_config(config)`` builds the default chain: repair-text,
    strip-boilerplate, dedup-blocks, drop-near-duplicates. Documents come out in the
    order they went in; stages that need the whole corpus (near-duplicates) buffer it.
    """

    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = list(stages)

    @classmethod
    def from_config(cls, config: CleanConfig = CleanConfig(), *,
                    corpus_stages: bool = True) -> Pipeline:
        stages: list[Stage] = [RepairText(config.repair)]
        if config.boilerplate.enabled:
            stages.append(StripBoilerplate(config.boilerplate))
        stages.append(DedupBlocks(config.dedup))
        if corpus_stages and config.dedup.documents:
            stages.append(DropNearDuplicates(config.dedup))
        return cls(stages)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        stream: Iterable[Document] = docs
        for stage in self.stages:
            stream = stage.run(stream)
        yield from stream

"""CountRepeats: the counts behind ``corpus-repeat``, over the whole corpus, written once.

``strip-boilerplate`` removes a line that the documents of one source (site or folder)
hold ``min_repeats`` times (:class:`~cleaner.stages.boilerplate.StripBoilerplate`).
Over a folder in memory that stage counts by itself; a corpus run, ``cleaner check`` and
``cleaner explain --corpus`` count over files cleaned apart, and all three ask this
stage: each file's line sets (:meth:`CountRepeats.count`, on a worker), the repeated
lines of a set of files (:meth:`CountRepeats.repeated`), the ones a file holds
(:meth:`CountRepeats.held`), the documents a change of counts touches
(:meth:`CountRepeats.touched`) and a file's repeats counted with a stored corpus
(:meth:`CountRepeats.repeated_with`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from cleaner.config import BoilerplateConfig
from cleaner.document import Document
from cleaner.names import StageName
from cleaner.stage import CorpusStage
from cleaner.stages.boilerplate import TWINS, LineSets, counts_repeats, line_sets

U64 = npt.NDArray[np.uint64]


class CountRepeats(CorpusStage):
    """Count each line over every input, near-duplicate documents once (``TWINS``).

    Not listed in the manifest's stages: what it finds is removed by
    ``strip-boilerplate`` under the rule ``corpus-repeat``, and counted there.
    """

    name = StageName.COUNT_REPEATS
    listed = False

    def __init__(self, config: BoilerplateConfig, twins: float = TWINS) -> None:
        self.config = config
        self.twins = twins

    @staticmethod
    def wanted(config: BoilerplateConfig) -> bool:
        """Whether ``config`` counts lines over the corpus at all."""
        return counts_repeats(config)

    @staticmethod
    def count(docs: Iterable[Document]) -> LineSets:
        """One file's line sets (salted hashes and words): what the counts add up."""
        return line_sets(docs)

    def repeated(self, sets: Iterable[LineSets]) -> U64:
        """The repeated lines (salted hashes, distinct) of the files of ``sets``."""
        return LineSets.join(list(sets)).repeated(self.config.min_repeats, self.twins)

    def repeated_with(
        self, source: str, docs: Sequence[Document], stored: Mapping[str, LineSets]
    ) -> list[int]:
        """The repeated lines of ``docs`` in a run over them and the ``stored`` files,
        the file's own earlier version (``source``) taken out."""
        mine = line_sets(docs)
        others = (sets for path, sets in stored.items() if path != source)
        every = LineSets.join([*others, mine])
        found: U64 = every.repeated(self.config.min_repeats, self.twins, only=mine.hashes)
        return [int(h) for h in found.tolist()]

    @staticmethod
    def held(lines: U64, repeated: U64) -> U64:
        """The sorted distinct ``lines`` found in the sorted, distinct ``repeated``.

        Binary search per line: ``np.intersect1d`` sorted the corpus-wide ``repeated``
        again for every file, which made a folder of small files quadratic.

        >>> CountRepeats.held(np.array([5, 3, 9, 3], np.uint64), np.array([1, 3, 5], np.uint64))
        array([3, 5], dtype=uint64)
        """
        if not len(repeated):
            return np.empty(0, np.uint64)
        at = np.minimum(np.searchsorted(repeated, lines), len(repeated) - 1)
        return np.unique(lines[repeated[at] == lines])

    @staticmethod
    def crossed(before: U64, after: U64) -> U64:
        """The lines repeated before a change and not after, or after and not before."""
        return np.setxor1d(before, after, assume_unique=True)

    @staticmethod
    def touched(
        hashes: U64, offsets: npt.NDArray[np.int64], crossed: U64, whole_file: bool
    ) -> list[int]:
        """The ordinals of a file's documents holding a line of ``crossed`` (every one of
        them, when any does and ``whole_file``: cross-document blocks tie them together)."""
        hit = np.flatnonzero(np.isin(hashes, crossed))
        if not len(hit):
            return []
        if whole_file:
            return list(range(len(offsets) - 1))
        docs = np.unique(np.searchsorted(offsets, hit, side="right") - 1)
        return [int(d) for d in docs.tolist()]

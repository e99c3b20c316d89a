"""The corpus run's side of ``corpus-repeat``: count lines on the executor, store the
counts per file, and find the documents a change of counts touches.

The counting itself is :class:`~cleaner.stages.repeats.CountRepeats`, the corpus stage
that ``cleaner check`` and ``cleaner explain --corpus`` ask too.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from cleaner.run.tasks import CountBatch, CountTask, count_files
from cleaner.stages.repeats import LineSets

if TYPE_CHECKING:
    from cleaner.run.corpus import CorpusRun, Job


def count(run: CorpusRun, todo: list[tuple[Path, str]]) -> list[LineSets]:
    """Read the line sets of ``todo`` on the executor and store them per file.

    Small files are counted in batches (:func:`~cleaner.run.tasks.batches`), the
    same batches as they are cleaned in. On this machine, each batch's repaired
    documents are kept on disk until it is cleaned, so no file is read and repaired
    twice. Returns the line sets read.
    """
    groups = run.batches(todo, todo)
    spills: list[str | None] = [None] * len(groups)
    if run.local:
        run.spill.mkdir(exist_ok=True)
        spills = [str(run.spill / f"{k}.pickle") for k in range(len(groups))]
        run.kept = {
            source: str(spill)
            for group, spill in zip(groups, spills, strict=True)
            for _, source in group
        }
    run.phase("counting lines", len(todo))
    tasks = (
        CountBatch(tuple(CountTask(str(path), source, run.config) for path, source in group), spill)
        for group, spill in zip(groups, spills, strict=True)
    )
    found = []
    for results in run.executor.map(count_files, tasks):
        for source, sets in results:
            run.state.set_lines(source, sets)
            found.append(sets)
            run.tick()
    return found


def stored_repeats(run: CorpusRun) -> npt.NDArray[np.uint64]:
    """The repeated lines over every file's stored line sets."""
    assert run.repeats is not None
    return run.repeats.repeated(LineSets(*s) for s in run.state.line_sets().values())


def recount(
    run: CorpusRun, todo: list[tuple[Path, str]], removed: Iterable[str]
) -> tuple[npt.NDArray[np.uint64] | None, list[Job]]:
    """Update the stored line sets for the added, changed and removed files.

    Returns the repeated lines after the update, and the documents of unchanged
    files to clean again: those holding a line whose count crossed ``min_repeats``
    either way (every document of such a file when ``cross_doc_blocks`` ties its
    documents together).
    """
    repeats = run.repeats
    if repeats is None:
        return None, []
    # a document added or removed can make or unmake twins of documents in other
    # files, so the counts are taken again over every stored set, before and after
    before = stored_repeats(run)
    for source in removed:
        run.state.drop_lines(source)
    count(run, todo)
    after = stored_repeats(run)
    crossed = repeats.crossed(before, after)
    again: list[Job] = []
    queued = {source for _, source in todo}
    for path, source in run.listing if len(crossed) else []:
        if source in queued:
            continue
        hashes, offsets = run.state.lines_of(source)
        docs = repeats.touched(hashes, offsets, crossed, run.config.dedup.cross_doc_blocks)
        if docs:
            again.append((path, source, docs))
    run.files["recleaned"] = len(again)
    return after, again

"""The tasks an executor runs, as typed records: count a file's lines, clean a file.

A task is a frozen dataclass of plain values (paths as strings, the config, numpy
arrays), so it pickles to a worker process or a Ray task; :func:`count_file` and
:func:`clean_file` are module-level for the same reason. Both read the file where
they run (a Ray worker must see the input at the same path) and return rows, never
documents, so little crosses the process boundary.
"""

from __future__ import annotations

import os
import pickle
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cleaner.config import CleanConfig
from cleaner.dedup.shingles import shingle_sets
from cleaner.pipeline import Pipeline
from cleaner.readers import InputFile, read_file
from cleaner.stages.dedup import banding
from cleaner.stages.repair import RepairText
from cleaner.stages.repeats import CountRepeats, LineSets
from cleaner.store.prepare import PreparedFile, prepare_file

_PICKLE = pickle.HIGHEST_PROTOCOL


@dataclass(frozen=True)
class CountTask:
    """Count the lines of the file at ``path`` (named ``source`` in the corpus).

    ``keep``: a file to keep the repaired documents in, so that the file's
    :class:`CleanTask` need not read and repair it again (None: keep nothing).
    """

    path: str
    source: str
    config: CleanConfig
    keep: str | None = None


@dataclass(frozen=True)
class CleanTask:
    """Clean the file at ``path`` (named ``source`` in the corpus) into rows of the state.

    ``repeated``: the salted hashes of the lines repeated across the whole input that
    the file holds (None: not counted; ``corpus-repeat`` then counts the file's own
    documents). ``ordinals``: the only documents to clean (an unchanged file some of
    whose lines crossed ``min_repeats``; None: all). ``kept``: the file a
    :class:`CountTask` kept the repaired documents in (read, then deleted).
    """

    path: str
    source: str
    config: CleanConfig
    repeated: npt.NDArray[np.uint64] | None = None
    ordinals: tuple[int, ...] | None = None
    kept: str | None = None


@lru_cache(maxsize=4)
def _pipeline(config: CleanConfig) -> Pipeline:
    return Pipeline.from_config(config, corpus_stages=False)


def _read(path: str, source: str, config: CleanConfig) -> tuple[InputFile, int, int]:
    """Read an input file; also its mtime and when it was seen (for the racy-file check)."""
    try:
        mtime_ns = Path(path).stat().st_mtime_ns
    except OSError:
        mtime_ns = 0
    seen_ns = time.time_ns()
    return read_file(Path(path), source, config.text_key), mtime_ns, seen_ns


def count_file(task: CountTask) -> tuple[str, LineSets]:
    """Read one input file, repair it and count its lines per source (an executor task).

    Returns the file's source name and its line sets
    (:meth:`~cleaner.stages.repeats.CountRepeats.count`): what the boilerplate stage
    would count (line hashes and their words), with no text crossing the process
    boundary.
    """
    entry, mtime_ns, seen_ns = _read(task.path, task.source, task.config)
    docs = list(RepairText(task.config.repair).run(entry.documents))
    if task.keep is not None:
        with open(task.keep, "wb") as f:
            pickle.dump((replace(entry, documents=docs), mtime_ns, seen_ns), f, _PICKLE)
    return task.source, CountRepeats.count(docs)


def clean_file(task: CleanTask) -> PreparedFile:
    """Read one input file, run the per-document stages on it and turn the result into
    rows of the state (an executor task).

    The rows are ready to insert: serialized records, audit rows, shingle hashes and
    band keys (:func:`~cleaner.store.prepare.prepare_file`), so no document crosses the
    process boundary and the driver does little per document. Runs the same in this
    process, in a local worker process or as a Ray task.
    """
    config, ordinals = task.config, task.ordinals
    pipeline = (
        _pipeline(config)
        if task.repeated is None
        else Pipeline.from_config(config, corpus_stages=False, repeated=task.repeated.tolist())
    )
    if task.kept is not None and os.path.isfile(task.kept):
        with open(task.kept, "rb") as f:
            entry, mtime_ns, seen_ns = pickle.load(f)
        os.unlink(task.kept)
        # repairing is a fixed point: the kept documents are what the first stage gives
        pipeline = Pipeline([s for s in pipeline.stages if not isinstance(s, RepairText)])
    else:
        entry, mtime_ns, seen_ns = _read(task.path, task.source, config)
    documents = entry.documents
    if ordinals is not None:
        wanted = set(ordinals)
        documents = [d for k, d in enumerate(documents) if k in wanted]
    docs = list(pipeline.run(documents))
    dedup = config.dedup
    bands = banding(dedup)
    live = [d.text for d in docs if d.dropped is None]
    sets = shingle_sets(live, dedup.ngram) if dedup.documents else None
    return prepare_file(
        entry,
        docs,
        mtime_ns=mtime_ns,
        seen_ns=seen_ns,
        sets=sets,
        keys=None if sets is None else bands.keys(sets),
        ordinals=None if ordinals is None else sorted(ordinals),
    )

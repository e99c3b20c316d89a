"""The tasks an executor runs, as typed records: count a file's lines, clean a file.

A task is a frozen dataclass of plain values (paths as strings, the config, numpy
arrays), so it pickles to a worker process or a Ray task; :func:`count_file` and
:func:`clean_file` are module-level for the same reason. Both read the file where
they run (a Ray worker must see the input at the same path) and return rows, never
documents, so little crosses the process boundary.

An executor runs them in batches (:class:`CountBatch`, :class:`CleanBatch`; see
:func:`batches`): a folder of one small file per document would otherwise cost a
task, a round trip to a worker and a spill file per document. A batch gives one
result per file, as the files one by one would.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from cleaner.config import CleanConfig, DedupConfig
from cleaner.dedup.shingles import ShingleSets, shingle_sets
from cleaner.document import Document, runs_of
from cleaner.pipeline import Pipeline
from cleaner.readers import InputFile, stream_file
from cleaner.stages.boilerplate import StripBoilerplate
from cleaner.stages.dedup import banding
from cleaner.stages.repeats import CountRepeats, LineSets
from cleaner.store.prepare import Keys, PreparedDocs, PreparedFile, prepare_docs, prepare_file
from cleaner.store.schema import FileRow, stat_stamp

_PICKLE = pickle.HIGHEST_PROTOCOL
BATCH_BYTES = 1 << 20  # a task reads files up to about this many bytes (or one bigger file)
BATCH_FILES = 256  # and at most this many files

T = TypeVar("T")
# a file as the executor's side of a run keeps it: (entry, mtime_ns, seen_ns)
Kept = tuple[InputFile, int, int]


def batches(items: Sequence[T], sizes: Sequence[int], parts: int = 1) -> list[list[T]]:
    """``items`` in order, cut into runs of at most :data:`BATCH_FILES` whose ``sizes``
    add up to about :data:`BATCH_BYTES` (a bigger item is a run of its own), and to
    at most a ``parts``-th of the whole, so that a small input still gives each
    worker several runs.

    >>> batches("abcde", [500_000, 500_000, 2_000_000, 10, 10])
    [['a', 'b'], ['c'], ['d', 'e']]
    >>> batches("abcde", [10, 10, 10, 10, 10], parts=2)
    [['a', 'b'], ['c', 'd'], ['e']]
    """
    limit = min(BATCH_BYTES, sum(sizes) // max(1, parts))
    out: list[list[T]] = []
    run: list[T] = []
    total = 0
    for item, size in zip(items, sizes, strict=True):
        if run and (total + size > limit or len(run) >= BATCH_FILES):
            out.append(run)
            run, total = [], 0
        run.append(item)
        total += size
    if run:
        out.append(run)
    return out


def file_sizes(paths: Iterable[Path]) -> list[int]:
    """The size of each file (0 for one that cannot be read: its task says why)."""
    sizes = []
    for path in paths:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    return sizes


@dataclass(frozen=True)
class CountTask:
    """Count the lines of the file at ``path`` (named ``source`` in the corpus)."""

    path: str
    source: str
    config: CleanConfig


@dataclass(frozen=True)
class CountBatch:
    """Count the lines of each file of ``tasks``.

    ``keep``: a file to keep the repaired documents of the batch in, so that the
    files' :class:`CleanTask` need not read and repair them again (None: keep nothing).
    """

    tasks: tuple[CountTask, ...]
    keep: str | None = None


@dataclass(frozen=True)
class CleanTask:
    """Clean the file at ``path`` (named ``source`` in the corpus) into rows of the state.

    ``repeated``: the salted hashes of the lines repeated across the whole input that
    the file holds (None: not counted; ``corpus-repeat`` then counts the file's own
    documents). ``ordinals``: the only documents to clean (an unchanged file some of
    whose lines crossed ``min_repeats``; None: all).
    """

    path: str
    source: str
    config: CleanConfig
    repeated: npt.NDArray[np.uint64] | None = None
    ordinals: tuple[int, ...] | None = None


class Parts(Protocol):
    """Where a large file's rows wait, a part at a time, between the task that cleans
    it and the driver that stores them: :class:`FolderParts` on a local run, Ray's
    object store on a cluster (:class:`cleaner.integrations.ray.RayParts`)."""

    def put(self, rows: PreparedDocs) -> Any:
        """Leave ``rows``; the handle to take them by."""
        ...

    def take(self, handle: Any) -> PreparedDocs:
        """The rows left under ``handle``, once: then they are gone."""
        ...

    def drop(self, handle: Any) -> None:
        """Throw away the rows left under ``handle`` (a task that failed after it)."""
        ...


@dataclass(frozen=True)
class FolderParts:
    """Parts as files of pickled rows in ``folder``, on the driver's disk (a local run's
    spill folder), each read once and then deleted."""

    folder: str

    def put(self, rows: PreparedDocs) -> str:
        fd, name = tempfile.mkstemp(dir=self.folder, suffix=".rows")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(rows, f, _PICKLE)
        except BaseException:
            self.drop(name)
            raise
        return name

    def take(self, handle: str) -> PreparedDocs:
        with open(handle, "rb") as f:
            part: PreparedDocs = pickle.load(f)
        os.unlink(handle)
        return part

    def drop(self, handle: str) -> None:
        with contextlib.suppress(OSError):
            os.unlink(handle)


@dataclass(frozen=True)
class CleanBatch:
    """Clean each file of ``tasks``.

    ``kept``: the files a :class:`CountBatch` kept repaired documents in (read, then
    deleted); a whole file of ``tasks`` found there is not read and repaired again.
    ``spill``: where a large file (:data:`STREAM_BYTES`) that is a batch of its own is
    cleaned as it is read leaves its rows, a part at a time (:class:`SpilledFile`);
    None: every file is cleaned whole in memory.
    """

    tasks: tuple[CleanTask, ...]
    kept: tuple[str, ...] = ()
    spill: Parts | None = None


@dataclass(frozen=True)
class SpilledFile:
    """A large input file cleaned as it was read: its ``files`` row, and the rows of its
    documents left in ``store`` under the handles ``parts``, in order, each taken once
    (:func:`rows_of`)."""

    path: str
    file: FileRow
    parts: tuple[Any, ...]
    store: Parts


def rows_of(prepared: PreparedFile | SpilledFile) -> Iterator[PreparedDocs]:
    """The document rows of a cleaned file, a part at a time (all at once when they
    came back whole)."""
    if isinstance(prepared, PreparedFile):
        yield prepared
        return
    for handle in prepared.parts:
        yield prepared.store.take(handle)


@lru_cache(maxsize=4)
def _pipeline(config: CleanConfig) -> Pipeline:
    return Pipeline.from_config(config, corpus_stages=False)


def _open(
    path: str, source: str, config: CleanConfig
) -> tuple[InputFile, Iterator[Document], int, int]:
    """Start reading an input file: its entry and its documents as they are read (the
    entry is final once they are all read); also its stat stamp and when it was seen
    (for the racy-file check)."""
    try:
        mtime_ns = stat_stamp(Path(path).stat())
    except OSError:
        mtime_ns = 0
    seen_ns = time.time_ns()
    entry, docs = stream_file(Path(path), source, config.text_key, html_key=config.html_key)
    return entry, docs, mtime_ns, seen_ns


def _read(path: str, source: str, config: CleanConfig) -> Kept:
    """Read an input file whole (:func:`_open`)."""
    entry, docs, mtime_ns, seen_ns = _open(path, source, config)
    entry.documents.extend(docs)
    return entry, mtime_ns, seen_ns


def _large(path: str) -> bool:
    """Whether the file at ``path`` is cleaned as it is read (:data:`STREAM_BYTES`)."""
    try:
        return os.stat(path).st_size >= STREAM_BYTES
    except OSError:
        return False


def count_file(task: CountTask) -> tuple[str, LineSets]:
    """Read one input file, repair it and count its lines per source (an executor task).

    Returns the file's source name and its line sets
    (:meth:`~cleaner.stages.repeats.CountRepeats.count`): what the boilerplate stage
    would count (line hashes and their words), with no text crossing the process
    boundary.
    """
    return count_files(CountBatch((task,)))[0]


def count_files(batch: CountBatch) -> list[tuple[str, LineSets]]:
    """:func:`count_file` for each file of ``batch``, keeping the repaired documents
    of them all in ``batch.keep`` when it is set."""
    found: list[tuple[str, LineSets]] = []
    kept: dict[str, Kept] = {}
    for task in batch.tasks:
        entry, docs, mtime_ns, seen_ns = _open(task.path, task.source, task.config)
        repaired = _pipeline(task.config).text_stages().run(docs)
        if batch.keep is None:
            found.append((task.source, CountRepeats.count(repaired)))
            continue
        if len(batch.tasks) == 1 and _streams(task.path, task.config):
            kept_stream = _keep_streamed(batch.keep, entry, repaired, mtime_ns, seen_ns)
            return [(task.source, CountRepeats.count(kept_stream))]
        held = list(repaired)
        kept[task.source] = (replace(entry, documents=held), mtime_ns, seen_ns)
        found.append((task.source, CountRepeats.count(held)))
    if batch.keep is not None:
        with open(batch.keep, "wb") as f:
            pickle.dump(kept, f, _PICKLE)
    return found


_STREAMED = "repaired documents, a part at a time"  # the first object of such a keep file


def _keep_streamed(
    name: str, entry: InputFile, docs: Iterable[Document], mtime_ns: int, seen_ns: int
) -> Iterator[Document]:
    """``docs`` as they pass, each part (:func:`_parts`) also written to the file
    ``name``, then ``entry`` (final once they are all read): a large file's repaired
    documents kept for its clean task, never held whole (:class:`_KeptStream`)."""
    stream = iter(docs)
    with open(name, "wb") as f:
        pickle.dump(_STREAMED, f, _PICKLE)
        for part in _parts(stream):
            pickle.dump(part, f, _PICKLE)
            yield from part
        pickle.dump((entry, mtime_ns, seen_ns), f, _PICKLE)


class _KeptStream:
    """The documents :func:`_keep_streamed` wrote to the file ``name``, read back a
    part at a time (then the file is deleted); ``kept``, the file's entry, stat stamp
    and time seen, once they are all read."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.kept: Kept | None = None

    def __iter__(self) -> Iterator[Document]:
        with open(self.name, "rb") as f:
            pickle.load(f)  # _STREAMED
            while isinstance(item := pickle.load(f), list):
                yield from item
        self.kept = item
        os.unlink(self.name)


def clean_file(task: CleanTask) -> PreparedFile:
    """Read one input file, run the per-document stages on it and turn the result into
    rows of the state (an executor task).

    The rows are ready to insert: serialized records, audit rows, shingle hashes and
    band keys (:func:`~cleaner.store.prepare.prepare_file`), so no document crosses the
    process boundary and the driver does little per document. Runs the same in this
    process, in a local worker process or as a Ray task.
    """
    [prepared] = clean_files(CleanBatch((task,)))  # no spill: whole
    assert isinstance(prepared, PreparedFile)
    return prepared


def clean_files(batch: CleanBatch) -> list[PreparedFile | SpilledFile]:
    """:func:`clean_file` for each file of ``batch``, in order, taking the repaired
    documents kept for it when there are some.

    The files' documents go through the stages together and are shingled and banded
    together, so a folder of one small file per document pays the fixed cost of those
    steps (numpy calls, mostly) once a batch rather than once a file. Each file still
    gets what it would get alone: the strip stage runs file by file, because the lines
    it counts as repeated are the file's own, and dedup-blocks pairs paragraphs only
    within a document, whatever else shares its batch (with ``cross_doc_blocks``, which
    pairs them across a file's documents, each file runs alone). A large file, which
    is always a batch of its own (:func:`batches`), is cleaned as it is read when the
    batch has a ``spill`` (:func:`_clean_spilled`).
    """
    kept: dict[str, Kept] = {}
    streamed = None  # a large file's documents, kept a part at a time
    for name in batch.kept:
        try:
            with open(name, "rb") as f:
                found = pickle.load(f)
            if found == _STREAMED:
                streamed = _KeptStream(name)
                continue
            kept.update(found)
            os.unlink(name)
        except FileNotFoundError:  # not kept after all: the files are read again
            pass
    [first, *others] = batch.tasks
    if streamed is not None and batch.spill is not None and not others:
        # what the count pass read and counted, whatever the file holds now (it may
        # have changed since: the next run sees that by its hash)
        return [_clean_spilled(first, batch.spill, streamed)]
    if not others and batch.spill is not None and first.source not in kept and _spills(first):
        return [_clean_spilled(first, batch.spill, None)]
    if streamed is not None:  # no spill: cleaned whole from what was kept
        docs = list(streamed)
        assert streamed.kept is not None
        entry, mtime_ns, seen_ns = streamed.kept
        kept[first.source] = (replace(entry, documents=docs), mtime_ns, seen_ns)
    loaded = [
        _load(task, kept.pop(task.source, None) if task.ordinals is None else None)
        for task in batch.tasks
    ]
    out: list[PreparedFile | SpilledFile] = []
    # runs of files with one config, read or kept alike (in a run, all of them are); with
    # cross_doc_blocks, dedup-blocks compares the documents it is given with each other,
    # and a file's documents are compared among themselves only: a run of one file
    pairs = enumerate(zip(batch.tasks, loaded, strict=True))
    runs = itertools.groupby(pairs, key=_run_key)
    for (config, repaired, _), run in runs:
        tasks, files = zip(*(pair for _, pair in run), strict=True)
        out += _clean_run(config, repaired, tasks, files)
    return out


def _run_key(item: tuple[int, tuple[CleanTask, _Loaded]]) -> tuple[CleanConfig, bool, int]:
    k, (task, file) = item
    return task.config, file.repaired, k if task.config.dedup.cross_doc_blocks else -1


@dataclass(frozen=True)
class _Loaded:
    """An input file as read (or as a count task kept it repaired), and the documents
    of it to clean."""

    entry: InputFile
    mtime_ns: int
    seen_ns: int
    documents: list[Document]
    repaired: bool  # the text stages already ran on ``documents``


def _load(task: CleanTask, kept: Kept | None) -> _Loaded:
    if kept is not None:
        entry, mtime_ns, seen_ns = kept
        return _Loaded(entry, mtime_ns, seen_ns, entry.documents, True)
    if task.ordinals is None:
        entry, mtime_ns, seen_ns = _read(task.path, task.source, task.config)
        return _Loaded(entry, mtime_ns, seen_ns, entry.documents, False)
    # some documents of a file cleaned again: only those are held
    entry, docs, mtime_ns, seen_ns = _open(task.path, task.source, task.config)
    wanted = set(task.ordinals)
    documents = [d for k, d in enumerate(docs) if k in wanted]
    return _Loaded(entry, mtime_ns, seen_ns, documents, False)


# the cleaned documents turned into rows together: so many, or fewer past so much text
PART_DOCS = 1024
PART_CHARS = 16 << 20


def _handed(files: Sequence[_Loaded]) -> Iterator[Document]:
    """The documents of ``files`` in order, each taken out of its file's list as it is
    given, so a document is held no longer than the stages hold it."""
    for file in files:
        docs = file.documents
        docs.reverse()
        while docs:
            yield docs.pop()


def _parts(docs: Iterable[Document]) -> Iterator[list[Document]]:
    """``docs`` in runs of :data:`PART_DOCS`, or fewer past :data:`PART_CHARS` of text."""
    return runs_of(docs, PART_DOCS, PART_CHARS)


def _strip_by_file(
    strip: Pipeline,
    docs: Iterable[Document],
    tasks: Sequence[CleanTask],
    counts: Sequence[int | None],
) -> Iterator[Document]:
    """The strip stage on each file's documents of ``docs`` apart (``counts`` of them;
    None: all the rest), with the repeated lines that file holds."""
    stream = iter(docs)
    for task, count in zip(tasks, counts, strict=True):
        stage = strip if task.repeated is None else strip.with_repeated(task.repeated.tolist())
        yield from stage.run(itertools.islice(stream, count))


def _cleaned(
    config: CleanConfig,
    repaired: bool,
    tasks: Sequence[CleanTask],
    counts: Sequence[int | None],
    docs: Iterable[Document],
) -> Iterator[Document]:
    """``docs`` (``counts`` of them for each file of ``tasks``, one after the other;
    None: all the rest) through the per-document stages, one at a time where a stage
    allows it. ``repaired``: the text stages already ran on them."""
    pipeline = _pipeline(config)
    stages = pipeline.stages
    if repaired:  # the kept documents are what the text stages give (repair-text, redaction)
        skip = {id(s) for s in pipeline.text_stages().stages}
        stages = [s for s in stages if id(s) not in skip]
    at = next((k for k, s in enumerate(stages) if isinstance(s, StripBoilerplate)), len(stages))
    stream = Pipeline(stages[:at]).run(docs)
    if at < len(stages):
        stream = Pipeline(stages[at + 1 :]).run(
            _strip_by_file(Pipeline(stages[at : at + 1]), stream, tasks, counts)
        )
    return iter(stream)


def _hashed(part: Sequence[Document], dedup: DedupConfig) -> tuple[ShingleSets | None, Keys | None]:
    """The shingle sets and band keys of the live documents of ``part`` (None, None
    when documents are not deduplicated)."""
    if not dedup.documents:
        return None, None
    sets = shingle_sets([d.text for d in part if d.dropped is None], dedup.ngram)
    return sets, banding(dedup).keys(sets)


def _clean_run(
    config: CleanConfig,
    repaired: bool,
    tasks: Sequence[CleanTask],
    files: Sequence[_Loaded],
) -> list[PreparedFile | SpilledFile]:
    """Clean ``files`` (of ``tasks``) together, one result per file.

    The documents stream through the stages and are turned into rows a part at a time
    (:func:`_parts`): a file is held whole as rows, never as cleaned documents with
    their changes.
    """
    counts = [len(f.documents) for f in files]
    stream = _cleaned(config, repaired, tasks, counts, _handed(files))
    ordinals = [
        range(n) if t.ordinals is None else sorted(t.ordinals)
        for t, n in zip(tasks, counts, strict=True)
    ]
    parts: list[list[PreparedDocs]] = [[] for _ in files]
    left = list(counts)  # per file, its documents not yet in a part
    k = 0  # the file the next document belongs to
    for part in _parts(stream):
        sets, keys = _hashed(part, config.dedup)
        lo = row = 0
        while lo < len(part):
            while k < len(files) and not left[k]:
                k += 1
            if k == len(files):
                raise RuntimeError("a stage gave back more documents than it was given")
            hi = lo + min(left[k], len(part) - lo)
            rows = np.arange(row, row + sum(d.dropped is None for d in part[lo:hi]))
            start = counts[k] - left[k]
            parts[k].append(
                prepare_docs(
                    files[k].entry.path,
                    part[lo:hi],
                    ordinals[k][start : start + hi - lo],
                    sets=None if sets is None else sets.take(rows),
                    keys=None if keys is None else keys[rows],
                )
            )
            left[k] -= hi - lo
            row += len(rows)
            lo = hi
    if any(left):
        raise RuntimeError("a stage did not give back one document for each it was given")
    return [
        prepare_file(f.entry, p, mtime_ns=f.mtime_ns, seen_ns=f.seen_ns)
        for f, p in zip(files, parts, strict=True)
    ]


# a file this large on disk is cleaned as it is read (a batch's spill given): its rows
# are left a part at a time, so neither a worker nor the driver holds it whole
STREAM_BYTES = 32 << 20


def _streams(path: str, config: CleanConfig) -> bool:
    """Whether the file at ``path`` is counted and cleaned as it is read: a large file
    whose documents are cleaned one apart from another (``cross_doc_blocks`` compares
    them all)."""
    return not config.dedup.cross_doc_blocks and _large(path)


def _spills(task: CleanTask) -> bool:
    """Whether ``task``'s file is cleaned as it is read (:func:`_streams`): all of it."""
    return task.ordinals is None and _streams(task.path, task.config)


def _clean_spilled(task: CleanTask, spill: Parts, kept: _KeptStream | None) -> SpilledFile:
    """Clean ``task``'s file as it is read (or as its count task ``kept`` its repaired
    documents), its rows left in ``spill`` a part at a time: what :func:`_clean_run`
    gives for it, held a part at a time."""
    if kept is None:
        entry, docs, mtime_ns, seen_ns = _open(task.path, task.source, task.config)
    else:
        docs = iter(kept)
    handles: list[Any] = []
    start = 0
    try:
        for part in _parts(_cleaned(task.config, kept is not None, (task,), (None,), docs)):
            sets, keys = _hashed(part, task.config.dedup)
            rows = prepare_docs(
                task.source, part, range(start, start + len(part)), sets=sets, keys=keys
            )
            start += len(part)
            handles.append(spill.put(rows))
    except BaseException:
        for handle in handles:
            spill.drop(handle)
        raise
    if kept is not None:
        assert kept.kept is not None  # every document read
        entry, mtime_ns, seen_ns = kept.kept
    file = prepare_file(entry, [], mtime_ns=mtime_ns, seen_ns=seen_ns).file
    return SpilledFile(entry.path, file, tuple(handles), spill)

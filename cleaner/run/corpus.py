"""The corpus run: bring the state up to date with the inputs, then write a generation.

:func:`clean_corpus` reads top to bottom: make the output folder ready and plan the
run (:mod:`cleaner.run.plan`); count lines for ``corpus-repeat``
(:mod:`cleaner.run.recount`); clean each file on the executor
(:mod:`cleaner.run.tasks`); call the pipeline's corpus stages over the whole corpus
(near-duplicates); write and publish a generation (:mod:`cleaner.run.commit`).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import logging
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from cleaner.arrays import distinct
from cleaner.config import CleanConfig, as_path
from cleaner.errors import OutputError, UsageError
from cleaner.executors import Executor, InlineExecutor, LocalExecutor
from cleaner.pipeline import Pipeline
from cleaner.progress import Progress
from cleaner.readers import list_inputs
from cleaner.run.commit import finish
from cleaner.run.plan import Plan, plan_run, prepare_output, refuse_output, unchanged
from cleaner.run.recount import count, recount
from cleaner.run.report import Report
from cleaner.run.tasks import (
    CleanBatch,
    CleanTask,
    FolderParts,
    batches,
    clean_files,
    file_sizes,
    rows_of,
)
from cleaner.stages.dedup import DropNearDuplicates, banding, containment_threshold
from cleaner.stages.repeats import CountRepeats
from cleaner.stats import Stats
from cleaner.store.index import StoredDocuments, StoredIndex
from cleaner.store.outdir import OutputFolder
from cleaner.store.prepare import PreparedDocs
from cleaner.store.state import State

log = logging.getLogger(__name__)

# documents from which the LSH shuffle of a rebuild runs on the executor's workers: below
# it one process finds the pairs in a fraction of a second, less than shipping the band
# keys to the workers costs
SHUFFLE_MIN = 200_000

# an input file and the ordinals of the documents to clean again (None: all of it)
Job = tuple[Path, str, list[int] | None]
# An incremental run judges its changed documents one by one, each against its
# candidates in the stored index. When they are this share of the stored documents or
# more, every document is judged again on arrays, as a full build does: the same
# verdicts, without the cost per document (4,000 near copies of one text added to 1,000:
# 316 s one by one).
REJUDGE_ALL_SHARE = 0.25
T = TypeVar("T")
BATCHES_PER_WORKER = 4  # a small input is still spread over every worker

__all__ = ["CorpusRun", "Report", "clean_corpus"]


def _check_arguments(
    config: object, progress: object, executor: object, incremental: object = True
) -> None:
    """A :class:`UsageError` for an argument of :func:`clean_corpus` of the wrong kind,
    before any work, instead of a failure deep in the run (or a wrong run: the string
    ``"no"`` is true)."""
    if not isinstance(incremental, bool):
        raise UsageError(f"incremental must be True or False, not {incremental!r}")
    if not isinstance(config, CleanConfig):
        raise UsageError(f"config must be a CleanConfig or None, not {config!r}")
    if progress is not None and not callable(progress):
        raise UsageError(f"progress must be a callable(done, total) or None, not {progress!r}")
    if executor is not None and not isinstance(executor, Executor):
        raise UsageError(
            f"executor must be an Executor (cleaner.executors.make_executor) or None, "
            f"not {executor!r}"
        )


def clean_corpus(
    input_path: Path,
    output: Path,
    config: CleanConfig | None = None,
    *,
    incremental: bool = True,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> Report:
    """Clean every input under ``input_path`` into ``output``.

    Writes ``corpus.jsonl`` (kept documents in input order), ``audit.jsonl`` (every
    removal with stage, rule and text; every rejected input with its reason) and, last,
    ``manifest.json``. When ``output`` holds an earlier run with the same config, version,
    line model and code (:mod:`cleaner.fingerprint`), only new or changed inputs (by
    sha256) are cleaned, the documents of removed inputs leave, and near-duplicates are
    judged against the stored corpus; the result is the same, byte for byte, as a full
    rebuild (``incremental=False``).

    A run holds a lock on ``output`` (:class:`~cleaner.errors.LockedError` if another
    run has it) and switches to its result atomically, so a killed run leaves the
    previous output whole. Raises :class:`~cleaner.errors.InputError` for an unusable
    input path and :class:`~cleaner.errors.OutputError` for an unusable output path; a
    bad file inside the input is recorded, not raised. ``progress(done, total)`` is
    called as input files are counted and cleaned (see :mod:`cleaner.progress`). Files
    are read and cleaned on ``executor`` (see :mod:`cleaner.executors`; default: this
    process), one task per input file or per batch of small ones; the output does not
    depend on the executor. A run
    that fails or is interrupted (KeyboardInterrupt) closes the executor, which stops
    its running tasks, and removes its temporary files.

    With ``corpus-repeat`` on, a first pass over the new and changed files counts their
    lines per source (site or folder; :func:`count_file`), and the counts of every
    input, kept in the state, say which lines are repeated across the whole input.
    When a change moves a line across ``min_repeats``, the documents of unchanged files
    that hold it are cleaned again, so the result stays that of a rebuild.
    """
    config = CleanConfig() if config is None else config
    _check_arguments(config, progress, executor, incremental)
    started = time.time()
    t0 = time.perf_counter()
    input_path, output = as_path(input_path, "input_path"), as_path(output, "output")
    refuse_output(output, input_path)
    # absolute: a task may run in another working folder (a Ray worker does)
    listing = [(path.absolute(), source) for path, source in list_inputs(input_path, output)]
    prepare_output(output)
    folder = OutputFolder(output)
    with _disk_errors(output), folder.lock():
        plan = plan_run(folder, config, incremental, str(input_path.resolve()))
        run = CorpusRun(folder, config, plan, input_path, listing, progress, executor)
        try:
            if plan.state is None:
                run.rebuild()
            elif not run.update():
                if folder.intact():
                    return run.up_to_date(t0)
                run.rewrite = "the output was removed or changed since the last run"
            return finish(run, started, t0)
        except BaseException:  # Ctrl-C, say: stop the tasks still running before their files go
            run.executor.close()
            raise
        finally:
            run.state.close()
            shutil.rmtree(run.spill, ignore_errors=True)
            if not run.committed:  # stopped or failed before its commit point: no litter
                current = folder.current()
                folder.sweep(set() if current is None else {current})


DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


@contextlib.contextmanager
def _disk_errors(output: Path) -> Iterator[None]:
    """Turn a full disk while a run writes into one :class:`OutputError` that says so.

    Nothing is published before the last step of a run, so the previous output is
    whole; the half-written generation is swept by the next run.
    """
    try:
        yield
    except OSError as e:
        if e.errno not in DISK_FULL:
            raise
        where = f" while writing {e.filename}" if e.filename else ""
        raise OutputError(
            f"{output}: {e.strerror or 'no space left'}{where}; the previous output is "
            "unchanged. Free some space and run again."
        ) from e
    except sqlite3.OperationalError as e:
        if "full" not in str(e):
            raise
        raise OutputError(
            f"{output}: the disk is full ({e}) while updating the state index; the previous "
            "output is unchanged. Free some space and run again."
        ) from e


class CorpusRun:
    """One run: bring the state up to date with the inputs, then emit a generation."""

    def __init__(
        self,
        folder: OutputFolder,
        config: CleanConfig,
        plan: Plan,
        input_path: Path,
        listing: list[tuple[Path, str]],
        progress: Progress | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.folder, self.config, self.plan = folder, config, plan
        self.progress = progress
        self.executor: Executor = executor or InlineExecutor()
        self.input_path, self.listing = input_path, listing
        self.files = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0, "recleaned": 0}
        self.cleaned = 0
        self.steps = 0  # files done in this pass, for progress
        self.total = 0  # files in this pass
        self.committed = False  # the new generation is in the state: the next run publishes it
        self.rewrite: str | None = None  # why a run with no input changed writes its output
        # a local run keeps each counted file's repaired documents here for its clean task
        self.spill = folder.state_dir / "repaired.tmp"
        self.local = isinstance(self.executor, InlineExecutor | LocalExecutor)
        self.kept: dict[str, str] = {}  # source: the spill file its batch was kept in
        self.sizes: dict[str, int] = {}  # source: file size, for cutting batches
        self.state = plan.state or State.create(folder.state_dir / "state.sqlite.new")
        self.dedup = config.dedup
        self.banding = banding(self.dedup)
        # the stages over the whole corpus: what they are is what the manifest lists
        self.pipeline = Pipeline.from_config(config)
        if isinstance(self.executor, LocalExecutor):
            self.executor.preload(self.pipeline.preload())
        self.repeats = self.pipeline.corpus_stage(CountRepeats)
        self.near = self.pipeline.corpus_stage(DropNearDuplicates)

    def phase(self, name: str, total: int) -> None:
        """Start a pass over ``total`` files: progress counts from 0 again, under ``name``."""
        self.steps, self.total = 0, total
        if self.progress is not None and hasattr(self.progress, "phase"):
            self.progress.phase(name)

    def tick(self) -> None:
        self.steps += 1
        if self.progress is not None:
            self.progress(self.steps, self.total)

    def _clean(
        self,
        jobs: list[Job],
        full: bool,
        repeated: npt.NDArray[np.uint64] | None,
    ) -> Iterator[tuple[PreparedDocs, npt.NDArray[np.int64]]]:
        """Read and clean ``jobs`` on the executor; store each file here, in input order.

        A job is a file and the ordinals of the documents to clean again (None: all,
        and the file is new to the state). Its task carries the repeated lines that
        the file holds (None: not counted). Yields each stored file with its
        documents' handles.
        """
        self.phase("cleaning", len(jobs))
        if repeated is not None:
            repeated = distinct(repeated)  # sorted once, searched per file
        # runs of whole files, or of documents to clean again, cut into batches; whole
        # files by the sizes they were counted with, so each batch is one counted
        # batch and finds the repaired documents kept for it in one spill file
        groups: list[list[Job]] = []
        for _, same in itertools.groupby(jobs, key=lambda job: job[2] is None):
            part = list(same)
            groups += self.batches([(path, source) for path, source, _ in part], part)
        tasks = (self._batch(group, repeated) for group in groups)
        results = (
            prepared for batch in self.executor.map(clean_files, tasks) for prepared in batch
        )
        for (_, _, ordinals), prepared in zip(jobs, results, strict=True):
            for rows in rows_of(prepared):  # a large file's, a part at a time
                self.cleaned += len(rows.docs)
                yield rows, self.state.add_docs(rows, full=full)
            if ordinals is None:  # a file new to the state
                self.state.add_file_row(prepared.file)
            self.tick()

    def _batch(self, group: list[Job], repeated: npt.NDArray[np.uint64] | None) -> CleanBatch:
        """The task that cleans ``group``; its files' tasks carry the repeated lines each
        file holds (None: not counted)."""
        tasks = tuple(
            CleanTask(
                str(path),
                source,
                self.config,
                None if repeated is None else self._held(source, repeated),
                None if ordinals is None else tuple(ordinals),
            )
            for path, source, ordinals in group
        )
        kept = {self.kept.pop(source, None) for _, source, ordinals in group if ordinals is None}
        # a large file's rows come back through the executor's parts store, if it has
        # one (Ray's object store), else through this disk (a local run), else whole
        spill = getattr(self.executor, "parts", None)
        if self.local:  # through this disk
            self.spill.mkdir(exist_ok=True)
            spill = FolderParts(str(self.spill))
        return CleanBatch(tasks, tuple(sorted(k for k in kept if k is not None)), spill)

    def batches(self, files: list[tuple[Path, str]], items: list[T]) -> list[list[T]]:
        """``items`` (one per file of ``files``) cut into the executor's batches
        (:func:`~cleaner.run.tasks.batches`, several per worker), by the size of each
        file as first seen by this run: the same files give the same batches each time."""
        new = [(path, source) for path, source in files if source not in self.sizes]
        self.sizes.update(zip((s for _, s in new), file_sizes(p for p, _ in new), strict=True))
        sizes = [self.sizes[source] for _, source in files]
        return batches(items, sizes, parts=BATCHES_PER_WORKER * self.executor.workers)

    def _held(self, source: str, repeated: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        """The lines of ``repeated`` that the stored line sets of ``source`` hold."""
        assert self.repeats is not None
        return self.repeats.held(self.state.lines_of(source)[0], repeated)

    def rebuild(self) -> None:
        """Clean every input into a new state file, then judge near-duplicates on arrays.

        All that is held per document is its handle, shingle count and band keys
        (about 100 bytes with 21 bands, 196 with the 24 containment bands); shingle
        sets are read back from the state only for the documents that share a band key
        with another (see
        :meth:`~cleaner.stages.dedup.DropNearDuplicates.resolve_all`).
        """
        handles: list[npt.NDArray[np.int64]] = []
        sizes: list[npt.NDArray[np.int64]] = []
        keys: list[npt.NDArray[np.uint32]] = []
        jobs: list[Job] = [(path, source, None) for path, source in self.listing]
        repeated = None
        if self.repeats is not None:
            repeated = self.repeats.repeated(count(self, self.listing))
        for prepared, stored in self._clean(jobs, True, repeated):
            if len(prepared.indexed):
                handles.append(stored[prepared.indexed])
                sizes.append(prepared.sizes)
                keys.append(prepared.keys)
        self.files["added"] = len(self.listing)
        if not handles:
            return
        all_handles = np.concatenate(handles)
        all_keys = np.concatenate(keys)
        del handles, keys
        if self.near is not None:
            self._judge_all(self.near, all_handles, np.concatenate(sizes), all_keys)
        self.state.write_postings(all_handles, all_keys)

    def _judge_all(
        self,
        near: DropNearDuplicates,
        handles: npt.NDArray[np.int64],
        sizes: npt.NDArray[np.int64],
        keys: npt.NDArray[np.uint32],
    ) -> None:
        """Judge near-duplicates among every indexed document on arrays and store the
        drops (the others keep the verdict they have: kept, as inserted)."""
        found = near.resolve_all(
            keys,
            sizes,
            StoredDocuments(self.state.conn, handles),
            # on a pool or a cluster, the LSH shuffle runs there in hash partitions
            map_=(
                None
                if isinstance(self.executor, InlineExecutor) or len(keys) < SHUFFLE_MIN
                else self.executor.map
            ),
            # several per worker, so only some are in flight; each is one pass per band
            parts=min(8 * self.executor.workers, 64),
        )
        self.state.set_verdicts(
            zip(
                handles[found.dropped].tolist(),
                handles[found.dup_of].tolist(),
                found.similarity.tolist(),
                found.containment.tolist(),
                strict=True,
            )
        )

    def update(self) -> bool:
        """Clean only new and changed inputs; re-judge the documents their change affects.

        Returns False when no input was added, changed or removed: then nothing is
        rewritten (see :meth:`up_to_date`).
        """
        state = self.state
        state.begin()
        stored = state.files()
        todo: list[tuple[Path, str]] = []
        for path, source in self.listing:
            row = stored.pop(source, None)
            if row is not None and unchanged(
                path, row.size, row.mtime_ns, row.seen_ns, row.sha256, state, source
            ):
                self.files["unchanged"] += 1
                continue
            self.files["changed" if row is not None else "added"] += 1
            todo.append((path, source))
        self.files["removed"] = len(stored)
        if not todo and not stored:
            return False
        repeated, again = recount(self, todo, stored)
        index = StoredIndex(
            state, self.dedup.threshold, self.banding, containment_threshold(self.dedup)
        )
        jobs: list[Job] = [(path, source, None) for path, source in todo] + again
        leaving = [
            (source, ordinals, state.docs_of(source, ordinals))
            for _, source, ordinals in [*((None, s, None) for s in stored), *jobs]
        ]
        gone = {handle for _, _, handles in leaving for handle in handles}
        # read once for every leaving document, before any of them is removed
        dirty = index.affected_by_removals(gone) if self.near is not None else set()
        for source, ordinals, handles in leaving:
            if ordinals is None:
                state.remove_file(source)
            else:
                state.remove_docs(handles)
        index.forget(gone)
        for prepared, added in self._clean(jobs, False, repeated):
            dirty.update(h for h, ok in zip(added.tolist(), prepared.live, strict=True) if ok)
        dirty -= gone
        if self.near is not None:
            in_state = state.doc_count()
            if in_state and len(dirty) >= REJUDGE_ALL_SHARE * in_state:
                held, sizes, keys = state.indexed()
                # kept unless judged a copy: the indexed documents, and the new ones
                # with no shingle (no word: symbols, with the boilerplate stage off),
                # which the index lacks
                to_keep = sorted(dirty.union(held.tolist()))
                state.set_verdicts((h, None, None, None) for h in to_keep)
                self._judge_all(self.near, held, sizes, keys)
                log.debug("incremental dedup judged all %d documents on arrays", len(held))
            else:
                self.near.resolve_changed(index, dirty)
                log.debug("incremental dedup judged %d documents", index.evaluated)
        else:
            state.set_verdicts((d, None, None, None) for d in dirty)
        return True

    def up_to_date(self, t0: float) -> Report:
        """A run with nothing to do leaves every output as it is (a folder in git stays clean)."""
        self.state.commit()  # keeps the re-hash times of touched but unchanged files
        manifest: dict[str, Any] = dict(self.folder.manifest() or {})
        return Report.of(
            Stats.from_dict(manifest.get("counts", {})),
            manifest,
            seconds=time.perf_counter() - t0,
            output=self.folder.root,
            mode="unchanged",
            reason="no input was added, changed or removed",
            files=dict(self.files),
        )

"""The library entry points that wire readers, pipeline, state and outputs together."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import pickle
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner._version import __version__
from cleaner.config import CleanConfig
from cleaner.dedup.lsh import Banding
from cleaner.dedup.resolve import resolve_arrays
from cleaner.dedup.shingles import shingle_sets
from cleaner.errors import OutputError, UsageError
from cleaner.executors import Executor, InlineExecutor, LocalExecutor
from cleaner.fingerprint import code_digest
from cleaner.pipeline import Pipeline
from cleaner.progress import Progress
from cleaner.readers import InputFile, list_inputs, read_file
from cleaner.rules.model import model_digest
from cleaner.run.check import CheckReport, CorpusLines, has_corpus, judge_file, open_corpus
from cleaner.stages.boilerplate import TWINS, LineSets, counts_repeats, line_sets
from cleaner.stages.dedup import dedup_scheme
from cleaner.stages.repair import RepairText
from cleaner.stats import Stats
from cleaner.store.index import StoredDocuments, StoredIndex
from cleaner.store.manifest import (
    AUDIT,
    CORPUS,
    MANIFEST,
    build_manifest,
    comparable,
    duplicate_clusters,
)
from cleaner.store.outdir import OutputFolder
from cleaner.store.output import AtomicWriter, write_json
from cleaner.store.prepare import PreparedFile, prepare_file
from cleaner.store.schema import SCHEMA, stored_schema
from cleaner.store.state import State

log = logging.getLogger(__name__)

# an input file and the ordinals of the documents to clean again (None: all of it)
Job = tuple[Path, str, list[int] | None]
_PICKLE = pickle.HIGHEST_PROTOCOL
RACY_NS = 2_000_000_000  # a file modified this close to when it was read is hashed again


@dataclass
class Report:
    """What a run did, for the CLI summary and for callers.

    ``mode`` is ``"full"`` or ``"incremental"`` and ``reason`` says why; ``rebuild``
    holds the reason when a full run replaced earlier results (the CLI prints it).
    ``files`` counts inputs added, changed, removed and unchanged since the last run,
    and ``recleaned``: unchanged inputs some of whose documents were cleaned again
    because a line of theirs crossed ``min_repeats`` (see ``corpus-repeat``);
    ``documents_cleaned`` counts the documents cleaned by this run.
    """

    documents_in: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    files_rejected: int = 0
    records_rejected: int = 0
    lines_removed: int = 0
    seconds: float = 0.0
    output: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    mode: str = "full"
    reason: str = ""
    rebuild: str | None = None
    files: dict[str, int] = field(default_factory=dict)
    documents_cleaned: int = 0

    @classmethod
    def of(cls, counts: Stats, manifest: dict[str, Any], **fields: Any) -> Report:
        """A report from a run's counts and manifest, plus the run's own ``fields``."""
        inputs: list[dict[str, Any]] = manifest.get("inputs", [])
        return cls(
            documents_in=counts.documents_in,
            kept=counts.documents_kept,
            dropped=dict(counts.documents_dropped),
            files_rejected=sum(1 for f in inputs if f.get("outcome") == "rejected"),
            records_rejected=sum(int(f.get("rejected_records", 0)) for f in inputs),
            lines_removed=counts.lines_removed(),
            manifest=manifest,
            **fields,
        )

    @property
    def duplicates(self) -> int:
        return self.dropped.get("near-duplicate", 0)

    def summary(self) -> str:
        return (
            f"{self.documents_in} documents in, {self.kept} kept, "
            f"{self.duplicates} dropped as duplicates, "
            f"{self.lines_removed} lines removed, "
            f"{self.files_rejected} files and {self.records_rejected} records rejected "
            f"({self.seconds:.1f}s)"
        )


def prepare_output(output: Path, input_path: Path) -> None:
    """Create the output folder, refusing one that is the input or inside it.

    An output inside the input folder would be read back as input by every later run
    (its corpus, audit and manifest cleaned again as documents), so it is a usage
    error, not something the walk quietly works around.
    """
    out, into = output.resolve(), input_path.resolve()
    if out == into:
        raise OutputError(f"{output}: output folder is the input folder; pick another one.")
    if into.is_dir() and out.is_relative_to(into):
        raise OutputError(
            f"{output}: output folder is inside the input folder {input_path}, so later runs "
            "would read their own output as input; pick a folder outside it "
            f"(e.g. {input_path.name}-clean beside it)."
        )
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(
            f"{output}: cannot create the output folder ({e.strerror}); pick a writable path."
        ) from e
    if not output.is_dir():
        raise OutputError(f"{output}: not a folder; pick a folder for the output.")


@dataclass
class _Plan:
    """Where a run starts from: the state to update (None: rebuild) and why."""

    state: State | None
    generation: int
    reason: str
    rebuild: str | None
    history: list[dict[str, Any]]


def _config_diff(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(_config_diff(a, b, f"{prefix}{key}."))
        elif a != b:
            out.append(f"{prefix}{key} {json.dumps(a)} -> {json.dumps(b)}")
    return out


def _plan(folder: OutputFolder, config: CleanConfig, incremental: bool) -> _Plan:
    """Recover from a killed run, then decide between an incremental run and a rebuild."""
    current = folder.current()
    state = State.open(folder.db_path)
    if state is not None:
        stored = state.meta("generation")
        generation = int(stored) if stored and stored.isdigit() else -1
        if generation != current and folder.is_complete(generation):
            log.info("finishing the run that committed generation %d", generation)
            folder.publish(generation)
            current = generation
        elif generation != current:
            state.close()
            state = None
    folder.sweep({current} if current is not None else set())
    manifest = folder.manifest()
    history = list(manifest.get("runs", [])) if manifest else []  # type: ignore[call-overload]
    following = (current or 0) + 1
    why: str | None = None
    if not incremental:
        why = "a full rebuild was asked for"
    elif manifest is None and state is None:
        flat = (folder.root / MANIFEST).exists()  # output of a version without a state index
        why = "the output was written without a state index" if flat else ""
    elif state is None and (old := stored_schema(folder.db_path)) not in (None, SCHEMA):
        why = f"the state index has layout {old} and this version uses layout {SCHEMA}"
    elif state is None or manifest is None:
        why = "the state index is missing or does not match the published corpus"
    elif state.meta("version") != __version__:
        why = f"cleaner version changed: {state.meta('version')} -> {__version__}"
    elif state.meta("boilerplate_model") != model_digest():
        why = "boilerplate model changed"
    elif state.meta("code") != code_digest():
        why = "cleaner's code changed since the last run (its rules, stages or readers)"
    elif state.meta("config_hash") != config.hash():
        old = json.loads(state.meta("config") or "{}")
        changes = _config_diff(old, json.loads(json.dumps(config.to_dict())))
        why = "config changed: " + ("; ".join(changes) or "config hash differs")
    if why is None and state is not None:
        return _Plan(state, following, "", None, history)
    if state is not None:
        state.close()
    if why == "":
        return _Plan(None, following, "first run into this folder", None, history)
    return _Plan(None, following, str(why), why, history)


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
    ``manifest.json``. When ``output`` holds an earlier run with the same config and
    version, only new or changed inputs (by sha256) are cleaned, the documents of
    removed inputs leave, and near-duplicates are judged against the stored corpus; the
    result is the same, byte for byte, as a full rebuild (``incremental=False``).

    A run holds a lock on ``output`` (:class:`~cleaner.errors.LockedError` if another
    run has it) and switches to its result atomically, so a killed run leaves the
    previous output whole. Raises :class:`~cleaner.errors.InputError` for an unusable
    input path and :class:`~cleaner.errors.OutputError` for an unusable output path; a
    bad file inside the input is recorded, not raised. ``progress(done, total)`` is
    called as input files are counted and cleaned (see :mod:`cleaner.progress`). Files
    are read and cleaned on ``executor`` (see :mod:`cleaner.executors`; default: this
    process), one task per input file; the output does not depend on the executor. A run
    that fails or is interrupted (KeyboardInterrupt) closes the executor, which stops
    its running tasks, and removes its temporary files.

    With ``corpus-repeat`` on, a first pass over the new and changed files counts their
    lines per source (site or folder; :func:`count_file`), and the counts of every
    input, kept in the state, say which lines are repeated across the whole input.
    When a change moves a line across ``min_repeats``, the documents of unchanged files
    that hold it are cleaned again, so the result stays that of a rebuild.
    """
    config = config or CleanConfig()
    started = time.time()
    t0 = time.perf_counter()
    input_path, output = Path(input_path), Path(output)
    listing = list_inputs(input_path)
    prepare_output(output, input_path)
    folder = OutputFolder(output)
    with _disk_errors(output), folder.lock():
        plan = _plan(folder, config, incremental)
        run = _Run(folder, config, plan, input_path, listing, progress, executor)
        try:
            if plan.state is None:
                run.rebuild()
            elif not run.update():
                return run.up_to_date(t0)
            return run.finish(started, t0)
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


class _Run:
    """One run: bring the state up to date with the inputs, then emit a generation."""

    def __init__(
        self,
        folder: OutputFolder,
        config: CleanConfig,
        plan: _Plan,
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
        # a local run keeps each counted file's repaired documents here for its clean task
        self.spill = folder.state_dir / "repaired.tmp"
        self.local = isinstance(self.executor, InlineExecutor | LocalExecutor)
        self.kept: dict[str, str] = {}
        self.counting = counts_repeats(config.boilerplate)
        self.state = plan.state or State.create(folder.state_dir / "state.sqlite.new")
        self.dedup = config.dedup
        self.banding = Banding(self.dedup.threshold, self.dedup.num_perm, self.dedup.seed)

    def _phase(self, name: str, total: int) -> None:
        """Start a pass over ``total`` files: progress counts from 0 again, under ``name``."""
        self.steps, self.total = 0, total
        if self.progress is not None and hasattr(self.progress, "phase"):
            self.progress.phase(name)

    def _tick(self) -> None:
        self.steps += 1
        if self.progress is not None:
            self.progress(self.steps, self.total)

    def _count(self, todo: list[tuple[Path, str]]) -> list[LineSets]:
        """Read the line sets of ``todo`` on the executor and store them per file.

        On this machine, each file's repaired documents are kept on disk until it is
        cleaned, so no file is read and repaired twice. Returns the line sets read.
        """
        if self.local:
            self.spill.mkdir(exist_ok=True)
            self.kept = {
                source: str(self.spill / f"{k}.pickle") for k, (_, source) in enumerate(todo)
            }
        self._phase("counting lines", len(todo))
        tasks = ((str(path), source, self.config, self.kept.get(source)) for path, source in todo)
        found = []
        for source, sets in self.executor.map(count_file, tasks):
            self.state.set_lines(source, sets)
            found.append(sets)
            self._tick()
        return found

    def _repeated(self, sets: LineSets) -> npt.NDArray[np.uint64]:
        """The repeated lines of the whole input, near-duplicates counting once."""
        return sets.repeated(self.config.boilerplate.min_repeats, TWINS)

    def _clean(
        self,
        jobs: list[Job],
        full: bool,
        repeated: npt.NDArray[np.uint64] | None,
    ) -> Iterator[tuple[PreparedFile, npt.NDArray[np.int64]]]:
        """Read and clean ``jobs`` on the executor; store each file here, in input order.

        A job is a file and the ordinals of the documents to clean again (None: all,
        and the file is new to the state). Its task carries the repeated lines that
        the file holds (None: not counted). Yields each stored file with its
        documents' handles.
        """
        self._phase("cleaning", len(jobs))
        if repeated is not None:
            repeated = np.unique(repeated)  # sorted once, searched per file
        tasks = (
            (
                str(path),
                source,
                self.config,
                None if repeated is None else _held(self.state.lines_of(source)[0], repeated),
                ordinals,
                self.kept.pop(source, None) if ordinals is None else None,
            )
            for path, source, ordinals in jobs
        )
        for (_, _, ordinals), prepared in zip(
            jobs, self.executor.map(clean_file, tasks), strict=True
        ):
            self.cleaned += len(prepared.docs)
            store = self.state.add_file if ordinals is None else self.state.add_docs
            yield prepared, store(prepared, full=full)
            self._tick()

    def rebuild(self) -> None:
        """Clean every input into a new state file, then judge near-duplicates on arrays.

        All that is held per document is its handle, shingle count and band keys
        (about 100 bytes with 21 bands); shingle sets are read back from the state only
        for the documents that share a band key with another (see
        :func:`~cleaner.dedup.resolve.resolve_arrays`).
        """
        handles: list[npt.NDArray[np.int64]] = []
        sizes: list[npt.NDArray[np.int64]] = []
        keys: list[npt.NDArray[np.uint32]] = []
        jobs: list[Job] = [(path, source, None) for path, source in self.listing]
        repeated = None
        if self.counting:
            repeated = self._repeated(LineSets.join(self._count(self.listing)))
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
        if self.dedup.documents:
            dropped, dup_of, sim = resolve_arrays(
                all_keys,
                np.concatenate(sizes),
                self.dedup.threshold,
                StoredDocuments(self.state.conn, all_handles),
                # on a pool or a cluster, the LSH shuffle runs there in hash partitions
                map_=None if isinstance(self.executor, InlineExecutor) else self.executor.map,
                # several per worker, so only some are in flight; each is one pass per band
                parts=min(8 * self.executor.workers, 64),
            )
            self.state.set_verdicts(
                zip(
                    all_handles[dropped].tolist(),
                    all_handles[dup_of].tolist(),
                    sim.tolist(),
                    strict=True,
                )
            )
        self.state.write_postings(all_handles, all_keys)

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
            if row is not None and _unchanged(
                path, row.size, row.mtime_ns, row.seen_ns, row.sha256, state, source
            ):
                self.files["unchanged"] += 1
                continue
            self.files["changed" if row is not None else "added"] += 1
            todo.append((path, source))
        self.files["removed"] = len(stored)
        if not todo and not stored:
            return False
        repeated, again = self._recount(todo, stored)
        index = StoredIndex(state, self.dedup.threshold, self.banding)
        dirty: set[int] = set()
        gone: set[int] = set()
        jobs: list[Job] = [(path, source, None) for path, source in todo] + again
        for _, source, ordinals in [*((None, s, None) for s in stored), *jobs]:
            handles = state.docs_of(source, ordinals)
            if self.dedup.documents:
                for handle in handles:
                    dirty.update(index.affected_by_removal(handle))
            gone.update(handles)
            if ordinals is None:
                state.remove_file(source)
            else:
                state.remove_docs(handles)
        index.forget(gone)
        for prepared, added in self._clean(jobs, False, repeated):
            dirty.update(h for h, ok in zip(added.tolist(), prepared.live, strict=True) if ok)
        dirty -= gone
        if self.dedup.documents:
            index.resolve(dirty)
            log.debug("incremental dedup judged %d documents", index.evaluated)
        else:
            state.set_verdicts((d, None, None) for d in dirty)
        return True

    def _recount(
        self, todo: list[tuple[Path, str]], removed: Iterable[str]
    ) -> tuple[npt.NDArray[np.uint64] | None, list[Job]]:
        """Update the stored line sets for the added, changed and removed files.

        Returns the repeated lines after the update, and the documents of unchanged
        files to clean again: those holding a line whose count crossed ``min_repeats``
        either way (every document of such a file when ``cross_doc_blocks`` ties its
        documents together).
        """
        if not self.counting:
            return None, []
        # a document added or removed can make or unmake twins of documents in other
        # files, so the counts are taken again over every stored set, before and after
        before = self._repeated(
            LineSets.join(LineSets(*s) for s in self.state.line_sets().values())
        )
        for source in removed:
            self.state.drop_lines(source)
        self._count(todo)
        after = self._repeated(LineSets.join(LineSets(*s) for s in self.state.line_sets().values()))
        crossed = np.setxor1d(before, after, assume_unique=True)
        again: list[Job] = []
        queued = {source for _, source in todo}
        for path, source in self.listing if len(crossed) else []:
            if source in queued:
                continue
            hashes, offsets = self.state.lines_of(source)
            hit = np.flatnonzero(np.isin(hashes, crossed))
            if len(hit):
                docs = np.unique(np.searchsorted(offsets, hit, side="right") - 1)
                if self.dedup.cross_doc_blocks:
                    docs = np.arange(len(offsets) - 1)
                again.append((path, source, docs.tolist()))
        self.files["recleaned"] = len(again)
        return after, again

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

    def finish(self, started: float, t0: float) -> Report:
        """Write the new generation, commit the state, switch the output to it."""
        n, state, plan = self.plan.generation, self.state, self.plan
        gen = self.folder.start_generation(n)
        outputs = {
            CORPUS: _write_lines(gen / CORPUS, state.corpus_lines()),
            AUDIT: _write_lines(gen / AUDIT, state.audit_lines(self.config.text_key)),
        }
        counts = Stats.from_rows(state.document_counts(), state.change_counts())
        inputs = state.inputs()
        mode = "incremental" if plan.state is not None else "full"
        reason = plan.reason or ", ".join(f"{v} {k}" for k, v in self.files.items())
        seconds = time.perf_counter() - t0
        run = {
            "mode": mode,
            "reason": reason,
            "files": dict(self.files),
            "documents_cleaned": self.cleaned,
            "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            "seconds": round(seconds, 3),
        }
        manifest = build_manifest(
            config=self.config,
            inputs=inputs,
            outputs=outputs,
            counts=counts,
            duplicates=duplicate_clusters(state.drops(self.config.text_key)),
            stages=Pipeline.from_config(self.config).names,
            run=run,
            history=plan.history,
            dedup_scheme=dedup_scheme(self.config.dedup) if self.config.dedup.documents else {},
        )
        previous = self.folder.manifest()
        as_written = json.loads(json.dumps(manifest))  # tuples read back as lists
        if previous is not None and comparable(previous) == comparable(as_written):
            # a rebuild that found what is already published (a fresh clone of a corpus
            # kept in git, say) keeps the published generation: no file changes
            shutil.rmtree(gen, ignore_errors=True)
            published = self.folder.current()  # 0: the adopted output of an old version
            n = n if published is None else published
            manifest = dict(previous)
        else:
            write_json(gen / MANIFEST, manifest)
        for key, value in (
            ("generation", str(n)),
            ("version", __version__),
            ("config", json.dumps(self.config.to_dict(), sort_keys=True)),
            ("config_hash", self.config.hash()),
            ("boilerplate_model", model_digest()),
            ("code", code_digest()),
            ("input_root", str(self.input_path.resolve())),
        ):
            state.set_meta(key, value)
        state.commit()
        if plan.state is None:
            _fsync_file(state.path)
            state.close()
            Path(f"{self.folder.db_path}-journal").unlink(missing_ok=True)
            os.replace(state.path, self.folder.db_path)  # the commit point of a rebuild
        self.committed = True
        self.folder.publish(n)
        return Report.of(
            counts,
            manifest,
            seconds=seconds,
            output=self.folder.root,
            mode=mode,
            reason=reason,
            rebuild=plan.rebuild,
            files=dict(self.files),
            documents_cleaned=self.cleaned,
        )


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


def count_file(task: tuple[Any, ...]) -> tuple[str, LineSets]:
    """Read one input file, repair it and count its lines per source (an executor task).

    ``task`` is ``(path, source, config)`` and optionally a file to keep the repaired
    documents in, so :func:`clean_file` need not read and repair the file again.
    Returns the file's source name and its :func:`~cleaner.stages.boilerplate.line_sets`:
    what the boilerplate stage would count (line hashes and their words), with no text
    crossing the process boundary.
    """
    path, source, config, keep = (*task, None)[:4]
    entry, mtime_ns, seen_ns = _read(path, source, config)
    docs = list(RepairText(config.repair).run(entry.documents))
    if keep is not None:
        with open(keep, "wb") as f:
            pickle.dump((replace(entry, documents=docs), mtime_ns, seen_ns), f, _PICKLE)
    return source, line_sets(docs)


def clean_file(task: tuple[Any, ...]) -> PreparedFile:
    """Read one input file, run the per-document stages on it and turn the result into
    rows of the state (an executor task).

    ``task`` is ``(path, source, config)``, then optionally: the salted hashes of the
    lines repeated across the whole input (see :func:`count_file`; without them,
    ``corpus-repeat`` counts the file's own documents); the ordinals of the only
    documents to clean (an unchanged file some of whose lines crossed ``min_repeats``);
    the file :func:`count_file` kept the repaired documents in (read, then deleted).
    The rows are ready to insert: serialized records, audit rows, shingle hashes and
    band keys (:func:`~cleaner.store.prepare.prepare_file`), so no document crosses the
    process boundary and the driver does little per document. Module-level and
    picklable, so it runs the same in this process, in a local worker process or as a
    Ray task (which must see the input at the same path).
    """
    path, source, config, repeated, ordinals, kept = (*task, None, None, None)[:6]
    pipeline = (
        _pipeline(config)
        if repeated is None
        else Pipeline.from_config(config, corpus_stages=False, repeated=repeated.tolist())
    )
    if kept is not None and os.path.isfile(kept):
        with open(kept, "rb") as f:
            entry, mtime_ns, seen_ns = pickle.load(f)
        os.unlink(kept)
        # repairing is a fixed point: the kept documents are what the first stage gives
        pipeline = Pipeline([s for s in pipeline.stages if not isinstance(s, RepairText)])
    else:
        entry, mtime_ns, seen_ns = _read(path, source, config)
    documents = entry.documents
    if ordinals is not None:
        wanted = set(ordinals)
        documents = [d for k, d in enumerate(documents) if k in wanted]
    docs = list(pipeline.run(documents))
    dedup = config.dedup
    banding = Banding(dedup.threshold, dedup.num_perm, dedup.seed)
    live = [d.text for d in docs if d.dropped is None]
    sets = shingle_sets(live, dedup.ngram) if dedup.documents else None
    return prepare_file(
        entry,
        docs,
        mtime_ns=mtime_ns,
        seen_ns=seen_ns,
        sets=sets,
        keys=None if sets is None else banding.keys(sets),
        ordinals=None if ordinals is None else sorted(ordinals),
    )


def _held(
    lines: npt.NDArray[np.uint64], repeated: npt.NDArray[np.uint64]
) -> npt.NDArray[np.uint64]:
    """The sorted distinct ``lines`` found in the sorted, distinct ``repeated``.

    Binary search per line: ``np.intersect1d`` sorted the corpus-wide ``repeated`` again
    for every file, which made a folder of small files quadratic.

    >>> _held(np.array([5, 3, 9, 3], np.uint64), np.array([1, 3, 5], np.uint64)).tolist()
    [3, 5]
    """
    if not len(repeated):
        return np.empty(0, np.uint64)
    at = np.minimum(np.searchsorted(repeated, lines), len(repeated) - 1)
    return np.unique(lines[repeated[at] == lines])


def _unchanged(
    path: Path, size: int, mtime_ns: int, seen_ns: int, sha256: str, state: State, source: str
) -> bool:
    """Whether an input still has the content stored for it (stat first, then sha256)."""
    try:
        st = path.stat()
    except OSError:
        return False
    if st.st_size == size and st.st_mtime_ns == mtime_ns and mtime_ns < seen_ns - RACY_NS:
        return True
    seen = time.time_ns()
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return False
    if digest != sha256:
        return False
    state.touch_file(source, st.st_size, st.st_mtime_ns, seen)
    return True


def _write_lines(dest: Path, chunks: Iterable[str]) -> dict[str, Any]:
    """Write pre-serialized JSON lines (a chunk may hold several) atomically."""
    writer = AtomicWriter(dest)
    batch: list[str] = []
    try:
        for chunk in chunks:
            batch.append(chunk)
            writer.lines += chunk.count("\n") + 1
            if len(batch) >= 1000:
                writer.write_text("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            writer.write_text("\n".join(batch) + "\n")
    except BaseException:
        writer.abort()
        raise
    writer.commit()
    return {"sha256": writer.sha256, "records": writer.lines, "bytes": writer.bytes}


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_files(
    paths: Sequence[Path],
    corpus_dir: Path = Path("clean"),
    config: CleanConfig | None = None,
    *,
    max_boilerplate: float = 0.5,
) -> CheckReport:
    """Judge raw files, each on its own, against the corpus in ``corpus_dir``; write nothing.

    A file has problems when more than ``max_boilerplate`` of its characters (after
    repair) would be removed, or when one of its documents nearly duplicates a kept
    corpus document (same threshold and n-grams as the corpus was built with). Its
    lines count for ``corpus-repeat`` together with the corpus's, as in a run over
    both. The file's own earlier version in the corpus is not held against it.

    When ``corpus_dir`` holds no run at all (a repository before its first
    ``cleaner run``), each file is judged on its boilerplate share alone and the
    report's ``note`` says so: there is nothing to duplicate yet.
    """
    config = config or CleanConfig()
    if not 0.0 <= max_boilerplate <= 1.0:
        raise UsageError(f"max boilerplate must be in [0, 1], not {max_boilerplate}")
    pipeline = Pipeline.from_config(config, corpus_stages=False)
    if not has_corpus(Path(corpus_dir)):
        # a repository before its first run: nothing to duplicate, nothing repeated yet
        alone = [
            judge_file(
                Path(p), pipeline, None, config.dedup.ngram, None, max_boilerplate, config.text_key
            )
            for p in paths
        ]
        note = (
            f"{corpus_dir}: no corpus yet; each file was judged on its own boilerplate "
            "share (no duplicate check). Run `cleaner run` to build the corpus."
        )
        return CheckReport(alone, max_boilerplate, note=note)
    with open_corpus(Path(corpus_dir)) as (state, manifest):
        dedup: dict[str, Any] = manifest["config"]["dedup"]
        banding = Banding(float(dedup["threshold"]), int(dedup["num_perm"]), int(dedup["seed"]))
        index = StoredIndex(state, banding.threshold, banding) if dedup["documents"] else None
        root = state.meta("input_root")
        lines = (
            CorpusLines(state, config.boilerplate.min_repeats)
            if counts_repeats(config.boilerplate)
            else None
        )
        files = [
            judge_file(
                Path(p),
                pipeline,
                index,
                int(dedup["ngram"]),
                root,
                max_boilerplate,
                config.text_key,
                lines,
            )
            for p in paths
        ]
    return CheckReport(files, max_boilerplate)

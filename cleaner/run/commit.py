"""Writing a generation and switching the output folder to it: the commit protocol.

The corpus and audit are written from the state into a new generation folder, the
manifest last; then the state is committed (for a rebuild: the new state file is
fsynced and renamed over the old one, the commit point) and the output switched to
the generation (:meth:`~cleaner.store.outdir.OutputFolder.publish`). A run killed
before the commit point leaves the previous output whole; one killed after it is
published by the next run.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.run.plan import run_key
from cleaner.run.report import Report
from cleaner.stats import Stats
from cleaner.store.manifest import (
    AUDIT,
    CORPUS,
    MANIFEST,
    build_manifest,
    comparable,
    duplicate_clusters,
)
from cleaner.store.output import AtomicWriter, write_json

if TYPE_CHECKING:
    from cleaner.run.corpus import CorpusRun


def finish(run: CorpusRun, started: float, t0: float) -> Report:
    """Write the new generation, commit the state, switch the output to it."""
    n, state, plan, config = run.plan.generation, run.state, run.plan, run.config
    gen = run.folder.start_generation(n)
    renamed = state.renamed()  # ids that an earlier file holds: worked out once
    outputs = {
        CORPUS: _write_lines(gen / CORPUS, state.corpus_lines(renamed)),
        AUDIT: _write_lines(gen / AUDIT, state.audit_lines(config.text_key, renamed)),
    }
    counts = Stats.from_rows(state.document_counts(), state.change_counts())
    inputs = state.inputs(renamed)
    mode = "incremental" if plan.state is not None else "full"
    reason = run.rewrite or plan.reason or ", ".join(f"{v} {k}" for k, v in run.files.items())
    seconds = time.perf_counter() - t0
    record = {
        "mode": mode,
        "reason": reason,
        "files": dict(run.files),
        "documents_cleaned": run.cleaned,
        "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
    }
    manifest = build_manifest(
        config=config,
        inputs=inputs,
        outputs=outputs,
        counts=counts,
        duplicates=duplicate_clusters(state.drops(config.text_key, renamed)),
        stages=run.pipeline.names,
        run=record,
        history=plan.history,
        dedup_scheme=run.pipeline.scheme(),
    )
    previous = run.folder.manifest()
    as_written = json.loads(json.dumps(manifest))  # tuples read back as lists
    if (
        previous is not None
        and comparable(previous) == comparable(as_written)
        and run.folder.intact()
    ):
        # a rebuild that found what is already published (a fresh clone of a corpus
        # kept in git, say) keeps the published generation: no file changes
        shutil.rmtree(gen, ignore_errors=True)
        published = run.folder.current()  # 0: the adopted output of an old version
        n = n if published is None else published
        manifest = dict(previous)
    else:
        write_json(gen / MANIFEST, manifest)
    root = run.input_path.resolve()
    meta = {
        "generation": str(n),
        **run_key(config),
        "input_root": str(root),
        # the same from the output folder: where `check` finds it after both have moved
        "input_root_from_output": os.path.relpath(root, run.folder.root.resolve()),
        # where the output was: one found elsewhere is a copy, or was moved
        "output_root": str(run.folder.root.resolve()),
    }
    for key, value in meta.items():
        state.set_meta(key, value)
    state.commit()
    if plan.state is None:
        _fsync_file(state.path)
        state.close()
        Path(f"{run.folder.db_path}-journal").unlink(missing_ok=True)
        os.replace(state.path, run.folder.db_path)  # the commit point of a rebuild
    run.committed = True
    run.folder.publish(n)
    return Report.of(
        counts,
        manifest,
        seconds=seconds,
        output=run.folder.root,
        mode=mode,
        reason=reason,
        rebuild=plan.rebuild,
        files=dict(run.files),
        documents_cleaned=run.cleaned,
    )


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

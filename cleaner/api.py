"""The library entry points that wire readers, pipeline and outputs together."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cleaner.config import CleanConfig
from cleaner.document import Document
from cleaner.errors import OutputError
from cleaner.manifest import AUDIT, CORPUS, MANIFEST, build_manifest
from cleaner.output import write_json, write_jsonl
from cleaner.pipeline import Pipeline
from cleaner.progress import Progress, counted
from cleaner.readers import InputFile, read_inputs, settle
from cleaner.stats import Stats


@dataclass
class Report:
    """What a run did, for the CLI summary and for callers."""

    documents_in: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    files_rejected: int = 0
    records_rejected: int = 0
    lines_removed: int = 0
    seconds: float = 0.0
    output: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return self.dropped.get("near-duplicate", 0)

    def summary(self) -> str:
        return (f"{self.documents_in} documents in, {self.kept} kept, "
                f"{self.duplicates} dropped as duplicates, "
                f"{self.lines_removed} lines removed, "
                f"{self.files_rejected} files and {self.records_rejected} records rejected "
                f"({self.seconds:.1f}s)")


def prepare_output(output: Path, input_path: Path) -> None:
    """Create the output folder, refusing one that is the input or inside it."""
    try:
        if output.resolve() == input_path.resolve():
            raise OutputError(f"{output}: output folder is the input folder; pick another one.")
        output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{output}: cannot create the output folder ({e.strerror}); "
                          "pick a writable path.") from e
    if not output.is_dir():
        raise OutputError(f"{output}: not a folder; pick a folder for the output.")


def audit_records(docs: list[Document], inputs: list[InputFile]) -> list[dict[str, Any]]:
    """Every removal and every rejected input, in input order."""
    rows: list[dict[str, Any]] = []
    for doc in docs:
        for ch in doc.changes:
            if ch.text:
                rows.append({"id": doc.id, "source": doc.source, **ch.to_dict()})
        if doc.dropped is not None:
            rows.append({"id": doc.id, "source": doc.source, **doc.dropped.to_dict()})
    for f in inputs:
        if f.outcome == "rejected":
            rows.append({"source": f.path, "stage": "read", "rule": "rejected-file",
                         "message": f.message, "text": ""})
        rows.extend({**r.to_dict(), "text": ""} for r in f.rejections)
    return rows


def clean_corpus(input_path: Path, output: Path, config: CleanConfig = CleanConfig(), *,
                 progress: Progress | None = None) -> Report:
    """Clean every input under ``input_path`` into ``output``.

    Writes ``corpus.jsonl`` (kept documents in input order), ``audit.jsonl`` (every
    removal with stage, rule and text; every rejected input with its reason) and, last,
    ``manifest.json``. Raises :class:`~cleaner.errors.InputError` for an unusable input
    path and :class:`~cleaner.errors.OutputError` for an unusable output path; a bad
    file inside the input is recorded, not raised. ``progress(done, total)`` is called
    as documents enter the pipeline (see :mod:`cleaner.progress`).
    """
    started = time.time()
    t0 = time.perf_counter()
    input_path, output = Path(input_path), Path(output)
    inputs = list(read_inputs(input_path, config.text_key))
    prepare_output(output, input_path)
    pipeline = Pipeline.from_config(config)
    total = sum(len(f.documents) for f in inputs)
    source = counted((d for f in inputs for d in f.documents), progress, total)
    docs = list(pipeline.run(source))
    settle(inputs, docs)
    stats = Stats()
    for doc in docs:
        stats.add_document(doc)
    kept = [d for d in docs if d.dropped is None]
    dropped = [d for d in docs if d.dropped is not None]
    outputs = {
        CORPUS: write_jsonl(output / CORPUS, (d.record() for d in kept)),
        AUDIT: write_jsonl(output / AUDIT, audit_records(docs, inputs)),
    }
    seconds = time.perf_counter() - t0
    run = {
        "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
    }
    manifest = build_manifest(
        config=config, inputs=inputs, outputs=outputs, stats=stats, dropped=dropped,
        stages=pipeline.names, dedup_scheme={}, run=run,
    )
    write_json(output / MANIFEST, manifest)
    counts = stats.to_dict()["documents"]
    return Report(
        documents_in=counts["in"], kept=counts["kept"], dropped=counts["dropped"],
        files_rejected=sum(1 for f in inputs if f.outcome == "rejected"),
        records_rejected=sum(len(f.rejections) for f in inputs),
        lines_removed=stats.lines_removed(), seconds=seconds, output=output, manifest=manifest,
    )

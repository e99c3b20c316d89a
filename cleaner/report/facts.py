"""What a report shows, gathered from a finished output folder.

The run's numbers come from its manifest as they are (through
:class:`cleaner.run.report.Report`, the CLI's summary): nothing on the page counts them
again. What the manifest does not hold per document, the share of each document and
each source that cleaning removed, comes from one pass over ``audit.jsonl`` (the
characters of every removal) and one over ``corpus.jsonl`` (the characters kept); both
are streamed, so memory grows with the number of documents, not their text.

Where a corpus is large, the page shows a bounded part and says so: the documents that
lost most (``documents``), the largest duplicate clusters (``clusters``), the first
rejected inputs (``rejections``) and the sources that lost most (``sources``). The
summary, the removals per rule and the histogram of shares always cover everything.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import posixpath
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.document import record_text
from cleaner.errors import InputError
from cleaner.names import Reason
from cleaner.run.report import Report
from cleaner.stats import Stats
from cleaner.store.manifest import AUDIT, CORPUS, MANIFEST
from cleaner.store.outdir import OutputFolder
from cleaner.tables import VALUE_ERRORS, damaged_manifest, load_manifest


@dataclass(frozen=True)
class Limits:
    """How much of a large corpus the page shows; every default keeps the page small."""

    documents: int = 20  # documents shown line by line: read again from the raw inputs
    clusters: int = 30  # duplicate clusters, the largest first
    duplicates: int = 5  # duplicates shown (with a diff) per cluster
    rejections: int = 100  # rejected files and records listed
    sources: int = 40  # sources in the per-source chart and table
    diff_chars: int = 20_000  # characters of each side a duplicate's diff compares
    bins: int = 20  # bars of the histogram of shares removed


@dataclass(slots=True)
class DocLoss:
    """What one document lost: characters kept and removed (one per document, kept small)."""

    source: str
    id: str
    kept: int = 0  # characters of the text in the corpus; 0 when dropped
    removed: int = 0
    dropped: str | None = None  # the rule that left it out of the corpus

    @property
    def share(self) -> float:
        """Characters removed / (kept + removed); 0 for an empty document."""
        total = self.kept + self.removed
        return self.removed / total if total else 0.0

    @property
    def folder(self) -> str:
        return source_folder(self.source)


@dataclass
class SourceLoss:
    """What one source (the input's folder) lost, over all its documents."""

    name: str
    documents: int = 0
    kept: int = 0
    removed: int = 0
    rules: Counter[str] = field(default_factory=Counter)

    @property
    def share(self) -> float:
        total = self.kept + self.removed
        return self.removed / total if total else 0.0

    @property
    def top_rule(self) -> tuple[str, int] | None:
        """The rule that removed most of this source's characters, and how many."""
        return self.rules.most_common(1)[0] if self.rules else None


@dataclass
class Duplicate:
    """A dropped near-duplicate and its text (from the audit), to diff with the kept one."""

    id: str
    source: str
    similarity: float | None
    text: str | None = None


@dataclass
class Cluster:
    """A kept document and the near-duplicates dropped for it."""

    kept: str
    kept_source: str
    duplicates: list[Duplicate]
    total: int  # duplicates in the cluster; ``duplicates`` holds the first few
    text: str | None = None  # the kept document's text, from the corpus


@dataclass
class Facts:
    """Everything the page shows; see the module docstring for what is sampled."""

    output: Path
    manifest: dict[str, Any]
    report: Report
    rules: list[dict[str, Any]]  # stage, rule, changes, documents, chars: the manifest's
    chars_removed: int
    histogram: list[dict[str, Any]]  # start, end (percent) and documents
    sources: list[SourceLoss]
    sources_total: int
    documents: list[DocLoss]  # those that lost most, first
    documents_total: int
    clusters: list[Cluster]
    clusters_total: int
    rejections: list[dict[str, Any]]
    rejections_total: int
    limits: Limits


def source_folder(source: str) -> str:
    """The folder an input lies in, as the page groups sources: ``.`` for the top.

    >>> source_folder("news/a.txt"), source_folder("a.txt")
    ('news', '.')
    """
    return posixpath.dirname(source.replace("\\", "/")) or "."


def records(path: Path, sha256: str | None = None) -> Iterator[dict[str, Any]]:
    """The records of a JSONL output the run wrote; with ``sha256`` (the manifest's),
    its bytes are checked to be the ones the run wrote once all are read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for number, line in enumerate(f, 1):
                digest.update(line)
                if not line.strip():
                    continue
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError(f"line {number} is {type(record).__name__}, not an object")
                yield record
    except FileNotFoundError:
        raise InputError(f"{path}: missing; run `cleaner run` again to rebuild it.") from None
    except ValueError as e:
        raise InputError(f"{path}: not the JSONL a run writes ({e}); run again.") from None
    if sha256 is not None and digest.hexdigest() != sha256:
        raise InputError(
            f"{path}: changed since the run wrote it (not the sha256 its manifest holds); "
            "run `cleaner run` again."
        )


def published(folder: Path) -> tuple[Path, dict[str, Any]]:
    """The folder of the published generation in ``folder`` and its manifest.

    Read there rather than through the links in ``folder``, so that a run publishing
    a new generation meanwhile cannot mix two generations on one page.
    """
    output = OutputFolder(folder)
    n = output.current()
    if n is None:
        raise InputError(
            f"{folder}: not an output folder of `cleaner run` (no manifest); pass the "
            "OUTPUT folder of a finished run."
        )
    gen = output.generation_dir(n)
    return gen, load_manifest(gen / MANIFEST)  # names what is wrong with a damaged one


def rule_rows(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's counts per stage and rule, the most characters first."""
    rows = [
        {"stage": stage, "rule": rule, **{k: int(row.get(k, 0)) for k in _COUNTS}}
        for stage, rules in manifest.get("counts", {}).get("stages", {}).items()
        for rule, row in rules.items()
    ]
    return sorted(rows, key=lambda r: (-r["chars"], -r["changes"], r["stage"], r["rule"]))


_COUNTS = ("changes", "documents", "chars")


def _recorded_sha256(manifest: dict[str, Any], name: str) -> str | None:
    """The sha256 the manifest gives an output (None in a manifest without one)."""
    entry = manifest.get("outputs", {}).get(name)
    return entry.get("sha256") if isinstance(entry, dict) else None


def gather(folder: Path, limits: Limits = Limits()) -> Facts:
    """Read the output ``folder`` of a finished run into what its page shows."""
    generation, manifest = published(folder)
    try:
        counts = Stats.from_dict(manifest.get("counts", {}))
        run = manifest.get("run", {})
        report = Report.of(
            counts,
            manifest,
            seconds=float(run.get("seconds", 0.0)),
            output=folder,
            mode=str(run.get("mode", "full")),
            reason=str(run.get("reason", "")),
        )
    except VALUE_ERRORS as e:  # a count of a wrong type
        raise damaged_manifest(generation / MANIFEST, e) from None
    clusters, wanted_dups, wanted_kept = _clusters(manifest, limits)
    docs: dict[tuple[str, str], DocLoss] = {}
    sources: dict[str, SourceLoss] = {}
    rejections: list[dict[str, Any]] = []
    rejections_total = 0
    for row in records(generation / AUDIT, _recorded_sha256(manifest, AUDIT)):
        if "id" not in row:  # a rejected file or record: nothing was cleaned
            rejections_total += 1
            if len(rejections) < limits.rejections:
                rejections.append(row)
            continue
        key = (str(row.get("source", "")), str(row["id"]))
        loss = docs.get(key) or docs.setdefault(key, DocLoss(*key))
        chars = len(row.get("text", ""))
        loss.removed += chars
        _source(sources, loss).rules[str(row.get("rule"))] += chars
        loss.dropped = str(row.get("rule"))  # a drop is a document's last row; kept: below
        if key in wanted_dups:
            wanted_dups[key].text = str(row.get("text", ""))
    text_key = manifest.get("config", {}).get("text_key", "text")
    for record in records(generation / CORPUS, _recorded_sha256(manifest, CORPUS)):
        key = (str(record.get("source", "")), str(record.get("id", "")))
        loss = docs.get(key) or docs.setdefault(key, DocLoss(*key))
        text = record_text(record, text_key)
        loss.kept = len(text)
        loss.dropped = None  # in the corpus
        if key in wanted_kept:
            wanted_kept[key].text = text
    for loss in docs.values():
        src = _source(sources, loss)
        src.documents += 1
        src.kept += loss.kept
        src.removed += loss.removed
    ranked = [d for d in docs.values() if d.dropped != Reason.NEAR_DUPLICATE]
    return Facts(
        output=folder,
        manifest=manifest,
        report=report,
        rules=rule_rows(manifest),
        chars_removed=counts.chars_removed(),
        histogram=histogram([d.share for d in docs.values()], limits.bins),
        sources=sorted(sources.values(), key=lambda s: (-s.share, s.name))[: limits.sources],
        sources_total=len(sources),
        documents=heapq.nsmallest(
            limits.documents, ranked, key=lambda d: (-d.share, -d.removed, d.source, d.id)
        ),
        documents_total=len(docs),
        clusters=clusters,
        clusters_total=len(manifest.get("duplicates", [])),
        rejections=rejections,
        rejections_total=rejections_total,
        limits=limits,
    )


def _source(sources: dict[str, SourceLoss], loss: DocLoss) -> SourceLoss:
    folder = loss.folder
    return sources.get(folder) or sources.setdefault(folder, SourceLoss(folder))


def _clusters(
    manifest: dict[str, Any], limits: Limits
) -> tuple[list[Cluster], dict[tuple[str, str], Duplicate], dict[tuple[str, str], Cluster]]:
    """The largest clusters of the manifest, and the documents whose text they need."""
    found = sorted(
        manifest.get("duplicates", []),
        key=lambda c: (-len(c.get("duplicates", [])), str(c.get("kept_source")), c.get("kept")),
    )[: limits.clusters]
    clusters, dups, kept = [], {}, {}
    for c in found:
        shown = [
            Duplicate(str(d.get("id")), str(d.get("source")), d.get("similarity"))
            for d in c.get("duplicates", [])[: limits.duplicates]
        ]
        cluster = Cluster(
            str(c.get("kept")), str(c.get("kept_source")), shown, len(c.get("duplicates", []))
        )
        clusters.append(cluster)
        kept[(cluster.kept_source, cluster.kept)] = cluster
        dups.update({(d.source, d.id): d for d in shown})
    return clusters, dups, kept


def histogram(shares: list[float], bins: int) -> list[dict[str, Any]]:
    """Documents per bin of the share removed, in percent; 100% falls in the last bin.

    >>> [b["documents"] for b in histogram([0.0, 0.04, 0.5, 1.0], 4)]
    [2, 0, 1, 1]
    """
    counts = [0] * bins
    for share in shares:
        counts[min(int(share * bins), bins - 1)] += 1
    width = 100 / bins
    return [
        {"start": round(i * width, 2), "end": round((i + 1) * width, 2), "documents": n}
        for i, n in enumerate(counts)
    ]

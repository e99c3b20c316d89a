"""Report: what a run did, for the CLI summary and for callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.names import Reason
from cleaner.stats import Stats


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
        return self.dropped.get(Reason.NEAR_DUPLICATE, 0)

    def dropped_text(self) -> str:
        """The documents dropped, by reason: ``"2 dropped (near-duplicate 1, too-short 1)"``."""
        total = sum(self.dropped.values())
        if not total:
            return "0 dropped"
        reasons = ", ".join(f"{rule} {n}" for rule, n in sorted(self.dropped.items()) if n)
        return f"{total} dropped ({reasons})"

    def summary(self) -> str:
        return (
            f"{self.documents_in} documents in, {self.kept} kept, "
            f"{self.dropped_text()}, "
            f"{self.lines_removed} lines removed, "
            f"{self.files_rejected} files and {self.records_rejected} records rejected "
            f"({self.seconds:.1f}s)"
        )

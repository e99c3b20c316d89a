"""The documents a report shows line by line, as ``cleaner explain`` shows them.

A run keeps no copy of the text it removed lines from, so a shown document is read
again from its raw input and explained with the run's config (and with the corpus's
line counts, as ``cleaner explain --corpus`` does). What the explanation marks is then
held against the run's audit: where the raw file is gone, has changed since the run, or
is explained differently today, the page says so and lists the audit's removals of the
document instead of guessing where they stood.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.config import CleanConfig
from cleaner.errors import CleanerError
from cleaner.readers.walk import source_path
from cleaner.report.facts import DocLoss, Facts, published, records
from cleaner.run.explain import CorpusPages, Explanation, explain_file
from cleaner.store.manifest import AUDIT
from cleaner.store.outdir import OutputFolder
from cleaner.store.state import State


@dataclass
class Shown:
    """One document as the page shows it: its explanation, or the audit's rows and why."""

    loss: DocLoss
    explanation: Explanation | None = None
    removals: list[dict[str, Any]] = field(default_factory=list)  # its audit rows
    note: str | None = None  # why the explanation is missing or differs from the audit


def marks(rows: Iterable[tuple[str | None, str]]) -> Counter[tuple[str, str]]:
    """Removed lines as (rule, line) pairs, a removal of many lines counted line by line.

    >>> sorted(marks([("a", "x\\ny"), (None, "kept"), ("b", "z")]).items())
    [(('a', 'x'), 1), (('a', 'y'), 1), (('b', 'z'), 1)]
    """
    return Counter(
        (rule, line) for rule, text in rows if rule is not None for line in text.split("\n")
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_root(folder: Path) -> tuple[Path | None, State | None]:
    """Where the run read its inputs (from the state index), and the index itself."""
    state = State.open(OutputFolder(folder).db_path, readonly=True)
    root = state.input_root(folder) if state is not None else None
    return (Path(root) if root else None), state


def explain_losses(facts: Facts, inputs: Path | None = None) -> list[Shown]:
    """The documents of ``facts.documents`` explained from their raw inputs.

    ``inputs`` is the folder (or file) the run read; by default the one the output
    folder's state index remembers.
    """
    shown = {(d.source, d.id): Shown(d) for d in facts.documents}
    if not shown:
        return []
    generation, _ = published(facts.output)
    for row in records(generation / AUDIT):
        key = (str(row.get("source", "")), str(row.get("id", "")))
        if "id" in row and key in shown:
            shown[key].removals.append(row)
    root, state = input_root(facts.output)
    try:
        for item in _explained(facts, list(shown.values()), inputs or root, state):
            _hold_to_audit(item)
    finally:
        if state is not None:
            state.close()
    return [shown[(d.source, d.id)] for d in facts.documents]


def _explained(
    facts: Facts, shown: list[Shown], root: Path | None, state: State | None
) -> Iterator[Shown]:
    """Explain each shown document from its raw file, one read per file."""
    manifest = facts.manifest
    try:
        config = CleanConfig.from_dict(manifest.get("config", {}))
    except CleanerError as e:
        for item in shown:
            item.note = f"the run's config cannot be read by this version ({e})"
        return
    if root is None:
        for item in shown:
            item.note = "the run's inputs are unknown here: pass them with --input"
        return
    hashes = {str(f.get("path")): f.get("sha256") for f in manifest.get("inputs", [])}
    by_file: dict[str, list[Shown]] = {}
    for item in shown:
        by_file.setdefault(item.loss.source, []).append(item)
    files: dict[str, tuple[Path, Collection[str]]] = {}
    for source, items in by_file.items():
        path = root if root.is_file() and root.name == source else source_path(root, source)
        if not path.is_file():
            note: str | None = f"{path} is not there any more"
        elif hashes.get(source) and _sha256(path) != hashes[source]:
            note = f"{path} changed since the run"
        else:
            note = None
            files[source] = (path, {item.loss.id for item in items})
        for item in items:
            item.note = note
    found: dict[str, list[Explanation] | CleanerError] = {}
    if state is not None:
        found = CorpusPages(state, config).explain(files)
    else:  # no state index: corpus-repeat cannot be counted; the audit check says so
        for source, (path, ids) in files.items():
            try:
                explained = explain_file(path, config, ids=ids, source=source)
            except CleanerError as e:
                found[source] = e
            else:
                found[source] = [e for e in explained if isinstance(e, Explanation)]
    for source, result in found.items():
        path = files[source][0]
        by_id = {} if isinstance(result, CleanerError) else {e.id: e for e in result}
        for item in by_file[source]:
            item.explanation = by_id.get(item.loss.id)
            if isinstance(result, CleanerError):
                item.note = f"{path} cannot be explained ({result})"
            elif item.explanation is None:
                item.note = f"{path} holds no document {item.loss.id} any more"
    yield from shown


def _hold_to_audit(item: Shown) -> None:
    """Note where the explanation's marks are not the audit's removals."""
    if item.explanation is None:
        return
    dropped = item.loss.dropped
    audit = marks((str(r.get("rule")), str(r.get("text", ""))) for r in item.removals)
    audit = Counter({k: n for k, n in audit.items() if k[0] != dropped})
    seen = marks((line.rule, line.text) for line in item.explanation.lines)
    if seen != audit:
        missing = sum((audit - seen).values())
        extra = sum((seen - audit).values())
        item.note = (
            f"explained today, the page differs from the run's audit ({missing} removed "
            f"lines not marked, {extra} marked that the run kept); the audit's removals "
            "are listed below the page"
        )

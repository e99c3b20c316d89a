"""Counters of what the stages did, keyed by stage and rule."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from cleaner.document import Change, Document
from cleaner.names import StageName


class Stats:
    """Counts per stage and rule: how many changes, documents touched and characters removed.

    >>> s = Stats(); s.add_document(Document("a", "a.txt", "x", changes=(Change("s", "r", "ab"),)))
    >>> s.to_dict()["stages"]["s"]["r"]
    {'changes': 1, 'chars': 2, 'documents': 1}
    """

    def __init__(self) -> None:
        self._rules: dict[str, dict[str, dict[str, int]]] = defaultdict(
            lambda: defaultdict(lambda: {"changes": 0, "chars": 0, "documents": 0})
        )
        self.documents_in = 0
        self.documents_kept = 0
        self.documents_dropped: dict[str, int] = defaultdict(int)

    @classmethod
    def from_rows(
        cls,
        documents: tuple[int, int, dict[str, int]],
        rules: Iterable[tuple[str, str, int, int, int]],
    ) -> Stats:
        """Counts already summed elsewhere (the state index of an incremental run):
        (in, kept, dropped per rule) and (stage, rule, changes, chars, documents) rows.

        >>> rows = [("s", "r", 2, 3, 1), ("drop-near-duplicates", "near-duplicate", 1, 80, 1)]
        >>> s = Stats.from_rows((2, 1, {"near-duplicate": 1}), rows)
        >>> s.to_dict()["stages"]["s"], s.lines_removed()
        ({'r': {'changes': 2, 'chars': 3, 'documents': 1}}, 2)
        """
        stats = cls()
        stats.documents_in, stats.documents_kept = documents[0], documents[1]
        stats.documents_dropped.update(documents[2])
        for stage, rule, changes, chars, docs in rules:
            stats._rules[stage][rule].update(changes=changes, chars=chars, documents=docs)
        return stats

    @classmethod
    def from_dict(cls, counts: dict[str, Any]) -> Stats:
        """Read back the ``counts`` of a manifest; a count that is no number raises
        ``TypeError`` or ``ValueError`` here, not later where it is shown."""
        docs = counts.get("documents", {})
        rows = [
            (str(stage), str(rule), int(row["changes"]), int(row["chars"]), int(row["documents"]))
            for stage, rules in counts.get("stages", {}).items()
            for rule, row in rules.items()
        ]
        dropped = {str(k): int(v) for k, v in dict(docs.get("dropped", {})).items()}
        return cls.from_rows((int(docs.get("in", 0)), int(docs.get("kept", 0)), dropped), rows)

    def add_document(self, doc: Document) -> None:
        self.documents_in += 1
        seen: set[tuple[str, str]] = set()
        changes: Iterable[Change] = doc.changes
        if doc.dropped is not None:
            changes = [*doc.changes, doc.dropped]
            self.documents_dropped[doc.dropped.rule] += 1
        else:
            self.documents_kept += 1
        for ch in changes:
            row = self._rules[ch.stage][ch.rule]
            row["changes"] += 1
            row["chars"] += len(ch.text)
            if (ch.stage, ch.rule) not in seen:
                seen.add((ch.stage, ch.rule))
                row["documents"] += 1

    def lines_removed(self) -> int:
        """Lines the stages removed: their changes, less the one row each dropped
        document adds (a near-duplicate, a filter's drop: a document, not a line)."""
        return sum(
            r["changes"]
            for stage, rules in self._rules.items()
            if stage not in (StageName.REPAIR_TEXT, StageName.REDACT_PII)  # no lines
            for r in rules.values()
        ) - sum(self.documents_dropped.values())

    def chars_removed(self) -> int:
        """Characters the stages removed, whole dropped documents included.

        >>> Stats.from_rows((1, 1, {}), [("s", "r", 2, 3, 1), ("t", "q", 1, 4, 1)]).chars_removed()
        7
        """
        return sum(r["chars"] for rules in self._rules.values() for r in rules.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": {
                "in": self.documents_in,
                "kept": self.documents_kept,
                "dropped": dict(sorted(self.documents_dropped.items())),
            },
            "stages": {
                stage: {rule: dict(row) for rule, row in sorted(rules.items())}
                for stage, rules in sorted(self._rules.items())
            },
        }

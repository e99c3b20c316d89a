"""Counters of what the stages did, keyed by stage and rule."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from cleaner.document import Change, Document


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
        return sum(
            r["changes"]
            for stage, rules in self._rules.items()
            if stage != "repair-text"
            for r in rules.values()
        )

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

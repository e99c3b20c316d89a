"""Plain-text tables of a run, for people: built from a manifest, printed by the CLI.

:func:`manifest_table` reads only keys a manifest has (see :mod:`cleaner.store.manifest`) and
skips the parts that are missing, so it also draws the counts of a streaming run.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cleaner.errors import InputError

# every control character (C0, DEL, C1) as Python writes it in a string: \\n, \\x1b, ...
_SHOWN = {c: repr(chr(c))[1:-1] for c in (*range(0x20), *range(0x7F, 0xA0))}


def one_line(text: str) -> str:
    """``text`` with its control characters written out (``\\n``, ``\\r``, ``\\t``,
    ``\\x1b``, ...): a file name, or a record's id or title, may hold a line break,
    which would split a message that must stay one line, or an escape sequence, which a
    terminal would obey (clear the screen, set the window's title).

    >>> one_line("raw/a\\nb.txt: empty file"), one_line("id \\x1b[2J\\x07")
    ('raw/a\\\\nb.txt: empty file', 'id \\\\x1b[2J\\\\x07')
    """
    return text.translate(_SHOWN) if not text.isprintable() else text


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """Columns padded to their widest cell; numbers right-aligned.

    >>> print(table([("caption", 12), ("navigation", 3)], ("rule", "changes")))
    rule        changes
    caption          12
    navigation        3
    """
    cells = [list(map(str, header)), *([str(c) for c in row] for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    numeric = [
        all(isinstance(row[i], int) for row in rows) and rows != [] for i in range(len(header))
    ]
    lines = []
    for r in cells:
        parts = [
            c.rjust(w) if numeric[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _rule_rows(stages: dict[str, dict[str, dict[str, int]]]) -> Iterable[tuple[Any, ...]]:
    for stage, rules in stages.items():
        for rule, row in rules.items():
            yield (stage, rule, row.get("changes", 0), row.get("documents", 0), row.get("chars", 0))


def manifest_table(manifest: dict[str, Any]) -> str:
    """A readable account of a manifest: inputs, outcomes, rules, duplicates.

    >>> print(manifest_table({"counts": {"documents": {"in": 2, "kept": 1,
    ...     "dropped": {"near-duplicate": 1}}, "stages": {}}}))
    documents: 2 in, 1 kept, 1 dropped (near-duplicate 1)
    """
    out: list[str] = []
    counts = manifest.get("counts", {})
    inputs = manifest.get("inputs")
    if inputs is not None:
        rejected = [f for f in inputs if f.get("outcome") == "rejected"]
        records = sum(f.get("rejected_records", 0) for f in inputs)
        out.append(
            f"inputs: {len(inputs)} files, {len(inputs) - len(rejected)} read, "
            f"{len(rejected)} rejected; {records} records rejected"
        )
        out += [one_line(f"  rejected {f['path']}: {f.get('reason', '')}") for f in rejected]
        repairs: dict[str, int] = {}
        for f in inputs:
            for what, n in f.get("repairs", {}).items():
                repairs[what] = repairs.get(what, 0) + n
        if repairs:
            done = ", ".join(f"{what} {n}" for what, n in sorted(repairs.items()))
            out.append(f"  repaired while reading: {done}")
        skipped: dict[str, int] = {}
        for f in inputs:
            for what, n in f.get("skipped", {}).items():
                skipped[what] = skipped.get(what, 0) + n
        if skipped:
            passed = ", ".join(f"{what} {n}" for what, n in sorted(skipped.items()))
            out.append(f"  skipped while reading (no documents): {passed}")
    docs = counts.get("documents")
    if docs:
        dropped = docs.get("dropped", {})
        why = ", ".join(f"{k} {v}" for k, v in dropped.items())
        out.append(
            f"documents: {docs.get('in', 0)} in, {docs.get('kept', 0)} kept, "
            f"{sum(dropped.values())} dropped" + (f" ({why})" if why else "")
        )
    # the corpus first, as a run that writes lists it (the manifest file keeps its keys
    # sorted, so a run that changes nothing read the audit first)
    outputs = sorted(manifest.get("outputs", {}).items(), key=lambda kv: kv[0] != "corpus.jsonl")
    for name, info in outputs:
        out.append(
            f"output {name}: {info.get('records', 0)} records, "
            f"sha256 {str(info.get('sha256', ''))[:12]}"
        )
    rows = list(_rule_rows(counts.get("stages", {})))
    if rows:
        out += ["", table(rows, ("stage", "rule", "changes", "documents", "chars"))]
    clusters = manifest.get("duplicates", [])
    if clusters:
        out += ["", "duplicates (kept <- dropped, similarity[, contained share]):"]
        for c in clusters:
            for d in c.get("duplicates", []):
                measure = str(d.get("similarity"))
                if "containment" in d:
                    measure += f", contained {d['containment']}"
                line = f"  {c.get('kept_source')} <- {d.get('source')} ({measure})"
                out.append(one_line(line))
    return "\n".join(out)


# what reading a manifest's values of a wrong type raises, where they are read
VALUE_ERRORS = (AttributeError, KeyError, TypeError, ValueError)


def damaged_manifest(path: Path | str, what: object) -> InputError:
    """The one-line error for the manifest at ``path`` that no run wrote as it is now
    (edited by hand or by another tool, cut short): ``what`` is the damage, or the
    error that reading it met."""
    if isinstance(what, BaseException):
        what = f"{type(what).__name__}: {what}"
    return InputError(
        f"{path}: a damaged manifest ({what}); run `cleaner run` again to write it anew."
    )


def load_manifest(path: Path) -> dict[str, Any]:
    """The manifest at ``path``, a manifest.json or the output folder that holds one.

    Raises :class:`~cleaner.errors.InputError`, saying what to pass, when there is none
    or it is not a cleaner manifest.
    """
    from cleaner.store.manifest import parse_manifest  # the CLI starts without it

    path = path / "manifest.json" if path.is_dir() else path
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO waits, /dev/zero never ends
            raise InputError(
                f"{path}: not a regular file (a device, pipe or socket); pass the "
                "manifest.json that `cleaner run` wrote."
            )
        data = parse_manifest(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path}: no manifest; run `cleaner run` first, or pass the "
            "manifest.json of an output folder."
        ) from None
    except (OSError, ValueError) as e:
        raise InputError(
            f"{path}: not a readable manifest ({e}); pass the manifest.json "
            "that `cleaner run` wrote."
        ) from None
    except RecursionError:  # arrays nested thousands deep: no manifest a run writes
        raise InputError(
            f"{path}: not a readable manifest (nested too deeply); pass the manifest.json "
            "that `cleaner run` wrote."
        ) from None
    if not isinstance(data, dict) or "counts" not in data:
        raise InputError(
            f"{path}: not a cleaner manifest (no counts); pass the "
            "manifest.json that `cleaner run` wrote."
        )
    damage = _damage(data)
    try:  # a "\\ud800" escape: a string no UTF-8 file holds, nor a run writes
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        damage = damage or "a lone surrogate in a string"
    if damage is not None:
        raise damaged_manifest(path, damage)
    return data


# the parts of a manifest that the tables and the report read: (key, its type, the type
# of each of its values or items, when they are read too)
_SHAPE: tuple[tuple[str, type, type | None], ...] = (
    ("counts", dict, dict),
    ("inputs", list, dict),
    ("outputs", dict, dict),
    ("duplicates", list, dict),
    ("stages", list, str),
)
_NAMES: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}


def _damage(data: dict[str, Any]) -> str | None:
    """What is wrong with the shape of a manifest's parts, or None."""
    for key, kind, each in _SHAPE:
        value: Any = data.get(key)
        if value is None and key not in data:
            continue
        if not isinstance(value, kind):
            return f"{key} is not {_NAMES[kind]}"
        items = (
            value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        )
        if each is not None and not all(isinstance(x, each) for x in items):
            return f"an entry of {key} is not {_NAMES[each]}"
    return None

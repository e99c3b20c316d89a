"""Clean a Hugging Face ``datasets.Dataset`` with ``Dataset.map(batched=True)``.

Needs the ``[hf]`` extra (``pip install "cleaner[hf]"``) for ``datasets``; this module
itself imports nothing from it::

    from datasets import Dataset
    from cleaner.integrations.hf import clean_batch

    ds = Dataset.from_list([{"text": "caf\\u00c3\\u00a9 &amp; bar"}, {"text": "   "}])
    ds = ds.map(clean_batch, batched=True)        # -> one row, text "café & bar"

Every column is kept; ``text_key`` (default ``"text"``) gets the cleaned text, and a
``cleaner`` column is added: the account of :func:`cleaner.run.stream.explain_changes` as
JSON text (read it with ``json.loads(row["cleaner"])``), because Arrow needs one type
per column and the account's details vary from rule to rule. A ``cleaner`` column the
dataset already has (cleaned output, cleaned again) is replaced by the new account. With
the language filter on, ``language`` and ``language_score`` columns hold its verdict, as
:func:`~cleaner.run.stream.clean_records` adds them. Rows left empty or dropped (by a
filter, or as boilerplate-only) are removed (a batched map may return fewer rows);
``drop=False`` keeps them, as ``clean_records`` yields them, with the drop in the
account. Near-duplicate removal is off: ``map`` may split the data over processes. Pass
options with ``fn_kwargs={"config": CleanConfig(...), "text_key": "body"}``.

With ``CleanConfig(html_key="html")`` the ``html`` column holds each row's page: it is
read as a JSONL run reads such a field (the markup helps the boilerplate stage), its
cleaned text goes to ``text_key`` (a column added when the dataset has none), and the
page's title, date and author are in the account. The page's other fields (``url``,
``html_lang``) are not columns here, as not every page has them; ``clean_records``
adds them to each record. A page that gives no text (no HTML in it) is a dropped row,
its reason in the account (stage ``read``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cleaner.config import CleanConfig
from cleaner.document import kept_for
from cleaner.errors import RecordError, UsageError
from cleaner.names import StageName
from cleaner.readers import InputFile
from cleaner.run.stream import StreamCleaner, explain_changes, to_document
from cleaner.stages.filters.language import LANGUAGE_FIELDS, language_fields

ACCOUNT = "cleaner"  # the column that holds each row's account


def clean_batch(
    batch: dict[str, list[Any]],
    config: CleanConfig = CleanConfig(),
    text_key: str | None = None,
    drop: bool = True,
) -> dict[str, list[Any]]:
    """Clean one batch (columns of equal length); usable as ``Dataset.map(..., batched=True)``.

    Raises :class:`~cleaner.errors.RecordError`, as ``clean_records`` does, for a row
    whose ``text_key`` column is missing or holds no string, and for a dataset column
    ``language`` or ``language_score`` that differs from the language filter's value
    (``clean_records`` would keep it as ``record_language``, a column that only some
    rows would have). Raises :class:`~cleaner.errors.UsageError` for a batch that is one
    row (``map`` called without ``batched=True``) or columns of unequal lengths.

    >>> out = clean_batch({"text": ["a &amp; b", " "], "n": [1, 2]})
    >>> out["text"], out["n"], json.loads(out["cleaner"][0])["repaired"]
    (['a & b'], [1], ['unescape-html'])
    """
    if not isinstance(batch, Mapping):
        raise UsageError(
            f"clean_batch takes a batch of columns (a dict), not {type(batch).__name__}; "
            "call Dataset.map(clean_batch, batched=True)"
        )
    if not isinstance(config, CleanConfig):
        raise UsageError(f"config must be a CleanConfig, not {config!r}")
    if text_key is not None:  # checked as a config's: a field name, not one cleaner writes
        config = replace(config, text_key=text_key)
    key = config.text_key
    cleaner = StreamCleaner(config, near_duplicates=False)
    columns = [name for name in batch if name != ACCOUNT]  # cleaned output: a new account
    added = [key] if config.html_key is not None and key not in columns else []
    if config.filter(StageName.LANGUAGE).enabled:
        added += [name for name in LANGUAGE_FIELDS if name not in columns]
    rows = _rows(batch)  # a missing text column fails on row 1
    out: dict[str, list[Any]] = {name: [] for name in [*columns, *added, ACCOUNT]}
    entry = InputFile("dataset", "", 0)
    for i in range(rows):
        record = {name: batch[name][i] for name in columns}
        doc = cleaner.clean(to_document(entry, record, i + 1, key, config.html_key))
        if drop and doc.dropped is not None:  # by a filter, as boilerplate-only, or empty
            continue
        named = language_fields(doc.meta)
        for name in named.keys() - out.keys():  # a record_<field>: the row's own value differs
            own = kept_for(name)  # record_record_language: record_language was taken
            raise RecordError(
                f"{entry.path}: record {i + 1}: column {own!r} holds {named[name]!r}, the "
                f"language filter finds {named[own]!r}; rename the column to {name!r} "
                "(Dataset.rename_column) to keep it beside the filter's"
            )
        row = {**record, **named, key: doc.text}
        for name in [*columns, *added]:
            out[name].append(row.get(name))
        out[ACCOUNT].append(json.dumps(explain_changes(doc), ensure_ascii=False, sort_keys=True))
    return out


def _rows(batch: dict[str, Any]) -> int:
    """How many rows ``batch`` holds: its columns' one length. A column that is no
    sequence of rows (a row's own string or number: ``map`` without ``batched=True``,
    whose text would be read as a column of characters) is a usage error."""
    lengths = set()
    for name, column in batch.items():
        if isinstance(column, str | bytes | dict) or not hasattr(column, "__len__"):
            raise UsageError(
                f"clean_batch takes a batch of columns, but column {name!r} holds one "
                f"{type(column).__name__}; call Dataset.map(clean_batch, batched=True)"
            )
        lengths.add(len(column))
    if len(lengths) > 1:
        raise UsageError(f"clean_batch takes columns of one length, not {sorted(lengths)}")
    return lengths.pop() if lengths else 0

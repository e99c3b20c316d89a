"""The library's functions refuse an argument of the wrong kind with a UsageError that
names it, before any work, instead of failing deep inside with a TypeError."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cleaner import CleanConfig, StreamCleaner, clean_corpus
from cleaner.errors import UsageError
from cleaner.integrations.hf import clean_batch
from cleaner.report import write_report
from tests.conftest import SEEDS

RAW = SEEDS / "raw"

CALLS: list[tuple[str, Callable[[Path], object], str]] = [
    (
        "config as a dict",
        lambda out: clean_corpus(RAW, out, {"dedup": {}}),  # type: ignore[arg-type]
        "config must be a CleanConfig or None, not {'dedup': {}}",
    ),
    (
        "progress not callable",
        lambda out: clean_corpus(RAW, out, progress=5),  # type: ignore[arg-type]
        "progress must be a callable(done, total) or None, not 5",
    ),
    (
        "executor by name",
        lambda out: clean_corpus(RAW, out, executor="local"),  # type: ignore[arg-type]
        "executor must be an Executor",
    ),
    (
        "input as a number",
        lambda out: clean_corpus(5, out),  # type: ignore[arg-type]
        "input_path must be a path (a str or a Path), not 5",
    ),
    (
        "report of a number",
        lambda out: write_report(5),  # type: ignore[arg-type]
        "output must be a path (a str or a Path), not 5",
    ),
    (
        "report limits",
        lambda out: write_report(out, limits=5),  # type: ignore[arg-type]
        "limits must be a Limits or None, not 5",
    ),
    (
        "a string to clean",
        lambda out: StreamCleaner(CleanConfig()).clean("some text"),  # type: ignore[arg-type]
        "clean takes a Document, not str; for records (dicts of fields) use clean_records",
    ),
    (
        "a batch without a config",
        lambda out: clean_batch({"text": ["x"]}, config=None),  # type: ignore[arg-type]
        "config must be a CleanConfig, not None",
    ),
    (
        "one row, not a batch (a map without batched=True)",
        lambda out: clean_batch({"text": "A small page about a river.", "n": 1}),
        "clean_batch takes a batch of columns, but column 'text' holds one str; "
        "call Dataset.map(clean_batch, batched=True)",
    ),
    (
        "columns of unequal lengths",
        lambda out: clean_batch({"text": ["a", "b"], "n": [1]}),
        "clean_batch takes columns of one length, not [1, 2]",
    ),
    (
        "a batch with an empty text key",
        lambda out: clean_batch({"text": ["x"]}, text_key=""),
        "text_key must be a field name, not ''",
    ),
]


@pytest.mark.parametrize(("call", "says"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS])
def test_an_argument_of_the_wrong_kind_is_a_usage_error(
    tmp_path: Path, call: Callable[[Path], object], says: str
) -> None:
    with pytest.raises(UsageError) as caught:
        call(tmp_path / "out")
    assert says in str(caught.value)
    assert not (tmp_path / "out").exists()  # refused before any work

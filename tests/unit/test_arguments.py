"""The library's functions refuse an argument of the wrong kind with a UsageError that
names it, before any work, instead of failing deep inside with a TypeError."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cleaner import CleanConfig, StreamCleaner, check_files, clean_corpus, clean_records
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
    (
        "incremental as a word (the string 'no' is true)",
        lambda out: clean_corpus(RAW, out, incremental="no"),  # type: ignore[arg-type]
        "incremental must be True or False, not 'no'",
    ),
    (
        "records with a source that is no name",
        lambda out: list(clean_records([{"text": "Hello."}], source=5)),  # type: ignore[arg-type]
        "source must be a name (a string), not 5",
    ),
    (
        "check_files with a path that is no path",
        lambda out: check_files([5], out),  # type: ignore[list-item]
        "check_files takes paths, not int 5",
    ),
    (
        "check_files with a path that is None",
        lambda out: check_files(["a.txt", None], out),  # type: ignore[list-item]
        "check_files takes paths, not NoneType None",
    ),
    (
        "more workers than a pool can count (an OverflowError in the pool)",
        lambda out: _local(2**31 - 1),
        "workers must be between 1 and 1,024 processes, not 2147483647",
    ),
    (
        "a datatrove step with a config as a dict",
        lambda out: _step(config={"dedup": 1}),
        "config must be a CleanConfig, not {'dedup': 1}",
    ),
    (
        "a datatrove step with a window of 0",
        lambda out: _step(window=0),
        "window must be a whole number of at least 1 or None, not 0",
    ),
]


def _local(workers: int) -> object:
    from cleaner.executors import LocalExecutor

    return LocalExecutor(workers)


def _step(**kwargs: object) -> object:
    from cleaner.integrations.datatrove import CleanerStep

    return CleanerStep(**kwargs)  # type: ignore[arg-type]


def test_one_rule_name_as_a_string_is_that_name_not_its_letters() -> None:
    config = CleanConfig().with_rules(disable="caption")
    assert config.boilerplate.disable == ("caption",)
    assert config.with_rules(enable="caption").boilerplate.disable == ()


def test_a_document_whose_text_is_no_string_is_a_record_error() -> None:
    from cleaner.document import Document
    from cleaner.errors import RecordError
    from cleaner.pipeline import Pipeline

    with pytest.raises(RecordError, match="document 1: its text is NoneType, not a string"):
        list(Pipeline.from_config().run([Document("1", "s", None)]))  # type: ignore[arg-type]


@pytest.mark.parametrize(("call", "says"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS])
def test_an_argument_of_the_wrong_kind_is_a_usage_error(
    tmp_path: Path, call: Callable[[Path], object], says: str
) -> None:
    with pytest.raises(UsageError) as caught:
        call(tmp_path / "out")
    assert says in str(caught.value)
    assert not (tmp_path / "out").exists()  # refused before any work

"""Time-boxed fuzzing with hypothesis: runs in CI with no extra tooling.

``CLEANER_FUZZ_SECONDS`` (default 20) is the budget for all targets together, split
evenly; each target runs rounds of 100 hypothesis examples, each round with a fresh
seed, until its share is spent. A default run (20 s, 2-core machine) tried about
5,000 cases: ~600 decode, ~400 read_file, ~900 read_stream, ~1,100 parse_record and
~2,000 boilerplate; a 200 s run about 30,000. ``python -m tests.fuzz 600`` runs longer
and prints the counts (``CLEANER_FUZZ_REPORT`` names a file to append them to).
"""

from __future__ import annotations

import gzip
import json
import os
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import targets

BUDGET = float(os.environ.get("CLEANER_FUZZ_SECONDS", "20"))
TARGETS = 5
REPORT = os.environ.get("CLEANER_FUZZ_REPORT")  # a file to append "target cases" lines to
ROUND = settings(max_examples=100, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))  # fmt: skip

pytestmark = pytest.mark.fuzz

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
records = st.dictionaries(st.sampled_from(["text", "id", "title", "date", "source", "x"]),
                          json_values, max_size=5)  # fmt: skip
json_lines = records.map(lambda r: json.dumps(r, ensure_ascii=False))
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "cp1251",
                             "latin-1", "shift_jis"])  # fmt: skip


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="ignore")


def _splice(data: bytes, junk: bytes, at: int) -> bytes:
    at = at % (len(data) + 1)
    return data[:at] + junk + data[at:]


texts = st.builds(_encode, st.text(max_size=400), encodings)
jsonl_bytes = st.lists(st.one_of(json_lines, st.text(max_size=40)), max_size=6).map(
    lambda lines: "\n".join(lines).encode("utf-8", errors="surrogatepass")
)
raw_bytes = st.one_of(
    st.binary(max_size=600),
    texts,
    jsonl_bytes,
    jsonl_bytes.map(gzip.compress),
    st.builds(_splice, st.one_of(texts, jsonl_bytes), st.binary(min_size=1, max_size=8),
              st.integers(0, 10_000)),
    st.builds(lambda d, n: d[: n % (len(d) + 1)], jsonl_bytes.map(gzip.compress),
              st.integers(0, 500)),
)  # fmt: skip
lines = st.one_of(
    json_lines,
    st.text(max_size=200),
    st.builds(str.__add__, json_lines, st.text(max_size=5)),  # trailing junk after a record
)
prose = st.lists(
    st.one_of(st.text(max_size=80), st.sampled_from(
        ["Home | About | Contact", "Share this article", "Subscribe to our newsletter",
         "Photo: Reuters", "Tags: a, b, c", "See also: x", "Posted on 2024-06-20", "» Next",
         "Crowds wave flags in Hanoi Crowds wave flags in Hanoi"])), max_size=12,
).map("\n".join)  # fmt: skip


def _time_boxed(target: Callable[..., None], *strategies: Any) -> int:
    count = 0

    @ROUND
    @given(st.tuples(*strategies))
    def one(args: tuple[Any, ...]) -> None:
        nonlocal count
        count += 1
        target(*args)

    stop = time.monotonic() + BUDGET / TARGETS
    one()  # at least one round, however small the budget
    while time.monotonic() < stop:
        one()
    return count


@pytest.mark.parametrize(
    ("target", "strategies"),
    [
        (targets.fuzz_decode, (raw_bytes,)),
        (targets.fuzz_read_file, (raw_bytes, st.sampled_from(targets.NAMES))),
        (targets.fuzz_read_stream, (raw_bytes,)),
        (targets.fuzz_parse_record, (lines,)),
        (targets.fuzz_boilerplate, (prose,)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_fuzz(target: Callable[..., None], strategies: tuple[Any, ...]) -> None:
    cases = _time_boxed(target, *strategies)
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as f:
            f.write(f"{target.__name__} {cases}\n")
    assert cases >= ROUND.max_examples // 2

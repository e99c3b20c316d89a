"""Fuzz targets: each takes raw input, must not raise, and checks what must hold.

The same functions serve the hypothesis runs in ``test_fuzz.py`` (in CI, time-boxed)
and the coverage-guided atheris runs of ``python -m tests.fuzz --atheris`` (local).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
from pathlib import Path

from cleaner.document import Document
from cleaner.readers import InputFile, decode, parse_record, read_file, read_stream
from cleaner.readers.jsonl import RecordProblem
from cleaner.store.output import dumps

NAMES = ("a.txt", "a.md", "a.jsonl", "a.ndjson", "a.jsonl.gz", "a.jsonl.zst", "a.parquet",
         "a.txt.gz", "a", "a.bin", "a.html", "a.htm.gz", "a.warc", "a.warc.gz", "a.arc",
         "a.arc.gz")  # fmt: skip
_WORD = re.compile(r"\w+")


def check_entry(entry: InputFile, data: bytes | None = None) -> None:
    """What every reader result must satisfy, whatever the bytes were."""
    assert entry.outcome in ("read", "rejected")
    if entry.outcome == "rejected":
        assert entry.reason and not entry.documents
    else:
        assert entry.documents and entry.count == len(entry.documents)
    if data is not None:
        assert entry.size == len(data)
        assert entry.sha256 == hashlib.sha256(data).hexdigest()
    for message in [entry.message, *(r.message for r in entry.rejections)]:
        assert "\n" not in message and message.startswith(entry.path)
    ids = [d.id for d in entry.documents]
    assert len(set(ids)) == len(ids)
    for doc in entry.documents:
        assert isinstance(doc.text, str) and "\x00" not in doc.text
        dumps(doc.record()).encode("utf-8")  # the writer can always write it
    json.dumps(entry.to_dict(), allow_nan=False)


def fuzz_decode(data: bytes) -> None:
    text, encoding, problem = decode(data)
    assert (text is None) == (encoding is None) == (problem is not None)
    if text is not None:
        assert "\x00" not in text
        text.encode("utf-8")
    else:
        assert problem and "\n" not in problem


def fuzz_read_file(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        entry = read_file(path, name)
    check_entry(entry, data)


def fuzz_read_stream(data: bytes) -> None:
    check_entry(read_stream(io.BytesIO(data)), data)


def fuzz_parse_record(line: str) -> None:
    try:
        record = parse_record(line)
    except RecordProblem as problem:
        assert problem.rule and "\n" not in problem.message
        return
    assert isinstance(record["text"], str)


def fuzz_boilerplate(text: str) -> None:
    """strip_boilerplate on repaired text, then the whole pipeline: never invents words."""
    from cleaner.pipeline import Pipeline
    from cleaner.stages.boilerplate import strip_boilerplate
    from cleaner.stages.repair import repair_text

    repaired = repair_text(text)[0]
    allowed = set(_WORD.findall(repaired))
    out = strip_boilerplate(repaired)
    assert isinstance(out.text, str)
    assert set(_WORD.findall(out.text)) <= allowed
    assert out.title is None or set(_WORD.findall(out.title)) <= allowed
    [doc] = Pipeline.from_config().run([Document("f", "f.txt", text)])
    assert set(_WORD.findall(doc.text)) <= allowed

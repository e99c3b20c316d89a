"""Readers: every kind of file a raw folder holds ends cleaned, dropped or rejected.

One table (``CASES``) drives both the reader test and the end-to-end test through
``clean_corpus``: each row is one input file, what the manifest must say about it,
and which records the audit must list with their line numbers.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
import os
import random
import struct
import subprocess
import sys
import tarfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner.readers.files as files_mod
from cleaner.errors import InputError
from cleaner.readers import (
    InputFile,
    decode,
    doc_id,
    list_inputs,
    read_file,
    read_inputs,
    read_stream,
    stream_file,
    stream_input,
)
from cleaner.readers.encoding import SAMPLE, unprintable_share
from cleaner.readers.jsonl import RecordProblem, parse_record
from cleaner.run.corpus import clean_corpus
from tests import oracles

RNG = random.Random(7)
RANDOM = bytes(RNG.randrange(256) for _ in range(4096))
PROSE = "The council met on Tuesday to discuss the new library, and residents spoke at length."


def jsonl(*records: Any) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records
    )


def parquet(columns: dict[str, list[Any]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue()


def zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


GOOD = jsonl({"text": PROSE, "lang": "en"}, {"text": PROSE.replace("library", "bridge")})
BIG_GZ = gzip.compress(
    b"".join(jsonl({"text": f"{PROSE} {i} {RNG.random()}"}) for i in range(4000))
)

BIG_ZST = zstd(b"".join(jsonl({"text": f"{PROSE} {i} {RNG.random()}"}) for i in range(4000)))
TWO_FRAMES = zstd(jsonl({"text": PROSE})) + zstd(
    jsonl({"text": PROSE.replace("library", "bridge")})
)

# 16-bit samples of a quiet sound, little-endian, as a WAV file's data holds them
PCM = b"".join(struct.pack("<h", int(100 * math.sin(i / 10))) for i in range(20000))


def _tar(text: bytes) -> bytes:
    """A tar archive of one text file: its header's octal fields and padding are NULs
    and digits, which the control-byte test lets pass once the NULs are stripped."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info = tarfile.TarInfo("notes.txt")
        info.size = len(text)
        tar.addfile(info, io.BytesIO(text))
    return out.getvalue()


TAR = _tar(b"An article about rivers and the fish that live in them, in full sentences.\n")

# name, file name, content, manifest outcome, reason contains, documents, encoding,
# audit rejections [(rule, line)], repairs, first document text (or None to skip)
CASES: list[dict[str, Any]] = [
    dict(
        label="plain-txt",
        name="a.txt",
        data=PROSE.encode(),
        outcome="cleaned",
        docs=1,
        encoding="utf-8",
        text=PROSE,
    ),
    dict(
        label="markdown",
        name="a.md",
        data=b"# Title\n\n" + PROSE.encode(),
        outcome="cleaned",
        docs=1,
    ),
    dict(
        label="crlf",
        name="a.txt",
        data=b"First line.\r\nSecond line.\r\n",
        outcome="cleaned",
        docs=1,
        text="First line.\nSecond line.",
    ),
    dict(label="no-suffix-text", name="README", data=PROSE.encode(), outcome="cleaned", docs=1),
    dict(
        label="utf8-bom",
        name="a.txt",
        data=b"\xef\xbb\xbf" + PROSE.encode(),
        outcome="cleaned",
        encoding="utf-8-sig",
        docs=1,
        text=PROSE,
    ),
    dict(
        label="invalid-utf8-byte",
        name="a.txt",
        data="Crème brûlée, ".encode() + b"na\xefve and caf\xe9.",
        outcome="cleaned",
        docs=1,
        encoding="utf-8",
        repairs={"invalid-utf8": 2},
        text="Crème brûlée, naïve and café.",
    ),
    dict(
        label="windows-1252",
        name="a.txt",
        data="“Smart” quotes — and café crème in Windows-1252.".encode("cp1252"),
        outcome="cleaned",
        docs=1,
        encoding="cp1252",
        text="“Smart” quotes — and café crème in Windows-1252.",
    ),
    dict(
        label="windows-1251",
        name="a.txt",
        data="Привет, мир! Это обычный текст на русском языке, записанный в cp1251.".encode(
            "cp1251"
        ),
        outcome="cleaned",
        docs=1,
        encoding="cp1251",
    ),
    dict(
        label="utf16-bom",
        name="a.txt",
        data="Grüße aus Köln.\r\n".encode("utf-16"),
        outcome="cleaned",
        docs=1,
        encoding="utf-16",
        text="Grüße aus Köln.",
    ),
    dict(
        label="utf16-no-bom",
        name="a.txt",
        data="Plain words in UTF-16.".encode("utf-16-le"),
        outcome="cleaned",
        docs=1,
        encoding="utf-16-le",
        text="Plain words in UTF-16.",
    ),
    dict(
        label="nul-bytes-stripped",
        name="a.txt",
        data=b"Some\x00 text with\x00 NULs.\x00\x00",
        outcome="cleaned",
        docs=1,
        repairs={"nul-bytes": 4},
        text="Some text with NULs.",
    ),
    dict(
        label="only-nul-bytes",
        name="a.txt",
        data=b"\x00" * 64,
        outcome="rejected",
        repairs={"nul-bytes": 64},
        reason="no text",
    ),
    dict(label="empty", name="a.txt", data=b"", outcome="rejected", reason="empty file"),
    dict(
        label="whitespace-only",
        name="a.md",
        data=b" \n\t\r\n",
        outcome="rejected",
        reason="empty file",
    ),
    dict(label="random-binary", name="a.txt", data=RANDOM, outcome="rejected", reason="binary"),
    # a zero byte in every other place, as in UTF-16 text: the decoded characters tell
    dict(label="pcm-samples", name="a.txt", data=PCM, outcome="rejected", reason="binary"),
    dict(
        label="png",
        name="photo.png",
        data=b"\x89PNG\r\n\x1a\n" + RANDOM,
        outcome="rejected",
        reason="PNG image",
    ),
    dict(label="tar", name="backup.tar", data=TAR, outcome="rejected", reason="tar archive"),
    dict(
        label="tar-gz",
        name="backup.tgz",
        data=gzip.compress(TAR),
        outcome="rejected",
        reason="tar archive",
    ),
    dict(  # a few words, then zeros: a preallocated file, not a damaged text
        label="mostly-nul-bytes",
        name="a.txt",
        data=b"Some words." + bytes(200),
        outcome="rejected",
        reason="mostly zero bytes",
    ),
    dict(
        label="pdf",
        name="paper.txt",
        data=b"%PDF-1.4\n%...\n1 0 obj\n",
        outcome="rejected",
        reason="PDF document",
    ),
    dict(
        label="jsonl",
        name="a.jsonl",
        data=GOOD,
        outcome="cleaned",
        docs=2,
        encoding="utf-8",
        text=PROSE,
    ),
    dict(
        label="jsonl-crlf-bom",
        name="a.jsonl",
        data=b"\xef\xbb\xbf" + GOOD.replace(b"\n", b"\r\n"),
        outcome="cleaned",
        docs=2,
        text=PROSE,
    ),
    dict(  # two files with a BOM each, joined with `cat`
        label="jsonl-two-boms",
        name="a.jsonl",
        data=b"\xef\xbb\xbf" + GOOD + b"\xef\xbb\xbf" + GOOD,
        outcome="cleaned",
        docs=4,
        text=PROSE,
    ),
    dict(
        label="jsonl-malformed-line",
        name="a.jsonl",
        data=jsonl({"text": PROSE}, b"{not json", b"[1, 2]", {"text": "Another record."}),
        outcome="cleaned",
        docs=2,
        rejected=[("malformed-json", 2), ("malformed-json", 3)],
    ),
    dict(
        label="jsonl-missing-text",
        name="a.jsonl",
        data=jsonl({"body": "x"}, {"text": PROSE}),
        outcome="cleaned",
        docs=1,
        rejected=[("missing-text", 1)],
    ),
    dict(
        label="jsonl-text-not-string",
        name="a.jsonl",
        data=jsonl({"text": 5}, {"text": None}, {"text": ["a"]}, {"text": PROSE}),
        outcome="cleaned",
        docs=1,
        rejected=[("text-not-string", 1), ("text-not-string", 2), ("text-not-string", 3)],
    ),
    dict(
        label="jsonl-nan",
        name="a.jsonl",
        data=b'{"text": "x", "score": NaN}\n' + jsonl({"text": PROSE}),
        outcome="cleaned",
        docs=1,
        rejected=[("malformed-json", 1)],
    ),
    dict(  # a double holds no such number: it would be written back as Infinity
        label="jsonl-number-too-large",
        name="a.jsonl",
        data=b'{"text": "x", "score": 1e400}\n{"text": "y", "score": -2.5e999}\n' + GOOD,
        outcome="cleaned",
        docs=2,
        rejected=[("malformed-json", 1), ("malformed-json", 2)],
    ),
    dict(
        label="jsonl-deep-nesting",
        name="a.jsonl",
        data=b'{"text": "x", "m": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n" + GOOD,
        outcome="cleaned",
        docs=2,
        rejected=[("malformed-json", 1)],
    ),
    dict(
        label="jsonl-huge-int",
        name="a.jsonl",
        data=b'{"text": "x", "n": ' + b"9" * 5000 + b"}\n" + GOOD,
        outcome="cleaned",
        docs=2,
        rejected=[("malformed-json", 1)],
    ),
    dict(
        label="jsonl-nul-and-stray-byte",
        name="a.jsonl",
        data=b'{"text": "caf\xe9\x00 au lait"}\n',
        outcome="cleaned",
        docs=1,
        encoding="utf-8+cp1252",
        repairs={"nul-bytes": 1, "invalid-utf8": 1},
        text="café au lait",
    ),
    dict(  # a file saved in a legacy encoding: its lines were read as Windows-1252
        label="jsonl-cp1251",
        name="a.jsonl",
        data='{"text": "Привет мир, это тест."}\n{"text": "Ещё одна строка."}\n'.encode("cp1251"),
        outcome="cleaned",
        docs=2,
        encoding="utf-8+cp1251",
        repairs={"legacy-encoding": 2},
        text="Привет мир, это тест.",
    ),
    dict(
        label="jsonl-shift-jis",
        name="a.jsonl",
        data='{"text": "今日は晴れです。明日も晴れるでしょう。"}\n'.encode("shift_jis"),
        outcome="cleaned",
        docs=1,
        encoding="utf-8+cp932",
        repairs={"legacy-encoding": 1},
        text="今日は晴れです。明日も晴れるでしょう。",
    ),
    dict(
        label="jsonl-conflicting-fields",
        name="a.jsonl",
        data=jsonl({"text": PROSE, "source": "https://example.org", "date": 2024, "author": ["A"]}),
        outcome="cleaned",
        docs=1,
        repairs={"renamed-fields": 3},
    ),
    dict(
        label="jsonl-lone-surrogate-and-escaped-nul",
        name="a.jsonl",
        data=b'{"text": "broken \\ud800 pair\\u0000.", "k\\udfff": "v"}\n',
        outcome="cleaned",
        docs=1,
        repairs={"lone-surrogates": 2, "nul-bytes": 1},
        text="broken \ufffd pair.",
    ),
    dict(
        label="jsonl-utf16",
        name="a.jsonl",
        data=GOOD.decode().encode("utf-16"),
        outcome="cleaned",
        docs=2,
        encoding="utf-16",
    ),
    dict(  # a raw lone surrogate, which UTF-16 can carry: it cost the whole file
        label="jsonl-utf16-lone-surrogate",
        name="a.jsonl",
        data=b"\xff\xfe"
        + '{"text": "broken '.encode("utf-16-le")
        + b"\x00\xd8"
        + ' pair, a sentence long enough."}\n'.encode("utf-16-le")
        + GOOD.decode().encode("utf-16-le"),
        outcome="cleaned",
        docs=3,
        encoding="utf-16",
        repairs={"lone-surrogates": 1},
        text="broken \ufffd pair, a sentence long enough.",
    ),
    dict(
        label="jsonl-all-bad",
        name="a.jsonl",
        data=b"nope\n{}\n",
        outcome="rejected",
        reason="no usable records",
        rejected=[("malformed-json", 1), ("missing-text", 2)],
    ),
    dict(
        label="jsonl-blank-lines-only",
        name="a.jsonl",
        data=b"\n\n  \n",
        outcome="rejected",
        reason="empty file",
    ),
    dict(label="jsonl-gz", name="a.jsonl.gz", data=gzip.compress(GOOD), outcome="cleaned", docs=2),
    dict(label="jsonl-zst", name="a.jsonl.zst", data=zstd(GOOD), outcome="cleaned", docs=2),
    dict(
        label="txt-gz",
        name="a.txt.gz",
        data=gzip.compress(PROSE.encode()),
        outcome="cleaned",
        docs=1,
        text=PROSE,
    ),
    dict(
        label="gz-damaged-after-records",
        name="a.jsonl.gz",
        data=BIG_GZ[: len(BIG_GZ) // 2],
        outcome="cleaned",
        reason="damaged after",
        rejected=[("damaged-file", None)],
    ),
    dict(
        label="gz-damaged-header",
        name="a.jsonl.gz",
        data=b"\x1f\x8b\x08" + RANDOM[:100],
        outcome="rejected",
        reason="damaged",
    ),
    dict(
        label="zst-garbage",
        name="a.jsonl.zst",
        data=b"\x28\xb5\x2f\xfd" + RANDOM[:100],
        outcome="rejected",
        reason="damaged",
    ),
    dict(label="zst-two-frames", name="a.jsonl.zst", data=TWO_FRAMES, outcome="cleaned", docs=2),
    dict(
        label="zst-damaged-after-records",
        name="a.jsonl.zst",
        data=BIG_ZST[: len(BIG_ZST) // 2],
        outcome="cleaned",
        reason="zstd stream is damaged after",
        rejected=[("damaged-file", None)],
    ),
    dict(
        label="zst-cut-second-frame",
        name="a.jsonl.zst",
        data=TWO_FRAMES[:-6],
        outcome="cleaned",
        docs=1,
        reason="zstd stream is damaged after 1 documents (the file ends inside a zstd frame",
        rejected=[("damaged-file", None)],
    ),
    dict(
        label="zst-txt-cut",
        name="a.txt.zst",
        data=zstd(PROSE.encode())[:-6],
        outcome="rejected",
        reason="zstd stream is damaged (the file ends inside a zstd frame",
    ),
    dict(
        label="zst-jsonl-cut-small",
        name="a.jsonl.zst",
        data=zstd(GOOD)[:12],
        outcome="rejected",
        reason="zstd stream is damaged",
    ),
    dict(
        label="txt-too-many-lines",
        name="a.txt",
        data=b"one short line\n" * 100_001,
        outcome="rejected",
        reason="100,001 lines with text, more than 100,000 for one document; split it",
    ),
    dict(  # a scrape's runs of blank lines cost the stages nothing and do not count
        label="txt-many-blank-lines",
        name="a.txt",
        data=(PROSE + "\n" + "\n \t\n" * 60_000 + PROSE + "\n").encode(),
        outcome="cleaned",
        docs=1,
    ),
    dict(
        label="jsonl-many-blank-lines",
        name="a.jsonl",
        data=jsonl({"text": PROSE + "\n" * 100_001 + PROSE}),
        outcome="cleaned",
        docs=1,
    ),
    dict(
        label="jsonl-record-of-too-many-lines",
        name="a.jsonl",
        data=jsonl({"text": "one short line\n" * 100_001}, {"text": PROSE}),
        outcome="cleaned",
        docs=1,
        rejected=[("record-too-long", 1)],
    ),
    dict(
        label="jsonl-nested-too-deep",  # a pickle from a worker gives up past ~500 levels
        name="a.jsonl",
        data=b'{"text": "x", "deep": ' + b"[" * 500 + b"]" * 500 + b"}\n" + GOOD,
        outcome="cleaned",
        docs=2,
        rejected=[("malformed-json", 1)],
    ),
    dict(
        label="parquet",
        name="a.parquet",
        data=parquet({"text": [PROSE, None, "Third row."], "id": ["r1", "r2", "r3"]}),
        outcome="cleaned",
        docs=2,
        rejected=[("text-not-string", 2)],
        text=PROSE,
    ),
    dict(
        label="parquet-no-text-column",
        name="a.parquet",
        data=parquet({"body": ["x"]}),
        outcome="rejected",
        reason="no column 'text'",
    ),
    dict(
        label="parquet-garbage",
        name="a.parquet",
        data=b"PAR1" + RANDOM[:200],
        outcome="rejected",
        reason="not readable as Parquet",
    ),
]


def _write(tmp_path: Path, case: dict[str, Any]) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / case["name"]).write_bytes(case["data"])
    return raw


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["label"])
def test_reader_case(case: dict[str, Any], tmp_path: Path) -> None:
    raw = _write(tmp_path, case)
    entry = read_file(raw / case["name"], case["name"])
    data = case["data"]
    assert (entry.sha256, entry.size) == (hashlib.sha256(data).hexdigest(), len(data))
    want = "rejected" if case["outcome"] == "rejected" else "read"
    assert entry.outcome == want, entry.reason
    if "docs" in case:
        assert len(entry.documents) == entry.count == case["docs"]
    if "encoding" in case:
        assert entry.encoding == case["encoding"]
    assert entry.repairs == case.get("repairs", {})
    if case.get("text") is not None:
        from cleaner.stages.repair import repair_text

        assert repair_text(entry.documents[0].text)[0] == case["text"]
    assert [(r.rule, r.line) for r in entry.rejections] == case.get("rejected", [])
    for message in [entry.message, *(r.message for r in entry.rejections)]:
        assert "\n" not in message and message.startswith(case["name"])
    if entry.reason:
        assert case["reason"] in entry.reason
        assert "; " in entry.reason, "a reason says what to do after the semicolon"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["label"])
def test_case_end_to_end(case: dict[str, Any], tmp_path: Path) -> None:
    raw = _write(tmp_path, case)
    report = clean_corpus(raw, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    [entry] = manifest["inputs"]
    assert entry["outcome"] == case["outcome"]
    assert case.get("reason", "") in entry.get("reason", "")
    audit = [json.loads(x) for x in (tmp_path / "out" / "audit.jsonl").read_text().splitlines()]
    read_rows = [r for r in audit if r["stage"] == "read" and r["rule"] != "rejected-file"]
    assert [(r["rule"], r.get("line")) for r in read_rows] == case.get("rejected", [])
    if case["outcome"] == "rejected":
        [row] = [r for r in audit if r["rule"] == "rejected-file"]
        assert row["message"].startswith(case["name"] + ": ")
    assert report.records_rejected == len(case.get("rejected", []))
    corpus = (tmp_path / "out" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(corpus) == report.kept == entry["documents"] - report.duplicates


def test_jsonl_fields_round_trip(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    line = {
        "id": "rec-7",
        "body": PROSE,
        "url": "https://example.org/a",
        "n": 3,
        "tags": ["a", "b"],
        "title": "Headline",
    }
    raw = corpus({"a.jsonl": json.dumps(line) + "\n"})
    clean_corpus(raw, tmp_path / "out", _config(text_key="body"))
    [record] = [json.loads(x) for x in (tmp_path / "out" / "corpus.jsonl").read_text().splitlines()]
    assert record["id"] == "rec-7" and record["body"] == PROSE and "text" not in record
    assert {k: record[k] for k in ("url", "n", "tags", "title")} == {
        "url": "https://example.org/a",
        "n": 3,
        "tags": ["a", "b"],
        "title": "Headline",
    }


def test_parquet_meta_is_json(tmp_path: Path) -> None:
    import datetime as dt
    import decimal

    path = tmp_path / "a.parquet"
    path.write_bytes(
        parquet(
            {
                "text": [PROSE],
                "when": [dt.datetime(2024, 6, 20, 12, 0)],
                "price": [decimal.Decimal("1.50")],
                "blob": [b"\xff\x00"],
                "n": [1],
            }
        )
    )
    [doc] = read_file(path, "a.parquet").documents
    assert doc.meta == {"when": "2024-06-20T12:00:00", "price": "1.50", "blob": "/wA=", "n": 1}
    json.dumps(doc.record())


def _config(**fields: Any) -> Any:
    from cleaner.config import CleanConfig

    return CleanConfig(**fields)


def test_same_name_in_two_folders_gives_distinct_ids(corpus) -> None:  # type: ignore[no-untyped-def]
    shard = jsonl({"id": 0, "text": "first shard record"}, {"id": 1, "text": "second"})
    raw = corpus({"a/x.txt": PROSE, "b/x.txt": PROSE, "a/s.jsonl": shard, "b/s.jsonl": shard})
    docs = [d for f in read_inputs(raw) for d in f.documents]
    ids = [d.id for d in docs]
    assert len(set(ids)) == len(ids) == 6
    by_source = {(d.source, d.meta.get("record_id", d.id)) for d in docs}
    assert ("b/s.jsonl", 0) in by_source and ("a/s.jsonl", "0") in by_source
    assert doc_id("a/x.txt") in ids and doc_id("b/x.txt") in ids


def test_deep_folders_and_symlink_loops(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    deep = raw.joinpath(*[f"d{i}" for i in range(60)])
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text(PROSE)
    (raw / "d0" / "loop").symlink_to(raw, target_is_directory=True)
    (raw / "self").symlink_to("self")
    (raw / "x").symlink_to("y")
    (raw / "y").symlink_to("x")
    (raw / "dangling.txt").symlink_to("nowhere.txt")
    entries = {e.path: e for e in read_inputs(raw)}
    assert sum(1 for p in entries if p.endswith("deep.txt")) == 1
    assert all(e.outcome == "read" for p, e in entries.items() if p.endswith("deep.txt"))
    for name in ("self", "x", "y", "dangling.txt"):
        assert entries[name].outcome == "rejected"
        assert "unreadable" in (entries[name].reason or "")


def test_devices_and_pipes_are_rejected_at_once(tmp_path: Path) -> None:
    """A link to /dev/zero never ends and a FIFO blocks its reader until a writer comes:
    each is rejected, saying what it is, before it is opened (in a child process, so
    that a regression fails the test instead of hanging it)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ok.txt").write_text(PROSE)
    (raw / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(raw / "pipe.jsonl")
    code = (
        "import json, sys; from pathlib import Path; from cleaner.readers import read_inputs; "
        "print(json.dumps({e.path: [e.outcome, e.reason] for e in read_inputs(Path(sys.argv[1]))}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(raw)], capture_output=True, text=True, timeout=120
    )
    entries = json.loads(done.stdout)
    assert entries["ok.txt"] == ["read", None]
    for name in ("zero.txt", "pipe.jsonl"):
        assert entries[name] == ["rejected", files_mod.NOT_REGULAR]


def test_unreadable_file_is_rejected(monkeypatch: pytest.MonkeyPatch, corpus) -> None:  # type: ignore[no-untyped-def]
    # Tests run as root, where chmod 000 does not stop reads: simulate the refusal.
    raw = corpus({"locked.txt": PROSE, "open.txt": PROSE})
    real_open = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    entries = {e.path: e for e in read_inputs(raw)}
    assert entries["open.txt"].outcome == "read"
    assert entries["locked.txt"].outcome == "rejected"
    assert entries["locked.txt"].reason == (
        "unreadable (Permission denied); check that it exists and its permissions"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_chmod_000_file_is_rejected(corpus) -> None:  # type: ignore[no-untyped-def]
    raw = corpus({"locked.txt": PROSE})
    (raw / "locked.txt").chmod(0)
    [entry] = read_inputs(raw)
    assert entry.outcome == "rejected" and "Permission denied" in (entry.reason or "")


def test_unreadable_folder_is_listed(monkeypatch: pytest.MonkeyPatch, corpus) -> None:  # type: ignore[no-untyped-def]
    raw = corpus({"ok.txt": PROSE, "sub/inner.txt": PROSE})
    real_scandir = os.scandir

    def refuse(path: Any) -> Any:
        if str(path).endswith("sub"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    entries = {e.path: e for e in read_inputs(raw)}
    assert entries["ok.txt"].outcome == "read"
    assert entries["sub/"].outcome == "rejected"
    assert entries["sub/"].reason == "a folder that cannot be read; check its permissions"
    # a run reads each listed path with read_file: the folder is named as one there too
    clean_corpus(raw, raw.parent / "out")
    assert rejected_inputs(raw.parent / "out") == {"sub/": entries["sub/"].reason}


def test_a_link_to_the_output_folder_made_by_the_run_is_named_so(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "a.txt").write_text(PROSE, encoding="utf-8")
    (raw / "out").symlink_to(out, target_is_directory=True)  # leads nowhere until the run
    clean_corpus(raw, out)
    assert rejected_inputs(out) == {
        "out": "a link to a folder that did not exist when the input was listed (the output "
        "folder?); remove the link or move it out of the input folder"
    }


def rejected_inputs(out: Path) -> dict[str, str]:
    inputs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["inputs"]
    return {f["path"]: f["reason"] for f in inputs if f["outcome"] == "rejected"}


def test_missing_input_path_raises_one_line_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope: no such file or folder\. Pass"):
        list_inputs(tmp_path / "nope")


def test_record_too_long_is_rejected_and_the_rest_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import cleaner.readers.jsonl as jsonl_mod

    monkeypatch.setattr(jsonl_mod, "MAX_RECORD_BYTES", 100)
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl({"text": "x" * 500}, {"text": "short"}))
    entry = read_file(path, "a.jsonl")
    assert [d.text for d in entry.documents] == ["short"]
    assert [(r.rule, r.line) for r in entry.rejections] == [("record-too-long", 1)]


def test_read_stream_stdin_jsonl_and_gzip() -> None:
    for data in (GOOD, gzip.compress(GOOD), zstd(GOOD)):
        entry = read_stream(io.BytesIO(data))
        assert entry.path == "stdin" and entry.outcome == "read" and len(entry.documents) == 2
        assert entry.sha256 == hashlib.sha256(data).hexdigest() and entry.size == len(data)
        assert entry.documents[0].meta == {"lang": "en"}


class Trickle(io.RawIOBase):
    """A pipe whose writer is slow: each read hands over one byte."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        byte = self.data.read(1)
        buffer[: len(byte)] = byte
        return len(byte)

    def read1(self, size: int = -1) -> bytes:
        return self.data.read(1)


def test_a_line_cut_short_is_named_where_its_string_starts() -> None:
    entry = read_stream(io.BytesIO(GOOD + b'{"text": "cut sho\n{"text": 5\n'))
    assert [r.message for r in entry.rejections] == [
        "stdin:3: not JSON (Unterminated string starting at column 10); is this a .jsonl file?",
        "stdin:4: not JSON (Expecting ',' delimiter at column 11); is this a .jsonl file?",
    ]


def test_a_compressed_stream_is_recognised_however_its_bytes_arrive() -> None:
    for data in (gzip.compress(GOOD), zstd(GOOD), GOOD):
        entry = read_stream(Trickle(data))  # type: ignore[arg-type]
        assert entry.outcome == "read" and len(entry.documents) == 2, entry.rejections
        assert entry.sha256 == hashlib.sha256(data).hexdigest() and entry.size == len(data)


@pytest.mark.parametrize("junk", [b"junk after the member", b"\x01", b"PK\x03\x04" + bytes(50)])
@pytest.mark.parametrize(
    ("name", "body", "docs"), [("a.txt.gz", PROSE.encode(), 1), ("a.jsonl.gz", GOOD, 2)]
)
def test_bytes_after_the_last_gzip_member_are_passed_over_as_gzip_does(
    tmp_path: Path, junk: bytes, name: str, body: bytes, docs: int
) -> None:
    """A tool's bytes after the last whole member: the text file was rejected whole and
    the JSONL file listed as damaged, though every member was read whole. ``gzip -d``
    passes them over with a warning; they are counted in the entry's repairs."""
    path = tmp_path / name
    data = gzip.compress(body) + junk
    path.write_bytes(data)
    entry = read_file(path, name)
    assert entry.outcome == "read" and entry.rejections == [] and len(entry.documents) == docs
    assert entry.repairs == {"trailing-bytes": 1}
    assert entry.sha256 == hashlib.sha256(data).hexdigest() and entry.size == len(data)


def test_a_damaged_gzip_member_is_still_damage(tmp_path: Path) -> None:
    path = tmp_path / "a.txt.gz"
    data = bytearray(gzip.compress(PROSE.encode()))
    data[-8] ^= 0xFF  # the CRC: the member's text is not what was written
    path.write_bytes(bytes(data) + b"junk")
    entry = read_file(path, path.name)
    assert entry.outcome == "rejected" and "gzip stream is damaged" in entry.message
    assert entry.repairs == {}


def test_stream_file_is_lazy_and_accounts_exactly(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(GOOD * 100))
    entry, docs = stream_file(path, "a.jsonl.gz")
    assert entry.sha256 == "" and entry.count == 0
    assert sum(1 for _ in docs) == 200
    assert entry.count == 200 and entry.documents == []
    assert entry.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry.to_dict()["documents"] == 200


def test_missing_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import builtins

    path = tmp_path / "a.jsonl.zst"
    path.write_bytes(zstd(GOOD))
    real_import = builtins.__import__

    def no_zstd(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "zstandard":
            raise ModuleNotFoundError("No module named 'zstandard'", name="zstandard")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_zstd)
    entry = read_file(path, "a.jsonl.zst")
    assert entry.outcome == "rejected" and "install cleaner[zstd]" in (entry.reason or "")
    assert entry.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_near_duplicate_file_is_dropped_with_reason(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(f"word{i}" for i in range(60))
    raw = corpus({"a.txt": text, "b.txt": text})
    clean_corpus(raw, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    outcomes = {e["path"]: (e["outcome"], e.get("reason")) for e in manifest["inputs"]}
    assert outcomes["a.txt"] == ("cleaned", None)
    assert outcomes["b.txt"] == (
        "dropped",
        "all 1 documents dropped: near-duplicate; see audit.jsonl",
    )


def test_decode_keeps_its_contract() -> None:
    assert decode(b"plain") == ("plain", "utf-8", None)
    text, encoding, problem = decode(RANDOM)
    assert text is None and encoding is None and problem and "binary" in problem


def test_input_file_to_dict_is_json() -> None:
    entry = InputFile("a.txt", "0" * 64, 3, encoding="cp1252", repairs={"nul-bytes": 1})
    assert json.loads(json.dumps(entry.to_dict()))["repairs"] == {"nul-bytes": 1}


def _write_one_line(path: Path, size: int) -> None:
    chunk = (b"lorem ipsum dolor sit amet " * 40000)[: 1 << 20]
    with path.open("wb") as f:
        for _ in range(size >> 20):
            f.write(chunk)


def test_200_mb_on_one_line_is_bounded_in_memory_and_time(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    _write_one_line(big, 200 << 20)
    (tmp_path / "big.jsonl").symlink_to(big)
    digest = hashlib.sha256()
    with big.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    for name, rule in (("big.txt", None), ("big.jsonl", "record-too-long")):
        tracemalloc.start()
        t0 = time.perf_counter()
        entry = read_file(tmp_path / name, name)
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert entry.outcome == "rejected"
        assert entry.sha256 == digest.hexdigest() and entry.size == 200 << 20
        assert [r.rule for r in entry.rejections] == ([rule] if rule else [])
        assert peak < 3 * files_mod.MAX_DOCUMENT_BYTES + (8 << 20), f"{name}: {peak >> 20} MiB"
        assert seconds < 30, f"{name}: {seconds:.1f}s"


def test_jsonl_author_fills_the_record_and_a_byline_overrides_it(tmp_path: Path) -> None:
    other = "The river bridge closes for repairs in May, the city said on Monday evening."
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.jsonl").write_bytes(
        jsonl(
            {"id": "kept", "text": PROSE, "author": "Ann Smith"},
            {"id": "found", "text": f"By Jane Doe | Reuters\n\n{other}", "author": "X"},
        )
    )
    [doc, _] = read_file(raw / "a.jsonl", "a.jsonl").documents
    assert doc.author == "Ann Smith" and "author" not in doc.meta
    clean_corpus(raw, tmp_path / "out")
    lines = (tmp_path / "out" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    records = {r["id"]: r for r in map(json.loads, lines)}
    assert records["kept"]["author"] == "Ann Smith"
    assert records["found"]["author"] == "Jane Doe"
    assert "By Jane Doe" not in records["found"]["text"]


def test_an_own_id_comes_back_with_its_type(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    ids = [0, 7, "7", 1.5, True, [1, 2], "s"]
    path.write_bytes(jsonl(*({"id": i, "text": f"{PROSE} {n}"} for n, i in enumerate(ids, 1))))
    entry = read_file(path, "a.jsonl")
    records = [d.record() for d in entry.documents]
    # "7" is taken by the number 7 (ids are compared as text): it gets a derived id
    assert [r["id"] for r in records] == [0, 7, doc_id("a.jsonl", 3), 1.5, True, [1, 2], "s"]
    assert records[2]["record_id"] == "7" and entry.repairs == {"renamed-ids": 1}
    assert [d.id for d in entry.documents][:2] == ["0", "7"]
    assert [type(r["id"]) for r in records[:2]] == [int, int]
    again = read_file(path, "b.jsonl", seen={"0"})  # 0 already given by another input
    first = again.documents[0].record()
    assert first["id"] == doc_id("b.jsonl", 1) and first["record_id"] == 0


def test_the_text_goes_back_under_its_own_key(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.jsonl").write_bytes(
        jsonl({"id": 1, "body": "a &amp; b. " + PROSE, "text": "another field, left alone"})
    )
    config = _config(text_key="body")
    clean_corpus(raw, tmp_path / "out", config)
    [folder] = map(json.loads, (tmp_path / "out" / "corpus.jsonl").read_text().splitlines())
    assert folder["body"] == "a & b. " + PROSE and folder["text"] == "another field, left alone"
    from cleaner import clean_records

    [record] = clean_records([{"id": 1, "body": "a &amp; b. " + PROSE, "text": "x"}], config)
    assert record["body"] == folder["body"] and record["text"] == "x"


def test_a_stream_hands_bad_lines_on_and_lists_only_the_first() -> None:
    entry, docs = stream_input(io.BytesIO(b"oops\n" * 1000 + GOOD))
    listed: list[int] = []
    entry.on_rejection = lambda r: listed.append(len(entry.rejections))
    assert len(list(docs)) == 2
    assert len(listed) == 1000 and max(listed) == 1  # memory does not grow with bad lines
    assert entry.rejected_records == 1000 and entry.to_dict()["rejected_records"] == 1000
    assert [r.line for r in entry.rejections] == [1]


# characters of every kind the binary test counts or lets pass, and plain ones
_SHARE_ALPHABET = st.one_of(
    st.sampled_from("\t\n\r\f\x1b\x00\x07\x7f\x85\x9f \u00e9\u2019\ud800\udfff\ue000\uf8ff"),
    st.sampled_from("\u0378\U000e0080\U0010fffd\U000f0000\ufffe\u200b\ufeff\U0001f600"),
    st.characters(codec=None, exclude_categories=()),
    st.characters(max_codepoint=0x7F),
)


# the repeated case is up to 3 x 64k characters for the oracle's loop: 150 examples
@settings(max_examples=150, deadline=None)
@given(st.text(_SHARE_ALPHABET), st.integers(0, 3))
def test_unprintable_share_is_the_per_character_definition(text: str, repeat: int) -> None:
    # repeated, a text can cross the sample limit, where counting stops
    for case in (text, text * (repeat * SAMPLE // max(1, len(text)) + 1)):
        assert unprintable_share(case) == oracles.unprintable_share(case, SAMPLE)


def test_unprintable_share_of_plain_and_binary_text() -> None:
    assert unprintable_share("") == 0.0
    assert unprintable_share("plain\tascii\r\n\f\x1b") == 0.0
    assert unprintable_share("ab\x00\x01") == 0.5
    assert unprintable_share("\u00e9\ue000\ud800\u0378") == 0.75
    assert unprintable_share("x" * SAMPLE + "\x00" * 10) == 0.0


def test_an_interrupt_while_reading_stops_without_reading_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rest of a file is read for its hash when a read ends early, but not when
    the run is interrupted: a stop then waited for the whole file to be read."""
    body = b"".join(b'{"text": "record %d of a long file"}\n' % i for i in range(200_000))
    stream = io.BytesIO(body)

    def interrupt(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(files_mod, "iter_jsonl", interrupt)
    entry = files_mod.InputFile("big.jsonl", "", 0)
    with pytest.raises(KeyboardInterrupt):
        list(files_mod._read_stream(entry, stream, "jsonl", "text", None))
    assert stream.tell() < len(body) // 2


def test_a_zstd_stream_that_expands_hugely_is_read_in_bounded_memory() -> None:
    """zstd writes a block of one repeated byte in 4 bytes: 128 KiB out of each, so a
    small file may hold far more text than memory; it is decompressed a little at a time."""
    from cleaner.readers.streams import CHUNK, decompressed

    bomb = zstd(b"\0" * (256 << 20))
    assert len(bomb) < 64 << 10
    tracemalloc.start()
    try:
        stream, total = decompressed(io.BufferedReader(io.BytesIO(bomb)), "zstd"), 0
        while data := stream.read(CHUNK):
            total += len(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == 256 << 20
    assert peak < 48 << 20, f"{peak >> 20} MiB held at once"


def test_a_parquet_value_python_cannot_hold_costs_its_own_row_only(tmp_path: Path) -> None:
    """A string that is not UTF-8, or a date past year 9999, made Arrow's conversion
    fail for its whole batch: the rest of the file was lost in silence, or the run ended
    in an internal error. Such a row is rejected with its number; the others are read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = [
        f"Row {i}: an ordinary sentence about the gardens of the old town." for i in range(3000)
    ]
    raw = [t.encode() for t in texts]
    raw[1500] = b"a byte \xff that is not UTF-8 in a sentence about the gardens."
    stamps = [0] * 3000
    stamps[2500] = 253402300800  # the year 10000
    table = pa.table(
        {
            "text": pa.array(raw, pa.binary()).view(pa.string()),
            "when": pa.array(stamps, pa.timestamp("s")),
        }
    )
    path = tmp_path / "rows.parquet"
    pq.write_table(table, path)
    entry = read_file(path, "rows.parquet")
    assert entry.outcome == "read" and entry.reason is None
    assert [(r.rule, r.line) for r in entry.rejections] == [
        ("unreadable-value", 1501),
        ("unreadable-value", 2501),
    ]
    assert entry.count == len(entry.documents) == 2998
    assert "'utf-8' codec can't decode" in entry.rejections[0].message
    zoned = pa.table({"text": texts[:2], "when": pa.array([0, 1], pa.timestamp("s", "Mars/Base"))})
    pq.write_table(zoned, path)  # a time zone no database knows: a KeyError, not a ValueError
    entry = read_file(path, "rows.parquet")
    assert [(r.rule, r.line) for r in entry.rejections] == [
        ("unreadable-value", 1),
        ("unreadable-value", 2),
    ]
    # what the time-zone library says: "'Mars/Base'" with pytz, that one is needed without
    assert "a value Python cannot read" in entry.rejections[0].message
    assert "\n" not in entry.rejections[0].message
    long_text = pa.table({"text": ["ok text here", "line\n" * 100_001]})
    pq.write_table(long_text, path)
    entry = read_file(path, "rows.parquet")
    assert [(r.rule, r.line) for r in entry.rejections] == [("record-too-long", 2)]


def test_a_parquet_file_damaged_after_its_first_rows_says_so_in_the_audit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows read before the damage stay; the rest is one damaged-file row, counted,
    where the file's entry said so in its reason alone and the audit held nothing."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cleaner.readers import parquet

    monkeypatch.setattr(parquet, "BATCH_ROWS", 64)  # a small file holds several batches
    texts = [
        f"Row {i}: an ordinary sentence about the gardens of the old town." for i in range(600)
    ]
    path = tmp_path / "cut.parquet"
    pq.write_table(pa.table({"text": texts}), path, row_group_size=32, compression="none")
    data = path.read_bytes()
    at = pq.ParquetFile(path).metadata.row_group(10).column(0).data_page_offset
    path.write_bytes(data[:at] + bytes(200) + data[at + 200 :])  # its page header gone
    raw = tmp_path / "raw"
    raw.mkdir()
    path.rename(raw / "cut.parquet")
    entry = read_file(raw / "cut.parquet", "cut.parquet")
    assert entry.count == 320  # the row groups before it, 32 rows each
    assert [(r.rule, r.line) for r in entry.rejections] == [("damaged-file", None)]
    assert entry.rejections[0].message.startswith(f"cut.parquet: damaged after {entry.count} rows")
    report = clean_corpus(raw, tmp_path / "out")
    assert report.records_rejected == 1


@pytest.mark.parametrize("kind", ["blank lines", "one record again and again"])
def test_a_decompression_bomb_is_read_no_further(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A small .jsonl.gz that expands to gigabytes (blank lines: an hour of CPU; one
    large record repeated: its audit and state filled the disk): the documents before
    the limit stay, the rest is one row that says why. Here the limit is 1 MiB."""
    from cleaner.readers import streams

    monkeypatch.setattr(streams, "BOMB_BYTES", 1 << 20)
    first = json.dumps({"text": "A real first record about the rivers of the north."}) + "\n"
    body = (
        "\n" * (8 << 20)
        if kind == "blank lines"
        else (json.dumps({"text": "x " * 50_000}) + "\n") * 80
    )
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress((first + body).encode(), 9))
    entry = read_file(path, "bomb.jsonl.gz")
    message = entry.rejections[-1].message if entry.count else entry.message
    assert "read no further" in message and "a decompression bomb, not a corpus" in message
    assert entry.documents[0].text.startswith("A real first record")
    assert entry.count < 80


def test_text_that_compresses_well_is_no_bomb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records much alike (a number apart) compress some 15 times: far from the limit."""
    from cleaner.readers import streams

    monkeypatch.setattr(streams, "BOMB_BYTES", 1 << 20)
    lines = [
        json.dumps({"text": f"Record {i} about the gardens of the old town."})
        for i in range(50_000)
    ]
    path = tmp_path / "fine.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), 9))
    entry = read_file(path, "fine.jsonl.gz")
    assert entry.count == 50_000 and not entry.rejections


def test_an_integer_too_long_for_python_is_named_in_the_users_words() -> None:
    with pytest.raises(RecordProblem) as caught:
        parse_record('{"text": "x", "n": ' + "9" * 5000 + "}")
    assert caught.value.message == (
        "an integer of 5,000 digits, more than a number can hold here; write it as a string"
    )


def test_parquet_keeps_both_of_two_columns_of_one_name_and_counts_nan_made_null(
    tmp_path: Path,
) -> None:
    """A row as a dict kept only the last of two columns of one name, and a NaN or an
    infinity (which JSON cannot hold) became null: both silently."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = [pa.array([PROSE]), pa.array([1]), pa.array(["a"]), pa.array([[float("nan")]])]
    table = pa.Table.from_arrays(columns, names=["text", "x", "x", "f"])
    path = tmp_path / "dup.parquet"
    pq.write_table(table, path)
    entry = read_file(path, "dup.parquet")
    [doc] = entry.documents
    assert (doc.meta["x"], doc.meta["x_2"], doc.meta["f"]) == (1, "a", [None])
    assert entry.repairs == {"non-finite-to-null": 1, "renamed-fields": 1}


def test_jsonl_keeps_both_values_of_a_key_an_object_holds_twice(tmp_path: Path) -> None:
    """A dict kept only the last value of a key written twice, and dropped the first
    unseen (the text itself, when "text" was the key); also inside a nested object."""
    path = tmp_path / "dup.jsonl"
    path.write_text(
        json.dumps({"text": PROSE})[:-1]
        + ', "text": "a second text", "m": {"k": 1, "k": 2, "k_2": 3}, "x": 1}\n'
        + json.dumps({"text": PROSE, "x": 2})
        + "\n",
        encoding="utf-8",
    )
    entry = read_file(path, "dup.jsonl")
    first, second = entry.documents
    assert first.text == PROSE and first.meta["text_2"] == "a second text"
    assert first.meta["m"] == {"k": 1, "k_3": 2, "k_2": 3}
    assert second.meta == {"x": 2}
    assert entry.repairs == {"renamed-fields": 2}

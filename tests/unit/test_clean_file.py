"""A worker's task hands the driver rows, not documents."""

from __future__ import annotations

import gc
import json
import pickle
import random
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cleaner.config import CleanConfig, DedupConfig
from cleaner.dedup.lsh import Banding
from cleaner.dedup.shingles import ShingleSets, shingle_hashes
from cleaner.document import Document
from cleaner.run import tasks as tasks_module
from cleaner.run.tasks import CleanBatch, CleanTask, clean_file, clean_files
from cleaner.stages.dedup import DedupBlocks
from cleaner.store.prepare import PreparedDocs, PreparedFile
from tests.scale_corpus import WORDS, write_corpus


def test_clean_file_returns_rows_that_pickle_without_documents(tmp_path: Path) -> None:
    raw = write_corpus(tmp_path / "raw", docs=30, seed=1)
    path = next(p for p in sorted(raw.rglob("*.jsonl")))
    prepared = clean_file(CleanTask(str(path), path.name, CleanConfig()))
    assert isinstance(prepared, PreparedFile)
    blob = pickle.dumps(prepared)
    assert b"cleaner.document" not in blob  # no Document or Change crosses the boundary
    assert pickle.loads(blob).docs == prepared.docs
    assert len(prepared.docs) == len(prepared.live) > 0


def test_prepared_shingles_and_keys_match_the_per_document_ones(tmp_path: Path) -> None:
    raw = write_corpus(tmp_path / "raw", docs=30, seed=2)
    path = next(p for p in sorted(raw.rglob("*.jsonl")))
    prepared = clean_file(CleanTask(str(path), path.name, CleanConfig()))
    banding = Banding(0.8, containment=True)  # the default config's bands
    for k, ordinal in enumerate(prepared.indexed.tolist()):
        row = prepared.docs[ordinal]
        sets = shingle_hashes(json.loads(row.record)["text"])
        assert row.shingles == sets.tobytes() and row.size == len(sets)
        assert np.array_equal(prepared.keys[k], banding.keys(ShingleSets.of([sets]))[0])
        assert row.keys == prepared.keys[k].tobytes()


def test_no_document_dedup_hashes_nothing(tmp_path: Path) -> None:
    raw = write_corpus(tmp_path / "raw", docs=10, seed=3)
    path = next(p for p in sorted(raw.rglob("*.jsonl")))
    config = CleanConfig(dedup=DedupConfig(documents=False))
    prepared = clean_file(CleanTask(str(path), path.name, config))
    assert len(prepared.indexed) == 0 and all(row.shingles == b"" for row in prepared.docs)


def _para(rng: random.Random, n: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def test_a_batch_gives_each_file_what_it_gets_alone(tmp_path: Path) -> None:
    """A batch's files go through the stages, shingling and banding together; each file
    still gets its own result. A paragraph printed 150 times in one file and once in
    the file before it: every later copy goes, as alone (a run of band keys capped
    across the two files kept two). A line in two documents of each of two JSONL files
    of one folder: counted per file (two documents, under ``min_repeats``), it stays,
    as alone (counted over the batch it would be in four)."""
    rng = random.Random(7)
    raw = tmp_path / "raw"
    raw.mkdir()
    shared = _para(rng)
    (raw / "a.txt").write_text(f"{_para(rng)}\n\n{shared}\n", encoding="utf-8")
    copies = "\n\n".join([_para(rng), *[shared] * 150])
    (raw / "b.txt").write_text(copies + "\n", encoding="utf-8")
    footer = "Opening hours of the town museum change in winter"
    for name in ("c.jsonl", "d.jsonl"):
        texts = [f"{_para(rng)} {_para(rng)}\n\n{_para(rng)} {_para(rng)}" for _ in range(3)]
        texts[:2] = [f"{t}\n\n{footer}" for t in texts[:2]]
        lines = [json.dumps({"id": f"{name}-{k}", "text": t}) for k, t in enumerate(texts)]
        (raw / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    tasks = tuple(CleanTask(str(p), p.name, CleanConfig()) for p in sorted(raw.iterdir()))
    together = clean_files(CleanBatch(tasks))
    alone = [clean_file(task) for task in tasks]
    for got, want in zip(together, alone, strict=True):
        assert got.docs == want.docs and got.live == want.live
        assert np.array_equal(got.indexed, want.indexed) and np.array_equal(got.keys, want.keys)
    b = json.loads(together[1].docs[0].record)["text"]
    assert b.count(shared) == 1
    assert all(footer in json.loads(row.record)["text"] for row in together[2].docs[:2])


def test_with_cross_document_blocks_each_file_of_a_batch_is_compared_alone(
    tmp_path: Path,
) -> None:
    """``cross_doc_blocks`` removes a paragraph that repeats one of an earlier document of
    the same file; two files of one batch that share a paragraph each keep it, as when
    they are cleaned one by one."""
    rng = random.Random(8)
    shared = _para(rng, 30)
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(f"{_para(rng, 30)}\n\n{shared}\n", encoding="utf-8")
    config = CleanConfig(dedup=DedupConfig(cross_doc_blocks=True))
    tasks = tuple(CleanTask(str(p), p.name, config) for p in sorted(tmp_path.glob("*.txt")))
    together = clean_files(CleanBatch(tasks))
    assert [got.docs for got in together] == [clean_file(task).docs for task in tasks]
    assert all(shared in json.loads(got.docs[0].record)["text"] for got in together)


def _same(got: PreparedFile, want: PreparedFile) -> None:
    assert got.file._replace(seen_ns=0) == want.file._replace(seen_ns=0)
    assert got.docs == want.docs and got.live == want.live
    assert np.array_equal(got.indexed, want.indexed) and np.array_equal(got.keys, want.keys)
    assert np.array_equal(got.sizes, want.sizes)


def test_rows_made_in_parts_are_the_rows_made_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documents are turned into rows a few at a time; parts that end inside a file,
    at its end or past an empty file join to what one part makes, ordinals and
    indexed places included (also for the documents of a file cleaned again)."""
    raw = write_corpus(tmp_path / "raw", docs=40, seed=4)
    files = sorted(raw.rglob("*.jsonl"))[:2]
    (raw / "empty.txt").write_text("", encoding="utf-8")
    paths = [files[0], raw / "empty.txt", files[1]]
    config = CleanConfig()
    tasks = tuple(CleanTask(str(p), p.name, config) for p in paths)
    again = (CleanTask(str(files[1]), files[1].name, config, ordinals=(7, 2, 3, 11)),)
    whole = clean_files(CleanBatch(tasks)) + clean_files(CleanBatch(again))
    monkeypatch.setattr(tasks_module, "PART_DOCS", 3)
    parted = clean_files(CleanBatch(tasks)) + clean_files(CleanBatch(again))
    assert sum(len(p.docs) for p in whole) > 3 * 3 and len(whole[1].docs) == 0
    assert [row.ordinal for row in parted[-1].docs] == [2, 3, 7, 11]
    for got, want in zip(parted, whole, strict=True):
        _same(got, want)


def test_a_large_file_is_never_held_whole_as_cleaned_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a part is turned into rows, the documents alive are those not read yet
    (the reader gave the file whole), those of the part and the batch dedup-blocks
    holds: not every cleaned document of the file."""
    raw = write_corpus(tmp_path / "raw", docs=60, seed=5)
    path = max(raw.rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    monkeypatch.setattr(tasks_module, "PART_DOCS", 4)
    monkeypatch.setattr(DedupBlocks, "batch_size", 4)
    alive: list[tuple[int, int]] = []  # per part: documents alive, documents made rows before
    prepare = tasks_module.prepare_docs
    done = 0

    def counting(path: str, docs: list[Document], *args: Any, **kwargs: Any) -> PreparedDocs:
        nonlocal done
        gc.collect()
        alive.append((sum(isinstance(o, Document) for o in gc.get_objects()), done))
        done += len(docs)
        return prepare(path, docs, *args, **kwargs)

    monkeypatch.setattr(tasks_module, "prepare_docs", counting)
    task = CleanTask(str(path), path.name, CleanConfig(), repeated=np.zeros(0, np.uint64))
    total = len(clean_file(task).docs)
    assert total >= 20 and len(alive) >= 5
    # at most every document not made rows yet is still unread
    assert all(n - (total - before) <= 4 + 4 + 2 for n, before in alive), (total, alive)


def test_a_large_file_is_cleaned_as_read_and_its_rows_spilled_in_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a spill folder, a file past STREAM_BYTES comes back as parts on disk whose
    rows are the rows of the file cleaned whole; each part file is read once and
    removed. While a part is made, only the documents of that part (and the batch
    dedup-blocks holds) are alive: the file is never read whole."""
    raw = write_corpus(tmp_path / "raw", docs=60, seed=6)
    path = max(raw.rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    repeated = np.zeros(0, np.uint64)
    task = CleanTask(str(path), path.name, CleanConfig(), repeated=repeated)
    whole = clean_file(task)
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setattr(tasks_module, "STREAM_BYTES", 1)
    monkeypatch.setattr(tasks_module, "PART_DOCS", 4)
    monkeypatch.setattr(DedupBlocks, "batch_size", 4)
    alive: list[int] = []
    prepare = tasks_module.prepare_docs

    def counting(*args: Any, **kwargs: Any) -> PreparedDocs:
        gc.collect()
        alive.append(sum(isinstance(o, Document) for o in gc.get_objects()))
        return prepare(*args, **kwargs)

    monkeypatch.setattr(tasks_module, "prepare_docs", counting)
    [spilled] = clean_files(CleanBatch((task,), spill=tasks_module.FolderParts(str(spill))))
    assert isinstance(spilled, tasks_module.SpilledFile)
    assert len(spilled.parts) == len(alive) > 3 and max(alive) <= 4 + 4 + 2, alive
    assert sorted(str(p) for p in spill.iterdir()) == sorted(spilled.parts)
    parts = list(tasks_module.rows_of(spilled))
    assert not any(spill.iterdir())
    joined = tasks_module.prepare_file(
        tasks_module._read(str(path), path.name, task.config)[0],
        parts,
        mtime_ns=whole.file.mtime_ns,
        seen_ns=0,
    )
    _same(joined, whole)
    assert spilled.file._replace(seen_ns=0) == whole.file._replace(seen_ns=0)
    # a small file, several files, a file of cross_doc_blocks: whole, as before
    cross = replace(task, config=CleanConfig(dedup=DedupConfig(cross_doc_blocks=True)))
    for batch in (
        CleanBatch((task, task), spill=tasks_module.FolderParts(str(spill))),
        CleanBatch((cross,), spill=tasks_module.FolderParts(str(spill))),
    ):
        assert all(isinstance(p, PreparedFile) for p in clean_files(batch))


def _outputs(out: Path) -> tuple[bytes, bytes, dict[str, Any]]:
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.pop("run"), manifest.pop("runs", None)
    return (out / "corpus.jsonl").read_bytes(), (out / "audit.jsonl").read_bytes(), manifest


def test_a_run_whose_large_files_are_spilled_writes_what_a_whole_run_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every JSONL file counted and cleaned as read, its repaired documents kept and its
    rows spilled a part at a time (near-duplicates across files, a file's own renamed
    ids and malformed lines): a full run and then an incremental one after a change
    give the corpus, audit and manifest of runs that hold each file whole."""
    from cleaner import clean_corpus
    from cleaner.executors import InlineExecutor

    monkeypatch.setattr(tasks_module, "BATCH_BYTES", 1)  # a batch a file, as a large one is
    raw = write_corpus(tmp_path / "raw", docs=80, seed=9)
    want = [tmp_path / "whole-1", tmp_path / "whole-2"]
    got = [tmp_path / "spilled-1", tmp_path / "spilled-2"]

    originals = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    first = min(raw.rglob("*.jsonl"))
    lines = first.read_text().splitlines()

    def change() -> None:
        first.write_text("\n".join(lines[1:] + lines[:1]) + "\n")  # moved, so cleaned again

    clean_corpus(raw, want[0], executor=InlineExecutor())
    change()
    shutil.copytree(want[0], want[1], symlinks=True)
    clean_corpus(raw, want[1], executor=InlineExecutor())
    for path, data in originals.items():
        path.write_bytes(data)
    monkeypatch.setattr(tasks_module, "STREAM_BYTES", 1)
    monkeypatch.setattr(tasks_module, "PART_DOCS", 3)
    spilled: list[bool] = []  # per file cleaned as read: whether from what its count kept
    clean = tasks_module._clean_spilled

    def counted(task: CleanTask, spill: Any, kept: Any) -> Any:
        spilled.append(kept is not None)
        return clean(task, spill, kept)

    monkeypatch.setattr(tasks_module, "_clean_spilled", counted)
    clean_corpus(raw, got[0], executor=InlineExecutor())
    assert spilled and all(spilled)  # each repaired once, kept a part at a time
    change()
    shutil.copytree(got[0], got[1], symlinks=True)
    clean_corpus(raw, got[1], executor=InlineExecutor())
    for a, b in zip(got, want, strict=True):
        assert _outputs(a) == _outputs(b)
    assert not list((got[1] / ".cleaner").rglob("*.rows"))


def test_a_large_file_changed_between_count_and_clean_is_cleaned_as_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clean pass takes what the count pass read and kept, as it does for a file
    held whole, even when the file has shrunk below STREAM_BYTES since (its rows,
    hash and counts then agree, and the next run sees the change by the hash); the
    documents kept were thrown away and the new content read."""
    raw = write_corpus(tmp_path / "raw", docs=40, seed=10)
    path = max(raw.rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    config = CleanConfig()
    task = CleanTask(str(path), path.name, config, repeated=np.zeros(0, np.uint64))
    before = clean_file(task)
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setattr(tasks_module, "STREAM_BYTES", path.stat().st_size)
    keep = str(spill / "0.pickle")
    tasks_module.count_files(
        tasks_module.CountBatch((tasks_module.CountTask(str(path), path.name, config),), keep)
    )
    path.write_text(json.dumps({"text": "Something else entirely, and short."}) + "\n")
    [got] = clean_files(CleanBatch((task,), (keep,), tasks_module.FolderParts(str(spill))))
    assert isinstance(got, tasks_module.SpilledFile)
    parts = list(tasks_module.rows_of(got))
    assert [row for part in parts for row in part.docs] == before.docs
    assert got.file._replace(seen_ns=0) == before.file._replace(seen_ns=0)
    assert not any(spill.iterdir())


def test_parts_and_batches_are_cut_by_text_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents of megabytes: the line sets, dedup-blocks' batches and the rows' parts
    end past so much text as well as past so many documents, with the same results."""
    from cleaner.stages import repeats

    docs = [
        Document(str(k), "a.txt", f"Line {k} of a text.\n\nShared line here.") for k in range(9)
    ]
    whole = repeats.line_sets(docs)
    monkeypatch.setattr(repeats, "SETS_CHARS", 1)
    parted = repeats.line_sets(docs)
    for name in ("hashes", "words", "offsets"):
        assert np.array_equal(getattr(whole, name), getattr(parted, name))
    assert [len(p) for p in tasks_module._parts(iter(docs))] == [9]
    monkeypatch.setattr(tasks_module, "PART_CHARS", 1)
    assert [len(p) for p in tasks_module._parts(iter(docs))] == [1] * 9
    stage = DedupBlocks()
    sizes: list[int] = []
    batch = stage._batch

    def spy(part: list[Document]) -> list[Document]:
        sizes.append(len(part))
        return batch(part)

    monkeypatch.setattr(stage, "_batch", spy)
    monkeypatch.setattr(stage, "batch_chars", 40)
    out = list(stage.run(docs))
    assert [d.text for d in out] == [d.text for d in DedupBlocks().run(docs)]
    assert max(sizes) == 2 and sum(sizes) == 9

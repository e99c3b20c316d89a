"""A worker's task hands the driver rows, not documents."""

from __future__ import annotations

import gc
import json
import pickle
import random
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

"""A worker's task hands the driver rows, not documents."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

from cleaner.config import CleanConfig, DedupConfig
from cleaner.dedup.lsh import Banding
from cleaner.dedup.shingles import ShingleSets, shingle_hashes
from cleaner.run.tasks import CleanTask, clean_file
from cleaner.store.prepare import PreparedFile
from tests.scale_corpus import write_corpus


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

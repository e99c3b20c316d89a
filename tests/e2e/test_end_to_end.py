"""The sample corpus end to end: seeds, golden output, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner import CleanConfig, DedupConfig, clean_corpus
from cleaner.store.manifest import comparable
from tests.conftest import ROOT, SEEDS

EXPECTED = sorted((SEEDS / "expected").glob("*.json"))


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    clean_corpus(SEEDS / "raw", out)
    return out


def _records(folder: Path) -> dict[str, dict[str, object]]:
    lines = (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["source"]: r for r in map(json.loads, lines)}


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.stem)
def test_seed_record_matches_expectation(seed_run: Path, expected: Path) -> None:
    want = json.loads(expected.read_text(encoding="utf-8"))
    got = _records(seed_run)[want["source"]]
    for key in ("source", "title", "date", "text"):
        assert got[key] == want[key], key


def test_committed_golden_output_is_reproduced(tmp_path: Path) -> None:
    clean_corpus(ROOT / "raw", tmp_path)
    golden = ROOT / "clean"
    for name in ("corpus.jsonl", "audit.jsonl"):
        assert (tmp_path / name).read_bytes() == (golden / name).read_bytes(), name
    got = json.loads((tmp_path / "manifest.json").read_text())
    want = json.loads((golden / "manifest.json").read_text())
    assert comparable(got) == comparable(want)


def test_two_runs_are_byte_identical(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    clean_corpus(SEEDS / "raw", a)
    clean_corpus(SEEDS / "raw", b)
    for name in ("corpus.jsonl", "audit.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    ma, mb = (json.loads((d / "manifest.json").read_text()) for d in (a, b))
    assert comparable(ma) == comparable(mb)


def test_ids_are_stable_and_unique(seed_run: Path) -> None:
    ids = [r["id"] for r in _records(seed_run).values()]
    assert len(set(ids)) == len(ids) == len(EXPECTED)


def test_manifest_accounts_for_inputs_and_outputs(seed_run: Path) -> None:
    manifest = json.loads((seed_run / "manifest.json").read_text())
    assert [f["path"] for f in manifest["inputs"]] == sorted(
        p.name for p in (SEEDS / "raw").iterdir()
    )
    assert all(len(f["sha256"]) == 64 and f["outcome"] == "cleaned" for f in manifest["inputs"])
    corpus = manifest["outputs"]["corpus.jsonl"]
    assert corpus["records"] == len(EXPECTED)
    import hashlib

    assert corpus["sha256"] == hashlib.sha256((seed_run / "corpus.jsonl").read_bytes()).hexdigest()
    assert manifest["counts"]["stages"]["dedup-blocks"]["repeated-block"]["changes"] == 9


def test_audit_holds_every_removed_line(seed_run: Path) -> None:
    rows = [json.loads(x) for x in (seed_run / "audit.jsonl").read_text().splitlines()]
    assert all({"source", "stage", "rule", "text"} <= set(r) for r in rows)
    blocks = [r for r in rows if r["rule"] == "repeated-block"]
    assert len(blocks) == 9
    assert all(r["source"].startswith("001_") for r in blocks)


def test_a_record_with_no_text_left_is_dropped_as_empty(tmp_path: Path) -> None:
    """A record with no text (empty, or white space that repair takes away), and one
    that cross-document dedup-blocks empties, leave the corpus as ``empty``: in the
    audit with their stage, and in the counts; the others stay."""
    raw = tmp_path / "raw"
    raw.mkdir()
    story = (SEEDS / "raw").glob("*.txt").__next__().read_text(encoding="utf-8")
    paragraph = "The ferry to the island runs twice a day from the old harbour in summer."
    rows = [
        {"id": "none", "text": ""},
        {"id": "blank", "text": " \n\t "},
        {"id": "first", "text": paragraph},
        {"id": "copy", "text": paragraph},  # every paragraph in the one before
        {"id": "story", "text": story},
    ]
    lines = "".join(json.dumps(row) + "\n" for row in rows)
    (raw / "feed.jsonl").write_text(lines, encoding="utf-8")
    config = CleanConfig(dedup=DedupConfig(documents=False, cross_doc_blocks=True))
    report = clean_corpus(raw, tmp_path / "out", config)
    corpus = (tmp_path / "out" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    kept = [json.loads(line) for line in corpus]
    assert [r["id"] for r in kept] == ["first", "story"]
    assert all(r["text"].strip() for r in kept)
    audit = (tmp_path / "out" / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    empty = [r for r in map(json.loads, audit) if r["rule"] == "empty"]
    assert sorted(r["id"] for r in empty) == ["blank", "copy", "none"]
    assert {r["stage"] for r in empty} == {"drop-empty"}
    assert report.manifest["counts"]["documents"]["dropped"] == {"empty": 3}

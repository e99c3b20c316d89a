"""Record ids in a corpus run: each id once in the corpus, named alike everywhere.

Files are read and cleaned apart, so a record's own id that an earlier file holds (the
same file name in two folders numbers its records alike), or that is the id derived for
another document (a text file's, which has no other), is renamed when the corpus is
written; the library's reader renames those taken earlier while it reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cleaner import CleanConfig, clean_corpus
from cleaner.cli import cli
from cleaner.readers import doc_id, read_inputs
from tests.conftest import write_files
from tests.corpora import run_both, text, variant


def feed(*records: tuple[Any, str]) -> str:
    return "".join(json.dumps({"id": ident, "text": body}) + "\n" for ident, body in records)


def rows(folder: Path, name: str) -> list[dict[str, Any]]:
    lines = (folder / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def shards() -> dict[str, str | bytes]:
    """Two shards that number their records alike, and a third with a copy of one."""
    return {
        "a/part.jsonl": feed((0, text(1)), (1, text(2))),
        # its 0 is taken by a/part.jsonl; the share prompt goes, so it has an audit row
        "b/part.jsonl": feed((0, text(3) + "\n\nShare this article"), (7, text(4))),
        # a near-duplicate of b's record 0: the audit names the kept copy by its new id
        "c/part.jsonl": feed((1, variant(text(3), 5))),
    }


def test_an_id_an_earlier_file_holds_is_renamed_as_the_library_does(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, shards())
    clean_corpus(raw, out)
    corpus = rows(out, "corpus.jsonl")
    ids = [str(r["id"]) for r in corpus]
    assert len(ids) == len(set(ids)) == 4

    renamed = next(r for r in corpus if r["source"] == "b/part.jsonl" and "record_id" in r)
    assert renamed["id"] == doc_id("b/part.jsonl", 1) and renamed["record_id"] == 0
    kept = [(r["source"], r["id"], r.get("record_id")) for r in corpus]
    library = [
        (d.source, d.record()["id"], d.meta.get("record_id"))
        for entry in read_inputs(raw)
        for d in entry.documents
    ]
    assert kept == [x for x in library if x[0] != "c/part.jsonl"]  # c's record is a copy

    audit = rows(out, "audit.jsonl")
    share = next(r for r in audit if r["rule"] == "share-prompt")
    assert share["source"] == "b/part.jsonl" and share["id"] == renamed["id"]
    copy = next(r for r in audit if r["rule"] == "near-duplicate")
    assert copy["source"] == "c/part.jsonl" and copy["id"] == doc_id("c/part.jsonl", 1)
    assert copy["duplicate_of"] == renamed["id"]

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    repairs = {f["path"]: f.get("repairs", {}) for f in manifest["inputs"]}
    assert repairs == {
        "a/part.jsonl": {},
        "b/part.jsonl": {"renamed-ids": 1},
        "c/part.jsonl": {"renamed-ids": 1},
    }
    (cluster,) = manifest["duplicates"]
    assert cluster["kept"] == renamed["id"]


def test_a_document_gets_its_own_id_back_when_the_earlier_holder_goes(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, shards())
    clean_corpus(raw, out)
    (raw / "a" / "part.jsonl").unlink()
    run_both(raw, out, tmp_path / "full-1")
    by_source = {r["source"]: r for r in rows(out, "corpus.jsonl") if r["id"] in (0, 1)}
    assert by_source["b/part.jsonl"]["id"] == 0 and "record_id" not in by_source["b/part.jsonl"]
    audit = rows(out, "audit.jsonl")  # the audit gives ids as text
    assert {r["duplicate_of"] for r in audit if "duplicate_of" in r} == {"0"}

    write_files(raw, {"a/part.jsonl": feed((0, text(1)))})  # back, and it holds 0 again
    run_both(raw, out, tmp_path / "full-2")
    (renamed,) = [r for r in rows(out, "corpus.jsonl") if r["source"] == "b/part.jsonl"][:1]
    assert renamed["id"] == doc_id("b/part.jsonl", 1) and renamed["record_id"] == 0


def test_explain_and_check_name_a_renamed_document_as_the_corpus_does(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, shards())
    clean_corpus(raw, out)
    new_id = doc_id("b/part.jsonl", 1)
    runner = CliRunner()
    shown = runner.invoke(cli, ["explain", str(raw / "b" / "part.jsonl"), "--corpus", str(out)])
    assert shown.exit_code == 0, shown.output
    assert f"# b/part.jsonl (id {new_id})" in shown.output
    assert "# b/part.jsonl (id 0)" not in shown.output
    copy = runner.invoke(cli, ["explain", str(raw / "c" / "part.jsonl"), "--corpus", str(out)])
    assert copy.exit_code == 0, copy.output
    assert new_id in copy.output  # the kept copy it duplicates, by its corpus id

    (tmp_path / "new").mkdir()
    write_files(tmp_path / "new", {"part.jsonl": feed((9, variant(text(3), 6)))})
    checked = runner.invoke(
        cli, ["check", str(tmp_path / "new" / "part.jsonl"), "--corpus", str(out), "--json"]
    )
    assert checked.exit_code == 1, checked.output
    assert new_id in checked.output and '"duplicate_of": 0' not in checked.output


def test_an_own_id_that_is_a_later_files_derived_id_is_given_up(tmp_path: Path) -> None:
    """A text file has no id but the one derived from its path, so a record that holds
    it as its own, even earlier in input order, takes its own derived id instead."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(
        raw, {"0.jsonl": feed((doc_id("a.txt"), text(1)), ("x", text(2))), "a.txt": text(3)}
    )
    clean_corpus(raw, out)
    corpus = {
        r["source"] + ":" + str(r.get("record_id")): r["id"] for r in rows(out, "corpus.jsonl")
    }
    assert corpus == {
        f"0.jsonl:{doc_id('a.txt')}": doc_id("0.jsonl", 1),
        "0.jsonl:None": "x",
        "a.txt:None": doc_id("a.txt"),
    }
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"][0]["repairs"] == {"renamed-ids": 1}

    (raw / "a.txt").unlink()  # the file goes: the record has its own id back
    run_both(raw, out, tmp_path / "full")
    assert [r["id"] for r in rows(out, "corpus.jsonl")] == [doc_id("a.txt"), "x"]


def test_a_file_named_like_a_record_has_an_id_of_its_own(tmp_path: Path) -> None:
    """A record's id is derived from "source#number": a file named "a.jsonl#2" is not
    record 2 of a.jsonl, even when it holds a longer copy of it."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(
        raw,
        {
            "a.jsonl": "".join(json.dumps({"text": text(n)}) + "\n" for n in (1, 2)),
            "a.jsonl#2": text(2) + "\n\n" + text(3),
        },
    )
    clean_corpus(raw, out)
    ids = [r["id"] for r in rows(out, "corpus.jsonl")]
    assert len(ids) == len(set(ids)) and doc_id("a.jsonl#2") in ids
    for row in rows(out, "audit.jsonl"):
        assert row.get("duplicate_of") != row["id"]


def test_a_field_named_as_a_kept_one_is_kept_too(tmp_path: Path) -> None:
    """A record's own id, source or text moves aside to record_<name>; one already
    holding that name (a corpus cleaned again) moves aside once more, never lost."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    page = f"<html><body><p>{text(3)}</p></body></html>"
    write_files(
        raw,
        {
            "a.jsonl": feed(("doc-1", text(1))),
            "b.jsonl": json.dumps({"id": "doc-1", "record_id": "orig-7", "text": text(2)})
            + "\n"
            + json.dumps(
                {"source": "http://example.com/p", "record_source": "crawl", "text": text(4)}
            )
            + "\n",
        },
    )
    clean_corpus(raw, out)
    renamed, moved = rows(out, "corpus.jsonl")[1:]
    assert (renamed["record_id"], renamed["record_record_id"]) == ("orig-7", "doc-1")
    assert (moved["record_source"], moved["record_record_source"]) == (
        "crawl",
        "http://example.com/p",
    )
    entry = next(e for e in read_inputs(raw) if e.path == "b.jsonl")  # the library alike
    assert [d.record().get("record_record_id") for d in entry.documents] == ["doc-1", None]

    html = tmp_path / "html"
    record = {"html": page, "text": "extracted v2", "record_text": "extracted v1"}
    write_files(html, {"p.jsonl": json.dumps(record) + "\n"})
    clean_corpus(html, tmp_path / "html-out", CleanConfig(html_key="html"))
    [kept] = rows(tmp_path / "html-out", "corpus.jsonl")
    assert (kept["record_text"], kept["record_record_text"]) == ("extracted v1", "extracted v2")


def test_a_field_moved_aside_does_not_take_the_name_the_text_goes_under(tmp_path: Path) -> None:
    """With --text-key record_source (or record_id) the text leaves that name free while
    it is read: a source (or an own id given up) moved there was then overwritten."""
    source = {"record_source": text(1), "source": "crawl-2024"}
    write_files(tmp_path / "a", {"a.jsonl": json.dumps(source) + "\n"})
    clean_corpus(tmp_path / "a", tmp_path / "a-out", CleanConfig(text_key="record_source"))
    [kept] = rows(tmp_path / "a-out", "corpus.jsonl")
    assert kept["record_record_source"] == "crawl-2024" and kept["source"] == "a.jsonl"

    ids = "".join(json.dumps({"id": 1, "record_id": text(n)}) + "\n" for n in (2, 3))
    write_files(tmp_path / "b", {"b.jsonl": ids})
    clean_corpus(tmp_path / "b", tmp_path / "b-out", CleanConfig(text_key="record_id"))
    first, renamed = rows(tmp_path / "b-out", "corpus.jsonl")
    assert first["id"] == 1 and "record_record_id" not in first
    assert renamed["id"] == doc_id("b.jsonl", 2) and renamed["record_record_id"] == 1

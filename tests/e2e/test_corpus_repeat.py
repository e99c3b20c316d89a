"""corpus-repeat in a run: lines are counted over a whole folder (or site), file by file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cleaner import BoilerplateConfig, CleanConfig, DedupConfig, clean_corpus
from cleaner.run.check import check_files
from cleaner.run.explain import Explanation, explain_file
from cleaner.run.tasks import CountTask, count_file
from cleaner.stages.repeats import line_hash, repeated_in, source_salt
from tests.conftest import write_files
from tests.corpora import run_both

P1 = "The council voted on Tuesday to close the old river bridge for six months of repairs."
P2 = "Residents will have to use the ferry or the ring road, which adds twenty minutes to trips."
FOOTER = "Visit our partner shops"
QUOTE = "“We will rebuild it stronger than before, whatever the cost,” the mayor told reporters."
# the pages are alike, so near-duplicate documents are off: every page stays to look at;
# the line model is off too, so the footer goes by its count alone, whatever the model
# makes of it
CONFIG = CleanConfig(
    boilerplate=BoilerplateConfig(min_repeats=3, disable=("navigation", "low-content")),
    dedup=DedupConfig(documents=False),
)


def _marked(explained: str, rule: str, text: str) -> bool:
    """Whether ``explain`` printed ``text`` as removed by ``rule`` (with or without where
    the line sat)."""
    return any(
        line.startswith(f"- [{rule}") and line.endswith(f"] {text}")
        for line in explained.splitlines()
    )


def page(n: int, footer: bool = True) -> str:
    return f"{P1} Part {n}.\n\n{QUOTE}\n\n{P2}\n\n" + (FOOTER if footer else f"Note {n} ends.")


def texts(out: Path) -> dict[str, str]:
    lines = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["source"]: r["text"] for r in map(json.loads, lines)}


def repeat_removals(out: Path) -> list[tuple[str, str]]:
    rows = map(json.loads, (out / "audit.jsonl").read_text(encoding="utf-8").splitlines())
    return sorted((r["source"], r["text"]) for r in rows if r.get("rule") == "corpus-repeat")


def test_a_line_in_enough_files_of_a_folder_goes_and_a_shared_quote_stays(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    write_files(raw, {f"p{n}.txt": page(n) for n in range(3)})
    clean_corpus(raw, tmp_path / "out", CONFIG)
    kept = texts(tmp_path / "out")
    assert len(kept) == 3
    assert all(FOOTER not in t and QUOTE in t for t in kept.values())
    assert repeat_removals(tmp_path / "out") == [(f"p{n}.txt", FOOTER) for n in range(3)]
    off = CONFIG.with_overrides(
        {"boilerplate.disable": ("navigation", "low-content", "corpus-repeat")}
    )
    clean_corpus(raw, tmp_path / "off", off)
    assert all(FOOTER in t for t in texts(tmp_path / "off").values())


def test_folders_count_apart_and_a_jsonl_record_counts_with_its_folder(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"a/p0.txt": page(0), "a/p1.txt": page(1), "b/p2.txt": page(2)})
    clean_corpus(raw, out, CONFIG)
    assert all(FOOTER in t for t in texts(out).values())  # two in a/, one in b/
    # a third document in a/, as a record of a JSONL file: a/ now has the line three times
    write_files(raw, {"a/feed.jsonl": json.dumps({"text": page(3)}) + "\n"})
    report = run_both(raw, out, tmp_path / "scratch", CONFIG)
    assert report.files["added"] == 1 and report.files["recleaned"] == 2
    kept = texts(out)
    assert FOOTER in kept["b/p2.txt"]
    assert [s for s, t in sorted(kept.items()) if FOOTER not in t] == [
        "a/feed.jsonl",
        "a/p0.txt",
        "a/p1.txt",
    ]


def test_a_site_field_counts_across_files_and_folders(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    record = {"text": page(0), "site": "example.org"}
    write_files(
        raw,
        {
            f"{folder}/crawl.jsonl": json.dumps({**record, "text": page(n)}) + "\n"
            for n, folder in enumerate(["x", "y", "z"])
        },
    )
    clean_corpus(raw, out, CONFIG)
    assert len(repeat_removals(out)) == 3


def test_incremental_runs_reclean_the_documents_whose_lines_crossed(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    feed = [page(10, footer=False), page(11), page(12, footer=False), page(13, footer=False)]
    files: dict[str, str | bytes] = {
        "p0.txt": page(0),
        "feed.jsonl": "".join(json.dumps({"text": t}) + "\n" for t in feed),
    }
    files.update({f"q{n}.txt": page(n, footer=False) for n in range(2)})
    write_files(raw, files)
    clean_corpus(raw, out, CONFIG)
    assert repeat_removals(out) == []

    write_files(raw, {"p2.txt": page(2)})  # the third copy of the footer
    report = run_both(raw, out, tmp_path / "s1", CONFIG)
    assert (report.files["added"], report.files["unchanged"], report.files["recleaned"]) == (
        1,
        4,
        2,
    )
    assert report.documents_cleaned == 3  # p2, p0 and the one record of the feed
    assert [s for s, _ in repeat_removals(out)] == ["feed.jsonl", "p0.txt", "p2.txt"]

    (raw / "p2.txt").unlink()  # back under three: the other two keep it again
    report = run_both(raw, out, tmp_path / "s2", CONFIG)
    assert (report.files["removed"], report.files["recleaned"]) == (1, 2)
    assert report.documents_cleaned == 2
    assert repeat_removals(out) == []

    write_files(raw, {"q0.txt": page(7, footer=False)})  # crosses nothing: cleans one file
    report = run_both(raw, out, tmp_path / "s3", CONFIG)
    assert (report.files["changed"], report.files["recleaned"]) == (1, 0)
    assert report.documents_cleaned == 1


def test_documents_tied_by_cross_document_blocks_are_cleaned_again_together(
    tmp_path: Path,
) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    config = CONFIG.with_overrides({"dedup.cross_doc_blocks": True})
    feed = [page(10, footer=False), page(11), page(12, footer=False)]
    write_files(
        raw,
        {"p0.txt": page(0), "feed.jsonl": "".join(json.dumps({"text": t}) + "\n" for t in feed)},
    )
    clean_corpus(raw, out, config)
    write_files(raw, {"p2.txt": page(2)})
    report = run_both(raw, out, tmp_path / "s1", config)
    assert report.files["recleaned"] == 2 and report.documents_cleaned == 1 + 1 + 3


def test_count_file_gives_each_documents_lines_once_salted_by_source(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    rows = [
        {"text": f"{FOOTER}\n{FOOTER}\n\n{P1}", "site": "s"},
        {"text": f"{FOOTER}\n\n{P2}", "site": "s"},
        {"text": FOOTER, "site": "t"},
        {"text": "   ", "site": "s"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    source, found = count_file(CountTask(str(path), "feed.jsonl", CONFIG))
    hashes, offsets = found.hashes, found.offsets
    sets = [set(hashes[offsets[k] : offsets[k + 1]].tolist()) for k in range(len(offsets) - 1)]
    footer_s, footer_t = line_hash(FOOTER) ^ source_salt("s"), line_hash(FOOTER) ^ source_salt("t")
    assert source == "feed.jsonl"
    assert sets[:3] == [
        {footer_s, line_hash(P1) ^ source_salt("s")},
        {footer_s, line_hash(P2) ^ source_salt("s")},
        {footer_t},
    ]
    assert all(not rest for rest in sets[3:])  # the blank record holds no line
    assert repeated_in(hashes, 2).tolist() == [footer_s]


def test_check_counts_a_new_file_with_the_corpus(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"p0.txt": page(0), "p1.txt": page(1), "q.txt": page(9, footer=False)})
    clean_corpus(raw, out, CONFIG)
    write_files(raw, {"p2.txt": page(2)})
    new, old = check_files([raw / "p2.txt", raw / "p0.txt"], out, CONFIG).files
    # the new page's footer is the corpus's third copy; p0's own copy is not counted twice
    assert new.removed_chars - old.removed_chars == len(FOOTER)
    alone = CONFIG.with_overrides({"boilerplate.min_repeats": 2})
    assert check_files([raw / "p0.txt"], out, alone).files[0].removed_chars == new.removed_chars


class _Remote:
    """An executor that is not on this machine for the run: nothing is kept on disk."""

    workers = 1
    shares_files = True

    def map(self, fn: Any, tasks: Any) -> Any:
        return map(fn, tasks)

    def close(self) -> None:
        return None


def test_kept_repairs_give_what_reading_again_gives_and_are_removed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    broken = "the caf\u00c3\u00a9 &amp; bar"  # mojibake and an entity, for repair to fix
    write_files(raw, {f"p{n}.txt": page(n).replace("the ferry", broken) for n in range(4)})
    stale = tmp_path / "local" / ".cleaner" / "repaired.tmp"
    stale.mkdir(parents=True)
    (stale / "0.pickle").write_bytes(b"left by a killed run")
    clean_corpus(raw, tmp_path / "local", CONFIG)
    clean_corpus(raw, tmp_path / "remote", CONFIG, executor=_Remote())
    for name in ("corpus.jsonl", "audit.jsonl"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "remote" / name).read_bytes()
    assert texts(tmp_path / "local")["p0.txt"].count("the café & bar") == 1
    assert not stale.exists()


def test_explain_with_the_corpus_marks_what_the_run_removed(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cleaner.cli import cli

    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {f"p{n}.txt": page(n) for n in range(3)})
    config = tmp_path / "cleaner.toml"
    config.write_text(
        '[boilerplate]\nmin_repeats = 3\ndisable = ["navigation"]\n[dedup]\ndocuments = false\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["--config", str(config)]
    assert runner.invoke(cli, ["run", str(raw), str(out), "-q", *args]).exit_code == 0
    page_alone = runner.invoke(cli, ["explain", str(raw / "p2.txt"), *args])
    assert page_alone.exit_code == 0 and not _marked(page_alone.output, "corpus-repeat", FOOTER)
    with_corpus = runner.invoke(cli, ["explain", str(raw / "p2.txt"), "--corpus", str(out), *args])
    assert with_corpus.exit_code == 0 and _marked(with_corpus.output, "corpus-repeat", FOOTER)
    assert not _marked(with_corpus.output, "corpus-repeat", QUOTE)
    nothing = runner.invoke(cli, ["explain", str(raw / "p2.txt"), "--corpus", str(raw), *args])
    assert nothing.exit_code == 2 and nothing.output.count("\n") == 1 and str(raw) in nothing.output


# near-duplicate copies of one article share their lines; a short line of the article
# (not a paragraph, so its count alone decides) must not go because the copies hold it
PA = "Shares in the brewer rose sharply on Monday after it reported a strong year of sales."
PB = "Analysts said the results were better than expected and raised their price targets."
ITEM = "Profits up 5% to 3.2bn"
OTHER = [
    "The airline said on Friday that it would cut four hundred jobs at its main hub.",
    "A new ferry route between the two islands opens next spring after years of delay.",
]


def twin(n: int) -> str:
    """A copy of one article; copies differ only in a short last line."""
    return f"{PA}\n\n{PB}\n\n{ITEM}\n\nUpdated {n}"


def distinct(n: int) -> str:
    """Another article that quotes the same short line."""
    return f"{OTHER[n]}\n\n{ITEM}\n\nIt gave no further details about its plans."


def removed_lines(out: Path, rule: str = "corpus-repeat") -> list[tuple[str, str]]:
    rows = map(json.loads, (out / "audit.jsonl").read_text(encoding="utf-8").splitlines())
    return sorted((r["source"], r["text"]) for r in rows if r.get("rule") == rule)


def test_near_duplicate_copies_count_once_and_distinct_pages_still_count(
    tmp_path: Path,
) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    files: dict[str, str | bytes] = {f"c{n}.txt": twin(n) for n in range(3)}
    files.update({f"p{n}.txt": page(n) for n in range(3)})
    write_files(raw, files)
    clean_corpus(raw, out, CONFIG)
    kept = texts(out)
    assert all(ITEM in kept[f"c{n}.txt"] for n in range(3)), "the copies count once"
    assert removed_lines(out) == [(f"p{n}.txt", FOOTER) for n in range(3)]
    # the same from the Python API, which counts among the documents it is given
    from cleaner.pipeline import Pipeline
    from cleaner.readers import read_inputs

    docs = [d for f in read_inputs(raw) for d in f.documents]
    api = {d.source: d.text for d in Pipeline.from_config(CONFIG).run(docs)}
    assert api == kept


def test_incremental_runs_follow_twins_as_they_come_and_go(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"c0.txt": twin(0), "p0.txt": page(0), "p1.txt": page(1)})
    clean_corpus(raw, out, CONFIG)
    steps: list[tuple[dict[str, str | bytes], list[str], list[tuple[str, str]]]] = [
        ({"c1.txt": twin(1), "c2.txt": twin(2)}, [], []),  # twins: the item stays
        ({"p2.txt": page(2)}, [], [(f"p{n}.txt", FOOTER) for n in range(3)]),
        (  # two distinct articles with the item: three groups hold it now
            {"d0.txt": distinct(0), "d1.txt": distinct(1)},
            [],
            sorted(
                [(f"p{n}.txt", FOOTER) for n in range(3)]
                + [(f"{c}.txt", ITEM) for c in ("c0", "c1", "c2", "d0", "d1")]
            ),
        ),
        ({}, ["d1.txt"], [(f"p{n}.txt", FOOTER) for n in range(3)]),
        (
            {"c1.txt": distinct(1)},
            [],
            sorted(  # a copy rewritten as a distinct article
                [(f"p{n}.txt", FOOTER) for n in range(3)]
                + [(f"{c}.txt", ITEM) for c in ("c0", "c1", "c2", "d0")]
            ),
        ),
    ]
    for k, (add, delete, removed) in enumerate(steps):
        write_files(raw, add)
        for name in delete:
            (raw / name).unlink()
        run_both(raw, out, tmp_path / f"scratch{k}", CONFIG)
        assert removed_lines(out) == removed, (k, removed_lines(out))


def test_check_counts_twins_of_a_new_file_once(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"c0.txt": twin(0), "c1.txt": twin(1), "new.txt": twin(2)})
    (raw / "new.txt").rename(tmp_path / "new.txt")
    clean_corpus(raw, out, CONFIG)
    assert check_files([tmp_path / "new.txt"], out, CONFIG).files[0].removed_chars == 0
    write_files(raw, {"c1.txt": distinct(0), "d1.txt": distinct(1)})
    clean_corpus(raw, out, CONFIG)
    assert check_files([tmp_path / "new.txt"], out, CONFIG).files[0].removed_chars == len(ITEM)


def test_explain_with_the_corpus_names_a_subfolder_page_as_the_run_did(tmp_path: Path) -> None:
    """A page in a folder of the input is that folder's source: its lines count with
    the folder's, and its id is the corpus's (it was the file's bare name before, whose
    lines counted apart, so the footer showed as kept)."""
    raw = tmp_path / "raw"
    write_files(raw, {f"site/p{n}.txt": page(n) for n in range(3)})
    clean_corpus(raw, tmp_path / "out", CONFIG)
    [explained] = explain_file(raw / "site" / "p0.txt", CONFIG, corpus=tmp_path / "out")
    assert isinstance(explained, Explanation)
    assert explained.source == "site/p0.txt"
    assert explained.id == next(
        json.loads(x)["id"]
        for x in (tmp_path / "out" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(x)["source"] == "site/p0.txt"
    )
    assert [(ln.rule, ln.text) for ln in explained.lines if ln.rule] == [("corpus-repeat", FOOTER)]

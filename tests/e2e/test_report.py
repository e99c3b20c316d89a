"""``cleaner report``: what the page is built from agrees with the run's own outputs.

The page in a browser is tested in test_report_page.py; here the facts behind it and
the commands that write it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner import BoilerplateConfig, CleanConfig, DedupConfig, clean_corpus
from cleaner.cli import cli
from cleaner.errors import OutputError
from cleaner.report import REPORT, Limits, write_report
from cleaner.report.charts import LIBRARIES, bundle
from cleaner.report.facts import gather
from cleaner.report.samples import explain_losses
from cleaner.store.manifest import AUDIT, MANIFEST
from tests.conftest import ROOT, SEEDS, write_files
from tests.corpora import text, variant

BLOCK_DOC = "001_6caa09c4a7c5a313.txt"  # its article is printed twice; the copy goes


def audit_rows(out: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in (out / AUDIT).read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def seeds_run(tmp_path: Path) -> Path:
    out = tmp_path / "clean"
    clean_corpus(SEEDS / "raw", out)
    return out


@pytest.fixture
def mixed_run(tmp_path: Path) -> Path:
    """Two folders: the seeds, and a site with near-duplicates, a too-short record and
    a rejected file and record."""
    raw = tmp_path / "raw"
    base = text(1, 300)
    write_files(
        raw,
        {
            **{f"seeds/{p.name}": p.read_text(encoding="utf-8") for p in (SEEDS / "raw").iterdir()},
            "site/a.txt": base,
            "site/b.txt": variant(base, 2, extra=3),
            "site/c.txt": variant(base, 3),
            "site/short.jsonl": '{"text": "hello there friend"}\nnot json\n',
            "site/bin.txt": bytes(range(256)) * 10,
        },
    )
    out = tmp_path / "clean"
    clean_corpus(raw, out, CleanConfig().with_rules(enable=["too-short"]))
    return out


def test_every_document_and_character_counted_once(mixed_run: Path) -> None:
    manifest = json.loads((mixed_run / MANIFEST).read_text(encoding="utf-8"))
    facts = gather(mixed_run)
    counts = manifest["counts"]
    assert facts.report.documents_in == counts["documents"]["in"] == 9
    assert facts.documents_total == counts["documents"]["in"]
    assert sum(b["documents"] for b in facts.histogram) == counts["documents"]["in"]
    chars = sum(r["chars"] for rules in counts["stages"].values() for r in rules.values())
    assert facts.chars_removed == chars
    assert sum(s.removed for s in facts.sources) == chars  # the audit's, document by document
    assert {(r["stage"], r["rule"], r["chars"]) for r in facts.rules} == {
        (stage, rule, r["chars"])
        for stage, rules in counts["stages"].items()
        for rule, r in rules.items()
    }


def test_sources_clusters_and_rejections(mixed_run: Path) -> None:
    facts = gather(mixed_run)
    site = next(s for s in facts.sources if s.name == "site")
    assert site.documents == 4 and site.top_rule is not None
    assert site.top_rule[0] == "near-duplicate"
    assert facts.sources[0].name == "site"  # it lost the larger share
    [cluster] = facts.clusters
    assert cluster.kept_source == "site/b.txt" and cluster.text
    assert sorted(d.source for d in cluster.duplicates) == ["site/a.txt", "site/c.txt"]
    assert all(d.text and d.similarity for d in cluster.duplicates)
    assert facts.rejections_total == 2
    assert {r["source"] for r in facts.rejections} == {"site/bin.txt", "site/short.jsonl"}
    dropped = {d.source: d.dropped for d in facts.documents}
    assert dropped["site/short.jsonl"] == "too-short"
    assert "site/a.txt" not in dropped  # near-duplicates show in their cluster instead


def test_limits_bound_the_lists_and_the_page_says_so(mixed_run: Path, tmp_path: Path) -> None:
    limits = Limits(documents=2, sources=1, rejections=1, duplicates=1)
    facts = gather(mixed_run, limits)
    assert len(facts.documents) == 2 and len(facts.sources) == 1
    assert facts.sources_total == 2 and facts.rejections_total == 2
    assert len(facts.clusters[0].duplicates) == 1 and facts.clusters[0].total == 2
    page = write_report(mixed_run, tmp_path / "r.html", limits=limits).read_text(encoding="utf-8")
    assert "The 2 of 9 documents that lost the largest share" in page
    assert "Showing the 1 of 2 sources that lost most" in page
    assert "The first 1 of 2 rejected files" in page
    assert "and 1 more" in page


def test_documents_shown_as_explain_shows_them_and_match_the_audit(seeds_run: Path) -> None:
    facts = gather(seeds_run)
    shown = explain_losses(facts)
    assert shown[0].loss.source == BLOCK_DOC  # lost most: first
    assert all(s.explanation is not None and s.note is None for s in shown), [s.note for s in shown]
    block = next(s for s in shown if s.loss.source == BLOCK_DOC)
    assert block.explanation is not None
    marked = [ln.text for ln in block.explanation.lines if ln.rule == "repeated-block"]
    removed = [
        r["text"]
        for r in audit_rows(seeds_run)
        if r.get("source") == BLOCK_DOC and r["rule"] == "repeated-block"
    ]
    assert marked == [line for t in removed for line in str(t).split("\n")] and len(marked) == 9


def test_lines_repeated_across_a_folder_are_marked_as_the_run_counted_them(
    tmp_path: Path,
) -> None:
    footer = "Visit our partner shops"
    body = "The council voted on Tuesday to close the old river bridge for repairs."
    records = [
        json.dumps({"text": f"{body} Part {n}.\n\nNote {n} ends here.\n\n{footer}"})
        for n in range(4)
    ]
    raw = tmp_path / "raw"
    write_files(raw, {"site/pages.jsonl": "\n".join(records) + "\n", "site/x.txt": body})
    config = CleanConfig(
        boilerplate=BoilerplateConfig(min_repeats=3, disable=("navigation", "low-content")),
        dedup=DedupConfig(documents=False),
    )
    out = tmp_path / "clean"
    clean_corpus(raw, out, config)
    shown = explain_losses(gather(out, Limits(documents=2)))
    assert len(shown) == 2 and all(s.note is None for s in shown), [s.note for s in shown]
    for item in shown:
        assert item.explanation is not None
        assert [(ln.rule, ln.text) for ln in item.explanation.lines if ln.rule] == [
            ("corpus-repeat", footer)
        ]


def test_a_changed_raw_file_is_named_and_the_audit_listed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS / "raw", raw)
    out = tmp_path / "clean"
    clean_corpus(raw, out)
    (raw / BLOCK_DOC).write_text("Something else now.\n", encoding="utf-8")
    (raw / "000_9a152a2e1ca29ca8.txt").unlink()
    shown = {s.loss.source: s for s in explain_losses(gather(out))}
    assert shown[BLOCK_DOC].explanation is None
    assert "changed since the run" in str(shown[BLOCK_DOC].note)
    assert "is not there any more" in str(shown["000_9a152a2e1ca29ca8.txt"].note)
    assert len(shown[BLOCK_DOC].removals) == sum(
        1 for r in audit_rows(out) if r.get("source") == BLOCK_DOC
    )
    page = write_report(out).read_text(encoding="utf-8")
    assert "changed since the run" in page and "The run's audit of this document" in page


def test_a_file_whose_name_is_not_utf8_is_shown_line_by_line(tmp_path: Path) -> None:
    """The corpus names it with its byte written out (caf\\xe9.txt); the report looked
    for a file of that name and said the file was not there any more."""
    raw = tmp_path / "raw"
    raw.mkdir()
    body = (SEEDS / "raw" / BLOCK_DOC).read_bytes()
    (raw / os.fsdecode(b"caf\xe9.txt")).write_bytes(body)
    out = tmp_path / "clean"
    clean_corpus(raw, out)
    [shown] = explain_losses(gather(out))
    assert shown.loss.source == "caf\\xe9.txt"
    assert shown.note is None and shown.explanation is not None


def test_the_ids_of_the_page_hold_no_space(tmp_path: Path) -> None:
    """HTML ids may hold no whitespace: a file "a b.txt" gave id="doc-a b.txt-..."."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a b <c>.txt").write_bytes((SEEDS / "raw" / BLOCK_DOC).read_bytes())
    out = tmp_path / "clean"
    clean_corpus(raw, out)
    page = write_report(out).read_text(encoding="utf-8")
    ids = re.findall(r'\sid="([^"]*)"', page)
    assert any(i.startswith("doc-a%20b%20%3Cc%3E.txt-") for i in ids)
    assert all(re.fullmatch(r"[\w.~%-]+", i) for i in ids), ids


def test_report_command_prints_the_path(seeds_run: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", str(seeds_run)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(seeds_run / REPORT)
    to = tmp_path / "elsewhere.html"
    result = CliRunner().invoke(cli, ["report", str(seeds_run), "--to", str(to)])
    assert result.exit_code == 0 and result.stdout.strip() == str(to) and to.is_file()


@pytest.mark.parametrize("name", [MANIFEST, AUDIT, "corpus.jsonl", ".cleaner/page.html"])
def test_report_refuses_to_replace_a_file_of_the_run(seeds_run: Path, name: str) -> None:
    """The run's corpus, audit, manifest and state stay whole, and the folder usable."""
    before = {p: p.read_bytes() for p in seeds_run.rglob("*") if p.is_file()}
    result = CliRunner().invoke(cli, ["report", str(seeds_run), "--to", str(seeds_run / name)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"cleaner: error: {seeds_run / name}: a file of the run in {seeds_run}; "
        "write the report elsewhere"
    )
    assert {p: p.read_bytes() for p in seeds_run.rglob("*") if p.is_file()} == before


def test_report_into_a_missing_folder_is_one_line(seeds_run: Path, tmp_path: Path) -> None:
    to = tmp_path / "nowhere" / "r.html"
    result = CliRunner().invoke(cli, ["report", str(seeds_run), "--to", str(to)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"cleaner: error: {to.parent}: no such folder; create it or write the report elsewhere"
    )
    with pytest.raises(OutputError, match="a folder; name the report's file"):
        write_report(str(seeds_run), str(tmp_path))  # paths as strings too
    assert write_report(str(seeds_run), str(tmp_path / "r.html")) == tmp_path / "r.html"


@pytest.mark.parametrize("missing", [False, True])
def test_report_of_a_folder_without_a_run_is_exit_2(tmp_path: Path, missing: bool) -> None:
    folder = tmp_path / "nowhere" if missing else tmp_path
    result = CliRunner().invoke(cli, ["report", str(folder)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"cleaner: error: {folder}: not an output folder of")


def test_report_leaves_a_pipe_or_device_alone(seeds_run: Path, tmp_path: Path) -> None:
    """The page is written beside the target and renamed over it: over a FIFO or a
    device (/dev/null, as root) that would put a file in its place."""
    pipe = tmp_path / "page.html"
    os.mkfifo(pipe)
    result = CliRunner().invoke(cli, ["report", str(seeds_run), "--to", str(pipe)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"cleaner: error: {pipe}: not a regular file (a device or pipe); name a file"
    )
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


def test_run_report_writes_the_page_after_the_run(tmp_path: Path) -> None:
    out = tmp_path / "clean"
    result = CliRunner().invoke(cli, ["run", str(SEEDS / "raw"), str(out), "--report"])
    assert result.exit_code == 0, result.output
    assert f"report written to {out / REPORT}" in result.stderr
    assert "001_6caa09c4a7c5a313.txt" in (out / REPORT).read_text(encoding="utf-8")
    again = CliRunner().invoke(cli, ["run", str(SEEDS / "raw"), str(out)])  # page left alone
    assert again.exit_code == 0 and (out / REPORT).is_file()


def test_run_report_needs_an_output_folder() -> None:
    result = CliRunner().invoke(cli, ["run", "-", "-", "--report"], input="")
    assert result.exit_code == 2 and "--report needs an OUTPUT folder" in result.stderr


def test_page_is_self_contained(seeds_run: Path) -> None:
    page = write_report(seeds_run).read_text(encoding="utf-8")
    markup = re.sub(r"<script>.*?</script>", "", page, flags=re.DOTALL)
    sources = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"' >]+)""", markup)
    assert all(s.startswith("#") for s in sources), sources  # no file or URL to load
    assert page.count("<script>") == len(LIBRARIES) + 1
    for name, *_ in LIBRARIES:
        assert bundle(name) in page


def test_vendored_bundles_are_the_recorded_versions() -> None:
    vendor = ROOT / "cleaner" / "report" / "vendor"
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    for name, package, version, licence in LIBRARIES:
        digest = hashlib.sha256((vendor / name).read_bytes()).hexdigest()
        row = f"| `{name}` | {package} | {version} | {licence} (`LICENSE.{package}`) | `{digest}` |"
        assert row in readme
        assert (vendor / f"LICENSE.{package}").is_file()
        assert f'="{version}"' in (vendor / name).read_text(encoding="utf-8")  # its own word


@pytest.mark.parametrize(
    ("name", "line", "says"),
    [
        ("corpus.jsonl", "[1, 2]", "not the JSONL a run writes (line 6 is list, not an object)"),
        ("audit.jsonl", '"a string"', "is str, not an object"),
        ("corpus.jsonl", '{"id": "zz"}', "changed since the run wrote it"),
        ("audit.jsonl", None, "changed since the run wrote it"),
    ],
)
def test_a_damaged_corpus_or_audit_is_one_line(
    seeds_run: Path, tmp_path: Path, name: str, line: str | None, says: str
) -> None:
    """A line that is JSON but no record, a record added, an output emptied: the page
    would show what the run did not do."""
    out = tmp_path / "out"
    shutil.copytree(seeds_run, out, symlinks=True)
    target = out / ".cleaner" / "current" / name
    data = target.read_bytes()
    target.unlink()  # the run's files are read-only hard links: write a new one
    target.write_bytes(b"" if line is None else data + line.encode() + b"\n")
    result = CliRunner().invoke(cli, ["report", str(out), "--to", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert says in result.stderr and "internal error" not in result.stderr


def test_text_files_keep_their_text_in_the_report_under_another_text_key(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in sorted((SEEDS / "raw").iterdir())[:2]:
        shutil.copy(path, raw / path.name)
    clean_corpus(raw, tmp_path / "out", CleanConfig(text_key="body"))
    facts = gather(tmp_path / "out")
    assert facts.documents and all(d.kept > 0 for d in facts.documents)

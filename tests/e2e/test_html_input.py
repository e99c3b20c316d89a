"""HTML and WARC input through the commands: run, explain, check, streams, reruns."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cleaner.cli import cli
from cleaner.html import HINTS, parse_html
from cleaner.run.check import check_files
from tests.corpora import outputs
from tests.warcs import FETCHED, arc, crawl, page, pages


def records(out: Path) -> list[dict[str, object]]:
    lines = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def html_folder(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, body in pages().items():
        (root / f"{name}.html").write_bytes(body)
    return root


def run_crawl(runner: CliRunner, tmp_path: Path, name: str, data: bytes) -> list[dict[str, Any]]:
    """The corpus of ``cleaner run`` over one crawl file ``name`` holding ``data``."""
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(cli, ["run", str(path), str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    return records(tmp_path / "out")


def test_run_on_a_warc_gives_a_record_per_html_response(runner: CliRunner, tmp_path: Path) -> None:
    out = run_crawl(runner, tmp_path, "crawl.warc.gz", crawl())
    assert len(out) == len(pages())
    assert sorted(str(r["url"]) for r in out) == [
        f"https://example.org/page/{i}" for i in range(len(pages()))
    ]
    assert all(r["fetch_date"] == FETCHED and r["source"] == "crawl.warc.gz" for r in out)
    # the markup's title and date win over what the boilerplate stage finds in the text
    # (a page whose markup has no date keeps the one the text gives)
    markup = {parse_html(body).title: parse_html(body).date for body in pages().values()}
    assert {r["title"] for r in out} == set(markup)
    dated = {r["title"]: r["date"] for r in out if markup[str(r["title"])]}
    assert dated == {title: date for title, date in markup.items() if date}
    assert len(dated) >= 2
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    [entry] = manifest["inputs"]
    assert entry["skipped"]["request-record"] == len(pages())
    assert entry["skipped"]["not-html"] == 1 and entry["skipped"]["http-status"] == 1
    shown = runner.invoke(cli, ["stats", str(tmp_path / "out")])
    assert "skipped while reading (no documents):" in shown.output
    assert "request-record 4" in shown.output


def test_run_on_an_arc_gives_a_record_per_html_response(runner: CliRunner, tmp_path: Path) -> None:
    out = run_crawl(runner, tmp_path, "crawl.arc.gz", arc())
    assert sorted(str(r["url"]) for r in out) == [
        f"http://example.org/page/{i}" for i in range(len(pages()))
    ]
    assert all(r["source"] == "crawl.arc.gz" for r in out)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    [entry] = manifest["inputs"]
    assert entry["skipped"] == {"arc-header": 1, "http-status": 1, "not-html": 1, "other-record": 1}


def test_a_truncated_warc_record_is_in_the_audit(runner: CliRunner, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    data = crawl(gz=False)
    cut = data.index(b"HTTP/1.1 200 OK", data.index(b"https://example.org/page/3")) + 3000
    (raw / "cut.warc").write_bytes(data[:cut])
    result = runner.invoke(cli, ["run", str(raw), str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert len(records(tmp_path / "out")) == len(pages()) - 1
    audit = [json.loads(x) for x in (tmp_path / "out" / "audit.jsonl").read_text().splitlines()]
    [damaged] = [a for a in audit if a.get("rule") == "damaged-file"]
    assert damaged["source"] == "cut.warc" and "cut short" in damaged["message"]


def test_a_folder_of_html_files_runs(runner: CliRunner, tmp_path: Path) -> None:
    raw = html_folder(tmp_path / "raw")
    (raw / "broken.htm").write_bytes(b"<div><p>Unclosed <b>tags and " + page("wcxb-0482")[:4000])
    (raw / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (raw / "cut.html.gz").write_bytes(gzip.compress(page("wcxb-0541"))[:1500])
    result = runner.invoke(cli, ["run", str(raw), str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    outcome = {e["path"]: e["outcome"] for e in manifest["inputs"]}
    assert outcome["image.html"] == outcome["cut.html.gz"] == "rejected"
    assert outcome["broken.htm"] != "rejected"
    assert {e["encoding"] for e in manifest["inputs"] if e["outcome"] != "rejected"} == {"utf-8"}
    sources = {r["source"] for r in records(tmp_path / "out")}
    assert {f"{name}.html" for name in pages()} <= sources | {
        e["path"] for e in manifest["inputs"] if e["outcome"] == "dropped"
    }
    assert "PNG image" in result.output and "Traceback" not in result.output


def test_rerun_reads_only_what_changed(runner: CliRunner, tmp_path: Path) -> None:
    raw = html_folder(tmp_path / "raw")
    first = tmp_path / "out"
    assert runner.invoke(cli, ["run", str(raw), str(first), "-q"]).exit_code == 0
    before = outputs(first)
    again = runner.invoke(cli, ["run", str(raw), str(first), "--fail-on-change", "-q"])
    assert again.exit_code == 0 and outputs(first) == before
    (raw / "crawl.warc.gz").write_bytes(crawl())
    assert runner.invoke(cli, ["run", str(raw), str(first), "-q"]).exit_code == 0
    full = tmp_path / "full"
    assert runner.invoke(cli, ["run", str(raw), str(full), "-q"]).exit_code == 0
    assert outputs(first) == outputs(full)


def test_explain_and_check_take_an_html_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(page("wcxb-5592"))
    result = runner.invoke(cli, ["explain", str(path)])
    assert result.exit_code == 0, result.output
    assert "title: Fitness Transformation" in result.output and "<div" not in result.output
    assert "\npage: " not in result.output  # the markup calls the page nothing
    forum = tmp_path / "topic.html"
    forum.write_text('<html><body class="bbpress single-topic"><p>Hi all.</p></body></html>')
    told = runner.invoke(cli, ["explain", str(forum)]).output
    assert "\npage: a forum's (its <html> or <body> class or id says so)" in told
    data = json.loads(runner.invoke(cli, ["explain", str(path), "--json"]).output)
    assert data[0]["source"] == "page.html"
    report = check_files([path], tmp_path / "no-corpus-yet")
    assert report.files[0].error is None and report.files[0].input_chars > 0
    bad = tmp_path / "bad.html"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    refused = runner.invoke(cli, ["explain", str(bad)])
    assert refused.exit_code == 2 and refused.output.count("\n") == 1
    assert "PNG image" in refused.output


def test_stdin_jsonl_with_html_key(runner: CliRunner) -> None:
    lines = [
        json.dumps({"id": name, "html": body.decode(), "url": f"https://s.org/{name}"})
        for name, body in pages().items()
    ]
    result = runner.invoke(cli, ["run", "-", "-", "--html-key", "html"], input="\n".join(lines))
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert out and all("html" not in r and "<" not in r["text"] for r in out)
    assert {r["id"] for r in out} <= set(pages())
    titles = {parse_html(body).title for body in pages().values()}
    assert {r["title"] for r in out} <= titles
    missing = runner.invoke(cli, ["run", "-", "-", "--html-key", "page"], input=lines[0])
    assert "stdin:1: no field 'page'; use --html-key to name the HTML field" in missing.output
    assert "Traceback" not in missing.output


def test_explain_a_jsonl_file_with_html_key(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps({"id": "a", "html": page("wcxb-0482").decode()}) + "\n")
    result = runner.invoke(cli, ["explain", str(path), "--html-key", "html"])
    assert result.exit_code == 0, result.output
    assert "title: How to Choose a Tool" in result.output


def test_check_takes_the_record_fields_as_run_does(runner: CliRunner, tmp_path: Path) -> None:
    pages_file = tmp_path / "pages.jsonl"
    pages_file.write_text(json.dumps({"id": "a", "html": page("wcxb-0482").decode()}) + "\n")
    as_html = runner.invoke(
        cli, ["check", str(pages_file), "--corpus", str(tmp_path / "none"), "--json",
              "--html-key", "html", "--max-boilerplate", "1"],
    )  # fmt: skip
    assert as_html.exit_code == 0, as_html.output
    [judged] = json.loads(as_html.stdout)["files"]
    # the page was judged on the text read from its markup, as a run reads it
    assert judged["error"] is None
    assert judged["input_chars"] == len(parse_html(page("wcxb-0482")).text)
    without = runner.invoke(cli, ["check", str(pages_file), "--corpus", str(tmp_path / "none")])
    assert without.exit_code == 2 and "no field 'text'; use --text-key" in without.output
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": "b", "body": "A plain post of some words."}) + "\n")
    by_key = runner.invoke(
        cli, ["check", str(posts), "--corpus", str(tmp_path / "none"), "--text-key", "body"]
    )
    assert by_key.exit_code == 0, by_key.output


_MODULES = ["Alpha module reference", "Beta module reference", "Gamma module reference"]
_SIDEBAR = "<nav><ul>" + "".join(f'<li><a href="#">{m}</a></li>' for m in _MODULES) + "</ul></nav>"
_PROSE = (
    "<p>The {n} release changes how the loader reads its settings, and every module that "
    "imports it now finds its options in one place, which the guide below explains.</p>"
    "<p>Each section names what moved, what stays, and how to test a project against the "
    "new loader before the old one goes away in the next major release of the tools.</p>"
)


def test_a_repeated_line_in_the_main_container_is_the_models_to_judge(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Lines a site repeats in its menus go as corpus-repeat, but not from the page
    whose main container holds them (a contents page's list, which the other pages'
    sidebars repeat): there the line model judges them, as any other line."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in ("first", "second", "third"):
        body = f"<html><body>{_SIDEBAR}<main><h1>The {n} guide</h1>{_PROSE.format(n=n)}</main>"
        (raw / f"{n}.html").write_text(body + "</body></html>", encoding="utf-8")
    items = "".join(f'<li><a href="#">{m}</a></li>' for m in _MODULES)
    contents = f"<html><body><main><h1>Modules</h1>{_PROSE.format(n='fourth')}<ul>{items}</ul>"
    (raw / "contents.html").write_text(contents + "</main></body></html>", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(raw), str(out), "--no-dedup", "--workers", "1"])
    assert result.exit_code == 0, result.output
    audit = [json.loads(x) for x in (out / "audit.jsonl").read_text("utf-8").splitlines()]
    taken = {(r["source"], r["text"]): r["rule"] for r in audit if r["text"] in _MODULES}
    for n in ("first", "second", "third"):
        assert [taken.get((f"{n}.html", m)) for m in _MODULES] == ["corpus-repeat"] * 3
    assert all(taken.get(("contents.html", m)) != "corpus-repeat" for m in _MODULES)


_CHAPTER = [  # a docs site's chapter list: its contents page's text, every sidebar's menu
    "asyncio — Asynchronous I/O", "socket — Low-level networking interface",
    "ssl — TLS/SSL wrapper for socket objects", "select — Waiting for I/O completion",
    "selectors — High-level I/O multiplexing", "signal — Set handlers for asynchronous events",
    "mmap — Memory-mapped file support",
]  # fmt: skip


def test_a_repeated_line_the_html_model_keeps_is_not_a_corpus_repeat(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A contents page whose list sits in the page's body (``role=main``) but outside
    its main container (one paragraph outweighs a paragraph and a list of links): the
    list is short lines, not sentences, and the site's sidebars repeat it, but from HTML
    such a line in the page's body goes as corpus-repeat only when the line model doubts
    it. The same list in a ``nav`` inside the body, or on a page with no landmark, still
    goes: the markup does not say it is the page's text."""
    raw = tmp_path / "raw"
    raw.mkdir()
    links = "".join(f'<li><a href="{m.split()[0]}.html">{m}</a></li>' for m in _CHAPTER)
    sidebar = f'<div class="sphinxsidebar" role="navigation"><ul>{links}</ul></div>'
    intro = (
        "<p>The modules described in this chapter provide mechanisms for networking and "
        "communication between processes, and the list below names each of them.</p>"
    )
    for n in ("first", "second", "third"):
        body = f'{sidebar}<div role="main"><h1>The {n} guide</h1>{_PROSE.format(n=n)}</div>'
        if n == "third":  # a menu in the page's body, below its main container
            body = f'<div role="main"><h1>The {n} guide</h1>{intro}<nav>{links}</nav></div>'
        (raw / f"{n}.html").write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    contents = f'<div role="main"><h1>Networking</h1>{intro}<ul>{links}</ul></div>'
    (raw / "contents.html").write_text(f"<html><body>{contents}</body></html>", encoding="utf-8")
    # the same page with no landmark: the markup does not say the list is its body
    bare = f"<div><h1>Networking</h1>{intro}<ul>{links}</ul></div>"
    (raw / "bare.html").write_text(f"<html><body>{bare}</body></html>", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(raw), str(out), "--no-dedup", "--workers", "1"])
    assert result.exit_code == 0, result.output
    audit = [json.loads(x) for x in (out / "audit.jsonl").read_text("utf-8").splitlines()]
    taken = {(r["source"], r["text"]): r["rule"] for r in audit if r["text"] in _CHAPTER}
    # the sidebars' copies go; the list is outside the contents page's main container
    for n in ("first", "second", "third", "bare"):
        assert [taken.get((f"{n}.html", m)) for m in _CHAPTER] == ["corpus-repeat"] * 7
    parsed = parse_html((raw / "contents.html").read_bytes())
    in_main = {
        line: hint[HINTS.index("in_main")]
        for line, hint in zip(parsed.text.split("\n"), parsed.hints, strict=True)
        if hint is not None
    }
    assert [in_main[m] for m in _CHAPTER] == [0.0] * 7
    records = [json.loads(x) for x in (out / "corpus.jsonl").read_text("utf-8").splitlines()]
    [kept] = [r["text"] for r in records if r["source"] == "contents.html"]
    assert all(m in kept.splitlines() for m in _CHAPTER)

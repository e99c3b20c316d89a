"""The report of the sample corpus as a person sees it: rendered by headless Chromium.

The page's DOM is read after its scripts ran, so the charts are the SVG that Vega drew.
Skipped, saying why, only where Debian's chromium is not installed (`.ci/run` installs
it before `make test`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cleaner import clean_corpus
from cleaner.report import write_report
from cleaner.store.manifest import AUDIT, MANIFEST
from tests.browser import Node, chromium, dump_dom, parse, screenshot
from tests.conftest import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        chromium() is None,
        reason="chromium is not installed: `apt-get install chromium` (`.ci/run` does)",
    ),
]

BLOCK_DOC = "001_6caa09c4a7c5a313.txt"
Rendered = tuple[Path, Node, dict[str, Any]]  # output folder, the DOM, the manifest


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The report of the repository's raw/ (the sample corpus), as Chromium renders it."""
    out = tmp_path_factory.mktemp("report") / "clean"
    clean_corpus(ROOT / "raw", out)
    page = write_report(out)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    return out, parse(dump_dom(page)), manifest


def _number(dom: Node, key: str) -> int:
    [cell] = dom.find("dd", id=f"n-{key}")
    return int(cell.text.replace(",", ""))


def test_summary_numbers_are_the_manifests(rendered: Rendered) -> None:
    _, dom, manifest = rendered
    counts = manifest["counts"]
    docs, files = counts["documents"], counts["files"]
    stages = counts["stages"]
    assert _number(dom, "documents-in") == docs["in"]
    assert _number(dom, "kept") == docs["kept"]
    assert _number(dom, "dropped") == sum(docs["dropped"].values())
    assert _number(dom, "files-in") == files["in"]
    assert _number(dom, "files-rejected") == files["rejected"]
    assert _number(dom, "chars-removed") == sum(
        r["chars"] for rules in stages.values() for r in rules.values()
    )
    assert _number(dom, "lines-removed") == sum(
        r["changes"] for s, rules in stages.items() if s != "repair-text" for r in rules.values()
    )
    [table] = dom.find("section", id="rules")[0].find("table")
    shown = {
        (cells[0], cells[1]): [int(c.replace(",", "")) for c in cells[2:]]
        for row in table.find("tr")[1:]
        for cells in [[td.text for td in row.find("td")]]
    }
    assert shown == {
        (s, rule): [r["changes"], r["documents"], r["chars"]]
        for s, rules in stages.items()
        for rule, r in rules.items()
    }


def test_rules_chart_is_drawn_with_its_data(rendered: Rendered) -> None:
    _, dom, manifest = rendered
    [chart] = dom.find("div", id="chart-rules")
    assert chart.attrs.get("data-drawn") == "true"
    [svg] = chart.find("svg")
    labels = {t.text for t in svg.find("text")}
    block = manifest["counts"]["stages"]["dedup-blocks"]["repeated-block"]
    assert "dedup-blocks / repeated-block" in labels
    assert f"{block['chars']:,} chars, {block['changes']} changes, 1 doc" in labels
    bars = [p for p in svg.find("path") if "mark-rect" in _ancestry(svg, p)]
    assert len(bars) == sum(len(r) for r in manifest["counts"]["stages"].values())
    for ident in ("chart-shares", "chart-sources"):
        [other] = dom.find("div", id=ident)
        assert other.attrs.get("data-drawn") == "true" and other.find("svg")


def _ancestry(root: Node, target: Node) -> str:
    """The classes of the groups around ``target``, joined."""

    def path(node: Node) -> list[Node] | None:
        if node is target:
            return [node]
        for child in node.children:
            if isinstance(child, Node) and (found := path(child)) is not None:
                return [node, *found]
        return None

    return " ".join(n.attrs.get("class", "") for n in path(root) or [])


def test_repeated_block_shown_removed_with_its_rule(rendered: Rendered) -> None:
    out, dom, _ = rendered
    [doc] = [a for a in dom.find("article", cls="doc") if BLOCK_DOC in a.find("h3")[0].text]
    removed = [
        json.loads(line)["text"]
        for line in (out / AUDIT).read_text(encoding="utf-8").splitlines()
        if BLOCK_DOC in line and '"repeated-block"' in line
    ]
    marked = doc.find("span", cls="removed", data_rule="repeated-block")
    assert [m.text for m in marked] == [f"- [repeated-block] {t}" for t in removed]
    assert len(marked) == 9
    kept = [s.text for s in doc.find("span", cls="line") if "removed" not in s.classes]
    assert removed[0] in kept  # the first copy stays, as plain text
    assert not doc.find("p", cls="note")  # the page agrees with the audit


def test_screenshot_is_written(rendered: Rendered, tmp_path: Path) -> None:
    out, _, _ = rendered
    png = tmp_path / "report.png"
    screenshot(out / "report.html", png, 1280, 900)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 900)

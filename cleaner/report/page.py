"""The report as one HTML page: a small template, every value through ``html.escape``.

The page needs nothing but itself: styles, chart data and the chart bundles are inline.
It reads without colour (a removed line says ``- [rule]``, a diff says what it deleted
and inserted with ``<del>`` and ``<ins>``, charts label their bars) and all its text,
tables under the charts included, can be searched in the browser.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Collection
from html import escape
from typing import Any
from urllib.parse import quote

from cleaner._version import __version__
from cleaner.report.charts import (
    LIBRARIES,
    bundle,
    histogram_chart,
    rules_chart,
    sources_chart,
)
from cleaner.report.facts import Cluster, Facts
from cleaner.report.samples import Shown

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;color:#1a1a1a;max-width:72rem;margin:0 auto;
padding:1rem 2rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:2px solid #ccc;margin-top:2.2rem}
nav a{margin-right:1rem}.numbers{display:flex;flex-wrap:wrap;gap:.6rem;padding:0}
.numbers div{border:1px solid #bbb;border-radius:6px;padding:.4rem .8rem;min-width:8rem}
.numbers dt{font-size:.85rem;color:#444}.numbers dd{margin:0;font-size:1.4rem;font-weight:600}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #ccc;padding:.15rem .5rem;
text-align:left;vertical-align:top}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#f4f4f4;border-left:4px solid #888;padding:.3rem .7rem}
.page{white-space:pre-wrap;font:13px/1.4 ui-monospace,monospace;border:1px solid #ccc;padding:.5rem}
.line{display:block}.removed{background:#fbe9e9;color:#6b1010;border-left:4px solid #b42318;
padding-left:.3rem}.rule{font-weight:700}.diff{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.diff div{white-space:pre-wrap;font:13px/1.4 ui-monospace,monospace;border:1px solid #ccc;
padding:.4rem}
del{background:#fbe9e9;text-decoration:line-through}ins{background:#e3f4e3;text-decoration:underline}
summary{cursor:pointer}.chart{min-height:2rem}
"""

_WORDS = re.compile(r"\S+|\s+")


def _n(value: int) -> str:
    return f"{value:,}"


def _table(header: list[str], rows: list[list[Any]], numeric: Collection[int] = ()) -> str:
    """A table; columns in ``numeric`` are right-aligned and their ints get separators."""

    def cell(i: int, value: Any, tag: str = "td") -> str:
        text = _n(value) if isinstance(value, int) and i in numeric else str(value)
        cls = ' class="n"' if i in numeric else ""
        return f"<{tag}{cls}>{escape(text)}</{tag}>"

    head = "".join(cell(i, h, "th") for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell(i, v) for i, v in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<`` can close it."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def diff_words(kept: str, dropped: str) -> tuple[str, str]:
    """Two HTML columns: ``kept`` with the words the duplicate lacks in ``<del>``, and
    ``dropped`` with its own words in ``<ins>``.

    >>> diff_words("a b c", "a x c")
    ('a <del>b</del> c', 'a <ins>x</ins> c')
    """
    a, b = _WORDS.findall(kept), _WORDS.findall(dropped)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        one, two = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(one)
            right.append(two)
            continue
        if one:
            left.append(f"<del>{one}</del>")
        if two:
            right.append(f"<ins>{two}</ins>")
    return "".join(left), "".join(right)


def _summary(facts: Facts) -> str:
    r, m = facts.report, facts.manifest
    counts = m.get("counts", {})
    files = counts.get("files", {})
    numbers = [
        ("documents-in", "documents in", r.documents_in),
        ("kept", "kept", r.kept),
        ("dropped", "dropped", sum(r.dropped.values())),
        *((f"dropped-{k}", f"dropped: {k}", v) for k, v in sorted(r.dropped.items())),
        ("lines-removed", "lines removed", r.lines_removed),
        ("chars-removed", "characters removed", facts.chars_removed),
        ("files-in", "input files", int(files.get("in", 0))),
        ("files-rejected", "files rejected", r.files_rejected),
        ("records-rejected", "records rejected", r.records_rejected),
    ]
    cells = "".join(
        f'<div><dt>{escape(label)}</dt><dd id="n-{escape(key)}">{_n(value)}</dd></div>'
        for key, label, value in numbers
    )
    run = m.get("run", {})
    when = (
        f"run {escape(str(run.get('started', '?')))} in {float(run.get('seconds', 0)):.1f} s, "
        f"{escape(str(run.get('mode', '')))}: {escape(str(run.get('reason', '')))}"
    )
    config = json.dumps(m.get("config", {}), ensure_ascii=False, sort_keys=True, indent=1)
    return (
        f'<section id="summary"><h2>Summary</h2><dl class="numbers">{cells}</dl>'
        f"<p>{when}. cleaner {escape(str(m.get('version', '?')))}; stages "
        f"{escape(', '.join(m.get('stages', [])))}; config {escape(str(m.get('config_hash')))}, "
        f"line model {escape(str(m.get('boilerplate_model')))}.</p>"
        f"<details><summary>config</summary><pre>{escape(config)}</pre></details></section>"
    )


def _numbers(table: str) -> str:
    """A chart's numbers as a table, folded under it (the browser's search still finds them)."""
    return f"<details><summary>the same numbers as a table</summary>{table}</details>"


def _chart(ident: str, spec: dict[str, Any], label: str) -> str:
    return (
        f'<div class="chart" id="{ident}" role="img" aria-label="{escape(label)}" '
        f'data-spec="{escape(_script_json(spec))}">'
        "<p class=note>The chart needs JavaScript; the table below it holds its numbers.</p></div>"
    )


def _rules(facts: Facts) -> str:
    rows = [[r["stage"], r["rule"], r["changes"], r["documents"], r["chars"]] for r in facts.rules]
    return (
        '<section id="rules"><h2>Removals per stage and rule</h2>'
        "<p>Characters each rule removed, whole dropped documents included (the "
        "manifest's counts). A change is a line, a paragraph or a document.</p>"
        + _chart("chart-rules", rules_chart(facts.rules), "characters removed per rule")
        + _numbers(_table(["stage", "rule", "changes", "documents", "chars"], rows, {2, 3, 4}))
        + "</section>"
    )


def _shares(facts: Facts) -> str:
    hist = [[f"{b['start']:g}–{b['end']:g}%", b["documents"]] for b in facts.histogram]
    srcs = [
        [
            s.name,
            s.documents,
            s.kept + s.removed,
            s.removed,
            f"{100 * s.share:.1f}%",
            f"{s.top_rule[0]} ({_n(s.top_rule[1])})" if s.top_rule else "",
        ]
        for s in facts.sources
    ]
    shown = (
        f"the {len(facts.sources)} of {_n(facts.sources_total)} sources that lost most"
        if facts.sources_total > len(facts.sources)
        else (
            "the only source" if facts.sources_total == 1 else f"all {facts.sources_total} sources"
        )
    )
    return (
        '<section id="shares"><h2>How much each document and source lost</h2>'
        "<p>Share removed = characters removed ÷ (characters kept + removed), from the "
        "audit and the corpus. Every document counts, dropped ones at 100%.</p>"
        + _chart("chart-shares", histogram_chart(facts.histogram), "documents by share removed")
        + _numbers(_table(["share removed", "documents"], hist, {1}))
        + f"<h3>Per source (the input's folder)</h3><p>Showing {shown}, the largest share "
        "first, so that a rule too eager on one site stands out (. is the top folder).</p>"
        + _chart("chart-sources", sources_chart(facts.sources), "share removed per source")
        + _numbers(
            _table(
                ["source", "documents", "chars in", "chars removed", "share", "most removed by"],
                srcs,
                {1, 2, 3},
            )
        )
        + "</section>"
    )


def _cluster(c: Cluster, diff_chars: int) -> str:
    rows = []
    for d in c.duplicates:
        sim = "" if d.similarity is None else f"{d.similarity:.4f}"
        if c.text is not None and d.text is not None:
            left, right = diff_words(c.text[:diff_chars], d.text[:diff_chars])
            cut = (
                f" (first {diff_chars:,} characters)"
                if max(len(c.text), len(d.text)) > diff_chars
                else ""
            )
            diff = (
                f"<details><summary>diff with the kept document{cut}</summary>"
                '<div class="diff"><div><strong>kept</strong>, <del>only here</del>\n'
                f"{left}</div><div><strong>dropped</strong>, <ins>only here</ins>\n{right}"
                "</div></div></details>"
            )
        else:
            diff = "<p>(text not found in the corpus and audit)</p>"
        rows.append(
            f"<li>{escape(d.source)} (id {escape(d.id)}), similarity {escape(sim)}{diff}</li>"
        )
    more = f"<li>… and {_n(c.total - len(c.duplicates))} more</li>" if c.total > len(rows) else ""
    return (
        f'<article class="cluster"><h3>kept {escape(c.kept_source)} (id {escape(c.kept)}), '
        f"{_n(c.total)} dropped</h3><ul>{''.join(rows)}{more}</ul></article>"
    )


def _clusters(facts: Facts) -> str:
    if not facts.clusters:
        return '<section id="duplicates"><h2>Duplicate clusters</h2><p>None.</p></section>'
    head = (
        f"Showing the {len(facts.clusters)} largest of {_n(facts.clusters_total)} clusters"
        if facts.clusters_total > len(facts.clusters)
        else f"All {_n(facts.clusters_total)} clusters"
    )
    return (
        '<section id="duplicates"><h2>Duplicate clusters</h2>'
        f"<p>{head}, up to {facts.limits.duplicates} duplicates each; open a diff to compare "
        "a dropped document with the kept one.</p>"
        + "".join(_cluster(c, facts.limits.diff_chars) for c in facts.clusters)
        + "</section>"
    )


def _line(text: str, rule: str | None, label: str) -> str:
    if rule is None:
        return f'<span class="line">{escape(text) or " "}</span>'
    return (
        f'<span class="line removed" data-rule="{escape(rule)}">'
        f'<span class="rule">- [{escape(label)}]</span> {escape(text)}</span>'
    )


def _document(item: Shown) -> str:
    d, e = item.loss, item.explanation
    removed: Counter[str] = Counter()
    for row in item.removals:
        removed[str(row.get("rule"))] += len(str(row.get("text", "")))
    rules = ", ".join(f"{rule} {_n(n)}" for rule, n in removed.most_common())
    head = (
        # an id holds no space (nor anything to escape): the name and id percent-encoded
        f'<article class="doc" id="doc-{quote(d.source, safe="")}-{quote(d.id, safe="")}">'
        f"<h3>{escape(d.source)} (id {escape(d.id)})</h3><p>{100 * d.share:.1f}% removed: "
        f"{_n(d.removed)} of {_n(d.kept + d.removed)} characters"
        + (f" ({escape(rules)})" if rules else "")
        + (f"; dropped by {escape(d.dropped)}" if d.dropped else "")
        + "</p>"
    )
    note = f'<p class="note">{escape(item.note)}</p>' if item.note else ""
    body = ""
    if e is not None:
        found = [("title", e.title), ("date", e.date), ("author", e.author)]
        meta = "".join(f"<li>{k}: {escape(v)}</li>" for k, v in found if v)
        body += f"<ul>{meta}</ul>" if meta else ""
        body += (
            '<div class="page">'
            + "".join(_line(ln.text, ln.rule, ln.label) for ln in e.lines)
            + "</div>"
        )
    if e is None or item.note:
        rows = [
            [r.get("line", ""), f"{r.get('stage')} / {r.get('rule')}", r.get("text", "")]
            for r in item.removals
        ]
        body += "<p>The run's audit of this document:</p>" + _table(
            ["line", "stage / rule", "removed text"], rows
        )
    return head + note + body + "</article>"


def _documents(facts: Facts, shown: list[Shown]) -> str:
    return (
        '<section id="documents"><h2>The documents that lost most</h2>'
        f"<p>The {len(shown)} of {_n(facts.documents_total)} documents that lost the largest "
        "share (near-duplicates are under Duplicate clusters), as <code>cleaner explain</code> "
        "shows them: kept lines plain, each removed line as <code>- [rule | where] text</code>.</p>"
        + "".join(_document(item) for item in shown)
        + "</section>"
    )


def _rejections(facts: Facts) -> str:
    rows = [
        [r.get("source", ""), r.get("rule", ""), r.get("message", "")] for r in facts.rejections
    ]
    shown = (
        f"The first {len(rows)} of {_n(facts.rejections_total)}"
        if facts.rejections_total > len(rows)
        else f"All {_n(facts.rejections_total)}"
    )
    table = _table(["input", "reason", "message"], rows) if rows else ""
    return (
        f'<section id="rejected"><h2>Rejected inputs</h2><p>{shown} rejected files and '
        f"records, in the audit's order.</p>{table}</section>"
    )


EMBED = """
document.querySelectorAll('.chart[data-spec]').forEach(function (el) {
  var spec = JSON.parse(el.getAttribute('data-spec'));
  vegaEmbed(el, spec, {mode: 'vega-lite', renderer: 'svg', actions: false})
    .then(function () { el.setAttribute('data-drawn', 'true'); })
    .catch(function (e) { el.textContent = 'The chart failed: ' + e; });
});
"""


def render(facts: Facts, shown: list[Shown]) -> str:
    """The whole page."""
    libs = ", ".join(f"{pkg} {ver} ({lic})" for _, pkg, ver, lic in LIBRARIES)
    scripts = "".join(f"<script>{bundle(name)}</script>" for name, *_ in LIBRARIES)
    title = f"cleaner report: {facts.output}"
    nav = "".join(
        f'<a href="#{i}">{t}</a>'
        for i, t in (
            ("summary", "Summary"),
            ("rules", "Rules"),
            ("shares", "Shares"),
            ("duplicates", "Duplicates"),
            ("documents", "Documents"),
            ("rejected", "Rejected"),
        )
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>What cleaning did: {escape(str(facts.output))}</h1>"
        f"<p>{escape(facts.report.summary())}</p><nav>{nav}</nav></header><main>"
        + _summary(facts)
        + _rules(facts)
        + _shares(facts)
        + _clusters(facts)
        + _documents(facts, shown)
        + _rejections(facts)
        + f"</main><footer><p>Written by cleaner {escape(__version__)}. Charts drawn by "
        f"{escape(libs)}, inlined.</p></footer>"
        + scripts
        + f"<script>{EMBED}</script></body></html>\n"
    )

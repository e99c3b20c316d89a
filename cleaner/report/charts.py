"""The report's charts: Vega-Lite specs, drawn in the page by the vendored Vega bundles.

Each spec carries its data inline, and the bundles are inlined into the page too
(see ``vendor/README.md`` for their versions and licences), so a saved page draws its
charts with no network. Every chart is one colour and labels its bars with their
numbers, so it reads without colour; the page puts a table of the same numbers under
each chart, for search and for screen readers.
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any

from cleaner.report.facts import SourceLoss

LIBRARIES = (  # (file in vendor/, npm package, version, licence); vendor/README.md agrees
    ("vega.min.js", "vega", "6.4.0", "BSD-3-Clause"),
    ("vega-lite.min.js", "vega-lite", "6.5.0", "BSD-3-Clause"),
    ("vega-embed.min.js", "vega-embed", "7.3.0", "BSD-3-Clause"),
)
BAR = "#4c6a92"  # one colour for every bar; contrast 5.9:1 on white
_SOURCE_MAP = re.compile(r"\n?//# sourceMappingURL=\S+\s*$")


def bundle(name: str) -> str:
    """A vendored bundle's text, without its source-map comment (the map is not shipped)."""
    text = (files("cleaner.report") / "vendor" / name).read_text(encoding="utf-8")
    return _SOURCE_MAP.sub("", text)


def count(n: int, word: str) -> str:
    """``n`` and ``word``, plural when ``n`` is not 1.

    >>> count(1, "doc"), count(3_200, "change")
    ('1 doc', '3,200 changes')
    """
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _labelled_bars(
    values: list[dict[str, Any]], y: str, x: str, x_title: str, note: str
) -> dict[str, Any]:
    """Horizontal bars, largest first, each with its numbers written beside it."""
    axis_y = {"field": y, "type": "nominal", "sort": None, "title": None}
    axis_x = {"field": x, "type": "quantitative", "title": x_title}
    return {
        "data": {"values": values},
        "width": 560,
        "height": {"step": 20},
        "encoding": {"y": axis_y, "x": axis_x},
        "layer": [
            {"mark": {"type": "bar", "color": BAR}},
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "color": "#1a1a1a"},
                "encoding": {"text": {"field": note}},
            },
        ],
        "config": {"axis": {"labelLimit": 320, "labelFontSize": 12}},
    }


def rules_chart(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """Characters removed per stage and rule (the manifest's counts)."""
    values = [
        {
            "label": f"{r['stage']} / {r['rule']}",
            "chars": r["chars"],
            "note": f"{count(r['chars'], 'char')}, {count(r['changes'], 'change')}, "
            f"{count(r['documents'], 'doc')}",
        }
        for r in rules
    ]
    spec = _labelled_bars(values, "label", "chars", "characters removed", "note")
    spec["description"] = "Characters removed per stage and rule"
    return spec


def histogram_chart(bins: list[dict[str, Any]]) -> dict[str, Any]:
    """Documents by the share of their characters removed, in bins of percent."""
    values = [{**b, "label": f"{b['documents']:,}" if b["documents"] else ""} for b in bins]
    x = {
        "field": "start",
        "bin": {"binned": True, "step": bins[0]["end"] - bins[0]["start"] if bins else 5},
        "type": "quantitative",
        "title": "share of the document removed (%)",
        "scale": {"domain": [0, 100]},
    }
    return {
        "description": "Documents by the share of their characters removed",
        "data": {"values": values},
        "width": 560,
        "height": 200,
        "encoding": {"x": x, "x2": {"field": "end"}},
        "layer": [
            {
                "mark": {"type": "bar", "color": BAR, "stroke": "white"},
                "encoding": {
                    "y": {
                        "field": "documents",
                        "type": "quantitative",
                        "title": "documents",
                        "axis": {"tickMinStep": 1, "format": "d"},
                    }
                },
            },
            {
                "mark": {"type": "text", "dy": -6, "color": "#1a1a1a"},
                "encoding": {
                    "x": {"field": "middle", "type": "quantitative"},
                    "y": {"field": "documents", "type": "quantitative"},
                    "text": {"field": "label"},
                },
                "transform": [{"calculate": "(datum.start + datum.end) / 2", "as": "middle"}],
            },
        ],
    }


def sources_chart(sources: list[SourceLoss]) -> dict[str, Any]:
    """The share removed per source, the largest first, with the rule that removed most."""
    values = []
    for s in sources:
        top = s.top_rule
        most = f"; most by {top[0]}" if top and top[1] else ""
        values.append(
            {
                "source": s.name,
                "percent": round(100 * s.share, 1),
                "note": f"{100 * s.share:.1f}% of {count(s.kept + s.removed, 'char')}, "
                f"{count(s.documents, 'doc')}{most}",
            }
        )
    spec = _labelled_bars(
        values, "source", "percent", "share of the characters removed (%)", "note"
    )
    spec["encoding"]["x"]["scale"] = {"domain": [0, 100]}
    spec["description"] = "Share of the characters removed per source"
    return spec

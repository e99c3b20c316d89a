"""``cleaner report``: one self-contained HTML page of what a run did.

Modules::

    facts    what the page shows, from the manifest, the audit and the corpus
    samples  the documents shown line by line, explained again from the raw inputs
    charts   the Vega-Lite specs, and the vendored Vega bundles the page inlines
    page     the HTML template

The page is written next to the run's outputs (``OUTPUT/report.html``) by default; it
opens from disk with no network. See :func:`write_report`.
"""

from __future__ import annotations

from pathlib import Path

from cleaner.report.facts import Limits, gather
from cleaner.report.page import render
from cleaner.report.samples import explain_losses
from cleaner.store.output import AtomicWriter

REPORT = "report.html"


def write_report(
    output: Path,
    dest: Path | None = None,
    *,
    inputs: Path | None = None,
    limits: Limits | None = None,
) -> Path:
    """Write the report of the finished run in ``output`` and return its path.

    ``dest`` defaults to ``output/report.html``; it is written atomically. ``inputs``
    is where the run read its raw files, for the documents shown line by line; by
    default the folder the output's state index remembers. The summary, the rules and
    the shares cover the whole corpus; ``limits`` (default :class:`Limits`) bounds
    the lists on a large one.
    Raises :class:`~cleaner.errors.InputError` when ``output`` holds no finished run.
    """
    facts = gather(output, limits or Limits())
    page = render(facts, explain_losses(facts, inputs))
    dest = dest if dest is not None else output / REPORT
    writer = AtomicWriter(dest)
    try:
        writer.write_text(page)
    except BaseException:
        writer.abort()
        raise
    writer.commit()
    return dest


__all__ = ["REPORT", "Limits", "write_report"]

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

import os
from pathlib import Path

from cleaner.config import as_path
from cleaner.errors import InputError, OutputError, UsageError
from cleaner.names import STATE_DIR
from cleaner.report.facts import Limits, gather
from cleaner.report.page import render
from cleaner.report.samples import explain_losses
from cleaner.store.manifest import MANIFEST
from cleaner.store.outdir import PUBLISHED
from cleaner.store.output import AtomicWriter
from cleaner.tables import VALUE_ERRORS, damaged_manifest

REPORT = "report.html"


def write_report(
    output: Path | str,
    dest: Path | str | None = None,
    *,
    inputs: Path | str | None = None,
    limits: Limits | None = None,
) -> Path:
    """Write the report of the finished run in ``output`` and return its path.

    ``dest`` defaults to ``output/report.html``; it is written atomically. ``inputs``
    is where the run read its raw files, for the documents shown line by line; by
    default the folder the output's state index remembers. The summary, the rules and
    the shares cover the whole corpus; ``limits`` (default :class:`Limits`) bounds
    the lists on a large one.
    Raises :class:`~cleaner.errors.InputError` when ``output`` holds no finished run or
    ``inputs`` does not exist, :class:`~cleaner.errors.OutputError` when ``dest`` is one
    of the run's own files or cannot be written, and :class:`~cleaner.errors.UsageError`
    for an argument of the wrong kind.
    """
    output = as_path(output, "output")
    if limits is not None and not isinstance(limits, Limits):
        raise UsageError(f"limits must be a Limits or None, not {limits!r}")
    if not output.is_dir():
        raise InputError(
            f"{output}: not an output folder of `cleaner run` (no such folder); "
            "pass the OUTPUT folder of a finished run."
        )
    dest = as_path(dest, "dest") if dest is not None else output / REPORT
    _check_dest(output, dest)
    raw = None if inputs is None else as_path(inputs, "inputs")
    if raw is not None and not raw.exists():
        raise InputError(f"{raw}: no such file or folder; pass where the run's raw files are now")
    try:
        facts = gather(output, limits or Limits())
        page = render(facts, explain_losses(facts, raw))
    except VALUE_ERRORS as e:
        raise damaged_manifest(output / MANIFEST, e) from None
    try:
        writer = AtomicWriter(dest)
    except OSError as e:
        raise OutputError(f"{dest}: cannot write the report there ({e.strerror})") from e
    try:
        writer.write_text(page)
    except BaseException:
        writer.abort()
        raise
    try:
        writer.commit()
    except OSError as e:
        writer.abort()
        raise OutputError(f"{dest}: cannot write the report there ({e.strerror})") from e
    return dest


def _check_dest(output: Path, dest: Path) -> None:
    """Refuse a ``dest`` that would replace a file of the run in ``output`` (its corpus,
    audit or manifest, or anything in its state folder), a folder, or one in a folder
    that does not exist, or an existing path that is no regular file (a device, a pipe:
    the page is written beside it and renamed over it)."""
    folder = Path(os.path.realpath(dest.parent))
    own = Path(os.path.realpath(output))
    if (folder == own and dest.name in (*PUBLISHED, STATE_DIR)) or folder.is_relative_to(
        own / STATE_DIR
    ):
        raise OutputError(f"{dest}: a file of the run in {output}; write the report elsewhere")
    if not folder.is_dir():
        raise OutputError(f"{dest.parent}: no such folder; create it or write the report elsewhere")
    if dest.is_dir():
        raise OutputError(f"{dest}: a folder; name the report's file, e.g. {dest / REPORT}")
    if dest.exists() and not dest.is_file():  # the page would replace the device or pipe
        raise OutputError(f"{dest}: not a regular file (a device or pipe); name a file")


__all__ = ["REPORT", "Limits", "write_report"]

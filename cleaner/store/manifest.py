"""The manifest: what a run read, did and wrote. Written last, so its presence means done.

Everything in it is a function of the inputs and the config, except ``run`` (this run:
mode, why, what it touched, when and how long) and ``runs`` (every run so far, oldest
first). A full rebuild and an incremental run over the same inputs write the same
manifest once those two keys are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from cleaner._version import __version__
from cleaner.config import CleanConfig
from cleaner.document import Change
from cleaner.rules.model import model_digest
from cleaner.stats import Stats

MANIFEST = "manifest.json"
CORPUS = "corpus.jsonl"
AUDIT = "audit.jsonl"
RUN_KEYS = ("run", "runs")  # the only keys whose values change between identical runs


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is no JSON number")


def parse_manifest(text: str) -> Any:
    """A manifest's JSON, as strict as a run writes it: ``NaN`` and ``Infinity``, which
    Python's reader takes and no run writes, are a :class:`ValueError`.

    >>> parse_manifest('{"counts": {}}')
    {'counts': {}}
    >>> parse_manifest('{"in": NaN}')
    Traceback (most recent call last):
    ValueError: NaN is no JSON number
    """
    return json.loads(text, parse_constant=_no_constant)


def duplicate_clusters(dropped: Iterable[tuple[str, str, Change]]) -> list[dict[str, Any]]:
    """Group dropped near-duplicates and contained documents (id, source, change) by the
    kept document, sorted."""
    clusters: dict[str, dict[str, Any]] = {}
    for ident, source, change in dropped:
        detail = change.detail
        if "duplicate_of" not in detail:
            continue
        entry = clusters.setdefault(
            detail["duplicate_of"],
            {
                "kept": detail["duplicate_of"],
                "kept_source": detail.get("duplicate_source"),
                "duplicates": [],
            },
        )
        found = {"id": ident, "source": source, "similarity": detail.get("similarity")}
        if "containment" in detail:  # dropped as contained in the kept one
            found["containment"] = detail["containment"]
        entry["duplicates"].append(found)
    for entry in clusters.values():
        entry["duplicates"].sort(key=lambda d: (d["source"], d["id"]))
    return [clusters[k] for k in sorted(clusters)]


def build_manifest(
    *,
    config: CleanConfig,
    inputs: Sequence[dict[str, Any]],
    outputs: dict[str, dict[str, Any]],
    counts: Stats,
    duplicates: list[dict[str, Any]],
    stages: Sequence[str],
    run: dict[str, Any],
    history: Sequence[dict[str, Any]] = (),
    dedup_scheme: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of a finished run; ``history`` is the ``runs`` of the previous one."""
    rejected = sum(1 for f in inputs if f.get("outcome") == "rejected")
    return {
        "tool": "cleaner",
        "version": __version__,
        "config": config.to_dict(),
        "config_hash": config.hash(),
        "boilerplate_model": model_digest(),
        "stages": list(stages),
        "dedup_scheme": dedup_scheme or {},
        "inputs": list(inputs),
        "outputs": outputs,
        "counts": {**counts.to_dict(), "files": {"in": len(inputs), "rejected": rejected}},
        "duplicates": duplicates,
        "run": run,
        "runs": [*history, run],
    }


def comparable(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without the keys that differ between identical runs."""
    return {k: v for k, v in manifest.items() if k not in RUN_KEYS}

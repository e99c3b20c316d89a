"""The manifest: what a run read, did and wrote. Written last, so its presence means done."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cleaner import __version__
from cleaner.config import CleanConfig
from cleaner.document import Document
from cleaner.readers import InputFile
from cleaner.stats import Stats

MANIFEST = "manifest.json"
CORPUS = "corpus.jsonl"
AUDIT = "audit.jsonl"
RUN_KEYS = ("run",)  # the only keys whose values change between identical runs


def duplicate_clusters(dropped: Sequence[Document]) -> list[dict[str, Any]]:
    """Group dropped near-duplicates by the document they duplicate, sorted by kept id."""
    clusters: dict[str, dict[str, Any]] = {}
    for doc in dropped:
        if doc.dropped is None or "duplicate_of" not in doc.dropped.detail:
            continue
        detail = doc.dropped.detail
        entry = clusters.setdefault(detail["duplicate_of"], {
            "kept": detail["duplicate_of"], "kept_source": detail.get("duplicate_source"),
            "duplicates": []})
        entry["duplicates"].append(
            {"id": doc.id, "source": doc.source, "similarity": detail.get("similarity")})
    for entry in clusters.values():
        entry["duplicates"].sort(key=lambda d: (d["source"], d["id"]))
    return [clusters[k] for k in sorted(clusters)]


def build_manifest(
    *,
    config: CleanConfig,
    inputs: Sequence[InputFile],
    outputs: dict[str, dict[str, Any]],
    stats: Stats,
    dropped: Sequence[Document],
    stages: Sequence[str],
    dedup_scheme: dict[str, Any],
    run: dict[str, Any],
) -> dict[str, Any]:
    rejected = sum(1 for f in inputs if f.outcome == "rejected")
    return {
        "tool": "cleaner",
        "version": __version__,
        "config": config.to_dict(),
        "config_hash": config.hash(),
        "stages": list(stages),
        "dedup_scheme": dedup_scheme,
        "inputs": [f.to_dict() for f in inputs],
        "outputs": outputs,
        "counts": {**stats.to_dict(), "files": {"in": len(inputs), "rejected": rejected}},
        "duplicates": duplicate_clusters(dropped),
        "run": run,
    }

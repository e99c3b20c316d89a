"""Bring an output folder up to date and say which files changed (the formatter convention).

:func:`sync_corpus` runs :func:`~cleaner.run.corpus.clean_corpus` and compares the outputs
with what was there before. A run with no added, changed or removed input writes
nothing (see :func:`~cleaner.run.corpus.clean_corpus`), so a folder kept in git does not
change on every run. The pre-commit hook
``cleaner-sync`` (``cleaner run --fail-on-change``) fails when a file changed, so the
commit can carry the updated corpus.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cleaner.config import CleanConfig
from cleaner.executors import Executor
from cleaner.progress import Progress
from cleaner.run.corpus import Report, clean_corpus
from cleaner.store.manifest import AUDIT, CORPUS, MANIFEST, RUN_KEYS


def _fingerprint(path: Path) -> str | None:
    """A digest of a file; for the manifest, of its content less the run keys."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if path.name == MANIFEST:
        try:
            body: Any = json.loads(data)
        except ValueError:
            return hashlib.sha256(data).hexdigest()
        if isinstance(body, dict):
            for key in RUN_KEYS:
                body.pop(key, None)
        data = json.dumps(body, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def sync_corpus(
    input_path: Path,
    output: Path,
    config: CleanConfig = CleanConfig(),
    *,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> tuple[Report, list[Path]]:
    """Clean ``input_path`` into ``output``; return the report and the files that changed."""
    names = (CORPUS, AUDIT, MANIFEST)
    before = {name: _fingerprint(output / name) for name in names}
    report = clean_corpus(input_path, output, config, progress=progress, executor=executor)
    changed = [output / n for n in names if _fingerprint(output / n) != before[n]]
    return report, changed

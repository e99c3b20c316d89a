"""cleaner: turn raw scraped text into a clean, deduplicated JSONL corpus with a manifest.

The public API is imported on first use (PEP 562), so that ``cleaner --version`` and
``cleaner --help`` start without numpy, the readers or SQLite.
"""

from __future__ import annotations

import importlib
import typing

from cleaner._version import __version__

if typing.TYPE_CHECKING:
    from cleaner.config import (
        BoilerplateConfig,
        CleanConfig,
        DedupConfig,
        RepairConfig,
        load_config,
    )
    from cleaner.document import Change, Document
    from cleaner.errors import CleanerError, InputError, LockedError, OutputError, UsageError
    from cleaner.pipeline import Pipeline
    from cleaner.report import write_report
    from cleaner.run.check import CheckReport, FileCheck, check_files
    from cleaner.run.corpus import clean_corpus
    from cleaner.run.report import Report
    from cleaner.run.stream import StreamCleaner, clean_records

# each public name and the module that defines it
_EXPORTS = {
    "BoilerplateConfig": "cleaner.config",
    "CleanConfig": "cleaner.config",
    "DedupConfig": "cleaner.config",
    "RepairConfig": "cleaner.config",
    "load_config": "cleaner.config",
    "Change": "cleaner.document",
    "Document": "cleaner.document",
    "CleanerError": "cleaner.errors",
    "InputError": "cleaner.errors",
    "LockedError": "cleaner.errors",
    "OutputError": "cleaner.errors",
    "UsageError": "cleaner.errors",
    "Pipeline": "cleaner.pipeline",
    "write_report": "cleaner.report",
    "CheckReport": "cleaner.run.check",
    "FileCheck": "cleaner.run.check",
    "check_files": "cleaner.run.check",
    "clean_corpus": "cleaner.run.corpus",
    "Report": "cleaner.run.report",
    "StreamCleaner": "cleaner.run.stream",
    "clean_records": "cleaner.run.stream",
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cleaner' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "BoilerplateConfig",
    "Change",
    "CheckReport",
    "CleanConfig",
    "CleanerError",
    "DedupConfig",
    "Document",
    "FileCheck",
    "InputError",
    "LockedError",
    "OutputError",
    "Pipeline",
    "RepairConfig",
    "Report",
    "StreamCleaner",
    "UsageError",
    "__version__",
    "check_files",
    "clean_corpus",
    "clean_records",
    "load_config",
    "write_report",
]

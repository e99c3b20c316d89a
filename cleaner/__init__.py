"""cleaner: turn raw scraped text into a clean, deduplicated JSONL corpus with a manifest."""

from __future__ import annotations

from cleaner._version import __version__
from cleaner.config import BoilerplateConfig, CleanConfig, DedupConfig, RepairConfig, load_config
from cleaner.document import Change, Document
from cleaner.errors import CleanerError, InputError, LockedError, OutputError, UsageError
from cleaner.pipeline import Pipeline
from cleaner.run.check import CheckReport, FileCheck
from cleaner.run.corpus import Report, check_files, clean_corpus
from cleaner.run.stream import StreamCleaner, clean_records

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
]

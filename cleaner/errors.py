"""The one error tree of cleaner.

Every error the library raises on purpose is a :class:`CleanerError`, so a caller
can catch one class. The CLI maps them to exit codes (see ``cleaner.cli``)::

    CleanerError                 base; exit code 2 in the CLI
    ├── UsageError               bad option or config value
    ├── InputError               an input path or file that cannot be used
    │   └── RecordError          one bad record inside a file (line number in message)
    ├── OutputError              the output folder cannot be written
    │   └── LockedError          another run holds the output folder
    └── IndexError_              (reserved) a damaged dedup index

Messages name the file and say what to do next, on one line.
"""

from __future__ import annotations


class CleanerError(Exception):
    """Base class of every error cleaner raises on purpose."""

    exit_code = 2


class UsageError(CleanerError):
    """An option, argument or config value that cannot be used."""


class InputError(CleanerError):
    """An input path or file that cannot be read or understood."""


class RecordError(InputError):
    """One record inside an input file is bad; the rest of the file is still read."""


class OutputError(CleanerError):
    """The output folder cannot be created or written."""


class LockedError(OutputError):
    """Another run holds the lock on the output folder."""

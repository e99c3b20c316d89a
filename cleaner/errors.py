"""The one error tree of cleaner.

Every error the library raises on purpose is a :class:`CleanerError`, so a caller
can catch one class. The CLI exits with :class:`ExitCode` ``USAGE`` for each of them::

    CleanerError                 base; exit code 2 in the CLI
    ├── UsageError               bad option or config value
    ├── InputError               an input path or file that cannot be used
    │   ├── RecordError          one bad record inside a file (line number in message)
    │   └── NotHtml              bytes read as HTML that are not text (cleaner.html)
    ├── OutputError              the output folder cannot be written
    │   └── LockedError          another run holds the output folder
    └── IndexError_              (reserved) a damaged dedup index

Messages name the file and say what to do next, on one line.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of the ``cleaner`` command, the one place they are defined."""

    OK = 0  # the run completed (rejected inputs are listed in the manifest and audit)
    PROBLEMS = 1  # a check found problems, or --fail-on-change changed files
    USAGE = 2  # a usage error or an unusable input or output path (every CleanerError)
    INTERRUPTED = 130  # 128 + SIGINT: Ctrl-C, after cleaning up
    BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of stdout went away, as coreutils end
    TERMINATED = 143  # 128 + SIGTERM: stopped, after cleaning up

    @classmethod
    def of_signal(cls, signum: int) -> int:
        """The shell's code for a process ended by signal ``signum``: 128 + its number.

        >>> ExitCode.of_signal(2) == ExitCode.INTERRUPTED
        True
        """
        return 128 + signum


class CleanerError(Exception):
    """Base class of every error cleaner raises on purpose."""

    exit_code = ExitCode.USAGE


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

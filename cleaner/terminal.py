"""The ``cleaner`` command's dealings with the terminal: errors, signals, a progress bar.

:class:`Group` and :class:`Command` turn what ends a command into the exit codes of
:class:`~cleaner.errors.ExitCode` and one line on stderr: a :class:`CleanerError` (its
message), a bug (one line, the traceback with ``CLEANER_DEBUG=1``), Ctrl-C or SIGTERM
(after the command cleaned up; see :func:`stop`), a closed stdout (quietly, 141) and
one that cannot be written (a full disk: one line, 2).
:class:`Bar` draws a run's progress. Only the CLI imports this module.
"""

from __future__ import annotations

import io
import os
import select
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import click

from cleaner.errors import CleanerError, ExitCode, OutputError
from cleaner.tables import one_line

STDIO = Path("-")


def fail(err: CleanerError) -> None:
    click.echo(f"cleaner: error: {one_line(str(err))}", err=True)
    sys.exit(err.exit_code)


class Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived: raised in the main thread, so that cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def stop(signum: int, frame: FrameType | None) -> None:
    """The first SIGINT or SIGTERM stops the run, which cleans up; a second one exits now."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, exit_now)
    raise Stopped(signum)


def exit_now(signum: int, frame: FrameType | None) -> None:
    os._exit(ExitCode.of_signal(signum))


def quiet_stdout() -> None:
    """Send what is still to be written to stdout nowhere, so exiting raises nothing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def internal_error(err: Exception) -> NoReturn:
    """Say a bug in one line, with the way to see more, and exit with status 2 (with
    ``CLEANER_DEBUG`` set, raise it for the traceback)."""
    if os.environ.get("CLEANER_DEBUG"):
        raise err
    click.echo(
        f"cleaner: internal error: {type(err).__name__}: {err}. Rerun with "
        "CLEANER_DEBUG=1 for the traceback and report it.",
        err=True,
    )
    sys.exit(ExitCode.USAGE)


def stdout_gone() -> bool:
    """Whether standard output is a pipe whose reader has gone (poll says POLLERR), so
    that a BrokenPipeError is the reader leaving and not another pipe breaking."""
    try:
        poll = select.poll()
        poll.register(1, select.POLLOUT)
        gone = select.POLLERR | select.POLLHUP | select.POLLNVAL
        return any(events & gone for _, events in poll.poll(0))
    except (OSError, ValueError, AttributeError):  # no fd 1, or no poll on this system
        return True


class _Descriptor(io.RawIOBase):
    """A standard stream written straight to its file descriptor ``fd``."""

    fd: int

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)


class StdoutWriter(_Descriptor):
    """File descriptor 1, where a write that fails for want of space (or a device error)
    raises an :class:`OutputError` naming stdout, which ends the command in one line;
    a reader that went away stays a :class:`BrokenPipeError` (ended quietly, 141)."""

    fd = 1

    def write(self, data: Any) -> int:
        try:
            return os.write(1, data)
        except BrokenPipeError:
            raise
        except OSError as e:
            quiet_stdout()  # what is still buffered goes nowhere: one line says it all
            raise OutputError(
                f"stdout: cannot write ({e.strerror or e}); free space or send it elsewhere"
            ) from e


def guard_stdout() -> None:
    """Write standard output through :class:`StdoutWriter`, with the same encoding and
    buffering, so that every writer (click, the corpus stream) fails alike."""
    old = sys.stdout
    if old is None or not isinstance(old, io.TextIOWrapper) or old.fileno() != 1:
        return
    buffered = io.BufferedWriter(StdoutWriter())
    sys.stdout = io.TextIOWrapper(
        buffered, old.encoding, old.errors, line_buffering=old.line_buffering
    )
    old.flush()


class StderrWriter(_Descriptor):
    """File descriptor 2, where a write that fails (a full disk, a reader that went
    away) is dropped: a diagnostic that cannot be shown has nowhere else to go, and the
    command's work and exit status do not depend on its messages."""

    fd = 2

    def write(self, data: Any) -> int:
        try:
            return os.write(2, data)
        except OSError:
            return len(data)


def guard_stderr() -> None:
    """Let no message end a command: write standard error through
    :class:`StderrWriter`, and when it was closed at the start (``2>&-``) point file
    descriptor 2 at the null device first, so that no file the command opens takes
    that number and receives its messages."""
    try:
        os.fstat(2)
    except OSError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        if devnull != 2:
            os.dup2(devnull, 2)
            os.close(devnull)
    old = sys.stderr
    if old is not None and (not isinstance(old, io.TextIOWrapper) or old.fileno() != 2):
        return
    sys.stderr = io.TextIOWrapper(
        io.BufferedWriter(StderrWriter()),
        old.encoding if old is not None else "utf-8",
        old.errors if old is not None else "backslashreplace",
        line_buffering=True,
        write_through=True,
    )
    if old is not None:
        old.flush()


class Command(click.Command):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as stop:
            signum = getattr(stop, "signum", signal.SIGINT)
            what = "interrupted" if signum == signal.SIGINT else "stopped by SIGTERM"
            output = ctx.params.get("output")
            if isinstance(output, Path) and output != STDIO:
                from cleaner.store.outdir import OutputFolder

                kept = OutputFolder(output).current() is not None
                what += f"; {output} " + (
                    "holds its last complete output" if kept else "holds no output yet"
                )
            closing = "\n" if signum == signal.SIGINT and sys.stderr.isatty() else ""  # after ^C
            click.echo(f"{closing}cleaner: {what}", err=True)
            sys.exit(ExitCode.of_signal(signum))
        except BrokenPipeError as err:
            if not stdout_gone():  # another pipe (a worker's): an error of its own
                internal_error(err)
            # the reader of stdout went away (`cleaner run raw - | head`): stop quietly
            quiet_stdout()
            sys.exit(ExitCode.BROKEN_PIPE)


# `cleaner` alone: click 8.2 raises this to show the help (8.1 showed it and exited)
_NO_ARGS: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


class Group(click.Group):
    command_class = Command

    def main(self, *args: Any, **kwargs: Any) -> Any:
        standalone = kwargs.pop("standalone_mode", True)
        run: Any = super().main  # click's overloads name standalone_mode's two kinds
        try:
            if not standalone:  # the caller handles what ends the command
                return run(*args, standalone_mode=False, **kwargs)
            code = run(*args, standalone_mode=False, **kwargs)
            sys.exit(code if isinstance(code, int) else 0)
        except _NO_ARGS as err:  # `cleaner` alone: the help
            err.show()
            sys.exit(err.exit_code)
        except click.ClickException as err:  # a usage error click found: one line too
            usage_error(err)
        except click.exceptions.Abort:  # Ctrl-C while click parsed the arguments
            sys.exit(ExitCode.INTERRUPTED)
        except CleanerError as err:
            fail(err)
        except Exception as err:  # a bug: still one line, and the way to see more
            internal_error(err)


def usage_error(err: click.ClickException) -> NoReturn:
    """An error click found in the arguments (an unknown option, a value of the wrong
    kind, a missing argument) as every error is said: one line, and where to look."""
    ctx = getattr(err, "ctx", None)
    see = f" (see {ctx.command_path} --help)" if ctx is not None else ""
    click.echo(f"cleaner: error: {one_line(err.format_message())}{see}", err=True)
    sys.exit(err.exit_code)


class Bar:
    """A progress callback that draws on stderr: a bar with rate and ETA, or a counter."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.perf_counter()
        self.bar: Any = None
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        rate = done / max(time.perf_counter() - self.started, 1e-9)
        if total is None:
            click.echo(f"\r{self.label} {done:,} documents ({rate:,.0f}/s)", err=True, nl=False)
            self.drawn = True
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=total,
                label=self.label,
                file=sys.stderr,
                show_eta=True,
                show_pos=True,
                item_show_func=lambda item: item,
            )
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos, f"{rate:,.0f}/s")

    def phase(self, name: str) -> None:
        """A new pass over the input: end the bar drawn so far, count again under ``name``."""
        self.close()
        self.label, self.started, self.bar, self.drawn = name, time.perf_counter(), None, False

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        elif self.drawn:
            click.echo("", err=True)

"""The ``cleaner`` command: a thin click shell over :mod:`cleaner.run`.

Exit codes are :class:`~cleaner.errors.ExitCode`: 0 a run completed, 1 a check found
problems or ``--fail-on-change`` changed files, 2 a usage error or an unusable input or
output path, 130 interrupted (Ctrl-C) and 143 stopped by SIGTERM, after cleaning up,
141 the reader of stdout went away (``cleaner run raw - | head``). Data goes to stdout,
diagnostics to stderr, errors are one line.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cleaner._version import __version__
from cleaner.dedup import DEFAULT_WINDOW
from cleaner.errors import ExitCode, OutputError, UsageError
from cleaner.executors import EXECUTORS
from cleaner.tables import one_line
from cleaner.terminal import (
    STDIO,
    Bar,
    Group,
    fail,
    guard_stderr,
    guard_stdout,
    quiet_stdout,
    stop,
)

if TYPE_CHECKING:  # the commands import their work when they run: --help stays fast
    from cleaner.config import CleanConfig
    from cleaner.readers import Rejection
    from cleaner.run.report import Report

SHELLS = ("bash", "zsh", "fish")
MAX_REJECTS_SHOWN = 20  # per run; the rest are counted in the summary


def _config(config_path: Path | None, overrides: dict[str, Any]) -> CleanConfig:
    from cleaner.config import load_config

    return load_config(config_path).with_overrides(overrides)


def _corpus_config(
    corpus_dir: Path | None, config_path: Path | None, overrides: dict[str, Any]
) -> CleanConfig:
    """The config to judge files against a corpus with: the one its run recorded in
    the manifest (:func:`~cleaner.run.check.corpus_config`, which ``check_files`` uses
    too), so that explain and check see what the run did (``--config`` given: that
    file's), with ``overrides`` on top; without a corpus, :func:`_config`."""
    if corpus_dir is not None and config_path is None:
        from cleaner.run.check import corpus_config

        recorded = corpus_config(corpus_dir)
        if recorded is not None:
            return recorded.with_overrides(overrides)
    return _config(config_path, overrides)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cleaner")
def cli() -> None:
    """Clean raw scraped text into a deduplicated JSONL corpus with a manifest.

    Example:

        cleaner run raw clean
    """


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, readable=False),
    help="cleaner.toml or pyproject.toml to read; default: ./cleaner.toml, else "
    "[tool.cleaner] in ./pyproject.toml.",
)
text_key_option = click.option(
    "--text-key", default=None, help="Field of JSONL records that holds the text."
)
html_key_option = click.option(
    "--html-key",
    default=None,
    metavar="FIELD",
    help="Field of JSONL/Parquet records that holds a page's HTML; its text goes out "
    "under --text-key (needs cleaner[html]).",
)
disable_option = click.option(
    "--disable-rule",
    "disable",
    multiple=True,
    metavar="RULE",
    help="Turn a boilerplate rule or a filter off (repeatable), e.g. --disable-rule caption.",
)
enable_option = click.option(
    "--enable-rule",
    "enable",
    multiple=True,
    metavar="RULE",
    help="Turn a filter (or a rule the config disables) on (repeatable), e.g. "
    "--enable-rule too-short.",
)
pattern_option = click.option(
    "--add-pattern",
    "patterns",
    multiple=True,
    metavar="REGEX",
    help="Remove every line this regex matches whole, as rule user-pattern (repeatable), "
    "e.g. --add-pattern 'Advertisement( \\d+)?'.",
)


def _with_rules(
    config: CleanConfig,
    disable: tuple[str, ...],
    patterns: tuple[str, ...] = (),
    enable: tuple[str, ...] = (),
) -> CleanConfig:
    """The config with the CLI's rules and filters turned off and on, and user patterns
    added to its own.

    The config checks the names and patterns; an error names the option it came from.
    """
    if disable or enable:
        option = "--disable-rule" if disable and not enable else "--enable-rule"
        option = "--disable-rule/--enable-rule" if disable and enable else option
        try:
            config = config.with_rules(disable, enable)
        except UsageError as e:
            raise UsageError(f"{option}: {e.__cause__ or e}") from e
    if patterns:
        extra = config.boilerplate.extra_patterns
        added = (*extra, *(p for p in patterns if p not in extra))
        config = _rule_option(config, "--add-pattern", "boilerplate.extra_patterns", added)
    return config


def _in_range(param: click.Parameter, value: Any, low: float, high: float | None = None) -> Any:
    """``value`` of an option, refused in one line when outside [low, high] (click's
    own ranges print its usage block)."""
    if value is not None and (value < low or (high is not None and value > high)):
        bounds = f"at least {low}" if high is None else f"between {low} and {high}"
        raise UsageError(f"--{param.name.replace('_', '-')}: must be {bounds}, not {value}")
    return value


def _rule_option(config: CleanConfig, option: str, key: str, value: Any) -> CleanConfig:
    try:
        return config.with_overrides({key: value})
    except UsageError as e:
        raise UsageError(f"{option}: {e.__cause__ or e}") from e


def _progress(quiet: bool) -> Bar | None:
    """A bar only for people: none with --quiet or when stderr is not a terminal."""
    return None if quiet or not sys.stderr.isatty() else Bar("cleaning")


def _report_reject(rejection: Rejection, shown: list[int], quiet: bool) -> None:
    """Say a skipped line (the first MAX_REJECTS_SHOWN) of a stream run; with ``quiet``
    only the stream's own rejection (an empty one: said even then, as an empty input)."""
    from cleaner.names import Reason

    if quiet and rejection.rule != Reason.REJECTED_FILE:
        return
    shown[0] += 1
    if shown[0] <= MAX_REJECTS_SHOWN:
        click.echo(f"cleaner: skipped {one_line(rejection.message)}", err=True)


def _summary_json(report: Report, changed: list[Path]) -> str:
    return json.dumps(
        {
            "documents_in": report.documents_in,
            "kept": report.kept,
            "dropped": report.dropped,
            "lines_removed": report.lines_removed,
            "files_rejected": report.files_rejected,
            "records_rejected": report.records_rejected,
            "changed": [str(p) for p in changed],
            "seconds": round(report.seconds, 3),
        },
        sort_keys=True,
    )


@cli.command()
@click.argument(
    "input_path", metavar="[INPUT]", default="raw", type=click.Path(path_type=Path, readable=False)
)
@click.argument(
    "output", metavar="[OUTPUT]", default="clean", type=click.Path(path_type=Path, readable=False)
)
@config_option
@disable_option
@enable_option
@pattern_option
@click.option(
    "--threshold",
    type=float,
    default=None,
    help="Jaccard similarity at which documents are near-duplicates (default 0.8).",
)
@click.option("--no-dedup", is_flag=True, help="Keep near-duplicate documents.")
@click.option(
    "--containment",
    type=float,
    default=None,
    help="Share of a document's shingles in a longer kept one at which it leaves as "
    "contained (default 0.85).",
)
@click.option(
    "--no-containment",
    is_flag=True,
    help="Keep documents contained in longer ones (truncated copies, excerpts).",
)
@click.option(
    "--languages",
    default=None,
    metavar="CODES",
    help="Keep only documents in these languages, e.g. en,de (turns the language filter "
    "on; every record gets language and language_score). Its model is unpacked once "
    "into $CLEANER_CACHE_DIR, else $XDG_CACHE_HOME/cleaner, else ~/.cache/cleaner.",
)
@text_key_option
@html_key_option
@click.option(
    "--window",
    type=int,
    callback=lambda ctx, param, value: _in_range(param, value, 1),
    default=DEFAULT_WINDOW,
    show_default=True,
    help="With OUTPUT -: kept documents the near-duplicate index remembers.",
)
@click.option(
    "--fail-on-change",
    is_flag=True,
    help="Exit 1 when OUTPUT changed (for pre-commit); a run with nothing new writes nothing.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success; no progress bar.")
@click.option(
    "--workers",
    type=int,
    callback=lambda ctx, param, value: _in_range(param, value, 1),
    default=None,
    help="Processes that read and clean input files (default: every core; 1 runs in "
    "this process). With --executor ray: tasks in flight.",
)
@click.option(
    "--executor",
    "executor_kind",
    type=click.Choice(EXECUTORS),
    default="local",
    show_default=True,
    help="Where files are cleaned: local processes or a Ray cluster.",
)
@click.option(
    "--address",
    default=None,
    help="Ray cluster for --executor ray, e.g. auto; default: $RAY_ADDRESS, else a new "
    "local instance.",
)
@click.option(
    "--report",
    "with_report",
    is_flag=True,
    help="Then write OUTPUT/report.html, the page `cleaner report` writes.",
)
def run(
    input_path: Path,
    output: Path,
    config_path: Path | None,
    disable: tuple[str, ...],
    enable: tuple[str, ...],
    patterns: tuple[str, ...],
    threshold: float | None,
    no_dedup: bool,
    containment: float | None,
    no_containment: bool,
    languages: str | None,
    text_key: str | None,
    html_key: str | None,
    window: int,
    fail_on_change: bool,
    as_json: bool,
    quiet: bool,
    workers: int | None,
    executor_kind: str,
    address: str | None,
    with_report: bool,
) -> None:
    """Clean INPUT (a folder or file, default raw) into OUTPUT (default clean).

    Reads text, JSONL, Parquet, HTML, WARC and ARC files (HTML, WARC and ARC need
    cleaner[html]).
    Writes OUTPUT/corpus.jsonl, OUTPUT/audit.jsonl (every removal and rejected input,
    with its rule) and, last, OUTPUT/manifest.json.

    With - as INPUT, JSONL records are read from stdin; with - as OUTPUT, kept records
    go to stdout as JSONL and no folder is written. Both stream in constant memory:
    near-duplicates keep the first copy, checked against the last --window kept ones.

    Example:

        cleaner run raw clean --disable-rule caption

        cleaner run raw clean --languages en

        cleaner run crawl.warc.gz clean

        cat pages.jsonl | cleaner run - - > clean.jsonl

        cleaner run raw clean --executor ray --address auto
    """
    if no_containment and containment is not None:
        raise UsageError(
            "--containment sets the share at which a document leaves as contained, and "
            "--no-containment keeps contained documents: give one of them"
        )
    moot = [name for name, given in (("--threshold", threshold), ("--containment", containment),
                                     ("--no-containment", no_containment)) if given]  # fmt: skip
    if no_dedup and moot:
        raise UsageError(
            f"--no-dedup keeps near-duplicates, so {moot[0]} would do nothing: give one of them"
        )
    if languages is not None and "language" in disable:
        raise UsageError(
            "--languages turns the language filter on, and --disable-rule language turns "
            "it off: give one of them"
        )
    config = _config(config_path, {})
    for option, key, value in (
        ("--threshold", "dedup.threshold", threshold),
        ("--containment", "dedup.containment_threshold", containment),
        ("--no-dedup", "dedup.documents", False if no_dedup else None),
        ("--no-containment", "dedup.containment", False if no_containment else None),
        ("--text-key", "text_key", text_key),
        ("--html-key", "html_key", html_key),
    ):
        if value is not None:
            config = _rule_option(config, option, key, value)
    config = _with_rules(config, disable, patterns, enable)
    if languages is not None:
        codes = tuple(code.strip() for code in languages.split(",") if code.strip())
        if not codes:  # an empty shell variable: no list would keep every language
            raise UsageError("--languages: no language code given; pass codes such as en,de")
        config = _rule_option(config, "--languages", "filters.language.languages", codes)
        config = _rule_option(config, "--languages", "filters.language.enabled", True)
    to_stdout = output == STDIO
    if input_path == STDIO and not to_stdout:
        raise UsageError(
            "-: stdin input writes to stdout only; use `cleaner run - - > "
            "out.jsonl`, or save the input to a file and run on it."
        )
    if to_stdout and sys.stdout is None:
        raise UsageError("-: standard output is closed; give an OUTPUT folder instead of -.")
    if input_path == STDIO and sys.stdin is None:
        raise UsageError("-: standard input is closed; pipe JSONL into it or give an INPUT folder.")
    window_given = click.get_current_context().get_parameter_source("window")
    if not to_stdout and window_given is not click.core.ParameterSource.DEFAULT:
        raise UsageError(
            "--window applies to a stream run (OUTPUT -); a folder run compares every "
            "document with every other: leave it out"
        )
    if to_stdout and fail_on_change:
        raise UsageError("--fail-on-change needs an OUTPUT folder, not -.")
    if to_stdout and with_report:
        raise UsageError("--report needs an OUTPUT folder, not -; run `cleaner report` on one.")
    from cleaner.executors import make_executor
    from cleaner.run.corpus import clean_corpus
    from cleaner.run.stream import stream_corpus
    from cleaner.run.sync import sync_corpus
    from cleaner.tables import manifest_table

    bar = _progress(quiet)
    changed: list[Path] = []
    try:
        if to_stdout:
            source = sys.stdin.buffer if input_path == STDIO else input_path
            shown = [0]
            report = stream_corpus(
                source,
                sys.stdout.buffer,
                config,
                window=window,
                progress=bar,
                on_reject=lambda r: _report_reject(r, shown, quiet),
            )
            if shown[0] > MAX_REJECTS_SHOWN:
                more = shown[0] - MAX_REJECTS_SHOWN
                click.echo(f"cleaner: skipped {more} more (not shown)", err=True)
        else:
            executor = make_executor(executor_kind, workers, address)
            try:
                if fail_on_change:
                    report, changed = sync_corpus(
                        input_path, output, config, progress=bar, executor=executor
                    )
                else:
                    report = clean_corpus(
                        input_path, output, config, progress=bar, executor=executor
                    )
            finally:
                executor.close()
    finally:
        if bar is not None:
            bar.close()
    if getattr(report, "rebuild", None) and not quiet:
        click.echo(f"cleaner: full rebuild: {report.rebuild}", err=True)
    if not report.documents_in and not report.files_rejected and not report.records_rejected:
        # said even with --quiet: an empty corpus from a mistyped or empty folder is no success
        where = "standard input" if input_path == STDIO else f"{input_path}"
        click.echo(
            f"cleaner: warning: {where} holds no documents (hidden files and folders are "
            "skipped); the corpus is empty.",
            err=True,
        )
    if as_json:
        click.echo(_summary_json(report, changed), err=to_stdout)
    elif not quiet:
        click.echo(f"cleaner: {report.summary()}", err=True)
        click.echo(manifest_table(report.manifest), err=True)
    for path in changed:
        click.echo(f"cleaner: updated {path}", err=True)
    if with_report:
        from cleaner.report import write_report

        path = write_report(output, inputs=input_path)
        if not quiet:
            click.echo(f"cleaner: report written to {path}", err=True)
    if changed:
        sys.exit(ExitCode.PROBLEMS)


@cli.command()
@click.argument(
    "output", metavar="[OUTPUT]", default="clean", type=click.Path(path_type=Path, readable=False)
)
@click.option(
    "--to",
    type=click.Path(path_type=Path, readable=False),
    default=None,
    help="File to write (default OUTPUT/report.html).",
)
@click.option(
    "--input",
    "inputs",
    type=click.Path(path_type=Path, readable=False),
    default=None,
    help="Where the run read its raw files, if they moved (default: where the run read them).",
)
def report(output: Path, to: Path | None, inputs: Path | None) -> None:
    """Write one HTML page of what the run in OUTPUT (default clean) did; print its path.

    The page holds the summary, removals per rule, the share each document and
    source lost, the duplicate clusters with diffs, the documents that lost most
    with each removed line marked with its rule, and the rejected inputs. It needs
    no network: open it from disk in any browser.

    Example:

        cleaner report clean && xdg-open clean/report.html
    """
    from cleaner.report import write_report

    click.echo(write_report(output, to, inputs=inputs))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, readable=False))
@config_option
@disable_option
@enable_option
@pattern_option
@text_key_option
@html_key_option
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(path_type=Path, readable=False),
    help="Output folder of `cleaner run`: count FILE's lines with its corpus, so "
    "`corpus-repeat` shows as in the run, and name a corpus document it duplicates.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain(
    file: Path,
    config_path: Path | None,
    disable: tuple[str, ...],
    enable: tuple[str, ...],
    patterns: tuple[str, ...],
    text_key: str | None,
    html_key: str | None,
    corpus_dir: Path | None,
    as_json: bool,
) -> None:
    """Show FILE as cleaning sees it: each removed line marked with its rule.

    Kept lines are printed as they are; removed lines as `- [rule | where] text` (red
    on a terminal), and a line the model removed as `- [low-content SCORE < CUT |
    where] text`. `where` is where the line sat: before, in or after the main span
    the line model believes in (after it, also whether at or below a comment header or
    byline); for a page read from HTML, what its markup said of it.
    The title, date and author taken out of the text are shown on top, and for a page
    read from HTML whose markup calls it a forum's, `page: a forum's ...` (its posts
    stay: comment-thread leaves them). A JSONL file
    is explained record by record; a bad line is named on stderr (and listed in --json
    output, in its place, as in the audit). `corpus-repeat` needs the other pages of the
    site or folder: with --corpus, FILE's lines count with the corpus's, as in a run,
    and a document a run would drop as a near-duplicate of a kept corpus document or of
    another document of FILE, or as contained in one, names it with the measure. With
    --corpus the config is the one the run recorded in its manifest (--config replaces
    it; the rule options change it).

    Example:

        cleaner explain raw/001_6caa09c4a7c5a313.txt --corpus clean
    """
    from cleaner.readers import Rejection
    from cleaner.run.explain import Explanation, explain_file

    overrides = {"text_key": text_key, "html_key": html_key}
    config = _corpus_config(corpus_dir, config_path, overrides)
    config = _with_rules(config, disable, patterns, enable)
    items = explain_file(file, config, corpus=corpus_dir)
    rejected = [item for item in items if isinstance(item, Rejection)]
    for item in rejected[:MAX_REJECTS_SHOWN]:
        click.echo(f"cleaner: skipped {one_line(item.message)}", err=True)
    if len(rejected) > MAX_REJECTS_SHOWN:
        more = len(rejected) - MAX_REJECTS_SHOWN
        click.echo(
            f"cleaner: skipped {more} more bad lines of {one_line(str(file))}; --json lists them",
            err=True,
        )
    if as_json:
        click.echo(
            json.dumps([e.to_dict() for e in items], ensure_ascii=False, sort_keys=True, indent=1)
        )
        return
    red = lambda text: click.style(text, fg="red")  # noqa: E731
    click.echo("\n\n".join(e.render(red) for e in items if isinstance(e, Explanation)))


@cli.command()
@click.argument(
    "manifest", default="clean/manifest.json", type=click.Path(path_type=Path, readable=False)
)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats(manifest: Path, as_json: bool) -> None:
    """Show a manifest as tables: inputs, outcomes, counts per stage and rule, duplicates.

    MANIFEST is a manifest.json or the output folder that holds one (default
    clean/manifest.json).

    Example:

        cleaner stats clean/manifest.json
    """

    from cleaner.tables import VALUE_ERRORS, damaged_manifest, load_manifest, manifest_table

    data = load_manifest(manifest)
    if as_json:
        keys = ("counts", "duplicates", "inputs", "outputs")
        click.echo(
            json.dumps({k: data.get(k) for k in keys}, ensure_ascii=False, sort_keys=True, indent=1)
        )
        return
    try:
        table = manifest_table(data)
    except VALUE_ERRORS as e:
        raise damaged_manifest(manifest, e) from None
    click.echo(table)


@cli.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    Example:

        eval "$(cleaner completion bash)"    # add this line to ~/.bashrc
    """
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - click ships all three
        raise UsageError(f"{shell}: no completion for this shell; use bash, zsh or fish.")
    click.echo(cls(cli, {}, "cleaner", "_CLEANER_COMPLETE").source())


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option(
    "--corpus",
    "corpus_dir",
    default="clean",
    show_default=True,
    type=click.Path(path_type=Path, readable=False),
    help="Output folder of `cleaner run` to compare against.",
)
@click.option(
    "--max-boilerplate",
    type=float,
    callback=lambda ctx, param, value: _in_range(param, value, 0.0, 1.0),
    default=0.5,
    show_default=True,
    help="Largest share of a file's characters cleaning may remove.",
)
@config_option
@text_key_option
@html_key_option
@disable_option
@enable_option
@pattern_option
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON on stdout.")
def check(
    files: tuple[Path, ...],
    corpus_dir: Path,
    max_boilerplate: float,
    config_path: Path | None,
    text_key: str | None,
    html_key: str | None,
    disable: tuple[str, ...],
    enable: tuple[str, ...],
    patterns: tuple[str, ...],
    as_json: bool,
) -> None:
    """Judge raw FILES against the corpus; write nothing.

    A folder stands for the files a run over it reads. A file has problems when a run
    would reject some of its records (bad JSONL lines, each named with its line), when
    too much of it is boilerplate, or when it nearly duplicates a document of the
    corpus, or another of its own documents. Exit 0 clean, 1 problems, 2 unusable
    input. A hidden file (a name, or a folder under the input folder, starting with
    "."), which a run does not read, is skipped with a note. The config is the one the
    corpus's run recorded in its manifest (--config replaces it; the rule options
    change it).

    Example:

        cleaner check raw/new-article.txt --corpus clean --max-boilerplate 0.4
    """
    from cleaner.run.check import check_files

    report = check_files(
        list(files),
        corpus_dir,
        _with_rules(
            _corpus_config(corpus_dir, config_path, {"text_key": text_key, "html_key": html_key}),
            disable,
            patterns,
            enable,
        ),
        max_boilerplate=max_boilerplate,
    )
    if as_json:
        click.echo(json.dumps(report.to_dict(), sort_keys=True))
    else:
        if report.note:
            click.echo(f"cleaner: {report.note}", err=True)
        for f in report.files:
            if f.skipped:
                click.echo(f"cleaner: {one_line(f.path)}: {f.skipped}", err=True)
            elif f.error is not None:  # not judged: an error, on stderr as every error
                click.echo(f"cleaner: error: {one_line(f'{f.path}: {f.error}')}", err=True)
                continue
            for line in f.problems:
                click.echo(one_line(line))
    sys.exit(report.exit_code)


def main() -> None:
    # numpy's OpenBLAS starts a thread per core on import, and they spin a while: about
    # 0.1 CPU-s per process that imports numpy (this one and the pool's forkserver, which
    # inherits the setting), for a library cleaner makes no use of (only the language
    # filter multiplies a small matrix); a value the user set stays
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    guard_stderr()
    guard_stdout()
    try:
        try:
            cli(prog_name="cleaner")
        finally:
            if sys.stdout is not None:  # None when the command started with fd 1 closed
                sys.stdout.flush()  # a closed stdout shows here, not as noise at exit
            # the command is over (its workers stopped, its output written or left as it
            # was): a Ctrl-C from here on would only turn its status into 130 (Python
            # sets the default action back as it shuts down) or print a traceback
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_IGN)
    except BrokenPipeError:
        quiet_stdout()
        sys.exit(ExitCode.BROKEN_PIPE)
    except OutputError as err:  # the last flush of stdout failed (a full disk)
        fail(err)

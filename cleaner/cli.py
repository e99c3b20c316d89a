"""The ``cleaner`` command: a thin click shell over :mod:`cleaner.api`.

Exit codes: 0 a run completed (rejected inputs are listed in the manifest), 1 a check
found problems, 2 a usage error or an unusable input or output path.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from cleaner import __version__, api
from cleaner.config import CleanConfig, load_config
from cleaner.errors import CleanerError

EXIT_USAGE = 2


def _config(config_path: Path | None, overrides: dict[str, Any]) -> CleanConfig:
    return load_config(config_path).with_overrides(overrides)


def _fail(err: CleanerError) -> None:
    click.echo(f"cleaner: error: {err}", err=True)
    sys.exit(err.exit_code)


class _Group(click.Group):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("standalone_mode", True)
        try:
            return super().main(*args, **kwargs)
        except CleanerError as err:
            _fail(err)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cleaner")
def cli() -> None:
    """Clean raw scraped text into a deduplicated JSONL corpus with a manifest."""


config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
    help="cleaner.toml or pyproject.toml to read; default: ./cleaner.toml, else "
         "[tool.cleaner] in ./pyproject.toml.")


@cli.command()
@click.argument("input_path", metavar="[INPUT]", default="raw", type=click.Path(path_type=Path))
@click.argument("output", metavar="[OUTPUT]", default="clean", type=click.Path(path_type=Path))
@config_option
@click.option("--disable-rule", "disable", multiple=True, metavar="RULE",
              help="Turn a boilerplate rule off (repeatable), e.g. --disable-rule caption.")
@click.option("--threshold", type=float, default=None,
              help="Jaccard similarity at which documents are near-duplicates (default 0.8).")
@click.option("--no-dedup", is_flag=True, help="Keep near-duplicate documents.")
@click.option("--text-key", default=None, help="Field of JSONL records that holds the text.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def run(input_path: Path, output: Path, config_path: Path | None, disable: tuple[str, ...],
        threshold: float | None, no_dedup: bool, text_key: str | None, as_json: bool,
        quiet: bool) -> None:
    """Clean INPUT (a folder or file, default raw) into OUTPUT (default clean).

    Writes OUTPUT/corpus.jsonl, OUTPUT/audit.jsonl (every removal and rejected input,
    with its rule) and, last, OUTPUT/manifest.json.

    Example:

        cleaner run raw clean --disable-rule caption
    """
    overrides: dict[str, Any] = {"dedup.threshold": threshold, "text_key": text_key}
    if no_dedup:
        overrides["dedup.documents"] = False
    config = _config(config_path, overrides)
    if disable:
        config = config.with_overrides(
            {"boilerplate.disable": tuple(sorted({*config.boilerplate.disable, *disable}))})
    report = api.clean_corpus(input_path, output, config)
    if report.rebuild and not quiet:
        click.echo(f"cleaner: full rebuild: {report.rebuild}", err=True)
    if as_json:
        click.echo(json.dumps({"documents_in": report.documents_in, "kept": report.kept,
                               "dropped": report.dropped, "lines_removed": report.lines_removed,
                               "files_rejected": report.files_rejected,
                               "records_rejected": report.records_rejected,
                               "seconds": round(report.seconds, 3)}, sort_keys=True))
    elif not quiet:
        click.echo(f"cleaner: {report.summary()}", err=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--corpus", "corpus_dir", default="clean", show_default=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Output folder of `cleaner run` to compare against.")
@click.option("--max-boilerplate", type=click.FloatRange(0.0, 1.0), default=0.5,
              show_default=True, help="Largest share of a file's characters cleaning may remove.")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON on stdout.")
def check(files: tuple[Path, ...], corpus_dir: Path, max_boilerplate: float,
          config_path: Path | None, as_json: bool) -> None:
    """Judge raw FILES against the corpus; write nothing.

    A file has problems when too much of it is boilerplate, or when it nearly
    duplicates a document of the corpus. Exit 0 clean, 1 problems, 2 unusable input.

    Example:

        cleaner check raw/new-article.txt --corpus clean --max-boilerplate 0.4
    """
    report = api.check_files(list(files), corpus_dir, _config(config_path, {}),
                             max_boilerplate=max_boilerplate)
    if as_json:
        click.echo(json.dumps(report.to_dict(), sort_keys=True))
    else:
        for f in report.files:
            for line in f.problems:
                click.echo(line)
    sys.exit(report.exit_code)


def main() -> None:
    cli(prog_name="cleaner")

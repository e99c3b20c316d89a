"""The docs are tested: README sections, help examples, runnable examples, ``__all__``."""

from __future__ import annotations

import re
import shutil
import types
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import cleaner
from cleaner.cli import cli
from tests.conftest import ROOT, SEEDS

README = (ROOT / "README.md").read_text(encoding="utf-8")
HOOK_IDS = [h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())]
COMMANDS = sorted(cli.commands)  # type: ignore[attr-defined]
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def section(title: str) -> str:
    """The body of a README section whose heading is exactly ``title``."""
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", README, flags=re.M | re.S)
    assert match, f"README has no section '{title}'"
    return match.group(1)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_a_readme_section(name: str) -> None:
    assert f"cleaner {name}" in section(f"cleaner {name}")


def test_every_command_the_readme_names_exists() -> None:
    named = set(re.findall(r"`cleaner\s+([a-z][a-z-]*)", README))  # inline code
    for block in re.findall(r"```(?:sh|bash)\n(.*?)```", README, flags=re.S):  # examples
        named |= set(re.findall(r"^[^#]*?\bcleaner ([a-z][a-z-]*)", block, flags=re.M))
    assert named and named <= set(COMMANDS), named - set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_help_has_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "cleaner " in result.output.split("Example:")[1]


def test_the_group_help_has_an_example() -> None:
    assert "Example:" in CliRunner().invoke(cli, ["--help"]).output


@pytest.mark.parametrize("hook_id", HOOK_IDS)
def test_every_hook_id_has_a_readme_section(hook_id: str) -> None:
    assert section(hook_id).strip()
    assert f"id: {hook_id}" in README  # and it is in the YAML to paste


def test_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name in dir(cleaner)  # the lazily imported names too
        if not name.startswith("_")
        and not isinstance(getattr(cleaner, name), types.ModuleType)
        and name != "annotations"  # from __future__ import annotations
    }
    assert cleaner.__all__ == sorted(cleaner.__all__)
    assert set(cleaner.__all__) - {"__version__"} == public
    assert "__version__" in cleaner.__all__


def test_the_doctests_are_collected() -> None:
    """pytest runs the docstring examples of the package, not only tests/."""
    import tomllib

    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in options["addopts"]
    assert "cleaner" in options["testpaths"]


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.strip().splitlines()[-1][:40])
def test_readme_python_examples_run(
    block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SEEDS / "raw", tmp_path / "raw")
    monkeypatch.chdir(tmp_path)
    # dont_inherit: run the block as a reader would, without this file's __future__ imports
    exec(compile(block, "README.md", "exec", dont_inherit=True), {"__name__": "readme"})

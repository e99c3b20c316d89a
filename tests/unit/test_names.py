"""Names are written once: stage names and reasons in cleaner/names.py, exit codes in
cleaner/errors.py, each matching what the README says."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cleaner.errors import ExitCode
from cleaner.names import BlockRule, PiiType, QualityRule, Reason, StageName
from tests.conftest import ROOT

NAMES = {
    m.value
    for enum in (StageName, Reason, BlockRule, QualityRule, PiiType)
    for m in enum
    if "-" in m.value
}


def _literals(path: Path) -> list[tuple[int, str]]:
    """String constants of ``path`` that spell a name, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in NAMES
        and id(node) not in docstrings
    ]


def test_stage_names_and_reasons_are_spelled_only_in_names_py() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in sorted((ROOT / "cleaner").rglob("*.py"))
        if path != ROOT / "cleaner" / "names.py"
        for line, value in _literals(path)
    ]
    assert not found, "use cleaner.names instead of:\n" + "\n".join(found)


def test_exit_codes_are_the_readmes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.search(r"^Exit codes: (.*?)\n\n", readme, flags=re.M | re.S)
    assert said
    numbers = {int(n) for n in re.findall(r"\b(\d+) ", said.group(1).replace("\n", " "))}
    assert numbers == {int(code) for code in ExitCode}

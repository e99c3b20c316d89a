"""What the package declares it needs is what it imports."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT

IMPORT = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


def imported_by_the_package() -> set[str]:
    """Top-level names of every module that ``cleaner/`` imports, lazily or not."""
    found: set[str] = set()
    for path in (ROOT / "cleaner").rglob("*.py"):
        found.update(IMPORT.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_runtime_dependency_is_imported_by_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {
        re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower().replace("-", "_")
        for spec in project["dependencies"]
    }
    assert declared, "no runtime dependency declared"
    unused = declared - imported_by_the_package()
    assert not unused, f"declared but never imported by cleaner/: {sorted(unused)}"

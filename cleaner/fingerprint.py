"""What identifies the code that shapes a run's output, for the incremental-run key.

The version number alone does not move with every rule, stage or model change, so
output cleaned by one commit could be kept by a run of the next. :func:`code_digest`
hashes every source and data file of the installed package instead: any change to
the code (a rule, a stage, a reader, the shipped model) makes the next run into an
existing output folder a full rebuild, so incremental output always equals a rebuild.
A change that does not alter output (a docstring, the CLI) costs one rebuild too,
which is the safe side.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def code_digest(root: Path = PACKAGE) -> str:
    """A short sha256 over the package's source and data files, in path order.

    >>> len(code_digest())
    16
    """
    return _digest(root)


@lru_cache(maxsize=4)
def _digest(root: Path) -> str:
    digest = hashlib.sha256()
    # every file of the package: its code and whatever data it ships (the line model, ...)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]

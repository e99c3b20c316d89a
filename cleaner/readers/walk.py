"""Find the input files under a folder, in a stable order, without following loops."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

from cleaner.errors import InputError, OutputError
from cleaner.names import STATE_DIR


def list_inputs(root: Path, avoid: Path | None = None) -> list[tuple[Path, str]]:
    """The input files under ``root`` as (path, source) pairs, sorted by source.

    ``source`` is the path relative to ``root`` with ``/`` separators, so the same file
    name in two folders gives two sources (and two ids). Hidden files and folders are
    skipped; symlinked folders are followed, but a folder already visited (a link
    loop) is not entered again. A broken or looping file link is listed, and the
    reader rejects it with its reason; so is a folder that cannot be read, and the
    output folder of another run (it holds a ``.cleaner`` state folder), which is not
    entered: its corpus, audit and manifest are no raw input (``root`` itself such a
    folder raises :class:`~cleaner.errors.InputError`). Both are listed as ``"name/"``.
    A folder link that leads into ``avoid`` (the output folder) raises
    :class:`~cleaner.errors.OutputError`: a run would read its own output.
    """
    if not root.exists() and not root.is_symlink():
        raise InputError(f"{root}: no such file or folder. Pass the folder of raw files.")
    if root.is_file():
        return [(root, root.name)]
    if not root.is_dir():
        raise InputError(f"{root}: not a readable file or folder. Pass the folder of raw files.")
    if (root / STATE_DIR).is_dir():  # as one found inside the input folder is not read
        raise InputError(
            f"{root}: the output folder of a cleaner run, whose corpus, audit and manifest "
            "are no raw input; pass the folder of raw files (or the corpus.jsonl, to clean "
            "the corpus again)."
        )
    found: list[tuple[Path, str]] = []
    seen_dirs: set[tuple[int, int]] = set()
    try:
        st = os.stat(avoid) if avoid is not None else None
    except OSError:
        st = None  # no output folder yet: no link can lead into it
    out = None if st is None else (st.st_dev, st.st_ino)

    def unreadable(err: OSError) -> None:
        path = Path(err.filename) if err.filename else root
        found.append((path, source_name(path.relative_to(root)) + "/"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=unreadable):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) == out:
            raise OutputError(
                f"{dirpath}: the output folder {avoid}, reached from the input folder (a "
                "link?), so the run would read its own output as input; remove the link "
                "or pick another output folder."
            )
        if (st.st_dev, st.st_ino) in seen_dirs:
            dirnames[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in [d for d in dirnames if os.path.isdir(os.path.join(dirpath, d, STATE_DIR))]:
            path = Path(dirpath) / name
            if _same(path, out):
                continue  # this run's own output, through a link: refused when entered
            dirnames.remove(name)  # another run's output: listed, for the reader to refuse
            found.append((path, source_name(path.relative_to(root)) + "/"))
        for name in filenames:
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            found.append((path, source_name(path.relative_to(root))))
    found.sort(key=lambda item: item[1])
    for (first, source), (second, again) in itertools.pairwise(found):
        if source == again:  # only a name that is not UTF-8 can read as another's
            # the paths under the input folder, as bytes: the two may differ in a folder
            names = " and ".join(
                str(os.fsencode(p.relative_to(root).as_posix()))[1:] for p in (first, second)
            )
            raise InputError(
                f"{root}: two files, {names}, have one name in the corpus, "
                f"{source}, as bytes that are not UTF-8 are written \\xNN; rename one"
            )
    return found


def _same(path: Path, folder: tuple[int, int] | None) -> bool:
    """Whether ``path`` is the folder of device and inode ``folder``."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == folder


def source_name(relative: Path) -> str:
    """A file's name in the corpus: its path under the input folder with ``/``, and a
    byte of a name that is not UTF-8 written as ``\\xff`` (the corpus, the audit and
    the state are UTF-8; the file is still read by its own name).

    >>> source_name(Path("a") / "b.txt"), source_name(Path("caf" + chr(0xDCE9) + ".txt"))
    ('a/b.txt', 'caf\\\\xe9.txt')
    """
    name = relative.as_posix()
    if name.isascii():
        return name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_ESCAPED_BYTE = re.compile(r"\\x([89a-f][0-9a-f])")  # what backslashreplace writes


def source_path(root: Path, source: str) -> Path:
    """The file the corpus name ``source`` stands for under ``root``: the name itself,
    or, when no file has it, :func:`source_name` undone (each ``\\xff`` written for a
    byte of a name that is not UTF-8 made that byte again).

    >>> source_path(Path("raw"), "caf\\\\xe9.txt") == Path("raw") / ("caf" + chr(0xDCE9) + ".txt")
    True
    """
    path = root / source
    if "\\x" not in source or path.exists():
        return path
    return root / _ESCAPED_BYTE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), source)

"""The output folder: its layout, its lock, and the atomic switch between generations.

::

    OUTPUT/
      corpus.jsonl  -> .cleaner/current/corpus.jsonl     links that never change
      audit.jsonl   -> .cleaner/current/audit.jsonl
      manifest.json -> .cleaner/current/manifest.json
      .cleaner/
        current -> gen-000007      the finished generation; replaced by one rename
        gen-000007/                corpus.jsonl, audit.jsonl, manifest.json (written last)
        state.sqlite               inputs, cleaned documents, dedup index (cleaner.store.state)
        lock                       pid, host and start time of the run holding the folder

A run writes the next generation beside the current one, commits the state database,
then renames a new ``current`` link over the old one. Readers therefore see the old
complete output or the new one, never a mix: a run killed before the commit leaves
litter that the next run sweeps; a run killed between the commit and the switch is
finished by the next run (the new generation is complete by then). The three links
in OUTPUT are made before ``current`` is first renamed in, so on a first run too they
appear all at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from cleaner.errors import LockedError, OutputError
from cleaner.names import STATE_DIR
from cleaner.store.manifest import AUDIT, CORPUS, MANIFEST, parse_manifest

log = logging.getLogger(__name__)

STATE_DB = "state.sqlite"
LOCK = "lock"
CURRENT = "current"
PUBLISHED = (CORPUS, AUDIT, MANIFEST)  # linked from OUTPUT, manifest last
_GEN = re.compile(r"^gen-(\d{6,})$")


GITIGNORE = (
    f"# written by cleaner: per-machine state, rebuilt by a run\n{LOCK}\n{STATE_DB}*\n*.tmp\n"
)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _relink(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` with one atomic rename."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


class OutputFolder:
    """One output folder and its ``.cleaner`` state folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state_dir = root / STATE_DIR
        self.db_path = self.state_dir / STATE_DB

    def generation_dir(self, n: int) -> Path:
        return self.state_dir / f"gen-{n:06d}"

    def current(self) -> int | None:
        """The published generation, or None when there is none."""
        try:
            target = os.readlink(self.state_dir / CURRENT)
        except OSError:
            return None
        match = _GEN.match(target)
        return int(match.group(1)) if match else None

    def is_complete(self, n: int) -> bool:
        return (self.generation_dir(n) / MANIFEST).is_file()

    def manifest(self) -> dict[str, object] | None:
        """The manifest of the published generation, if there is one."""
        n = self.current()
        if n is None:
            return None
        try:
            data = parse_manifest((self.generation_dir(n) / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def intact(self) -> bool:
        """Whether OUTPUT still shows the published generation as it was written: each
        of its files there, and the corpus and audit of the sizes its manifest records
        (a file removed or cut short by hand is not; a run writes them again)."""
        manifest = self.manifest()
        if manifest is None:
            return False
        outputs = manifest.get("outputs")
        sizes = outputs if isinstance(outputs, dict) else {}
        for name in PUBLISHED:
            try:
                size = (self.root / name).stat().st_size
            except OSError:
                return False
            recorded = sizes.get(name)
            if isinstance(recorded, dict) and recorded.get("bytes") not in (None, size):
                return False
        return True

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder for one run; raise :class:`LockedError` if another run holds it.

        The lock is an ``flock`` on ``.cleaner/lock``, so the system releases it when its
        process dies: a lock file left by a killed run is simply taken over.
        """
        import fcntl

        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            ignore = self.state_dir / ".gitignore"
            if not ignore.exists():  # the index and lock are per machine; generations are not
                ignore.write_text(GITIGNORE, encoding="utf-8")
            fd = os.open(self.state_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise OutputError(
                f"{self.root}: cannot create the lock file ({e.strerror}); "
                "pick a writable output folder."
            ) from e
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "{}"
                raise LockedError(
                    f"{self.root}: another run is writing this folder ({_describe(holder)}); "
                    "wait for it to finish, or pick another output folder."
                ) from None
            self._refuse_foreign()
            os.ftruncate(fd, 0)
            body = {
                "pid": os.getpid(),
                "host": os.uname().nodename,  # gethostname(), without importing socket
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            os.pwrite(fd, (json.dumps(body, sort_keys=True) + "\n").encode(), 0)
            yield
        finally:
            os.close(fd)

    def sweep(self, keep: set[int]) -> None:
        """Remove generations not in ``keep`` and temporary files of stopped runs."""
        if not self.state_dir.is_dir():
            return
        for entry in self.state_dir.iterdir():
            match = _GEN.match(entry.name)
            stale = match is not None and int(match.group(1)) not in keep
            if stale or (entry.is_dir() and entry.name.endswith(".tmp")):
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.name.endswith(".tmp") or entry.name.endswith(".new"):
                entry.unlink(missing_ok=True)
        for name in PUBLISHED:  # a link being made when a run was stopped (see _relink)
            for entry in self.root.glob(f".{name}.*.tmp"):
                entry.unlink(missing_ok=True)

    def start_generation(self, n: int) -> Path:
        """A fresh, empty folder for generation ``n``."""
        path = self.generation_dir(n)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def publish(self, n: int) -> None:
        """Make generation ``n`` the output: one rename of ``current``, then tidy up.

        The links in OUTPUT point through ``current``, so they are made first (on a
        first run they dangle, and a reader sees no output yet); the rename of
        ``current`` then switches all three at once. The flat files of an older
        version are first adopted as generation 0 (see :meth:`_adopt_flat`), so that
        each link shows the same bytes as the file it replaces.
        """
        gen = self.generation_dir(n)
        _fsync_dir(gen)
        if self.current() is None:
            self._adopt_flat()
        for name in PUBLISHED:
            link = self.root / name
            target = f"{STATE_DIR}/{CURRENT}/{name}"
            if not (link.is_symlink() and os.readlink(link) == target):
                _relink(link, target)
        _fsync_dir(self.root)
        _relink(self.state_dir / CURRENT, gen.name)
        _fsync_dir(self.state_dir)
        self.sweep({n})
        log.debug("published generation %d in %s", n, self.root)

    def _refuse_foreign(self) -> None:
        """Raise :class:`OutputError` when OUTPUT holds a plain ``corpus.jsonl``,
        ``audit.jsonl`` or ``manifest.json`` that no cleaner run wrote (no manifest of
        cleaner's beside it), or a link of that name that leads elsewhere than into
        ``.cleaner``: publishing would replace it by a link, and it would be lost. A run
        writes links there, so a plain file is the user's (put over a link, too), unless
        it is the flat output of an older version, its manifest among them, which is
        adopted instead (:meth:`_adopt_flat`)."""
        for name in PUBLISHED:  # a link of the user's: replaced, it would be lost too
            link = self.root / name
            if link.is_symlink() and not os.readlink(link).startswith(f"{STATE_DIR}/"):
                raise OutputError(
                    f"{link}: a link no cleaner run made (to {os.readlink(link)}) would be "
                    "replaced; move it away, or pick another output folder."
                )
        flat = [name for name in PUBLISHED if _plain_file(self.root / name)]
        if not flat or _cleaner_manifest(self.root / MANIFEST):
            return
        raise OutputError(
            f"{self.root / flat[0]}: a file no cleaner run wrote (no manifest.json of "
            "cleaner's beside it) would be replaced; move it away, or pick another output folder."
        )

    def _adopt_flat(self) -> None:
        """Publish the plain output files of an older version as generation 0.

        Such a version wrote corpus.jsonl, audit.jsonl and manifest.json straight into
        OUTPUT. They are linked (or copied) into ``gen-000000``, manifest last, and
        ``current`` points there; replacing each file by its link then changes no byte
        a reader sees, until the rename of ``current`` switches to the new generation.
        """
        flat = [name for name in PUBLISHED if _plain_file(self.root / name)]
        if not flat or not _cleaner_manifest(self.root / MANIFEST):
            return
        old = self.generation_dir(0)
        shutil.rmtree(old, ignore_errors=True)
        old.mkdir(parents=True)
        for name in flat:  # manifest last
            try:
                os.link(self.root / name, old / name)
            except OSError:
                shutil.copy2(self.root / name, old / name)
        _fsync_dir(old)
        _relink(self.state_dir / CURRENT, old.name)
        _fsync_dir(self.state_dir)


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _cleaner_manifest(path: Path) -> bool:
    """Whether ``path`` is a plain file holding a manifest a cleaner run wrote."""
    if not _plain_file(path):
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("tool") == "cleaner"


def _describe(holder: str) -> str:
    try:
        info = json.loads(holder)
        return f"pid {info['pid']} on {info['host']} since {info['started']}"
    except (ValueError, KeyError, TypeError):
        return "lock file .cleaner/lock"

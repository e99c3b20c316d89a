"""Where a run starts from: the output folder made ready, then an update or a rebuild, and why.

A run updates the stored state only when everything that shapes the output is as it
was (version, boilerplate model, code, config); any difference is a full rebuild, and
its reason is said (:func:`plan_run`). An input is unchanged when its size and stat stamp
(the later of mtime and ctime, :func:`~cleaner.store.schema.stat_stamp`) match and it was
not modified too close to when it was read, else when its sha256 does (:func:`unchanged`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner._version import __version__
from cleaner.config import CleanConfig
from cleaner.errors import InputError, OutputError
from cleaner.fingerprint import code_digest
from cleaner.rules.model import model_digest
from cleaner.store.manifest import MANIFEST
from cleaner.store.outdir import PUBLISHED, OutputFolder
from cleaner.store.schema import SCHEMA, stat_stamp, stored_schema
from cleaner.store.state import State

log = logging.getLogger(__name__)

RACY_NS = 2_000_000_000  # a file modified this close to when it was read is hashed again


def refuse_output(output: Path, input_path: Path) -> None:
    """Refuse an output folder that is the input folder, inside it, the folder of an
    input file, or one that holds the input (its own ``corpus.jsonl``): before the
    input is listed, so the walk never meets it.

    An output inside the input folder would be read back as input by every later run
    (its corpus, audit and manifest cleaned again as documents), so it is a usage
    error, not something the walk quietly works around.
    """
    try:
        into = input_path.resolve()
    except (RuntimeError, OSError) as e:  # a link that points at itself, round a loop
        raise InputError(
            f"{input_path}: cannot follow the path ({e}); fix the looping link."
        ) from e
    try:
        out = output.resolve()
    except (RuntimeError, OSError) as e:
        raise OutputError(
            f"{output}: cannot follow the path ({e}); pick an output folder with no looping link."
        ) from e
    if into.is_file() and out == into.parent:
        raise OutputError(
            f"{output}: output folder is the folder of the input file {input_path}, so a "
            "run over that folder would read this output as input; pick another one."
        )
    if out == into:
        raise OutputError(f"{output}: output folder is the input folder; pick another one.")
    if into.is_dir() and out.is_relative_to(into):
        # the name of the folder itself: `cleaner run . o` names it "."
        beside = f" (e.g. {into.with_name(into.name + '-clean')})" if into.name else ""
        raise OutputError(
            f"{output}: output folder is inside the input folder {input_path}, so later runs "
            f"would read their own output as input; pick a folder outside it{beside}."
        )
    if into.is_relative_to(out):  # clean/corpus.jsonl: a link into its generation
        raise OutputError(
            f"{output}: the input {input_path} is in this output folder, so every run would "
            "read its own output back as input; copy it out of the folder, or pick another one."
        )


def prepare_output(output: Path) -> None:
    """Create the output folder (once :func:`refuse_output` has passed it)."""
    if output.exists() and not output.is_dir():
        raise OutputError(f"{output}: not a folder; pick a folder for the output.")
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(
            f"{output}: cannot create the output folder ({e.strerror}); pick a writable path."
        ) from e
    if not output.is_dir():
        raise OutputError(f"{output}: not a folder; pick a folder for the output.")
    for name in PUBLISHED:
        if (output / name).is_dir() and not (output / name).is_symlink():
            raise OutputError(
                f"{output / name}: a folder where the run writes its {name}; move it away, "
                "or pick another output folder."
            )


@dataclass
class Plan:
    """Where a run starts from: the state to update (None: rebuild) and why."""

    state: State | None
    generation: int
    reason: str
    rebuild: str | None
    history: list[dict[str, Any]]


def config_diff(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(config_diff(a, b, f"{prefix}{key}."))
        elif a != b:
            out.append(f"{prefix}{key} {json.dumps(a)} -> {json.dumps(b)}")
    return out


def run_key(config: CleanConfig) -> dict[str, str]:
    """What an incremental run must find in the state as it is now, else it rebuilds:
    stored by each run (see :mod:`cleaner.run.commit`), compared by :func:`plan_run`."""
    return {
        "version": __version__,
        "config": json.dumps(config.to_dict(), sort_keys=True),
        "config_hash": config.hash(),
        "boilerplate_model": model_digest(),
        "code": code_digest(),
    }


def plan_run(
    folder: OutputFolder, config: CleanConfig, incremental: bool, input_root: str | None = None
) -> Plan:
    """Recover from a killed run, then decide between an incremental run and a rebuild.

    ``input_root`` is the resolved INPUT: another one than the last run's is a rebuild,
    since its files' sizes and times say nothing of the ones the state holds (two
    snapshots unpacked with their times kept).
    """
    current = folder.current()
    state = State.open(folder.db_path)
    if state is not None:
        stored = state.meta("generation")
        generation = int(stored) if stored and stored.isdigit() else -1
        if generation != current and folder.is_complete(generation):
            log.info("finishing the run that committed generation %d", generation)
            folder.publish(generation)
            current = generation
        elif generation != current:
            state.close()
            state = None
    folder.sweep({current} if current is not None else set())
    manifest = folder.manifest()
    history = list(manifest.get("runs", [])) if manifest else []  # type: ignore[call-overload]
    following = (current or 0) + 1
    key = run_key(config)
    why: str | None = None
    if not incremental:
        why = "a full rebuild was asked for"
    elif manifest is None and state is None:
        flat = (folder.root / MANIFEST).exists()  # output of a version without a state index
        why = "the output was written without a state index" if flat else ""
    elif state is None and (old := stored_schema(folder.db_path)) not in (None, SCHEMA):
        why = f"the state index has layout {old} and this version uses layout {SCHEMA}"
    elif state is None or manifest is None:
        why = "the state index is missing or does not match the published corpus"
    elif state.meta("version") != key["version"]:
        why = f"cleaner version changed: {state.meta('version')} -> {key['version']}"
    elif state.meta("boilerplate_model") != key["boilerplate_model"]:
        why = "boilerplate model changed"
    elif state.meta("code") != key["code"]:
        why = "cleaner's code changed since the last run (its rules, stages or readers)"
    elif input_root is not None and state.meta("input_root") not in (None, input_root):
        why = f"input folder changed: {state.meta('input_root')} -> {input_root}"
    elif state.meta("config_hash") != key["config_hash"]:
        old = json.loads(state.meta("config") or "{}")
        changes = config_diff(old, json.loads(json.dumps(config.to_dict())))
        why = "config changed: " + ("; ".join(changes) or "config hash differs")
    if why is None and state is not None:
        return Plan(state, following, "", None, history)
    if state is not None:
        state.close()
    if why == "":
        return Plan(None, following, "first run into this folder", None, history)
    return Plan(None, following, str(why), why, history)


def unchanged(
    path: Path, size: int, mtime_ns: int, seen_ns: int, sha256: str, state: State, source: str
) -> bool:
    """Whether an input still has the content stored for it (stat first, then sha256)."""
    try:
        st = path.stat()
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False  # read again, and the reader rejects it (its content never ends)
    if st.st_size == size and stat_stamp(st) == mtime_ns and mtime_ns < seen_ns - RACY_NS:
        return True
    seen = time.time_ns()
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return False
    if digest != sha256:
        return False
    state.touch_file(source, st.st_size, stat_stamp(st), seen)
    return True

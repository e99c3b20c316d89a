"""Judging raw files against a corpus without writing: boilerplate share and duplicates.

Each file is judged on its own, so a pre-commit hook may pass any subset of files.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.config import CleanConfig
from cleaner.dedup.keeper import CONTAINED, RULE, Rank, doc_rank
from cleaner.dedup.lsh import Banding, Keys, as_tokens
from cleaner.dedup.resolve import resolve_sets
from cleaner.dedup.shingles import ShingleSets, shingle_sets
from cleaner.dedup.verify import overlaps
from cleaner.document import Document
from cleaner.errors import ExitCode, UsageError
from cleaner.names import STATE_DIR
from cleaner.pipeline import Pipeline
from cleaner.readers import read_file
from cleaner.readers.files import UNREADABLE_FOLDER, unreadable
from cleaner.readers.walk import list_inputs, source_name, source_path
from cleaner.stages.filters.pii import redactions
from cleaner.stages.repeats import CountRepeats, LineSets
from cleaner.store.index import Match, MatchKey, StoredIndex, match_key
from cleaner.store.manifest import MANIFEST
from cleaner.store.outdir import CURRENT, PUBLISHED, OutputFolder
from cleaner.store.state import State
from cleaner.tables import damaged_manifest


@dataclass
class FileCheck:
    """The verdict on one file.

    ``boilerplate`` is the share of its characters (after repair) that cleaning would
    remove; ``duplicates`` lists its documents that nearly duplicate a kept corpus
    document (``id``, ``duplicate_of``, ``duplicate_source``, ``rule``: ``near-duplicate``
    or ``contained``, ``similarity`` and, when contained, ``containment``);
    ``dropped`` lists its documents that cleaning leaves out by themselves (``id``,
    ``rule``: ``boilerplate-only`` or a filter's, ``measured``: what the stage measured to
    decide); ``redacted`` counts what redact-pii, when on, would replace, per type (no
    problem: the share and the duplicates are judged on the redacted text, as a run
    sees it); ``rejected`` lists the records a run would reject and put in the audit
    (a bad line of a JSONL file: ``line``, ``rule``, ``message`` and ``source`` as the
    audit gives them), a problem too; ``error`` says why a file could not be judged;
    ``skipped`` why it was not judged at all (a hidden file, which a run does not read:
    no problem).
    """

    path: str
    input_chars: int = 0
    removed_chars: int = 0
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    redacted: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    skipped: str | None = None
    max_boilerplate: float = 0.5

    @property
    def boilerplate(self) -> float:
        return self.removed_chars / self.input_chars if self.input_chars else 0.0

    @property
    def problems(self) -> list[str]:
        """One line per problem found, for people."""
        if self.error is not None:
            return [f"{self.path}: {self.error}"]
        out = []
        for r in self.rejected:  # the message names the source and line: show the path
            message, source = r["message"], r["source"]
            where = message[len(source) :] if message.startswith(source) else f": {message}"
            out.append(f"{self.path}{where} (rejected: {r['rule']})")
        if self.boilerplate > self.max_boilerplate:
            out.append(
                f"{self.path}: {self.boilerplate:.0%} boilerplate "
                f"(more than {self.max_boilerplate:.0%})"
            )
        for d in self.dropped:
            why = f" ({d['measured']})" if d.get("measured") else ""
            out.append(f"{self.path}: document {d['id']} dropped: {d['rule']}{why}")
        for d in self.duplicates:
            kept = f"{d['duplicate_of']} ({d['duplicate_source']})"
            if "containment" in d:
                out.append(
                    f"{self.path}: contained in {kept}, containment {d['containment']}, "
                    f"similarity {d['similarity']}"
                )
            else:
                out.append(f"{self.path}: near-duplicate of {kept}, similarity {d['similarity']}")
        return out

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        if self.skipped is not None:
            return "skipped"
        return "problems" if self.problems else "clean"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "boilerplate": round(self.boilerplate, 4),
            "input_chars": self.input_chars,
            "removed_chars": self.removed_chars,
            "duplicates": self.duplicates,
            "dropped": self.dropped,
            "rejected": self.rejected,
            "redacted": self.redacted,
            "error": self.error,
            "skipped": self.skipped,
            "problems": self.problems,
        }


@dataclass
class CheckReport:
    """The verdicts on every file checked; ``exit_code`` follows the hook contract."""

    files: list[FileCheck]
    max_boilerplate: float = 0.5
    note: str | None = None  # how the files were judged, when not against a corpus

    @property
    def exit_code(self) -> int:
        if any(f.status == "error" for f in self.files):
            return ExitCode.USAGE
        return ExitCode.PROBLEMS if any(f.problems for f in self.files) else ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "max_boilerplate": self.max_boilerplate,
            "files": [f.to_dict() for f in self.files],
            "note": self.note,
        }


def has_corpus(folder: Path) -> bool:
    """Whether ``folder`` is meant to hold a corpus: False only before a first run.

    A folder that does not exist yet, or holds no published manifest and nothing but
    hidden files (a ``.gitkeep``, the ``.cleaner`` state of a first run that was
    stopped) and the links such a run makes before it publishes (they dangle until
    then), holds no corpus yet. Any other folder is taken for an output folder, so a
    mistyped ``--corpus`` that names some other folder is an error from
    :func:`open_corpus`, not a check that quietly skips duplicates.
    """
    if not folder.is_dir():
        return False
    if OutputFolder(folder).current() is not None:
        return True
    unpublished = {f"{STATE_DIR}/{CURRENT}/{name}" for name in PUBLISHED}
    return any(
        not entry.name.startswith(".") and not _dangling(entry, unpublished)
        for entry in folder.iterdir()
    )


def _dangling(entry: Path, targets: set[str]) -> bool:
    """Whether ``entry`` is a link to one of ``targets`` that leads nowhere yet."""
    try:
        return entry.is_symlink() and not entry.exists() and os.readlink(entry) in targets
    except OSError:
        return False


@contextmanager
def open_corpus(folder: Path) -> Iterator[tuple[State, dict[str, Any]]]:
    """The state index (read-only) and manifest of a finished corpus in ``folder``.

    Raises :class:`~cleaner.errors.UsageError`, saying what to do, when ``folder``
    holds no corpus or a corpus without a state index of this version.
    """
    output = OutputFolder(folder)
    manifest = output.manifest()
    if manifest is None and output.current() is not None:  # a run finished: cut or edited
        raise damaged_manifest(folder / MANIFEST, "not the JSON object a run writes")
    if manifest is None:
        raise UsageError(
            f"{folder}: not an output folder of `cleaner run` (no manifest); pass the OUTPUT "
            "folder of your run with --corpus DIR."
        )
    try:
        _dedup_settings(manifest)  # what corpus_index reads, checked before any work
    except (KeyError, TypeError, ValueError) as e:
        raise damaged_manifest(folder / MANIFEST, e) from None
    state = State.open(output.db_path, readonly=True)
    if state is None:
        raise UsageError(
            f"{folder}: the corpus has no state index; run `cleaner run` on it once with "
            "this version."
        )
    try:
        yield state, dict(manifest)
    finally:
        state.close()


@dataclass
class CorpusLines:
    """A corpus's stored line sets, so a checked file's lines count as a run's would
    (see :meth:`~cleaner.stages.repeats.CountRepeats.repeated_with`)."""

    state: State
    counter: CountRepeats
    sets: dict[str, LineSets] = field(init=False)

    def __post_init__(self) -> None:
        self.sets = {path: LineSets(*s) for path, s in self.state.line_sets().items()}

    def repeated(self, source: str | None, docs: Sequence[Document]) -> list[int]:
        """The salted hashes of the lines of ``docs`` that a run with them would repeat,
        the file's own earlier version in the corpus taken out."""
        return self.counter.repeated_with(source, docs, self.sets)

    def counted(self, docs: Sequence[Document]) -> list[int]:
        """The salted hashes of the lines of ``docs`` that the corpus repeats, for
        documents of a file the corpus holds unchanged."""
        return self.counter.repeated_as_counted(docs, self.sets)


def corpus_source(path: Path, input_root: str | None) -> str:
    """The file's source name as the corpus knows it, when it lies under the input root;
    its name when it is the input (a run over one file names it so) or lies elsewhere.

    >>> corpus_source(Path("/data/raw/a/b.txt"), "/data/raw"), corpus_source(Path("x.warc"), None)
    ('a/b.txt', 'x.warc')
    """
    if input_root:
        try:
            source = source_name(_as_listed(path).relative_to(Path(input_root)))
        except (ValueError, OSError):
            pass
        else:
            return source_name(Path(path.name)) if source == "." else source
    return source_name(Path(path.name))


def earlier_version(path: Path, input_root: str | None) -> str | None:
    """The source under which the corpus holds the file's own earlier version: its
    :func:`corpus_source` when it lies under the input root (or no root is known); None
    when it lies elsewhere, where a file of the same name is another file, which its
    copy must not be excused as.

    >>> earlier_version(Path("/data/raw/a/b.txt"), "/data/raw")
    'a/b.txt'
    >>> earlier_version(Path("/data/incoming/b.txt"), "/data/raw") is None
    True
    """
    if input_root:
        try:
            _as_listed(path).relative_to(Path(input_root))
        except (ValueError, OSError):
            return None
    return corpus_source(path, input_root)


def _as_listed(path: Path) -> Path:
    """``path`` with its folders resolved, as the input root was, and its own link not
    followed: a run lists a link by its own name (``raw/a.txt`` -> ``../store/a.txt`` is
    ``a.txt``), so resolving it would name another file, or one outside the root."""
    return path.absolute().parent.resolve() / path.name


def is_hidden(path: Path, input_root: str | None) -> bool:
    """Whether a run over the input folder passes ``path`` over as hidden, as
    :func:`~cleaner.readers.walk.list_inputs` does: its name, or a folder on its way
    from the input root, starts with a dot. Before a first run (no root recorded yet)
    the folders of a relative path count too, as the hook passes them (from the
    repository's top); outside the root, and for an absolute path then, the name alone.

    >>> is_hidden(Path("raw/.gitkeep"), None), is_hidden(Path("raw/a.txt"), None)
    (True, False)
    >>> is_hidden(Path("raw/.cache/b.txt"), None), is_hidden(Path("/home/.me/a.txt"), None)
    (True, False)
    """
    parts: tuple[str, ...] = (path.name,)
    if input_root:
        with contextlib.suppress(OSError, ValueError):  # outside the root: the name
            # the folders resolved, as the root was; the file's own link not followed
            parts = _as_listed(path).relative_to(Path(input_root)).parts
    elif not path.is_absolute():
        parts = tuple(part for part in path.parts if part not in (".", ".."))
    return any(part.startswith(".") for part in parts)


def judge_file(
    path: Path,
    pipeline: Pipeline,
    index: StoredIndex | None,
    ngram: int,
    input_root: str | None,
    max_boilerplate: float,
    text_key: str,
    lines: CorpusLines | None = None,
    html_key: str | None = None,
) -> FileCheck:
    """Clean one file in memory and judge it; see :func:`check_files`.

    With ``lines``, a line of the file that the corpus and the file together hold
    ``min_repeats`` times is a repeated line, as in a run over both.
    """
    # a byte of a name that is not UTF-8 shown as \xe9, as the corpus writes it
    result = FileCheck(source_name(path), max_boilerplate=max_boilerplate)
    try:
        os.stat(path)
    except FileNotFoundError:
        pass  # said below, with what to pass
    except OSError as e:  # a path longer than the system takes, a loop of links
        result.error = unreadable(e)
        return result
    if is_hidden(path, input_root):
        result.skipped = "hidden: `cleaner run` does not read it; skipped"
        return result
    if path.is_dir() and (path / STATE_DIR).is_dir():
        result.skipped = (
            "the output folder of a cleaner run: `cleaner run` does not read it; skipped"
        )
        return result
    if not path.is_file():
        result.error = (
            UNREADABLE_FOLDER
            if path.is_dir()
            else "not a regular file; pass the raw files to check"
            if path.exists()
            else "no such file; pass the raw files to check"
        )
        return result
    source = corpus_source(path, input_root)
    earlier = earlier_version(path, input_root)
    entry = read_file(path, source, text_key, html_key=html_key)
    if entry.outcome == "rejected":
        result.error = entry.reason or "not usable"
        return result
    result.rejected = [r.to_dict() for r in entry.rejections]  # a run's audit rows
    text = pipeline.text_stages()  # repair-text, and redaction when it is on
    rest = Pipeline(pipeline.stages[len(text.stages) :])
    repaired = list(text.run(entry.documents))
    prepared = {s.name for s in text.stages}
    if lines is not None:
        repeated = lines.repeated(earlier, repaired)
        rest = rest.with_repeated(repeated)
    result.input_chars = sum(len(d.text) for d in repaired)
    redacted = Counter[str]()
    for doc in repaired:
        redacted.update(redactions(doc))
    result.redacted = dict(sorted(redacted.items()))
    live = []
    for doc in rest.run(repaired):
        result.removed_chars += sum(len(ch.text) for ch in doc.changes if ch.stage not in prepared)
        if doc.dropped is not None:
            result.removed_chars += len(doc.dropped.text)
            drop = {"id": doc.id, "rule": doc.dropped.rule, "measured": doc.dropped.measured()}
            result.dropped.append(drop)
        else:
            live.append(doc)
    if index is None or not live:
        return result
    result.duplicates = duplicates(index, live, source, ngram, earlier, gone_from(input_root))
    return result


def gone_from(input_root: str | None) -> Callable[[str], bool] | None:
    """Whether a corpus file's source is no longer in the input folder the run read
    (None when that folder is unknown or gone: then no document is left out). A run
    over the input as it is now takes such a file's documents out of the corpus, so
    they duplicate nothing: the file renamed (``git mv``) is not its own twin."""
    if not input_root or not Path(input_root).is_dir():
        return None
    root = Path(input_root)

    @cache
    def gone(source: str) -> bool:
        return not source_path(root, source).exists()

    return gone


def duplicates(
    index: StoredIndex,
    docs: Sequence[Document],
    source: str,
    ngram: int,
    earlier: str | None,
    gone: Callable[[str], bool] | None = None,
) -> list[dict[str, Any]]:
    """The cleaned ``docs`` of the file ``source`` that a run would drop for a kept corpus
    document (not one of ``earlier``, the file's earlier version), or for another document
    of the file: ``id``, ``duplicate_of``, ``duplicate_source``, ``rule``,
    ``similarity`` and, for a contained one, ``containment``; in file order.

    Corpus documents of a file that is ``gone`` from the input are left out.

    The documents no corpus document takes are judged against each other as a run
    judges them (:func:`~cleaner.dedup.resolve.resolve_sets`: the longest kept first),
    so a copy inside one JSONL file shows as the run shows it."""
    found: dict[int, dict[str, Any]] = {}
    if not docs:
        return []
    sets = shingle_sets([doc.text for doc in docs], ngram)  # one batch for the whole file
    keys = index.banding.keys(sets)
    ranks = [doc_rank(doc, k) for k, doc in enumerate(docs)]
    by_corpus: dict[int, Match] = {}
    for k, doc in enumerate(docs):
        match = index.lookup(sets[k], keys[k], exclude_path=earlier, rank=ranks[k], gone=gone)
        if match is not None:
            by_corpus[k] = match
            found[k] = _duplicate(
                doc.id, match.ident, match.source, match.similarity, match.containment
            )
    rest = [k for k in range(len(docs)) if k not in found]
    if len(rest) > 1:
        mine = resolve_sets(
            sets.take(np.array(rest)), [ranks[k] for k in rest], index.banding, index.containment
        )
        for d, by, sim, share in zip(*mine, strict=True):
            own = None if math.isnan(share) else float(share)
            kept = docs[rest[int(by)]]
            found[rest[int(d)]] = _duplicate(docs[rest[int(d)]].id, kept.id, source, sim, own)
    _own_keepers(index, docs, source, sets, keys, ranks, by_corpus, found)
    return [found[k] for k in sorted(found)]


def _own_keepers(
    index: StoredIndex,
    docs: Sequence[Document],
    source: str,
    sets: ShingleSets,
    keys: Keys,
    ranks: list[Rank],
    by_corpus: dict[int, Match],
    found: dict[int, dict[str, Any]],
) -> None:
    """Name, for a document a corpus document takes, a kept document of its own file
    that a run prefers (judged first, and a near-duplicate where the corpus document
    holds it: the run judges them together): ``found`` is updated in place."""
    kept = [j for j in range(len(docs)) if j not in found and len(sets[j])]
    if not kept or not by_corpus:
        return
    holders: dict[int, list[int]] = {}
    for j in kept:
        for token in as_tokens(keys[j]).tolist():
            holders.setdefault(token, []).append(j)
    for k, match in by_corpus.items():
        near = {j for t in as_tokens(keys[k]).tolist() for j in holders.get(t, ())}
        mine = sorted(j for j in near if ranks[j] < ranks[k])
        if not mine:
            continue
        shared = overlaps(sets[k], [sets[j] for j in mine]).tolist()
        best: tuple[MatchKey, int, float, float | None] | None = None
        for j, inter in zip(mine, shared, strict=True):
            got = match_key(
                inter,
                len(sets[k]),
                len(sets[j]),
                True,
                (source, j),
                index.threshold,
                index.containment,
            )
            if got is not None and got[0] < match.key and (best is None or got[0] < best[0]):
                best = (got[0], j, got[1], got[2])
        if best is not None:
            found[k] = _duplicate(docs[k].id, docs[best[1]].id, source, best[2], best[3])


def _duplicate(
    ident: str, kept_id: str, kept_source: str, sim: float, share: float | None
) -> dict[str, Any]:
    """One document :func:`duplicates` finds, as ``check --json`` and explain give it."""
    out: dict[str, Any] = {
        "id": ident,
        "duplicate_of": kept_id,
        "duplicate_source": kept_source,
        "rule": str(RULE if share is None else CONTAINED),
        "similarity": round(float(sim), 4),
    }
    if share is not None:
        out["containment"] = round(share, 4)
    return out


def corpus_index(state: State, manifest: dict[str, Any]) -> StoredIndex | None:
    """The near-duplicate index of a finished corpus, with the settings it was built
    with (None when the corpus keeps near-duplicates)."""
    settings = _dedup_settings(manifest)
    if settings is None:
        return None
    banding, share = settings
    return StoredIndex(state, banding.threshold, banding, share)


def _dedup_settings(manifest: dict[str, Any]) -> tuple[Banding, float | None] | None:
    """The banding and containment share a corpus's manifest records (None: the
    corpus keeps near-duplicates); KeyError, TypeError or ValueError when it does not
    hold them as a run writes them."""
    dedup: dict[str, Any] = manifest["config"]["dedup"]
    corpus_ngram(manifest)  # read with the index or without it
    if not dedup["documents"]:
        return None
    # a corpus built before containment existed has no such setting: Jaccard only
    share = float(dedup["containment_threshold"]) if dedup.get("containment", False) else None
    banding = Banding(
        float(dedup["threshold"]),
        int(dedup["num_perm"]),
        int(dedup["seed"]),
        containment=share is not None,
    )
    return banding, share


def corpus_ngram(manifest: dict[str, Any]) -> int:
    """The shingle size a corpus's manifest records (checked by :func:`open_corpus`)."""
    return int(manifest["config"]["dedup"]["ngram"])


def corpus_config(corpus_dir: Path) -> CleanConfig | None:
    """The config the run of the corpus in ``corpus_dir`` recorded in its manifest, so
    that a file is judged as that run judged its files; None when there is no manifest
    (no run finished there yet)."""
    manifest = OutputFolder(corpus_dir).manifest() or {}
    recorded = manifest.get("config")
    if recorded is not None and not isinstance(recorded, dict):
        raise damaged_manifest(corpus_dir / MANIFEST, "its config is not an object")
    if not isinstance(recorded, dict):
        return None
    return CleanConfig.from_dict(recorded, f"{corpus_dir / 'manifest.json'} (the run's config)")


def _files(path: Path) -> list[Path]:
    """``path``, or the files a run over it would read when it is a folder."""
    if not path.is_dir():
        return [path]
    return [found for found, _ in list_inputs(path)]


def check_files(
    paths: Sequence[Path | str] | Path | str,
    corpus_dir: Path | str = Path("clean"),
    config: CleanConfig | None = None,
    *,
    max_boilerplate: float = 0.5,
) -> CheckReport:
    """Judge raw files, each on its own, against the corpus in ``corpus_dir``; write nothing.

    A file has problems when a run would reject some of its records (bad JSONL
    lines), when more than ``max_boilerplate`` of its characters (after
    repair) would be removed, or when one of its documents nearly duplicates a kept
    corpus document or another document of the file (same threshold and n-grams as the
    corpus was built with; see :func:`duplicates`). A hidden file (:func:`is_hidden`),
    which a run does not read, is skipped, with ``skipped`` saying so. Its
    lines count for ``corpus-repeat`` together with the corpus's, as in a run over
    both. The file's own earlier version in the corpus is not held against it.

    Without ``config``, the files are judged with the config the corpus's run
    recorded in its manifest (:func:`corpus_config`), as ``cleaner check`` judges
    them; the defaults when there is no corpus yet.

    When ``corpus_dir`` holds no run at all (a repository before its first
    ``cleaner run``), each file is judged on its boilerplate share alone and the
    report's ``note`` says so: there is nothing to duplicate yet. A ``corpus_dir`` that
    is a file (the corpus.jsonl in it, say) is a :class:`~cleaner.errors.UsageError`.
    A folder in ``paths`` stands for the files a run over it reads (hidden ones left
    out, :func:`~cleaner.readers.walk.list_inputs`), each judged as a file.
    """
    if isinstance(max_boilerplate, bool) or not isinstance(max_boilerplate, int | float):
        raise UsageError(f"max boilerplate must be a number in [0, 1], not {max_boilerplate!r}")
    if not 0.0 <= max_boilerplate <= 1.0:
        raise UsageError(f"max boilerplate must be in [0, 1], not {max_boilerplate}")
    if isinstance(paths, str | os.PathLike):
        paths = [paths]  # one path, not its letters
    if not isinstance(paths, Iterable) or not isinstance(corpus_dir, str | os.PathLike):
        raise UsageError(
            "check_files takes a list of paths and the corpus's folder, "
            f"not {type(paths).__name__} and {type(corpus_dir).__name__}"
        )
    if config is not None and not isinstance(config, CleanConfig):
        raise UsageError(f"config must be a CleanConfig or None, not {config!r}")
    paths = list(paths)
    odd = [p for p in paths if not isinstance(p, str | os.PathLike)]
    if odd:  # None or 0 too
        raise UsageError(f"check_files takes paths, not {type(odd[0]).__name__} {odd[0]!r}")
    paths = [f for p in paths for f in _files(Path(p))]
    corpus_dir = Path(corpus_dir)
    if corpus_dir.exists() and not corpus_dir.is_dir():
        raise UsageError(
            f"{corpus_dir}: not a folder; pass the OUTPUT folder of `cleaner run` (the one "
            "that holds corpus.jsonl and manifest.json), not a file in it."
        )
    if config is None:
        config = corpus_config(corpus_dir) or CleanConfig()
    whole = Pipeline.from_config(config)
    pipeline, repeats = whole.per_document(), whole.corpus_stage(CountRepeats)
    first = not has_corpus(corpus_dir)  # before a first run: nothing to duplicate yet
    output = OutputFolder(corpus_dir)
    # a corpus kept in git, in a fresh clone: the state index is not committed
    unindexed = not first and output.manifest() is not None and not output.db_path.is_file()
    if first or unindexed:
        alone = [
            judge_file(
                Path(p),
                pipeline,
                None,
                config.dedup.ngram,
                None,
                max_boilerplate,
                config.text_key,
                html_key=config.html_key,
            )
            for p in paths
        ]
        note = (
            f"{corpus_dir}: no corpus yet; each file was judged on its own boilerplate "
            "share (no duplicate check). Run `cleaner run` to build the corpus."
            if first
            else f"{corpus_dir}: the corpus has no state index here (a clone does not hold "
            "one); each file was judged on its own boilerplate share (no duplicate check). "
            "Run `cleaner run` once to rebuild the index."
        )
        return CheckReport(alone, max_boilerplate, note=note)
    with open_corpus(corpus_dir) as (state, manifest):
        index = corpus_index(state, manifest)
        root = state.input_root(corpus_dir)
        lines = None if repeats is None else CorpusLines(state, repeats)
        files = [
            judge_file(
                Path(p),
                pipeline,
                index,
                corpus_ngram(manifest),
                root,
                max_boilerplate,
                config.text_key,
                lines,
                config.html_key,
            )
            for p in paths
        ]
    return CheckReport(files, max_boilerplate)

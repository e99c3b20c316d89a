"""py3langid's model, loaded when this module is imported.

A module of its own so that a local run's forkserver can import it once before it forks
the workers (:attr:`~cleaner.stage.Stage.preload`), instead of each worker loading it.

py3langid's wheel ships the model compressed with xz, and unpacking it costs about half
a CPU-second per run, more than the filter spends naming the languages of a few
thousand pages. So the first load keeps the unpacked arrays in a cache folder
(:func:`cache_root`), one ``.npy`` file each, under the SHA-256 of the shipped file, and
later loads map those files instead of unpacking (a few milliseconds; every process
reading them shares the pages). The arrays are the ones in the shipped file, taken as
py3langid takes them, but for the weights: the file holds them as float16, which numpy
widens to float32 (exactly) for each document it scores, so they are widened once, when
unpacked. With them the cache keeps the depth of the model's automaton
(:func:`automaton_depth`), which lets :class:`Identifier` walk a text's bytes with numpy.
A model read from the cache names the same language with the same score.
Nothing is fetched: the cache is made from the installed wheel's file, and a new
py3langid (another file, another digest) gets a folder of its own. A cache that cannot
be written (a read-only home) or read is left alone: the model is then unpacked each
time.
"""

from __future__ import annotations

import hashlib
import logging
import lzma
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from cleaner.arrays import distinct

log = logging.getLogger(__name__)

CACHE_ENV = "CLEANER_CACHE_DIR"  # where cleaner keeps what it unpacks; see cache_root()
LAYOUT = "py3langid-npy-f32"  # the cache folder's layout: a new layout, a new folder
ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")  # as shipped
CACHED = (*ARRAYS, "depth")  # and what is derived from them once, when unpacked
# unsigned integer widths, as array's codes
_ITEM_CODES: dict[int, Literal["H", "I", "Q"]] = {2: "H", 4: "I", 8: "Q"}

Arrays = dict[str, Any]


def cache_root() -> Path:
    """The folder cleaner caches unpacked models in: ``$CLEANER_CACHE_DIR`` when set,
    else ``$XDG_CACHE_HOME/cleaner``, else ``~/.cache/cleaner``."""
    own = os.environ.get(CACHE_ENV)
    if own:
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "cleaner"


def shipped_model() -> Path:
    """The model file inside the installed py3langid package."""
    path: Path = Path(MODEL_DIR) / MODEL_FILE
    return path


def cache_folder(model: Path) -> Path:
    """Where the unpacked arrays of ``model`` are kept (named by its content)."""
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:20]
    return cache_root() / f"{LAYOUT}-{digest}"


def unpack(model: Path) -> Arrays:
    """The arrays of py3langid's compressed ``.npz`` model file, in memory."""
    with tempfile.TemporaryFile(suffix=".npz") as tmp:
        with lzma.open(model) as src:
            shutil.copyfileobj(src, tmp, length=1 << 20)
        tmp.seek(0)
        with np.load(tmp, allow_pickle=False) as data:
            return {name: data[name] for name in ARRAYS}


def automaton_depth(nextmove: Any, rows: Any) -> int:
    """The most moves the byte automaton needs from its start to reach any state: the
    longest byte n-gram it knows. Breadth first from the start; a state's moves are its
    row of ``nextmove`` (rows are shared, so each row is expanded once)."""
    moves = np.asarray(nextmove).reshape(-1, 256)
    rows = np.asarray(rows)
    seen = np.zeros(len(rows), dtype=bool)
    seen[0] = True
    expanded = np.zeros(len(moves), dtype=bool)
    frontier = np.zeros(1, dtype=np.intp)
    depth = 0
    while True:
        new_rows = distinct(rows[frontier])
        new_rows = new_rows[~expanded[new_rows]]
        expanded[new_rows] = True
        reached = moves[new_rows].ravel()
        frontier = distinct(reached[~seen[reached]])
        if not len(frontier):
            return depth
        seen[frontier] = True
        depth += 1


def prepare(arrays: Arrays) -> Arrays:
    """``arrays`` as cached: the weights as float32 (scoring a document multiplies
    float32 counts by the weights, so numpy would widen the float16 rows it takes each
    time; widened once, the scores are the same to the bit and take half the time), and
    the automaton's depth (0.15 CPU-s to find, too much for every run)."""
    depth = automaton_depth(arrays["nextmove"], arrays["nextmove_row"])
    return {
        **arrays,
        "ptc": np.asarray(arrays["ptc"], dtype=np.float32),
        "depth": np.asarray(depth, dtype=np.int64),
    }


def _write(folder: Path, arrays: Arrays) -> None:
    """Keep ``arrays`` in ``folder``, whole or not at all: written to a new folder beside
    it, which then takes its name (a process that wrote it first wins)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        os.rename(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone when renamed; else half written


def _read(folder: Path) -> Arrays:
    """The cached arrays, the large ones mapped from their files rather than read."""
    return {
        name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in CACHED
    }


def load_arrays(model: Path) -> Arrays:
    """The arrays of ``model``: from the cache when it has them, else unpacked (and
    then cached, when the cache can be written). A damaged cache folder (a file cut
    short) is replaced, so that one bad write does not cost every later run the unpacking."""
    folder: Path | None = None
    damaged = False
    try:
        folder = cache_folder(model)
        if folder.is_dir():
            damaged = True  # unless it reads
            return _read(folder)
    except (OSError, ValueError) as e:  # no home, an unreadable or damaged cache
        log.debug("language model cache not read: %s", e)
    arrays = prepare(unpack(model))
    if folder is not None:
        try:
            if damaged:
                shutil.rmtree(folder)  # a process that mapped its files keeps them
            _write(folder, arrays)
        except OSError as e:  # a read-only cache: unpack each time
            log.debug("language model cache not written: %s", e)
    return arrays


def _integers(array: Any) -> memoryview:
    """An unsigned integer array as a flat memoryview of Python ints (what py3langid
    indexes its automaton with; as fast to index as its ``array.array``, without a copy)."""
    flat = np.ascontiguousarray(array).reshape(-1)
    return flat.data.cast("B").cast(_ITEM_CODES[flat.dtype.itemsize])


class Identifier(LanguageIdentifier):  # type: ignore[misc]
    """py3langid's identifier, which walks a text's bytes with numpy instead of a Python
    loop (a third of the time), to the same scores.

    py3langid's automaton (Aho-Corasick over the model's byte n-grams) is, after each
    byte, in the state of the longest suffix of the bytes read that begins a known
    n-gram; that suffix is never longer than the automaton's ``depth``. So the state
    after byte i is the state reached from the start over bytes i - depth + 1 to i, and
    every position of a text can take those ``depth`` moves at once. The features then
    count in the order py3langid's ``Counter`` first meets them, so the weights add up
    in the same order, to the same bits (a property test holds both to it).
    """

    def __init__(self, arrays: Arrays) -> None:
        super().__init__(
            np.asarray(arrays["ptc"]),
            np.asarray(arrays["pc"]),
            arrays["classes"].tolist(),
            _integers(arrays["nextmove"]),
            arrays["out_feat"].tolist(),
            norm_probs=True,
            tk_row=_integers(arrays["nextmove_row"]),
        )  # as py3langid's own LanguageIdentifier.from_model_file builds it
        self._depth = int(arrays["depth"])
        self._moves = np.asarray(arrays["nextmove"])
        self._row_starts = np.asarray(arrays["nextmove_row"], dtype=np.intp) << 8
        self._feature_of = np.asarray(arrays["out_feat"], dtype=np.intp)

    def _states(self, data: bytes) -> Any:
        """The automaton's state after each byte of ``data``."""
        text = np.frombuffer(data, dtype=np.uint8)
        states = np.zeros(len(text), dtype=np.intp)
        for back in range(min(self._depth, len(text)) - 1, -1, -1):  # position i reads i - back
            states[back:] = self._moves[self._row_starts[states[back:]] + text[: len(text) - back]]
        return states

    def _raw_score(self, text: bytes) -> Any:
        features = self._feature_of[self._states(text)]
        features = features[features >= 0]
        if not len(features):  # py3langid's score for a text without features
            return super()._raw_score(text)
        found, first, counts = np.unique(features, return_index=True, return_counts=True)
        order = np.argsort(first)
        weights = self.nb_ptc[found[order]]
        return np.log1p(counts[order].astype(np.float32)) @ weights + self.nb_pc


IDENTIFIER = Identifier(load_arrays(shipped_model()))

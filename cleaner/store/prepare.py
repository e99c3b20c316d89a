"""A cleaned input file as ready-to-insert rows of the state, built where it was cleaned.

A worker turns a cleaned file into rows, a part of its documents at a time
(:func:`prepare_docs`) joined under its ``files`` row (:func:`prepare_file`), so storing
it costs the driver little: records and audit lines serialized, and the documents'
shingle sets and band keys as bytes. The sets and keys are computed by the caller
(:func:`cleaner.dedup.shingles.shingle_sets`, :meth:`cleaner.dedup.lsh.Banding.keys`);
the store only lays them out.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.dedup.shingles import ShingleSets
from cleaner.document import Document
from cleaner.names import Reason, StageName
from cleaner.readers import InputFile
from cleaner.store.output import dumps
from cleaner.store.schema import DocRow, FileRow

Keys = npt.NDArray[np.uint32]


@dataclass
class PreparedDocs:
    """Documents of a cleaned file as rows of the state.

    ``docs`` is one ``docs`` row per document, ``live`` whether each document is still
    in the corpus. ``indexed`` are the places in ``docs`` of the documents with a
    non-empty shingle set, ``keys`` their band keys (one row each) and ``sizes`` their
    set sizes. Named tuples and arrays: it pickles small and stores with one
    ``executemany``.
    """

    docs: list[DocRow]
    live: list[bool]
    indexed: npt.NDArray[np.int64]
    keys: Keys
    sizes: npt.NDArray[np.int64]


@dataclass
class PreparedFile(PreparedDocs):
    """A cleaned input file as rows of the state: all its documents' rows, and ``file``,
    its ``files`` row."""

    path: str
    file: FileRow


def prepare_docs(
    path: str,
    docs: Sequence[Document],
    ordinals: Sequence[int],
    *,
    sets: ShingleSets | None = None,
    keys: Keys | None = None,
) -> PreparedDocs:
    """The rows that store cleaned ``docs`` of the file ``path``, at ``ordinals`` (their
    places in the file).

    ``sets`` are the shingle sets of the live documents, in order, and ``keys`` their
    band keys (one row per set); both None when documents are not deduplicated, and
    then nothing is indexed.
    """
    live = [doc.dropped is None for doc in docs]
    hashed = [i for i, ok in enumerate(live) if ok] if sets is not None else []
    if sets is None:
        sets = ShingleSets(np.zeros(0, np.uint32), np.zeros(1, np.int64))
    if len(sets) != len(hashed) or (keys is not None and len(keys) != len(hashed)):
        raise ValueError(f"{len(hashed)} live documents but {len(sets)} shingle sets")
    sizes = sets.sizes()
    full = np.flatnonzero(sizes > 0)
    if keys is None or not len(full):
        keys = np.zeros((len(hashed), 0), np.uint32)
    blobs: dict[int, tuple[int, bytes, bytes]] = {
        i: (int(sizes[k]), sets[k].tobytes(), keys[k].tobytes() if sizes[k] else b"")
        for k, i in enumerate(hashed)
    }
    rows = []
    for k, doc in enumerate(docs):
        changes = "\n".join(
            dumps({"id": doc.id, "source": doc.source, **ch.to_dict()})
            for ch in doc.changes
            if ch.text or ch.stage == StageName.REDACT_PII  # a replacement, without its value
        )
        size, shingles, band_keys = blobs.get(k, (0, b"", b""))
        rows.append(
            DocRow(
                path=path,
                ordinal=ordinals[k],
                id=doc.id,
                length=len(doc.text),
                record=dumps(doc.record()),
                changes=changes,
                tally=json.dumps([[ch.stage, ch.rule, len(ch.text)] for ch in doc.changes]),
                dropped=None if doc.dropped is None else dumps(doc.dropped.to_dict()),
                size=size,
                shingles=shingles,
                keys=band_keys,
                fallback=doc.fallback_id,
            )
        )
    return PreparedDocs(
        rows,
        live,
        np.asarray(hashed, dtype=np.int64)[full],
        np.ascontiguousarray(keys[full]) if len(full) else np.zeros((0, 0), np.uint32),
        sizes[full].astype(np.int64),
    )


def prepare_file(
    entry: InputFile, parts: Sequence[PreparedDocs], *, mtime_ns: int, seen_ns: int
) -> PreparedFile:
    """The rows that store ``entry``: its ``files`` row and the rows of its cleaned
    documents, prepared in ``parts`` (:func:`prepare_docs`, in order), joined."""
    rejected: list[dict[str, Any]] = []
    if entry.outcome == "rejected":
        rejected.append(
            {
                "source": entry.path,
                "stage": StageName.READ,
                "rule": Reason.REJECTED_FILE,
                "message": entry.message,
                "text": "",
            }
        )
    rejected.extend({**r.to_dict(), "text": ""} for r in entry.rejections)
    file = FileRow(
        entry.path,
        entry.sha256,
        entry.size,
        mtime_ns,
        seen_ns,
        dumps(entry.to_dict()),
        "\n".join(dumps(r) for r in rejected),
    )
    starts = itertools.accumulate((len(p.docs) for p in parts), initial=0)
    # one start more than parts: where the last part ends
    indexed = [p.indexed + start for p, start in zip(parts, starts, strict=False)]
    keys = [p.keys for p in parts if len(p.keys)]
    return PreparedFile(
        docs=[row for p in parts for row in p.docs],
        live=[ok for p in parts for ok in p.live],
        indexed=np.concatenate([np.zeros(0, np.int64), *indexed]),
        keys=np.concatenate(keys) if keys else np.zeros((0, 0), np.uint32),
        sizes=np.concatenate([np.zeros(0, np.int64), *(p.sizes for p in parts)]),
        path=entry.path,
        file=file,
    )

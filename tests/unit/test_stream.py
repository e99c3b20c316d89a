"""The streaming API: clean_records, StreamCleaner, the bounded near-duplicate index."""

from __future__ import annotations

import gc
import io
import itertools
import json
import random
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner import CleanConfig, DedupConfig, StreamCleaner, clean_corpus, clean_records
from cleaner.dedup.lsh import choose_bands
from cleaner.document import Document
from cleaner.errors import OutputError, RecordError, UsageError
from cleaner.names import Reason
from cleaner.readers import Rejection, doc_id
from cleaner.run.stream import stream_corpus
from cleaner.stages.stream_dedup import StreamNearDuplicates
from tests.conftest import SEEDS, doc
from tests.oracles import shingle_containment, shingle_jaccard

WORDS = [
    "river",
    "bank",
    "council",
    "bridge",
    "market",
    "school",
    "train",
    "storm",
    "harvest",
    "museum",
    "garden",
    "village",
    "doctor",
    "letter",
    "winter",
    "summer",
    "mountain",
    "lantern",
    "engine",
    "harbour",
]


def article(seed: int, n: int = 60) -> str:
    """A deterministic paragraph of ``n`` words, different for each seed."""
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def test_records_come_back_in_order_with_an_account() -> None:
    rows = [
        {"id": "a", "text": "caf\u00c3\u00a9 &amp; bar", "lang": "fr"},
        {"id": "b", "text": "Plain text with nothing to fix."},
    ]
    out = list(clean_records(rows))
    assert [r["id"] for r in out] == ["a", "b"]
    assert out[0]["text"] == "café & bar" and out[0]["lang"] == "fr"
    assert set(out[0]["cleaner"]) == {
        "title", "date", "author", "repaired", "removed", "redacted", "dropped"
    }  # fmt: skip
    assert "fix-mojibake" in out[0]["cleaner"]["repaired"]
    assert out[1]["cleaner"] == {
        "title": None,
        "date": None,
        "author": None,
        "repaired": [],
        "removed": [],
        "redacted": {},
        "dropped": None,
    }
    assert rows[0]["text"] == "caf\u00c3\u00a9 &amp; bar"  # input records are not mutated


def test_removals_carry_stage_rule_and_text() -> None:
    # prose, so the line model keeps both copies and the repeat is dedup's to remove
    para = (
        "The council met on Tuesday to discuss the new bridge over the river, and most"
        " members agreed that the work should begin before the winter storms arrive."
    )
    other = (
        "Farmers at the market said that the harvest had been good this year, although"
        " the late summer rain kept many of them away from their fields for weeks."
    )
    [out] = clean_records([{"text": f"{para}\n\n{other}\n\n{para}"}])
    [removed] = out["cleaner"]["removed"]
    assert (removed["stage"], removed["rule"], removed["text"]) == (
        "dedup-blocks",
        "repeated-block",
        para,
    )
    assert out["text"] == f"{para}\n\n{other}"


def test_text_key_comes_from_argument_or_config() -> None:
    rows = [{"body": "x &amp; y"}]
    assert next(clean_records(rows, text_key="body"))["body"] == "x & y"
    assert next(clean_records(rows, CleanConfig(text_key="body")))["body"] == "x & y"


def test_a_text_of_too_many_lines_is_a_dropped_record_and_the_next_ones_come() -> None:
    """As a run rejects it (``record-too-long``) and reads on: the record API raised,
    which ended the generator (and a whole ``Dataset.map``) at that record."""
    from cleaner.integrations.hf import clean_batch

    long = "A line.\n" * 100_001
    rows = [{"id": 1, "text": long}, {"id": 2, "text": "A later record about the hills."}]
    out = list(clean_records(rows))
    assert [r["id"] for r in out] == [1, 2] and out[0]["text"] == ""
    dropped = out[0]["cleaner"]["dropped"]
    assert (dropped["stage"], dropped["rule"]) == ("read", "record-too-long")
    assert dropped["detail"]["message"].startswith("100,001 lines with text, more than 100,000")
    assert out[1]["cleaner"]["dropped"] is None
    batch = clean_batch({"text": [long, rows[1]["text"]], "n": [1, 2]})
    assert batch["n"] == [2]


def test_nul_characters_taken_out_of_a_record_are_in_its_account() -> None:
    """A run's manifest counts them; the record's account said nothing."""
    [out] = clean_records([{"id": 1, "text": "Hello\x00 world, a sentence about hills.\x00"}])
    assert out["text"] == "Hello world, a sentence about hills."
    assert out["cleaner"]["repaired"] == ["nul-bytes"]


def test_a_record_without_text_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="records: record 2: no field 'text'"):
        list(clean_records([{"text": "fine"}, {"body": "no text"}]))


@pytest.mark.parametrize("record", ["hello world", None, 5, [("text", "x")]])
def test_a_record_that_is_no_dict_is_a_record_error(record: object) -> None:
    with pytest.raises(RecordError, match=r"records: record 2: a .*, not a dict of fields"):
        list(clean_records([{"text": "fine"}, record]))  # type: ignore[list-item]


def test_a_records_odd_values_are_read_as_a_run_reads_them() -> None:
    """A binary id is read as a Parquet file's (UTF-8 text; a TypeError from
    ``json.dumps`` before); lone surrogates in the record's title are replaced as a
    JSONL run replaces them, and counted, so the account can be written as UTF-8."""
    text = article(1, 40)
    [binary] = clean_records([{"id": b"rec-1", "text": text}], near_duplicates=False)
    assert binary["id"] == b"rec-1"  # the record as it was; its document's id is text
    [_, again] = clean_records([{"id": b"rec-1", "text": text}, {"id": b"r-2", "text": text}])
    assert again["cleaner"]["dropped"]["detail"]["duplicate_of"] == "rec-1"
    row = {"id": "s", "text": text, "title": "T\ud800"}
    [out] = clean_records([row])
    assert out["cleaner"]["title"] == "T\ufffd" and "lone-surrogates" in out["cleaner"]["repaired"]
    json.dumps(out["cleaner"], ensure_ascii=False).encode("utf-8")


def test_a_pages_records_own_text_is_kept_aside_as_a_run_keeps_it() -> None:
    """With ``html_key``, a record's own ``text`` (the page's text replaces it) goes to
    ``record_text``, or to ``record_record_text`` when the record has that too (it was
    lost); the record's ``source`` is not repeated aside."""
    page = (
        "<html><body><article><p>The council voted on Monday to close the old bridge for "
        "repairs next spring, the mayor said.</p><p>Residents were not happy about it at "
        "all.</p></article></body></html>"
    )
    config = CleanConfig(html_key="html")
    row = {"html": page, "text": "old", "record_text": "rt", "source": "feed"}
    [out] = clean_records([row], config)
    assert out["text"].startswith("The council voted")
    assert (out["record_text"], out["record_record_text"]) == ("rt", "old")
    assert out["source"] == "feed" and not any(k.endswith("_source") for k in out)


@pytest.mark.parametrize("records", [None, 5, "text", {"text": "x"}])
def test_records_that_are_no_iterable_of_dicts_are_a_usage_error(records: object) -> None:
    with pytest.raises(UsageError, match="records must be an iterable of dicts"):
        list(clean_records(records))  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["cleaner", "title", "id", "source"])
def test_a_text_key_argument_cleaner_writes_itself_is_refused(key: str) -> None:
    """As the config's own text_key is: the cleaned text would overwrite the account."""
    with pytest.raises(UsageError, match=f"text_key '{key}' is a field cleaner writes itself"):
        list(clean_records([{key: "Some text here.", "x": 1}], text_key=key))


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"window": 0}, "window must be a whole number of at least 1"),
        ({"window": "5"}, "window must be a whole number of at least 1"),
        ({"config": None}, "config must be a CleanConfig"),
        ({"config": {}}, "config must be a CleanConfig"),
    ],
)
def test_bad_arguments_are_usage_errors(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(UsageError, match=words):
        list(clean_records([{"text": "fine"}], **kwargs))  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [None, 5, b"bytes"])
def test_stream_cleaner_refuses_a_document_without_string_text(text: object) -> None:
    with pytest.raises(RecordError, match=r"s: document 1: its text is .*, not a string"):
        StreamCleaner().clean(Document("1", "s", text))  # type: ignore[arg-type]


def test_near_duplicates_keep_the_first_copy() -> None:
    a = article(3)
    b = a.replace("river", "stream", 1)
    assert shingle_jaccard(a, b) >= 0.8
    out = list(
        clean_records([{"id": 1, "text": a}, {"id": 2, "text": article(4)}, {"id": 3, "text": b}])
    )
    assert [r["cleaner"]["dropped"] is None for r in out] == [True, True, False]
    dropped = out[2]["cleaner"]["dropped"]
    assert dropped["rule"] == "near-duplicate" and dropped["detail"]["duplicate_of"] == "1"
    assert dropped["detail"]["similarity"] == pytest.approx(shingle_jaccard(a, b), abs=1e-4)


def test_near_duplicates_follow_the_config_and_can_be_off() -> None:
    a = article(5)
    rows = [{"text": a}, {"text": a}]
    assert list(clean_records(rows, near_duplicates=False))[1]["cleaner"]["dropped"] is None
    off = CleanConfig(dedup=DedupConfig(documents=False))
    assert list(clean_records(rows, off))[1]["cleaner"]["dropped"] is None


def test_clean_records_is_lazy_over_an_endless_stream() -> None:
    def endless() -> Iterator[dict[str, str]]:
        for i in itertools.count():
            yield {"text": article(i)}

    first = list(itertools.islice(clean_records(endless(), window=10), 50))
    assert len(first) == 50


def test_the_window_bounds_memory_and_forgets_old_documents() -> None:
    stage = StreamNearDuplicates(DedupConfig(), window=3)
    texts = [article(i) for i in range(10, 16)]
    for i, text in enumerate(texts):
        assert stage.apply(doc(text, f"{i}.txt")).dropped is None
        assert len(stage) == min(i + 1, 3)
    assert stage.apply(doc(texts[-1], "again.txt")).dropped is not None
    assert stage.apply(doc(texts[0], "old.txt")).dropped is None  # forgotten: past the window


def test_long_one_line_records_are_not_kept_after_they_are_cleaned() -> None:
    """The per-line caches of the boilerplate rules and the line model's table of line
    columns keep short lines only: a stream of records of 50 kB in one or two lines keeps
    none of them (each kept 65,536 lines of any size: 13 GB of 200 kB lines)."""
    records = (  # ~50 kB, one line each; then ~50 kB in two lines, which the model judges
        {
            "text": article(seed, 8000)
            if seed < 12
            else f"{article(seed, 4000)}\n{article(-seed, 4000)}"
        }
        for seed in range(24)
    )
    list(clean_records(itertools.islice(records, 1), near_duplicates=False))  # loads the model
    tracemalloc.start()  # the records are made while it traces: each is kept or it is not
    try:
        before = tracemalloc.get_traced_memory()[0]
        for record in clean_records(records, near_duplicates=False):
            assert len(record["text"]) > 40_000
            del record
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 200_000, f"{kept} bytes kept after the stream"


def test_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window"):
        StreamNearDuplicates(window=0)


def test_bands_catch_pairs_at_the_threshold() -> None:
    bands, rows = choose_bands(0.8, 128)
    assert bands * rows <= 128 and 1 - (1 - 0.8**rows) ** bands >= 0.995


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=3, max_size=30), min_size=2, max_size=8))
@example([["river"] * 5 + ["bank", "river"], ["river"] * 5])  # contained, Jaccard 1/3
def test_a_dropped_document_really_is_a_near_duplicate(texts: list[list[str]]) -> None:
    """A drop names a kept document it is a near-duplicate of, or one that contains it."""
    config = DedupConfig(threshold=0.5)
    stage = StreamNearDuplicates(config)
    kept: dict[str, str] = {}
    for i, words in enumerate(texts):
        text = " ".join(words)
        out = stage.apply(doc(text, str(i)))
        if out.dropped is None:
            kept[str(i)] = text
            continue
        other = kept[out.dropped.detail["duplicate_of"]]
        if out.dropped.rule == Reason.CONTAINED:
            assert shingle_containment(text, other) >= config.containment_threshold
        else:
            assert shingle_jaccard(text, other) >= 0.5


def test_stream_cleaner_counts_what_it_did() -> None:
    cleaner = StreamCleaner()
    for i, text in enumerate([article(7), article(7), "a &amp; b"]):
        cleaner.clean(doc(text, f"{i}.txt"))
    report = cleaner.report(0.0)
    assert (report.documents_in, report.kept, report.duplicates) == (3, 2, 1)


def test_a_stream_is_read_line_by_line_as_a_jsonl_file_is() -> None:
    lines = [
        b'\xef\xbb\xbf{"text": "One record.", "id": 7}',
        b"",
        b"[1]",
        b'{"body": 1}',
        b'{"text": "caf\xe9"}',
        b"{bad",
    ]
    out = io.BytesIO()
    rejected: list[Rejection] = []
    report = stream_corpus(io.BytesIO(b"\n".join(lines)), out, on_reject=rejected.append)
    records = [json.loads(x) for x in out.getvalue().decode().splitlines()]
    assert [(r["id"], r["text"]) for r in records] == [
        (7, "One record."),
        (doc_id("stdin", 5), "café"),
    ]
    assert [(r.rule, r.line) for r in rejected] == [
        ("malformed-json", 3),
        ("missing-text", 4),
        ("malformed-json", 6),
    ]
    assert all(r.message.startswith(f"stdin:{r.line}:") for r in rejected)
    [entry] = report.manifest["inputs"]
    assert entry["repairs"] == {"invalid-utf8": 1} and entry["rejected_records"] == 3


def test_a_stream_of_bad_lines_is_counted_and_its_reader_rejects_it() -> None:
    rejected: list[Rejection] = []
    data = b"oops\n" * 1000
    report = stream_corpus(io.BytesIO(data), io.BytesIO(), on_reject=rejected.append)
    assert len(rejected) == 1001 and rejected[-1].rule == "rejected-file"
    assert rejected[-1].message.startswith(
        "stdin: no usable records (1000 rejected; first: stdin:1:"
    )
    assert (report.records_rejected, report.files_rejected) == (1000, 1)
    assert report.manifest["inputs"][0]["rejected_records"] == 1000


def test_stream_corpus_writes_corpus_records(tmp_path: Path) -> None:
    data = "\n".join(
        json.dumps({"text": t, "lang": "en"})
        for t in [article(8), "not json", article(8), article(9)]
    )
    data = data.replace('{"text": "not json", "lang": "en"}', "not json")
    out = io.BytesIO()
    rejected: list[Rejection] = []
    report = stream_corpus(io.BytesIO(data.encode()), out, on_reject=rejected.append)
    records = [json.loads(x) for x in out.getvalue().decode().splitlines()]
    assert [r["text"] for r in records] == [article(8), article(9)]
    assert set(records[0]) == {"id", "source", "title", "date", "author", "text", "lang"}
    assert records[0]["source"] == "stdin"
    assert [r.line for r in rejected] == [2]
    assert (report.documents_in, report.kept, report.records_rejected) == (3, 2, 1)


def test_stream_corpus_reads_a_folder_like_a_run(tmp_path: Path) -> None:
    out = io.BytesIO()
    report = stream_corpus(SEEDS / "raw", out)
    lines = out.getvalue().decode().splitlines()
    assert report.kept == len(lines) == 5


def test_clean_corpus_reports_progress(tmp_path: Path) -> None:
    calls: list[tuple[int, int | None]] = []
    clean_corpus(SEEDS / "raw", tmp_path / "o", progress=lambda d, t: calls.append((d, t)))
    # each file is counted (corpus-repeat), then cleaned: two passes of five files
    assert calls == [(d, 5) for d in range(1, 6)] * 2
    calls.clear()
    config = CleanConfig().with_overrides({"boilerplate.disable": ("corpus-repeat",)})
    clean_corpus(SEEDS / "raw", tmp_path / "p", config, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(d, 5) for d in range(1, 6)]


def window_best(
    kept: list[tuple[np.ndarray, list[int], str, int]],  # type: ignore[type-arg]
    hashes: np.ndarray,  # type: ignore[type-arg]
    tokens: list[int],
    length: int,
    threshold: float,
    containment: float | None,
) -> tuple[float, float | None, str] | None:
    """The window's rule pair by pair: the most similar kept document at or above the
    threshold, the first met of ties (by token, then kept first); else the longer one
    that holds the largest share, the first met of ties."""
    met: list[int] = []
    for token in tokens:
        met += [k for k, (_, theirs, _, _) in enumerate(kept) if token in theirs and k not in met]
    best: tuple[float, str] | None = None
    holder: tuple[float, float, str] | None = None
    mine = set(hashes.tolist())
    for k in met:
        other, _, label, other_length = kept[k]
        inter = len(mine & set(other.tolist()))
        union = len(mine) + len(other) - inter
        sim = inter / union if union else 0.0
        if sim >= threshold:
            if best is None or sim > best[0]:
                best = (sim, label)
        elif containment is not None and other_length >= length:
            share = inter / len(mine)
            if inter >= containment * len(mine) - 1e-9 and (holder is None or share > holder[0]):
                holder = (share, sim, label)
    if best is not None:
        return best[0], None, best[1]
    return None if holder is None else (holder[1], holder[0], holder[2])


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("containment", [None, 0.8])
def test_the_window_names_the_document_the_pairwise_rule_names(
    seed: int, containment: float | None
) -> None:
    """A stream of texts, near copies, exact copies (ties) and cut copies: the window's
    verdict for each is the pairwise rule's over the documents kept before it."""
    from cleaner.dedup.lsh import Banding
    from cleaner.dedup.shingles import shingle_hashes
    from cleaner.dedup.window import Window

    rng = random.Random(seed)
    words = [f"w{i}" for i in range(60)]
    banding = Banding(0.7, containment=containment is not None)
    index = Window(0.7, window=None, containment=containment)
    kept: list[tuple[np.ndarray, list[int], str, int]] = []  # type: ignore[type-arg]
    texts: list[str] = []
    decided = 0
    for i in range(160):
        kind = rng.random()
        if texts and kind < 0.3:
            cut = rng.choice(texts).split()
            text = " ".join(cut[: rng.randint(len(cut) // 2, len(cut))])
        elif texts and kind < 0.6:
            edit = rng.choice(texts).split()
            edit[rng.randrange(len(edit))] = rng.choice(words)
            text = " ".join(edit)
        elif texts and kind < 0.7:
            text = rng.choice(texts)
        else:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(8, 40)))
        texts.append(text)
        hashes = shingle_hashes(text)
        if not len(hashes):
            continue
        tokens = banding.tokens(hashes)
        want = window_best(kept, hashes, tokens.tolist(), len(text), 0.7, containment)
        assert index.best(hashes, tokens, len(text)) == want
        decided += want is not None
        if want is None:
            index.add(hashes, tokens, str(i), len(text))
            kept.append((hashes, tokens.tolist(), str(i), len(text)))
    assert decided > 20


class FullDisk(io.RawIOBase):
    """A sink on a full disk: every write fails as the system call does."""

    name = "corpus.jsonl"

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raise OSError(28, "No space left on device")


def test_a_sink_that_cannot_be_written_is_an_output_error_naming_it() -> None:
    source = io.BytesIO(json.dumps({"text": "A sentence of plain prose to keep."}).encode())
    with pytest.raises(OutputError) as caught:
        stream_corpus(source, io.BufferedWriter(FullDisk()))  # type: ignore[arg-type]
    assert str(caught.value) == (
        "corpus.jsonl: cannot write the corpus (No space left on device); "
        "free space or send it elsewhere"
    )


def test_a_short_signature_serves_without_containment_and_is_refused_with_it() -> None:
    """Containment's bands need 48 values: fewer is a config error, not a failure in the
    banding; with containment off, a short signature still finds a copy."""
    with pytest.raises(UsageError, match="num_perm must be at least 48 with containment on"):
        DedupConfig(num_perm=47)
    config = CleanConfig(dedup=DedupConfig(num_perm=8, containment=False))
    text = (SEEDS / "raw" / sorted(p.name for p in (SEEDS / "raw").iterdir())[0]).read_text()
    out = list(clean_records([{"text": text}, {"text": text}], config))
    assert out[0]["cleaner"]["dropped"] is None
    assert out[1]["cleaner"]["dropped"]["rule"] == "near-duplicate"

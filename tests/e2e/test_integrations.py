"""The optional integrations, run for real against datatrove and Hugging Face datasets."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cleaner import CleanConfig
from cleaner.errors import RecordError, UsageError

PARA = "A paragraph that is long enough to count as a block of text in the page here."
PAGE = f"Intro line.\n\n{PARA}\n\n{PARA}"
ENGLISH = "The bridge will close for six months while the council repairs it."
FRENCH = "Le pont sera fermé pendant six mois pendant que la ville le répare."
ENGLISH_ONLY = CleanConfig().with_filter("language", enabled=True, languages=("en",))


def count(step: object, name: str) -> int:
    """A datatrove counter: a plain int when it was bumped by one each time."""
    value = step.stats.to_dict()["stats"][name]  # type: ignore[attr-defined]
    return value if isinstance(value, int) else int(value["total"])


def test_datatrove_step_cleans_text_and_metadata_and_drops_empty() -> None:
    from datatrove.data import Document as DtDocument
    from datatrove.pipeline.base import PipelineStep

    from cleaner.integrations.datatrove import CleanerStep

    step = CleanerStep()
    assert isinstance(step, PipelineStep)
    docs = [
        DtDocument(text="a &amp; b", id="1"),
        DtDocument(text=PAGE, id="2"),
        DtDocument(text=" \n ", id="3"),
    ]
    out = list(step.run(iter(docs)))
    assert [d.id for d in out] == ["1", "2"]
    assert out[0].text == "a & b" and out[1].text == f"Intro line.\n\n{PARA}"
    [removed] = out[1].metadata["cleaner"]["removed"]
    assert removed["rule"] == "repeated-block"
    assert count(step, "total") == 3 and count(step, "forwarded") == 2
    assert count(step, "dropped_empty") == 1
    assert count(step, "dedup-blocks/repeated-block") == 1


def test_datatrove_step_reads_a_document_as_clean_records_reads_a_record() -> None:
    """Its metadata's own title, date and author fill the account; a text of too many
    lines is dropped by ``read`` (it was cleaned: 150,000 lines took 16 s and 0.5 GB),
    NUL characters taken out are counted."""
    from datatrove.data import Document as DtDocument

    from cleaner.integrations.datatrove import CleanerStep

    own = {"title": "Own title", "author": "Ann Lee", "date": "2024-01-02"}
    docs = [
        DtDocument(text="A line.\n" * 100_001, id="1"),
        DtDocument(text=PARA, id="2", metadata=dict(own)),
        DtDocument(text=f"{PARA}\x00", id="3"),
    ]
    step = CleanerStep()
    out = list(step.run(iter(docs)))
    assert [d.id for d in out] == ["2", "3"] and out[1].text == PARA
    account = out[0].metadata["cleaner"]
    assert {k: account[k] for k in own} == own
    assert out[1].metadata["cleaner"]["repaired"] == ["nul-bytes"]
    assert count(step, "dropped_record-too-long") == 1 and count(step, "read/nul-bytes") == 1


def test_datatrove_step_reads_pages_as_its_warc_reader_gives_them() -> None:
    """With html_key "text" a document's text is a page's HTML (datatrove's WarcReader):
    the step gives what clean_records gives the same pages (held to a run in
    test_html_input), the page's url and html_lang in the metadata; a page with no
    text is dropped; another html_key names a metadata field."""
    from datatrove.data import Document as DtDocument

    from cleaner import CleanConfig
    from cleaner.integrations.datatrove import CleanerStep
    from cleaner.run.stream import clean_records
    from tests.warcs import pages

    html = {name: data.decode("utf-8", "replace") for name, data in pages().items()}
    config = CleanConfig(html_key="text")
    rows = [{"id": name, "text": page} for name, page in html.items()]
    want = {r["id"]: r for r in clean_records(rows, config, near_duplicates=False)}
    docs = [DtDocument(text=page, id=name, metadata={"url": "kept"}) for name, page in html.items()]
    step = CleanerStep(config)
    out = list(step.run(iter([*docs, DtDocument(text="%PDF-1.4 x", id="pdf")])))
    assert [d.id for d in out] == list(html)
    for d in out:
        assert d.text == want[d.id]["text"] and d.text != html[d.id]
        assert d.metadata["cleaner"]["title"] == want[d.id]["cleaner"]["title"]
        assert d.metadata["url"] == "kept"  # the document's own
    assert any(d.metadata.get("html_lang") for d in out)
    assert count(step, "dropped_not-html") == 1
    name = next(iter(html))
    field = CleanerStep(CleanConfig(html_key="body"))
    [d] = field.run(iter([DtDocument(text="", id=name, metadata={"body": html[name]})]))
    assert d.text == want[name]["text"]
    with pytest.raises(RecordError, match=r"no field 'body'; use --html-key"):  # not "null"
        list(field.run(iter([DtDocument(text="", id="none", metadata={})])))


def test_datatrove_step_can_drop_near_duplicates() -> None:
    from datatrove.data import Document as DtDocument

    from cleaner.integrations.datatrove import CleanerStep

    docs = [DtDocument(text=PARA, id="1"), DtDocument(text=PARA, id="2")]
    assert len(list(CleanerStep().run(iter(docs)))) == 2  # off by default
    step = CleanerStep(near_duplicates=True)
    assert [d.id for d in step.run(iter(docs))] == ["1"]
    assert count(step, "dropped_near-duplicate") == 1


def test_datatrove_step_in_a_local_executor(tmp_path: Path) -> None:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from cleaner.integrations.datatrove import CleanerStep

    raw = tmp_path / "raw"
    raw.mkdir()
    rows = [{"id": "p1", "text": PAGE}, {"id": "p2", "text": "x &amp; y"}]
    (raw / "in.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    LocalPipelineExecutor(
        [JsonlReader(str(raw)), CleanerStep(CleanConfig()), JsonlWriter(str(tmp_path / "out"))],
        tasks=1,
        workers=1,
        logging_dir=str(tmp_path / "logs"),
    ).run()
    [written] = (tmp_path / "out").glob("*.jsonl.gz")
    got = [json.loads(x) for x in gzip.decompress(written.read_bytes()).splitlines()]
    assert [r["text"] for r in got] == [f"Intro line.\n\n{PARA}", "x & y"]
    assert got[0]["metadata"]["cleaner"]["removed"][0]["rule"] == "repeated-block"


def test_hf_map_batched_cleans_and_drops_empty_rows() -> None:
    from datasets import Dataset

    from cleaner.integrations.hf import clean_batch

    rows = [
        {"text": "plain", "n": 1},
        {"text": "a &amp; b", "n": 2},
        {"text": "  ", "n": 3},
        {"text": PAGE, "n": 4},
    ]
    out = Dataset.from_list(rows).map(clean_batch, batched=True, batch_size=2)
    assert out["n"] == [1, 2, 4]
    assert out["text"] == ["plain", "a & b", f"Intro line.\n\n{PARA}"]
    account = json.loads(out["cleaner"][2])
    assert account["removed"][0]["rule"] == "repeated-block"
    assert json.loads(out["cleaner"][1])["repaired"] == ["unescape-html"]


def test_hf_map_takes_options_by_fn_kwargs() -> None:
    from datasets import Dataset

    from cleaner.integrations.hf import clean_batch

    ds = Dataset.from_list([{"body": "x &amp; y"}, {"body": ""}])
    out = ds.map(clean_batch, batched=True, fn_kwargs={"text_key": "body", "drop": False})
    assert out["body"] == ["x & y", ""]


def test_hf_map_refuses_a_dataset_without_the_text_column() -> None:
    from datasets import Dataset

    from cleaner.integrations.hf import clean_batch

    ds = Dataset.from_list([{"body": "x &amp; y", "n": 1}, {"body": "hello there", "n": 2}])
    with pytest.raises(RecordError, match="record 1: no field 'text'"):
        ds.map(clean_batch, batched=True)


def test_hf_map_without_batched_is_refused_not_read_letter_by_letter() -> None:
    """An unbatched map hands one row: its text was read as a column of characters
    (each letter a row, the rest dropped), with no error."""
    from datasets import Dataset

    from cleaner.integrations.hf import clean_batch

    ds = Dataset.from_list([{"text": "A small page about a river.", "n": 1}])
    with pytest.raises(UsageError, match="batched=True"):
        ds.map(clean_batch)


def test_hf_map_cleans_its_own_output_to_itself_with_a_new_account() -> None:
    from datasets import Dataset

    from cleaner.integrations.hf import clean_batch

    ds = Dataset.from_list([{"text": "x &amp; y", "n": 1}, {"text": PAGE, "n": 2}])
    once = ds.map(clean_batch, batched=True)
    twice = once.map(clean_batch, batched=True)
    assert twice.column_names == ["text", "n", "cleaner"]
    assert twice["text"] == once["text"] == ["x & y", f"Intro line.\n\n{PARA}"]
    assert twice["n"] == [1, 2]
    assert json.loads(once["cleaner"][0])["repaired"] == ["unescape-html"]
    accounts = [json.loads(a) for a in twice["cleaner"]]
    assert [(a["repaired"], a["removed"]) for a in accounts] == [([], []), ([], [])]


def test_hf_map_removes_the_rows_a_filter_drops_and_adds_the_language_columns() -> None:
    from datasets import Dataset

    from cleaner.integrations.hf import clean_batch
    from cleaner.run.stream import clean_records

    rows = [{"text": ENGLISH, "n": 1}, {"text": FRENCH, "n": 2}]
    ds = Dataset.from_list(rows)
    kept = ds.map(clean_batch, batched=True, fn_kwargs={"config": ENGLISH_ONLY})
    assert kept["n"] == [1] and kept["text"] == [ENGLISH] and kept["language"] == ["en"]
    assert 0.9 < kept["language_score"][0] <= 1
    every = ds.map(clean_batch, batched=True, fn_kwargs={"config": ENGLISH_ONLY, "drop": False})
    records = list(clean_records(rows, ENGLISH_ONLY))
    for name in ("text", "n", "language", "language_score"):
        assert every[name] == [r[name] for r in records]
    assert every["language"] == ["en", "fr"]
    assert json.loads(every["cleaner"][1])["dropped"]["rule"] == "language"
    again = kept.map(clean_batch, batched=True, fn_kwargs={"config": ENGLISH_ONLY})
    assert again.column_names == kept.column_names  # its own verdict: no record_language
    assert again.to_list() == kept.to_list()


def test_hf_map_refuses_a_language_column_the_filter_disagrees_with() -> None:
    from datasets import Dataset

    from cleaner.integrations.hf import clean_batch

    ds = Dataset.from_list([{"text": ENGLISH, "language": "English"}])
    with pytest.raises(RecordError, match=r"column 'language' holds 'English'.*'record_language'"):
        ds.map(clean_batch, batched=True, fn_kwargs={"config": ENGLISH_ONLY})
    renamed = ds.rename_column("language", "record_language")
    out = renamed.map(clean_batch, batched=True, fn_kwargs={"config": ENGLISH_ONLY})
    assert out[0]["record_language"] == "English" and out[0]["language"] == "en"
    # with a record_language column too, the language column's value has no place
    both = Dataset.from_list([{"text": ENGLISH, "language": "xx", "record_language": "zz"}])
    with pytest.raises(RecordError, match=r"column 'language' holds 'xx'.*'en'"):
        both.map(clean_batch, batched=True, fn_kwargs={"config": ENGLISH_ONLY})


def test_hf_map_reads_a_binary_id_column_and_refuses_a_list_of_rows() -> None:
    """A binary ``id`` column is read as a Parquet file's is (UTF-8 text); rows given
    as a list rather than a batch of columns are a usage error, not an AttributeError."""
    from datasets import Dataset

    from cleaner.integrations.hf import clean_batch

    ds = Dataset.from_dict({"text": [PAGE, PAGE], "id": [b"a", b"b"]})
    out = ds.map(clean_batch, batched=True)
    assert out["id"] == [b"a", b"b"]  # the rows as they were (no near-duplicates in a batch)
    with pytest.raises(UsageError, match="batch of columns"):
        clean_batch([{"text": PAGE}])  # type: ignore[arg-type]


def test_datatrove_step_adds_the_language_fields_to_the_metadata() -> None:
    from datatrove.data import Document as DtDocument

    from cleaner.integrations.datatrove import CleanerStep
    from cleaner.run.stream import clean_records

    own = {"language": "eng", "language_score": 0.5}  # another detector's verdict
    docs = [
        DtDocument(text=ENGLISH, id="1"),
        DtDocument(text=FRENCH, id="2"),
        DtDocument(text=ENGLISH, id="3", metadata=dict(own)),
    ]
    step = CleanerStep(ENGLISH_ONLY)
    out = list(step.run(iter(docs)))
    assert [d.id for d in out] == ["1", "3"]
    assert count(step, "dropped_language") == 1
    [plain, ours] = clean_records([{"text": ENGLISH}, {"text": ENGLISH, **own}], ENGLISH_ONLY)
    fields = ("language", "language_score", "record_language", "record_language_score")
    assert {k: v for k, v in out[0].metadata.items() if k in fields} == {
        k: v for k, v in plain.items() if k in fields
    }
    assert {k: v for k, v in out[1].metadata.items() if k in fields} == {
        k: v for k, v in ours.items() if k in fields
    }
    assert out[1].metadata["language"] == "en" and out[1].metadata["record_language"] == "eng"
    # metadata of its own under both names: the record's language is kept aside again
    both = DtDocument(text=ENGLISH, id="4", metadata={"language": "xx", "record_language": "zz"})
    [kept] = step.run(iter([both]))
    assert kept.metadata["record_record_language"] == "xx"
    # a document made with metadata=None has none
    [bare] = step.run(iter([DtDocument(text=ENGLISH, id="5", metadata=None)]))
    assert bare.metadata["language"] == "en"

"""Invariants of cleaning, as hypothesis properties over the public pipeline.

- cleaning is idempotent: cleaning the cleaned text again changes nothing;
- text is only removed or repaired, never invented;
- every input document, and every input file, is accounted for;
- the corpus never holds two documents at or above the duplicate threshold;
- the output does not depend on the order of the input.

Examples are few (50 per property; ``CLEANER_PROPERTY_EXAMPLES`` raises it for a
deeper local run) so that the file runs in seconds; the fuzz targets run longer.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cleaner.config import BoilerplateConfig, CleanConfig, DedupConfig
from cleaner.document import Document
from cleaner.names import Reason
from cleaner.pipeline import Pipeline
from cleaner.run.corpus import clean_corpus
from cleaner.stages.repair import repair_text
from tests.conftest import SEEDS
from tests.oracles import shingle_jaccard

PROPS = settings(
    max_examples=int(os.environ.get("CLEANER_PROPERTY_EXAMPLES", "50")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
WORD = re.compile(r"\w+")

# A small vocabulary, so that generated documents share 5-grams and paragraphs repeat.
VOCAB = tuple(
    re.findall(
        r"\S+",
        "the council met on tuesday to discuss new library and residents spoke "
        "at length about roads schools water budget Hanoi Köln café naïve",
    )
)
words = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=14).map(" ".join)
noise = st.sampled_from(["", " ", "\t", "\u00a0", "&amp; ", "Ã©", "\r", "\u200b", "—", "“x”"])
line = st.builds(lambda a, n, b: a + n + b, words, noise, words)
paragraph = st.lists(line, min_size=1, max_size=4).map("\n".join)
prose = st.lists(paragraph, min_size=1, max_size=6).map("\n\n".join)
doubled = st.builds(lambda w: f"{w} {w} {w} {w}", words.filter(lambda w: len(w) > 12))
messy = st.one_of(
    prose,
    st.text(max_size=300),
    st.builds(lambda p: p + "\n\n" + p, prose),  # a repeated paragraph
    st.builds(lambda d, p: d + "\n" + p, doubled, prose),  # a line printed twice, twice
)


def documents(texts: Sequence[str]) -> list[Document]:
    return [Document(f"d{i}", f"s{i:03d}.txt", t) for i, t in enumerate(texts)]


DEFAULT = CleanConfig()


def clean(docs: Sequence[Document], config: CleanConfig = DEFAULT) -> list[Document]:
    return list(Pipeline.from_config(config).run(docs))


ONLY_REPAIR = CleanConfig(
    boilerplate=BoilerplateConfig(enabled=False),
    dedup=DedupConfig(blocks=False, documents=False),
)


def _assert_idempotent(texts: list[str], config: CleanConfig) -> None:
    once = [d for d in clean(documents(texts), config) if d.dropped is None]
    # as a run over its own corpus.jsonl reads the records: with their title and date
    again = clean([Document(d.id, d.source, d.text, d.title, d.date) for d in once], config)
    assert [d.text for d in again] == [d.text for d in once]
    assert [(d.title, d.date) for d in again] == [(d.title, d.date) for d in once]
    assert all(d.dropped is None for d in again)


@PROPS
@given(st.lists(messy, min_size=1, max_size=4))
def test_cleaning_is_idempotent(texts: list[str]) -> None:
    # All stages and rules, but corpus-repeat, which answers a question about the input
    # rather than the text: it learns from the corpus, and the second run sees another
    # corpus (its near-duplicates are gone). Title and date extraction are on: the title
    # is looked for until one is found, so the cleaned text offers no new "first
    # heading", and a record cleaned again has the title it came out with. Real pages
    # with everything on are pinned in test_seed_output_is_a_fixed_point.
    per_document = CleanConfig(boilerplate=BoilerplateConfig(disable=("corpus-repeat",)))
    _assert_idempotent(texts, per_document)


def test_seed_output_is_a_fixed_point() -> None:
    seeds = sorted((SEEDS / "raw").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    _assert_idempotent(texts, CleanConfig())


@PROPS
@given(st.lists(messy, min_size=1, max_size=4))
def test_repair_alone_is_idempotent(texts: list[str]) -> None:
    _assert_idempotent(texts, ONLY_REPAIR)


QUADRUPLED = " ".join(["Crowds wave flags in the old town square"] * 4)


def test_line_printed_four_times_is_idempotent() -> None:
    _assert_idempotent([QUADRUPLED], CleanConfig())


@PROPS
@given(st.lists(messy, min_size=1, max_size=4))
def test_text_is_never_invented(texts: list[str]) -> None:
    for doc, text in zip(clean(documents(texts)), texts, strict=True):
        allowed = set(WORD.findall(repair_text(text)[0]))
        produced = WORD.findall(" ".join(filter(None, (doc.text, doc.title, doc.date))))
        assert set(produced) <= allowed


@PROPS
@given(st.lists(messy, min_size=0, max_size=6))
def test_every_document_is_accounted_for(texts: list[str]) -> None:
    out = clean(documents(texts))
    assert [d.id for d in out] == [f"d{i}" for i in range(len(texts))]
    for doc in out:
        if doc.dropped is not None:
            assert doc.dropped.stage and doc.dropped.rule


near_copies = st.lists(
    st.builds(lambda base, edit: base + " " + edit, prose, words), min_size=2, max_size=6
)


@PROPS
@given(
    st.one_of(near_copies, st.lists(prose, min_size=2, max_size=6)),
    st.sampled_from([0.5, 0.8, 0.95]),
)
@example(  # found by hypothesis: both pages are boilerplate-only, dedup sees none
    ["thethe\nthethe the\nthethe the", "thethe\n" + "the " * 20 + "the\n" + "the " * 20 + "the"],
    0.5,
)
def test_corpus_has_no_pair_at_or_above_the_threshold(texts: list[str], threshold: float) -> None:
    config = CleanConfig().with_overrides({"dedup.threshold": threshold})
    out = clean(documents(texts), config)
    kept = [d for d in out if d.dropped is None]
    # other stages may drop a page outright (boilerplate-only); of the documents that
    # reached near-duplicate removal, it keeps at least one
    if any(d.dropped is None or d.dropped.rule == Reason.NEAR_DUPLICATE for d in out):
        assert kept, "dedup never drops every document"
    for a, b in itertools.combinations(kept, 2):
        assert shingle_jaccard(a.text, b.text) < threshold


@PROPS
@given(st.one_of(near_copies, st.lists(messy, min_size=1, max_size=5)), st.randoms())
def test_output_does_not_depend_on_input_order(texts: list[str], rnd: object) -> None:
    docs = documents(texts)
    shuffled = list(docs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]

    def result(ds: list[Document]) -> list[tuple[str, str, str | None]]:
        out = clean(ds)
        return sorted((d.id, d.text, d.dropped.rule if d.dropped else None) for d in out)

    assert result(docs) == result(shuffled)


file_bodies = st.one_of(
    prose.map(str.encode),
    st.binary(max_size=200),
    st.lists(
        st.one_of(prose.map(lambda t: json.dumps({"text": t})), st.text(max_size=20)), max_size=4
    ).map(lambda lines: "\n".join(lines).encode()),
)
file_names = st.tuples(
    st.sampled_from(["", "a/", "b/", "a/b/"]),
    st.sampled_from(["x", "y", "z"]),
    st.sampled_from([".txt", ".md", ".jsonl", ".bin", ""]),
).map("".join)


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(file_names, file_bodies, min_size=1, max_size=6))
def test_every_input_file_is_accounted_for(tree: dict[str, bytes]) -> None:
    names = [n for n in tree if not any(m.startswith(n + "/") for m in tree)]
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "out"
        for name in names:
            (raw / name).parent.mkdir(parents=True, exist_ok=True)
            (raw / name).write_bytes(tree[name])
        report = clean_corpus(raw, out)
        manifest = json.loads((out / "manifest.json").read_text())
        corpus = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    inputs = manifest["inputs"]
    assert sorted(f["path"] for f in inputs) == sorted(names)
    for f in inputs:
        assert f["outcome"] in ("cleaned", "dropped", "rejected")
        assert (f["outcome"] == "cleaned") or f.get("reason")
    documents_in = sum(f["documents"] for f in inputs)
    assert documents_in == report.documents_in == manifest["counts"]["documents"]["in"]
    assert len(corpus) == report.kept == documents_in - sum(report.dropped.values())

"""The names a run writes: stages, and the reasons a document or an input leaves.

One place for the words of the manifest, the audit and the counts. The members are
``StrEnum``s: each compares equal to (and serializes as) its plain string, so code and
output read the same word. The boilerplate stage's line rules are the config
vocabulary of ``disable`` and live with their rule families in
:data:`cleaner.rules.RULES`; a filter's name is registered with the filter
(:mod:`cleaner.stages.filters`). A leaf module: it imports nothing of cleaner.
"""

from __future__ import annotations

from enum import StrEnum


class StageName(StrEnum):
    """The stages, in pipeline order, as the manifest's ``stages`` and the audit name them."""

    READ = "read"  # not a stage of the pipeline: the reader, in the audit of a rejected input
    REPAIR_TEXT = "repair-text"
    STRIP_BOILERPLATE = "strip-boilerplate"
    DEDUP_BLOCKS = "dedup-blocks"
    SETTLE = "settle"
    COUNT_REPEATS = "count-repeats"  # a corpus stage: counts lines for corpus-repeat
    TOO_SHORT = "too-short"  # the shipped filter; a filter's stage is named after it
    DROP_NEAR_DUPLICATES = "drop-near-duplicates"


class Reason(StrEnum):
    """Why a whole document left the corpus, or an input did not become documents.

    A dropped document's reason is the ``rule`` of its drop in the audit and the key of
    ``counts.documents.dropped`` in the manifest; an input's is the ``rule`` of its
    rejection in the audit.
    """

    # documents dropped by a stage
    BOILERPLATE_ONLY = "boilerplate-only"  # every line of the page is boilerplate
    NEAR_DUPLICATE = "near-duplicate"  # a longer document says the same
    CONTAINED = "contained"  # nearly all of its text is in a longer kept document
    TOO_SHORT = "too-short"  # fewer words than the too-short filter's min_words
    EMPTY = "empty"  # no text left (the datatrove step's drop)
    # inputs the readers could not use
    REJECTED_FILE = "rejected-file"  # a whole input file
    DAMAGED_FILE = "damaged-file"  # a file that broke while being read
    MALFORMED_JSON = "malformed-json"  # a JSONL line that is no JSON object
    MISSING_TEXT = "missing-text"  # a record without the text field
    TEXT_NOT_STRING = "text-not-string"  # a record whose text is no string
    RECORD_TOO_LONG = "record-too-long"  # a JSONL line longer than the reader takes


class BlockRule(StrEnum):
    """The rules of ``dedup-blocks``: a paragraph, or a line printed twice, repeated."""

    REPEATED_BLOCK = "repeated-block"
    REPEATED_LINE = "repeated-line"

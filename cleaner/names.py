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

# the folder in an OUTPUT that holds a run's state (generations, index, lock): also what
# tells the walk that a folder inside an input is another run's output
STATE_DIR = ".cleaner"


class StageName(StrEnum):
    """The stages, in pipeline order, as the manifest's ``stages`` and the audit name them."""

    READ = "read"  # not a stage of the pipeline: the reader, in the audit of a rejected input
    REPAIR_TEXT = "repair-text"
    STRIP_BOILERPLATE = "strip-boilerplate"
    DEDUP_BLOCKS = "dedup-blocks"
    SETTLE = "settle"
    DROP_EMPTY = "drop-empty"  # a document with no text left
    COUNT_REPEATS = "count-repeats"  # a corpus stage: counts lines for corpus-repeat
    TOO_SHORT = "too-short"  # the shipped filters; a filter's stage is named after it
    LANGUAGE = "language"
    GOPHER_QUALITY = "gopher-quality"
    GOPHER_REPETITION = "gopher-repetition"
    C4_QUALITY = "c4-quality"
    FINEWEB_QUALITY = "fineweb-quality"
    REDACT_PII = "redact-pii"  # registered as a filter, but it rewrites: drops nothing
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
    LANGUAGE = "language"  # not in the language filter's languages, or too unsure
    EMPTY = "empty"  # no text left: none given, or the stages left none
    # inputs the readers could not use
    REJECTED_FILE = "rejected-file"  # a whole input file
    DAMAGED_FILE = "damaged-file"  # a file that broke while being read
    MALFORMED_JSON = "malformed-json"  # a JSONL line that is no JSON object
    UNREADABLE_VALUE = "unreadable-value"  # a Parquet value Python cannot hold (not UTF-8)
    MISSING_TEXT = "missing-text"  # a record without the text field
    TEXT_NOT_STRING = "text-not-string"  # a record whose text is no string
    RECORD_TOO_LONG = "record-too-long"  # a JSONL line longer than the reader takes
    NOT_HTML = "not-html"  # an HTML response or field whose bytes are not text
    EMPTY_PAGE = "empty-page"  # an HTML page with no text in it


class Skip(StrEnum):
    """What a reader passes over in an input because it is no document, counted per file.

    The keys of an input's ``skipped`` in the manifest. A WARC file holds requests,
    metadata and responses that are no pages; none of them is a loss, so they go to
    no audit, only to these counts.
    """

    WARCINFO = "warcinfo-record"  # the crawl's own description
    ARC_HEADER = "arc-header"  # an ARC file's first record, its own description
    REQUEST = "request-record"  # what the crawler sent
    METADATA = "metadata-record"  # what the crawler noted (links found, timings)
    REVISIT = "revisit-record"  # a page fetched again and unchanged; the first copy counts
    OTHER_RECORD = "other-record"  # conversion, continuation or unknown records
    HTTP_STATUS = "http-status"  # a response that is not 200 OK (redirects, errors)
    NOT_HTML = "not-html"  # a response whose Content-Type is not HTML (images, PDF, CSS)


class BlockRule(StrEnum):
    """The rules of ``dedup-blocks``: a paragraph, or a line printed twice, repeated."""

    REPEATED_BLOCK = "repeated-block"
    REPEATED_LINE = "repeated-line"


class QualityRule(StrEnum):
    """The rules of the quality filters: the reason a document leaves by, one per test.

    Each is the ``rule`` of the drop in the audit and a key of
    ``counts.documents.dropped``, so the counts say which test a document failed.
    """

    # gopher-quality (Rae et al. 2021, table A1)
    GOPHER_WORD_COUNT = "gopher-word-count"  # too few or too many words
    GOPHER_MEAN_WORD_LENGTH = "gopher-mean-word-length"  # outside 3 to 10 characters
    GOPHER_HASH_RATIO = "gopher-hash-ratio"  # "#" per word
    GOPHER_ELLIPSIS_RATIO = "gopher-ellipsis-ratio"  # "..." and "…" per word
    GOPHER_BULLET_LINES = "gopher-bullet-lines"  # share of lines starting with a bullet
    GOPHER_ELLIPSIS_LINES = "gopher-ellipsis-lines"  # share of lines ending in an ellipsis
    GOPHER_ALPHA_WORDS = "gopher-alpha-words"  # share of words with a letter
    GOPHER_STOP_WORDS = "gopher-stop-words"  # distinct English stop words present
    # gopher-repetition
    GOPHER_DUP_PARAGRAPHS = "gopher-dup-paragraphs"  # share of paragraphs seen before
    GOPHER_DUP_PARAGRAPH_CHARS = "gopher-dup-paragraph-chars"  # their share of characters
    GOPHER_DUP_LINES = "gopher-dup-lines"  # share of lines seen before
    GOPHER_DUP_LINE_CHARS = "gopher-dup-line-chars"  # their share of characters
    GOPHER_TOP_2_GRAM = "gopher-top-2-gram"  # characters in the commonest word 2-gram
    GOPHER_TOP_3_GRAM = "gopher-top-3-gram"
    GOPHER_TOP_4_GRAM = "gopher-top-4-gram"
    GOPHER_DUP_5_GRAM = "gopher-dup-5-gram"  # characters in repeated word 5-grams
    GOPHER_DUP_6_GRAM = "gopher-dup-6-gram"
    GOPHER_DUP_7_GRAM = "gopher-dup-7-gram"
    GOPHER_DUP_8_GRAM = "gopher-dup-8-gram"
    GOPHER_DUP_9_GRAM = "gopher-dup-9-gram"
    GOPHER_DUP_10_GRAM = "gopher-dup-10-gram"
    # c4-quality (Raffel et al. 2020)
    C4_LOREM_IPSUM = "c4-lorem-ipsum"  # placeholder text
    C4_CURLY_BRACKET = "c4-curly-bracket"  # code
    C4_FEW_SENTENCES = "c4-few-sentences"  # fewer sentences in lines that end a sentence
    # fineweb-quality (Penedo et al. 2024)
    FINEWEB_LINE_PUNCTUATION = "fineweb-line-punctuation"  # share of lines ending a sentence
    FINEWEB_SHORT_LINES = "fineweb-short-lines"  # share of short lines
    FINEWEB_DUP_LINE_CHARS = "fineweb-dup-line-chars"  # characters in repeated lines
    FINEWEB_LIST_RATIO = "fineweb-list-ratio"  # line breaks per word


class PiiType(StrEnum):
    """What ``redact-pii`` replaces: the rule of each replacement, counted per type."""

    EMAIL = "email"
    PHONE = "phone"
    IP_ADDRESS = "ip-address"
    CARD_NUMBER = "card-number"

    @property
    def placeholder(self) -> str:
        """What stands in the text for a value of this type: ``<EMAIL>``, ``<PHONE>``, ..."""
        return f"<{self.name}>"

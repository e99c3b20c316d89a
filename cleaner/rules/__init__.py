"""Rule families of the boilerplate stage: phrases, metadata, context and the line model."""

from cleaner.names import Reason
from cleaner.rules.patterns import PHRASE_RULES

# every rule name the boilerplate stage can record, in the order the README lists them;
# `disable` and --disable-rule take these names
RULES: tuple[str, ...] = (
    *PHRASE_RULES,
    "tag-list",
    "navigation",
    "template-leftover",
    "markup-leftover",
    "url-line",
    "image-url",
    "caption",
    "credit",
    "repeated-source",
    "title",
    "date-line",
    "metadata",
    "user-pattern",
    "corpus-repeat",
    "low-content",
    "comment-thread",
    "screen-reader-only",
    Reason.BOILERPLATE_ONLY,
)

"""StripBoilerplate: placeholder until the rule set lands (passes text through)."""

from __future__ import annotations

from cleaner.config import BoilerplateConfig
from cleaner.document import Document
from cleaner.stage import Stage


class StripBoilerplate(Stage):
    name = "strip-boilerplate"

    def __init__(self, config: BoilerplateConfig = BoilerplateConfig()) -> None:
        self.config = config

    def apply(self, doc: Document) -> Document:
        return doc

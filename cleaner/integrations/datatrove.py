"""A datatrove pipeline step that runs cleaner's per-document stages.

Needs the ``[datatrove]`` extra (``pip install "cleaner[datatrove]"``)::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from cleaner.integrations.datatrove import CleanerStep

    LocalPipelineExecutor([JsonlReader("raw/"), CleanerStep(), JsonlWriter("clean/")]).run()

Each document's ``text`` becomes the cleaned text, and ``metadata["cleaner"]`` holds the
account of :func:`cleaner.run.stream.explain_changes` (title, date, author, repaired, removed,
redacted, dropped). With the language filter on, ``metadata["language"]`` and
``metadata["language_score"]`` hold its verdict, as
:func:`~cleaner.run.stream.clean_records` adds them (a document's own different values
stay, as ``record_language`` and ``record_language_score``). A document left empty, or
dropped (by a filter, or as a near-duplicate), is not passed on.
Stats: ``total``, ``forwarded``, ``dropped``, ``dropped_<rule>``, ``lines_removed``
and one ``<stage>/<rule>`` counter per rule that fired. Near-duplicate removal is off
by default: each datatrove task would only see its own shard, and datatrove has its
own MinHash deduplication for whole corpora.

With ``CleanConfig(html_key="text")`` each document's ``text`` is a page's HTML, as
datatrove's ``WarcReader`` gives it, and the step takes the place of its extractor:
the page is read as cleaner reads HTML (its markup helps the boilerplate stage), the
cleaned text replaces the HTML, and the page's ``url`` and ``html_lang`` go into
``metadata`` where it has none (another ``html_key`` names a ``metadata`` field that
holds the page). A page that gives no text is dropped (``dropped_not-html``,
``dropped_empty-page``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cleaner.config import CleanConfig
from cleaner.dedup import DEFAULT_WINDOW
from cleaner.document import Document
from cleaner.readers import InputFile
from cleaner.readers.html import HTML_LANG
from cleaner.readers.jsonl import OWN_FIELDS
from cleaner.run.stream import StreamCleaner, check_arguments, explain_changes, to_document
from cleaner.stages.filters.language import language_fields

try:
    from datatrove.data import DocumentsPipeline
    from datatrove.pipeline.base import PipelineStep
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "cleaner.integrations.datatrove needs datatrove; install it with "
        "pip install 'cleaner[datatrove]'"
    ) from e

PAGE_META = ("url", HTML_LANG)  # what a page gives besides its title, date and author


class CleanerStep(PipelineStep):  # type: ignore[misc]
    """Clean ``doc.text`` with cleaner's per-document stages; drop emptied and dropped documents."""

    name = "cleaner"
    type = "Cleaner"

    def __init__(
        self,
        config: CleanConfig = CleanConfig(),
        *,
        near_duplicates: bool = False,
        window: int | None = DEFAULT_WINDOW,
    ) -> None:
        super().__init__()
        check_arguments(config, window)  # now, not when the pipeline runs
        self.config = config
        self.near_duplicates = near_duplicates
        self.window = window

    def _document(self, doc: Any, source: str, own: dict[str, Any]) -> Document:
        """The cleaner document of a datatrove one, read as a record of ``clean_records``
        is: its text, or with ``html_key`` its page (``doc.text`` for ``"text"``, else
        that metadata field; a page that gives no text is dropped by ``read``), and its
        metadata's own ``title``, ``date`` and ``author``. A text of too many lines is
        dropped by ``read`` (``record-too-long``), as a run rejects it."""
        key = self.config.html_key
        named = {k: doc.metadata[k] for k in OWN_FIELDS if isinstance(doc.metadata.get(k), str)}
        # a metadata field that is missing stays missing ("no field"), not null
        fields = {"text": doc.text} if key in (None, "text") else dict(doc.metadata)
        page = {k: fields[k] for k in (key or "text",) if k in fields}
        read = to_document(InputFile(source, "", 0), {**page, **named}, 1, "text", key)
        return replace(read, id=str(doc.id), source=source, meta={**read.meta, **own})

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> Any:
        cleaner = StreamCleaner(
            self.config, near_duplicates=self.near_duplicates, window=self.window
        )
        for doc in data or ():
            self.stat_update("total")
            if doc.metadata is None:  # a Document made with metadata=None: none
                doc.metadata = {}
            with self.track_time():
                source = str(doc.metadata.get("source", doc.id))
                own = language_fields(doc.metadata)  # what the filter compares
                out = cleaner.clean(self._document(doc, source, own))
            removed = [c for c in out.changes if c.text]
            self.stat_update("lines_removed", value=len(removed))
            for change in out.changes:
                self.stat_update(f"{change.stage}/{change.rule}")
            if out.dropped is not None:  # by a filter, as boilerplate-only, or empty
                self.stat_update("dropped", f"dropped_{out.dropped.rule}")
                continue
            doc.text = out.text
            doc.metadata.update(language_fields(out.meta))
            if self.config.html_key is not None:  # what the page gave: url, html_lang
                for key in PAGE_META:
                    if key in out.meta:
                        doc.metadata.setdefault(key, out.meta[key])
            doc.metadata["cleaner"] = explain_changes(out)
            self.stat_update("forwarded")
            self.update_doc_stats(doc)
            yield doc

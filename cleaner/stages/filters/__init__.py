"""The document filters, and the registry that makes a filter part of every pipeline.

A filter is one module here (a :class:`~cleaner.stage.Filter` subclass and its
:class:`~cleaner.stage.FilterConfig`) and one :func:`register` line below. A registered
filter then has its ``[filters.NAME]`` table in ``cleaner.toml``, is turned on and off
with ``--enable-rule``/``--disable-rule NAME``, runs after the per-document cleaning
stages (named in the manifest's ``stages``), and its drops are in the audit, the
manifest's counts, ``cleaner stats`` and ``cleaner explain`` under its reason.
"""

from __future__ import annotations

from typing import Any

from cleaner.rules import RULES
from cleaner.stage import Filter
from cleaner.stages.filters.c4_quality import C4Quality
from cleaner.stages.filters.fineweb_quality import FineWebQuality
from cleaner.stages.filters.gopher_quality import GopherQuality
from cleaner.stages.filters.gopher_repetition import GopherRepetition
from cleaner.stages.filters.language import Language
from cleaner.stages.filters.pii import RedactPii
from cleaner.stages.filters.too_short import TooShort

FILTERS: dict[str, type[Filter[Any]]] = {}  # by name, in the order they run


def register(cls: type[Filter[Any]]) -> type[Filter[Any]]:
    """Make ``cls`` a filter of every pipeline, config and command (usable as a decorator).

    Its name must be new: not another filter's, nor a boilerplate rule's, since
    ``--disable-rule`` takes both.
    """
    name = cls.name
    if name in RULES or FILTERS.get(name, cls) is not cls:
        raise ValueError(f"filter name {name!r} is taken; name the filter differently")
    FILTERS[name] = cls
    return cls


def unregister(name: str) -> None:
    """Forget the filter ``name`` (a test's or a plugin's); unknown names are ignored."""
    FILTERS.pop(name, None)


register(TooShort)
# the language first, as in FineWeb's pipeline: the quality rules are English rules
register(Language)
# the published quality rules, in the order datatrove's FineWeb pipeline runs them
register(GopherRepetition)
register(GopherQuality)
register(C4Quality)
register(FineWebQuality)
# it rewrites (Filter.rewrites), so the pipeline runs it right after repair-text, whatever
# its place here: every later stage, the other filters too, sees the redacted text
register(RedactPii)

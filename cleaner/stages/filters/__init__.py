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

from cleaner.names import BlockRule, PiiType, QualityRule, Reason, StageName
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


# the names of cleaner's own stages, rules and reasons: a plugin filter's name or reason
# among them would merge its counts into theirs (and ``--disable-rule`` takes rules)
_OWN_NAMES = frozenset(
    str(n) for names in (StageName, Reason, BlockRule, QualityRule, PiiType) for n in names
) | frozenset(RULES)


def register(cls: type[Filter[Any]]) -> type[Filter[Any]]:
    """Make ``cls`` a filter of every pipeline, config and command (usable as a decorator).

    Its name, and its ``reason`` when it has one, must be new: not another filter's,
    nor the name of one of cleaner's stages, boilerplate rules or reasons (the counts
    and the audit would add its drops to theirs; ``--disable-rule`` takes both).
    """
    if not (isinstance(cls, type) and issubclass(cls, Filter)):
        raise TypeError(f"register takes a Filter subclass, not {cls!r}")
    name, reason = cls.name, cls.reason or cls.name
    if name == Filter.name:
        raise ValueError(f"{cls.__name__} has no name; give the filter class a name")
    others = {n for c in FILTERS.values() if c is not cls for n in (c.name, c.reason or c.name)}
    for what, value in (("name", name), ("reason", reason)):
        if value in _OWN_NAMES or value in others:
            raise ValueError(f"filter {what} {value!r} is taken; name the filter differently")
    FILTERS[name] = cls
    return cls


def _own(cls: type[Filter[Any]]) -> None:
    """Register one of cleaner's own filters (their names are its reasons)."""
    FILTERS[cls.name] = cls


def unregister(name: str) -> None:
    """Forget the filter ``name`` (a test's or a plugin's); unknown names are ignored."""
    FILTERS.pop(name, None)


_own(TooShort)
# the language first, as in FineWeb's pipeline: the quality rules are English rules
_own(Language)
# the published quality rules, in the order datatrove's FineWeb pipeline runs them
_own(GopherRepetition)
_own(GopherQuality)
_own(C4Quality)
_own(FineWebQuality)
# it rewrites (Filter.rewrites), so the pipeline runs it right after repair-text, whatever
# its place here: every later stage, the other filters too, sees the redacted text
_own(RedactPii)

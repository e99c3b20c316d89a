"""The shape the quality filters share: a list of tests, each a rule of its own.

A quality filter (Gopher, C4, FineWeb) is several published tests. It drops a document
at the first test that fails, with that test's :class:`~cleaner.names.QualityRule` as
the rule of the drop, and what was measured in the drop's detail: ``measure`` (what was
counted, in words), ``value`` and ``limit``, and ``test`` ("mean word length 11.2 >
10"), so the audit, ``cleaner explain`` and ``cleaner check`` say why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import ClassVar, TypeVar

from cleaner.document import Change, Document
from cleaner.errors import UsageError
from cleaner.names import QualityRule
from cleaner.stage import Filter, FilterConfig, Verdict


@dataclass(frozen=True)
class Failure:
    """One failed test: its rule, what it measures, the value and the limit it broke."""

    rule: QualityRule
    measure: str
    value: float
    limit: float
    above: bool  # True: the value is over a maximum; False: under a minimum

    def detail(self) -> dict[str, object]:
        """The drop's detail in the audit.

        >>> Failure(QualityRule.GOPHER_MEAN_WORD_LENGTH, "mean word length", 11.25, 10,
        ...         True).detail()["test"]
        'mean word length 11.25 > 10'
        """
        value = round(self.value, 4)
        sign = ">" if self.above else "<"
        return {
            "measure": self.measure,
            "value": value,
            "limit": self.limit,
            "test": f"{self.measure} {value:g} {sign} {self.limit:g}",
        }


def over(rule: QualityRule, measure: str, value: float, limit: float) -> Failure | None:
    """A failure when ``value`` is over the maximum ``limit``."""
    return Failure(rule, measure, value, limit, True) if value > limit else None


def under(rule: QualityRule, measure: str, value: float, limit: float) -> Failure | None:
    """A failure when ``value`` is under the minimum ``limit``."""
    return Failure(rule, measure, value, limit, False) if value < limit else None


@dataclass(frozen=True)
class ChecksConfig(FilterConfig):
    """The settings of a filter made of tests: ``skip`` and the tests' limits.

    Every limit is a count, a length or a ratio, so none is negative (a negative
    minimum would keep every page, a negative maximum drop every one); the limits named
    in ``shares`` are a share of the page, at most 1 (15 where 0.15 was meant would
    turn the test off); a minimum is not above its maximum (``bounds``). Each is an
    error, not a filter that keeps or drops everything.

    >>> from cleaner.stages.filters.gopher_quality import GopherQualityConfig
    >>> GopherQualityConfig(max_bullet_lines_ratio=90)
    Traceback (most recent call last):
    ...
    cleaner.errors.UsageError: max_bullet_lines_ratio is a share, 0 to 1, not 90 (0.15 is 15 %)
    """

    skip: tuple[str, ...] = ()  # tests (rule names) of this filter to leave out

    rules: ClassVar[tuple[QualityRule, ...]] = ()  # the filter's tests, for checking skip
    shares: ClassVar[tuple[str, ...]] = ()  # limits that are a share of the page, 0 to 1
    bounds: ClassVar[tuple[tuple[str, str], ...]] = ()  # (minimum, maximum) limit pairs

    def __post_init__(self) -> None:
        for name in self.skip:
            if name not in self.rules:
                raise UsageError(f"unknown test {name!r} to skip; known: {', '.join(self.rules)}")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise UsageError(f"{f.name} must be 0 or more, not {value}")
        for name in self.shares:
            if (value := getattr(self, name)) > 1:
                raise UsageError(f"{name} is a share, 0 to 1, not {value} (0.15 is 15 %)")
        for low, high in self.bounds:
            if getattr(self, low) > getattr(self, high):
                raise UsageError(
                    f"{low} {getattr(self, low)} is above {high} {getattr(self, high)}; "
                    "no page could pass"
                )


C = TypeVar("C", bound=ChecksConfig)


class ChecksFilter(Filter[C]):
    """A filter made of tests: drops at the first failure, under that test's rule.

    A subclass yields each failing test from :meth:`failures`, in the order of the
    reference, and leaves out the tests in ``config.skip`` (use :meth:`wanted`).
    :meth:`failures` runs lazily, so the tests after the first failure cost nothing.
    """

    def failures(self, doc: Document) -> Iterator[Failure]:
        """Every test ``doc`` fails, in order (a generator: stop at the first you need)."""
        raise NotImplementedError

    def wanted(self, rule: QualityRule) -> bool:
        """Whether the test ``rule`` runs (it is not in ``skip``)."""
        return rule not in self.config.skip

    def filter(self, doc: Document) -> Verdict:
        failure = next(self.failures(doc), None)
        return (True, {}) if failure is None else (False, failure.detail())

    def apply(self, doc: Document) -> Document:
        failure = next(self.failures(doc), None)
        if failure is None:
            return doc
        return doc.drop(Change(self.name, failure.rule, doc.text, failure.detail()))

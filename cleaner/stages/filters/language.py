"""Language: name each document's language, and keep only the languages asked for.

The model is py3langid's (a fork of langid.py, Lui and Baldwin 2012: byte n-grams and
naive Bayes over 140 language codes: ISO 639-1 where a language has one, else ISO
639-3, as ``yue`` or ``ary``, and ``zxx`` for no language), which its wheel carries:
nothing is fetched at run time. It was picked over langdetect on translated manual pages
(``bench/bench_language.py``): as accurate from 100 characters on, and 12 to 100 times
as many documents per CPU-second.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from cleaner.document import Change, Document, kept_as, kept_for
from cleaner.errors import UsageError
from cleaner.names import Reason, StageName
from cleaner.stage import Filter, FilterConfig

LANGUAGE_FIELDS = ("language", "language_score")  # what the filter writes into a record
SAMPLE_CHARS = 500  # the first 500 characters: on the bench, 300 were as accurate as 2,000
_CODE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class LanguageConfig(FilterConfig):
    # the model's codes to keep, e.g. ("en", "de"); empty: keep every language, only name it
    languages: tuple[str, ...] = ()
    # the model's probability for its language, 0 to 1; under it a document leaves as
    # `language`. 0: no threshold. On manual-page paragraphs of 100 characters and more
    # the model is right 99% of the time; cut to 30 characters, 85%.
    min_score: float = 0.0

    def __post_init__(self) -> None:
        for code in self.languages:
            if not _CODE.fullmatch(code):
                # "EN", "pt-BR": the code a user means, in the model's form
                base = code.split("-")[0].split("_")[0].lower()
                hint = f"; write {base!r}" if _CODE.fullmatch(base) else ""
                raise UsageError(
                    f"language {code!r} is not an ISO 639-1 code (lower case, no region)"
                    f"{hint}; use codes such as en, de"
                )
        if len(set(self.languages)) < len(self.languages):
            raise UsageError(f"languages names a code twice: {list(self.languages)}")
        if not 0.0 <= self.min_score <= 1.0:
            raise UsageError(f"min_score must be between 0 and 1, not {self.min_score}")
        if self.enabled and importlib.util.find_spec("py3langid") is None:
            raise UsageError("the language filter needs py3langid: pip install 'cleaner[language]'")
        if self.enabled and self.languages:  # a code the model never names keeps nothing
            unknown = sorted(set(self.languages) - set(_identifier().nb_classes))
            if unknown:
                raise UsageError(
                    f"language {unknown[0]!r} is not one the model names; use ISO 639-1 "
                    "codes such as en, de (ISO 639-3 only where a language has no "
                    "two-letter code, as yue)"
                )


def _identifier() -> Any:
    """py3langid's model, loaded once per process (on first use: the CLI starts without it)."""
    from cleaner.stages.filters.language_model import IDENTIFIER

    return IDENTIFIER


def identify(text: str) -> tuple[str | None, float]:
    """The language of ``text`` (the model's code: ISO 639-1 where there is one) and
    the model's probability for it; None and 0.0 for a text of no letters or digits,
    which has no language (the model would still name one).

    >>> identify("Die Brücke bleibt wegen Bauarbeiten sechs Monate lang gesperrt.")[0]
    'de'
    >>> identify("  ...  ")
    (None, 0.0)
    """
    sample = text[:SAMPLE_CHARS]
    if not any(map(str.isalnum, sample)):
        return None, 0.0
    language, score = _identifier().classify(sample)
    return str(language), float(score)


def language_fields(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``meta`` that are the filter's: ``language`` and ``language_score``,
    and a record's own values of them kept aside (``record_language``, or
    ``record_record_language`` when the record had both).

    >>> language_fields({"record_record_language": "xx", "lang": "de", "language": "en"})
    {'language': 'en', 'record_record_language': 'xx'}
    """
    ours = [k for k in meta if kept_for(k) in LANGUAGE_FIELDS]
    # the filter's own first, then each level kept aside: one order for every record
    ours.sort(key=lambda k: (len(k) - len(kept_for(k)), LANGUAGE_FIELDS.index(kept_for(k))))
    return {k: meta[k] for k in ours}


def _keep_own(meta: dict[str, Any], named: dict[str, Any]) -> dict[str, Any]:
    """``meta`` with the filter's fields ``named``; a record's own value of such a field
    that differs is kept as ``record_<field>`` (:func:`~cleaner.document.kept_as`), as
    the readers keep a record's ``source``.

    >>> _keep_own({"language": "English", "language_score": 0.9},
    ...           {"language": "en", "language_score": 0.9})
    {'language': 'en', 'language_score': 0.9, 'record_language': 'English'}
    >>> _keep_own({"language": "en-GB", "record_language": "en-US"}, {"language": "en"})
    {'language': 'en', 'record_language': 'en-US', 'record_record_language': 'en-GB'}
    """
    out = dict(meta)
    for key, value in named.items():
        if key in out and out[key] != value:
            out[kept_as(out, key)] = out[key]
        out[key] = value
    return out


class Language(Filter[LanguageConfig]):
    """Write ``language`` and ``language_score`` into every record (a record's own
    different values stay, as ``record_language`` and ``record_language_score``); drop
    a document whose language is not in ``languages`` (when any are given) or whose
    score is under ``min_score``, as ``language``, with the language and score in the
    drop's detail.

    >>> f = Language(LanguageConfig(enabled=True, languages=("en",)))
    >>> kept = f.apply(Document("1", "a.txt", "The bridge will close for six months."))
    >>> kept.meta["language"], kept.dropped is None
    ('en', True)
    >>> f.apply(Document("2", "b.txt", "Le pont sera fermé pendant six mois.")).dropped.rule
    'language'
    """

    name = StageName.LANGUAGE
    reason = Reason.LANGUAGE
    config_class = LanguageConfig
    preload = ("cleaner.stages.filters.language_model",)

    def apply(self, doc: Document) -> Document:
        language, score = identify(doc.text)
        score = round(score, 4)
        named = dict(zip(LANGUAGE_FIELDS, (language, score), strict=True))
        doc = replace(doc, meta=_keep_own(doc.meta, named))
        wanted = self.config.languages
        if (not wanted or language in wanted) and score >= self.config.min_score:
            return doc
        detail: dict[str, Any] = {"language": language, "score": score}
        if wanted:
            detail["languages"] = ",".join(wanted)
        if score < self.config.min_score:
            detail["min_score"] = self.config.min_score
        return doc.drop(Change(self.name, self.reason, doc.text, detail))

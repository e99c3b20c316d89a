"""Configuration: one frozen dataclass per stage, gathered in :class:`CleanConfig`.

Field names are the vocabulary: the same word names the config key, the CLI flag
(``--threshold`` for ``dedup.threshold``) and, where it applies, the rule in
the audit. Every default has its reason beside it.

A config file is ``cleaner.toml`` (top-level tables ``[repair]``, ``[boilerplate]``,
``[dedup]``, and ``[filters.NAME]`` for each registered filter) or the
``[tool.cleaner]`` table of ``pyproject.toml``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cleaner.dedup import CONTAINMENT_BANDS, CONTAINMENT_ROWS
from cleaner.document import RECORD_FIELDS
from cleaner.errors import UsageError
from cleaner.rules import RULES
from cleaner.stage import FilterConfig
from cleaner.stages.filters import FILTERS
from cleaner.stages.filters.language import LANGUAGE_FIELDS

NORMAL_FORMS = ("NFC", "NFD", "NFKC", "NFKD")  # what unicodedata.normalize takes


@dataclass(frozen=True)
class RepairConfig:
    uncurl_quotes: bool = False  # curly quotes and dashes are real data; keep them
    fix_mojibake: bool = True  # UTF-8 read as Latin-1/cp1252 is the commonest scrape damage
    unescape_html: bool = True  # "&amp;" left by scrapers is never what the author wrote
    normalization: str = "NFC"  # canonical composition; NFKC would rewrite ligatures and widths
    collapse_blank_lines: bool = True  # one blank line separates paragraphs in the output

    def __post_init__(self) -> None:
        _check_types(self)
        if self.normalization not in NORMAL_FORMS:
            raise UsageError(
                f"normalization must be one of {', '.join(NORMAL_FORMS)}, "
                f"not {self.normalization!r}"
            )


@dataclass(frozen=True)
class BoilerplateConfig:
    enabled: bool = True  # the main job of the tool
    disable: tuple[str, ...] = ()  # rule names to turn off, e.g. ("caption",)
    extra_patterns: tuple[str, ...] = ()  # user regexes; a whole-line match removes the line
    extract_title: bool = True  # the headline goes into the record's `title`, not the text
    extract_date: bool = True  # the date line goes into the record's `date`, not the text
    min_repeats: int = 3  # a line seen in this many documents of one source is boilerplate

    def __post_init__(self) -> None:
        _check_types(self)
        _check_rules(self)
        if self.min_repeats < 2:  # 1 would call every line repeated, 0 or less is meaningless
            raise UsageError(f"min_repeats must be at least 2, not {self.min_repeats}")


MAX_NGRAM = 1000  # words in a shingle: a longer one is no near-duplicate test
MAX_PERM = 8192  # permutations: 64 kB of signature per document


@dataclass(frozen=True)
class DedupConfig:
    blocks: bool = True  # drop later copies of a repeated paragraph inside a document
    cross_doc_blocks: bool = False  # paragraphs shared across documents: often quotes, so off
    documents: bool = True  # drop near-duplicate documents
    threshold: float = 0.8  # Jaccard of word 5-gram sets; the field's common choice
    block_threshold: float = 0.85  # a one-word edit of a 40-word paragraph still goes;
    # at 0.7, sibling passages (docs' "Changed in version" notes, licences) went too
    block_ngram: int = 3  # word 3-grams: with 5-grams one changed word costs too much
    num_perm: int = 128  # permutations: error of the Jaccard estimate ~ 1/sqrt(128) = 0.09
    ngram: int = 5  # word 5-grams, as in the shared benchmark and most peers
    seed: int = 1  # datasketch's default seed, so signatures are comparable
    containment: bool = True  # a truncated copy or an excerpt repeats its source: drop it
    containment_threshold: float = 0.85  # share of a document's shingles in a longer kept
    # one: a copy with another lede or 1-2 % typos (each costs 5 shingles) still counts

    def __post_init__(self) -> None:
        _check_types(self)
        for name in ("threshold", "block_threshold", "containment_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise UsageError(f"{name} must be in (0, 1], not {value}")
        for name, most in (
            ("num_perm", MAX_PERM),
            ("ngram", MAX_NGRAM),
            ("block_ngram", MAX_NGRAM),
        ):
            if not 1 <= getattr(self, name) <= most:
                raise UsageError(f"{name} must be between 1 and {most}, not {getattr(self, name)}")
        if self.containment and self.num_perm < CONTAINMENT_BANDS * CONTAINMENT_ROWS:
            raise UsageError(
                f"num_perm must be at least {CONTAINMENT_BANDS * CONTAINMENT_ROWS} with "
                f"containment on (its {CONTAINMENT_BANDS} bands of {CONTAINMENT_ROWS} "
                f"values), not {self.num_perm}; raise it or set containment = false"
            )
        if not 0 <= self.seed < 2**32:  # what numpy's RandomState, which draws the hashes, takes
            raise UsageError(f"seed must be between 0 and {2**32 - 1}, not {self.seed}")


@dataclass(frozen=True)
class CleanConfig:
    repair: RepairConfig = field(default_factory=RepairConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    text_key: str = "text"  # field of JSONL/Parquet records that holds the text
    # field of JSONL/Parquet records that holds a page's HTML, read as an .html file is
    # and written out as text under text_key; None: records hold text, not HTML
    html_key: str | None = None
    # (name, settings) of each filter set away from its defaults, by name; read a
    # filter's settings with filter(name), change them with with_filter()
    filters: tuple[tuple[str, FilterConfig], ...] = ()

    def __post_init__(self) -> None:
        for name, kind in (
            ("repair", RepairConfig),
            ("boilerplate", BoilerplateConfig),
            ("dedup", DedupConfig),
        ):
            if not isinstance(getattr(self, name), kind):
                raise UsageError(f"{name} must be a {kind.__name__}, not {getattr(self, name)!r}")
        if not isinstance(self.filters, tuple | list) or not all(
            isinstance(pair, tuple | list) and len(pair) == 2 for pair in self.filters
        ):
            raise UsageError(f"filters must be (name, config) pairs, not {self.filters!r}")
        for name, settings in self.filters:
            _filter_class(name)
            if type(settings) is not FILTERS[name].config_class:
                raise UsageError(f"[filters.{name}] needs {FILTERS[name].config_class.__name__}")
        # a filter at its defaults is left out, so "on with the default settings" and
        # "not mentioned" are one config, and a new filter changes no config's hash
        wanted = {n: c for n, c in self.filters if c != FILTERS[n].config_class()}
        object.__setattr__(self, "filters", tuple(sorted(wanted.items())))
        # the cleaned text goes back under text_key: it must not be a field cleaner
        # writes itself (nor clean_records' "cleaner" account, nor the language
        # filter's fields when it is on), or one would be lost
        language = LANGUAGE_FIELDS if self.filter("language").enabled else ()
        written: tuple[str, ...] = (*RECORD_FIELDS, "cleaner", *language)
        if not isinstance(self.text_key, str) or not self.text_key:
            raise UsageError(f"text_key must be a field name, not {self.text_key!r}")
        if self.text_key in written:
            raise UsageError(
                f"text_key {self.text_key!r} is a field cleaner writes itself "
                f"({', '.join(written)}); name the field that holds the text"
            )
        if self.html_key is not None and (
            not isinstance(self.html_key, str) or not self.html_key or self.html_key in written
        ):
            raise UsageError(
                f"html_key {self.html_key!r} is a field cleaner writes itself "
                f"({', '.join(written)}); name the field that holds the HTML"
                if self.html_key in written
                else f"html_key must be a field name, not {self.html_key!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Every setting; ``filters`` lists each filter that is on or set away from its
        defaults (none in the default config, so adding filters to cleaner leaves the
        manifest and hash of a config that does not use them as they were)."""
        out = asdict(self)
        del out["filters"]
        if self.html_key is None:  # as filters: a config without it hashes as before it was
            del out["html_key"]
        configured = dict(self.filters)
        listed = {
            name: asdict(self.filter(name))
            for name in sorted({*FILTERS, *configured})
            if name in configured or self.filter(name).enabled
        }
        if listed:
            out["filters"] = listed
        return out

    def filter(self, name: str) -> FilterConfig:
        """The settings of the filter ``name``: as configured, else its defaults."""
        return dict(self.filters).get(name) or _filter_class(name).config_class()

    def with_filter(self, name: str, **settings: Any) -> CleanConfig:
        """The config with the filter ``name``'s ``settings`` changed (checked as in a file)."""
        current = self.filter(name)
        changed = _build(type(current), {**asdict(current), **settings}, f"[filters.{name}]")
        return replace(
            self, filters=(*((n, c) for n, c in self.filters if n != name), (name, changed))
        )

    def with_rules(self, disable: Iterable[str] = (), enable: Iterable[str] = ()) -> CleanConfig:
        """Turn rules off and on by name (``--disable-rule``, ``--enable-rule``).

        A filter's name turns the filter off or on; a boilerplate rule's name goes into
        or out of ``boilerplate.disable``. An unknown name is an error naming both kinds.
        """
        # one name given as a string is that name, not its letters
        disable = {disable} if isinstance(disable, str) else set(disable)
        enable = {enable} if isinstance(enable, str) else set(enable)
        for name in sorted(disable | enable):
            if name not in RULES and name not in FILTERS:
                raise UsageError(
                    f"unknown rule {name!r}; known: {', '.join(RULES)}; "
                    f"filters: {', '.join(FILTERS)}"
                )
        if both := sorted(disable & enable):
            raise UsageError(f"{', '.join(both)}: both disabled and enabled; pick one")
        cfg = self
        for name in sorted(disable | enable):
            if name in FILTERS:
                cfg = cfg.with_filter(name, enabled=name in enable)
        if (disable | enable) & set(RULES):
            rules = tuple(sorted({*cfg.boilerplate.disable, *(disable & set(RULES))} - enable))
            cfg = replace(cfg, boilerplate=replace(cfg.boilerplate, disable=rules))
        return cfg

    def hash(self) -> str:
        """A short digest of every setting, stored in the manifest."""
        body = json.dumps(self.to_dict(), sort_keys=True, default=list)
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: dict[str, Any], origin: str = "config") -> CleanConfig:
        """Build a config from nested tables; unknown keys are an error, not ignored."""
        data = _table(data, origin, "the config")
        top = {f.name for f in fields(cls)}
        for key in data:
            if key not in top:
                raise UsageError(f"{origin}: unknown key {key!r}; known: {', '.join(sorted(top))}")
        parts: dict[str, Any] = {}
        for sub in ("repair", "boilerplate", "dedup"):
            sub_cls = {
                "repair": RepairConfig,
                "boilerplate": BoilerplateConfig,
                "dedup": DedupConfig,
            }[sub]
            table = _table(data.get(sub, {}), origin, sub, f"[{sub}]")
            parts[sub] = _build(sub_cls, table, f"{origin} [{sub}]")
        if "text_key" in data:
            if not isinstance(data["text_key"], str) or not data["text_key"]:
                raise UsageError(
                    f"{origin}: text_key must be a field name in quotes, not {data['text_key']!r}"
                )
            parts["text_key"] = data["text_key"]
        if "html_key" in data:
            if not isinstance(data["html_key"], str) or not data["html_key"]:
                raise UsageError(
                    f"{origin}: html_key must be a field name in quotes, not {data['html_key']!r}"
                )
            parts["html_key"] = data["html_key"]
        tables = data.get("filters", {})
        if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
            raise UsageError(
                f"{origin}: filters takes one table per filter, e.g. [filters.too-short]"
            )
        for name, table in tables.items():
            try:
                config_class = _filter_class(name).config_class
            except UsageError as e:
                raise UsageError(f"{origin}: {e}") from None
            settings = _build(config_class, table, f"{origin} [filters.{name}]")
            parts.setdefault("filters", []).append((name, settings))
        if "filters" in parts:
            parts["filters"] = tuple(parts["filters"])
        try:
            return cls(**parts)
        except UsageError as e:
            raise UsageError(f"{origin}: {e}") from None

    def with_overrides(self, overrides: dict[str, Any]) -> CleanConfig:
        """Apply dotted overrides such as ``{"dedup.threshold": 0.9}``."""
        cfg = self
        for dotted, value in overrides.items():
            if value is None:
                continue
            sub, _, name = dotted.partition(".")
            known_sub = sub in {f.name for f in fields(cfg)}
            # a key under text_key or html_key: those settings are names, with no keys
            if not known_sub or (name and isinstance(getattr(cfg, sub), str | None)):
                known = ", ".join(sorted(f.name for f in fields(cfg)))
                raise UsageError(f"{dotted}: unknown setting; known: {known} (and their keys)")
            if not name:
                cfg = replace(cfg, **{dotted: value})
                continue
            if sub == "filters":  # filters.NAME.key
                filter_name, _, key = name.rpartition(".")
                cfg = cfg.with_filter(filter_name, **{key: value})
                continue
            part = getattr(cfg, sub)
            cfg = replace(cfg, **{sub: _build(type(part), {**asdict(part), name: value}, dotted)})
        return cfg


def as_path(value: Any, what: str) -> Path:
    """``value`` as a :class:`Path`, or a :class:`UsageError` naming ``what`` when it is
    no path (a str or an os.PathLike), for the library's functions that take paths."""
    if not isinstance(value, str | os.PathLike):
        raise UsageError(f"{what} must be a path (a str or a Path), not {value!r}")
    return Path(value)


def _build(cls: Any, data: dict[str, Any], origin: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for given, value in data.items():
        key = given.replace("-", "_")
        if key not in known:
            raise UsageError(f"{origin}: unknown key {key!r}; known: {', '.join(sorted(known))}")
        if key in kwargs:  # "min_repeats" and "min-repeats": the later one won, unsaid
            raise UsageError(f"{origin}: {key!r} is given twice (as {given!r} too); keep one")
        try:
            kwargs[key] = _setting(key, value, getattr(cls(), key), toml=True)
        except UsageError as e:
            raise UsageError(f"{origin}: {e}") from None
    try:
        return cls(**kwargs)
    except UsageError as e:
        raise UsageError(f"{origin}: {e}") from e


def _check_types(cfg: Any) -> None:
    """Each setting of ``cfg`` (a stage's config) of its default's type, as a config
    file's are (:func:`_build`), so that one made in Python gets the same one-line
    error instead of a failure deep in a run; a list of strings stands for a tuple."""
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        object.__setattr__(cfg, f.name, _setting(f.name, value, f.default, toml=False))


def _setting(key: str, value: Any, default: Any, *, toml: bool) -> Any:
    """``value`` for the setting ``key`` of type ``default``'s, as the config holds it
    (a tuple for a list, a float for a number); a :class:`UsageError` when it is of
    another type. Read from a file (``toml``), a float that is a whole number counts
    as one, and the messages say how TOML writes the value."""
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            # a bare string would be read as its letters ("caption" -> 'c', 'a', ...)
            raise UsageError(
                f"{key} must be a list of strings, e.g. {key} = [{json.dumps(value)}]"
                if toml and isinstance(value, str)
                else f"{key} must be a list of strings, not {value!r}"
            )
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise UsageError(f"{key} must be true or false, not {value!r}")
        return value
    if isinstance(default, int):
        if toml and isinstance(value, float) and value.is_integer():  # False for inf, nan
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise UsageError(f"{key} must be a whole number, not {value!r}")
        return value
    if isinstance(default, float):
        if not _is_number(value):
            raise UsageError(f"{key} must be a finite number, not {value!r}")
        return float(value)
    if isinstance(default, str) and not isinstance(value, str):
        # str() would turn 5 into "5" and a list into its repr
        raise UsageError(f"{key} must be text{' in quotes' if toml else ''}, not {value!r}")
    return value


def _is_number(value: Any) -> bool:
    """A TOML integer or float that a float setting can take: not a bool, not nan (it
    compares false with everything, so no limit would hold), not inf (the manifest
    records the config, and JSON has no infinity), not an integer too large for a
    float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _table(value: Any, origin: str, name: str, example: str = "") -> dict[str, Any]:
    """``value`` if it is a table, else an error naming ``name`` (shown as ``example``)."""
    if not isinstance(value, dict):
        such = f" such as {example} with its keys below it" if example else ""
        raise UsageError(f"{origin}: {name} must be a table{such}, not {value!r}")
    return value


def _check_rules(cfg: BoilerplateConfig) -> None:
    """Rule names must exist and user patterns must compile: a typo is an error."""
    for name in cfg.disable:
        if name in FILTERS:
            raise UsageError(
                f"{name!r} is a filter, not a boilerplate rule; "
                f"turn it off with [filters.{name}] enabled = false"
            )
        if name not in RULES:
            raise UsageError(f"unknown rule {name!r} to disable; known: {', '.join(RULES)}")
    for pattern in cfg.extra_patterns:
        try:
            re.compile(pattern)
        # Python's parser also raises these: a count over 2**32 - 1 ("a{4294967296}"),
        # groups nested a thousand deep
        except (re.error, OverflowError, RecursionError) as e:
            what = "nested too deeply" if isinstance(e, RecursionError) else str(e)
            raise UsageError(
                f"extra pattern {_short(pattern)} is not a regular expression ({what}); fix it."
            ) from None


def _short(text: str, limit: int = 60) -> str:
    """``text`` quoted, cut to ``limit`` characters for a one-line message."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text):,} chars)"


def _filter_class(name: str) -> Any:
    if name not in FILTERS:
        raise UsageError(f"unknown filter {name!r}; known: {', '.join(FILTERS)}")
    return FILTERS[name]


def load_config(path: Path | str | None = None, start: Path | str | None = None) -> CleanConfig:
    """Read a config file; with no path, look for ``cleaner.toml`` or ``pyproject.toml``.

    The search starts in ``start`` (default: the current folder). No file means defaults.
    """
    if path is None:
        base = as_path(start, "start") if start is not None else Path.cwd()
        for name in ("cleaner.toml", "pyproject.toml"):
            candidate = base / name
            if candidate.is_file():
                return CleanConfig.from_dict(_read_config(candidate), str(candidate))
            if os.path.lexists(candidate):  # a link to nowhere, a folder: not passed over
                _check_config_path(candidate)
        return CleanConfig()
    path = as_path(path, "the config path")
    _check_config_path(path)
    return CleanConfig.from_dict(_read_config(path), str(path))


def _check_config_path(path: Path) -> None:
    """Refuse a config path that names no regular file, saying what it names."""
    if path.is_dir():
        raise UsageError(f"{path}: a folder; pass the cleaner.toml or pyproject.toml file in it.")
    if path.is_file():
        return
    if os.path.lexists(path):
        what = "a link to no file" if not path.exists() else "not a regular file (a pipe or device)"
        raise UsageError(f"{path}: {what}; pass a cleaner.toml file, or fix or remove it.")
    raise UsageError(f"{path}: config file not found. Pass an existing cleaner.toml.")


def _read_config(path: Path) -> dict[str, Any]:
    """The config tables of ``path``: the whole file, or ``[tool.cleaner]`` of a
    ``pyproject.toml`` (none there: no settings)."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except UnicodeDecodeError as e:  # tomllib decodes the bytes itself, before parsing
        line = e.object.count(b"\n", 0, e.start) + 1
        raise UsageError(
            f"{path}: line {line}: byte {e.object[e.start]:#04x} is not UTF-8; "
            "a TOML file is UTF-8 text: save it as UTF-8."
        ) from e
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"{path}: not a readable TOML file ({e}). Fix or remove it.") from e
    except RecursionError:  # arrays or tables nested thousands deep: no config is
        raise UsageError(
            f"{path}: not a readable TOML file (nested too deeply). Fix or remove it."
        ) from None
    if path.name == "pyproject.toml":
        tool = _table(data.get("tool", {}), str(path), "tool", "[tool.cleaner]")
        return _table(tool.get("cleaner", {}), str(path), "tool.cleaner", "[tool.cleaner]")
    return data

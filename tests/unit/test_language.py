"""The language filter: every record names its language when it is on, ``languages``
keeps only those, ``min_score`` drops what the model is unsure of, and ``--languages``
on ``cleaner run`` turns it on."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import CleanConfig, clean_records
from cleaner.cli import cli
from cleaner.config import BoilerplateConfig
from cleaner.errors import UsageError
from tests.conftest import write_files

PAGES = {
    "en.txt": "The river bridge in the old town will close for six months from Monday "
    "while engineers replace its rusted steel beams.",
    "de.txt": "Die Brücke in der Altstadt bleibt ab Montag sechs Monate lang gesperrt, "
    "während Ingenieure die rostigen Stahlträger ersetzen.",
    "fr.txt": "Le pont de la vieille ville sera fermé pendant six mois à partir de lundi, "
    "le temps de remplacer ses poutres rouillées.",
    "es.txt": "El puente del casco antiguo estará cerrado durante seis meses a partir del "
    "lunes mientras los ingenieros sustituyen sus vigas oxidadas.",
}


def _records(config: CleanConfig) -> list[dict]:  # type: ignore[type-arg]
    rows = [{"id": name, "text": text} for name, text in PAGES.items()]
    return list(clean_records(rows, config, near_duplicates=False))


def test_on_without_languages_names_every_language_and_keeps_all() -> None:
    out = _records(CleanConfig().with_filter("language", enabled=True))
    assert [r["language"] for r in out] == ["en", "de", "fr", "es"]
    assert all(0.9 < r["language_score"] <= 1.0 for r in out)
    assert all(r["cleaner"]["dropped"] is None for r in out)


def test_languages_keep_only_those() -> None:
    config = CleanConfig().with_filter("language", enabled=True, languages=["en", "de"])
    out = _records(config)
    dropped = {r["id"]: r["cleaner"]["dropped"] for r in out}
    assert dropped["en.txt"] is None and dropped["de.txt"] is None
    assert dropped["fr.txt"]["rule"] == "language"
    detail = dropped["fr.txt"]["detail"]
    assert (detail["language"], detail["languages"]) == ("fr", "en,de")


def test_min_score_drops_what_the_model_is_unsure_of() -> None:
    config = CleanConfig().with_filter("language", enabled=True, min_score=0.9)
    [record] = clean_records([{"text": "ok 42"}], config, near_duplicates=False)
    dropped = record["cleaner"]["dropped"]
    assert dropped["rule"] == "language" and dropped["detail"]["score"] < 0.9
    assert dropped["detail"]["min_score"] == 0.9


def test_a_text_of_no_letters_has_no_language() -> None:
    """The model names a language for any bytes (an empty text was Serbian, at 0.014):
    a text of no letters or digits has none, and a language list does not keep it.
    (Such a text reaches the filter with the boilerplate stage off; an empty one goes
    before it, as ``empty``.)"""
    rows = [{"id": "dots", "text": "... !!! ???"}, {"id": "dashes", "text": "— – —"}]
    config = CleanConfig(boilerplate=BoilerplateConfig(enabled=False))
    named = clean_records(rows, config.with_filter("language", enabled=True), near_duplicates=False)
    assert [(r["language"], r["language_score"]) for r in named] == [(None, 0.0)] * 2
    config = config.with_filter("language", enabled=True, languages=["sr"])
    kept = clean_records(rows, config, near_duplicates=False)
    assert all(r["cleaner"]["dropped"]["rule"] == "language" for r in kept)


def test_off_by_default_no_language_field() -> None:
    assert all("language" not in r for r in _records(CleanConfig()))


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"languages": ["english"]}, "not an ISO 639-1 code"),
        # what a user means, in the model's form, is said
        (
            {"languages": ["EN"]},
            r"'EN' is not an ISO 639-1 code \(lower case, no region\); write 'en'",
        ),
        ({"languages": ["pt-BR"]}, "write 'pt'"),
        ({"languages": ["en", "en"]}, r"languages names a code twice: \['en', 'en'\]"),
        ({"languages": ["eng"]}, "'eng' is not one the model names"),  # it kept nothing
        ({"languages": ["en", "xx"]}, "'xx' is not one the model names"),
        ({"min_score": 1.5}, "between 0 and 1"),
    ],
)
def test_bad_settings_are_errors(settings: dict, words: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(UsageError, match=words):
        CleanConfig().with_filter("language", enabled=True, **settings)


def test_run_languages_option(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, PAGES)
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(raw), str(out), "-q", "--languages", "en,de"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["documents"]["dropped"] == {"language": 2}
    assert manifest["config"]["filters"]["language"]["languages"] == ["en", "de"]
    corpus = [json.loads(line) for line in (out / "corpus.jsonl").read_text().splitlines()]
    assert sorted(r["language"] for r in corpus) == ["de", "en"]
    stats = runner.invoke(cli, ["stats", str(out)])
    assert "2 dropped (language 2)" in stats.output
    bad = runner.invoke(cli, ["run", str(raw), str(out), "--languages", "english"])
    assert bad.exit_code == 2 and "--languages" in bad.output
    # an empty list (a shell variable left unset) would keep every language: refused
    none = runner.invoke(cli, ["run", str(raw), str(out), "--languages", " , "])
    assert none.exit_code == 2 and "no language code given" in none.output


def test_a_records_own_language_fields_are_kept_under_record_names() -> None:
    """A record that already has ``language`` and ``language_score`` keeps them, as
    ``record_language`` and ``record_language_score``, beside the filter's."""
    config = CleanConfig().with_filter("language", enabled=True)
    row = {"id": 1, "text": PAGES["en.txt"], "language": "English", "language_score": "high"}
    [out] = clean_records([row], config, near_duplicates=False)
    assert out["language"] == "en" and 0.9 < out["language_score"] <= 1.0
    assert (out["record_language"], out["record_language_score"]) == ("English", "high")


def test_a_record_whose_language_fields_say_the_same_keeps_no_copy() -> None:
    """Cleaning a cleaned record again changes nothing: its fields are the filter's."""
    config = CleanConfig().with_filter("language", enabled=True)
    [once] = clean_records([{"id": 1, "text": PAGES["de.txt"]}], config, near_duplicates=False)
    again = {k: v for k, v in once.items() if k != "cleaner"}
    [twice] = clean_records([again], config, near_duplicates=False)
    assert {k: v for k, v in twice.items() if k != "cleaner"} == again
    assert not any(k.startswith("record_") for k in twice)


def test_run_keeps_a_records_own_language(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    row = {"id": "a", "text": PAGES["fr.txt"], "language": "fr-CA"}
    write_files(raw, {"pages.jsonl": json.dumps(row) + "\n"})
    result = CliRunner().invoke(cli, ["run", str(raw), str(out), "-q", "--languages", "fr"])
    assert result.exit_code == 0, result.output
    [record] = [json.loads(x) for x in (out / "corpus.jsonl").read_text().splitlines()]
    assert (record["language"], record["record_language"]) == ("fr", "fr-CA")
    assert "record_language_score" not in record


@pytest.fixture
def model_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty model cache of the test's own."""
    pytest.importorskip("py3langid")
    from cleaner.stages.filters import language_model

    monkeypatch.setenv(language_model.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


@functools.cache
def _shipped_identifier():  # type: ignore[no-untyped-def]
    """py3langid's identifier as py3langid loads it (unpacking its shipped file)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("aeinrstu ÄßéñøЖжя日本語.,!?0123\n"), max_size=300))
def test_the_loaded_model_scores_as_the_shipped_one(text: str) -> None:
    """The model the filter loads (its weights widened to float32, read from the cache)
    gives every language the score py3langid's own loading gives it, to the bit."""
    pytest.importorskip("py3langid")
    from cleaner.stages.filters.language_model import IDENTIFIER

    assert (IDENTIFIER._decide(text) == _shipped_identifier()._decide(text)).all()


def _walk(text: bytes) -> list[int]:
    """The automaton's state after each byte, walked one byte at a time from the start,
    as py3langid's own loop walks it (the oracle of the identifier's numpy walk)."""
    reference = _shipped_identifier()
    state, states = 0, []
    for byte in text:
        state = reference.tk_nextmove[reference._rowbase[state] + byte]
        states.append(int(state))
    return states


# the model's longest n-grams (its deepest states) are pairs of Japanese characters
_KANA = st.text(st.sampled_from("あいうかがしたてでとにのはもるをんこ。、日本語 a"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64) | st.one_of(st.text(max_size=64), _KANA).map(str.encode))
def test_the_numpy_walk_reaches_the_states_the_byte_loop_reaches(data: bytes) -> None:
    pytest.importorskip("py3langid")
    from cleaner.stages.filters.language_model import IDENTIFIER

    assert IDENTIFIER._states(data).tolist() == _walk(data)


def test_the_automaton_depth_is_its_longest_ngram() -> None:
    """A hand-made automaton that knows "ab" and "b": from the start, "a" leads to
    state 1, "ab" to 2, "b" to 3; every other byte back to the start."""
    np = pytest.importorskip("numpy")
    from cleaner.stages.filters.language_model import automaton_depth

    moves = np.zeros((4, 256), dtype=np.uint32)
    moves[:, ord("a")] = 1
    moves[:, ord("b")] = 3
    moves[1, ord("b")] = 2
    assert automaton_depth(moves.ravel(), np.arange(4, dtype=np.uint16)) == 2
    moves[:, :] = 0  # knows nothing: no state beyond the start
    assert automaton_depth(moves.ravel(), np.arange(4, dtype=np.uint16)) == 0


def test_the_cached_model_names_languages_as_the_shipped_one(model_cache: Path) -> None:
    from cleaner.stages.filters import language_model as lm

    model = lm.shipped_model()
    unpacked = lm.load_arrays(model)  # the first load unpacks, and writes the cache
    [folder] = model_cache.iterdir()
    assert folder == lm.cache_folder(model)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.npy" for n in lm.CACHED)
    cached = lm.load_arrays(model)  # the second maps the cached files
    assert all(isinstance(cached[n], lm.np.memmap) for n in lm.CACHED)
    assert all((cached[n] == unpacked[n]).all() for n in lm.CACHED)
    reference, ours = _shipped_identifier(), lm.Identifier(cached)
    texts = [*PAGES.values(), "ok 42", "", "ÄÖÜ ß 日本語のテキスト", "Привет, мир! " * 20]
    assert [ours.classify(t) for t in texts] == [reference.classify(t) for t in texts]


@pytest.mark.parametrize(
    "damage", ["a file in its place", "a truncated array", "an older cache without the depth"]
)
def test_a_cache_that_cannot_be_used_does_not_stop_the_filter(
    model_cache: Path, damage: str
) -> None:
    """A cache folder that cannot be made is left alone; a damaged one is made anew."""
    from cleaner.stages.filters import language_model as lm

    model = lm.shipped_model()
    if damage == "a file in its place":  # no folder can be made there
        model_cache.parent.mkdir(exist_ok=True)
        model_cache.write_text("not a folder", encoding="utf-8")
    elif damage == "a truncated array":
        lm.load_arrays(model)
        path = lm.cache_folder(model) / "nextmove.npy"
        path.write_bytes(path.read_bytes()[:1000])
    else:
        lm.load_arrays(model)
        (lm.cache_folder(model) / "depth.npy").unlink()
    ours = lm.Identifier(lm.load_arrays(model))
    text = PAGES["de.txt"]
    assert ours.classify(text) == _shipped_identifier().classify(text)
    if damage != "a file in its place":  # the next load maps the files again
        assert all(isinstance(a, lm.np.memmap) for a in lm.load_arrays(model).values())


def test_a_records_own_record_language_and_language_both_stay(tmp_path: Path) -> None:
    """A record with ``language`` and ``record_language`` of its own: the filter's value
    takes ``language``, and the record's own goes to ``record_record_language``, in
    ``clean_records`` as in a run (the record's value was lost in ``clean_records``)."""
    config = CleanConfig().with_filter("language", enabled=True)
    row = {"id": "a", "text": PAGES["en.txt"], "language": "xx", "record_language": "zz"}
    [out] = clean_records([row], config, near_duplicates=False)
    raw, dest = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"pages.jsonl": json.dumps(row) + "\n"})
    ran = CliRunner().invoke(cli, ["run", str(raw), str(dest), "-q", "--enable-rule", "language"])
    assert ran.exit_code == 0, ran.output
    [record] = [json.loads(x) for x in (dest / "corpus.jsonl").read_text().splitlines()]
    want = {"language": "en", "record_language": "zz", "record_record_language": "xx"}
    for got in (out, record):
        assert {k: got[k] for k in want} == want

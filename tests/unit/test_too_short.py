"""The too-short filter: documents under ``min_words`` words after cleaning leave the
corpus as ``too-short``, with the count in the drop; off unless the config turns it on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cleaner import CleanConfig, clean_corpus, clean_records
from cleaner.config import load_config
from cleaner.errors import UsageError
from cleaner.executors import make_executor
from cleaner.pipeline import Pipeline
from cleaner.stages.filters.too_short import TooShortConfig
from tests.conftest import CASES, ROOT, write_files

GOLDEN: list[dict[str, Any]] = json.loads((CASES / "too_short.json").read_text(encoding="utf-8"))
REASON = "too-short"


def _on(min_words: int) -> CleanConfig:
    return CleanConfig().with_filter(REASON, enabled=True, min_words=min_words)


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: c["label"])
def test_case_on_and_off(case: dict[str, Any]) -> None:
    [record] = clean_records([{"text": case["input"]}], _on(case["min_words"]))
    dropped = record["cleaner"]["dropped"]
    if case["dropped"]:
        assert (dropped["stage"], dropped["rule"]) == (REASON, REASON)
        assert dropped["detail"] == {"words": case["words"], "min_words": case["min_words"]}
    else:
        assert dropped is None
    [kept] = clean_records([{"text": case["input"]}])  # off by default: every case stays
    assert kept["cleaner"]["dropped"] is None


def test_a_run_drops_them_with_the_count_in_audit_and_manifest(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {f"{c['label']}.txt": c["input"] for c in GOLDEN})
    dropped = [c for c in GOLDEN if c["dropped"]]
    config = _on(12)  # the cases' own min_words differ; one run has one setting
    expected = {f"{c['label']}.txt": c["words"] for c in GOLDEN if c["words"] < 12}
    assert len(expected) == len(dropped)  # the cases under 12 words are those dropped
    report = clean_corpus(raw, out, config, executor=make_executor("local", 1))
    assert report.dropped == {REASON: len(expected)}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["documents"]["dropped"] == {REASON: len(expected)}
    assert manifest["counts"]["stages"][REASON][REASON]["documents"] == len(expected)
    assert REASON in manifest["stages"]
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    drops = {a["source"]: a for a in audit if a["rule"] == REASON}
    assert {s: a["words"] for s, a in drops.items()} == expected
    assert all(a["stage"] == REASON and a["min_words"] == 12 for a in drops.values())
    reasons = {f["path"]: f.get("reason") for f in manifest["inputs"]}
    for source in expected:
        assert reasons[source] == f"all 1 documents dropped: {REASON}; see audit.jsonl"


def test_off_by_default_and_the_default_config_is_unchanged() -> None:
    config = CleanConfig()
    assert config.filter(REASON) == TooShortConfig(enabled=False, min_words=50)
    assert REASON not in Pipeline.from_config(config).names
    # the golden output's manifest was written before filters existed: the default
    # config must hash and read as it did, so a manifest names only what a user changed
    golden = json.loads((ROOT / "clean" / "manifest.json").read_text(encoding="utf-8"))
    assert config.hash() == golden["config_hash"]
    assert json.loads(json.dumps(config.to_dict())) == golden["config"]
    # "on at the defaults" is listed; "off at the defaults" is the same config as none
    assert _on(50).to_dict()["filters"] == {REASON: {"enabled": True, "min_words": 50}}
    assert config.with_filter(REASON, enabled=False) == config


def test_config_file_turns_it_on_and_checks_min_words(tmp_path: Path) -> None:
    path = tmp_path / "cleaner.toml"
    path.write_text("[filters.too-short]\nenabled = true\nmin_words = 20\n", encoding="utf-8")
    config = load_config(path)
    assert config.filter(REASON) == TooShortConfig(enabled=True, min_words=20)
    assert Pipeline.from_config(config).names[-2:] == [REASON, "drop-near-duplicates"]
    path.write_text("[filters.too-short]\nenabled = true\nmin_words = 0\n", encoding="utf-8")
    with pytest.raises(UsageError, match="min_words must be at least 1"):
        load_config(path)
    assert config.with_overrides({"filters.too-short.min_words": 7}).filter(REASON) == (
        TooShortConfig(enabled=True, min_words=7)
    )

"""A page of nothing but boilerplate leaves the corpus as ``boilerplate-only``, the
same way in every path: the stage, a run, a stream, explain and check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cleaner import BoilerplateConfig, clean_corpus, clean_records
from cleaner.cli import cli
from cleaner.run.check import check_files
from cleaner.run.explain import explain_file
from cleaner.stages.boilerplate import strip_boilerplate
from tests.conftest import CASES, write_files

GOLDEN: list[dict[str, Any]] = json.loads(
    (CASES / "boilerplate_only.json").read_text(encoding="utf-8")
)
DROPPED = [c for c in GOLDEN if c["expected"] is None]
RULE = "boilerplate-only"


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: c["label"])
def test_case_in_the_stage_stream_and_explain(case: dict[str, Any], tmp_path: Path) -> None:
    dropped = case["expected"] is None
    got = strip_boilerplate(case["input"])
    assert got.emptied == dropped
    assert got.text == ("" if dropped else case["expected"])
    assert [r.rule for r in got.removed] == case["rules"]
    [record] = clean_records([{"text": case["input"]}])
    assert (record["cleaner"]["dropped"] or {}).get("rule") == (RULE if dropped else None)
    assert [r["rule"] for r in record["cleaner"]["removed"]] == case["rules"]
    page = tmp_path / "page.txt"
    page.write_text(case["input"], encoding="utf-8")
    [explained] = explain_file(page)
    assert explained.dropped == (RULE if dropped else None)
    assert [x.rule for x in explained.lines if x.rule] == case["rules"]
    if dropped:
        assert f"dropped: {RULE}" in explained.render()


def test_a_run_drops_them_with_the_reason_in_audit_and_manifest(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {f"{c['label']}.txt": c["input"] for c in GOLDEN})
    report = clean_corpus(raw, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["documents"]["dropped"] == {RULE: len(DROPPED)}
    assert report.dropped == {RULE: len(DROPPED)}
    stage = manifest["counts"]["stages"]["strip-boilerplate"]
    assert stage[RULE]["documents"] == len(DROPPED)
    outcomes = {f["path"]: (f["outcome"], f.get("reason")) for f in manifest["inputs"]}
    for case in GOLDEN:
        name = f"{case['label']}.txt"
        if case["expected"] is None:
            assert outcomes[name] == (
                "dropped",
                f"all 1 documents dropped: {RULE}; see audit.jsonl",
            )
        else:
            assert outcomes[name][0] == "cleaned"
    audit = [json.loads(x) for x in (out / "audit.jsonl").read_text().splitlines()]
    for case in DROPPED:
        rows = [r for r in audit if r["source"] == f"{case['label']}.txt"]
        assert [r["rule"] for r in rows] == [*case["rules"], RULE]
        # nothing lost: every line of the page is in the audit with its rule
        assert [r["text"] for r in rows[:-1]] == [
            x.strip() for x in case["input"].split("\n") if x.strip()
        ]
    corpus = [json.loads(x) for x in (out / "corpus.jsonl").read_text().splitlines()]
    assert sorted(r["text"] for r in corpus) == sorted(
        c["expected"] for c in GOLDEN if c["expected"] is not None
    )


def test_stdin_to_stdout_and_check_drop_them_too(tmp_path: Path) -> None:
    lines = "".join(json.dumps({"id": c["label"], "text": c["input"]}) + "\n" for c in GOLDEN)
    result = CliRunner().invoke(cli, ["run", "-", "-"], input=lines)
    assert result.exit_code == 0
    kept = [json.loads(x)["id"] for x in result.stdout.splitlines()]
    assert kept == [c["label"] for c in GOLDEN if c["expected"] is not None]
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, {"article.txt": GOLDEN[3]["input"]})
    clean_corpus(raw, out)
    page = tmp_path / "page.txt"
    page.write_text(DROPPED[0]["input"], encoding="utf-8")
    [judged] = check_files([page], out).files
    removed = f"lines {DROPPED[0]['input'].count(chr(10)) + 1}"  # every line of the page
    assert judged.dropped == [{"id": judged.dropped[0]["id"], "rule": RULE, "measured": removed}]
    assert f"dropped: {RULE}" in " ".join(judged.problems)


def test_turning_the_rule_off_keeps_such_a_page_whole() -> None:
    config = BoilerplateConfig(disable=(RULE,))
    for case in DROPPED:
        got = strip_boilerplate(case["input"], config)
        assert not got.emptied and not got.removed and got.text == case["input"]

"""The quality filters through the commands: a run's audit and manifest, ``stats``,
``explain``, ``check`` and the stream mode give one verdict, with what was measured."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cleaner.cli import cli
from tests.conftest import write_files

PROSE = [
    "The river bridge in the old town will close for six months from Monday while "
    "engineers replace its rusted steel beams and repaint the railings.",
    "Residents who cross it each day to reach the station will have to take the ferry, "
    "which the council says will run every twenty minutes from early morning.",
    "Shop owners on the north bank fear that the closure will keep customers away during "
    "the busy summer season, and some have asked for help with their rent.",
    "The council has promised a small fund for the businesses that can show a fall in "
    "trade, and it will publish the rules for the fund next week.",
    "Work on the bridge was first planned three years ago, but it was delayed twice "
    "because the steel had to be ordered from abroad.",
]
PAGES = {
    "article.txt": "\n\n".join(PROSE),
    # 58 words, so gopher-quality keeps it; two sentences, under C4's five
    "brief.txt": "\n\n".join(PROSE[1:3]) + "\n\nMore on the plan will follow.",
}
ON = [
    arg
    for name in ("gopher-repetition", "gopher-quality", "c4-quality", "fineweb-quality")
    for arg in ("--enable-rule", name)
]
RULE, MEASURED = "c4-few-sentences", "sentences 3 < 5"


def test_a_run_stats_explain_check_and_stream_agree(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_files(raw, PAGES)
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(raw), str(out), "-q", *ON])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["documents"]["dropped"] == {RULE: 1}
    assert manifest["counts"]["stages"]["c4-quality"][RULE]["documents"] == 1
    assert manifest["stages"][-5:-1] == [
        "gopher-repetition", "gopher-quality", "c4-quality", "fineweb-quality",
    ]  # fmt: skip
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    [drop] = [a for a in audit if a["stage"] == "c4-quality"]
    assert (drop["source"], drop["rule"], drop["test"]) == ("brief.txt", RULE, MEASURED)
    assert (drop["measure"], drop["value"], drop["limit"]) == ("sentences", 3, 5)

    stats = runner.invoke(cli, ["stats", str(out)])
    assert f"1 dropped ({RULE} 1)" in stats.output
    assert any(line.split()[:3] == ["c4-quality", RULE, "1"] for line in stats.output.splitlines())
    explained = runner.invoke(cli, ["explain", str(raw / "brief.txt"), *ON])
    assert f"dropped: {RULE} ({MEASURED})" in explained.output
    kept = runner.invoke(cli, ["explain", str(raw / "article.txt"), *ON])
    assert "dropped" not in kept.output
    checked = runner.invoke(cli, ["check", str(raw / "brief.txt"), "--corpus", str(out), *ON])
    assert checked.exit_code == 1
    assert f"dropped: {RULE} ({MEASURED})" in checked.output

    records = "".join(json.dumps({"id": name, "text": text}) + "\n" for name, text in PAGES.items())
    streamed = runner.invoke(cli, ["run", "-", "-", *ON], input=records)
    assert streamed.exit_code == 0, streamed.output
    lines = streamed.stdout.splitlines()
    kept_ids = [json.loads(line)["id"] for line in lines if line.startswith("{")]
    assert kept_ids == ["article.txt"]

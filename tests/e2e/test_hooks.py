"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit framework.

A copy of this working tree becomes a git repository with one commit (pre-commit needs a
repo and a rev); a second repository keeps a raw corpus and points its
.pre-commit-config.yaml at the first. pre-commit then installs cleaner into its own
environment with pip, as it would for a user, which takes a while: hence ``slow``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow
SKIP = {
    ".git",
    ".venv",
    "clean",
    "build",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    "bench",
}
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=cleaner", "-c", "user.email=dev@cleaner.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This working tree, copied and committed: the repository the hooks come from."""
    repo = tmp_path_factory.mktemp("hooks") / "cleaner"
    shutil.copytree(
        ROOT,
        repo,
        ignore=lambda _d, names: [n for n in names if n in SKIP or n.endswith(".egg-info")],
    )
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "hooks under test")
    return repo, git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module, so cleaner is installed once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def corpus_repo(tmp_path: Path, hook_repo: tuple[Path, str]) -> Path:
    """A repository with raw/ (the seed pages) whose config uses both hooks."""
    repo_path, rev = hook_repo
    repo = tmp_path / "corpus"
    shutil.copytree(SEEDS / "raw", repo / "raw")
    config = {
        "repos": [{"repo": str(repo_path), "rev": rev, "hooks": [{"id": h["id"]} for h in HOOKS]}]
    }
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "raw corpus")
    return repo


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("PYTHONPATH", None)  # the hook must run the installed copy, not this tree
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_manifest_lists_the_documented_hooks() -> None:
    ids = {h["id"]: h for h in HOOKS}
    assert set(ids) == {"cleaner-check", "cleaner-sync"}
    assert ids["cleaner-sync"]["pass_filenames"] is False
    assert ids["cleaner-check"].get("pass_filenames", True) is True


def test_sync_writes_clean_then_passes_once_committed(corpus_repo: Path, home: Path) -> None:
    first = pre_commit(corpus_repo, home, "cleaner-sync", "--all-files")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "cleaner: updated clean/corpus.jsonl" in first.stdout
    assert (corpus_repo / "clean" / "manifest.json").is_file()
    git(corpus_repo, "add", "-A")
    again = pre_commit(corpus_repo, home, "cleaner-sync", "--all-files")
    assert again.returncode == 0, again.stdout + again.stderr
    assert git(corpus_repo, "diff", "--name-only") == ""  # not even the manifest's time
    page = next((corpus_repo / "raw").glob("*.txt"))
    added = (
        "A later scrape added this paragraph, in which the minister said the talks would "
        "resume next month and that both delegations had agreed on a draft agenda."
    )
    page.write_text(page.read_text() + f"\n\n{added}\n")
    git(corpus_repo, "add", "-A")
    changed = pre_commit(corpus_repo, home, "cleaner-sync", "--all-files")
    assert changed.returncode == 1 and "clean/corpus.jsonl" in changed.stdout


def test_sync_runs_on_a_commit_that_only_deletes_raw_files(corpus_repo: Path, home: Path) -> None:
    """pre-commit passes a hook no deleted file: with a files pattern alone, sync was
    skipped and the commit carried a clean/ that still held the deleted page."""
    synced = pre_commit(corpus_repo, home, "cleaner-sync", "--all-files")
    assert synced.returncode == 1, synced.stdout + synced.stderr
    git(corpus_repo, "add", "-A")
    git(corpus_repo, "commit", "-qm", "clean corpus")
    gone = sorted((corpus_repo / "raw").glob("*.txt"))[0]
    git(corpus_repo, "rm", "-q", str(gone.relative_to(corpus_repo)))
    deleted = pre_commit(corpus_repo, home, "cleaner-sync")  # the staged change alone
    assert deleted.returncode == 1, deleted.stdout + deleted.stderr
    assert "clean/corpus.jsonl" in deleted.stdout
    assert gone.name not in (corpus_repo / "clean" / "corpus.jsonl").read_text()


def test_check_judges_each_changed_raw_file(corpus_repo: Path, home: Path) -> None:
    synced = pre_commit(corpus_repo, home, "cleaner-sync", "--all-files")
    assert synced.returncode == 1, synced.stdout + synced.stderr
    git(corpus_repo, "add", "-A")
    git(corpus_repo, "commit", "-qm", "clean corpus")
    fresh = corpus_repo / "raw" / "new_page.txt"
    fresh.write_text(
        "A new article about the river festival, with its own words and facts "
        "that no other page in this corpus has ever printed before today.\n"
    )
    copy = corpus_repo / "raw" / "copy_of_seed.txt"
    copy.write_text(next((SEEDS / "raw").glob("*.txt")).read_text())
    git(corpus_repo, "add", "-A")
    ok = pre_commit(corpus_repo, home, "cleaner-check", "--files", "raw/new_page.txt")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = pre_commit(
        corpus_repo, home, "cleaner-check", "--files", "raw/new_page.txt", "raw/copy_of_seed.txt"
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "copy_of_seed.txt" in bad.stdout and "Traceback" not in bad.stdout


def test_check_passes_hidden_raw_files_as_sync_does(corpus_repo: Path, home: Path) -> None:
    """A raw/.gitkeep or raw/.DS_Store matches the hook's files, but a run skips
    hidden files: the check skips them too instead of failing the commit."""
    (corpus_repo / "raw" / ".gitkeep").write_text("")
    (corpus_repo / "raw" / ".DS_Store").write_bytes(b"\0\1\2Bud1")
    git(corpus_repo, "add", "-A")
    hidden = ["raw/.gitkeep", "raw/.DS_Store"]
    result = pre_commit(corpus_repo, home, "cleaner-check", "--verbose", "--files", *hidden)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "raw/.gitkeep: hidden" in result.stdout and "Passed" in result.stdout
    synced = pre_commit(corpus_repo, home, "cleaner-sync", "--all-files")
    assert synced.returncode == 1, synced.stdout + synced.stderr
    git(corpus_repo, "add", "-A")
    again = pre_commit(corpus_repo, home, "cleaner-check", "--files", *hidden)
    assert again.returncode == 0, again.stdout + again.stderr


def readme_config(folder: str) -> dict:  # type: ignore[type-arg]
    """The README's pre-commit YAML for raw files in ``folder``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## pre-commit\n(.*?)(?=^#+ )", readme, flags=re.M | re.S)
    assert match, "README has no pre-commit section"
    blocks = re.findall(r"```yaml\n(.*?)```", match.group(1), flags=re.S)
    [config] = [yaml.safe_load(b) for b in blocks if folder in b]
    return config  # type: ignore[no-any-return]


def test_the_readme_config_for_other_folders_runs_both_hooks(
    tmp_path: Path, hook_repo: tuple[Path, str], home: Path
) -> None:
    """The README's YAML for data/raw and data/clean, pasted as it is: both hooks run
    on data/raw (not "Skipped" because their patterns name raw/), sync builds
    data/clean, and check then compares with it."""
    repo_path, rev = hook_repo
    config = readme_config("data/raw")
    for entry in config["repos"]:
        entry["repo"], entry["rev"] = str(repo_path), rev
    repo = tmp_path / "data-repo"
    shutil.copytree(SEEDS / "raw", repo / "data" / "raw")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    first = pre_commit(repo, home, "--all-files")
    out = first.stdout + first.stderr
    assert first.returncode == 1 and "Skipped" not in out, out
    assert re.search(r"cleaner check\.+Passed", out) and re.search(r"cleaner sync\.+Failed", out)
    assert (repo / "data" / "clean" / "manifest.json").is_file() and not (repo / "clean").exists()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "raw and clean")
    copy = repo / "data" / "raw" / "copy_of_seed.txt"
    copy.write_text(next((SEEDS / "raw").glob("*.txt")).read_text())
    git(repo, "add", "-A")
    check = pre_commit(repo, home, "cleaner-check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "data/raw/copy_of_seed.txt: near-duplicate of" in check.stdout


def test_check_on_a_new_repository_judges_files_alone(
    tmp_path: Path, hook_repo: tuple[Path, str], home: Path
) -> None:
    repo_path, rev = hook_repo
    repo = tmp_path / "new"
    shutil.copytree(SEEDS / "raw", repo / "raw")
    config = {"repos": [{"repo": str(repo_path), "rev": rev, "hooks": [{"id": "cleaner-check"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    first = pre_commit(repo, home, "cleaner-check", "--all-files", "--verbose")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "no corpus yet" in first.stdout and not (repo / "clean").exists()

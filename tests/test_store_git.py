"""The store with real git: clean merges of concurrent additions, clean status."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skillmeat_profiles import DeploymentProfileCreate, ProfileRepository

pytestmark = [
    pytest.mark.git,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a fixed identity and no user configuration."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def profile(profile_id: str, platform: str = "claude_code") -> DeploymentProfileCreate:
    """A profile input."""
    return DeploymentProfileCreate(profile_id=profile_id, platform=platform)


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare repository holding one commit with a project of two profiles."""
    seed = tmp_path / "seed"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    repo = ProfileRepository(seed, clock=lambda: T0)
    repo.create_project("app")
    repo.create("app", profile("bbb"))
    repo.create("app", profile("mmm", "codex"))
    repo.create("app", profile("yyy", "gemini"))
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "profiles")
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(bare))
    return bare


def test_two_clones_add_profiles_and_merge_cleanly(
    origin: Path, tmp_path: Path
) -> None:
    """Two clones add different profiles; the merge is clean and loads both."""
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    for clone in (alice, bob):
        git(tmp_path, "clone", "-q", str(origin), str(clone))
    ProfileRepository(alice, clock=lambda: T0).create("app", profile("ccc", "cursor"))
    git(alice, "commit", "-q", "-am", "add ccc")
    git(alice, "push", "-q", "origin", "main")
    ProfileRepository(bob, clock=lambda: T0).create("app", profile("zzz", "other"))
    git(bob, "commit", "-q", "-am", "add zzz")
    git(bob, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    merged = ProfileRepository(bob).list_by_project("app")
    assert [p.profile_id for p in merged] == ["bbb", "ccc", "mmm", "yyy", "zzz"]
    assert git(bob, "status", "--porcelain") == ""


def test_lock_and_temp_files_stay_out_of_git_status(
    origin: Path, tmp_path: Path
) -> None:
    """After writes and a crashed writer's temp, git status shows only real changes."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    repo = ProfileRepository(clone, clock=lambda: T0)
    repo.read_by_id("app/bbb")
    assert git(clone, "status", "--porcelain") == ""
    repo.create("app", profile("ccc"))
    (repo.profiles_dir / f".app.toml.{'a' * 32}.tmp").write_text("partial")
    assert git(clone, "status", "--porcelain", "--untracked-files=all") == (
        " M .skillmeat/profiles/app.toml\n"
    )


def test_upgrade_backup_is_visible_in_git_status(tmp_path: Path) -> None:
    """The backup of an upgraded version-1 file shows up, even under a *.bak ignore."""
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / ".gitignore").write_text("*.bak\n")
    repo = ProfileRepository(work, clock=lambda: T0)
    repo.create_project("seed")
    legacy = Path(__file__).parent / "fixtures" / "v1" / "legacy.toml"
    shutil.copyfile(legacy, repo.path_for("legacy"))
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "legacy")
    repo.migrate()
    status = git(work, "status", "--porcelain", "--untracked-files=all")
    assert status == (
        " M .skillmeat/profiles/legacy.toml\n"
        "?? .skillmeat/profiles/legacy.toml.v1.bak\n"
    )

"""Concurrency: several processes writing one project at once lose nothing."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING, Any

from skillmeat_profiles import ProfileRepository

if TYPE_CHECKING:
    from pathlib import Path

#: One worker: waits for the start signal, then runs its share of the work.
WORKER = """
import os, sys, time
from datetime import UTC, datetime

from skillmeat_profiles import (
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    ProfileRepository,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def work(repo, worker, count, mixed):
    for index in range(count):
        profile_id = f"w{worker}-{index:02d}"
        repo.create(
            "demo", DeploymentProfileCreate(profile_id=profile_id, platform="codex")
        )
        if mixed and index % 3 == 1:
            repo.update(
                "demo", profile_id, DeploymentProfileUpdate(description=f"by {worker}")
            )
        if mixed and index % 3 == 2:
            repo.delete("demo", profile_id)


def main(root, worker, count, mixed, go):
    repo = ProfileRepository(root, clock=lambda: T0, lock_timeout=60)
    while not os.path.exists(go):
        time.sleep(0.001)
    work(repo, worker, count, mixed)
"""


def run_workers(root: Path, workers: int, count: int, *, mixed: bool) -> None:
    """Start the workers together and wait for all of them to succeed."""
    go = root / "go"
    children = []
    for worker in range(workers):
        script = (
            WORKER + f"\nmain({str(root)!r}, {worker}, {count}, {mixed}, {str(go)!r})\n"
        )
        children.append(subprocess.Popen([sys.executable, "-c", script]))
    go.write_text("")
    codes = [child.wait(timeout=300) for child in children]
    assert codes == [0] * workers


def expected_file(root: Path, workers: int, count: int, *, mixed: bool) -> bytes:
    """The file the same work gives when done one worker after the other."""
    namespace: dict[str, Any] = {}
    exec(WORKER, namespace)
    repo = ProfileRepository(root, clock=lambda: namespace["T0"])
    repo.create_project("demo")
    for worker in range(workers):
        namespace["work"](repo, worker, count, mixed)
    return repo.path_for("demo").read_bytes()


def new_store(root: Path) -> ProfileRepository:
    """A store with the empty project ``demo``, stamped like the workers' files."""
    namespace: dict[str, Any] = {}
    exec(WORKER, namespace)
    repo = ProfileRepository(root, clock=lambda: namespace["T0"])
    repo.create_project("demo")
    return repo


def test_concurrent_creates_lose_nothing(tmp_path: Path) -> None:
    """Four processes creating different profiles in one project: all of them stay."""
    from tests.reliability._scale import size

    count = size(8)
    repo = new_store(tmp_path / "store")
    run_workers(repo.root, 4, count, mixed=False)
    ids = [p.profile_id for p in ProfileRepository(repo.root).list_by_project("demo")]
    assert ids == sorted(f"w{w}-{i:02d}" for w in range(4) for i in range(count))


def test_concurrent_mixed_writes_give_the_expected_file(tmp_path: Path) -> None:
    """Creates, updates and deletes from four processes give the expected bytes."""
    from tests.reliability._scale import size

    count = size(9)
    repo = new_store(tmp_path / "store")
    run_workers(repo.root, 4, count, mixed=True)
    expected = expected_file(tmp_path / "replay", 4, count, mixed=True)
    assert repo.path_for("demo").read_bytes() == expected
    temps = [p.name for p in repo.profiles_dir.iterdir() if p.name.endswith(".tmp")]
    assert temps == []

"""Racing writers: processes and threads doing mixed operations on shared projects.

Run as a module, this is one writer process: ``python -m tests.reliability._races
ROOT LOG PROCESS THREADS OPS SEED``. Each thread writes its own profiles in
several projects and increments a shared counter profile per project (a
read-modify-write in a transaction, which loses increments if the lock does
not serialise writers), and logs every write once it has returned.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from skillmeat_profiles import (
    ArtifactType,
    Deployment,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    ProfileRepository,
    ProfilesError,
    Project,
    from_toml,
)

from ._kills import child_env

__all__ = ["PROJECTS", "RaceReport", "run_race", "run_thread_race"]

#: The projects every writer writes; the first is the one the reader hammers.
PROJECTS: Final = ("shared", "side-a", "side-b")
COUNTER: Final = "counter"
_REPO_ROOT: Final = Path(__file__).resolve().parents[2]
_STAMP: Final = datetime(2026, 12, 4, tzinfo=UTC)


class _Writer:
    """One thread's writes, logged as they are acknowledged."""

    def __init__(
        self, repo: ProfileRepository, tag: str, log: int, rng: random.Random
    ) -> None:
        self.repo = repo
        self.tag = tag
        self.log = log
        self.rng = rng
        self.own: dict[str, dict[str, str]] = {project: {} for project in PROJECTS}
        self.recorded: dict[str, set[str]] = {project: set() for project in PROJECTS}

    def emit(self, **entry: Any) -> None:
        os.write(self.log, (json.dumps(entry) + "\n").encode())

    def step(self, number: int) -> None:
        project = self.rng.choice(PROJECTS)
        own = self.own[project]
        token = f"{self.tag}-{number}-{self.rng.randrange(10**6)}"
        choice = self.rng.random()
        free = sorted(set(own) - {key.split(":")[0] for key in self.recorded[project]})
        if not own or choice < 0.3:
            pid = f"{self.tag}-{number}"
            self.repo.create(
                project,
                DeploymentProfileCreate(
                    profile_id=pid, platform="claude_code", description=token
                ),
            )
            own[pid] = token
            self.emit(project=project, op="create", pid=pid, desc=token)
        elif choice < 0.5:
            pid = self.rng.choice(sorted(own))
            self.repo.update(project, pid, DeploymentProfileUpdate(description=token))
            own[pid] = token
            self.emit(project=project, op="update", pid=pid, desc=token)
        elif choice < 0.6 and free:
            pid = self.rng.choice(free)
            self.repo.delete(project, pid)
            del own[pid]
            self.emit(project=project, op="delete", pid=pid)
        elif choice < 0.8:
            self.increment(project)
            self.emit(project=project, op="increment")
        else:
            pid = f"{self.tag}-{number}"
            record = Deployment(
                artifact_name=f"s{number}",
                artifact_type=ArtifactType.SKILL,
                artifact_path=f".claude/skills/s{number}",
                deployed_at=_STAMP,
                deployment_profile_id=pid,
            )
            with self.repo.transaction(project) as tx:
                tx.create(
                    DeploymentProfileCreate(
                        profile_id=pid, platform="codex", description=token
                    )
                )
                tx.record_deployment(record)
                counter = tx.get(COUNTER)
                value = int(counter.description or "0") + 1
                tx.update(COUNTER, DeploymentProfileUpdate(description=str(value)))
            own[pid] = token
            self.recorded[project].add(record.key)
            self.emit(
                project=project, op="transaction", pid=pid, desc=token, key=record.key
            )
        # Read your own writes: every acknowledged profile of this thread is there.
        present = {
            p.profile_id: p.description for p in self.repo.list_by_project(project)
        }
        missing = {pid for pid, d in own.items() if present.get(pid) != d}
        if missing:
            self.emit(project=project, op="error", error=f"missing own {missing}")

    def increment(self, project: str) -> None:
        with self.repo.transaction(project) as tx:
            counter = tx.get(COUNTER)
            value = int(counter.description or "0") + 1
            tx.update(COUNTER, DeploymentProfileUpdate(description=str(value)))


def _process(root: str, log_path: str, index: int, threads: int, ops: int) -> None:
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    # Half the threads share one repository object, the others have their own.
    shared = ProfileRepository(root, lock_timeout=120.0)

    def work(thread: int) -> None:
        repo = (
            shared if thread % 2 == 0 else ProfileRepository(root, lock_timeout=120.0)
        )
        writer = _Writer(
            repo, f"w{index}-{thread}", log, random.Random(index * 97 + thread)
        )
        for number in range(ops):
            try:
                writer.step(number)
            except ProfilesError as error:
                writer.emit(op="error", error=f"{type(error).__name__}: {error}")

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


class RaceReport:
    """What a race did: acknowledged writes, reads by the hammering reader, items lost."""

    def __init__(self) -> None:
        self.writes = 0
        self.reads = 0
        self.lost = 0
        self.errors: list[str] = []

    def __repr__(self) -> str:
        return (
            f"RaceReport(writes={self.writes}, reads={self.reads}, lost={self.lost}, "
            f"errors={len(self.errors)})"
        )


def _hammer(path: Path, stop: threading.Event, report: RaceReport) -> None:
    """Read the file's raw bytes again and again; each read must be a whole file."""
    root = path.parents[2]
    while not stop.is_set():
        try:
            data = path.read_bytes()
            project = from_toml(data.decode("utf-8"), Project, path=str(path))
            assert project.project_id == path.stem
            ProfileRepository(root).get_project(path.stem)
        except (OSError, ProfilesError, UnicodeDecodeError, AssertionError) as error:
            report.errors.append(f"reader saw a partial file: {error!r}")
            return
        report.reads += 1


def _expected(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    expected: dict[str, dict[str, Any]] = {
        project: {"profiles": {}, "records": set(), "counter": 0}
        for project in PROJECTS
    }
    for entry in entries:
        if entry["op"] == "error":
            continue
        state = expected[entry["project"]]
        if entry["op"] in ("create", "update", "transaction"):
            state["profiles"][entry["pid"]] = entry["desc"]
        if entry["op"] == "delete":
            del state["profiles"][entry["pid"]]
        if entry["op"] in ("increment", "transaction"):
            state["counter"] += 1
        if entry["op"] == "transaction":
            state["records"].add(entry["key"])
    return expected


def _setup(root: Path) -> ProfileRepository:
    repo = ProfileRepository(root)
    for project in PROJECTS:
        repo.create_project(project)
        repo.create(
            project,
            DeploymentProfileCreate(
                profile_id=COUNTER, platform="other", description="0"
            ),
        )
    return repo


def _check(root: Path, logs: list[Path], report: RaceReport) -> None:
    """Compare the files with the acknowledged writes of the ``logs``."""
    entries = [
        json.loads(line)
        for log in logs
        if log.exists()
        for line in log.read_text().splitlines()
    ]
    report.errors += [entry["error"] for entry in entries if entry["op"] == "error"]
    report.writes = sum(1 for entry in entries if entry["op"] != "error")
    expected = _expected(entries)
    fresh = ProfileRepository(root)
    for project in PROJECTS:
        want = expected[project]
        actual = fresh.get_project(project)
        profiles = {p.profile_id: p.description for p in actual.deployment_profiles}
        counter = profiles.pop(COUNTER)
        records = {r.key for r in actual.deployments}
        report.lost += sum(
            1 for pid, desc in want["profiles"].items() if profiles.get(pid) != desc
        )
        report.lost += len(want["records"] - records)
        report.lost += max(0, want["counter"] - int(counter or "0"))
        assert profiles == want["profiles"], f"{project}: profiles differ"
        assert records == want["records"], f"{project}: records differ"
        assert counter == str(want["counter"]), (
            f"{project}: counter is {counter}, expected {want['counter']}"
        )
    assert report.errors == [], report.errors[:5]
    assert report.reads > 0, "the reader never read the file"


def run_thread_race(root: Path, *, threads: int, ops: int) -> RaceReport:
    """Race ``threads`` writer threads of this process, with a reader; see ``run_race``."""
    repo = _setup(root)
    report = RaceReport()
    stop = threading.Event()
    reader = threading.Thread(
        target=_hammer, args=(repo.path_for(PROJECTS[0]), stop, report)
    )
    reader.start()
    log = root / "writer.log"
    try:
        _process(str(root), str(log), 0, threads, ops)
    finally:
        stop.set()
        reader.join()
    _check(root, [log], report)
    return report


def run_race(
    root: Path, *, processes: int, threads: int, ops: int, seed: int = 0
) -> RaceReport:
    """Race ``processes`` x ``threads`` writers of ``ops`` writes each, with a reader.

    Afterwards every acknowledged write must be in the files, nothing else
    (no unacknowledged profile, no lost increment of a counter), and the
    reader must never have seen a partial file. Raises ``AssertionError``.
    """
    repo = _setup(root)
    report = RaceReport()
    stop = threading.Event()
    reader = threading.Thread(
        target=_hammer, args=(repo.path_for(PROJECTS[0]), stop, report)
    )
    reader.start()
    logs = [root / f"writer-{index}.log" for index in range(processes)]
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                __name__,
                str(root),
                str(log),
                str(index + seed * processes),
                str(threads),
                str(ops),
            ],
            env=child_env(),
            cwd=_REPO_ROOT,
        )
        for index, log in enumerate(logs)
    ]
    try:
        codes = [child.wait(timeout=600) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
        stop.set()
        reader.join()
    assert codes == [0] * processes, f"writer processes failed: {codes}"
    _check(root, logs, report)
    return report


if __name__ == "__main__":
    _process(
        sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    )

"""Killed writers: a child process writes in a loop until SIGKILL, the parent checks what is left.

Run as a module, this is the child: ``python -m tests.reliability._kills ROOT LOG
SEED [KILL_AT]``. It logs the state it is about to write (``intent``) and, once
the write has returned, the same state again (``ack``), with one ``write(2)``
each, which survives SIGKILL. ``KILL_AT`` (``replace:3``) makes the child kill
itself at the third call of ``os.replace``, ``os.fsync``, ``os.write`` or of
an ``os.open`` that creates a file; without it the parent kills the child
after a random delay.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from skillmeat_profiles import (
    ArtifactType,
    Deployment,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    Platform,
    ProfileRepository,
    Project,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "KILL_POINTS",
    "PROJECT",
    "KillReport",
    "child_env",
    "kill_once",
    "prepare",
    "run_kill_rounds",
    "state_of",
    "temp_files",
]

#: The project every killed writer writes.
PROJECT: Final = "killed"
#: The functions a child can kill itself inside of.
KILL_POINTS: Final = ("open", "write", "fsync", "replace")
_REPO_ROOT: Final = Path(__file__).resolve().parents[2]
_STAMP: Final = datetime(2026, 12, 4, tzinfo=UTC)

State = dict[str, Any]
Profiles = dict[str, str | None]


def state_of(project: Project) -> State:
    """What a writer controls in ``project``: each profile's description, the record keys."""
    return {
        "profiles": {p.profile_id: p.description for p in project.deployment_profiles},
        "records": sorted(r.key for r in project.deployments),
    }


def temp_files(folder: Path) -> list[str]:
    """The names of temp files in ``folder``."""
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def child_env() -> dict[str, str]:
    """The environment of a child process: this checkout first on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(_REPO_ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    return env


# --- the child --------------------------------------------------------------


def _record(profile_id: str, name: str) -> Deployment:
    return Deployment(
        artifact_name=name,
        artifact_type=ArtifactType.SKILL,
        artifact_path=f".claude/skills/{name}",
        deployed_at=_STAMP,
        deployment_profile_id=profile_id,
    )


def _plan(
    state: State, rng: random.Random, step: str
) -> tuple[State, Callable[[ProfileRepository], object]]:
    """The next operation: the state it leads to and how to perform it."""
    profiles: dict[str, str | None] = dict(state["profiles"])
    records: list[str] = list(state["records"])
    used = {key.split(":", 1)[0] for key in records}
    free = sorted(pid for pid in profiles if pid not in used)
    token = f"d{step}-{rng.randrange(10**6)}"
    choice = rng.random()
    if not profiles or choice < 0.3:
        pid = f"p{step}"
        profiles[pid] = token
        create = DeploymentProfileCreate(
            profile_id=pid, platform=rng.choice(list(Platform)), description=token
        )
        return _state(profiles, records), lambda repo: repo.create(PROJECT, create)
    if choice < 0.55:
        pid = rng.choice(sorted(profiles))
        profiles[pid] = token
        change = DeploymentProfileUpdate(description=token)
        return _state(profiles, records), lambda repo: repo.update(PROJECT, pid, change)
    if choice < 0.7 and free and len(profiles) > 3:
        pid = rng.choice(free)
        del profiles[pid]
        return _state(profiles, records), lambda repo: repo.delete(PROJECT, pid)
    # A transaction: two profiles created, one updated, a record added, and
    # (with many profiles) a record and its profile dropped.
    first, second = f"p{step}a", f"p{step}b"
    target = rng.choice(sorted(profiles))
    drop = records[0] if len(profiles) > 8 and records else None
    profiles[first] = token + "a"
    profiles[second] = token + "b"
    profiles[target] = token
    record = _record(first, f"s{step}")
    records.append(record.key)
    if drop is not None:
        records.remove(drop)
        del profiles[drop.split(":", 1)[0]]

    def transaction(repo: ProfileRepository) -> None:
        with repo.transaction(PROJECT) as tx:
            tx.create(
                DeploymentProfileCreate(
                    profile_id=first, platform=Platform.CODEX, description=token + "a"
                )
            )
            tx.create(
                DeploymentProfileCreate(
                    profile_id=second, platform="gemini", description=token + "b"
                )
            )
            tx.update(target, DeploymentProfileUpdate(description=token))
            tx.record_deployment(record)
            if drop is not None:
                tx.delete_deployment(drop)
                tx.delete(drop.split(":", 1)[0])

    return _state(profiles, records), transaction


def _state(profiles: dict[str, str | None], records: list[str]) -> State:
    return {"profiles": profiles, "records": sorted(records)}


def _arm(point: str, nth: int) -> None:
    """Make this process SIGKILL itself at the ``nth`` call of ``os.<point>``."""
    original = getattr(os, point)
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        creating = point != "open" or bool(args[1] & os.O_CREAT)
        if creating:
            calls += 1
            if calls == nth:
                os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(os, point, wrapper)


def _child(root: str, log_path: str, seed: int, kill_at: str | None) -> None:
    repo = ProfileRepository(root, lock_timeout=30.0)
    state = state_of(repo.get_project(PROJECT))
    rng = random.Random(seed)
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def emit(kind: str, value: State) -> None:
        os.write(log, (json.dumps([kind, value]) + "\n").encode())

    # The parent starts its clock (or the armed kill starts counting) here.
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    if kill_at is not None:
        point, nth = kill_at.split(":")
        _arm(point, int(nth))
    step = 0
    while True:
        step += 1
        # Ids name the round too: a killed round's ids are never reused.
        intended, perform = _plan(state, rng, f"{seed}-{step}")
        emit("intent", intended)
        perform(repo)
        emit("ack", intended)
        state = intended


# --- the parent ---------------------------------------------------------------


class KillReport:
    """What a series of kills did: kills, acknowledged writes, items lost."""

    def __init__(self) -> None:
        self.kills = 0
        self.acknowledged = 0
        self.in_flight = 0
        self.lost = 0
        self.temps_seen = 0

    def __repr__(self) -> str:
        return (
            f"KillReport(kills={self.kills}, acknowledged={self.acknowledged}, "
            f"in_flight={self.in_flight}, lost={self.lost}, temps_seen={self.temps_seen})"
        )


def _read_log(path: Path) -> list[tuple[str, State]]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        kind, state = json.loads(line)
        entries.append((kind, state))
    return entries


def _lost(expected: State, actual: State) -> int:
    """How many acknowledged profiles and records ``actual`` lacks or holds wrongly."""
    profiles = expected["profiles"]
    missing = sum(
        1
        for pid, description in profiles.items()
        if pid not in actual["profiles"]
        or (description is not None and actual["profiles"][pid] != description)
    )
    return missing + len(set(expected["records"]) - set(actual["records"]))


def kill_once(
    root: Path, number: int, kill_at: str | None, report: KillReport, delay: float
) -> list[str]:
    """Start a writer, SIGKILL it (``kill_at``, or after ``delay`` s), check the file.

    The file must parse and hold either the last acknowledged state or the
    one being written, and the next write (made here) must leave no temp
    file behind. Returns the temp files the dead writer left.
    """
    folder = ProfileRepository(root).profiles_dir
    start = state_of(ProfileRepository(root).get_project(PROJECT))
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    log = logs / f"round-{number}.log"
    argv = [sys.executable, "-m", __name__, str(root), str(log), str(number)]
    child = subprocess.Popen(
        [*argv, *([kill_at] if kill_at else [])],
        stdout=subprocess.PIPE,
        env=child_env(),
        cwd=_REPO_ROOT,
    )
    assert child.stdout is not None
    try:
        ready = child.stdout.readline()
        assert ready == b"ready\n", f"the writer did not start: {ready!r}"
        if kill_at is None:
            time.sleep(delay)
            child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:  # an armed kill that never came
            child.kill()
            child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL, (
        f"the writer ended with {child.returncode}, not SIGKILL ({kill_at})"
    )
    report.kills += 1
    entries = _read_log(log)
    acked = [state for kind, state in entries if kind == "ack"]
    committed = acked[-1] if acked else start
    allowed = [committed]
    if entries and entries[-1][0] == "intent":
        allowed.append(entries[-1][1])
    report.acknowledged += len(acked)
    actual = state_of(ProfileRepository(root).get_project(PROJECT))
    report.in_flight += actual != committed
    report.lost += min(_lost(state, actual) for state in allowed)
    assert actual in allowed, (
        f"after kill {number} ({kill_at or 'timed'}) the file holds {actual}, "
        f"neither the acknowledged state {committed} nor the one in flight"
    )
    left = temp_files(folder)
    report.temps_seen += len(left)
    # The next write cleans up after the dead writer.
    ProfileRepository(root).update(
        PROJECT,
        next(iter(actual["profiles"]), "") or _witness(root),
        DeploymentProfileUpdate(description=f"after kill {number}"),
    )
    assert temp_files(folder) == [], (
        f"temp files survived the next write: {temp_files(folder)}"
    )
    return left


def prepare(root: Path) -> None:
    """Create the project the writers write, if it is not there."""
    repo = ProfileRepository(root)
    if PROJECT not in repo.project_ids():
        repo.create_project(PROJECT)


def run_kill_rounds(root: Path, rounds: int, *, seed: int = 0) -> KillReport:
    """Start and SIGKILL a writer ``rounds`` times, half at random moments and
    half inside a chosen system call; check the file after each kill."""
    rng = random.Random(seed)
    prepare(root)
    report = KillReport()
    for number in range(rounds):
        kill_at = (
            None
            if number % 2 == 0
            else f"{rng.choice(KILL_POINTS)}:{rng.randint(1, 16)}"
        )
        kill_once(root, number, kill_at, report, rng.uniform(0.0, 0.04))
    return report


def _witness(root: Path) -> str:
    """A profile for the parent's own write when the project has none."""
    ProfileRepository(root).create(
        PROJECT, DeploymentProfileCreate(profile_id="witness", platform="claude_code")
    )
    return "witness"


if __name__ == "__main__":
    _child(
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        sys.argv[4] if len(sys.argv) > 4 else None,
    )

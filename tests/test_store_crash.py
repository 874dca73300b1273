"""Crash safety: a writer killed with SIGKILL at random never leaves a torn file."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import pytest

from skillmeat_profiles import ProfileRepository

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"
)

#: The writer, run in a child (which imports only the library, to start fast)
#: and replayed in the test to know every state the file passes through.
WRITER = """
import sys
from datetime import UTC, datetime

from skillmeat_profiles import (
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    ProfileRepository,
)

OPS = 120
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def step(repo, index):
    kind = index % 4
    if kind in (0, 1):
        repo.create(
            "demo",
            DeploymentProfileCreate(profile_id=f"p{index:03d}", platform="claude_code"),
        )
    elif kind == 2:
        repo.update(
            "demo",
            f"p{index - 2:03d}",
            DeploymentProfileUpdate(description=f"changed at step {index}"),
        )
    else:
        repo.delete("demo", f"p{index - 3:03d}")


def writer(root, start):
    repo = ProfileRepository(root, clock=lambda: T0)
    for index in range(start, OPS):
        step(repo, index)
        sys.stdout.write(f"{index}\\n")
        sys.stdout.flush()
"""


def load_writer() -> dict[str, Any]:
    """The writer's functions, in this process."""
    namespace: dict[str, Any] = {}
    exec(WRITER, namespace)
    return namespace


def committed_states(root: Path) -> list[bytes]:
    """Every content the file has between steps, replayed in-process."""
    code = load_writer()
    repo = ProfileRepository(root, clock=lambda: code["T0"])
    repo.create_project("demo")
    states = [repo.path_for("demo").read_bytes()]
    for index in range(code["OPS"]):
        code["step"](repo, index)
        states.append(repo.path_for("demo").read_bytes())
    return states


def test_sigkill_never_tears_the_file(tmp_path: Path) -> None:
    """After every kill the file parses and is the last reported state or the next."""
    from tests.reliability._scale import size

    states = committed_states(tmp_path / "replay")
    position = {content: index for index, content in enumerate(states)}
    assert len(position) == len(states)
    ops = len(states) - 1
    root = tmp_path / "store"
    ProfileRepository(root, clock=lambda: load_writer()["T0"]).create_project("demo")
    path = ProfileRepository(root).path_for("demo")
    rng = random.Random(1234)
    done = 0
    reached = 0
    for _ in range(size(30)):
        if reached >= ops:
            reached = 0
            path.write_bytes(states[0])
        script = WRITER + f"\nwriter({str(root)!r}, {reached})\n"
        with subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
        ) as child:
            assert child.stdout is not None
            # Wait for the first commit, so that the kill lands inside the loop.
            first = child.stdout.readline()
            time.sleep(rng.uniform(0, 0.03))
            child.send_signal(signal.SIGKILL)
            output = first + child.stdout.read()
        assert first, "the writer died before its first commit"
        reported = [int(line) for line in output.split()]
        content = path.read_bytes()
        assert content in position, "the file is not one of the committed states"
        index = position[content]
        # states[i + 1] is the file after step i: the last reported step, or
        # the one that was in flight when the kill came.
        assert index in (reported[-1] + 1, reported[-1] + 2)
        ProfileRepository(root).get_project("demo")
        reached = index
        done += 1
    assert done == size(30)
    temps = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(temps) <= done

"""Writers killed with SIGKILL at random points leave a committed state and no temp file."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from ._kills import KILL_POINTS, KillReport, kill_once, prepare, run_kill_rounds
from ._scale import SIZES, size

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGKILL and fork-free subprocess kills are POSIX"
)


def test_killed_writers_leave_a_committed_state(tmp_path: Path) -> None:
    """After each of many kills the file parses and holds an acknowledged or the
    in-flight state; nothing acknowledged is lost and no temp outlives the next write."""
    rounds = size(SIZES["kills"])
    report = run_kill_rounds(tmp_path, rounds)
    assert (report.kills, report.lost) == (rounds, 0)


@pytest.mark.parametrize("point", KILL_POINTS)
@pytest.mark.parametrize("nth", [1, 2, 5])
def test_kill_inside_each_system_call(tmp_path: Path, point: str, nth: int) -> None:
    """A writer killed inside open, write, fsync or replace loses nothing acknowledged."""
    prepare(tmp_path)
    report = KillReport()
    kill_once(tmp_path, 0, f"{point}:{nth}", report, 0.0)
    assert (report.kills, report.lost) == (1, 0)


def test_kill_before_the_rename_leaves_a_temp_the_next_write_removes(
    tmp_path: Path,
) -> None:
    """Killed after its temp file is written but before the rename, a writer
    leaves the old file and a temp file; the next write removes the temp."""
    prepare(tmp_path)
    report = KillReport()
    left = kill_once(tmp_path, 0, "replace:1", report, 0.0)
    assert (len(left), report.in_flight, report.lost) == (1, 0, 0)

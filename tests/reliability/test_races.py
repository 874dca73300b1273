"""Racing processes and threads lose no acknowledged write; a reader never sees a partial file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._races import run_race, run_thread_race
from ._scale import SIZES, size

if TYPE_CHECKING:
    from pathlib import Path


def test_racing_processes_and_threads(tmp_path: Path) -> None:
    """Processes of several threads create, update, delete and increment counters in
    one shared and two side projects: every acknowledged write is there, no more."""
    ops = size(SIZES["race_ops"])
    report = run_race(tmp_path, processes=3, threads=2, ops=ops)
    assert (report.writes, report.lost, report.errors) == (3 * 2 * ops, 0, [])


def test_racing_threads_of_one_process(tmp_path: Path) -> None:
    """Threads sharing one repository object, and threads with their own, lose nothing."""
    ops = size(SIZES["race_ops"])
    report = run_thread_race(tmp_path, threads=4, ops=ops)
    assert (report.writes, report.lost, report.errors) == (4 * ops, 0, [])


def test_reader_hammering_during_writes_sees_whole_files(tmp_path: Path) -> None:
    """A reader looping on the file's raw bytes while writers replace it parses each read."""
    report = run_race(tmp_path, processes=2, threads=1, ops=size(SIZES["race_ops"]))
    assert report.reads > 0
    assert report.errors == []

"""Faults in the middle of a write leave the previous file byte for byte and no temp file."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest

from ._faults import OPERATIONS, POINTS, check_fault, run_fault_matrix
from ._scale import SIZES, size

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("point", ["write", "fsync", "replace"])
@pytest.mark.parametrize("error", ["ENOSPC", "EIO", "KeyboardInterrupt"])
def test_fault_before_the_rename_keeps_the_old_file(
    tmp_path: Path, operation: str, point: str, error: str
) -> None:
    """A failing write, fsync or replace raises ProfilesError (or the interrupt itself)
    and leaves the previous file byte for byte, with no temp file."""
    assert check_fault(tmp_path, operation, point, 1, error) == (
        operation != "delete_project" or point == "fsync"
    )


def test_every_system_call_of_every_write(tmp_path: Path) -> None:
    """Each of the first calls of stat, open, fchmod, write, fsync, replace and close,
    in every kind of write, fails without damage; then random ones do too."""
    counter = itertools.count()

    def make_root() -> Path:
        root = tmp_path / str(next(counter))
        root.mkdir()
        return root

    report = run_fault_matrix(make_root, nths=3, extra=size(SIZES["fault_extra"]))
    assert report.injected > len(OPERATIONS) * len(POINTS)


def test_fault_after_the_rename_keeps_a_whole_new_file(tmp_path: Path) -> None:
    """A failing flush of the folder after the rename leaves the new file, whole."""
    # The second fsync of an update is the folder's, after the rename.
    assert check_fault(tmp_path, "update", "fsync", 2, "EIO")


def test_failing_close_after_a_read_is_harmless(tmp_path: Path) -> None:
    """A failing close after reading the project file fires, raises nothing, leaves no temp."""
    assert check_fault(tmp_path, "update", "close", 1, "EIO")

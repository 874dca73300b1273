"""Hostile trees: links out of the project, read-only folders, full disks, folders for files."""

from __future__ import annotations

import builtins
import errno
import io
import os
import subprocess
from collections.abc import Callable
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from skillmeat_profiles import (
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    ProfileRepository,
    ProfilesError,
    _atomic,
)

from ._faults import inject
from ._kills import state_of, temp_files

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

Operation = Callable[[ProfileRepository], object]

#: Every way to touch a project: each must refuse a hostile tree.
OPERATIONS: dict[str, Operation] = {
    "get_project": lambda repo: repo.get_project("proj"),
    "list_projects": lambda repo: repo.list_projects(),
    "list_by_project": lambda repo: repo.list_by_project("proj"),
    "read_by_id": lambda repo: repo.read_by_id("proj/first"),
    "create": lambda repo: repo.create(
        "proj", DeploymentProfileCreate(profile_id="evil", platform="codex")
    ),
    "update": lambda repo: repo.update(
        "proj", "first", DeploymentProfileUpdate(description="evil")
    ),
    "delete": lambda repo: repo.delete("proj", "first"),
    "create_project": lambda repo: repo.create_project("proj"),
    "create_other_project": lambda repo: repo.create_project("other"),
    "delete_project": lambda repo: repo.delete_project("proj"),
}


def _store_with_project(root: Path) -> Path:
    repo = ProfileRepository(root)
    repo.create_project("proj")
    repo.create("proj", DeploymentProfileCreate(profile_id="first", platform="cursor"))
    return repo.path_for("proj")


def _tree(top: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every entry under ``top``: file bytes (``None`` for folders) and mtime."""
    result: dict[str, tuple[bytes | None, int]] = {}
    for folder, dirs, files in os.walk(top):
        for name in dirs:
            full = os.path.join(folder, name)
            result[os.path.relpath(full, top)] = (None, os.lstat(full).st_mtime_ns)
        for name in files:
            full = os.path.join(folder, name)
            with open(full, "rb") as handle:
                data = handle.read()
            result[os.path.relpath(full, top)] = (data, os.lstat(full).st_mtime_ns)
    return result


@contextmanager
def _watch(outside: Path) -> Iterator[list[str]]:
    """Record every path opened, listed, created or removed that lies in ``outside``."""
    touched: list[str] = []
    real_outside = os.path.realpath(outside)

    def note(path: Any, follow: bool = True) -> None:
        if isinstance(path, int):
            return
        text = os.fspath(path)
        if isinstance(text, bytes):
            text = text.decode()
        # A path opened without following its last link stays where it is.
        where = (
            os.path.realpath(text)
            if follow
            else os.path.join(
                os.path.realpath(os.path.dirname(text)), os.path.basename(text)
            )
        )
        if where == real_outside or where.startswith(real_outside + os.sep):
            touched.append(text)

    originals = {
        name: getattr(os, name)
        for name in (
            "open",
            "replace",
            "unlink",
            "mkdir",
            "listdir",
            "scandir",
            "rmdir",
        )
    }
    real_open = io.open

    def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        note(path, follow=not flags & getattr(os, "O_NOFOLLOW", 0))
        descriptor: int = originals["open"](path, flags, *args, **kwargs)
        return descriptor

    def passthrough(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            for arg in args[:2]:
                note(arg, follow=name not in ("unlink", "replace"))
            return originals[name](*args, **kwargs)

        return call

    def file_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        note(file)
        return real_open(file, *args, **kwargs)

    for name in originals:
        setattr(os, name, os_open if name == "open" else passthrough(name))
    io.open = builtins.open = file_open
    try:
        yield touched
    finally:
        for name, original in originals.items():
            setattr(os, name, original)
        io.open = builtins.open = real_open


def _check_refused(root: Path, outside: Path, *, skip: tuple[str, ...] = ()) -> None:
    """Every operation raises ProfilesError and leaves ``outside`` untouched, unread."""
    before = _tree(outside)
    for name, operation in OPERATIONS.items():
        if name in skip:
            continue
        with _watch(outside) as touched, pytest.raises(ProfilesError) as caught:
            operation(ProfileRepository(root))
        assert "symbolic link" in str(caught.value), f"{name}: {caught.value}"
        assert touched == [], f"{name} touched {touched} outside the store"
    assert _tree(outside) == before


def test_profile_file_linked_out_of_the_store(tmp_path: Path) -> None:
    """A project file that is a link to a file outside the store is neither read,
    written nor deleted, and every operation says so."""
    root, outside = tmp_path / "project", tmp_path / "outside"
    outside.mkdir()
    path = _store_with_project(root)
    victim = outside / "proj.toml"
    path.rename(victim)
    path.symlink_to(victim)
    # Another project's file is not a link: creating it is fine.
    _check_refused(root, outside, skip=("create_other_project",))


@pytest.mark.parametrize("folder", [".skillmeat", ".skillmeat/profiles"])
def test_store_folder_linked_out_of_the_project(tmp_path: Path, folder: str) -> None:
    """A .skillmeat or profiles folder that links out of the project is not followed."""
    root, outside = tmp_path / "project", tmp_path / "outside"
    _store_with_project(root)
    (root / folder).rename(outside)
    (root / folder).symlink_to(outside, target_is_directory=True)
    _check_refused(root, outside)


def test_profile_file_replaced_by_a_folder(tmp_path: Path) -> None:
    """A folder where the project file should be gives a clear error; nothing changes."""
    path = _store_with_project(tmp_path)
    path.unlink()
    path.mkdir()
    (path / "keep.txt").write_text("mine")
    before = _tree(tmp_path)
    for name, operation in OPERATIONS.items():
        if name == "create_other_project":
            continue  # another project's file is fine
        with pytest.raises(ProfilesError, match="folder") as caught:
            operation(ProfileRepository(tmp_path))
        assert caught.value.path == str(path), name
    assert _tree(tmp_path) == before


def test_store_folder_replaced_by_a_file(tmp_path: Path) -> None:
    """A file named .skillmeat where the folder should be gives a clear error."""
    (tmp_path / ".skillmeat").write_text("not a folder")
    with pytest.raises(ProfilesError, match="a file is where a folder should be"):
        ProfileRepository(tmp_path).create_project("proj")
    assert (tmp_path / ".skillmeat").read_text() == "not a folder"


class _ReadOnlyOs:
    """``os`` as a read-only folder makes it look: creating or renaming is refused."""

    def open(self, path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return os.open(path, flags, *args, **kwargs)

    def replace(self, source: Any, target: Any) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), target)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


def test_read_only_store_folder_simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a folder where files cannot be created, a write says to check the
    permissions, keeps the file byte for byte, and reads still work."""
    path = _store_with_project(tmp_path)
    before = path.read_bytes()
    monkeypatch.setattr(_atomic, "os", _ReadOnlyOs())
    for name in ("create", "update", "delete", "create_other_project"):
        with pytest.raises(ProfilesError, match="check the permissions") as caught:
            OPERATIONS[name](ProfileRepository(tmp_path))
        assert caught.value.path is not None, name
    assert path.read_bytes() == before
    assert temp_files(path.parent) == []
    assert ProfileRepository(tmp_path).list_by_project("proj")[0].profile_id == "first"


@pytest.mark.skipif(_AS_ROOT, reason="root ignores folder permissions")
@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_read_only_store_folder(tmp_path: Path) -> None:
    """A store folder without write permission refuses writes with a clear error."""
    path = _store_with_project(tmp_path)
    before = path.read_bytes()
    path.parent.chmod(0o555)
    try:
        with pytest.raises(ProfilesError, match="permission"):
            OPERATIONS["update"](ProfileRepository(tmp_path))
    finally:
        path.parent.chmod(0o755)
    assert path.read_bytes() == before
    assert temp_files(path.parent) == []


def test_full_disk_simulated(tmp_path: Path) -> None:
    """A disk that fills up in the middle of a write says so and keeps the old file."""
    path = _store_with_project(tmp_path)
    before = path.read_bytes()
    enospc = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with (
        inject("write", 1, lambda: enospc) as fault,
        pytest.raises(ProfilesError, match="disk is full"),
    ):
        OPERATIONS["update"](ProfileRepository(tmp_path))
    assert fault.fired
    assert path.read_bytes() == before
    assert temp_files(path.parent) == []


@contextmanager
def _tiny_tmpfs(where: Path) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root on Linux)")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


@pytest.mark.skipif(not _AS_ROOT, reason="mounting a tmpfs needs root")
def test_full_disk_on_a_tiny_tmpfs(tmp_path: Path) -> None:
    """On a real 64 kB file system, profiles are added until the disk is full:
    the last write fails with a clear error and every acknowledged one is kept."""
    with _tiny_tmpfs(tmp_path / "disk") as disk:
        repo = ProfileRepository(disk)
        repo.create_project("proj")
        acknowledged = state_of(repo.get_project("proj"))
        with pytest.raises(ProfilesError, match="disk is full"):  # noqa: PT012
            for number in range(1000):
                repo.create(
                    "proj",
                    DeploymentProfileCreate(
                        profile_id=f"p{number}",
                        platform="claude_code",
                        description=f"{number} " + "x" * 3000,
                    ),
                )
                acknowledged = state_of(repo.get_project("proj"))
        assert state_of(ProfileRepository(disk).get_project("proj")) == acknowledged
        assert len(acknowledged["profiles"]) > 0
        assert temp_files(repo.profiles_dir) == []

"""Atomic, durable file replacement, the sidecar lock, and OS errors with a fix."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ._errors import LockTimeoutError, ProfilesError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "PathLock",
    "fsync_directory",
    "os_error",
    "sweep_stale_temps",
    "temp_pattern",
    "write_atomic",
]

#: A temp file older than this is left over from a crashed writer.
STALE_AFTER: Final = 600.0
#: How long a replace is retried on Windows, where scanners hold files briefly.
REPLACE_RETRY: Final = 1.0

_WINDOWS: Final = os.name == "nt"
_BINARY: Final = getattr(os, "O_BINARY", 0)
_CLOEXEC: Final = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)

_HINTS: Final = {
    errno.EACCES: "check the permissions of the file and its folder",
    errno.EPERM: "check the permissions of the file and its folder",
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EDQUOT: "the disk quota is exceeded; free some space and try again",
    errno.EISDIR: "a folder is where the file should be; move it away",
    errno.ENOTDIR: "a file is where a folder should be; move it away",
    errno.EROFS: "the file system is read-only; use a writable location",
    errno.ELOOP: "too many symbolic links; replace the link with the file itself",
    errno.ENAMETOOLONG: "the path is too long; use a shorter root folder",
    errno.EEXIST: "something is already at that path; move it away",
}


def os_error(
    error: OSError, path: str | os.PathLike[str], action: str
) -> ProfilesError:
    """A ``ProfilesError`` for an ``OSError``: the path, what failed, and what to do."""
    reason = error.strerror or str(error) or type(error).__name__
    hint = _HINTS.get(error.errno or 0, "check that the path is correct and accessible")
    wrapped = ProfilesError(f"cannot {action}: {reason}; {hint}", path=os.fspath(path))
    wrapped.__cause__ = error
    return wrapped


def temp_pattern(name: str) -> re.Pattern[str]:
    """The names of the temp files ``write_atomic`` makes for a file called ``name``."""
    return re.compile(rf"\.{re.escape(name)}\.[0-9a-f]{{32}}\.tmp")


def _fsync(fd: int) -> None:
    # On macOS fsync only reaches the drive's cache; F_FULLFSYNC flushes it.
    if sys.platform == "darwin":  # pragma: no cover - exercised on macOS only
        import fcntl

        full = getattr(fcntl, "F_FULLFSYNC", None)
        if full is not None:
            try:
                fcntl.fcntl(fd, full)
            except OSError:
                pass
            else:
                return
    os.fsync(fd)


def fsync_directory(directory: Path) -> None:
    """Flush a folder's entries, so that a rename in it survives a power cut."""
    if _WINDOWS:  # pragma: no cover - Windows has no directory handles to flush
        return
    fd = os.open(directory, os.O_RDONLY | _CLOEXEC)
    try:
        os.fsync(fd)
    except OSError as error:
        # Some file systems (certain network and FUSE mounts) cannot flush a
        # folder; the rename itself has still happened.
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _replace(source: str, target: Path) -> None:
    deadline = time.monotonic() + REPLACE_RETRY
    while True:
        try:
            os.replace(source, target)
        except PermissionError:
            # Windows: antivirus and indexers open files for a moment and
            # make the rename fail; it succeeds once they let go.
            if not _WINDOWS or time.monotonic() > deadline:
                raise
            time.sleep(0.02)  # pragma: no cover - Windows only
        else:
            return


def _create_temp(path: Path, locked: bool) -> tuple[str, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY | _CLOEXEC
    if not locked:
        temp = os.path.join(path.parent, f".{path.name}.{os.urandom(16).hex()}.tmp")
        return temp, os.open(temp, flags, 0o666)
    # The caller holds the file's lock, so no other writer of this file is
    # running: a temp file of this name is a dead writer's, and goes now.
    temp = os.path.join(path.parent, f".{path.name}.tmp")
    try:
        return temp, os.open(temp, flags, 0o666)
    except FileExistsError:
        os.unlink(temp)
        return temp, os.open(temp, flags, 0o666)


def write_atomic(path: Path, data: bytes, *, locked: bool = False) -> None:
    """Replace ``path`` with ``data`` atomically and durably.

    The bytes go to a new temp file in the same folder (``O_EXCL``), which is
    flushed to the disk and renamed over ``path``; then the
    folder is flushed. The file keeps the permissions of the file it
    replaces; a new file gets ``0o666`` less the umask, which the OS applies
    itself at creation (reading the umask would mean changing it, which is
    not thread-safe). On any failure, including ``KeyboardInterrupt``, the
    temp file is removed and ``path`` is left as it was. Raises ``OSError``.

    With ``locked`` (the caller holds the file's lock), the temp file has the
    fixed name ``.<name>.tmp`` and one left by a killed writer is removed
    first, so that no temp file survives the next write; otherwise it has a
    random name (``.<name>.<hex>.tmp``), which ``sweep_stale_temps`` removes
    once it is old.
    """
    directory = path.parent
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    temp, fd = _create_temp(path, locked)
    try:
        try:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            _fsync(fd)
        finally:
            os.close(fd)
        if mode is not None and not hasattr(os, "fchmod"):  # pragma: no cover
            os.chmod(temp, mode)
        _replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    fsync_directory(directory)


def sweep_stale_temps(path: Path, *, now: float | None = None) -> list[Path]:
    """Remove the temp files a crashed writer of ``path`` left behind; return them.

    Only names of ``write_atomic``'s pattern older than ``STALE_AFTER``
    seconds are removed, so a writer that does not hold the lock is never
    disturbed. Errors are ignored: sweeping is housekeeping.
    """
    pattern = temp_pattern(path.name)
    limit = (time.time() if now is None else now) - STALE_AFTER
    removed: list[Path] = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime < limit:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


class _FlockLock:
    """An exclusive ``flock`` on a sidecar file (POSIX).

    ``flock`` is released by the kernel when its holder dies, so a killed
    writer never leaves the project locked. The file is opened per hold and
    closed on release, so a store of many projects keeps no descriptors open.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, timeout: float) -> bool:
        import fcntl

        deadline = time.monotonic() + timeout
        delay = 0.0005
        while True:
            fd = os.open(
                self.path, os.O_RDWR | os.O_CREAT | _CLOEXEC | _NOFOLLOW, 0o666
            )
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, 0.05)
                continue
            except BaseException:
                os.close(fd)
                raise
            # The lock counts only if it is on the file at that path now; a
            # file unlinked or replaced since we opened it locks nothing.
            try:
                if self._same_file(fd):
                    self._fd = fd
                    return True
            except BaseException:
                # Closing the descriptor drops the lock with it.
                os.close(fd)
                raise
            os.close(fd)  # pragma: no cover - a race with a removed lock file

    def _same_file(self, fd: int) -> bool:
        try:
            current = os.stat(self.path, follow_symlinks=False)
        except FileNotFoundError:  # pragma: no cover - a removed lock file
            return False
        held = os.fstat(fd)
        return (current.st_ino, current.st_dev) == (held.st_ino, held.st_dev)

    def release(self) -> None:
        import fcntl

        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                # The lock is gone with the unlock (or, failing that, with the
                # descriptor); an error closing it loses nothing.
                with contextlib.suppress(OSError):
                    os.close(fd)


class _WindowsLock:  # pragma: no cover - Windows only
    """``filelock``'s ``LockFileEx`` lock, for Windows, which has no ``flock``."""

    def __init__(self, path: Path) -> None:
        import filelock

        self._lock = filelock.FileLock(path, thread_local=False)
        self._timeout = filelock.Timeout

    def acquire(self, timeout: float) -> bool:
        try:
            self._lock.acquire(timeout=timeout)
        except self._timeout:
            return False
        return True

    def release(self) -> None:
        self._lock.release()


class PathLock:
    """The lock of one project file: a thread lock and an OS lock on a sidecar file.

    Threads of one process queue on the thread lock; processes on an OS lock
    of the sidecar file (``flock`` on POSIX, ``LockFileEx`` through
    ``filelock`` on Windows), which the kernel releases if the holder dies.
    Re-entrant in the thread that holds it. The whole wait, for both locks,
    is bounded by ``timeout``.
    """

    def __init__(self, lock_path: Path, data_path: Path, timeout: float) -> None:
        self.lock_path = lock_path
        self.data_path = data_path
        self.timeout = timeout
        self._thread = threading.RLock()
        self._file: _FlockLock | _WindowsLock | None = None
        self._depth = 0

    def _timeout(self) -> LockTimeoutError:
        return LockTimeoutError(
            f"could not lock the file within {self.timeout:g} s: another process "
            f"or thread is writing it (lock file {self.lock_path}); try again, "
            "raise lock_timeout, or end the process that holds it",
            path=str(self.data_path),
        )

    def _file_lock(self) -> _FlockLock | _WindowsLock:
        if self._file is None:
            self._file = (
                _WindowsLock(self.lock_path) if _WINDOWS else _FlockLock(self.lock_path)
            )
        return self._file

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for the block; raise ``LockTimeoutError`` after the timeout."""
        deadline = time.monotonic() + self.timeout
        if not self._thread.acquire(timeout=max(self.timeout, 0)):
            raise self._timeout()
        try:
            if self._depth == 0:
                remaining = max(deadline - time.monotonic(), 0)
                try:
                    acquired = self._file_lock().acquire(remaining)
                except OSError as error:
                    raise os_error(
                        error, self.lock_path, "create the lock file"
                    ) from None
                if not acquired:
                    raise self._timeout()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._file_lock().release()
        finally:
            self._thread.release()

    @property
    def held(self) -> bool:
        """Whether some thread of this process holds the lock now."""
        return self._depth > 0

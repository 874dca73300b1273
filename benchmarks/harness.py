"""The benchmark suite: the file-backed repository against the SQLAlchemy reference.

Every operation is timed for both implementations in the same run, after a
warm-up, in interleaved rounds (the order alternates from one round to the
next), and reported as two medians and their ratio. On noisy machines the
ratio is the figure to quote, not the absolute times.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from skillmeat_profiles import (
    DeploymentProfile,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    Platform,
    Project,
    to_toml,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from _typeshed import HasFileno

__all__ = ["Case", "Op", "Result", "format_table", "machine_info", "main", "measure"]

#: Every repository of the suite uses this clock, so both sides hold equal data.
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
OURS_DEFAULT = "skillmeat_profiles:ProfileRepository"
REF_SPEC = "benchmarks.sqlalchemy_ref:SqlProfileRepository"
_PLATFORMS = (Platform.CLAUDE_CODE, Platform.CODEX, Platform.GEMINI, Platform.CURSOR)
_REPO_PARENT = str(Path(__file__).resolve().parent.parent)


class Tx(Protocol):
    """The operations of ``repo.transaction(project_id)``."""

    def create(self, data: DeploymentProfileCreate) -> DeploymentProfile: ...
    def get(self, profile_id: str) -> DeploymentProfile: ...
    def list(self) -> Sequence[DeploymentProfile]: ...
    def update(
        self, profile_id: str, data: DeploymentProfileUpdate
    ) -> DeploymentProfile: ...
    def delete(self, profile_id: str) -> object: ...


class Repository(Protocol):
    """The repository API both implementations offer."""

    def create_project(
        self, project_id: str, *, name: str | None = ..., path: str | None = ...
    ) -> Project: ...
    def get_project(self, project_id: str) -> Project: ...
    def list_projects(self) -> Sequence[Project]: ...
    def create(
        self, project_id: str, data: DeploymentProfileCreate
    ) -> DeploymentProfile: ...
    def read_by_id(self, profile_id: str) -> DeploymentProfile: ...
    def read_by_project_and_profile_id(
        self, project_id: str, profile_id: str
    ) -> DeploymentProfile: ...
    def list_by_project(self, project_id: str) -> Sequence[DeploymentProfile]: ...
    def update(
        self, project_id: str, profile_id: str, data: DeploymentProfileUpdate
    ) -> DeploymentProfile: ...
    def delete(self, project_id: str, profile_id: str) -> object: ...
    def transaction(self, project_id: str) -> contextlib.AbstractContextManager[Tx]: ...


# --- timing -----------------------------------------------------------------


@dataclass
class Case:
    """One side of an operation: ``run`` is timed, ``before``/``after`` are not.

    ``check`` receives what ``run`` returned, untimed, and raises if it is
    wrong (a stale cache must not pass for a fast one). ``warmup`` is the
    least number of untimed calls before measuring (enough to fill a cache).
    """

    run: Callable[[], object]
    before: Callable[[], object] | None = None
    after: Callable[[], object] | None = None
    check: Callable[[object], None] | None = None
    warmup: int = 0

    def sample(self) -> float:
        """Time one call of ``run``, in seconds."""
        if self.before is not None:
            self.before()
        start = time.perf_counter()
        result = self.run()
        elapsed = time.perf_counter() - start
        if self.check is not None:
            self.check(result)
        if self.after is not None:
            self.after()
        return elapsed


@dataclass
class Op:
    """An operation measured on both implementations."""

    name: str
    target: float | None
    build: Callable[[Suite], tuple[Case, Case]] | None = None
    subprocess: Callable[[Suite], tuple[list[str], list[str]]] | None = None
    note: str = ""
    versus: str = "reference"


@dataclass
class Result:
    """The medians of one operation and their ratio (ours / reference)."""

    name: str
    ours: float
    ref: float
    target: float | None
    samples: int
    note: str = ""
    versus: str = "reference"

    @property
    def ratio(self) -> float:
        """Ours divided by the reference: below 1 means ours is faster."""
        return self.ours / self.ref if self.ref > 0 else float("inf")

    @property
    def met(self) -> bool | None:
        """Whether the ratio meets the target, ``None`` without a target."""
        return None if self.target is None else self.ratio <= self.target


@dataclass
class Settings:
    """How long to measure: rounds, and the time each side gets per round."""

    rounds: int
    round_seconds: float
    warmup: int
    subprocess_runs: int
    min_per_round: int = 3
    max_per_round: int = 500


FULL = Settings(rounds=21, round_seconds=0.06, warmup=5, subprocess_runs=25)
QUICK = Settings(rounds=4, round_seconds=0.01, warmup=2, subprocess_runs=4)


def measure(
    ours: Case, ref: Case, settings: Settings
) -> tuple[list[float], list[float]]:
    """Warm both cases up, then sample them in interleaved rounds."""
    estimates: list[float] = []
    for case in (ours, ref):
        for _ in range(case.warmup):
            case.sample()
        warm = [case.sample() for _ in range(settings.warmup)]
        estimates.append(statistics.median(warm))
    slowest = max(*estimates, 1e-7)
    per_round = max(
        settings.min_per_round,
        min(settings.max_per_round, int(settings.round_seconds / slowest)),
    )
    samples: tuple[list[float], list[float]] = ([], [])
    for index in range(settings.rounds):
        order = (0, 1) if index % 2 == 0 else (1, 0)
        for side in order:
            case = (ours, ref)[side]
            samples[side].extend(case.sample() for _ in range(per_round))
    return samples


def _child_seconds(command: list[str], env: dict[str, str]) -> float:
    completed = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"benchmark child failed ({completed.returncode}): "
            f"{completed.stderr.strip()}"
        )
    return float(completed.stdout.strip().splitlines()[-1])


def measure_subprocess(
    ours: list[str], ref: list[str], settings: Settings, pycache: Path
) -> tuple[list[float], list[float]]:
    """Run both child commands alternately; each prints the seconds it measured.

    The children cache bytecode in ``pycache``, as an installed package has
    it, without writing into the source tree.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (_REPO_PARENT, env.get("PYTHONPATH", "")) if part
    )
    for command in (ours, ref):
        for _ in range(2):  # compiles bytecode and warms the OS caches
            _child_seconds(command, env)
    samples: tuple[list[float], list[float]] = ([], [])
    for index in range(settings.subprocess_runs):
        order = (0, 1) if index % 2 == 0 else (1, 0)
        for side in order:
            samples[side].append(_child_seconds((ours, ref)[side], env))
    return samples


# --- the machine ------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _filesystem(path: Path) -> str:
    # The longest mount point holding ``path`` names its file system type.
    best = ("", "unknown")
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if (
                len(parts) >= 3
                and str(path).startswith(parts[1])
                and len(parts[1]) > len(best[0])
            ):
                best = (parts[1], parts[2])
    return best[1]


def machine_info(directory: Path | None = None) -> dict[str, str]:
    """The machine and the versions a benchmark result depends on."""
    info = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpu": f"{_cpu_model()} ({os.cpu_count()} cores)",
        "skillmeat-profiles": _version("skillmeat-profiles"),
        "sqlalchemy": _version("sqlalchemy"),
        "sqlite": sqlite3.sqlite_version,
        "rtoml": _version("rtoml"),
        "cattrs": _version("cattrs"),
        "attrs": _version("attrs"),
    }
    if directory is not None:
        info["files in"] = f"{directory} ({_filesystem(directory.resolve())})"
    return info


# --- the data ---------------------------------------------------------------


def _load(spec: str) -> Callable[..., Any]:
    module, _, name = spec.partition(":")
    factory: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return factory


def profile_input(index: int, *, prefix: str = "p") -> DeploymentProfileCreate:
    """The ``index``-th profile of a project: built-in defaults, cycling platforms."""
    return DeploymentProfileCreate(
        profile_id=f"{prefix}-{index:02d}",
        platform=_PLATFORMS[index % len(_PLATFORMS)],
        description=f"profile {index:02d} variant-a",
    )


def _store_project(index: int) -> Project:
    profiles = [
        DeploymentProfileCreate(profile_id=str(p), platform=p).build(now=NOW)
        for p in _PLATFORMS[:3]
    ]
    return Project(
        project_id=f"proj-{index:05d}",
        name=f"Project {index}",
        path=f"/home/dev/src/proj-{index:05d}",
        deployment_profiles=profiles,
        created_at=NOW,
        updated_at=NOW,
    )


def _profile_params(profile: DeploymentProfile, project_id: str) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "profile_id": profile.profile_id,
        "platform": profile.platform,
        "root_dir": profile.root_dir,
        "artifact_path_map": {str(k): v for k, v in profile.artifact_path_map.items()},
        "config_filenames": list(profile.project_config_filenames),
        "context_prefixes": list(profile.context_path_prefixes),
        "supported_types": sorted(str(t) for t in profile.supported_artifact_types),
        "description": profile.description,
        "created_at": NOW.replace(tzinfo=None),
        "updated_at": NOW.replace(tzinfo=None),
    }


def write_store_files(root: Path, count: int) -> None:
    """Write ``count`` project files directly with the codec.

    Faster than ``create_project`` and ``create`` through the locked, durable
    write path; the files are the same ``to_toml`` text the store writes.
    """
    folder = root / ".skillmeat" / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        project = _store_project(index)
        (folder / f"{project.project_id}.toml").write_text(
            to_toml(project), encoding="utf-8"
        )


def write_store_rows(path: Path, count: int) -> None:
    """Insert ``count`` projects into the reference database in one transaction."""
    from sqlalchemy import insert

    from .sqlalchemy_ref import ProfileRow, ProjectRow, SqlProfileRepository

    repo = SqlProfileRepository(path, clock=lambda: NOW)
    projects: list[dict[str, Any]] = []
    profiles: list[dict[str, Any]] = []
    for index in range(count):
        project = _store_project(index)
        projects.append(
            {
                "id": project.project_id,
                "name": project.name,
                "path": project.path,
                "created_at": NOW.replace(tzinfo=None),
                "updated_at": NOW.replace(tzinfo=None),
            }
        )
        profiles.extend(
            _profile_params(p, project.project_id) for p in project.deployment_profiles
        )
    with repo.engine.begin() as connection:
        connection.execute(insert(ProjectRow), projects)
        connection.execute(insert(ProfileRow), profiles)
    repo.close()


class Suite:
    """The stores, repositories and files the operations share; built on demand."""

    def __init__(self, base: Path, ours_spec: str) -> None:
        self.base = base
        self.ours_spec = ours_spec
        self.ours_factory = _load(ours_spec)
        self.ref_factory = _load(REF_SPEC)
        self.main_root = base / "ours"
        self.main_db = base / "ref.sqlite"
        self._main: tuple[Repository, Repository] | None = None
        self._stores: dict[int, tuple[Path, Path]] = {}
        self._repos: list[Any] = []
        self._closers: list[Callable[[], object]] = []

    def on_close(self, closer: Callable[[], object]) -> None:
        """Call ``closer`` when the suite ends."""
        self._closers.append(closer)

    def ours(self, root: Path) -> Repository:
        """A new repository of ours on ``root``."""
        return cast("Repository", self.ours_factory(root, clock=lambda: NOW))

    def ref(
        self, path: Path, *, create: bool = True, synchronous: str = "FULL"
    ) -> Repository:
        """A new reference repository (its own engine) on ``path``."""
        repo = self.ref_factory(
            path, clock=lambda: NOW, create=create, synchronous=synchronous
        )
        self._repos.append(repo)
        return cast("Repository", repo)

    def main(self) -> tuple[Repository, Repository]:
        """Both repositories on the main store, with its projects made."""
        if self._main is None:
            ours, ref = self.ours(self.main_root), self.ref(self.main_db)
            for repo in (ours, ref):
                for project_id, size in (
                    ("r10", 10),
                    ("chg", 10),
                    ("w10", 10),
                    ("w40", 40),
                    ("tx", 10),
                ):
                    repo.create_project(project_id)
                    with repo.transaction(project_id) as tx:
                        for index in range(size):
                            tx.create(profile_input(index))
            if list(ours.list_by_project("r10")) != list(ref.list_by_project("r10")):
                raise RuntimeError(
                    "the two implementations returned different profiles"
                )
            self._main = (ours, ref)
        return self._main

    def store(self, count: int) -> tuple[Path, Path]:
        """A store of ``count`` projects on each side: (our root, database file)."""
        if count not in self._stores:
            root = self.base / f"store-{count}"
            db = self.base / f"store-{count}.sqlite"
            write_store_files(root, count)
            write_store_rows(db, count)
            self._stores[count] = (root, db)
        return self._stores[count]

    def close(self) -> None:
        """Dispose of the reference engines and anything else left open."""
        for repo in self._repos:
            repo.close()
        for closer in self._closers:
            closer()


# --- the operations ---------------------------------------------------------


def _toggle(prefix: str) -> Callable[[], DeploymentProfileUpdate]:
    state = {"n": 0}

    def next_update() -> DeploymentProfileUpdate:
        state["n"] += 1
        return DeploymentProfileUpdate(description=f"{prefix} {state['n'] % 2}")

    return next_update


def _pair(suite: Suite, make: Callable[[Repository], Case]) -> tuple[Case, Case]:
    ours, ref = suite.main()
    return make(ours), make(ref)


def _read_unchanged(suite: Suite) -> tuple[Case, Case]:
    def make(repo: Repository) -> Case:
        return Case(lambda: repo.read_by_project_and_profile_id("r10", "p-05"))

    return _pair(suite, make)


def _list_unchanged(suite: Suite) -> tuple[Case, Case]:
    def make(repo: Repository) -> Case:
        return Case(lambda: repo.list_by_project("r10"))

    return _pair(suite, make)


class _Changer:
    """Changes profile ``p-03`` of project ``chg`` between reads, as another process."""

    def __init__(self, suite: Suite, *, ours: bool) -> None:
        reader_ours, reader_ref = suite.main()
        self.count = 0
        self.variants: list[bytes] = []
        self.writer: Repository | None = None
        if ours:
            # Another process replaces the file atomically, as the store does.
            # Both versions have the same size, and the inode of the replaced
            # file is free for reuse: a cache must look at the content.
            self.reader = reader_ours
            writer = suite.ours(suite.main_root)
            self.path = suite.main_root / ".skillmeat" / "profiles" / "chg.toml"
            for variant in "ab":
                update = DeploymentProfileUpdate(description=f"changed {variant}")
                writer.update("chg", "p-03", update)
                self.variants.append(self.path.read_bytes())
            if len(self.variants[0]) != len(self.variants[1]):
                raise RuntimeError("the two versions of the file differ in size")
        else:
            # Another connection (its own engine) commits an update.
            self.reader = reader_ref
            self.writer = suite.ref(suite.main_db)

    def change(self) -> None:
        """Make the other version of ``p-03`` current."""
        self.count += 1
        variant = "ab"[self.count % 2]
        if self.writer is not None:
            update = DeploymentProfileUpdate(description=f"changed {variant}")
            self.writer.update("chg", "p-03", update)
            return
        temp = self.path.with_name(f".chg.bench.{self.count}.tmp")
        temp.write_bytes(self.variants[self.count % 2])
        os.replace(temp, self.path)

    def expect(self, profile: object) -> None:
        """Refuse a read that missed the change."""
        wanted = f"changed {'ab'[self.count % 2]}"
        description = getattr(profile, "description", None)
        if description != wanted:
            raise RuntimeError(
                f"stale read after a change: {description!r}, expected {wanted!r}"
            )


def _changed(suite: Suite, listing: bool) -> tuple[Case, Case]:
    def make(changer: _Changer) -> Case:
        reader = changer.reader
        if not listing:
            return Case(
                lambda: reader.read_by_project_and_profile_id("chg", "p-03"),
                before=changer.change,
                check=changer.expect,
            )

        def check(profiles: object) -> None:
            listed = cast("Sequence[DeploymentProfile]", profiles)
            changer.expect(next(p for p in listed if p.profile_id == "p-03"))

        return Case(
            lambda: reader.list_by_project("chg"), before=changer.change, check=check
        )

    return make(_Changer(suite, ours=True)), make(_Changer(suite, ours=False))


def _read_changed(suite: Suite) -> tuple[Case, Case]:
    return _changed(suite, listing=False)


def _list_changed(suite: Suite) -> tuple[Case, Case]:
    return _changed(suite, listing=True)


def _create(project_id: str) -> Callable[[Suite], tuple[Case, Case]]:
    def build(suite: Suite) -> tuple[Case, Case]:
        new = DeploymentProfileCreate(profile_id="new", platform=Platform.CODEX)

        def make(repo: Repository) -> Case:
            return Case(
                lambda: repo.create(project_id, new),
                after=lambda: repo.delete(project_id, "new"),
            )

        return _pair(suite, make)

    return build


def _delete(project_id: str) -> Callable[[Suite], tuple[Case, Case]]:
    def build(suite: Suite) -> tuple[Case, Case]:
        new = DeploymentProfileCreate(profile_id="new", platform=Platform.CODEX)

        def make(repo: Repository) -> Case:
            def before() -> None:
                repo.create(project_id, new)

            return Case(lambda: repo.delete(project_id, "new"), before=before)

        return _pair(suite, make)

    return build


def _update(project_id: str) -> Callable[[Suite], tuple[Case, Case]]:
    def build(suite: Suite) -> tuple[Case, Case]:
        def make(repo: Repository) -> Case:
            updates = _toggle("updated")
            return Case(lambda: repo.update(project_id, "p-05", updates()))

        return _pair(suite, make)

    return build


def _transaction(suite: Suite) -> tuple[Case, Case]:
    def make(repo: Repository) -> Case:
        updates = _toggle("in a transaction")

        def run() -> None:
            # Ten operations: three creates, one read, three updates, three deletes.
            with repo.transaction("tx") as tx:
                for index in range(3):
                    tx.create(profile_input(index, prefix="t"))
                tx.get("p-00")
                update = updates()
                for index in range(3):
                    tx.update(f"p-{index:02d}", update)
                for index in range(3):
                    tx.delete(f"t-{index:02d}")

        return Case(run)

    return _pair(suite, make)


def _no_fsync(fd: int | HasFileno) -> None:
    """Stands in for ``os.fsync`` to measure what a write costs besides the flush."""


def _update_cpu(suite: Suite) -> tuple[Case, Case]:
    ours, _ = suite.main()
    # A second engine on the same database, with the flushes turned off.
    ref = suite.ref(suite.main_db, synchronous="OFF")
    ours_updates, ref_updates = _toggle("cpu"), _toggle("cpu")

    def run_ours() -> DeploymentProfile:
        saved = os.fsync
        os.fsync = _no_fsync
        try:
            return ours.update("w10", "p-05", ours_updates())
        finally:
            os.fsync = saved

    return Case(run_ours), Case(lambda: ref.update("w10", "p-05", ref_updates()))


def _bare_replace(folder: Path, size: int) -> Callable[[], None]:
    """A durable replace of a ``size``-byte file in ``folder``, with no library code.

    What the store's durable write costs the disk: a new file flushed,
    renamed over the old one, and the folder flushed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    data = b"x" * size
    target = folder / "bare.toml"
    counter = {"n": 0}

    def replace() -> None:
        counter["n"] += 1
        temp = folder / f".bare.toml.{counter['n']}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    return replace


def _io_floor(suite: Suite) -> tuple[Case, Case]:
    folder = suite.base / "floor"
    data = b"x" * 5600  # the size of a project file with 10 profiles
    replace = _bare_replace(folder, len(data))
    counter = {"n": 0}
    connection = sqlite3.connect(folder / "floor.sqlite", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB)")
    connection.execute("INSERT OR REPLACE INTO t VALUES (1, ?)", (data,))

    def commit() -> None:
        # What the reference's durable write costs the disk: one WAL commit.
        counter["n"] += 1
        connection.execute("BEGIN")
        connection.execute(
            "UPDATE t SET v = ? WHERE id = 1",
            (data[:-8] + b"%08d" % (counter["n"] % 10**8),),
        )
        connection.execute("COMMIT")

    suite.on_close(connection.close)
    return Case(replace), Case(commit)


def _update_vs_bare(suite: Suite) -> tuple[Case, Case]:
    ours, _ = suite.main()
    updates = _toggle("bare")
    size = (suite.main_root / ".skillmeat" / "profiles" / "w10.toml").stat().st_size
    replace = _bare_replace(suite.main_root / ".skillmeat" / "profiles", size)
    return Case(lambda: ours.update("w10", "p-05", updates())), Case(replace)


def _list_projects(suite: Suite) -> tuple[Case, Case]:
    root, db = suite.store(100)
    ours, ref = suite.ours(root), suite.ref(db)

    def check(projects: object) -> None:
        if len(cast("list[Project]", projects)) != 100:
            raise RuntimeError("list_projects did not return the 100 projects")

    return Case(ours.list_projects, check=check), Case(ref.list_projects, check=check)


def _ids(count: int) -> list[str]:
    step = max(1, count // 10)
    return [f"proj-{index:05d}/codex" for index in range(0, count, step)][:10]


def _read_by_id(count: int) -> Callable[[Suite], tuple[Case, Case]]:
    def build(suite: Suite) -> tuple[Case, Case]:
        root, db = suite.store(count)

        def make(repo: Repository) -> Case:
            ids = _ids(count)
            position = {"i": 0}

            def run() -> DeploymentProfile:
                position["i"] = (position["i"] + 1) % len(ids)
                return repo.read_by_id(ids[position["i"]])

            # Every id read once or twice first: the figure is a warm read.
            return Case(run, warmup=2 * len(ids))

        return make(suite.ours(root)), make(suite.ref(db))

    return build


def _open_read_by_id(count: int) -> Callable[[Suite], tuple[Case, Case]]:
    def build(suite: Suite) -> tuple[Case, Case]:
        root, db = suite.store(count)
        target = _ids(count)[len(_ids(count)) // 2]
        opened: list[Any] = []

        def ours() -> DeploymentProfile:
            return suite.ours(root).read_by_id(target)

        def ref() -> DeploymentProfile:
            repo = suite.ref_factory(db, clock=lambda: NOW, create=False)
            opened.append(repo)
            return cast("DeploymentProfile", repo.read_by_id(target))

        def dispose() -> None:
            while opened:
                opened.pop().close()

        return Case(ours), Case(ref, after=dispose)

    return build


def _open_update(count: int) -> Callable[[Suite], tuple[Case, Case]]:
    def build(suite: Suite) -> tuple[Case, Case]:
        root, db = suite.store(count)
        project_id = _ids(count)[len(_ids(count)) // 2].partition("/")[0]
        ours_updates, ref_updates = _toggle("opened"), _toggle("opened")
        opened: list[Any] = []

        def ours() -> DeploymentProfile:
            repo = suite.ours(root)
            return repo.update(project_id, "codex", ours_updates())

        def ref() -> DeploymentProfile:
            repo = suite.ref_factory(db, clock=lambda: NOW, create=False)
            opened.append(repo)
            return cast(
                "DeploymentProfile", repo.update(project_id, "codex", ref_updates())
            )

        def dispose() -> None:
            while opened:
                opened.pop().close()

        return Case(ours), Case(ref, after=dispose)

    return build


_IMPORT_CHILD = (
    "import time; t = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - t)"
)
_READ_CHILD = """\
import time
t = time.perf_counter()
import importlib
module, _, name = {spec!r}.partition(":")
factory = getattr(importlib.import_module(module), name)
repo = factory({path!r}{extra})
profile = repo.read_by_project_and_profile_id("r10", "p-05")
elapsed = time.perf_counter() - t
assert profile.profile_id == "p-05"
print(elapsed)
"""


def _import_children(suite: Suite) -> tuple[list[str], list[str]]:
    ours = suite.ours_spec.partition(":")[0]
    ref = REF_SPEC.partition(":")[0]
    return (
        [sys.executable, "-c", _IMPORT_CHILD.format(module=ours)],
        [sys.executable, "-c", _IMPORT_CHILD.format(module=ref)],
    )


def _first_read_children(suite: Suite) -> tuple[list[str], list[str]]:
    suite.main()
    ours = _READ_CHILD.format(spec=suite.ours_spec, path=str(suite.main_root), extra="")
    ref = _READ_CHILD.format(
        spec=REF_SPEC, path=str(suite.main_db), extra=", create=False"
    )
    return [sys.executable, "-c", ours], [sys.executable, "-c", ref]


OPS: tuple[Op, ...] = (
    Op(
        "import (fresh interpreter)",
        0.3,
        subprocess=_import_children,
        note="import time inside the child",
    ),
    Op(
        "first read in a new process",
        None,
        subprocess=_first_read_children,
        note="import + open + read, inside the child",
    ),
    Op("read_by_project_and_profile_id, unchanged file", 0.1, build=_read_unchanged),
    Op("list_by_project (10), unchanged file", 0.1, build=_list_unchanged),
    Op("read_by_project_and_profile_id, after a change", 0.6, build=_read_changed),
    Op("list_by_project (10), after a change", 0.6, build=_list_changed),
    Op("create, file of 10 profiles", 1.0, build=_create("w10")),
    Op("create, file of 40 profiles", 1.0, build=_create("w40")),
    Op("update, file of 10 profiles", 1.0, build=_update("w10")),
    Op("update, file of 40 profiles", 1.0, build=_update("w40")),
    Op(
        "update, file of 10 profiles, flushes off",
        None,
        build=_update_cpu,
        note="what a write costs besides the flush: os.fsync stubbed / synchronous=OFF",
    ),
    Op(
        "disk floor: durable file replace vs SQLite WAL commit",
        None,
        build=_io_floor,
        note="raw os and sqlite3 calls, no library code",
    ),
    Op(
        "update, file of 10 profiles, vs a bare durable replace",
        None,
        build=_update_vs_bare,
        versus="bare replace",
        note="the store against the flushes and rename alone, same folder and size",
    ),
    Op("delete, file of 10 profiles", None, build=_delete("w10")),
    Op("delete, file of 40 profiles", None, build=_delete("w40")),
    Op("transaction of 10 operations", None, build=_transaction),
    Op("list_projects (100 projects)", None, build=_list_projects),
    Op("read_by_id, store of 10 projects", None, build=_read_by_id(10)),
    Op("read_by_id, store of 1,000 projects", None, build=_read_by_id(1000)),
    Op("read_by_id, store of 10,000 projects", None, build=_read_by_id(10_000)),
    Op("new repository + read_by_id, store of 10", None, build=_open_read_by_id(10)),
    Op(
        "new repository + read_by_id, store of 10,000",
        None,
        build=_open_read_by_id(10_000),
    ),
    Op(
        "new repository + update, store of 10,000",
        None,
        build=_open_update(10_000),
        note="one write per process, as a command-line tool makes",
    ),
)

#: Our own ratios between two operations: (name, numerator, denominator, target).
SELF_RATIOS: tuple[tuple[str, str, str, float | None], ...] = (
    (
        "read_by_id, 10,000 vs 10 projects (ours)",
        "read_by_id, store of 10,000 projects",
        "read_by_id, store of 10 projects",
        1.5,
    ),
    (
        "new repository + read_by_id, 10,000 vs 10 (ours)",
        "new repository + read_by_id, store of 10,000",
        "new repository + read_by_id, store of 10",
        None,
    ),
)


def run_op(op: Op, suite: Suite, settings: Settings) -> Result:
    """Measure one operation on both sides."""
    if op.subprocess is not None:
        ours_cmd, ref_cmd = op.subprocess(suite)
        ours, ref = measure_subprocess(
            ours_cmd, ref_cmd, settings, suite.base / "pycache"
        )
    else:
        assert op.build is not None
        ours_case, ref_case = op.build(suite)
        ours, ref = measure(ours_case, ref_case, settings)
    return Result(
        name=op.name,
        ours=statistics.median(ours),
        ref=statistics.median(ref),
        target=op.target,
        samples=min(len(ours), len(ref)),
        note=op.note,
        versus=op.versus,
    )


def self_ratios(results: Sequence[Result]) -> list[Result]:
    """Our own ratios (a big store against a small one) from measured results."""
    by_name = {result.name: result for result in results}
    derived = []
    for name, top, bottom, target in SELF_RATIOS:
        if top in by_name and bottom in by_name:
            derived.append(
                Result(
                    name=name,
                    ours=by_name[top].ours,
                    ref=by_name[bottom].ours,
                    target=target,
                    samples=min(by_name[top].samples, by_name[bottom].samples),
                    versus="ours",
                )
            )
    return derived


# --- reporting --------------------------------------------------------------


def _duration(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds * 1e6:,.1f} us"


def format_table(results: Sequence[Result]) -> str:
    """A Markdown table of the results."""
    rows = [
        ("operation", "ours", "reference", "ratio", "target", "met"),
        ("---", "---:", "---:", "---:", "---:", "---"),
    ]
    for result in results:
        ref = _duration(result.ref)
        if result.versus != "reference":
            ref = f"{ref} ({result.versus})"
        rows.append(
            (
                result.name,
                _duration(result.ours),
                ref,
                f"{result.ratio:.2f}",
                "" if result.target is None else f"<= {result.target:g}",
                {None: "", True: "yes", False: "**no**"}[result.met],
            )
        )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def _select(names: Sequence[str]) -> list[Op]:
    if not names:
        return list(OPS)
    chosen = [op for op in OPS if any(n.lower() in op.name.lower() for n in names)]
    if not chosen:
        raise SystemExit(f"no operation matches {', '.join(names)}; see --list")
    return chosen


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line of ``python -m benchmarks``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time skillmeat-profiles against the SQLAlchemy reference.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a short run (under a minute)"
    )
    parser.add_argument(
        "--json", metavar="FILE", type=Path, help="also write the results as JSON"
    )
    parser.add_argument(
        "--only",
        metavar="TEXT",
        action="append",
        default=[],
        help="run the operations whose name contains TEXT (repeatable)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the operations and exit"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where to build the stores (default: the system temp directory); "
        "put it on the disk you want to measure",
    )
    parser.add_argument(
        "--ours",
        default=OURS_DEFAULT,
        metavar="MODULE:CLASS",
        help="the repository to measure against the reference (default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite, print the table, optionally write JSON; return the exit status."""
    args = parse_args(argv)
    if args.list:
        for op in OPS:
            print(op.name)
        return 0
    settings = QUICK if args.quick else FULL
    ops = _select(args.only)
    base = Path(tempfile.mkdtemp(prefix="skillmeat-bench-", dir=args.dir))
    info = machine_info(base)
    for key, value in info.items():
        print(f"{key:>18}: {value}")
    print(f"{'mode':>18}: {'quick' if args.quick else 'full'}\n", flush=True)
    suite = Suite(base, args.ours)
    results: list[Result] = []
    started = time.perf_counter()
    try:
        for op in ops:
            result = run_op(op, suite, settings)
            results.append(result)
            print(
                f"  {op.name}: ours {_duration(result.ours)}, reference "
                f"{_duration(result.ref)}, ratio {result.ratio:.2f}",
                flush=True,
            )
    finally:
        suite.close()
        shutil.rmtree(base, ignore_errors=True)
    results.extend(self_ratios(results))
    print(f"\n{format_table(results)}\n")
    print(f"measured in {time.perf_counter() - started:.0f} s")
    if args.json is not None:
        args.json.write_text(
            json.dumps(_as_json(results, info, args.quick), indent=2) + "\n"
        )
    return 0


def _as_json(
    results: Sequence[Result], info: dict[str, str], quick: bool
) -> dict[str, Any]:
    return {
        "machine": info,
        "mode": "quick" if quick else "full",
        "results": [
            {
                "operation": r.name,
                "ours_seconds": r.ours,
                "reference_seconds": r.ref,
                "versus": r.versus,
                "ratio": r.ratio,
                "target": r.target,
                "met": r.met,
                "samples": r.samples,
            }
            for r in results
        ],
    }

"""The file-backed store: CRUD, errors, layout, caching, symlinks, upgrades."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

import skillmeat_profiles._atomic as atomic
from skillmeat_profiles import (
    ArtifactType,
    ConflictError,
    Deployment,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    InvalidDataError,
    LockTimeoutError,
    NotFoundError,
    Platform,
    ProfileRepository,
    ProfilesError,
    Project,
    UnsupportedSchemaError,
)
from skillmeat_profiles._store import GITIGNORE, Migration

FIXTURES = Path(__file__).parent / "fixtures"
LEGACY = FIXTURES / "v1" / "legacy.toml"
T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
POSIX = os.name != "nt"
ROOT_USER = POSIX and os.geteuid() == 0


class Clock:
    """A clock that moves one second forward on every call."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def repo(tmp_path: Path) -> ProfileRepository:
    """An empty store with a ticking clock."""
    return ProfileRepository(tmp_path, clock=Clock())


def claude(profile_id: str = "claude_code") -> DeploymentProfileCreate:
    """A Claude Code profile input."""
    return DeploymentProfileCreate(profile_id=profile_id, platform=Platform.CLAUDE_CODE)


def record(profile_id: str | None = "claude_code", name: str = "review") -> Deployment:
    """A deployment record of the skill ``name``."""
    return Deployment(
        artifact_name=name,
        artifact_type=ArtifactType.SKILL,
        artifact_path=f".claude/skills/{name}",
        deployed_at=T0,
        deployment_profile_id=profile_id,
    )


def install_legacy(repo: ProfileRepository) -> Path:
    """Copy the version-1 fixture into the store; return its path."""
    repo.profiles_dir.mkdir(parents=True)
    target = repo.path_for("legacy")
    shutil.copyfile(LEGACY, target)
    return target


# --- projects ---------------------------------------------------------------


def test_empty_store_lists_nothing_and_creates_nothing(tmp_path: Path) -> None:
    """Reads of an empty store return nothing and leave no file or folder behind."""
    repo = ProfileRepository(tmp_path)
    assert repo.project_ids() == []
    assert repo.list_projects() == []
    with pytest.raises(NotFoundError, match="create it first"):
        repo.get_project("demo")
    with pytest.raises(NotFoundError):
        repo.read_by_id("demo/claude_code")
    assert list(tmp_path.iterdir()) == []


def test_create_project_and_read_it_back(repo: ProfileRepository) -> None:
    """A created project reads back equal, from this and from a fresh repository."""
    project = repo.create_project("demo", name="Demo", path="/home/me/demo")
    assert project.name == "Demo"
    assert repo.get_project("demo") == project
    assert ProfileRepository(repo.root).get_project("demo") == project
    assert repo.project_ids() == ["demo"]
    assert repo.list_projects() == [project]


def test_create_project_twice_conflicts(repo: ProfileRepository) -> None:
    """A second project with the same id is a ConflictError."""
    repo.create_project("demo")
    with pytest.raises(ConflictError, match="already exists"):
        repo.create_project("demo")


def test_create_project_with_profiles_in_one_write(
    repo: ProfileRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """profiles= are written with the project, in one write, with its stamp."""
    writes: list[Path] = []
    real = atomic.write_atomic

    def counting(path: Path, data: bytes, *, locked: bool = False) -> None:
        writes.append(path)
        real(path, data, locked=locked)

    monkeypatch.setattr("skillmeat_profiles._store.write_atomic", counting)
    project = repo.create_project(
        "demo",
        profiles=[
            DeploymentProfileCreate(profile_id="codex", platform="codex"),
            claude(),
        ],
    )
    assert [p.profile_id for p in project.deployment_profiles] == [
        "claude_code",
        "codex",
    ]
    assert {p.created_at for p in project.deployment_profiles} == {project.created_at}
    assert writes.count(repo.path_for("demo")) == 1
    assert ProfileRepository(repo.root).get_project("demo") == project


def test_create_project_with_duplicate_profiles_writes_nothing(
    repo: ProfileRepository,
) -> None:
    """Two profiles with one profile_id are a ConflictError; no file appears."""
    with pytest.raises(ConflictError, match="'claude_code' is given twice"):
        repo.create_project("demo", profiles=[claude(), claude()])
    with pytest.raises(InvalidDataError, match="DeploymentProfileCreate"):
        repo.create_project("demo", profiles=["claude_code"])  # type: ignore[list-item]
    assert repo.project_ids() == []
    assert not repo.profiles_dir.exists()


def test_missing_project_names_both_ways_to_create_it(repo: ProfileRepository) -> None:
    """The NotFoundError names the API call and the command."""
    with pytest.raises(NotFoundError, match="create_project, or `skillmeat-profiles"):
        repo.get_project("demo")


def test_invalid_project_id_is_refused(repo: ProfileRepository) -> None:
    """An id that cannot be a file name is an InvalidDataError naming the rule."""
    with pytest.raises(InvalidDataError, match="lowercase"):
        repo.create_project("Demo")
    with pytest.raises(InvalidDataError):
        repo.path_for("../evil")


def test_delete_project(repo: ProfileRepository) -> None:
    """A deleted project is gone with its profiles; deleting it again is NotFound."""
    repo.create_project("demo")
    repo.create("demo", claude())
    repo.delete_project("demo")
    assert repo.project_ids() == []
    with pytest.raises(NotFoundError):
        repo.list_by_project("demo")
    with pytest.raises(NotFoundError):
        repo.delete_project("demo")


def test_project_ids_come_from_file_names(repo: ProfileRepository) -> None:
    """Only ``<valid id>.toml`` names count, sorted; nothing is parsed."""
    repo.create_project("b")
    repo.create_project("a")
    for name in ("README.toml", "notes.txt", ".hidden.toml", "c.toml.v1.bak"):
        (repo.profiles_dir / name).write_text("not toml [")
    (repo.profiles_dir / "z.toml").write_text("not toml [")
    assert repo.project_ids() == ["a", "b", "z"]


def test_list_projects_sorted(repo: ProfileRepository) -> None:
    """list_projects returns every project sorted by id."""
    for project_id in ("charlie", "alpha", "bravo"):
        repo.create_project(project_id)
    assert [p.project_id for p in repo.list_projects()] == ["alpha", "bravo", "charlie"]


def test_list_projects_skips_a_file_deleted_meanwhile(
    repo: ProfileRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file listed but gone before it is read is left out, not an error."""
    repo.create_project("a")
    monkeypatch.setattr(repo, "project_ids", lambda: ["a", "gone"])
    assert [p.project_id for p in repo.list_projects()] == ["a"]


# --- profiles ---------------------------------------------------------------


def test_profile_crud(repo: ProfileRepository) -> None:
    """Create, read (three ways), update and delete a profile."""
    repo.create_project("demo")
    created = repo.create("demo", claude())
    assert created.project_id == "demo"
    assert created.id == "demo/claude_code"
    assert repo.read_by_id("demo/claude_code") == created
    assert repo.read_by_project_and_profile_id("demo", "claude_code") == created
    assert repo.list_by_project("demo") == [created]
    updated = repo.update(
        "demo", "claude_code", DeploymentProfileUpdate(description="Mine")
    )
    assert updated.description == "Mine"
    assert updated.updated_at > created.updated_at
    assert updated.created_at == created.created_at
    assert ProfileRepository(repo.root).read_by_id(created.id) == updated
    repo.delete("demo", "claude_code")
    assert repo.list_by_project("demo") == []


def test_profiles_are_listed_sorted(repo: ProfileRepository) -> None:
    """list_by_project sorts by profile_id whatever the creation order."""
    repo.create_project("demo")
    for profile_id in ("zeta", "alpha", "mid"):
        repo.create("demo", claude(profile_id))
    assert [p.profile_id for p in repo.list_by_project("demo")] == [
        "alpha",
        "mid",
        "zeta",
    ]


def test_duplicate_profile_conflicts(repo: ProfileRepository) -> None:
    """A second profile with the same id is a ConflictError; the file is unchanged."""
    repo.create_project("demo")
    repo.create("demo", claude())
    before = repo.path_for("demo").read_bytes()
    with pytest.raises(ConflictError, match="already has a profile 'claude_code'"):
        repo.create("demo", claude())
    assert repo.path_for("demo").read_bytes() == before


def test_profile_of_missing_project(repo: ProfileRepository) -> None:
    """Profile operations on a missing project are NotFoundError."""
    with pytest.raises(NotFoundError, match="no project 'demo'"):
        repo.create("demo", claude())
    assert not repo.profiles_dir.joinpath("demo.toml").exists()


def test_missing_profile_is_not_found(repo: ProfileRepository) -> None:
    """Reading, updating or deleting an unknown profile is NotFoundError."""
    repo.create_project("demo")
    repo.create("demo", claude())
    with pytest.raises(
        LookupError, match=r"no profile 'codex' \(profiles: claude_code\)"
    ):
        repo.read_by_project_and_profile_id("demo", "codex")
    with pytest.raises(NotFoundError):
        repo.update("demo", "codex", DeploymentProfileUpdate(description="x"))
    with pytest.raises(NotFoundError):
        repo.delete("demo", "codex")


@pytest.mark.parametrize("bad", ["demo", "/x", "demo/", 42])
def test_read_by_id_rejects_malformed_ids(repo: ProfileRepository, bad: object) -> None:
    """An id without both halves is an InvalidDataError that shows the form."""
    with pytest.raises(InvalidDataError, match="<project_id>/<profile_id>"):
        repo.read_by_id(bad)  # type: ignore[arg-type]


def test_wrong_argument_types_are_refused(repo: ProfileRepository) -> None:
    """Passing a dict where a model is expected is an InvalidDataError."""
    repo.create_project("demo")
    with pytest.raises(InvalidDataError, match="DeploymentProfileCreate"):
        repo.create("demo", {"profile_id": "x"})  # type: ignore[arg-type]
    with pytest.raises(InvalidDataError, match="DeploymentProfileUpdate"):
        repo.update("demo", "x", {})  # type: ignore[arg-type]
    with pytest.raises(InvalidDataError, match="expected a Deployment"):
        repo.record_deployment("demo", {})  # type: ignore[arg-type]


def test_update_that_changes_nothing_writes_nothing(repo: ProfileRepository) -> None:
    """A no-op update returns the profile unchanged and leaves the file's bytes."""
    repo.create_project("demo")
    created = repo.create("demo", claude())
    path = repo.path_for("demo")
    before = path.read_bytes()
    os.utime(path, (0, 0))
    same = repo.update(
        "demo", "claude_code", DeploymentProfileUpdate(root_dir=created.root_dir)
    )
    assert same == created
    assert path.read_bytes() == before
    assert path.stat().st_mtime == 0


def test_adding_a_profile_touches_no_other_line(repo: ProfileRepository) -> None:
    """Adding a profile only inserts lines: every old line survives in order."""
    repo.create_project("demo")
    repo.create("demo", claude("aaa"))
    repo.create("demo", claude("zzz"))
    before = repo.path_for("demo").read_text().splitlines()
    repo.create("demo", claude("mmm"))
    after = repo.path_for("demo").read_text().splitlines()
    import difflib

    changes = [
        op
        for op in difflib.SequenceMatcher(a=before, b=after).get_opcodes()
        if op[0] != "equal"
    ]
    assert [op[0] for op in changes] == ["insert"]


def test_fixed_clock_gives_identical_files(tmp_path: Path) -> None:
    """Two stores fed the same operations and clock write byte-identical files."""
    contents = []
    for name in ("one", "two"):
        repo = ProfileRepository(tmp_path / name, clock=Clock())
        repo.create_project("demo")
        repo.create("demo", claude())
        repo.record_deployment("demo", record())
        contents.append(repo.path_for("demo").read_bytes())
    assert contents[0] == contents[1]


def test_default_clock_is_aware_utc(tmp_path: Path) -> None:
    """Without a clock the store stamps the current time in UTC."""
    repo = ProfileRepository(tmp_path)
    before = datetime.now(UTC)
    project = repo.create_project("demo")
    assert project.created_at.tzinfo is UTC
    assert project.created_at >= before - timedelta(seconds=1)


# --- deployment records -------------------------------------------------------


def test_record_deployment_fills_profile_fields(repo: ProfileRepository) -> None:
    """A record's missing platform and root_dir come from its profile."""
    repo.create_project("demo")
    repo.create("demo", claude())
    kept = repo.record_deployment("demo", record())
    assert kept.platform is Platform.CLAUDE_CODE
    assert kept.profile_root_dir == ".claude"
    assert repo.list_deployments("demo") == [kept]
    assert repo.list_deployments("demo", profile_id="claude_code") == [kept]
    assert repo.list_deployments("demo", profile_id="other") == []


def test_record_keeps_given_profile_fields(repo: ProfileRepository) -> None:
    """A record that names its platform and root keeps them."""
    repo.create_project("demo")
    repo.create("demo", claude())
    given = attrs.evolve(record(), platform=Platform.OTHER, profile_root_dir="x")
    assert repo.record_deployment("demo", given) == given


def test_record_with_same_key_replaces(repo: ProfileRepository) -> None:
    """Recording the same artifact again replaces the earlier record."""
    repo.create_project("demo")
    repo.create("demo", claude())
    repo.record_deployment("demo", record())
    later = attrs.evolve(record(), deployed_at=T0 + timedelta(days=1))
    repo.record_deployment("demo", later)
    records = repo.list_deployments("demo")
    assert [r.deployed_at for r in records] == [later.deployed_at]


def test_record_naming_unknown_profile_is_refused(repo: ProfileRepository) -> None:
    """A record naming an unknown profile is NotFoundError; nothing is written."""
    repo.create_project("demo")
    before = repo.path_for("demo").read_bytes()
    with pytest.raises(NotFoundError, match="no profile 'claude_code'"):
        repo.record_deployment("demo", record())
    assert repo.path_for("demo").read_bytes() == before


def test_legacy_record_without_profile_is_kept(repo: ProfileRepository) -> None:
    """A record without a profile is accepted and listed."""
    repo.create_project("demo")
    kept = repo.record_deployment("demo", record(profile_id=None))
    assert kept.platform is None
    assert repo.list_deployments("demo") == [kept]


def test_deleting_a_profile_in_use_conflicts(repo: ProfileRepository) -> None:
    """A profile named by records cannot be deleted until they are."""
    repo.create_project("demo")
    repo.create("demo", claude())
    for index in range(7):
        repo.record_deployment("demo", record(name=f"s{index}"))
    with pytest.raises(ConflictError, match=r"7 deployment record\(s\).*and 2 more"):
        repo.delete("demo", "claude_code")
    for index in range(7):
        repo.delete_deployment("demo", f"claude_code:skill:s{index}")
    repo.delete("demo", "claude_code")
    assert repo.list_by_project("demo") == []


def test_delete_missing_deployment(repo: ProfileRepository) -> None:
    """Deleting a record that does not exist is NotFoundError listing the keys."""
    repo.create_project("demo")
    with pytest.raises(NotFoundError, match=r"records: none"):
        repo.delete_deployment("demo", "skill:x")


# --- transactions -------------------------------------------------------------


def test_transaction_writes_once_at_the_end(repo: ProfileRepository) -> None:
    """Changes in a block show in tx.project at once and reach the file together."""
    repo.create_project("demo")
    path = repo.path_for("demo")
    before = path.read_bytes()
    with repo.transaction("demo") as tx:
        tx.create(claude())
        tx.create(DeploymentProfileCreate(profile_id="codex", platform="codex"))
        tx.record_deployment(record())
        tx.update("codex", DeploymentProfileUpdate(description="Codex"))
        assert [p.profile_id for p in tx.list()] == ["claude_code", "codex"]
        assert tx.get("codex").description == "Codex"
        assert len(tx.list_deployments()) == 1
        assert len(tx.list_deployments("codex")) == 0
        assert tx.project.profile("codex").description == "Codex"
        assert path.read_bytes() == before
        tx.delete_deployment("claude_code:skill:review")
        tx.delete("codex")
    assert [p.profile_id for p in repo.list_by_project("demo")] == ["claude_code"]


def test_transaction_exception_writes_nothing(repo: ProfileRepository) -> None:
    """An exception inside the block propagates and the file is untouched."""
    repo.create_project("demo")
    before = repo.path_for("demo").read_bytes()

    def fail() -> None:
        with repo.transaction("demo") as tx:
            tx.create(claude())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail()
    assert repo.path_for("demo").read_bytes() == before


def test_transaction_on_missing_project(repo: ProfileRepository) -> None:
    """A transaction needs an existing project."""
    with pytest.raises(NotFoundError), repo.transaction("demo"):
        pass  # pragma: no cover - never entered


def test_transaction_object_is_dead_after_the_block(repo: ProfileRepository) -> None:
    """Using a transaction after its block is a ProfilesError."""
    repo.create_project("demo")
    with repo.transaction("demo") as tx:
        pass
    with pytest.raises(ProfilesError, match="has ended"):
        tx.create(claude())


def test_writes_beside_an_open_transaction_are_refused(repo: ProfileRepository) -> None:
    """Inside a block, direct writes to the same project raise; reads see the file."""
    repo.create_project("demo")
    with repo.transaction("demo") as tx:
        tx.create(claude())
        with pytest.raises(ConflictError, match="through the transaction"):
            repo.create("demo", claude("other"))
        assert repo.list_by_project("demo") == []
        repo.create_project("second")
    assert [p.profile_id for p in repo.list_by_project("demo")] == ["claude_code"]


def test_threads_serialise_on_a_project(repo: ProfileRepository) -> None:
    """Threads creating profiles in one project lose none of them."""
    repo.create_project("demo")

    def work(index: int) -> None:
        for step in range(5):
            repo.create("demo", claude(f"t{index}-{step}"))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(repo.list_by_project("demo")) == 20


def test_lock_timeout(tmp_path: Path) -> None:
    """A lock held elsewhere past the timeout is a LockTimeoutError naming the file."""
    holder = ProfileRepository(tmp_path)
    holder.create_project("demo")
    waiter = ProfileRepository(tmp_path, lock_timeout=0.05)
    started = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with holder.transaction("demo"):
            started.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    started.wait(10)
    try:
        with pytest.raises(LockTimeoutError, match="could not lock") as caught:
            waiter.create("demo", claude())
    finally:
        release.set()
        thread.join()
    assert caught.value.path == str(waiter.path_for("demo"))
    assert isinstance(caught.value, TimeoutError)


def test_thread_lock_timeout(tmp_path: Path) -> None:
    """A thread of the same repository waiting too long gets LockTimeoutError."""
    repo = ProfileRepository(tmp_path, lock_timeout=0.05)
    repo.create_project("demo")
    started = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with repo.transaction("demo"):
            started.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    started.wait(10)
    try:
        with pytest.raises(LockTimeoutError):
            repo.create("demo", claude())
    finally:
        release.set()
        thread.join()


def test_lock_file_that_cannot_be_created(
    repo: ProfileRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError taking the lock becomes a ProfilesError naming the lock file."""
    repo.create_project("demo")
    lock = repo._lock(repo.path_for("demo"))
    file_lock = lock._file_lock()

    def fail(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(file_lock, "acquire", fail)
    with pytest.raises(ProfilesError, match="cannot create the lock file") as caught:
        repo.create("demo", claude())
    assert caught.value.path == str(lock.lock_path)
    assert not lock.held


# --- layout, git hygiene, permissions ------------------------------------------


def test_gitignore_is_written_with_the_folder(repo: ProfileRepository) -> None:
    """The first write creates the folder with a .gitignore for lock and temp files."""
    repo.create_project("demo")
    ignore = repo.profiles_dir / ".gitignore"
    assert ignore.read_text() == GITIGNORE
    ignore.unlink()
    repo.create("demo", claude())
    assert not ignore.exists()
    ProfileRepository(repo.root).create("demo", claude("other"))
    assert ignore.read_text() == GITIGNORE


def test_header_is_written_and_preserved(repo: ProfileRepository) -> None:
    """A new file's header comes first; rewrites keep the leading comments."""
    repo.create_project("demo", header="#:schema ../profile.schema.json")
    path = repo.path_for("demo")
    assert path.read_text().startswith(
        "#:schema ../profile.schema.json\nschema_version = 2\n"
    )
    path.write_text("# mine\n\n" + path.read_text().split("\n", 1)[1])
    repo.create("demo", claude())
    assert path.read_text().startswith("# mine\n\nschema_version = 2\n")


def test_header_must_be_comments(repo: ProfileRepository) -> None:
    """A header holding TOML is an InvalidDataError; nothing is created."""
    with pytest.raises(InvalidDataError, match="comment lines"):
        repo.create_project("demo", header="x = 1\n")
    assert not repo.root.joinpath(".skillmeat").exists()


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_permissions_survive_a_rewrite(repo: ProfileRepository) -> None:
    """A file's mode is kept across replacements."""
    repo.create_project("demo")
    path = repo.path_for("demo")
    path.chmod(0o640)
    repo.create("demo", claude())
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.skipif(not POSIX, reason="POSIX umask")
def test_new_file_mode_follows_umask(tmp_path: Path) -> None:
    """A new file gets 0o666 less the umask, as any tool's file would."""
    code = (
        "import os, stat, sys\n"
        "from skillmeat_profiles import ProfileRepository\n"
        "os.umask(0o027)\n"
        "repo = ProfileRepository(sys.argv[1])\n"
        "repo.create_project('demo')\n"
        "print(oct(stat.S_IMODE(os.stat(repo.path_for('demo')).st_mode)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "0o640"


def test_temp_files_are_removed_on_failure(
    repo: ProfileRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing replace (even KeyboardInterrupt) leaves the old file and no temp."""
    repo.create_project("demo")
    path = repo.path_for("demo")
    before = path.read_bytes()

    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "_replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        repo.create("demo", claude())
    assert path.read_bytes() == before
    assert sorted(p.name for p in repo.profiles_dir.iterdir()) == [
        ".demo.toml.lock",
        ".gitignore",
        "demo.toml",
    ]


def test_disk_full_is_a_profiles_error(
    repo: ProfileRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while writing becomes a ProfilesError that says to free space."""
    repo.create_project("demo")
    before = repo.path_for("demo").read_bytes()

    def full(*_args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(ProfilesError, match="disk is full") as caught:
        repo.create("demo", claude())
    assert caught.value.path == str(repo.path_for("demo"))
    monkeypatch.undo()
    assert repo.path_for("demo").read_bytes() == before
    assert repo.list_by_project("demo") == []


def test_unknown_errno_gets_a_generic_hint() -> None:
    """An OSError without a known errno still names the path and a next step."""
    error = atomic.os_error(OSError("odd"), "/x", "do it")
    assert (
        str(error)
        == "/x: cannot do it: odd; check that the path is correct and accessible"
    )


def test_directory_in_place_of_the_file(repo: ProfileRepository) -> None:
    """A folder where the project file should be is a ProfilesError on read."""
    repo.profiles_dir.mkdir(parents=True)
    repo.path_for("demo").mkdir()
    with pytest.raises(ProfilesError, match="folder is where the file should be"):
        repo.get_project("demo")


def test_file_in_place_of_the_folder(tmp_path: Path) -> None:
    """A file in place of the profiles folder is a ProfilesError on read and write."""
    (tmp_path / ".skillmeat").write_text("")
    repo = ProfileRepository(tmp_path)
    with pytest.raises(ProfilesError, match="a file is where a folder should be"):
        repo.get_project("demo")
    with pytest.raises(ProfilesError, match="a file is where a folder should be"):
        repo.project_ids()
    with pytest.raises(ProfilesError, match="cannot create the profiles folder"):
        repo.create_project("demo")


@pytest.mark.skipif(not POSIX or ROOT_USER, reason="POSIX permissions, not as root")
def test_permission_denied(repo: ProfileRepository) -> None:
    """An unreadable file is a ProfilesError about permissions, not an OSError."""
    repo.create_project("demo")
    path = repo.path_for("demo")
    path.chmod(0)
    try:
        with pytest.raises(ProfilesError, match="check the permissions"):
            ProfileRepository(repo.root).get_project("demo")
    finally:
        path.chmod(0o644)


def test_read_error_is_wrapped(
    repo: ProfileRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An I/O error while reading becomes a ProfilesError."""
    repo.create_project("demo")

    def broken(*_args: object) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "read", broken)
    with pytest.raises(ProfilesError, match="cannot read the project file"):
        ProfileRepository(repo.root).get_project("demo")


def test_delete_project_error_is_wrapped(
    repo: ProfileRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError deleting a file becomes a ProfilesError; the file stays."""
    repo.create_project("demo")

    def broken(*_args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "unlink", broken)
    with pytest.raises(ProfilesError, match="cannot delete the project file"):
        repo.delete_project("demo")
    monkeypatch.undo()
    assert repo.get_project("demo").project_id == "demo"


def test_killed_writers_temp_goes_on_the_next_write(repo: ProfileRepository) -> None:
    """The fixed-name temp a killed writer left is replaced by the next write."""
    repo.create_project("demo")
    left = repo.profiles_dir / ".demo.toml.tmp"
    left.write_text("partial")
    ProfileRepository(repo.root).create("demo", claude())
    assert not left.exists()
    assert repo.read_by_id("demo/claude_code").platform is Platform.CLAUDE_CODE


def test_stale_temps_are_swept_by_migrate(repo: ProfileRepository) -> None:
    """Old random-named temps of a project go on migrate(); fresh ones stay."""
    repo.create_project("demo")
    old = repo.profiles_dir / f".demo.toml.{'a' * 32}.tmp"
    fresh = repo.profiles_dir / f".demo.toml.{'b' * 32}.tmp"
    other = repo.profiles_dir / f".other.toml.{'c' * 32}.tmp"
    for temp in (old, fresh, other):
        temp.write_text("partial")
    os.utime(old, (1, 1))
    os.utime(other, (1, 1))
    ProfileRepository(repo.root).migrate()
    assert not old.exists()
    assert fresh.exists()
    assert other.exists()


def test_sweep_of_a_missing_folder(tmp_path: Path) -> None:
    """Sweeping a folder that does not exist removes nothing."""
    assert atomic.sweep_stale_temps(tmp_path / "nope" / "x.toml") == []


def test_sweep_ignores_files_it_cannot_remove(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A temp that cannot be removed is skipped."""
    temp = tmp_path / f".x.toml.{'a' * 32}.tmp"
    temp.write_text("")
    os.utime(temp, (1, 1))

    def refuse(*_args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "unlink", refuse)
    assert atomic.sweep_stale_temps(tmp_path / "x.toml") == []


def test_directory_fsync_tolerates_unsupported_file_systems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EINVAL from fsync of a folder is ignored; other errors propagate."""
    calls: list[int] = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        raise OSError(errno.EINVAL if len(calls) == 1 else errno.EIO, "no")

    monkeypatch.setattr(os, "fsync", fsync)
    atomic.fsync_directory(tmp_path)
    with pytest.raises(OSError, match="no"):
        atomic.fsync_directory(tmp_path)


def test_replace_retries_only_on_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Off Windows a PermissionError from os.replace propagates at once."""
    calls: list[object] = []

    def deny(*args: object) -> None:
        calls.append(args)
        raise PermissionError(errno.EACCES, "denied")

    monkeypatch.setattr(os, "replace", deny)
    monkeypatch.setattr(atomic, "_WINDOWS", False)
    with pytest.raises(PermissionError):
        atomic._replace(str(tmp_path / "a"), tmp_path / "b")
    assert len(calls) == 1


# --- symlinks -------------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
def test_symlink_out_of_the_store_is_refused(
    repo: ProfileRepository, tmp_path: Path
) -> None:
    """A profile file linked outside the store is neither read nor written."""
    repo.create_project("demo")
    outside = tmp_path / "outside.toml"
    outside.write_bytes(repo.path_for("demo").read_bytes())
    repo.path_for("demo").unlink()
    repo.path_for("demo").symlink_to(outside)
    before = outside.read_bytes()
    with pytest.raises(ProfilesError, match="outside the store"):
        ProfileRepository(repo.root).get_project("demo")
    with pytest.raises(ProfilesError, match="outside the store"):
        repo.create("demo", claude())
    assert outside.read_bytes() == before
    assert repo.path_for("demo").is_symlink()


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
def test_symlink_inside_the_store_reads_but_is_not_written(
    repo: ProfileRepository,
) -> None:
    """A link to another file of the store is read; writing through it is refused."""
    repo.create_project("demo")
    target = repo.profiles_dir / "demo.data"
    repo.path_for("demo").rename(target)
    repo.path_for("demo").symlink_to(target.name)
    assert repo.get_project("demo").project_id == "demo"
    with pytest.raises(ProfilesError, match="does not write through links"):
        repo.create("demo", claude())
    with pytest.raises(ProfilesError, match="does not delete through links"):
        repo.delete_project("demo")
    assert repo.path_for("demo").is_symlink()


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
def test_dangling_symlink_is_a_missing_project(repo: ProfileRepository) -> None:
    """A link into the store whose target is gone reads as no project."""
    repo.profiles_dir.mkdir(parents=True)
    repo.path_for("demo").symlink_to("gone.data")
    with pytest.raises(NotFoundError):
        repo.get_project("demo")


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
@pytest.mark.parametrize("linked", [".skillmeat", ".skillmeat/profiles"])
def test_store_folder_linked_outside_is_refused(tmp_path: Path, linked: str) -> None:
    """A .skillmeat or profiles folder that links out of the root is refused."""
    root = tmp_path / "root"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / linked).parent.mkdir(parents=True, exist_ok=True)
    (root / linked).symlink_to(elsewhere, target_is_directory=True)
    repo = ProfileRepository(root)
    with pytest.raises(ProfilesError, match="outside the store's root"):
        repo.create_project("demo")
    with pytest.raises(ProfilesError, match="outside the store's root"):
        repo.get_project("demo")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
def test_store_folder_linked_inside_root_is_used(tmp_path: Path) -> None:
    """A profiles folder that links to another folder inside the root works."""
    (tmp_path / "real").mkdir()
    (tmp_path / ".skillmeat").mkdir()
    (tmp_path / ".skillmeat" / "profiles").symlink_to(tmp_path / "real")
    repo = ProfileRepository(tmp_path)
    repo.create_project("demo")
    assert (tmp_path / "real" / "demo.toml").exists()


# --- invalid files -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        ("schema_version = 2\n[project\n", "not valid TOML", 2),
        (
            'schema_version = 2\n[project]\nid = "demo"\nname = 3\n'
            "created_at = 2026-01-01T00:00:00Z\nupdated_at = 2026-01-01T00:00:00Z\n",
            "name",
            4,
        ),
        (
            'schema_version = 2\n[project]\nid = "other"\n'
            "created_at = 2026-01-01T00:00:00Z\nupdated_at = 2026-01-01T00:00:00Z\n",
            "rename the file to other.toml",
            3,
        ),
    ],
)
def test_invalid_file_is_refused_and_never_overwritten(
    repo: ProfileRepository, content: str, message: str, line: int
) -> None:
    """A file the store cannot read is an error with its line; writes leave it alone."""
    repo.profiles_dir.mkdir(parents=True)
    path = repo.path_for("demo")
    path.write_text(content)
    with pytest.raises(ProfilesError, match=message) as caught:
        repo.get_project("demo")
    assert caught.value.path == str(path)
    assert caught.value.line == line
    for write in (
        lambda: repo.create("demo", claude()),
        lambda: repo.create_project("demo"),
        lambda: repo.delete_project("demo"),
        repo.migrate,
    ):
        with pytest.raises(ProfilesError):
            write()
    assert path.read_text() == content


def test_non_utf8_file(repo: ProfileRepository) -> None:
    """Bytes that are not UTF-8 are a ProfilesError with the line."""
    repo.profiles_dir.mkdir(parents=True)
    repo.path_for("demo").write_bytes(b"schema_version = 2\n# \xff\n")
    with pytest.raises(ProfilesError, match="not UTF-8") as caught:
        repo.get_project("demo")
    assert caught.value.line == 2


def test_newer_schema_is_refused_and_never_rewritten(repo: ProfileRepository) -> None:
    """A file from a newer library is UnsupportedSchemaError and stays as it is."""
    repo.profiles_dir.mkdir(parents=True)
    path = repo.path_for("demo")
    content = 'schema_version = 99\nfuture = "yes"\n'
    path.write_text(content)
    with pytest.raises(UnsupportedSchemaError, match="schema_version 99 was found"):
        repo.get_project("demo")
    with pytest.raises(UnsupportedSchemaError):
        repo.create("demo", claude())
    with pytest.raises(UnsupportedSchemaError):
        repo.migrate()
    assert path.read_text() == content


# --- the cache ---------------------------------------------------------------------


def test_cache_sees_same_size_same_mtime_replacement(repo: ProfileRepository) -> None:
    """A file replaced by one of equal size and mtime is still seen (content check)."""
    repo.create_project("demo")
    repo.create("demo", claude("aaa"))
    path = repo.path_for("demo")
    assert repo.read_by_id("demo/aaa").profile_id == "aaa"
    stat_before = path.stat()
    text = path.read_text().replace("[profiles.aaa", "[profiles.bbb")
    assert len(text) == stat_before.st_size
    replacement = path.with_name("replacement")
    replacement.write_text(text)
    os.utime(replacement, ns=(stat_before.st_atime_ns, stat_before.st_mtime_ns))
    os.replace(replacement, path)
    assert path.stat().st_mtime_ns == stat_before.st_mtime_ns
    assert [p.profile_id for p in repo.list_by_project("demo")] == ["bbb"]
    with pytest.raises(NotFoundError):
        repo.read_by_id("demo/aaa")


def test_cache_returns_the_same_object_for_unchanged_bytes(
    repo: ProfileRepository,
) -> None:
    """An unchanged file is not parsed again: the same Project comes back."""
    repo.create_project("demo")
    first = ProfileRepository(repo.root)
    assert first.get_project("demo") is first.get_project("demo")


def test_change_by_another_writer_reuses_unchanged_profiles(tmp_path: Path) -> None:
    """After another writer changes one profile, the others are the same objects."""
    writer = ProfileRepository(tmp_path, clock=Clock())
    writer.create_project("demo")
    for profile_id in ("a", "b", "c"):
        writer.create("demo", claude(profile_id))
    writer.record_deployment("demo", record("a"))
    reader = ProfileRepository(tmp_path)
    before = reader.get_project("demo")
    writer.update("demo", "b", DeploymentProfileUpdate(description="changed"))
    writer.record_deployment("demo", record("c", name="other"))
    after = reader.get_project("demo")
    assert after == ProfileRepository(tmp_path).get_project("demo")
    assert after.profile("a") is before.profile("a")
    assert after.profile("b").description == "changed"
    assert after.deployments[0] is before.deployments[0]


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace('name = "demo"', 'name = "renamed"'),
        lambda t: t.replace('root_dir = ".claude"', "root_dir = 7", 1),
        lambda t: t.replace('artifact_name = "review"', 'artifact_name = "oops"'),
        lambda t: t + "\n[extra]\nx = 1\n",
        lambda t: t + "\n[profiles.zz]\n",
        lambda t: t.replace("schema_version = 2", "schema_version = 1"),
    ],
)
def test_cached_and_fresh_reads_agree_after_an_edit(
    repo: ProfileRepository, edit: object
) -> None:
    """After any edit by another writer, a cached read equals a fresh one."""
    repo.create_project("demo")
    repo.create("demo", claude())
    repo.create("demo", claude("other"))
    repo.record_deployment("demo", record())
    path = repo.path_for("demo")
    assert callable(edit)
    path.write_text(edit(path.read_text()))
    fresh = ProfileRepository(repo.root)
    try:
        expected: Project | type[ProfilesError] = fresh.get_project("demo")
    except ProfilesError as error:
        expected = type(error)
    if isinstance(expected, Project):
        assert repo.get_project("demo") == expected
    else:
        with pytest.raises(expected):
            repo.get_project("demo")


# --- schema version 1 ----------------------------------------------------------------


def test_version_1_file_loads_transparently(repo: ProfileRepository) -> None:
    """The version-1 file reads as a project without profiles; nothing is written."""
    path = install_legacy(repo)
    project = repo.get_project("legacy")
    assert project.name == "Legacy project"
    assert project.deployment_profiles == ()
    assert [r.key for r in project.deployments] == [
        "command:ai/code-review",
        "skill:review",
    ]
    assert all(r.deployment_profile_id is None for r in project.deployments)
    assert repo.list_deployments("legacy")[1].content_hash is not None
    assert path.read_bytes() == LEGACY.read_bytes()
    assert sorted(p.name for p in repo.profiles_dir.iterdir()) == ["legacy.toml"]


def test_version_1_file_upgrades_on_write(repo: ProfileRepository) -> None:
    """The next write upgrades the file and keeps the original bytes beside it."""
    path = install_legacy(repo)
    repo.create("legacy", claude())
    assert path.read_text().startswith(
        "# A project file as the store wrote it before profiles existed.\n"
        "schema_version = 2\n"
    )
    backup = path.with_name("legacy.toml.v1.bak")
    assert backup.read_bytes() == LEGACY.read_bytes()
    project = ProfileRepository(repo.root).get_project("legacy")
    assert [p.profile_id for p in project.deployment_profiles] == ["claude_code"]
    assert len(project.deployments) == 2


def test_crud_on_a_store_of_version_1_files(repo: ProfileRepository) -> None:
    """Every operation works on a store holding a version-1 file."""
    install_legacy(repo)
    assert repo.project_ids() == ["legacy"]
    assert repo.list_by_project("legacy") == []
    with repo.transaction("legacy") as tx:
        tx.create(claude())
        tx.record_deployment(record())
    repo.update("legacy", "claude_code", DeploymentProfileUpdate(description="x"))
    repo.delete_deployment("legacy", "claude_code:skill:review")
    repo.delete("legacy", "claude_code")
    repo.delete_deployment("legacy", "skill:review")
    assert [r.key for r in repo.list_deployments("legacy")] == [
        "command:ai/code-review"
    ]
    repo.delete_project("legacy")
    assert repo.project_ids() == []


def test_migrate_dry_run_then_real(repo: ProfileRepository) -> None:
    """A dry run reports and writes nothing; a real run upgrades and backs up."""
    path = install_legacy(repo)
    repo.create_project("fresh")
    backup = path.with_name("legacy.toml.v1.bak")
    planned = repo.migrate(dry_run=True)
    assert planned == [
        Migration("fresh", repo.path_for("fresh"), 2, 2, None, changed=False),
        Migration("legacy", path, 1, 2, backup, changed=True),
    ]
    assert path.read_bytes() == LEGACY.read_bytes()
    assert not backup.exists()
    assert repo.migrate() == planned
    assert backup.read_bytes() == LEGACY.read_bytes()
    assert "schema_version = 2" in path.read_text()
    assert [m.changed for m in repo.migrate()] == [False, False]


def test_migrate_skips_a_file_deleted_meanwhile(
    repo: ProfileRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listed file that is gone when migrate reaches it is left out."""
    repo.create_project("a")
    monkeypatch.setattr(repo, "project_ids", lambda: ["a", "gone"])
    assert [m.project_id for m in repo.migrate()] == ["a"]


def test_backup_never_overwrites_another_backup(repo: ProfileRepository) -> None:
    """An existing, different backup is kept; the new one takes the next name."""
    path = install_legacy(repo)
    taken = path.with_name("legacy.toml.v1.bak")
    taken.write_text("someone else's")
    repo.migrate()
    assert taken.read_text() == "someone else's"
    assert path.with_name("legacy.toml.v1-2.bak").read_bytes() == LEGACY.read_bytes()


def test_load_file_reads_any_path(repo: ProfileRepository, tmp_path: Path) -> None:
    """load_file validates a file anywhere and checks its name."""
    assert repo.load_file(LEGACY).project_id == "legacy"
    wrong = tmp_path / "wrong.toml"
    wrong.write_bytes(LEGACY.read_bytes())
    with pytest.raises(InvalidDataError, match="named after its id"):
        repo.load_file(wrong)
    with pytest.raises(ProfilesError, match="cannot read the project file"):
        repo.load_file(tmp_path / "missing.toml")


# --- user store and imports -----------------------------------------------


def test_user_store_honours_skillmeat_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SKILLMEAT_HOME names the root of the user store."""
    monkeypatch.setenv("SKILLMEAT_HOME", str(tmp_path))
    repo = ProfileRepository.user_store(lock_timeout=1)
    assert repo.profiles_dir == tmp_path / ".skillmeat" / "profiles"
    assert repr(repo) == f"ProfileRepository({str(tmp_path)!r})"


def test_user_store_defaults_to_the_user_data_dir(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without SKILLMEAT_HOME the store lives in platformdirs' user data folder."""
    import platformdirs

    monkeypatch.setenv("SKILLMEAT_HOME", "  ")
    repo = ProfileRepository.user_store()
    assert repo.root == Path(platformdirs.user_data_dir("skillmeat", appauthor=False))


def test_read_only_use_imports_no_writer_dependencies(tmp_path: Path) -> None:
    """Reading a store imports neither filelock, platformdirs nor the CLI."""
    ProfileRepository(tmp_path).create_project("demo")
    code = (
        "import sys\n"
        "from skillmeat_profiles import ProfileRepository\n"
        "repo = ProfileRepository(sys.argv[1])\n"
        "repo.get_project('demo')\n"
        "names = ('filelock', 'platformdirs', 'skillmeat_profiles._cli')\n"
        "print(sorted(m for m in names if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


# --- docs ----------------------------------------------------------------------------


def example_file(root: Path) -> str:
    """The annotated example of docs/storage.md, made by the store itself."""
    repo = ProfileRepository(root, clock=lambda: T0)
    repo.create_project(
        "my-app", name="My app", header="#:schema ../profile.schema.json\n"
    )
    repo.create(
        "my-app",
        DeploymentProfileCreate(
            profile_id="codex",
            platform=Platform.CODEX,
            artifact_path_map={"skill": "/.agents/skills/*/", "agent": "agents/*.toml"},
            project_config_filenames=["AGENTS.md"],
            context_path_prefixes=[".codex/specs"],
            description="Codex CLI",
        ),
    )
    repo.record_deployment(
        "my-app",
        Deployment(
            artifact_name="review",
            artifact_type="skill",
            artifact_path=".agents/skills/review",
            deployed_at=T0,
            deployment_profile_id="codex",
        ),
    )
    return repo.path_for("my-app").read_text()


def test_docs_example_is_what_the_store_writes(tmp_path: Path) -> None:
    """The example file in docs/storage.md is byte for byte what the store writes."""
    docs = Path(__file__).parent.parent / "docs" / "storage.md"
    text = docs.read_text()
    start = text.index("<!-- example:start -->")
    end = text.index("<!-- example:end -->")
    block = text[start:end].split("```toml\n", 1)[1].rsplit("```", 1)[0]
    # The docs annotate lines with trailing comments; the file has none.
    shown = "".join(
        line.split("  # ", 1)[0].rstrip() + "\n" for line in block.splitlines()
    )
    assert shown == example_file(tmp_path)


def test_write_to_missing_project_creates_nothing(tmp_path: Path) -> None:
    """A change to a project that does not exist leaves no folder, lock or file."""
    repo = ProfileRepository(tmp_path)
    data = DeploymentProfileCreate(profile_id="codex", platform="codex")
    with pytest.raises(NotFoundError, match="no project 'ghost'"):
        repo.create("ghost", data)
    with pytest.raises(NotFoundError, match="no project 'ghost'"):
        repo.delete_project("ghost")
    assert list(tmp_path.iterdir()) == []

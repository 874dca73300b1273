"""The file-backed profile repository: one TOML file per project."""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._atomic import (
    PathLock,
    fsync_directory,
    os_error,
    sweep_stale_temps,
    write_atomic,
)
from ._chunks import Groups, table_groups
from ._codec import (
    Fragment,
    from_document,
    locate,
    parse_toml,
    project_from_document,
    render_project,
    split_header,
    structure_project_profile,
)
from ._errors import ConflictError, InvalidDataError, NotFoundError, ProfilesError
from ._models import (
    Deployment,
    DeploymentProfile,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    Project,
)
from ._schema import SCHEMA_VERSION
from ._validate import check_id

if TYPE_CHECKING:
    import builtins
    from collections.abc import Callable, Iterable, Iterator

__all__ = ["Migration", "ProfileRepository", "Transaction"]

#: The environment variable that overrides the user-level store's root.
HOME_ENV: Final = "SKILLMEAT_HOME"

#: Written into a profiles folder the store creates: lock and temp files stay
#: out of ``git status``; backups of upgraded files are never hidden, even by
#: a global ``*.bak`` rule, so that they are noticed and dealt with.
GITIGNORE: Final = (
    "# Written by skillmeat-profiles: its lock and temporary files.\n"
    ".*.lock\n"
    ".*.tmp\n"
    "!*.bak\n"
)

_TOP_KEYS: Final = frozenset({"schema_version", "project", "profiles", "deployments"})
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
)


def _now() -> datetime:
    return datetime.now(UTC)


def _os_error(error: OSError, path: Path | str, action: str) -> ProfilesError:
    return os_error(error, path, action)


@attrs.frozen
class Migration:
    """What ``ProfileRepository.migrate`` did (or, in a dry run, would do) to one file.

    Attributes:
        project_id: The project the file holds.
        path: The project file.
        from_version: The ``schema_version`` the file had.
        to_version: The ``schema_version`` it has after the migration.
        backup_path: Where the original bytes are kept, for an upgraded file.
        changed: Whether the file is (or would be) rewritten.
    """

    project_id: str
    path: Path
    from_version: int
    to_version: int
    backup_path: Path | None
    changed: bool


@attrs.frozen
class _Entry:
    """One file as last seen: its bytes and what they hold."""

    data: bytes
    project: Project
    version: int
    header: str
    document: dict[str, Any]
    #: The tables as last written by this repository, reused by the next
    #: write for every profile and record it leaves alone.
    fragments: dict[tuple[str, str], Fragment] = attrs.field(factory=dict)
    #: The text of each table group (``_chunks.table_groups``), if it could be
    #: cut with certainty; a re-read then parses only the groups that changed.
    groups: Groups | None = None
    #: False for a file this repository wrote: its groups are worked out
    #: only if a re-read needs them, which keeps the cost off every write.
    groups_known: bool = True

    def table_groups(self) -> Groups | None:
        """The file's table groups, worked out now if they were not yet."""
        if self.groups_known:
            return self.groups
        return table_groups(self.data.decode("utf-8"))


class ProfileRepository:
    """Profiles and records in ``<root>/.skillmeat/profiles/<project_id>.toml``.

    Reads never write and never create anything. Every write holds the
    project's lock (across threads and processes), re-reads the file, and
    replaces it atomically and durably; a write that would not change the
    file's bytes is skipped. A file that cannot be parsed, that holds invalid
    data, that a newer version of the library wrote, or that is a symbolic
    link leading out of the store is refused, and never overwritten.

    Args:
        root: The folder that holds ``.skillmeat/``: a project's own folder,
            or a user-level folder (see ``user_store``).
        clock: Returns the current time (aware); defaults to
            ``datetime.now(UTC)``. A fixed clock gives byte-identical files.
        lock_timeout: Seconds to wait for a project's lock before
            ``LockTimeoutError``.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] | None = None,
        lock_timeout: float = 10.0,
    ) -> None:
        self.root: Path = Path(root)
        self.profiles_dir: Path = self.root / ".skillmeat" / "profiles"
        self._clock = clock if clock is not None else _now
        self._lock_timeout = lock_timeout
        self._cache: dict[Path, _Entry] = {}
        self._paths: dict[str, Path] = {}
        self._locks: dict[Path, PathLock] = {}
        self._locks_guard = threading.Lock()
        self._ignored = False
        self._open = threading.local()

    @classmethod
    def user_store(
        cls, *, clock: Callable[[], datetime] | None = None, lock_timeout: float = 10.0
    ) -> ProfileRepository:
        """The user-level store: ``$SKILLMEAT_HOME`` if set, else the user data folder.

        The user data folder is ``platformdirs.user_data_dir("skillmeat")``
        (``~/.local/share/skillmeat`` on Linux, ``~/Library/Application
        Support/skillmeat`` on macOS, ``%LOCALAPPDATA%\\skillmeat`` on Windows).
        """
        home = os.environ.get(HOME_ENV, "")
        if home.strip():
            root = Path(home).expanduser()
        else:
            # Imported here: only the user store needs it.
            import platformdirs

            root = Path(platformdirs.user_data_dir("skillmeat", appauthor=False))
        return cls(root, clock=clock, lock_timeout=lock_timeout)

    def __repr__(self) -> str:
        return f"ProfileRepository({str(self.root)!r})"

    # -- paths -------------------------------------------------------------

    def path_for(self, project_id: str) -> Path:
        """The file of ``project_id`` (which need not exist); the id is validated."""
        path = self._paths.get(project_id)
        if path is None:
            check_id(project_id, "project_id")
            path = self.profiles_dir / f"{project_id}.toml"
            self._paths[project_id] = path
        return path

    def project_ids(self) -> list[str]:
        """The ids of the projects in the store, sorted, from the file names alone."""
        self._check_dirs()
        try:
            names = os.listdir(self.profiles_dir)
        except FileNotFoundError:
            return []
        except OSError as error:
            raise _os_error(
                error, self.profiles_dir, "list the profiles folder"
            ) from None
        ids = []
        for name in names:
            if not name.endswith(".toml"):
                continue
            stem = name[:-5]
            try:
                ids.append(check_id(stem, "project_id"))
            except InvalidDataError:
                continue
        return sorted(ids)

    def _check_dirs(self) -> None:
        """Refuse a ``.skillmeat`` or ``profiles`` folder linked out of ``root``."""
        for directory in (self.root / ".skillmeat", self.profiles_dir):
            if os.path.islink(directory):
                _contained(
                    directory,
                    self.root,
                    "the folder is a symbolic link to {target}, outside the store's "
                    "root {within}; the store does not follow it. Replace the link "
                    "with a real folder",
                )

    def _check_link(self, path: Path) -> Path:
        """The target of a profile file that is a link, if inside the store."""
        return _contained(
            path,
            self.profiles_dir,
            "the file is a symbolic link to {target}, outside the store {within}; "
            "the store neither reads nor writes through it. Replace the link with "
            "the file itself",
        )

    # -- reading -----------------------------------------------------------

    def _read_bytes(self, path: Path) -> bytes | None:
        """The bytes of a project file, or ``None`` if it does not exist."""
        self._check_dirs()
        try:
            fd = os.open(path, _READ_FLAGS | _NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as error:
            if error.errno != errno.ELOOP:
                raise _os_error(error, path, "open the project file") from None
            # O_NOFOLLOW refused a symbolic link: follow it only into the store.
            try:
                fd = os.open(self._check_link(path), _READ_FLAGS)
            except FileNotFoundError:
                return None
            except OSError as inner:
                raise _os_error(inner, path, "open the project file") from None
        if not _NOFOLLOW and os.path.islink(path):  # pragma: no cover - Windows
            os.close(fd)
            fd = os.open(self._check_link(path), _READ_FLAGS)
        try:
            chunks = []
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError as error:
            raise _os_error(error, path, "read the project file") from None
        finally:
            # The bytes are read; an error closing a read-only descriptor
            # loses nothing.
            with contextlib.suppress(OSError):
                os.close(fd)
        return b"".join(chunks)

    def _parse(self, path: Path, data: bytes, previous: _Entry | None) -> _Entry:
        where = str(path)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise ProfilesError(
                "the file is not UTF-8 text; save it as UTF-8", path=where, line=line
            ) from None
        groups = table_groups(text)
        reused = _reuse_groups(groups, previous) if previous is not None else None
        doc: dict[str, Any] = {}
        if reused is None:
            doc = parse_toml(text, path=where)
            reused = _reuse(doc, previous) if previous is not None else None
        if reused is not None:
            project, version = reused, SCHEMA_VERSION
        else:
            project, version = project_from_document(doc, path=where, text=text)
        if project.project_id != path.stem:
            raise InvalidDataError(
                f"project.id: the file {path.name} holds project "
                f"{project.project_id!r}; a project's file is named after its id: "
                f"set project.id = {path.stem!r} or rename the file to "
                f"{project.project_id}.toml",
                path=where,
                line=locate(text, "project.id"),
                field="project.id",
            )
        header, _ = split_header(text)
        # Unchanged tables of a reused project are the same objects, so the
        # previous rendering's fragments still apply to them.
        fragments = previous.fragments if reused is not None and previous else {}
        return _Entry(data, project, version, header, doc, fragments, groups)

    def _load(self, path: Path) -> _Entry | None:
        """The file's entry, parsed only if its bytes differ from the cached ones."""
        data = self._read_bytes(path)
        if data is None:
            self._cache.pop(path, None)
            return None
        entry = self._cache.get(path)
        # The content itself is the version token: equal bytes, equal project.
        if entry is not None and entry.data == data:
            return entry
        entry = self._parse(path, data, entry)
        self._cache[path] = entry
        return entry

    def _require(self, project_id: str) -> _Entry:
        path = self.path_for(project_id)
        entry = self._load(path)
        if entry is None:
            raise NotFoundError(
                f"no project {project_id!r} in the store {self.profiles_dir}; "
                "create it first: ProfileRepository.create_project, or "
                "`skillmeat-profiles init`",
                path=str(path),
            )
        return entry

    def load_file(self, path: str | os.PathLike[str]) -> Project:
        """Parse and validate one project file anywhere, named ``<project_id>.toml``."""
        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise _os_error(error, file, "read the project file") from None
        return self._parse(file, data, None).project

    def get_project(self, project_id: str) -> Project:
        """The project ``project_id``, with its profiles and records."""
        return self._require(project_id).project

    def list_projects(self) -> list[Project]:
        """Every project of the store, sorted by ``project_id``."""
        projects = []
        for project_id in self.project_ids():
            entry = self._load(self.path_for(project_id))
            if entry is not None:
                projects.append(entry.project)
        return projects

    def read_by_project_and_profile_id(
        self, project_id: str, profile_id: str
    ) -> DeploymentProfile:
        """The profile ``profile_id`` of ``project_id``; else ``NotFoundError``."""
        return _find_profile(self._require(project_id).project, profile_id, self)

    def read_by_id(self, id: str) -> DeploymentProfile:
        """The profile whose ``id`` is ``"<project>/<profile>"``; reads one file."""
        project_id, slash, profile_id = (
            id.partition("/") if isinstance(id, str) else ("", "", "")
        )
        if not slash or not project_id or not profile_id:
            raise InvalidDataError(
                f"id: {id!r} is not a profile id; expected "
                "'<project_id>/<profile_id>', such as 'my-project/claude_code'",
                field="id",
            )
        return self.read_by_project_and_profile_id(project_id, profile_id)

    def list_by_project(self, project_id: str) -> list[DeploymentProfile]:
        """The profiles of ``project_id``, sorted by ``profile_id``."""
        return list(self._require(project_id).project.deployment_profiles)

    def list_deployments(
        self, project_id: str, *, profile_id: str | None = None
    ) -> list[Deployment]:
        """The deployment records of ``project_id`` (of one profile), sorted by key."""
        return _records(self._require(project_id).project, profile_id)

    # -- writing -----------------------------------------------------------

    def _lock(self, path: Path) -> PathLock:
        lock = self._locks.get(path)
        if lock is None:
            with self._locks_guard:
                lock = self._locks.get(path)
                if lock is None:
                    lock = PathLock(
                        path.with_name(f".{path.name}.lock"), path, self._lock_timeout
                    )
                    self._locks[path] = lock
        return lock

    def _prepare_dir(self) -> None:
        """Create the profiles folder (with its ``.gitignore``) if needed."""
        self._check_dirs()
        directory = self.profiles_dir
        try:
            if not directory.is_dir():
                directory.mkdir(parents=True, exist_ok=True)
                self._ignored = False
            # Checked once per repository (and again after the folder was
            # made): a folder that lacks it gets it, so that lock and temp
            # files never show in ``git status``.
            if not self._ignored:
                ignore = directory / ".gitignore"
                if not ignore.exists():
                    write_atomic(ignore, GITIGNORE.encode())
                self._ignored = True
        except OSError as error:
            raise _os_error(error, directory, "create the profiles folder") from None

    def _open_transactions(self) -> set[Path]:
        paths: set[Path] | None = getattr(self._open, "paths", None)
        if paths is None:
            paths = set()
            self._open.paths = paths
        return paths

    @contextlib.contextmanager
    def _writing(
        self, project_id: str, *, creating: bool = False
    ) -> Iterator[tuple[Path, _Entry | None]]:
        """Hold the project's lock; yield its path and its current entry, re-read."""
        path = self.path_for(project_id)
        if path in self._open_transactions():
            raise ConflictError(
                f"a transaction on project {project_id!r} is open in this thread; "
                "make the change through the transaction object",
                path=str(path),
            )
        if not creating:
            self._check_dirs()
            if not os.path.lexists(path):
                # A change to a missing project fails: it must not leave a
                # profiles folder, a .gitignore or a lock file on its way.
                self._cache.pop(path, None)
                yield path, None
                return
        self._prepare_dir()
        lock = self._lock(path)
        with lock.hold():
            yield path, self._load(path)

    def _commit(
        self, path: Path, entry: _Entry | None, project: Project, header: str = ""
    ) -> None:
        """Write ``project`` to ``path`` (lock held), unless the bytes are the same."""
        if entry is not None:
            header = entry.header
            if entry.project is project and entry.version == SCHEMA_VERSION:
                return
        text, document, fragments = render_project(
            project, entry.fragments if entry is not None else None
        )
        data = (header + text).encode("utf-8")
        if entry is not None and entry.data == data:
            return
        if os.path.islink(path):
            self._check_link(path)
            raise ProfilesError(
                "the file is a symbolic link; the store does not write through "
                "links. Replace the link with the file itself",
                path=str(path),
            )
        try:
            if entry is not None and entry.version < SCHEMA_VERSION:
                backup = _backup_path(path, entry)
                if not backup.exists():
                    write_atomic(backup, entry.data, locked=True)
            write_atomic(path, data, locked=True)
        except OSError as error:
            self._cache.pop(path, None)
            raise _os_error(error, path, "write the project file") from None
        self._cache[path] = _Entry(
            data,
            project,
            SCHEMA_VERSION,
            header,
            document,
            fragments,
            None,
            False,
        )

    def create_project(
        self,
        project_id: str,
        *,
        name: str | None = None,
        path: str | None = None,
        header: str | None = None,
        profiles: Iterable[DeploymentProfileCreate] = (),
    ) -> Project:
        """Create a project, with ``profiles`` if given; ``ConflictError`` if it exists.

        ``header`` is written above ``schema_version`` in the new file: comment
        lines, such as an editor's ``#:schema`` directive. ``profiles`` are
        built with the project's own time stamp and written in the same single
        write as the project, so the file appears whole or not at all; two
        with one ``profile_id`` raise ``ConflictError`` and write nothing.
        """
        now = self._clock()
        file = self.path_for(project_id)
        built: list[DeploymentProfile] = []
        seen: set[str] = set()
        for data in profiles:
            if not isinstance(data, DeploymentProfileCreate):
                raise InvalidDataError(
                    "profiles: expected DeploymentProfileCreate items, not "
                    f"{type(data).__name__}",
                    field="profiles",
                )
            if data.profile_id in seen:
                raise ConflictError(
                    f"profiles: profile_id {data.profile_id!r} is given twice; "
                    "give each profile its own profile_id",
                    path=str(file),
                )
            seen.add(data.profile_id)
            built.append(data.build(now=now, project_id=project_id))
        fields: dict[str, Any] = {
            "project_id": project_id,
            "created_at": now,
            "updated_at": now,
            "deployment_profiles": tuple(built),
        }
        if name is not None:
            fields["name"] = name
        if path is not None:
            fields["path"] = path
        project = Project(**fields)
        prefix = _check_header(header)
        with self._writing(project_id, creating=True) as (file, entry):
            if entry is not None:
                raise ConflictError(
                    f"project {project_id!r} already exists; pick another id, or "
                    "delete it first (delete_project)",
                    path=str(file),
                )
            self._commit(file, None, project, prefix)
        return project

    def delete_project(self, project_id: str) -> None:
        """Delete the project's file, with its profiles and records."""
        with self._writing(project_id) as (path, entry):
            if entry is None:
                raise NotFoundError(
                    f"no project {project_id!r} in the store {self.profiles_dir}",
                    path=str(path),
                )
            if os.path.islink(path):
                raise ProfilesError(
                    "the file is a symbolic link; the store does not delete through "
                    "links. Remove the link yourself",
                    path=str(path),
                )
            try:
                os.unlink(path)
                fsync_directory(path.parent)
            except OSError as error:
                raise _os_error(error, path, "delete the project file") from None
            finally:
                self._cache.pop(path, None)

    def transaction(
        self, project_id: str
    ) -> contextlib.AbstractContextManager[Transaction]:
        """A block of changes to one project, written once, atomically, at its end.

        An exception inside the block writes nothing and propagates. The
        project's lock is held for the whole block.
        """
        return self._transaction(project_id)

    @contextlib.contextmanager
    def _transaction(self, project_id: str) -> Iterator[Transaction]:
        with self._writing(project_id) as (path, entry):
            if entry is None:
                raise NotFoundError(
                    f"no project {project_id!r} in the store {self.profiles_dir}; "
                    "create it first: ProfileRepository.create_project, or "
                    "`skillmeat-profiles init`",
                    path=str(path),
                )
            tx = Transaction(self, entry.project)
            opened = self._open_transactions()
            opened.add(path)
            try:
                yield tx
            finally:
                opened.discard(path)
                tx._closed = True
            self._commit(path, entry, tx.project)

    def _one(self, project_id: str) -> contextlib.AbstractContextManager[Transaction]:
        return self._transaction(project_id)

    def create(
        self, project_id: str, data: DeploymentProfileCreate
    ) -> DeploymentProfile:
        """Add a profile to a project; ``ConflictError`` if its id is taken."""
        with self._one(project_id) as tx:
            return tx.create(data)

    def update(
        self, project_id: str, profile_id: str, data: DeploymentProfileUpdate
    ) -> DeploymentProfile:
        """Apply ``data`` to a profile; a change to nothing writes nothing."""
        with self._one(project_id) as tx:
            return tx.update(profile_id, data)

    def delete(self, project_id: str, profile_id: str) -> None:
        """Delete a profile; ``ConflictError`` while deployment records name it."""
        with self._one(project_id) as tx:
            tx.delete(profile_id)

    def record_deployment(self, project_id: str, deployment: Deployment) -> Deployment:
        """Keep a deployment record, replacing an earlier one with the same ``key``.

        A record naming a profile the project lacks raises ``NotFoundError``;
        ``platform`` and ``profile_root_dir`` left ``None`` are filled in from
        the profile. A record without a profile (a legacy one) is kept as is.
        """
        with self._one(project_id) as tx:
            return tx.record_deployment(deployment)

    def delete_deployment(self, project_id: str, key: str) -> None:
        """Delete the deployment record ``key`` (``[profile_id:]type:name``)."""
        with self._one(project_id) as tx:
            tx.delete_deployment(key)

    def migrate(self, *, dry_run: bool = False) -> list[Migration]:
        """Upgrade every file of an older ``schema_version`` to the current one.

        Each upgraded file's original bytes are kept beside it
        (``<project_id>.toml.v<N>.bak``), and temp files older than ten
        minutes that a crashed writer left are removed. With ``dry_run``,
        nothing is written and the result says what would be done. Returns one ``Migration`` per
        project file, upgraded or not.
        """
        results = []
        for project_id in self.project_ids():
            if dry_run:
                entry = self._require(project_id)
                path = self.path_for(project_id)
                results.append(_migration(path, entry))
                continue
            with self._writing(project_id) as (path, current):
                if current is None:  # deleted since it was listed
                    continue
                results.append(_migration(path, current))
                self._commit(path, current, current.project)
                # Housekeeping that would cost a folder listing on every
                # write: old random-named temps of unlocked writes.
                sweep_stale_temps(path)
        return results


def _contained(link: Path, within: Path, message: str) -> Path:
    """The real target of ``link``, or a ``ProfilesError`` if it leaves ``within``.

    ``message`` names the problem, with ``{target}`` and ``{within}`` filled in.
    """
    real_within = Path(os.path.realpath(within))
    target = Path(os.path.realpath(link))
    if not target.is_relative_to(real_within):
        raise ProfilesError(
            message.format(target=target, within=real_within), path=str(link)
        )
    return target


def _reuse_groups(groups: Groups | None, previous: _Entry) -> Project | None:
    """The project of a changed file, parsing only the table groups that changed.

    A group whose text equals the previous text holds the previous object.
    ``None`` when the shortcut does not apply (a file that cannot be cut
    with certainty, a changed preamble or ``[project]`` table, any error):
    the caller then parses the whole file, which also locates errors.
    """
    old = previous.table_groups()
    if (
        groups is None
        or old is None
        or previous.version != SCHEMA_VERSION
        or groups[()] != old[()]
        or groups.get(("project",)) != old.get(("project",))
    ):
        return None
    project = previous.project
    old_profiles = {p.profile_id: p for p in project.deployment_profiles}
    old_records = {r.key: r for r in project.deployments}
    profiles: list[DeploymentProfile] = []
    records: list[Deployment] = []
    try:
        for key, text in groups.items():
            if len(key) != 2:
                continue
            section, name = key
            if section == "profiles":
                profile = old_profiles.get(name) if old.get(key) == text else None
                if profile is None:
                    profile = structure_project_profile(
                        _one_table(text, section, name), name, project.project_id
                    )
                profiles.append(profile)
            else:
                record = old_records.get(name) if old.get(key) == text else None
                if record is None:
                    record = from_document(_one_table(text, section, name), Deployment)
                    if record.key != name:
                        return None
                records.append(record)
        return attrs.evolve(project, deployment_profiles=profiles, deployments=records)
    except ProfilesError:
        return None


def _one_table(text: str, section: str, name: str) -> object:
    """The body of the one table ``[section.name]`` that ``text`` defines."""
    doc = parse_toml(text)
    tables = doc.get(section)
    if (
        doc.keys() != {section}
        or not isinstance(tables, dict)
        or tables.keys() != {name}
    ):
        raise ProfilesError("not one table")
    return tables[name]


def _reuse(doc: dict[str, Any], previous: _Entry) -> Project | None:
    """``doc`` structured by reusing the unchanged profiles and records of ``previous``.

    A file another process changed usually differs in one profile or record:
    only those are validated again. ``None`` when the shortcut does not
    apply (another version, a changed ``[project]`` table, any invalid
    data): the full path then structures the document and locates errors.
    """
    old = previous.document
    if (
        previous.version != SCHEMA_VERSION
        or doc.get("schema_version") != SCHEMA_VERSION
        or not doc.keys() <= _TOP_KEYS
        or doc.get("project") != old.get("project")
    ):
        return None
    bodies = doc.get("profiles", {})
    record_bodies = doc.get("deployments", {})
    if not isinstance(bodies, dict) or not isinstance(record_bodies, dict):
        return None
    old_bodies = old.get("profiles", {})
    old_record_bodies = old.get("deployments", {})
    profiles = []
    fresh: dict[str, Any] = {}
    known = {p.profile_id: p for p in previous.project.deployment_profiles}
    for profile_id, body in bodies.items():
        if profile_id in known and old_bodies.get(profile_id) == body:
            profiles.append(known[profile_id])
        else:
            fresh[profile_id] = body
    records = []
    fresh_records: dict[str, Any] = {}
    known_records = {r.key: r for r in previous.project.deployments}
    for key, body in record_bodies.items():
        if key in known_records and old_record_bodies.get(key) == body:
            records.append(known_records[key])
        else:
            fresh_records[key] = body
    if fresh or fresh_records:
        project_id = previous.project.project_id
        try:
            profiles.extend(
                structure_project_profile(body, profile_id, project_id)
                for profile_id, body in fresh.items()
            )
            new_records = [from_document(b, Deployment) for b in fresh_records.values()]
        except ProfilesError:
            return None
        if any(r.key != key for r, key in zip(new_records, fresh_records, strict=True)):
            return None
        records.extend(new_records)
    try:
        return attrs.evolve(
            previous.project, deployment_profiles=profiles, deployments=records
        )
    except ProfilesError:
        return None


def _migration(path: Path, entry: _Entry) -> Migration:
    changed = entry.version < SCHEMA_VERSION
    return Migration(
        project_id=entry.project.project_id,
        path=path,
        from_version=entry.version,
        to_version=SCHEMA_VERSION,
        backup_path=_backup_path(path, entry) if changed else None,
        changed=changed,
    )


def _backup_path(path: Path, entry: _Entry) -> Path:
    """Where an upgraded file's original bytes go: a free name, or the same bytes."""
    base = path.with_name(f"{path.name}.v{entry.version}.bak")
    candidate = base
    number = 1
    while True:
        try:
            if not candidate.exists() or candidate.read_bytes() == entry.data:
                return candidate
        except OSError:
            pass
        number += 1
        candidate = base.with_name(f"{path.name}.v{entry.version}-{number}.bak")


def _check_header(header: str | None) -> str:
    if header is None or header == "":
        return ""
    text = header if header.endswith("\n") else header + "\n"
    prefix, rest = split_header(text)
    if rest:
        raise InvalidDataError(
            f"header: {header!r} is not valid: it must be comment lines (each "
            "starting with '#') or blank lines, such as "
            "'#:schema ../profile.schema.json'",
            field="header",
        )
    return prefix


def _find_profile(
    project: Project, profile_id: str, repo: ProfileRepository | None = None
) -> DeploymentProfile:
    for profile in project.deployment_profiles:
        if profile.profile_id == profile_id:
            return profile
    known = ", ".join(p.profile_id for p in project.deployment_profiles) or "none"
    where = str(repo.path_for(project.project_id)) if repo is not None else None
    raise NotFoundError(
        f"project {project.project_id!r} has no profile {profile_id!r} "
        f"(profiles: {known}); create it first, or check the id",
        path=where,
    )


def _records(project: Project, profile_id: str | None) -> list[Deployment]:
    if profile_id is None:
        return list(project.deployments)
    return [r for r in project.deployments if r.deployment_profile_id == profile_id]


class Transaction:
    """Changes to one project inside ``with repo.transaction(project_id) as tx:``.

    The changes apply to ``tx.project`` at once and reach the file together,
    atomically, when the block ends without an exception.
    """

    def __init__(self, repository: ProfileRepository, project: Project) -> None:
        self._repository = repository
        self._project = project
        self._closed = False

    @property
    def project(self) -> Project:
        """The project as the block has changed it so far."""
        return self._project

    def _check_open(self) -> None:
        if self._closed:
            raise ProfilesError(
                f"the transaction on project {self._project.project_id!r} has ended; "
                "start a new one with repo.transaction()"
            )

    def _replace(self, **changes: Any) -> None:
        self._project = attrs.evolve(self._project, **changes)

    def get(self, profile_id: str) -> DeploymentProfile:
        """The profile ``profile_id``; else ``NotFoundError``."""
        return _find_profile(self._project, profile_id, self._repository)

    def list(self) -> builtins.list[DeploymentProfile]:
        """The project's profiles, sorted by ``profile_id``."""
        return list(self._project.deployment_profiles)

    def list_deployments(
        self, profile_id: str | None = None
    ) -> builtins.list[Deployment]:
        """The project's deployment records (of one profile), sorted by key."""
        return _records(self._project, profile_id)

    def create(self, data: DeploymentProfileCreate) -> DeploymentProfile:
        """Add a profile; ``ConflictError`` if its ``profile_id`` is taken."""
        self._check_open()
        if not isinstance(data, DeploymentProfileCreate):
            raise InvalidDataError(
                f"data: expected a DeploymentProfileCreate, not {type(data).__name__}",
                field="data",
            )
        project = self._project
        if any(p.profile_id == data.profile_id for p in project.deployment_profiles):
            raise ConflictError(
                f"project {project.project_id!r} already has a profile "
                f"{data.profile_id!r}; pick another profile_id, or update that one",
                path=str(self._repository.path_for(project.project_id)),
            )
        profile = data.build(
            now=self._repository._clock(), project_id=project.project_id
        )
        self._replace(deployment_profiles=(*project.deployment_profiles, profile))
        return profile

    def update(
        self, profile_id: str, data: DeploymentProfileUpdate
    ) -> DeploymentProfile:
        """Apply ``data`` to a profile; a change to nothing changes nothing."""
        self._check_open()
        if not isinstance(data, DeploymentProfileUpdate):
            raise InvalidDataError(
                f"data: expected a DeploymentProfileUpdate, not {type(data).__name__}",
                field="data",
            )
        old = self.get(profile_id)
        new = data.apply(old, now=self._repository._clock())
        if new is not old:
            self._replace(
                deployment_profiles=tuple(
                    new if p is old else p for p in self._project.deployment_profiles
                )
            )
        return new

    def delete(self, profile_id: str) -> None:
        """Delete a profile; ``ConflictError`` while deployment records name it."""
        self._check_open()
        old = self.get(profile_id)
        users = [
            r.key
            for r in self._project.deployments
            if r.deployment_profile_id == profile_id
        ]
        if users:
            shown = ", ".join(repr(key) for key in users[:5])
            more = f" and {len(users) - 5} more" if len(users) > 5 else ""
            raise ConflictError(
                f"profile {profile_id!r} of project {self._project.project_id!r} is "
                f"named by {len(users)} deployment record(s): {shown}{more}; delete "
                "those records first (delete_deployment), or keep the profile",
                path=str(self._repository.path_for(self._project.project_id)),
            )
        self._replace(
            deployment_profiles=tuple(
                p for p in self._project.deployment_profiles if p is not old
            )
        )

    def record_deployment(self, deployment: Deployment) -> Deployment:
        """Keep a record, replacing one with the same key; see ``ProfileRepository``."""
        self._check_open()
        if not isinstance(deployment, Deployment):
            raise InvalidDataError(
                f"deployment: expected a Deployment, not {type(deployment).__name__}",
                field="deployment",
            )
        record = deployment
        if record.deployment_profile_id is not None:
            profile = self.get(record.deployment_profile_id)
            fill: dict[str, Any] = {}
            if record.platform is None:
                fill["platform"] = profile.platform
            if record.profile_root_dir is None:
                fill["profile_root_dir"] = profile.root_dir
            if fill:
                record = attrs.evolve(record, **fill)
        others = tuple(r for r in self._project.deployments if r.key != record.key)
        self._replace(deployments=(*others, record))
        return record

    def delete_deployment(self, key: str) -> None:
        """Delete the record ``key``; ``NotFoundError`` if there is none."""
        self._check_open()
        kept = tuple(r for r in self._project.deployments if r.key != key)
        if len(kept) == len(self._project.deployments):
            known = ", ".join(repr(r.key) for r in self._project.deployments) or "none"
            raise NotFoundError(
                f"project {self._project.project_id!r} has no deployment record "
                f"{key!r} (records: {known})",
                path=str(self._repository.path_for(self._project.project_id)),
            )
        self._replace(deployments=kept)

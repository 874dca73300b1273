"""The reference: the repository API on SQLAlchemy 2 ORM and SQLite, as first planned.

Two tables, ``projects`` and ``deployment_profiles``, with JSON columns for
``artifact_path_map``, ``config_filenames``, ``context_prefixes`` and
``supported_types``, a unique index on ``(project_id, profile_id)`` and a
foreign key that cascades on delete. The database is durable
(``journal_mode=WAL``, ``synchronous=FULL``) and every repository call is its
own session and transaction, as one web request would be. Results are the
library's own models, so both implementations return equal values.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs
from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
    sessionmaker,
)

from skillmeat_profiles import (
    ConflictError,
    DeploymentProfile,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    NotFoundError,
    Platform,
    Project,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["SqlProfileRepository", "SqlTransaction"]


class Base(DeclarativeBase):
    """The declarative base of the reference schema."""


class ProjectRow(Base):
    """A row of ``projects``."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(4096))
    path: Mapped[str | None] = mapped_column(String(4096))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deployment_profiles: Mapped[list[ProfileRow]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ProfileRow.profile_id",
    )


class ProfileRow(Base):
    """A row of ``deployment_profiles``."""

    __tablename__ = "deployment_profiles"
    __table_args__ = (
        Index(
            "ix_deployment_profiles_project_profile",
            "project_id",
            "profile_id",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    profile_id: Mapped[str] = mapped_column(String(64))
    platform: Mapped[Platform] = mapped_column(
        Enum(
            Platform,
            native_enum=False,
            length=32,
            values_callable=lambda enum: [member.value for member in enum],
        )
    )
    root_dir: Mapped[str] = mapped_column(String(4096))
    artifact_path_map: Mapped[dict[str, str]] = mapped_column(JSON)
    config_filenames: Mapped[list[str]] = mapped_column(JSON)
    context_prefixes: Mapped[list[str]] = mapped_column(JSON)
    supported_types: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(String(4096))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    project: Mapped[ProjectRow] = relationship(back_populates="deployment_profiles")


def _utc(value: datetime) -> datetime:
    # SQLite keeps no offset: every value is written in UTC and read back naive.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _stored(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _profile(row: ProfileRow) -> DeploymentProfile:
    return DeploymentProfile(
        profile_id=row.profile_id,
        platform=row.platform,
        root_dir=row.root_dir,
        artifact_path_map=row.artifact_path_map,
        project_config_filenames=row.config_filenames,
        context_path_prefixes=row.context_prefixes,
        supported_artifact_types=row.supported_types,
        description=row.description,
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
        project_id=row.project_id,
    )


def _project(row: ProjectRow) -> Project:
    return Project(
        project_id=row.id,
        name=row.name,
        path=row.path,
        deployment_profiles=[_profile(p) for p in row.deployment_profiles],
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
    )


def _columns(profile: DeploymentProfile) -> dict[str, Any]:
    return {
        "platform": profile.platform,
        "root_dir": profile.root_dir,
        "artifact_path_map": {str(k): v for k, v in profile.artifact_path_map.items()},
        "config_filenames": list(profile.project_config_filenames),
        "context_prefixes": list(profile.context_path_prefixes),
        "supported_types": sorted(str(t) for t in profile.supported_artifact_types),
        "description": profile.description,
        "created_at": _stored(profile.created_at),
        "updated_at": _stored(profile.updated_at),
    }


def _missing_profile(project_id: str, profile_id: str) -> NotFoundError:
    return NotFoundError(f"project {project_id!r} has no profile {profile_id!r}")


def _missing_project(project_id: str) -> NotFoundError:
    return NotFoundError(f"no project {project_id!r}")


def _integrity(error: IntegrityError, project_id: str, profile_id: str) -> Exception:
    if "FOREIGN KEY" in str(error.orig):
        return _missing_project(project_id)
    return ConflictError(f"project {project_id!r} already has a profile {profile_id!r}")


def _pragmas(synchronous: str) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect


class SqlTransaction:
    """The operations of one project inside one session, committed together."""

    def __init__(
        self, session: Session, project_id: str, clock: Callable[[], datetime]
    ) -> None:
        self._session = session
        self._project_id = project_id
        self._clock = clock

    def _row(self, profile_id: str) -> ProfileRow:
        row = self._session.scalars(
            select(ProfileRow).where(
                ProfileRow.project_id == self._project_id,
                ProfileRow.profile_id == profile_id,
            )
        ).one_or_none()
        if row is None:
            raise _missing_profile(self._project_id, profile_id)
        return row

    def create(self, data: DeploymentProfileCreate) -> DeploymentProfile:
        """Add a profile to the project."""
        profile = data.build(now=self._clock(), project_id=self._project_id)
        row = ProfileRow(
            project_id=self._project_id,
            profile_id=profile.profile_id,
            **_columns(profile),
        )
        self._session.add(row)
        try:
            # Flushed at once, as a request handler does, so a duplicate is
            # reported by the call that made it.
            self._session.flush()
        except IntegrityError as error:
            raise _integrity(error, self._project_id, profile.profile_id) from None
        return profile

    def get(self, profile_id: str) -> DeploymentProfile:
        """The profile ``profile_id``."""
        return _profile(self._row(profile_id))

    def list(self) -> list[DeploymentProfile]:
        """The project's profiles, sorted by ``profile_id``."""
        rows = self._session.scalars(
            select(ProfileRow)
            .where(ProfileRow.project_id == self._project_id)
            .order_by(ProfileRow.profile_id)
        ).all()
        return [_profile(row) for row in rows]

    def update(
        self, profile_id: str, data: DeploymentProfileUpdate
    ) -> DeploymentProfile:
        """Apply ``data`` to the profile; a change of nothing writes nothing."""
        row = self._row(profile_id)
        current = _profile(row)
        updated = data.apply(current, now=self._clock())
        if updated is not current:
            for name, value in _columns(updated).items():
                setattr(row, name, value)
            self._session.flush()
        return updated

    def delete(self, profile_id: str) -> None:
        """Remove the profile."""
        result = self._session.execute(
            delete(ProfileRow).where(
                ProfileRow.project_id == self._project_id,
                ProfileRow.profile_id == profile_id,
            )
        )
        if getattr(result, "rowcount", 0) == 0:
            raise _missing_profile(self._project_id, profile_id)


class SqlProfileRepository:
    """The repository API of ``ProfileRepository``, on one SQLite database file."""

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], datetime] | None = None,
        create: bool = True,
        synchronous: Literal["FULL", "NORMAL", "OFF"] = "FULL",
    ) -> None:
        # One engine per repository, as one process of the application has.
        # synchronous=FULL is the durable setting; OFF is only for measuring
        # what a write costs besides the flush.
        self.engine = create_engine(f"sqlite:///{Path(path)}")
        event.listen(self.engine, "connect", _pragmas(synchronous))
        if create:
            Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._clock = clock or (lambda: datetime.now(UTC))

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    @contextlib.contextmanager
    def _begin(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # --- projects ---------------------------------------------------------

    def create_project(
        self, project_id: str, *, name: str | None = None, path: str | None = None
    ) -> Project:
        """Create an empty project."""
        now = self._clock()
        project = Project(
            project_id=project_id, path=path, created_at=now, updated_at=now
        )
        if name is not None:
            project = attrs.evolve(project, name=name)
        try:
            with self._begin() as session:
                session.add(
                    ProjectRow(
                        id=project.project_id,
                        name=project.name,
                        path=project.path,
                        created_at=_stored(now),
                        updated_at=_stored(now),
                    )
                )
        except IntegrityError:
            raise ConflictError(f"project {project_id!r} already exists") from None
        return project

    def get_project(self, project_id: str) -> Project:
        """The project with its profiles."""
        with self._begin() as session:
            row = session.get(
                ProjectRow,
                project_id,
                options=[selectinload(ProjectRow.deployment_profiles)],
            )
            if row is None:
                raise _missing_project(project_id)
            return _project(row)

    def list_projects(self) -> list[Project]:
        """Every project with its profiles, sorted by id."""
        with self._begin() as session:
            rows = session.scalars(
                select(ProjectRow)
                .options(selectinload(ProjectRow.deployment_profiles))
                .order_by(ProjectRow.id)
            ).all()
            return [_project(row) for row in rows]

    def delete_project(self, project_id: str) -> None:
        """Delete a project; its profiles go with it."""
        with self._begin() as session:
            result = session.execute(
                delete(ProjectRow).where(ProjectRow.id == project_id)
            )
            if getattr(result, "rowcount", 0) == 0:
                raise _missing_project(project_id)

    # --- profiles ---------------------------------------------------------

    def create(
        self, project_id: str, data: DeploymentProfileCreate
    ) -> DeploymentProfile:
        """Create a profile in a project."""
        with self._begin() as session:
            return SqlTransaction(session, project_id, self._clock).create(data)

    def read_by_id(self, profile_id: str) -> DeploymentProfile:
        """The profile whose ``id`` is ``"<project_id>/<profile_id>"``."""
        project_id, _, local = profile_id.partition("/")
        return self.read_by_project_and_profile_id(project_id, local)

    def read_by_project_and_profile_id(
        self, project_id: str, profile_id: str
    ) -> DeploymentProfile:
        """The profile ``profile_id`` of ``project_id``."""
        with self._begin() as session:
            return SqlTransaction(session, project_id, self._clock).get(profile_id)

    def list_by_project(self, project_id: str) -> list[DeploymentProfile]:
        """A project's profiles, sorted by ``profile_id``."""
        with self._begin() as session:
            profiles = SqlTransaction(session, project_id, self._clock).list()
            # An empty result must still tell a missing project from an empty one.
            if not profiles and session.get(ProjectRow, project_id) is None:
                raise _missing_project(project_id)
            return profiles

    def update(
        self, project_id: str, profile_id: str, data: DeploymentProfileUpdate
    ) -> DeploymentProfile:
        """Update a profile; a change of nothing writes nothing."""
        with self._begin() as session:
            return SqlTransaction(session, project_id, self._clock).update(
                profile_id, data
            )

    def delete(self, project_id: str, profile_id: str) -> None:
        """Delete a profile."""
        with self._begin() as session:
            SqlTransaction(session, project_id, self._clock).delete(profile_id)

    @contextlib.contextmanager
    def transaction(self, project_id: str) -> Iterator[SqlTransaction]:
        """Several operations on one project, committed at the end or not at all."""
        with self._begin() as session:
            if session.get(ProjectRow, project_id) is None:
                raise _missing_project(project_id)
            yield SqlTransaction(session, project_id, self._clock)

"""The domain models: immutable attrs classes that validate every value they get."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime  # noqa: TC003  # cattrs resolves annotations
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import attrs

from . import _convert as conv
from ._enums import ArtifactType, Platform
from ._errors import InvalidDataError, NotFoundError, shown
from ._location import BARE_KEY, Location, Placement, parse_location
from ._validate import check_relative_path

if TYPE_CHECKING:
    from ._plan import Conflict

__all__ = [
    "UNSET",
    "Artifact",
    "Deployment",
    "DeploymentProfile",
    "DeploymentProfileCreate",
    "DeploymentProfileUpdate",
    "Project",
    "Unset",
]


class Unset(enum.Enum):
    """The type of ``UNSET``: "leave this field alone" in an update."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: Marks a field of ``DeploymentProfileUpdate`` as "leave alone"; ``None`` clears.
UNSET: Final = Unset.UNSET


_PATH_MAP_MEMO: Final = conv.Memo()


def _path_map(
    value: Mapping[ArtifactType, str] | Mapping[str, str],
) -> Mapping[ArtifactType, str]:
    field = "artifact_path_map"
    memo_key = _PATH_MAP_MEMO.key(value)
    hit = _PATH_MAP_MEMO.get(memo_key)
    if hit is not None:
        return hit  # type: ignore[return-value]
    if not isinstance(value, Mapping):
        raise InvalidDataError(
            f"{field}: {shown(value)} is not valid: not a table; expected a table of "
            "artifact type = location, such as {skill = 'skills'}",
            field=field,
        )
    parsed: dict[ArtifactType, str] = {}
    for key, spec in value.items():
        # Name the offending key in the field path (``artifact_path_map.plugin``)
        # when it can be written as one bare segment.
        bare = isinstance(key, str) and BARE_KEY.fullmatch(key) is not None
        where = f"{field}.{key}" if bare else field
        member = conv.enum_member(ArtifactType, key, where)
        parsed[member] = parse_location(spec, member, f"{field}.{member}").spec
    result = MappingProxyType({k: parsed[k] for k in conv.sorted_types(parsed)})
    _PATH_MAP_MEMO.put(memo_key, result)
    return result


def _supported_default(self: DeploymentProfile) -> frozenset[ArtifactType]:
    return frozenset(self.artifact_path_map)


def _target_platforms(
    value: Iterable[Platform | str] | None,
) -> frozenset[Platform] | None:
    field = "target_platforms"
    if value is None:
        return None
    items = conv._items(value, field, "platforms")
    if not items:
        raise InvalidDataError(
            f"{field}: an empty list targets no platform at all; use None (in a "
            "file: leave the key out) to deploy everywhere, or list at least one "
            "platform",
            field=field,
        )
    return frozenset(
        conv.enum_member(Platform, item, f"{field}[{index}]")
        for index, item in enumerate(items)
    )


# Field converters. The attrs mypy plugin types __init__ from named
# converter functions only, so each field gets one; the work is done by the
# shared factories of _convert.
_artifact_name_artifact_name_f: Final = conv.artifact_name("artifact_name")
_artifact_name_name_f: Final = conv.artifact_name("name")
_artifact_type_artifact_type_f: Final = conv.artifact_type("artifact_type")
_content_hash_content_hash_f: Final = conv.content_hash("content_hash")
_filenames_project_config_filenames_f: Final = conv.filenames(
    "project_config_filenames"
)
_ident_profile_id_f: Final = conv.ident("profile_id")
_ident_project_id_f: Final = conv.ident("project_id")
_optional_absolute_path_path_f: Final = conv.optional_absolute_path("path")
_optional_ident_deployment_profile_id_f: Final = conv.optional_ident(
    "deployment_profile_id"
)
_optional_ident_project_id_f: Final = conv.optional_ident("project_id")
_optional_platform_platform_f: Final = conv.optional_platform("platform")
_optional_relative_path_profile_root_dir_f: Final = conv.optional_relative_path(
    "profile_root_dir", allow_dot=True
)
_optional_relative_path_root_dir_f: Final = conv.optional_relative_path(
    "root_dir", allow_dot=True
)
_platform_platform_f: Final = conv.platform("platform")
_prefixes_context_path_prefixes_f: Final = conv.prefixes("context_path_prefixes")
_relative_path_artifact_path_f: Final = conv.relative_path("artifact_path")
_relative_path_root_dir_f: Final = conv.relative_path("root_dir", allow_dot=True)
_required_text_name_f: Final = conv.required_text("name")
_text_description_f: Final = conv.text("description", optional=True)
_text_source_f: Final = conv.text("source", optional=True)
_text_version_f: Final = conv.text("version", optional=True)
_type_set_supported_artifact_types_f: Final = conv.type_set("supported_artifact_types")
_utc_created_at_f: Final = conv.utc("created_at")
_utc_deployed_at_f: Final = conv.utc("deployed_at")
_utc_updated_at_f: Final = conv.utc("updated_at")


def _artifact_name_artifact_name(value: str) -> str:
    return _artifact_name_artifact_name_f(value)


def _artifact_name_name(value: str) -> str:
    return _artifact_name_name_f(value)


def _artifact_type_artifact_type(value: ArtifactType | str) -> ArtifactType:
    return _artifact_type_artifact_type_f(value)


def _content_hash_content_hash(value: str | None) -> str | None:
    return _content_hash_content_hash_f(value)


def _filenames_project_config_filenames(value: Iterable[str]) -> tuple[str, ...]:
    return _filenames_project_config_filenames_f(value)


def _ident_profile_id(value: str) -> str:
    return _ident_profile_id_f(value)


def _ident_project_id(value: str) -> str:
    return _ident_project_id_f(value)


def _optional_absolute_path_path(value: str | None) -> str | None:
    return _optional_absolute_path_path_f(value)


def _optional_ident_deployment_profile_id(value: str | None) -> str | None:
    return _optional_ident_deployment_profile_id_f(value)


def _optional_ident_project_id(value: str | None) -> str | None:
    return _optional_ident_project_id_f(value)


def _optional_platform_platform(value: Platform | str | None) -> Platform | None:
    return _optional_platform_platform_f(value)


def _optional_relative_path_profile_root_dir(value: str | None) -> str | None:
    return _optional_relative_path_profile_root_dir_f(value)


def _optional_relative_path_root_dir(value: str | None) -> str | None:
    return _optional_relative_path_root_dir_f(value)


def _platform_platform(value: Platform | str) -> Platform:
    return _platform_platform_f(value)


def _prefixes_context_path_prefixes(value: Iterable[str]) -> tuple[str, ...]:
    return _prefixes_context_path_prefixes_f(value)


def _relative_path_artifact_path(value: str) -> str:
    return _relative_path_artifact_path_f(value)


def _relative_path_root_dir(value: str) -> str:
    return _relative_path_root_dir_f(value)


def _required_text_name(value: str) -> str:
    return _required_text_name_f(value)


def _text_description(value: str | None) -> str | None:
    return _text_description_f(value)


def _text_source(value: str | None) -> str | None:
    return _text_source_f(value)


def _text_version(value: str | None) -> str | None:
    return _text_version_f(value)


def _type_set_supported_artifact_types(
    value: Iterable[ArtifactType | str],
) -> frozenset[ArtifactType]:
    return _type_set_supported_artifact_types_f(value)


def _update_context_path_prefixes(
    value: Iterable[str] | Unset | None,
) -> tuple[str, ...] | Unset | None:
    return (
        value
        if value is UNSET or value is None
        else _prefixes_context_path_prefixes(value)
    )


def _update_description(value: str | Unset | None) -> str | Unset | None:
    return value if value is UNSET or value is None else _text_description(value)


def _update_path_map(
    value: Mapping[ArtifactType, str] | Mapping[str, str] | Unset | None,
) -> Mapping[ArtifactType, str] | Unset | None:
    return value if value is UNSET or value is None else _path_map(value)


def _update_platform(value: Platform | str | Unset | None) -> Platform | Unset | None:
    return value if value is UNSET or value is None else _platform_platform(value)


def _update_project_config_filenames(
    value: Iterable[str] | Unset | None,
) -> tuple[str, ...] | Unset | None:
    return (
        value
        if value is UNSET or value is None
        else _filenames_project_config_filenames(value)
    )


def _update_root_dir(value: str | Unset | None) -> str | Unset | None:
    return value if value is UNSET or value is None else _relative_path_root_dir(value)


def _update_supported_artifact_types(
    value: Iterable[ArtifactType | str] | Unset | None,
) -> frozenset[ArtifactType] | Unset | None:
    return (
        value
        if value is UNSET or value is None
        else _type_set_supported_artifact_types(value)
    )


def _utc_created_at(value: datetime) -> datetime:
    return _utc_created_at_f(value)


def _utc_deployed_at(value: datetime) -> datetime:
    return _utc_deployed_at_f(value)


def _utc_updated_at(value: datetime) -> datetime:
    return _utc_updated_at_f(value)


def _create_path_map(
    value: Mapping[ArtifactType, str] | Mapping[str, str] | None,
) -> Mapping[ArtifactType, str] | None:
    return None if value is None else _path_map(value)


def _create_project_config_filenames(
    value: Iterable[str] | None,
) -> tuple[str, ...] | None:
    return None if value is None else _filenames_project_config_filenames(value)


def _create_context_path_prefixes(
    value: Iterable[str] | None,
) -> tuple[str, ...] | None:
    return None if value is None else _prefixes_context_path_prefixes(value)


def _create_supported_artifact_types(
    value: Iterable[ArtifactType | str] | None,
) -> frozenset[ArtifactType] | None:
    return None if value is None else _type_set_supported_artifact_types(value)


@attrs.frozen(kw_only=True)
class Artifact:
    """Something to deploy: a skill, command, subagent, hook or MCP server.

    Attributes:
        name: The artifact's name; ``/`` namespaces it (``ai/code-review``),
            which commands and agents turn into subfolders.
        artifact_type: What kind of artifact it is.
        target_platforms: ``None`` when the artifact can be deployed to every
            platform, else the non-empty set of platforms it is meant for.
        source: Where the artifact comes from (a repository, a collection).
        version: The artifact's version, as its source names it.
        description: One line for people.
    """

    name: str = attrs.field(converter=_artifact_name_name)
    artifact_type: ArtifactType = attrs.field(converter=_artifact_type_artifact_type)
    target_platforms: frozenset[Platform] | None = attrs.field(
        default=None, converter=_target_platforms
    )
    source: str | None = attrs.field(default=None, converter=_text_source)
    version: str | None = attrs.field(default=None, converter=_text_version)
    description: str | None = attrs.field(default=None, converter=_text_description)

    def is_deployable_to(self, platform: Platform | str) -> bool:
        """Whether this artifact may be deployed to ``platform``."""
        member = conv.enum_member(Platform, platform, "platform")
        return self.target_platforms is None or member in self.target_platforms


@attrs.frozen(kw_only=True)
class DeploymentProfile:
    """One platform's layout inside one project.

    Attributes:
        profile_id: The profile's id within its project (``claude_code``,
            ``codex-experimental``); lowercase letters, digits, ``-_.``.
        platform: The coding agent the profile deploys to.
        root_dir: The profile's folder, relative to the project root
            (``.claude``); ``.`` for the project root itself.
        artifact_path_map: Where each artifact type goes, in the notation
            of ``docs/file-format.md``: a plain ``skills`` is a folder under
            ``root_dir``; ``agents/*.toml`` a file each; ``skills/*/`` a
            folder each; ``settings.json#hooks`` entries inside a config
            file; a leading ``/`` anchors the value at the project root.
        project_config_filenames: The instruction files the platform reads
            at the project root (``CLAUDE.md``, ``AGENTS.md``), in priority order.
        context_path_prefixes: Project-relative folders under which the
            platform's context files (specs, rules) live.
        supported_artifact_types: The artifact types the profile deploys;
            each needs an ``artifact_path_map`` entry. Defaults to the map's types.
        description: One line for people.
        created_at: When the profile was created (aware UTC).
        updated_at: When the profile last changed (aware UTC).
        project_id: The project the profile belongs to, set when it is read
            from a project or a repository; ``None`` for a free-standing one.
    """

    profile_id: str = attrs.field(converter=_ident_profile_id)
    platform: Platform = attrs.field(converter=_platform_platform)
    root_dir: str = attrs.field(converter=_relative_path_root_dir)
    artifact_path_map: Mapping[ArtifactType, str] = attrs.field(
        converter=_path_map, hash=False
    )
    project_config_filenames: tuple[str, ...] = attrs.field(
        default=(), converter=_filenames_project_config_filenames
    )
    context_path_prefixes: tuple[str, ...] = attrs.field(
        default=(), converter=_prefixes_context_path_prefixes
    )
    supported_artifact_types: frozenset[ArtifactType] = attrs.field(
        default=attrs.Factory(_supported_default, takes_self=True),
        converter=_type_set_supported_artifact_types,
    )
    description: str | None = attrs.field(default=None, converter=_text_description)
    created_at: datetime = attrs.field(converter=_utc_created_at)
    updated_at: datetime = attrs.field(converter=_utc_updated_at)
    project_id: str | None = attrs.field(
        default=None, converter=_optional_ident_project_id
    )
    # Parsed lazily on first placement: reading a file needs only the specs,
    # which the converter has already validated.
    _locations: dict[ArtifactType, Location] = attrs.field(
        init=False, factory=dict, eq=False, hash=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        missing = conv.sorted_types(
            self.supported_artifact_types - set(self.artifact_path_map)
        )
        if missing:
            names = ", ".join(repr(str(member)) for member in missing)
            raise InvalidDataError(
                f"supported_artifact_types: {names} listed as supported but "
                "artifact_path_map has no entry for "
                f"{'it' if len(missing) == 1 else 'them'}; "
                "add a location to artifact_path_map or drop the type",
                field="supported_artifact_types",
            )

    @property
    def id(self) -> str | None:
        """``"<project_id>/<profile_id>"``, unique in a store, or ``None``."""
        if self.project_id is None:
            return None
        return f"{self.project_id}/{self.profile_id}"

    def location(self, artifact_type: ArtifactType | str) -> Location:
        """The parsed location of a supported ``artifact_type``, or an error."""
        member = conv.enum_member(ArtifactType, artifact_type, "artifact_type")
        if member not in self.supported_artifact_types:
            supported = ", ".join(
                str(t) for t in conv.sorted_types(self.supported_artifact_types)
            )
            raise InvalidDataError(
                f"artifact_type: profile {self.profile_id!r} ({self.platform}) does "
                f"not support {str(member)!r}; it supports: {supported or 'nothing'}",
                field="artifact_type",
            )
        location = self._locations.get(member)
        if location is None:
            location = parse_location(
                self.artifact_path_map[member], member, f"artifact_path_map.{member}"
            )
            self._locations[member] = location
        return location

    def placement(self, artifact_type: ArtifactType | str, name: str) -> Placement:
        """Where the artifact ``name`` of ``artifact_type`` goes under this profile."""
        member = conv.enum_member(ArtifactType, artifact_type, "artifact_type")
        return self.location(member).place(self.root_dir, name, member)

    def classify(self, path: str) -> tuple[ArtifactType, str] | None:
        """The ``(artifact_type, name)`` that a project-relative ``path`` belongs to.

        The inverse of ``placement`` for folders and files: a path inside a
        skill folder belongs to that skill. A config file holds many entries,
        so its path names none of them: ``None``, as for any other path.
        """
        try:
            canonical = check_relative_path(path, "path")
        except InvalidDataError:
            return None
        # The longest folder wins, so nested layouts classify to the inner one.
        candidates = sorted(
            (
                (member, self.location(member))
                # Declaration order breaks ties, whatever the set's hash order.
                for member in conv.sorted_types(self.supported_artifact_types)
            ),
            key=lambda item: -len(item[1].base(self.root_dir)),
        )
        for member, location in candidates:
            name = location.classify(self.root_dir, canonical)
            if name is not None:
                return member, name
        return None

    def validate_context_path(self, path: str) -> str:
        """Return the normalised ``path`` if it lies under a context prefix, else raise.

        A leading ``./`` is dropped; traversal (``..``), absolute paths and
        backslashes are rejected with the reason.
        """
        while isinstance(path, str) and path.startswith("./"):
            path = path[2:]
        canonical = check_relative_path(path, "path")
        for prefix in self.context_path_prefixes:
            if canonical.startswith(prefix + "/"):
                return canonical
        allowed = ", ".join(f"{prefix}/" for prefix in self.context_path_prefixes)
        raise InvalidDataError(
            f"path: {canonical!r} is not under a context path prefix of profile "
            f"{self.profile_id!r}; expected a path under {allowed or '(none: the profile has no context_path_prefixes)'}",
            field="path",
        )

    def rewrite_context_path(self, path: str, other: DeploymentProfile) -> str:
        """Map a context path of this profile onto ``other``.

        The prefix the path lies under is re-rooted from this profile's
        ``root_dir`` to the other's (``.claude/specs/x.md`` becomes
        ``.codex/specs/x.md``); a prefix outside ``root_dir`` (a shared
        ``docs/``) is kept. The result must lie under one of ``other``'s
        context prefixes.
        """
        canonical = self.validate_context_path(path)
        prefix = max(
            (p for p in self.context_path_prefixes if canonical.startswith(p + "/")),
            key=len,
        )
        rest = canonical[len(prefix) + 1 :]
        if self.root_dir != "." and (prefix + "/").startswith(self.root_dir + "/"):
            inner = prefix[len(self.root_dir) + 1 :]
            target = inner if other.root_dir == "." else f"{other.root_dir}/{inner}"
            target = target.strip("/")
        else:
            target = prefix
        return other.validate_context_path(f"{target}/{rest}" if target else rest)

    def config_file_paths(self) -> tuple[str, ...]:
        """The project instruction files, as project-relative paths."""
        return self.project_config_filenames


def _deployment_key(
    profile_id: str | None, artifact_type: ArtifactType, name: str
) -> str:
    base = f"{artifact_type}:{name}"
    return base if profile_id is None else f"{profile_id}:{base}"


@attrs.frozen(kw_only=True)
class Deployment:
    """A record of one artifact deployed into a project.

    Attributes:
        artifact_name: The artifact's name (``review``, ``ai/code-review``).
        artifact_type: The artifact's type.
        artifact_path: Where the placement put it, relative to the project root.
        deployed_at: When it was deployed (aware UTC).
        content_hash: A digest of what was deployed (``sha256:...``), if known.
        deployment_profile_id: The profile it was deployed through; ``None``
            on records written before profiles existed.
        platform: That profile's platform, as it was at deployment time.
        profile_root_dir: That profile's ``root_dir``, as it was.
    """

    artifact_name: str = attrs.field(converter=_artifact_name_artifact_name)
    artifact_type: ArtifactType = attrs.field(converter=_artifact_type_artifact_type)
    artifact_path: str = attrs.field(converter=_relative_path_artifact_path)
    deployed_at: datetime = attrs.field(converter=_utc_deployed_at)
    content_hash: str | None = attrs.field(
        default=None, converter=_content_hash_content_hash
    )
    deployment_profile_id: str | None = attrs.field(
        default=None, converter=_optional_ident_deployment_profile_id
    )
    platform: Platform | None = attrs.field(
        default=None, converter=_optional_platform_platform
    )
    profile_root_dir: str | None = attrs.field(
        default=None,
        converter=_optional_relative_path_profile_root_dir,
    )

    def __attrs_post_init__(self) -> None:
        if self.deployment_profile_id is None and (
            self.platform is not None or self.profile_root_dir is not None
        ):
            raise InvalidDataError(
                "deployment_profile_id: a record with a platform or "
                "profile_root_dir must name its deployment_profile_id too; set "
                "it, or drop all three for a record without a profile",
                field="deployment_profile_id",
            )

    @property
    def key(self) -> str:
        """The record's key in its project file: ``[profile_id:]type:name``."""
        return _deployment_key(
            self.deployment_profile_id, self.artifact_type, self.artifact_name
        )


def _profiles(value: Iterable[DeploymentProfile]) -> tuple[DeploymentProfile, ...]:
    items = conv._items(value, "deployment_profiles", "DeploymentProfile objects")
    for item in items:
        if not isinstance(item, DeploymentProfile):
            raise InvalidDataError(
                f"deployment_profiles: {shown(item)} is not a DeploymentProfile",
                field="deployment_profiles",
            )
    profiles: list[DeploymentProfile] = items  # type: ignore[assignment]
    return tuple(sorted(profiles, key=lambda profile: profile.profile_id))


def _deployments(value: Iterable[Deployment]) -> tuple[Deployment, ...]:
    items = conv._items(value, "deployments", "Deployment objects")
    for item in items:
        if not isinstance(item, Deployment):
            raise InvalidDataError(
                f"deployments: {shown(item)} is not a Deployment", field="deployments"
            )
    records: list[Deployment] = items  # type: ignore[assignment]
    return tuple(sorted(records, key=lambda record: record.key))


def _name_default(self: Project) -> str:
    return self.project_id


@attrs.frozen(kw_only=True)
class Project:
    """A project, its deployment profiles and its deployment records.

    Attributes:
        project_id: The project's id; it names the project's file.
        name: A name for people; defaults to ``project_id``.
        path: The absolute path where the project lives on disk, if recorded.
        deployment_profiles: The project's profiles, sorted by ``profile_id``;
            empty for a project without profiles.
        deployments: The project's deployment records, sorted by ``key``.
        created_at: When the project was created (aware UTC).
        updated_at: When ``name`` or ``path`` last changed (aware UTC).
            Profile and record changes carry their own timestamps, so that
            two branches adding different profiles never touch this line.
    """

    project_id: str = attrs.field(converter=_ident_project_id)
    name: str = attrs.field(
        default=attrs.Factory(_name_default, takes_self=True),
        converter=_required_text_name,
    )
    path: str | None = attrs.field(default=None, converter=_optional_absolute_path_path)
    deployment_profiles: tuple[DeploymentProfile, ...] = attrs.field(
        default=(), converter=_profiles
    )
    deployments: tuple[Deployment, ...] = attrs.field(
        default=(), converter=_deployments
    )
    created_at: datetime = attrs.field(converter=_utc_created_at)
    updated_at: datetime = attrs.field(converter=_utc_updated_at)

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        attached: list[DeploymentProfile] = []
        for profile in self.deployment_profiles:
            if profile.profile_id in seen:
                raise InvalidDataError(
                    f"deployment_profiles: profile_id {profile.profile_id!r} is "
                    "used twice; give each profile its own id",
                    field="deployment_profiles",
                )
            seen.add(profile.profile_id)
            if profile.project_id not in (None, self.project_id):
                raise InvalidDataError(
                    f"deployment_profiles: profile {profile.profile_id!r} belongs "
                    f"to project {profile.project_id!r}, not {self.project_id!r}",
                    field="deployment_profiles",
                )
            attached.append(
                attrs.evolve(profile, project_id=self.project_id)
                if profile.project_id is None
                else profile
            )
        object.__setattr__(self, "deployment_profiles", tuple(attached))
        keys: set[str] = set()
        for record in self.deployments:
            if record.key in keys:
                raise InvalidDataError(
                    f"deployments: two records for {record.key!r}; keep one "
                    "record per profile, type and artifact name",
                    field="deployments",
                )
            keys.add(record.key)
            if (
                record.deployment_profile_id is not None
                and record.deployment_profile_id not in seen
            ):
                raise InvalidDataError(
                    f"deployments: the record {record.key!r} names profile "
                    f"{record.deployment_profile_id!r}, which the project does "
                    "not have; create the profile first",
                    field="deployments",
                )

    def profile(self, profile_id: str) -> DeploymentProfile:
        """The profile ``profile_id``, or ``NotFoundError``."""
        for profile in self.deployment_profiles:
            if profile.profile_id == profile_id:
                return profile
        known = ", ".join(p.profile_id for p in self.deployment_profiles) or "none"
        raise NotFoundError(
            f"project {self.project_id!r} has no profile {profile_id!r} "
            f"(profiles: {known})"
        )

    def conflicts(self) -> list[Conflict]:
        """Pairs of locations where two profiles would place different artifacts
        at the same path, so that deploying one would overwrite the other."""
        from ._plan import find_conflicts  # _plan imports us

        return find_conflicts(self)


@attrs.frozen(kw_only=True)
class DeploymentProfileCreate:
    """The input for a new profile.

    ``profile_id`` and ``platform`` are required; every other field left out
    (``None``) takes the platform's built-in default. A given
    ``artifact_path_map`` without ``supported_artifact_types`` supports the
    types of that map.
    """

    profile_id: str = attrs.field(converter=_ident_profile_id)
    platform: Platform = attrs.field(converter=_platform_platform)
    root_dir: str | None = attrs.field(
        default=None, converter=_optional_relative_path_root_dir
    )
    artifact_path_map: Mapping[ArtifactType, str] | None = attrs.field(
        default=None,
        converter=_create_path_map,
        hash=False,
    )
    project_config_filenames: tuple[str, ...] | None = attrs.field(
        default=None,
        converter=_create_project_config_filenames,
    )
    context_path_prefixes: tuple[str, ...] | None = attrs.field(
        default=None,
        converter=_create_context_path_prefixes,
    )
    supported_artifact_types: frozenset[ArtifactType] | None = attrs.field(
        default=None,
        converter=_create_supported_artifact_types,
    )
    description: str | None = attrs.field(default=None, converter=_text_description)

    def build(
        self, *, now: datetime, project_id: str | None = None
    ) -> DeploymentProfile:
        """The profile this input describes, defaults filled in, stamped ``now``."""
        from ._defaults import default_fields  # _defaults imports us

        base = default_fields(self.platform)
        if self.artifact_path_map is not None:
            path_map: Mapping[ArtifactType, str] = self.artifact_path_map
            # An explicit empty set means "supports nothing", as it does with
            # the default map below; only None falls back to the map's types.
            supported = (
                self.supported_artifact_types
                if self.supported_artifact_types is not None
                else frozenset(path_map)
            )
        else:
            path_map = base["artifact_path_map"]
            supported = (
                self.supported_artifact_types
                if self.supported_artifact_types is not None
                else base["supported_artifact_types"]
            )
        return DeploymentProfile(
            profile_id=self.profile_id,
            platform=self.platform,
            root_dir=self.root_dir if self.root_dir is not None else base["root_dir"],
            artifact_path_map=path_map,
            project_config_filenames=(
                self.project_config_filenames
                if self.project_config_filenames is not None
                else base["project_config_filenames"]
            ),
            context_path_prefixes=(
                self.context_path_prefixes
                if self.context_path_prefixes is not None
                else base["context_path_prefixes"]
            ),
            supported_artifact_types=supported,
            description=(
                self.description
                if self.description is not None
                else base["description"]
            ),
            created_at=now,
            updated_at=now,
            project_id=project_id,
        )


def _immutable_profile_id(_instance: object, _attribute: object, value: object) -> None:
    if value is not UNSET:
        raise InvalidDataError(
            "profile_id: profile_id is immutable and cannot be updated; to rename "
            "a profile, create one with the new id and delete the old one",
            field="profile_id",
        )


def _not_clearable(field: str) -> Any:
    def check(_instance: object, _attribute: object, value: object) -> None:
        if value is None:
            raise InvalidDataError(
                f"{field}: {field} cannot be cleared, every profile has one; pass "
                "a new value, or leave it out (UNSET) to keep the current one",
                field=field,
            )

    return check


@attrs.frozen(kw_only=True)
class DeploymentProfileUpdate:
    """A change to a profile: every field optional.

    A field left out (``UNSET``, the default) is left alone; a field set to
    ``None`` is cleared (``description`` becomes ``None``, collections become
    empty); any other value replaces the field. ``platform`` and ``root_dir``
    cannot be cleared. ``profile_id`` is immutable: passing it is an error.
    """

    profile_id: Unset = attrs.field(default=UNSET, validator=_immutable_profile_id)
    platform: Platform | Unset | None = attrs.field(
        default=UNSET,
        converter=_update_platform,
        validator=_not_clearable("platform"),
    )
    root_dir: str | Unset | None = attrs.field(
        default=UNSET,
        converter=_update_root_dir,
        validator=_not_clearable("root_dir"),
    )
    artifact_path_map: Mapping[ArtifactType, str] | Unset | None = attrs.field(
        default=UNSET, converter=_update_path_map, hash=False
    )
    project_config_filenames: tuple[str, ...] | Unset | None = attrs.field(
        default=UNSET, converter=_update_project_config_filenames
    )
    context_path_prefixes: tuple[str, ...] | Unset | None = attrs.field(
        default=UNSET, converter=_update_context_path_prefixes
    )
    supported_artifact_types: frozenset[ArtifactType] | Unset | None = attrs.field(
        default=UNSET, converter=_update_supported_artifact_types
    )
    description: str | Unset | None = attrs.field(
        default=UNSET, converter=_update_description
    )

    def changes(self) -> dict[str, Any]:
        """The fields this update sets or clears, as ``{name: new value}``."""
        empty: dict[str, Any] = {
            "artifact_path_map": {},
            "project_config_filenames": (),
            "context_path_prefixes": (),
            "supported_artifact_types": frozenset(),
            "description": None,
        }
        result: dict[str, Any] = {}
        for field in attrs.fields(DeploymentProfileUpdate):
            value = getattr(self, field.name)
            if field.name == "profile_id" or value is UNSET:
                continue
            result[field.name] = empty[field.name] if value is None else value
        return result

    def apply(self, profile: DeploymentProfile, *, now: datetime) -> DeploymentProfile:
        """``profile`` with this update applied, stamped ``now``.

        Returns ``profile`` itself, with ``updated_at`` untouched, when the
        update changes nothing.
        """
        changes = {
            name: value
            for name, value in self.changes().items()
            if getattr(profile, name) != value
        }
        if not changes:
            return profile
        return attrs.evolve(profile, **changes, updated_at=now)

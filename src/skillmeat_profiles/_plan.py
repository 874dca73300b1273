"""Deployment plans and placement conflicts between the profiles of one project."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from . import _convert as conv
from ._enums import ArtifactType, PlacementKind, Platform
from ._errors import InvalidDataError
from ._location import Placement

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ._models import Artifact, DeploymentProfile, Project

__all__ = ["Conflict", "DeploymentPlan", "find_conflicts", "plan_deployment"]


def _frozen(value: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(sorted(value.items())))


@attrs.frozen
class DeploymentPlan:
    """Where one artifact goes in a project: ``placements`` and ``skipped``.

    ``placements`` maps each profile that takes the artifact to its
    ``Placement``; ``skipped`` maps each other profile to the reason, in
    words. Both are read-only and ordered by profile id. Two profiles may
    share a placement (Codex and ``other`` both put skills in
    ``.agents/skills``): the artifact is then written once.
    """

    placements: Mapping[str, Placement] = attrs.field(converter=_frozen, hash=False)
    skipped: Mapping[str, str] = attrs.field(converter=_frozen, hash=False)


@attrs.frozen
class Conflict:
    """Two locations at which different artifacts would land on one path.

    The two sides are ``(profile_id, artifact_type)`` and
    ``(other_profile_id, other_artifact_type)``; both profile ids are equal
    when one profile's own locations overlap. ``path`` is the
    project-relative path where they meet (the inner folder, or the shared
    config file) and ``reason`` says, in one sentence, how they overlap.
    """

    profile_id: str
    artifact_type: ArtifactType
    other_profile_id: str
    other_artifact_type: ArtifactType
    path: str
    reason: str

    def __str__(self) -> str:
        return self.reason


def _skip_reason(profile: DeploymentProfile, artifact: Artifact) -> str | None:
    if not artifact.is_deployable_to(profile.platform):
        wanted = artifact.target_platforms or frozenset()
        targets = ", ".join(str(member) for member in Platform if member in wanted)
        return (
            f"the artifact's target_platforms ({targets}) do not include "
            f"{profile.platform}"
        )
    if artifact.artifact_type not in profile.supported_artifact_types:
        supported = ", ".join(
            str(member)
            for member in conv.sorted_types(profile.supported_artifact_types)
        )
        return (
            f"profile {profile.profile_id!r} does not support "
            f"{str(artifact.artifact_type)!r} (it supports: {supported or 'nothing'})"
        )
    return None


def _place(profile: DeploymentProfile, artifact: Artifact) -> Placement | str:
    reason = _skip_reason(profile, artifact)
    if reason is not None:
        return reason
    try:
        return profile.placement(artifact.artifact_type, artifact.name)
    except InvalidDataError as err:
        # A namespaced name where the type is a folder each, or a name too
        # long for the path rules: the message says which and how to fix it.
        return err.message


def _chosen(project: Project, profile_ids: Iterable[str]) -> list[DeploymentProfile]:
    items = conv._items(profile_ids, "profile_ids", "profile ids")
    chosen: list[DeploymentProfile] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidDataError(
                f"profile_ids: {item!r} is not a profile id; pass profile ids "
                "as strings, such as 'claude_code'",
                field="profile_ids",
            )
        profile = project.profile(item)  # NotFoundError naming the known ids
        if profile not in chosen:
            chosen.append(profile)
    return chosen


def plan_deployment(
    project: Project, artifact: Artifact, profile_ids: Iterable[str] | None = None
) -> DeploymentPlan:
    """The deployment plan of ``artifact`` across ``project``'s profiles.

    With ``profile_ids=None`` every profile is considered: those that can
    take the artifact are in ``placements``, the others in ``skipped`` with
    the reason (the artifact's ``target_platforms`` exclude the platform,
    the profile does not support the type, or the name does not fit, such
    as a namespaced skill name where each skill is a folder of its own).

    Naming profiles asks for exactly those: a profile the project does not
    have is a ``NotFoundError`` listing the profiles it has, and a named
    profile that cannot take the artifact is an ``InvalidDataError`` saying
    why. No profile is ever made up.
    """
    explicit = profile_ids is not None
    profiles = (
        list(project.deployment_profiles)
        if profile_ids is None
        else _chosen(project, profile_ids)
    )
    placements: dict[str, Placement] = {}
    skipped: dict[str, str] = {}
    for profile in profiles:
        result = _place(profile, artifact)
        if isinstance(result, Placement):
            placements[profile.profile_id] = result
        elif explicit:
            raise InvalidDataError(
                f"profile_ids: profile {profile.profile_id!r} ({profile.platform}) "
                f"cannot take the {artifact.artifact_type} {artifact.name!r}: "
                f"{result}; leave the profile out, or change the artifact or "
                "the profile",
                field="profile_ids",
            )
        else:
            skipped[profile.profile_id] = result
    return DeploymentPlan(placements, skipped)


@attrs.frozen
class _Territory:
    """The paths one location of one profile owns, resolved to the project root."""

    profile_id: str
    artifact_type: ArtifactType
    path: str
    kind: PlacementKind
    suffix: str
    key: str

    def describe(self) -> str:
        owner = f"the {self.artifact_type} location of profile {self.profile_id!r}"
        if self.kind is PlacementKind.FOLDER:
            return f"{owner} (a folder each under '{self.path}/')"
        if self.kind is PlacementKind.FILE:
            return f"{owner} (a '*{self.suffix}' file each under '{self.path}/')"
        return f"{owner} (entries under '{self.key}' in '{self.path}')"


def _territories(project: Project) -> list[_Territory]:
    result: list[_Territory] = []
    for profile in project.deployment_profiles:
        for member in conv.sorted_types(profile.supported_artifact_types):
            location = profile.location(member)
            result.append(
                _Territory(
                    profile.profile_id,
                    member,
                    location.base(profile.root_dir),
                    location.kind,
                    location.suffix,
                    location.key,
                )
            )
    return result


def _inside(inner: str, outer: str) -> bool:
    """Whether ``inner`` is ``outer`` or lies below it, segment by segment."""
    return inner == outer or inner.startswith(outer + "/")


def _keys_overlap(first: str, second: str) -> bool:
    return _inside(first.replace(".", "/"), second.replace(".", "/")) or _inside(
        second.replace(".", "/"), first.replace(".", "/")
    )


def _overlap(a: _Territory, b: _Territory) -> str | None:
    """Why ``a`` and ``b`` could place different artifacts on one path, or ``None``."""
    if (a.artifact_type, a.path, a.kind, a.suffix, a.key) == (
        b.artifact_type,
        b.path,
        b.kind,
        b.suffix,
        b.key,
    ):
        return None  # the same location of the same type: shared
    entry_a = a.kind is PlacementKind.CONFIG_ENTRY
    entry_b = b.kind is PlacementKind.CONFIG_ENTRY
    if entry_a and entry_b:
        if a.path == b.path and _keys_overlap(a.key, b.key):
            return (
                f"{a.describe()} and {b.describe()} write entries under the "
                f"same or nested keys of one config file"
            )
        if a.path != b.path and (_inside(a.path, b.path) or _inside(b.path, a.path)):
            return (
                f"{a.describe()} and {b.describe()} use one path as a file and "
                "as a folder"
            )
        return None
    if entry_a or entry_b:
        entry, other = (a, b) if entry_a else (b, a)
        if _inside(other.path, entry.path):
            return (
                f"{entry.describe()} and {other.describe()} use one path as a "
                "file and as a folder"
            )
        if entry.path.startswith(other.path + "/") and (
            other.kind is PlacementKind.FOLDER or entry.path.endswith(other.suffix)
        ):
            return (
                f"the config file of {entry.describe()} lies where "
                f"{other.describe()} places artifacts"
            )
        return None
    if not (_inside(a.path, b.path) or _inside(b.path, a.path)):
        return None
    if (
        a.kind is PlacementKind.FILE
        and b.kind is PlacementKind.FILE
        and not a.suffix.endswith(b.suffix)
        and not b.suffix.endswith(a.suffix)
    ):
        # Files of different suffixes never share a path, even when their
        # folders nest: '*.md' and '*.toml' files can live side by side.
        return None
    where = "share one folder" if a.path == b.path else "nest inside each other"
    return f"{a.describe()} and {b.describe()} {where}"


def find_conflicts(project: Project) -> list[Conflict]:
    """Every pair of overlapping locations that would place different artifacts.

    Locations are compared across the project's profiles and within each
    one. Identical locations of one type are shared, not a conflict; config
    entries under different keys of one file (``hooks`` and ``mcpServers``
    in ``.gemini/settings.json``) are separate; files of suffixes that
    cannot end one another (``.md``, ``.toml``) never collide, except through
    a namespace segment that itself ends with the other suffix (a command
    ``a`` at ``c/a.md`` and an agent ``a.md/x`` at ``c/a.md/x.toml``), which
    is a clash of names, not of locations, and is not reported.
    """
    territories = _territories(project)
    conflicts: list[Conflict] = []
    for index, first in enumerate(territories):
        for second in territories[index + 1 :]:
            reason = _overlap(first, second)
            if reason is None:
                continue
            path = max(first.path, second.path, key=len)
            conflicts.append(
                Conflict(
                    first.profile_id,
                    first.artifact_type,
                    second.profile_id,
                    second.artifact_type,
                    path,
                    f"{reason} at '{path}': deploying one could overwrite the other",
                )
            )
    return conflicts

"""Detecting which platforms an existing project already uses; only reads the disk."""

from __future__ import annotations

import os
import stat
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

import attrs

from . import _convert as conv
from ._defaults import default_profile
from ._enums import PlacementKind, Platform
from ._errors import InvalidDataError, NotFoundError, ProfilesError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Detection", "Evidence", "detect_platforms"]

_Kind = Literal["folder", "file"]
_DIR: Final = "folder"
_FILE: Final = "file"


@attrs.frozen
class Evidence:
    """One path found in a project, and what it says about the platforms used.

    ``path`` is project-relative and POSIX; ``reason`` says what it is and
    why it counts; ``candidates`` are the platforms it points to, in
    ``Platform`` order: one for plain evidence, several for ambiguous
    evidence (``AGENTS.md`` is read by several agents).
    """

    path: str
    reason: str
    candidates: tuple[Platform, ...]


def _frozen_platforms(
    value: Mapping[Platform, tuple[Evidence, ...]],
) -> Mapping[Platform, tuple[Evidence, ...]]:
    return MappingProxyType(
        {member: tuple(value[member]) for member in Platform if member in value}
    )


@attrs.frozen
class Detection:
    """What ``detect_platforms`` found in a project.

    Attributes:
        platforms: Each platform with evidence that points to it alone, and
            that evidence, in ``Platform`` order.
        ambiguous: Evidence that points to several platforms at once, such as
            ``AGENTS.md``; it names no platform by itself.
        ignored: Paths that would have counted but were not followed: symlinks
            that point outside the project, dangling symlinks, paths that
            could not be read.
    """

    platforms: Mapping[Platform, tuple[Evidence, ...]] = attrs.field(
        converter=_frozen_platforms, hash=False
    )
    ambiguous: tuple[Evidence, ...] = ()
    ignored: tuple[Evidence, ...] = ()

    @property
    def platforms_found(self) -> tuple[Platform, ...]:
        """The platforms with evidence of their own, in ``Platform`` order."""
        return tuple(self.platforms)


@attrs.frozen
class _Marker:
    path: str
    kind: _Kind
    roles: tuple[tuple[Platform, str], ...]


def _markers() -> list[_Marker]:
    """The paths whose presence is evidence, derived from the built-in defaults.

    Each role is a template in which '{}' stands for the platform.

    Adding a platform (an enum member and its default profile) adds its
    markers here with no other change.
    """
    roles: dict[tuple[str, _Kind], list[tuple[Platform, str]]] = {}

    def add(path: str, kind: _Kind, platform: Platform, role: str) -> None:
        entry = roles.setdefault((path, kind), [])
        if (platform, role) not in entry:
            entry.append((platform, role))

    for platform in Platform:
        profile = default_profile(platform)
        if profile.root_dir != ".":
            add(
                profile.root_dir,
                _DIR,
                platform,
                "the root_dir of the default {} profile",
            )
        for filename in profile.config_file_paths():
            add(filename, _FILE, platform, "an instruction file that {} reads")
        for member in conv.sorted_types(profile.supported_artifact_types):
            location = profile.location(member)
            base = location.base(profile.root_dir)
            if location.kind is PlacementKind.CONFIG_ENTRY:
                add(
                    base,
                    _FILE,
                    platform,
                    f"the config file of {{}} {member} entries (under {location.key})",
                )
            else:
                add(base, _DIR, platform, f"where {{}} keeps {member}s")
        for prefix in profile.context_path_prefixes:
            add(prefix, _DIR, platform, "a context folder of {}")
    return [
        _Marker(path, kind, tuple(entries))
        for (path, kind), entries in sorted(roles.items())
    ]


def _describe_roles(roles: tuple[tuple[Platform, str], ...]) -> str:
    # Each role is a template with '{}' for the platforms: roles that share
    # a template are told once ("an instruction file that codex, cursor reads").
    grouped: dict[str, list[str]] = {}
    for platform, template in roles:
        grouped.setdefault(template, []).append(str(platform))
    return "; ".join(
        template.format(", ".join(names)) for template, names in grouped.items()
    )


def _candidates(marker: _Marker, markers: list[_Marker]) -> tuple[Platform, ...]:
    # A folder also speaks for every platform with a marker inside it:
    # '.agents/' holds Codex's skills as well as the 'other' profile's root.
    found = {platform for platform, _ in marker.roles}
    if marker.kind == _DIR:
        for other in markers:
            if other.path.startswith(marker.path + "/"):
                found.update(platform for platform, _ in other.roles)
    return tuple(member for member in Platform if member in found)


@attrs.frozen
class _Probe:
    #: "folder", "file", "missing", "other" (not a folder or regular file),
    #: "outside", "dangling" or "unreadable".
    status: str
    #: The project-relative path the status is about (a symlink on the way).
    where: str = ""
    detail: str = ""
    via_link: bool = False


def _contains(root: str, path: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _probe(root: str, rel: str) -> _Probe:
    """What ``rel`` is under ``root``, following only symlinks that stay inside.

    Every segment is checked with ``lstat``, so a symlinked parent folder
    cannot lead the walk out of the project.
    """
    current = root
    via_link = False
    segments = rel.split("/")
    for index, segment in enumerate(segments):
        here = "/".join(segments[: index + 1])
        candidate = os.path.join(current, segment)
        try:
            info = os.lstat(candidate)
        except (FileNotFoundError, NotADirectoryError):
            return _Probe("missing")
        except OSError as err:
            return _Probe("unreadable", here, err.strerror or type(err).__name__)
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(candidate)
            if not _contains(root, target):
                return _Probe("outside", here, target)
            try:
                info = os.stat(target)
            except OSError as err:
                return _Probe("dangling", here, err.strerror or type(err).__name__)
            candidate = target
            via_link = True
        last = index == len(segments) - 1
        if not last and not stat.S_ISDIR(info.st_mode):
            return _Probe("missing")
        current = candidate
    if stat.S_ISDIR(info.st_mode):
        return _Probe(_DIR, via_link=via_link)
    if stat.S_ISREG(info.st_mode):
        return _Probe(_FILE, via_link=via_link)
    return _Probe("other")


def _root(project_dir: object) -> str:
    if isinstance(project_dir, bytes) or not isinstance(project_dir, str | os.PathLike):
        raise InvalidDataError(
            f"project_dir: {project_dir!r} is not a path; pass a str or "
            "pathlib.Path naming the project folder",
            field="project_dir",
        )
    given = os.fspath(project_dir)
    if not isinstance(given, str):
        raise InvalidDataError(
            f"project_dir: {project_dir!r} is not a text path; pass a str or "
            "pathlib.Path naming the project folder",
            field="project_dir",
        )
    try:
        root = os.path.realpath(given)
        info = os.stat(root)
        if stat.S_ISDIR(info.st_mode):
            os.listdir(root)
    except FileNotFoundError:
        raise NotFoundError(
            "the project folder does not exist; pass the folder of an existing project",
            path=given,
        ) from None
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise ProfilesError(
            f"the project folder cannot be read ({reason}); check the path "
            "and its permissions",
            path=given,
        ) from err
    if not stat.S_ISDIR(info.st_mode):
        raise InvalidDataError(
            "the project path is not a folder; pass the project's folder, not a "
            "file in it",
            path=given,
        )
    return root


def detect_platforms(project_dir: str | os.PathLike[str]) -> Detection:
    """Which platforms ``project_dir`` already uses, and the evidence for each.

    The evidence comes from the built-in default profiles: each platform's
    folder (``.claude/``), its instruction files (``CLAUDE.md``), the
    folders and config files of its artifact locations (``.mcp.json``,
    ``.agents/skills/``) and its context folders. A path that speaks for
    several platforms (``AGENTS.md``, ``.agents/skills/``) is reported in
    ``ambiguous``, never credited to one of them.

    Only reads, with ``lstat``: a symlink is followed only when it points
    inside the project; one that points outside, a dangling one and a path
    that cannot be read are reported in ``ignored``. A missing or unreadable
    ``project_dir`` is a ``ProfilesError`` naming it.
    """
    root = _root(project_dir)
    markers = _markers()
    platforms: dict[Platform, list[Evidence]] = {}
    ambiguous: list[Evidence] = []
    ignored: dict[str, Evidence] = {}
    for marker in markers:
        probe = _probe(root, marker.path)
        candidates = _candidates(marker, markers)
        if probe.status in ("outside", "dangling", "unreadable"):
            if probe.where not in ignored:
                what = {
                    "outside": f"a symlink to {probe.detail}, outside the project",
                    "dangling": f"a symlink to a target that cannot be read "
                    f"({probe.detail})",
                    "unreadable": f"cannot be read ({probe.detail})",
                }[probe.status]
                ignored[probe.where] = Evidence(
                    probe.where, f"{probe.where}: {what}; not followed", candidates
                )
            continue
        if probe.status != marker.kind:
            continue
        roles = _describe_roles(marker.roles)
        shown = f"{marker.path}/" if marker.kind == _DIR else marker.path
        link = " (through a symlink inside the project)" if probe.via_link else ""
        if len(candidates) > 1:
            names = ", ".join(str(member) for member in candidates)
            reason = (
                f"{marker.kind} {shown}{link}: {roles}; it is read by several "
                f"platforms ({names}), so it names none of them alone"
            )
            ambiguous.append(Evidence(marker.path, reason, candidates))
        else:
            reason = f"{marker.kind} {shown}{link}: {roles}"
            platforms.setdefault(candidates[0], []).append(
                Evidence(marker.path, reason, candidates)
            )
    return Detection(
        {member: tuple(items) for member, items in platforms.items()},
        tuple(ambiguous),
        tuple(ignored[key] for key in sorted(ignored)),
    )

"""The ``artifact_path_map`` notation: where one artifact type lives, and how names map to paths.

A value is one of::

    skills                  plain: under root_dir, each artifact in the type's default shape
    agents/*.toml           one file per artifact, with this suffix
    skills/*/               one folder per artifact
    settings.json#hooks     entries inside a config file, under a dotted key
    /.mcp.json#mcpServers   a leading '/' anchors the path at the project root

Everything here is pure: no function touches the disk.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

from ._enums import ArtifactType, PlacementKind
from ._errors import InvalidDataError, shown
from ._validate import check_artifact_name, check_relative_path

__all__ = ["Location", "Placement", "parse_location"]

_SUFFIX_RE: Final = re.compile(r"\.[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*")
_KEY_RE: Final = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
#: A TOML bare key; any other key is written quoted.
BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")

#: The shape a plain value gives each type: skills are folders, commands and
#: agents Markdown files; hooks and MCP servers, which no agent reads from a
#: folder of files, are JSON files unless the value names a config entry.
_PLAIN_SHAPE: Final = {
    ArtifactType.SKILL: (PlacementKind.FOLDER, ""),
    ArtifactType.COMMAND: (PlacementKind.FILE, ".md"),
    ArtifactType.AGENT: (PlacementKind.FILE, ".md"),
    ArtifactType.HOOK: (PlacementKind.FILE, ".json"),
    ArtifactType.MCP: (PlacementKind.FILE, ".json"),
}

_NOTATION_HELP: Final = (
    "'DIR' (under root_dir), 'DIR/*/' (a folder each), 'DIR/*.EXT' (a file "
    "each), 'FILE#KEY' (entries of a config file), each optionally starting "
    "with '/' to anchor it at the project root"
)


@attrs.frozen
class Placement:
    """Where one artifact goes in a project, as a profile places it.

    ``path`` is project-relative and POSIX. ``kind`` says whether it is a
    folder, a file, or an entry inside a config file; for a config entry,
    ``key`` is the dotted key of the entry inside that file (segments that
    are not bare TOML keys are quoted: ``mcpServers."my.server"``), and
    ``None`` otherwise.
    """

    path: str
    kind: PlacementKind
    key: str | None = None


@attrs.frozen
class Location:
    """One parsed ``artifact_path_map`` value."""

    #: The canonical text of the value, as stored.
    spec: str
    #: True when the value starts with '/', so ``path`` is project-relative.
    anchored: bool
    #: The folder (FOLDER, FILE) or config file (CONFIG_ENTRY), relative to
    #: the project root when ``anchored``, else to the profile's root_dir.
    path: str
    kind: PlacementKind
    #: The file suffix of FILE placements, such as ``.md``; else empty.
    suffix: str
    #: The dotted key prefix of CONFIG_ENTRY placements; else empty.
    key: str

    def base(self, root_dir: str) -> str:
        """The project-relative folder or config file of this location."""
        if self.anchored or root_dir == ".":
            return self.path
        return f"{root_dir}/{self.path}"

    def place(self, root_dir: str, name: str, artifact_type: ArtifactType) -> Placement:
        """Place the artifact ``name`` of ``artifact_type`` under ``root_dir``."""
        check_artifact_name(name, "name")
        base = self.base(root_dir)
        if self.kind is PlacementKind.CONFIG_ENTRY:
            entry = name if BARE_KEY.fullmatch(name) else f'"{name}"'
            return Placement(base, self.kind, f"{self.key}.{entry}")
        if self.kind is PlacementKind.FOLDER:
            if "/" in name:
                flat = name.replace("/", "-")
                raise InvalidDataError(
                    f"name: {name!r} is namespaced, but each {artifact_type} is a "
                    f"folder directly under {base}/; use a flat name such as "
                    f"{flat!r}",
                    field="name",
                )
            # root_dir and the location may be near the length limit.
            return Placement(check_relative_path(f"{base}/{name}", "name"), self.kind)
        path = f"{base}/{name}{self.suffix}"
        # A long name plus the suffix can pass the name rules and still break
        # the path rules (segment length); check the final path too.
        check_relative_path(path, "name")
        return Placement(path, self.kind)

    def classify(self, root_dir: str, path: str) -> str | None:
        """The artifact name that ``path`` belongs to here, or ``None``."""
        if self.kind is PlacementKind.CONFIG_ENTRY:
            return None
        base = self.base(root_dir)
        if not path.startswith(base + "/"):
            return None
        rest = path[len(base) + 1 :]
        if self.kind is PlacementKind.FOLDER:
            name = rest.split("/", 1)[0]
        elif rest.endswith(self.suffix) and len(rest) > len(self.suffix):
            name = rest[: len(rest) - len(self.suffix)]
        else:
            return None
        try:
            check_artifact_name(name, "name")
        except InvalidDataError:
            return None
        return name


def parse_location(spec: object, artifact_type: ArtifactType, field: str) -> Location:
    """Parse and validate one ``artifact_path_map`` value for ``artifact_type``."""
    if not isinstance(spec, str):
        raise InvalidDataError(
            f"{field}: {shown(spec)} is not valid: not a string; expected {_NOTATION_HELP}",
            field=field,
        )
    anchored = spec.startswith("/")
    body = spec[1:] if anchored else spec
    if body.startswith("/"):
        raise InvalidDataError(
            f"{field}: {shown(spec)} is not valid: it starts with '//'; expected "
            f"{_NOTATION_HELP}",
            field=field,
        )
    lead = "/" if anchored else ""
    if "#" in body:
        file_part, _, key = body.partition("#")
        path = check_relative_path(file_part, field)
        if _KEY_RE.fullmatch(key) is None:
            raise InvalidDataError(
                f"{field}: {shown(spec)} is not valid: the key after '#' must be "
                "dotted bare keys (letters, digits, '-', '_'), such as "
                "'mcpServers' or 'mcp_servers'",
                field=field,
            )
        return Location(
            f"{lead}{path}#{key}", anchored, path, PlacementKind.CONFIG_ENTRY, "", key
        )
    if body.endswith(("/*/", "/*")):
        folder = body[: body.rindex("/*")]
        path = check_relative_path(folder, field)
        return Location(
            f"{lead}{path}/*/", anchored, path, PlacementKind.FOLDER, "", ""
        )
    head, sep, last = body.rpartition("/")
    if sep and last.startswith("*"):
        suffix = last[1:]
        if _SUFFIX_RE.fullmatch(suffix) is None:
            raise InvalidDataError(
                f"{field}: {shown(spec)} is not valid: after '*' comes a suffix such "
                "as '.md' or '.toml'",
                field=field,
            )
        path = check_relative_path(head, field)
        return Location(
            f"{lead}{path}/*{suffix}", anchored, path, PlacementKind.FILE, suffix, ""
        )
    if "*" in body:
        raise InvalidDataError(
            f"{field}: {shown(spec)} is not valid: '*' may only stand as the last "
            f"segment; expected {_NOTATION_HELP}",
            field=field,
        )
    path = check_relative_path(body, field)
    kind, suffix = _PLAIN_SHAPE[artifact_type]
    return Location(f"{lead}{path}", anchored, path, kind, suffix, "")

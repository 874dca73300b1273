"""The JSON Schema of the project file, generated from the models and validators."""

from __future__ import annotations

import enum
import json
import os
import re
import tempfile
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Final

import attrs

from . import _location, _validate
from ._convert import _HASH_RE
from ._enums import ArtifactType
from ._errors import ProfilesError
from ._models import Deployment, DeploymentProfile, Project
from ._schema import SCHEMA_VERSION

__all__ = [
    "SCHEMA_DIRECTIVE",
    "SCHEMA_FILENAME",
    "json_schema",
    "json_schema_text",
    "write_schema_file",
]

Schema = dict[str, Any]

#: The file name ``init`` gives the schema, in the store's ``.skillmeat/`` folder.
SCHEMA_FILENAME: Final = "profile.schema.json"
#: The first line of each project file, naming the schema for Taplo-based editors;
#: Taplo resolves the path relative to the TOML file (``.skillmeat/profiles/``).
SCHEMA_DIRECTIVE: Final = f"#:schema ../{SCHEMA_FILENAME}\n"

_DRAFT: Final = "http://json-schema.org/draft-07/schema#"

# Regular expressions below avoid look-around and inline flags: Taplo's regex
# engine has neither, and a schema an editor cannot compile validates nothing.
_BAD_SEGMENT_CHARS: Final = "".join(sorted(_validate._BAD_PATH_CHARS)) + "/"
# Escaped inside a character class: '\' and ']' and '^' and '-' need it.
_CONTROL_RANGES: Final = r"\x00-\x1f\x7f-\x9f"


def _class_chars(chars: str) -> str:
    return "".join("\\" + c if c in "\\]^-[" else c for c in chars)


def _case_free(word: str) -> str:
    """``con`` as ``[cC][oO][nN]``: case-insensitive without an inline flag."""
    out = ""
    for char in word:
        if char.lower() != char.upper():
            out += f"[{char.lower()}{char.upper()}]"
        else:
            out += re.escape(char)
    return out


def _device_names() -> str:
    names = sorted(_validate._DEVICE_NAMES, key=lambda name: (-len(name), name))
    return "(" + "|".join(_case_free(name) for name in names) + ")"


def _segment(extra_bad: str = "") -> str:
    """One path segment: allowed characters, not ending in a dot or space."""
    bad = _class_chars(_BAD_SEGMENT_CHARS + extra_bad) + _CONTROL_RANGES
    return f"[^{bad}]*[^{bad}. ]"


def _path_body(extra_bad: str = "") -> str:
    segment = _segment(extra_bad)
    return f"{segment}(/{segment})*"


#: A segment that is a Windows device name, with or without an extension.
_DEVICE_SEGMENT: Final = rf"(^|/){_device_names()} *(\.[^/]*)?(/|$)"


def _no_trailing_dot(rule: re.Pattern[str]) -> str:
    """``[first][rest]*`` of a validator, plus its rule that no dot comes last."""
    match = re.fullmatch(r"(\[[^\]]+\])(\[[^\]]+\])\*", rule.pattern)
    if match is None:  # pragma: no cover - guards a change of the validators
        raise TypeError(f"unexpected shape of the rule {rule.pattern!r}")
    first, rest = match.groups()
    return f"{first}({rest}*{rest.replace('.', '')})?"


def _id_pattern() -> str:
    return _no_trailing_dot(_validate._ID_RE)


def _name_segment() -> str:
    return _no_trailing_dot(_validate._NAME_SEGMENT_RE)


def _id_schema() -> Schema:
    return {
        "type": "string",
        "pattern": f"^{_id_pattern()}$",
        "maxLength": _validate.ID_MAX,
        "not": {"pattern": _DEVICE_SEGMENT},
    }


def _artifact_name_schema() -> Schema:
    segment = _name_segment()
    return {
        "type": "string",
        "pattern": f"^{segment}(/{segment})*$",
        "maxLength": _validate.NAME_MAX,
        "not": {"pattern": _DEVICE_SEGMENT},
    }


def _relative_path_schema(*, allow_dot: bool = False) -> Schema:
    pattern = f"^{_path_body()}/?$"
    if allow_dot:
        pattern = rf"^\./?$|{pattern}"
    return {
        "type": "string",
        "pattern": pattern,
        "maxLength": _validate.PATH_MAX,
        "not": {"pattern": _DEVICE_SEGMENT},
    }


def _filename_schema() -> Schema:
    return {
        "type": "string",
        "pattern": f"^{_segment()}$",
        "maxLength": _validate.SEGMENT_MAX,
        "not": {"pattern": _DEVICE_SEGMENT},
    }


def _absolute_path_schema() -> Schema:
    return {
        "type": "string",
        "pattern": rf"^(/|[A-Za-z]:[\\/]|\\\\)[^{_CONTROL_RANGES}]*$",
        "maxLength": 4096,
    }


def _text_schema(*, required: bool = False) -> Schema:
    schema: Schema = {"type": "string", "maxLength": 4096}
    if required:
        schema["pattern"] = r"\S"
    return schema


def _hash_schema() -> Schema:
    return {"type": "string", "pattern": f"^{_HASH_RE.pattern}$"}


def notation_pattern() -> str:
    """The ``artifact_path_map`` notation (``_location``) as one regular expression."""
    # '#' separates a config file from its key, and '*' is the wildcard, so
    # neither may appear inside a path of the notation.
    body = _path_body("#")
    suffix = _location._SUFFIX_RE.pattern
    key = _location._KEY_RE.pattern
    forms = [
        f"{body}#{key}",  # entries of a config file
        rf"{body}/\*/?",  # a folder each
        rf"{body}/\*{suffix}",  # a file each
        f"{body}/?",  # plain: the type's default shape under root_dir
    ]
    return f"^/?({'|'.join(forms)})$"


def _notation_schema() -> Schema:
    return {
        "type": "string",
        "pattern": notation_pattern(),
        "not": {"pattern": _DEVICE_SEGMENT},
        "description": (
            "Where this artifact type goes: 'DIR' (under root_dir), 'DIR/*/' "
            "(a folder each), 'DIR/*.EXT' (a file each), 'FILE#KEY' (entries of "
            "a config file); a leading '/' anchors it at the project root."
        ),
    }


def _datetime_schema() -> Schema:
    # Taplo hands a TOML offset date-time to the validator as its RFC 3339
    # text; local (offset-less) date-times are refused by the library, so
    # the pattern requires 'Z' or an offset.
    return {
        "type": "string",
        "format": "date-time",
        "pattern": (
            r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
        ),
    }


def _enum_schema(members: type[enum.StrEnum]) -> Schema:
    return {"type": "string", "enum": [member.value for member in members]}


#: What each string field of the file holds, by model and field; a new string
#: field without an entry here stops the generation.
_STRINGS: Final[dict[tuple[type, str], Callable[[], Schema]]] = {
    (DeploymentProfile, "profile_id"): _id_schema,
    (DeploymentProfile, "root_dir"): lambda: _relative_path_schema(allow_dot=True),
    (DeploymentProfile, "project_config_filenames"): _filename_schema,
    (DeploymentProfile, "context_path_prefixes"): _relative_path_schema,
    (DeploymentProfile, "description"): _text_schema,
    (Deployment, "artifact_name"): _artifact_name_schema,
    (Deployment, "artifact_path"): _relative_path_schema,
    (Deployment, "content_hash"): _hash_schema,
    (Deployment, "deployment_profile_id"): _id_schema,
    (Deployment, "profile_root_dir"): lambda: _relative_path_schema(allow_dot=True),
    (Project, "project_id"): _id_schema,
    (Project, "name"): lambda: _text_schema(required=True),
    (Project, "path"): _absolute_path_schema,
}


def _strip_optional(hint: Any) -> tuple[Any, bool]:
    if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union:
        args = [arg for arg in typing.get_args(hint) if arg is not NoneType]
        if len(args) == 1:
            return args[0], True
    return hint, False


def _field_schema(cls: type, name: str, hint: Any) -> Schema:
    hint, _ = _strip_optional(hint)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if isinstance(hint, type) and issubclass(hint, enum.StrEnum):
        return _enum_schema(hint)
    if hint is datetime:
        return _datetime_schema()
    if hint is str:
        try:
            return _STRINGS[(cls, name)]()
        except KeyError:
            raise TypeError(
                f"{cls.__name__}.{name}: no JSON Schema rule for this string field"
            ) from None
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return {
            "type": "array",
            "items": _field_schema(cls, name, args[0]),
            "uniqueItems": True,
        }
    if origin is frozenset:
        return {
            "type": "array",
            "items": _field_schema(cls, name, args[0]),
            "uniqueItems": True,
        }
    if origin is Mapping and args[0] is ArtifactType and args[1] is str:
        return {
            "type": "object",
            "propertyNames": _enum_schema(ArtifactType),
            "additionalProperties": _notation_schema(),
        }
    raise TypeError(f"{cls.__name__}.{name}: no JSON Schema rule for {hint!r}")


def _descriptions(cls: type) -> dict[str, str]:
    """The ``Attributes:`` section of a model's docstring, one text per field."""
    doc = cls.__doc__ or ""
    result: dict[str, str] = {}
    current: str | None = None
    in_section = False
    for raw in doc.splitlines():
        line = raw.strip()
        if line == "Attributes:":
            in_section = True
            continue
        if not in_section:
            continue
        match = re.fullmatch(r"(\w+): (.*)", line)
        if match and raw.startswith(" " * 8) and not raw.startswith(" " * 12):
            current = match.group(1)
            result[current] = match.group(2)
        elif line and current is not None:
            result[current] += " " + line
    # Docstrings quote code as ``x``; an editor's hover shows plain text.
    return {
        name: " ".join(text.replace("``", "'").split()) for name, text in result.items()
    }


def _table(
    cls: type,
    *,
    skip: tuple[str, ...] = (),
    rename: Mapping[str, str] | None = None,
) -> Schema:
    """The object schema of ``cls``'s fields; those without a default are required."""
    hints = typing.get_type_hints(cls)
    notes = _descriptions(cls)
    rename = rename or {}
    properties: Schema = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        if not field.init or field.name in skip:
            continue
        key = rename.get(field.name, field.name)
        schema = _field_schema(cls, field.name, hints[field.name])
        if field.name in notes:
            schema["description"] = notes[field.name]
        properties[key] = schema
        if field.default is attrs.NOTHING:
            required.append(key)
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _deployment_key_pattern() -> str:
    segment = _name_segment()
    types = "|".join(re.escape(member.value) for member in ArtifactType)
    return f"^({_id_pattern()}:)?({types}):{segment}(/{segment})*$"


def json_schema() -> Schema:
    """The JSON Schema (draft 7) of a project file, built from the models.

    Ids, paths and names carry the validators' rules as patterns, enums come
    from ``Platform`` and ``ArtifactType``, required keys from the fields
    without a default, and unknown keys are refused. Rules across fields (a
    supported type needs a location) are left to ``skillmeat-profiles
    validate``; TOML date-times are seen as RFC 3339 strings, as Taplo does.
    """
    profile = _table(DeploymentProfile, skip=("profile_id", "project_id"))
    record = _table(Deployment)
    project = _table(
        Project,
        skip=("deployment_profiles", "deployments"),
        rename={"project_id": "id"},
    )
    return {
        "$schema": _DRAFT,
        "$id": "urn:skillmeat-profiles:profile-file",
        "title": "skillmeat-profiles project file",
        "description": (
            "One project's deployment profiles and deployment records "
            "(.skillmeat/profiles/<project_id>.toml). Generated from the "
            "skillmeat-profiles models; regenerate with `skillmeat-profiles schema`."
        ),
        "type": "object",
        "properties": {
            "schema_version": {
                "description": (
                    "The file's format version; older files are upgraded by "
                    "`skillmeat-profiles migrate`."
                ),
                "type": "integer",
                "const": SCHEMA_VERSION,
            },
            "project": project,
            "profiles": {
                "description": "The project's profiles, keyed by profile_id.",
                "type": "object",
                "propertyNames": _id_schema(),
                "additionalProperties": profile,
            },
            "deployments": {
                "description": (
                    "Deployment records keyed by '[profile_id:]type:name'; the "
                    "key must match the record."
                ),
                "type": "object",
                "propertyNames": {
                    "type": "string",
                    "pattern": _deployment_key_pattern(),
                },
                "additionalProperties": record,
            },
        },
        "required": ["schema_version", "project"],
        "additionalProperties": False,
    }


def json_schema_text() -> str:
    """``json_schema()`` as the text of the shipped ``profile.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema_file(folder: str | Path) -> tuple[Path, bool]:
    """Write the schema to ``folder/profile.schema.json`` if it is missing or stale.

    Returns the path and whether the file was written; an up-to-date file is
    left untouched, so running it twice changes nothing.
    """
    target = Path(folder) / SCHEMA_FILENAME
    text = json_schema_text()
    try:
        if target.is_file() and target.read_bytes() == text.encode("utf-8"):
            return target, False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(
            dir=target.parent, prefix=f".{SCHEMA_FILENAME}.", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.chmod(temp, 0o644)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise ProfilesError(
            f"cannot write the JSON Schema: {error.strerror or error}; check that "
            "the folder is writable",
            path=str(target),
        ) from None
    return target, True

"""Validators for ids, artifact names and stored paths; pure functions, no I/O."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from ._errors import InvalidDataError, shown

__all__ = [
    "check_absolute_path",
    "check_artifact_name",
    "check_filename",
    "check_id",
    "check_relative_path",
    "check_utc",
]

ID_MAX: Final = 64
NAME_SEGMENT_MAX: Final = 64
NAME_MAX: Final = 200
PATH_MAX: Final = 1024
SEGMENT_MAX: Final = 255

_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9._-]*")
_NAME_SEGMENT_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Characters Windows forbids in file names, plus the separators and ``:``
# (drive letters, NTFS streams) that make a "relative" path escape its root.
_BAD_PATH_CHARS: Final = frozenset('\\:*?"<>|')
_DEVICE_NAMES: Final = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
    + ["COM\u00b9", "COM\u00b2", "COM\u00b3", "LPT\u00b9", "LPT\u00b2", "LPT\u00b3"]
)


_CHAR: Final = r'[^\x00-\x1f\x7f-\x9f\\:*?"<>|/]'
_DEVICE: Final = (
    r"(?i:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[1-9\u00b9\u00b2\u00b3]"
    r"|LPT[1-9\u00b9\u00b2\u00b3]) *(?:\.|/|$)"
)
_SEGMENT: Final = rf"(?!{_DEVICE}){_CHAR}{{1,{SEGMENT_MAX}}}(?<![. ])"
# The whole rule set of check_relative_path as one expression: the common
# case (a valid path) costs one match instead of a loop over characters.
_VALID_PATH: Final = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*/?")


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F


def _is_device_name(segment: str) -> bool:
    # Windows reserves the stem whatever the extension: ``nul.txt`` is NUL.
    stem = segment.split(".", 1)[0].rstrip(" ")
    return stem.upper() in _DEVICE_NAMES


def _fail(field: str, value: object, reason: str, accepted: str) -> InvalidDataError:
    return InvalidDataError(
        f"{field}: {shown(value)} is not valid: {reason}; expected {accepted}",
        field=field,
    )


def check_id(value: object, field: str) -> str:
    """Return ``value`` if it is a valid project or profile id, else raise.

    Ids become file names and TOML keys, so the rule is an allowlist:
    lowercase letters, digits, ``-``, ``_`` and ``.``; a letter or digit
    first; at most 64 characters; no Windows device name.
    """
    accepted = (
        "1-64 lowercase letters, digits, '-', '_' or '.', starting with a "
        "letter or digit (for example 'claude_code' or 'my-project')"
    )
    if not isinstance(value, str):
        raise _fail(field, value, "not a string", accepted)
    if not value:
        raise _fail(field, value, "it is empty", accepted)
    if len(value) > ID_MAX:
        raise _fail(field, value, f"it has {len(value)} characters", accepted)
    if _ID_RE.fullmatch(value) is None:
        reason = "it has uppercase letters" if value.lower() != value else ""
        if not reason:
            reason = (
                "it starts with a character other than a letter or digit"
                if _ID_RE.fullmatch("a" + value[1:])
                else "it has a character outside the allowed set"
            )
        raise _fail(field, value, reason, accepted)
    if value.endswith("."):
        raise _fail(field, value, "it ends with '.'", accepted)
    if _is_device_name(value):
        raise _fail(field, value, "it is a reserved Windows device name", accepted)
    return value


def check_artifact_name(value: object, field: str) -> str:
    """Return ``value`` if it is a valid artifact name, else raise.

    A name is one or more segments joined by ``/`` (``ai/code-review``); each
    segment starts with a letter or digit and holds letters, digits, ``-``,
    ``_`` and ``.``, does not end in ``.`` and is no Windows device name.
    """
    accepted = (
        "segments of letters, digits, '-', '_' or '.' joined by '/', each "
        "starting with a letter or digit (for example 'review' or "
        "'ai/code-review')"
    )
    if not isinstance(value, str):
        raise _fail(field, value, "not a string", accepted)
    if not value:
        raise _fail(field, value, "it is empty", accepted)
    if len(value) > NAME_MAX:
        raise _fail(field, value, f"it has {len(value)} characters", accepted)
    for segment in value.split("/"):
        if not segment:
            raise _fail(field, value, "it has an empty segment", accepted)
        if len(segment) > NAME_SEGMENT_MAX:
            raise _fail(field, value, f"segment {segment!r} is too long", accepted)
        if _NAME_SEGMENT_RE.fullmatch(segment) is None:
            raise _fail(field, value, f"segment {segment!r} is not allowed", accepted)
        if segment.endswith("."):
            raise _fail(field, value, f"segment {segment!r} ends with '.'", accepted)
        if _is_device_name(segment):
            raise _fail(
                field,
                value,
                f"segment {segment!r} is a reserved Windows device name",
                accepted,
            )
    return value


def _path_segment_problem(segment: str) -> str | None:
    if not segment:
        return "it has an empty segment"
    if segment in (".", ".."):
        return f"it has a {segment!r} segment"
    if len(segment) > SEGMENT_MAX:
        return f"segment {segment[:20]!r}... is longer than {SEGMENT_MAX} characters"
    for char in segment:
        if _is_control(char):
            return "it has a control character"
        if char in _BAD_PATH_CHARS:
            return f"it has a {char!r}"
    if segment[-1] in ". ":
        return f"segment {segment!r} ends with a dot or space"
    if _is_device_name(segment):
        return f"segment {segment!r} is a reserved Windows device name"
    return None


def check_relative_path(value: object, field: str, *, allow_dot: bool = False) -> str:
    """Return the canonical POSIX form of a project-relative path, else raise.

    Rejected: empty paths, absolute paths, drive letters, UNC paths, any
    backslash or ``:``, NUL and control characters, ``.`` and ``..``
    segments, empty segments, segments ending in a dot or space, and Windows
    device names. One trailing ``/`` is accepted and dropped. With
    ``allow_dot``, the path ``.`` (the project itself) is accepted as is.
    """
    accepted = (
        "a relative POSIX path inside the project, such as '.claude' or "
        "'.claude/skills'"
    )
    if not isinstance(value, str):
        raise _fail(field, value, "not a string", accepted)
    if allow_dot and value in (".", "./"):
        return "."
    if len(value) <= PATH_MAX and _VALID_PATH.fullmatch(value) is not None:
        return value[:-1] if value.endswith("/") else value
    if not value:
        raise _fail(field, value, "it is empty", accepted)
    if len(value) > PATH_MAX:
        raise _fail(field, value, f"it is longer than {PATH_MAX} characters", accepted)
    if "\x00" in value:
        raise _fail(field, value, "it has a NUL character", accepted)
    if value.startswith(("/", "\\")):
        raise _fail(field, value, "it is absolute", accepted)
    if len(value) >= 2 and value[1] == ":" and value[0].isalpha():
        raise _fail(field, value, "it starts with a drive letter", accepted)
    if "\\" in value:
        raise _fail(field, value, "it has a backslash (use '/')", accepted)
    path = value[:-1] if value.endswith("/") else value
    for segment in path.split("/"):
        problem = _path_segment_problem(segment)
        if problem is not None:
            raise _fail(field, value, problem, accepted)
    # Unreachable while the expression and the checks above agree; the
    # property tests hold them to that.
    raise _fail(field, value, "it is not a valid path", accepted)  # pragma: no cover


def check_filename(value: object, field: str) -> str:
    """Return ``value`` if it is a plain file name (one path segment), else raise."""
    accepted = "a plain file name such as 'CLAUDE.md', with no '/'"
    if not isinstance(value, str):
        raise _fail(field, value, "not a string", accepted)
    if "/" in value:
        raise _fail(field, value, "it has a '/'", accepted)
    if value.startswith("\\") or (len(value) >= 2 and value[1] == ":"):
        raise _fail(field, value, "it is a path, not a file name", accepted)
    problem = _path_segment_problem(value)
    if problem is not None:
        raise _fail(field, value, problem, accepted)
    return value


def check_absolute_path(value: object, field: str) -> str:
    """Return ``value`` if it is an absolute POSIX or Windows path, else raise."""
    accepted = "an absolute path such as '/home/me/project' or 'C:\\\\work\\\\project'"
    if not isinstance(value, str):
        raise _fail(field, value, "not a string", accepted)
    if len(value) > 4096:
        raise _fail(field, value, "it is longer than 4096 characters", accepted)
    if any(_is_control(char) for char in value):
        raise _fail(field, value, "it has a control character", accepted)
    posix = value.startswith("/")
    windows = (
        len(value) >= 3 and value[0].isalpha() and value[1] == ":" and value[2] in "\\/"
    ) or value.startswith("\\\\")
    if not (posix or windows):
        raise _fail(field, value, "it is not absolute", accepted)
    return value


def check_utc(value: object, field: str) -> datetime:
    """Return ``value`` in UTC if it is a timezone-aware datetime, else raise."""
    accepted = "a timezone-aware datetime, such as 2026-12-04T09:30:00Z"
    if not isinstance(value, datetime):
        raise _fail(field, value, "not a datetime", accepted)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidDataError(
            f"{field}: {value.isoformat()} has no timezone (a naive datetime); "
            f"expected {accepted}: pass tzinfo=datetime.UTC, or write the 'Z' "
            "suffix in the file",
            field=field,
        )
    return value.astimezone(UTC)

"""Field converters shared by the models: each validates and canonicalises."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Final, TypeVar

from ._enums import ArtifactType, Platform
from ._errors import InvalidDataError, shown
from ._validate import (
    check_absolute_path,
    check_artifact_name,
    check_filename,
    check_id,
    check_relative_path,
    check_utc,
)

if TYPE_CHECKING:
    from datetime import datetime

E = TypeVar("E", bound=StrEnum)

_TEXT_MAX: Final = 4096
_HASH_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9:_+/=.-]{0,199}")
_TYPE_ORDER: Final = {member: index for index, member in enumerate(ArtifactType)}


def enum_member(enum: type[E], value: object, field: str) -> E:
    """The member of ``enum`` whose value is ``value``, or an error listing them."""
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        member = enum._value2member_map_.get(value)
        if member is not None:
            return member  # type: ignore[return-value]
    choices = ", ".join(repr(member.value) for member in enum)
    raise InvalidDataError(
        f"{field}: {shown(value)} is not a valid {enum.__name__}; expected one of {choices}",
        field=field,
    )


def platform(field: str) -> Callable[[Platform | str], Platform]:
    """A converter to ``Platform``."""
    return lambda value: enum_member(Platform, value, field)


def artifact_type(field: str) -> Callable[[ArtifactType | str], ArtifactType]:
    """A converter to ``ArtifactType``."""
    return lambda value: enum_member(ArtifactType, value, field)


def optional_platform(field: str) -> Callable[[Platform | str | None], Platform | None]:
    """A converter to ``Platform`` or ``None``."""
    return lambda value: None if value is None else enum_member(Platform, value, field)


def ident(field: str) -> Callable[[str], str]:
    """A converter that checks a project or profile id."""
    return lambda value: check_id(value, field)


def optional_ident(field: str) -> Callable[[str | None], str | None]:
    """A converter that checks an optional id."""
    return lambda value: None if value is None else check_id(value, field)


def artifact_name(field: str) -> Callable[[str], str]:
    """A converter that checks an artifact name."""
    return lambda value: check_artifact_name(value, field)


def relative_path(field: str, *, allow_dot: bool = False) -> Callable[[str], str]:
    """A converter to a canonical project-relative path."""
    return lambda value: check_relative_path(value, field, allow_dot=allow_dot)


def optional_relative_path(
    field: str, *, allow_dot: bool = False
) -> Callable[[str | None], str | None]:
    """A converter to a canonical project-relative path or ``None``."""
    return lambda value: (
        None
        if value is None
        else check_relative_path(value, field, allow_dot=allow_dot)
    )


def optional_absolute_path(field: str) -> Callable[[str | None], str | None]:
    """A converter that checks an optional absolute path."""
    return lambda value: None if value is None else check_absolute_path(value, field)


def utc(field: str) -> Callable[[datetime], datetime]:
    """A converter to an aware UTC datetime."""
    return lambda value: check_utc(value, field)


def text(field: str, *, optional: bool) -> Callable[[str | None], str | None]:
    """A converter for free text: a string of at most 4096 characters."""

    def convert(value: str | None) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise InvalidDataError(
                f"{field}: {shown(value)} is not valid: not a string; expected text",
                field=field,
            )
        if len(value) > _TEXT_MAX:
            raise InvalidDataError(
                f"{field}: text of {len(value)} characters is too long; expected "
                f"at most {_TEXT_MAX}",
                field=field,
            )
        if "\x00" in value:
            raise InvalidDataError(
                f"{field}: {shown(value)} has a NUL character; expected text",
                field=field,
            )
        return value

    return convert


def required_text(field: str) -> Callable[[str], str]:
    """A converter for required, non-empty free text."""
    convert = text(field, optional=False)

    def required(value: str) -> str:
        result = convert(value)
        assert result is not None  # optional=False never returns None
        if not result.strip():
            raise InvalidDataError(
                f"{field}: {shown(value)} is empty; expected some text", field=field
            )
        return result

    return required


def content_hash(field: str) -> Callable[[str | None], str | None]:
    """A converter for an optional content hash such as ``sha256:ab12...``."""

    def convert(value: str | None) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or _HASH_RE.fullmatch(value) is None:
            raise InvalidDataError(
                f"{field}: {shown(value)} is not valid; expected a digest such as "
                "'sha256:9f86d08...' (letters, digits and ':_+/=.-', at most 200)",
                field=field,
            )
        return value

    return convert


_MEMO_MAX: Final = 2048


class Memo:
    """A bounded cache of successful conversions of hashable inputs.

    Reading a project file validates the same few values over and over
    (every Claude Code profile has the same path map); converters are pure,
    so a value that passed once passes again. Failures are never cached, so
    every error is raised afresh with its own field path.
    """

    __slots__ = ("_data",)

    def __init__(self) -> None:
        self._data: dict[object, object] = {}

    def key(self, value: object) -> object | None:
        """A hashable key for ``value``, or ``None`` when it has none."""
        try:
            if type(value) is list or type(value) is tuple:
                key: object = (type(value), *value)
            elif isinstance(value, Mapping):
                key = (Mapping, *value.items())
            else:
                return None
            hash(key)
        except TypeError:
            return None
        return key

    def get(self, key: object | None) -> object | None:
        """The cached result for ``key``, if any."""
        return None if key is None else self._data.get(key)

    def put(self, key: object | None, result: object) -> None:
        """Remember ``result`` for ``key`` while there is room."""
        if key is not None and len(self._data) < _MEMO_MAX:
            self._data[key] = result


def _items(value: object, field: str, what: str) -> list[object]:
    # A string is iterable too; accepting it would turn "CLAUDE.md" into nine
    # one-letter file names.
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidDataError(
            f"{field}: {shown(value)} is not valid: not a list; expected a list of {what}",
            field=field,
        )
    return list(value)


def unique_tuple(
    check: Callable[[object, str], str], field: str, what: str
) -> Callable[[Iterable[str]], tuple[str, ...]]:
    """A converter to a tuple of checked, distinct strings, in the given order."""

    memo = Memo()

    def convert(value: Iterable[str]) -> tuple[str, ...]:
        key = memo.key(value)
        hit = memo.get(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        result: list[str] = []
        for index, item in enumerate(_items(value, field, what)):
            checked = check(item, f"{field}[{index}]")
            if checked in result:
                raise InvalidDataError(
                    f"{field}: {checked!r} is listed twice; list each once",
                    field=field,
                )
            result.append(checked)
        memo.put(key, tuple(result))
        return tuple(result)

    return convert


def filenames(field: str) -> Callable[[Iterable[str]], tuple[str, ...]]:
    """A converter to a tuple of distinct plain file names."""
    return unique_tuple(check_filename, field, "file names")


def prefixes(field: str) -> Callable[[Iterable[str]], tuple[str, ...]]:
    """A converter to a tuple of distinct project-relative path prefixes."""
    return unique_tuple(check_relative_path, field, "relative paths")


def type_set(
    field: str,
) -> Callable[[Iterable[ArtifactType | str]], frozenset[ArtifactType]]:
    """A converter to a frozenset of artifact types."""

    memo = Memo()

    def convert(value: Iterable[ArtifactType | str]) -> frozenset[ArtifactType]:
        key = memo.key(value)
        hit = memo.get(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        items = _items(value, field, "artifact types")
        result = frozenset(
            enum_member(ArtifactType, item, f"{field}[{index}]")
            for index, item in enumerate(items)
        )
        memo.put(key, result)
        return result

    return convert


def sorted_types(types: Iterable[ArtifactType]) -> list[ArtifactType]:
    """Artifact types in their declaration order, the order files list them in."""
    return sorted(types, key=_TYPE_ORDER.__getitem__)

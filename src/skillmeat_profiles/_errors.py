"""The library's exceptions: one base class; each says what, where and how to fix."""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "InvalidDataError",
    "LockTimeoutError",
    "NotFoundError",
    "ProfilesError",
    "UnsupportedSchemaError",
    "shown",
]


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters: a hostile file may hold huge values."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-2:]}"


class ProfilesError(Exception):
    """Base class of every error the library raises on purpose.

    ``path`` is the file the error is about (or ``None``), ``line`` and
    ``column`` the 1-based position in it when known, and ``field`` the dotted
    field path (``profiles.codex.root_dir``) when the error is about one value.
    ``str(error)`` is one line that names all of them.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.field = field
        super().__init__(message)

    def __str__(self) -> str:
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            return f"{where}: {self.message}"
        if self.line is not None:
            column = f", column {self.column}" if self.column is not None else ""
            return f"line {self.line}{column}: {self.message}"
        return self.message

    def located(
        self,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> ProfilesError:
        """Fill in the file position where it is not yet known, and return self."""
        if self.path is None:
            self.path = path
        if self.line is None:
            self.line = line
            if self.column is None:
                self.column = column
        return self


class InvalidDataError(ProfilesError, ValueError):
    """A value, a document or a file holds data the models do not accept."""


class NotFoundError(ProfilesError, LookupError):
    """A project or profile that was asked for does not exist."""


class ConflictError(ProfilesError):
    """The change would clash with what exists (a duplicate id, a profile in use)."""


class UnsupportedSchemaError(ProfilesError):
    """A file was written by a newer version of the library than this one."""


class LockTimeoutError(ProfilesError, TimeoutError):
    """Another process or thread held a project's lock for longer than the timeout."""

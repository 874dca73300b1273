"""Tests of the validators of ids, artifact names, file names and stored paths."""

from __future__ import annotations

import ntpath
import posixpath
from datetime import UTC, datetime, timedelta, timezone
from pathlib import PurePosixPath, PureWindowsPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillmeat_profiles import InvalidDataError, ProfilesError
from skillmeat_profiles._validate import (
    check_absolute_path,
    check_artifact_name,
    check_filename,
    check_id,
    check_relative_path,
    check_utc,
)

from . import strategies as s

HOSTILE_PATHS = [
    "",
    "/",
    "/etc/passwd",
    "//server/share",
    "C:x",
    "C:\\x",
    "c:/windows",
    "C:",
    "\\\\srv\\share",
    "\\\\?\\C:\\x",
    "\\x",
    "a\\b",
    "a\\..\\..\\x",
    "..",
    ".",
    "./a",
    "a/.",
    "../a",
    "a/..",
    "a/../b",
    "a/../../etc",
    "a\x00b",
    "a\x01b",
    "a\nb",
    "a\tb",
    "a\x7fb",
    "a\x9bb",
    "a//b",
    "//",
    "a///",
    "a/b.",
    "a. ",
    "a/b ",
    "trailing.",
    "CON",
    "con",
    "nul.txt",
    "NUL.tar.gz",
    "COM1",
    "a/com9",
    "LPT9.log",
    "lPt1",
    "AUX/x",
    "PRN.md",
    "CON .txt",
    "conin$",
    "COM\u00b9",
    "file.txt:stream",
    "a:b",
    "a/b:$DATA",
    "a*b",
    "a?b",
    'a"b',
    "a<b",
    "a>b",
    "a|b",
    "x" * 256,
    "/".join(["a"] * 600),
    None,
    42,
    b"bytes",
    ["a"],
]

HOSTILE_IDS = [
    "",
    "Foo",
    "FOO",
    "claudeCode",
    "-leading-dash",
    ".leading-dot",
    "_leading-underscore",
    "trailing.",
    "a" * 65,
    "a/b",
    "a\\b",
    "..",
    ".",
    "a b",
    " a",
    "a\x00",
    "a\n",
    "a:b",
    "con",
    "nul",
    "com1",
    "lpt9",
    "nul.txt",
    "aux.json",
    "prn",
    "café",
    "a*b",
    "a?",
    "a|b",
    "\uff46\uff55\uff4c\uff4c",  # fullwidth letters
    "a\u200bb",
    None,
    7,
    ["a"],
]

VALID_PATHS = [
    (".claude", ".claude"),
    (".claude/skills", ".claude/skills"),
    (".claude/skills/", ".claude/skills"),
    ("docs/specs", "docs/specs"),
    ("a b/c", "a b/c"),
    ("naïve/ünïcode", "naïve/ünïcode"),
    ("con-tent/console.md", "con-tent/console.md"),
    ("COM10", "COM10"),
    ("...a", "...a"),
    (".a.b", ".a.b"),
]


class TestRelativePath:
    """check_relative_path: the rule for every stored path."""

    @pytest.mark.parametrize("value", HOSTILE_PATHS, ids=repr)
    def test_hostile_rejected(self, value: object) -> None:
        """Each hostile path is rejected with InvalidDataError naming the field."""
        with pytest.raises(InvalidDataError) as info:
            check_relative_path(value, "root_dir")
        assert info.value.field == "root_dir"
        assert str(info.value).startswith("root_dir: ")

    def test_hostile_tables_are_large(self) -> None:
        """The tables hold at least 30 hostile paths and 30 hostile ids."""
        assert len(HOSTILE_PATHS) >= 30
        assert len(HOSTILE_IDS) >= 30

    @pytest.mark.parametrize(("value", "canonical"), VALID_PATHS)
    def test_valid_accepted_and_canonical(self, value: str, canonical: str) -> None:
        """Valid paths are accepted and returned in canonical POSIX form."""
        assert check_relative_path(value, "f") == canonical

    def test_dot_only_when_allowed(self) -> None:
        """``.`` (the project itself) is accepted only with allow_dot."""
        assert check_relative_path(".", "f", allow_dot=True) == "."
        assert check_relative_path("./", "f", allow_dot=True) == "."
        with pytest.raises(InvalidDataError):
            check_relative_path(".", "f")

    def test_errors_are_value_errors(self) -> None:
        """InvalidDataError is both a ProfilesError and a ValueError."""
        with pytest.raises(ValueError, match="absolute") as info:
            check_relative_path("/x", "f")
        assert isinstance(info.value, ProfilesError)

    @given(s.relative_paths)
    def test_generated_paths_accepted(self, path: str) -> None:
        """Every path the strategy draws is valid and already canonical."""
        assert check_relative_path(path, "f") == path

    @given(st.text(max_size=30))
    def test_accepted_paths_stay_inside(self, value: str) -> None:
        """Any accepted path joined under a project stays inside, POSIX and Windows."""
        try:
            path = check_relative_path(value, "f")
        except InvalidDataError:
            return
        self._assert_inside(path)

    @given(s.relative_paths)
    def test_valid_paths_stay_inside(self, path: str) -> None:
        """Every valid generated path stays inside the project on both systems."""
        self._assert_inside(check_relative_path(path, "f"))

    @staticmethod
    def _assert_inside(path: str) -> None:
        posix_root = "/work/project"
        joined = posixpath.normpath(posixpath.join(posix_root, path))
        assert joined.startswith(posix_root + "/")
        assert PurePosixPath(joined).is_relative_to(posix_root)
        windows_root = "C:\\work\\project"
        win_joined = ntpath.normpath(ntpath.join(windows_root, path))
        assert win_joined.startswith(windows_root + "\\")
        assert PureWindowsPath(win_joined).is_relative_to(windows_root)
        assert PureWindowsPath(path).drive == ""
        assert not PureWindowsPath(path).is_absolute()
        assert ".." not in PureWindowsPath(path).parts


class TestId:
    """check_id: the allowlist for project and profile ids."""

    @pytest.mark.parametrize("value", HOSTILE_IDS, ids=repr)
    def test_hostile_rejected(self, value: object) -> None:
        """Each hostile id is rejected with InvalidDataError naming the field."""
        with pytest.raises(InvalidDataError) as info:
            check_id(value, "project_id")
        assert info.value.field == "project_id"

    @pytest.mark.parametrize(
        "value", ["a", "claude_code", "my-project", "v1.2", "0", "a" * 64, "console"]
    )
    def test_valid_accepted(self, value: str) -> None:
        """Valid ids are returned unchanged."""
        assert check_id(value, "project_id") == value

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            ("Foo", "it has uppercase letters"),
            ("-a", "it starts with a character other than a letter or digit"),
            ("a b", "it has a character outside the allowed set"),
            ("a.", "it ends with '.'"),
            ("nul", "it is a reserved Windows device name"),
            ("a" * 65, "it has 65 characters"),
            ("", "it is empty"),
            (3, "not a string"),
        ],
    )
    def test_reason_named(self, value: object, reason: str) -> None:
        """The message says why the id was rejected."""
        with pytest.raises(InvalidDataError, match=reason):
            check_id(value, "profile_id")

    @given(s.ids)
    def test_generated_ids_accepted(self, value: str) -> None:
        """Every id the strategy draws is valid."""
        assert check_id(value, "f") == value


class TestArtifactName:
    """check_artifact_name: names namespaced with ``/``."""

    @pytest.mark.parametrize(
        "value",
        [
            "",
            "/a",
            "a/",
            "a//b",
            "../a",
            "a/..",
            ".hidden",
            "-x",
            "a b",
            "a\\b",
            "a.",
            "a/b.",
            "con",
            "ai/NUL.md",
            "x" * 65,
            "/".join(["abc"] * 60),
            "a:b",
            None,
        ],
        ids=repr,
    )
    def test_rejected(self, value: object) -> None:
        """Bad names are rejected with InvalidDataError."""
        with pytest.raises(InvalidDataError):
            check_artifact_name(value, "name")

    @pytest.mark.parametrize("value", ["review", "ai/code-review", "A1.b_c", "x/y/z"])
    def test_accepted(self, value: str) -> None:
        """Good names are returned unchanged."""
        assert check_artifact_name(value, "name") == value


class TestFilename:
    """check_filename: plain file names only."""

    @pytest.mark.parametrize(
        "value",
        ["", "a/b", "\\x", "C:x", "..", ".", "CON", "nul.md", "a:b", "a.", "a\x00", 1],
        ids=repr,
    )
    def test_rejected(self, value: object) -> None:
        """Paths, device names and bad segments are rejected."""
        with pytest.raises(InvalidDataError):
            check_filename(value, "project_config_filenames[0]")

    @pytest.mark.parametrize("value", ["CLAUDE.md", "AGENTS.override.md", ".env"])
    def test_accepted(self, value: str) -> None:
        """Plain file names are returned unchanged."""
        assert check_filename(value, "f") == value


class TestAbsolutePath:
    """check_absolute_path: the project's location on disk."""

    @pytest.mark.parametrize(
        "value", ["/home/me/p", "C:\\work\\p", "c:/work", "\\\\srv\\share\\p"]
    )
    def test_accepted(self, value: str) -> None:
        """POSIX, drive and UNC absolute paths are accepted unchanged."""
        assert check_absolute_path(value, "path") == value

    @pytest.mark.parametrize(
        "value", ["relative", "C:x", "", "/a\nb", "/" + "a" * 4096, None], ids=repr
    )
    def test_rejected(self, value: object) -> None:
        """Relative, drive-relative, control characters and huge paths are rejected."""
        with pytest.raises(InvalidDataError):
            check_absolute_path(value, "path")


class TestUtc:
    """check_utc: aware datetimes only, stored in UTC."""

    def test_converted_to_utc(self) -> None:
        """An aware datetime in another zone comes back in UTC, the same instant."""
        value = datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
        result = check_utc(value, "created_at")
        assert result.tzinfo is UTC
        assert result == value
        assert result.hour == 10

    def test_naive_rejected(self) -> None:
        """A naive datetime is rejected, naming the field."""
        with pytest.raises(InvalidDataError, match="naive") as info:
            check_utc(datetime(2026, 1, 1), "created_at")
        assert info.value.field == "created_at"

    def test_not_datetime_rejected(self) -> None:
        """A string is not a datetime."""
        with pytest.raises(InvalidDataError, match="not a datetime"):
            check_utc("2026-01-01T00:00:00Z", "created_at")

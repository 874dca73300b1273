"""Context paths and instruction files: validation, rewriting between profiles."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillmeat_profiles import (
    DeploymentProfile,
    InvalidDataError,
    Platform,
    default_profile,
)
from skillmeat_profiles._validate import check_relative_path

from . import strategies

NOW = datetime(2026, 12, 4, tzinfo=UTC)
CLAUDE = default_profile("claude_code")
CODEX = default_profile("codex")
GEMINI = default_profile("gemini")


def _profile(
    profile_id: str, root_dir: str, prefixes: tuple[str, ...]
) -> DeploymentProfile:
    return DeploymentProfile(
        profile_id=profile_id,
        platform=Platform.OTHER,
        root_dir=root_dir,
        artifact_path_map={},
        context_path_prefixes=prefixes,
        created_at=NOW,
        updated_at=NOW,
    )


class TestValidateContextPath:
    """validate_context_path accepts paths under a prefix, and says why not."""

    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            (".claude/specs/x.md", ".claude/specs/x.md"),
            (".claude/rules/a/b.md", ".claude/rules/a/b.md"),
            (".claude/context/notes/", ".claude/context/notes"),
        ],
    )
    def test_accepted(self, path: str, expected: str) -> None:
        """A path under a prefix comes back normalised."""
        assert CLAUDE.validate_context_path(path) == expected

    @pytest.mark.parametrize(
        ("path", "reason"),
        [
            ("../.claude/specs/x.md", "it has a '..' segment"),
            (".claude/specs/../../etc/passwd", "it has a '..' segment"),
            (".claude/specs/./x.md", "it has a '.' segment"),
            ("/etc/passwd", "it is absolute"),
            ("/.claude/specs/x.md", "it is absolute"),
            ("C:/x/.claude/specs/x.md", "it starts with a drive letter"),
            ("\\\\server\\share\\x.md", "it is absolute"),
            (".claude\\specs\\x.md", "it has a backslash (use '/')"),
            (".claude/specs//x.md", "it has an empty segment"),
            ("", "it is empty"),
        ],
    )
    def test_refused_with_reason(self, path: str, reason: str) -> None:
        """Traversal, absolute, Windows-style and empty paths are refused, with why."""
        with pytest.raises(InvalidDataError) as info:
            CLAUDE.validate_context_path(path)
        assert reason in info.value.message
        assert info.value.field == "path"

    @pytest.mark.parametrize(
        "path",
        ["docs/x.md", ".claude/specs", ".claude/specsx/a.md", ".codex/specs/x.md"],
    )
    def test_not_under_a_prefix(self, path: str) -> None:
        """A path outside every prefix, or the prefix itself, is refused."""
        with pytest.raises(InvalidDataError) as info:
            CLAUDE.validate_context_path(path)
        assert info.value.message == (
            f"path: {path!r} is not under a context path prefix of profile "
            "'claude_code'; expected a path under .claude/rules/, .claude/specs/, "
            ".claude/context/"
        )

    def test_profile_without_prefixes(self) -> None:
        """A profile without prefixes refuses every path and says so."""
        with pytest.raises(InvalidDataError, match="has no context_path_prefixes"):
            _profile("bare", ".x", ()).validate_context_path(".x/a.md")

    @given(st.lists(strategies.path_segments, min_size=1, max_size=3).map("/".join))
    def test_any_path_under_a_prefix(self, rest: str) -> None:
        """Every valid path under a prefix is accepted unchanged."""
        path = f".claude/specs/{rest}"
        assert CLAUDE.validate_context_path(path) == check_relative_path(path, "p")


class TestRewriteContextPath:
    """rewrite_context_path maps one profile's context path onto another's."""

    def test_claude_spec_to_codex(self) -> None:
        """The issue's example: .claude/specs/x.md becomes .codex/specs/x.md."""
        assert CLAUDE.rewrite_context_path(".claude/specs/x.md", CODEX) == (
            ".codex/specs/x.md"
        )

    def test_nested_path_keeps_its_rest(self) -> None:
        """Subfolders under the prefix are kept."""
        assert CLAUDE.rewrite_context_path(".claude/context/a/b.md", GEMINI) == (
            ".gemini/context/a/b.md"
        )

    def test_no_matching_prefix_on_the_other_side(self) -> None:
        """A rules file has no place in Codex: an error, not a guess."""
        with pytest.raises(
            InvalidDataError, match=re.escape("'.codex/rules/x.md' is not under")
        ):
            CLAUDE.rewrite_context_path(".claude/rules/x.md", CODEX)

    def test_source_path_is_validated(self) -> None:
        """A path that is not this profile's context path is refused first."""
        with pytest.raises(InvalidDataError, match="profile 'claude_code'"):
            CLAUDE.rewrite_context_path(".codex/specs/x.md", CODEX)

    def test_shared_prefix_outside_root_dir_is_kept(self) -> None:
        """A prefix outside root_dir (docs/) stays as it is."""
        one = _profile("one", ".one", ("docs", ".one/specs"))
        two = _profile("two", ".two", ("docs",))
        assert one.rewrite_context_path("docs/adr/1.md", two) == "docs/adr/1.md"

    def test_longest_prefix_wins(self) -> None:
        """With nested prefixes, the innermost one is re-rooted."""
        one = _profile("one", ".one", (".one", ".one/specs"))
        two = _profile("two", ".two", (".two/specs",))
        assert one.rewrite_context_path(".one/specs/x.md", two) == ".two/specs/x.md"

    def test_prefix_equal_to_root_dir(self) -> None:
        """A prefix that is root_dir itself maps onto the other's root_dir."""
        one = _profile("one", ".one", (".one",))
        two = _profile("two", ".two", (".two",))
        assert one.rewrite_context_path(".one/x.md", two) == ".two/x.md"

    def test_onto_project_root(self) -> None:
        """Onto a profile rooted at the project, the inner prefix stays."""
        one = _profile("one", ".one", (".one/specs", ".one"))
        root = _profile("root", ".", ("specs",))
        assert one.rewrite_context_path(".one/specs/x.md", root) == "specs/x.md"
        everything = _profile("all", ".", ("notes",))
        with pytest.raises(InvalidDataError, match=re.escape("'x.md' is not under")):
            one.rewrite_context_path(".one/x.md", everything)

    def test_from_project_root(self) -> None:
        """From a profile rooted at the project, prefixes are kept as they are."""
        root = _profile("root", ".", ("specs",))
        other = _profile("other", ".o", ("specs",))
        assert root.rewrite_context_path("specs/x.md", other) == "specs/x.md"

    @given(
        st.lists(strategies.path_segments, min_size=1, max_size=3).map("/".join),
        st.sampled_from(["specs", "context"]),
    )
    def test_round_trip(self, rest: str, folder: str) -> None:
        """Claude to Gemini and back gives the path it started with."""
        path = f".claude/{folder}/{rest}"
        there = CLAUDE.rewrite_context_path(path, GEMINI)
        assert there == f".gemini/{folder}/{rest}"
        assert GEMINI.rewrite_context_path(there, CLAUDE) == path


class TestConfigFilePaths:
    """config_file_paths lists each platform's instruction files."""

    @pytest.mark.parametrize(
        ("platform", "expected"),
        [
            ("claude_code", ("CLAUDE.md", "CLAUDE.local.md")),
            ("codex", ("AGENTS.md", "AGENTS.override.md")),
            ("gemini", ("GEMINI.md",)),
            ("cursor", ("AGENTS.md",)),
            ("other", ("AGENTS.md",)),
        ],
    )
    def test_defaults(self, platform: str, expected: tuple[str, ...]) -> None:
        """The built-in instruction files, in priority order."""
        assert default_profile(platform).config_file_paths() == expected

    @given(strategies.profiles())
    def test_always_project_relative(self, profile: DeploymentProfile) -> None:
        """Every listed file is a valid project-relative path."""
        for path in profile.config_file_paths():
            assert check_relative_path(path, "path") == path

    def test_custom_files(self) -> None:
        """A profile lists the files it was given, in order."""
        profile = DeploymentProfile(
            profile_id="x",
            platform="gemini",
            root_dir=".gemini",
            artifact_path_map={},
            project_config_filenames=["AGENTS.md", "GEMINI.md"],
            created_at=NOW,
            updated_at=NOW,
        )
        assert profile.config_file_paths() == ("AGENTS.md", "GEMINI.md")


def test_leading_dot_slash_is_normalised() -> None:
    """A leading ./ is dropped from a context path instead of being rejected."""
    from skillmeat_profiles import default_profile

    profile = default_profile("claude_code")
    assert profile.validate_context_path("./.claude/specs/x.md") == ".claude/specs/x.md"

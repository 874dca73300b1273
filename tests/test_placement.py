"""Placement and classification: the built-in table, the notation, and round trips."""

from __future__ import annotations

import doctest
import ntpath
import posixpath
import re
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from skillmeat_profiles import (
    ArtifactType,
    DeploymentProfile,
    InvalidDataError,
    Placement,
    PlacementKind,
    Platform,
    Project,
    default_profile,
)
from skillmeat_profiles._convert import sorted_types
from skillmeat_profiles._plan import find_conflicts

from . import strategies

if TYPE_CHECKING:
    from collections.abc import Mapping

DOCS = Path(__file__).resolve().parent.parent / "docs"
NOW = datetime(2026, 12, 4, tzinfo=UTC)
PLAIN, NAMESPACED = "review", "ai/code-review"


def _table_rows() -> list[dict[str, str]]:
    text = (DOCS / "placement.md").read_text(encoding="utf-8")
    section = text.split("## The built-in placements", 1)[1]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _unquote(cell: str) -> str:
    match = re.fullmatch(r"`([^`]*)`", cell)
    assert match is not None, cell
    return match.group(1)


def _expected(cell: str, kind: str) -> Placement | None:
    if cell == "refused":
        return None
    value = _unquote(cell)
    if kind == PlacementKind.CONFIG_ENTRY:
        path, _, key = value.partition("#")
        return Placement(path, PlacementKind.CONFIG_ENTRY, key)
    return Placement(value, PlacementKind(kind))


def _profile(
    root_dir: str, path_map: Mapping[ArtifactType | str, str]
) -> DeploymentProfile:
    return DeploymentProfile(
        profile_id="custom",
        platform=Platform.OTHER,
        root_dir=root_dir,
        artifact_path_map=path_map,
        created_at=NOW,
        updated_at=NOW,
    )


class TestDocsTable:
    """The table in docs/placement.md is what the code does."""

    def test_table_covers_every_platform_and_supported_type(self) -> None:
        """The table has one row per built-in platform and supported type, no more."""
        listed = [(row["platform"], row["type"]) for row in _table_rows()]
        expected = [
            (str(platform), str(member))
            for platform in Platform
            for member in sorted_types(
                default_profile(platform).supported_artifact_types
            )
        ]
        assert listed == expected

    @pytest.mark.parametrize(
        "row", _table_rows(), ids=lambda row: f"{row['platform']}-{row['type']}"
    )
    def test_row_matches_placement(self, row: dict[str, str]) -> None:
        """Each row's stored value and placements of both names match the code."""
        profile = default_profile(row["platform"])
        member = ArtifactType(row["type"])
        assert profile.artifact_path_map[member] == _unquote(row["stored value"])
        assert profile.location(member).kind == row["kind"]
        for name, column in ((PLAIN, "`review`"), (NAMESPACED, "`ai/code-review`")):
            expected = _expected(row[column], row["kind"])
            if expected is None:
                with pytest.raises(InvalidDataError, match="is namespaced"):
                    profile.placement(member, name)
            else:
                assert profile.placement(member, name) == expected

    def test_every_row_cites_a_source(self) -> None:
        """Each row links to a documentation page."""
        for row in _table_rows():
            assert re.fullmatch(r"\[[^\]]+\]\(https://[^)]+\)", row["source"]), row

    def test_doc_examples_run(self) -> None:
        """The examples in docs/placement.md give the output they show."""
        result = doctest.testfile(
            str(DOCS / "placement.md"),
            module_relative=False,
            optionflags=doctest.NORMALIZE_WHITESPACE,
        )
        assert result.attempted > 0
        assert result.failed == 0


class TestPlatformsDoc:
    """docs/platforms.md states every default value, with its source and date."""

    def _section(self, platform: Platform) -> str:
        text = (DOCS / "platforms.md").read_text(encoding="utf-8")
        match = re.search(
            rf"^## .*\(`{platform}`\)$(.*?)(?=^## |\Z)", text, re.M | re.S
        )
        assert match is not None, platform
        return match.group(1)

    @pytest.mark.parametrize("platform", list(Platform))
    def test_every_default_value_is_stated(self, platform: Platform) -> None:
        """Each platform's section names each of its default values."""
        section = self._section(platform)
        profile = default_profile(platform)
        values = [
            profile.root_dir,
            *profile.artifact_path_map.values(),
            *profile.project_config_filenames,
            *profile.context_path_prefixes,
        ]
        for value in values:
            assert f"`{value}`" in section, value
        assert "checked 2026-12-04" in section
        assert "https://" in section

    def test_doc_examples_run(self) -> None:
        """The examples in docs/platforms.md give the output they show."""
        result = doctest.testfile(str(DOCS / "platforms.md"), module_relative=False)
        assert result.attempted > 0
        assert result.failed == 0


class TestPlacement:
    """profile.placement for single cases."""

    def test_unsupported_type_names_profile_and_supported_types(self) -> None:
        """Asking for an unsupported type is an error listing what is supported."""
        codex = default_profile("codex")
        with pytest.raises(InvalidDataError) as info:
            codex.placement("command", "review")
        assert info.value.message == (
            "artifact_type: profile 'codex' (codex) does not support 'command'; "
            "it supports: skill, agent, hook, mcp"
        )

    def test_type_in_map_but_not_supported_is_refused(self) -> None:
        """A mapped type left out of supported_artifact_types is not placed."""
        profile = DeploymentProfile(
            profile_id="narrow",
            platform="claude_code",
            root_dir=".claude",
            artifact_path_map={"skill": "skills", "command": "commands"},
            supported_artifact_types=["skill"],
            created_at=NOW,
            updated_at=NOW,
        )
        with pytest.raises(InvalidDataError, match=r"it supports: skill$"):
            profile.placement("command", "x")
        assert profile.classify(".claude/commands/x.md") is None

    def test_namespaced_skill_suggests_flat_name(self) -> None:
        """A namespaced name for a folder-each type says which flat name to use."""
        with pytest.raises(InvalidDataError, match="such as 'ai-code-review'"):
            default_profile("claude_code").placement("skill", NAMESPACED)

    def test_invalid_name_is_refused(self) -> None:
        """A name with traversal is refused before any path is built."""
        with pytest.raises(
            InvalidDataError, match=re.escape("segment '..' is not allowed")
        ):
            default_profile("claude_code").placement("command", "../x")

    def test_config_key_quotes_names_that_are_not_bare_keys(self) -> None:
        """A dotted name becomes one quoted key segment."""
        placement = default_profile("codex").placement("mcp", "my.server")
        assert placement == Placement(
            ".codex/config.toml", PlacementKind.CONFIG_ENTRY, 'mcp_servers."my.server"'
        )

    def test_plain_values_keep_folder_meaning(self) -> None:
        """A plain value is a folder under root_dir in the type's default shape."""
        profile = _profile(
            ".tool",
            {
                ArtifactType.SKILL: "skills",
                ArtifactType.COMMAND: "commands",
                ArtifactType.HOOK: "hooks",
            },
        )
        assert profile.placement("skill", "a") == Placement(
            ".tool/skills/a", PlacementKind.FOLDER
        )
        assert profile.placement("command", "a/b") == Placement(
            ".tool/commands/a/b.md", PlacementKind.FILE
        )
        assert profile.placement("hook", "a") == Placement(
            ".tool/hooks/a.json", PlacementKind.FILE
        )

    def test_root_dir_dot_places_at_project_root(self) -> None:
        """With root_dir '.', unanchored values are project-relative."""
        profile = _profile(".", {ArtifactType.AGENT: "agents/*.md"})
        assert profile.placement("agent", "a").path == "agents/a.md"

    def test_overlong_path_is_refused(self) -> None:
        """A name that fits the name rules but not the path rules is refused."""
        profile = _profile("/".join(["r" * 200] * 5), {ArtifactType.SKILL: "s/*/"})
        with pytest.raises(InvalidDataError, match="longer than 1024"):
            profile.placement("skill", "n" * 60)


class TestNotation:
    """The artifact_path_map notation is validated when a profile is built."""

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("../skills", "'..' segment"),
            ("skills/../..", "'..' segment"),
            ("//skills", "starts with '//'"),
            ("C:/skills", "drive letter"),
            ("skills\\x", "backslash"),
            ("a/*/b", "'*' may only stand as the last segment"),
            ("*.md", "'*' may only stand as the last segment"),
            ("a/*md", "after '*' comes a suffix"),
            ("settings.json#", "the key after '#'"),
            ("settings.json#a..b", "the key after '#'"),
            ("#hooks", "it is empty"),
            ("con/x", "reserved Windows device name"),
            ("skills/x.", "ends with a dot or space"),
        ],
    )
    def test_invalid_values_are_refused(self, value: str, message: str) -> None:
        """Values that could escape the project or that mean nothing are refused."""
        with pytest.raises(InvalidDataError, match=re.escape(message)) as info:
            _profile(".claude", {ArtifactType.SKILL: value})
        assert info.value.field is not None
        assert info.value.field.startswith("artifact_path_map")

    @pytest.mark.parametrize(
        ("value", "canonical"),
        [
            ("skills/*", "skills/*/"),
            ("skills/", "skills"),
            ("/.agents/skills/*/", "/.agents/skills/*/"),
            ("/.mcp.json#mcpServers", "/.mcp.json#mcpServers"),
        ],
    )
    def test_values_are_stored_canonical(self, value: str, canonical: str) -> None:
        """Equivalent spellings are stored in one canonical form."""
        profile = _profile(".claude", {ArtifactType.SKILL: value})
        assert profile.artifact_path_map[ArtifactType.SKILL] == canonical


class TestClassify:
    """profile.classify is the inverse of placement, for single cases."""

    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            (".claude/skills/review/scripts/run.sh", (ArtifactType.SKILL, "review")),
            (".claude/skills/review", (ArtifactType.SKILL, "review")),
            (".claude/commands/git/commit.md", (ArtifactType.COMMAND, "git/commit")),
            (
                ".claude/agents/ai/code-review.md",
                (ArtifactType.AGENT, "ai/code-review"),
            ),
            (".claude/commands/git", None),
            (".claude/commands/notes.txt", None),
            (".claude/commands/.md", None),
            (".claude/skills", None),
            (".claude/settings.json", None),
            (".mcp.json", None),
            ("src/main.py", None),
            ("../.claude/skills/x", None),
            ("/abs/.claude/skills/x", None),
            (".claude\\skills\\x", None),
        ],
    )
    def test_claude_paths(
        self, path: str, expected: tuple[ArtifactType, str] | None
    ) -> None:
        """Paths of the Claude Code layout classify to their artifact, or None."""
        assert default_profile("claude_code").classify(path) == expected

    def test_inner_location_wins(self) -> None:
        """A location nested in another's folder classifies to the inner one."""
        profile = _profile(
            ".x",
            {ArtifactType.COMMAND: "c/*.md", ArtifactType.AGENT: "c/sub/*.toml"},
        )
        assert profile.classify(".x/c/sub/a.toml") == (ArtifactType.AGENT, "a")
        assert profile.classify(".x/c/sub/a.md") == (ArtifactType.COMMAND, "sub/a")


def _conflict_free(profile: DeploymentProfile) -> bool:
    project = Project(
        project_id="p", deployment_profiles=[profile], created_at=NOW, updated_at=NOW
    )
    return not find_conflicts(project)


BUILT_IN = [default_profile(platform) for platform in Platform]
profiles_to_check = st.sampled_from(BUILT_IN) | strategies.profiles(
    project_id=st.none()
).filter(_conflict_free)


def _place(
    profile: DeploymentProfile, member: ArtifactType, name: str
) -> Placement | None:
    try:
        return profile.placement(member, name)
    except InvalidDataError:
        return None  # a namespaced name for a folder-each type, or too long


class TestProperties:
    """Round trips and containment for built-in and random profiles."""

    @given(profiles_to_check, st.data())
    def test_classify_inverts_placement(
        self, profile: DeploymentProfile, data: st.DataObject
    ) -> None:
        """classify(placement(t, n).path) == (t, n) for folders and files."""
        assume(profile.supported_artifact_types)
        member = data.draw(
            st.sampled_from(sorted_types(profile.supported_artifact_types))
        )
        name = data.draw(strategies.artifact_names)
        placement = _place(profile, member, name)
        assume(placement is not None)
        assert placement is not None
        if placement.kind is PlacementKind.CONFIG_ENTRY:
            assert profile.classify(placement.path) is None
        else:
            assert profile.classify(placement.path) == (member, name)

    @given(profiles_to_check | strategies.profiles(project_id=st.none()), st.data())
    def test_no_placement_leaves_the_project(
        self, profile: DeploymentProfile, data: st.DataObject
    ) -> None:
        """Every placement stays under the project, with POSIX and Windows rules."""
        assume(profile.supported_artifact_types)
        member = data.draw(
            st.sampled_from(sorted_types(profile.supported_artifact_types))
        )
        placement = _place(profile, member, data.draw(strategies.artifact_names))
        assume(placement is not None)
        assert placement is not None
        posix_root = PurePosixPath("/work/project")
        joined = PurePosixPath(posixpath.normpath(posix_root / placement.path))
        assert joined.is_relative_to(posix_root)
        assert joined != posix_root
        windows_root = PureWindowsPath("C:\\work\\project")
        wjoined = PureWindowsPath(ntpath.normpath(windows_root / placement.path))
        assert wjoined.is_relative_to(windows_root)
        assert wjoined != windows_root
        assert wjoined.drive == windows_root.drive

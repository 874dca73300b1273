"""Deployment plans across a project's profiles, and conflicts between locations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from skillmeat_profiles import (
    Artifact,
    ArtifactType,
    Conflict,
    DeploymentPlan,
    DeploymentProfile,
    InvalidDataError,
    NotFoundError,
    Placement,
    PlacementKind,
    Platform,
    Project,
    default_profile,
    plan_deployment,
)
from skillmeat_profiles._convert import sorted_types

from . import strategies

if TYPE_CHECKING:
    from collections.abc import Mapping

NOW = datetime(2026, 12, 4, tzinfo=UTC)


def _project(*profiles: DeploymentProfile) -> Project:
    return Project(
        project_id="demo", deployment_profiles=profiles, created_at=NOW, updated_at=NOW
    )


def _profile(
    profile_id: str, path_map: Mapping[ArtifactType | str, str], root_dir: str = ".x"
) -> DeploymentProfile:
    return DeploymentProfile(
        profile_id=profile_id,
        platform=Platform.OTHER,
        root_dir=root_dir,
        artifact_path_map=path_map,
        created_at=NOW,
        updated_at=NOW,
    )


ALL = _project(*(default_profile(platform) for platform in Platform))


class TestPlanAllProfiles:
    """With profile_ids=None, every profile is placed or skipped with a reason."""

    def test_skill_goes_everywhere(self) -> None:
        """A flat skill is placed by all five built-in profiles."""
        plan = plan_deployment(ALL, Artifact(name="review", artifact_type="skill"))
        assert {pid: p.path for pid, p in plan.placements.items()} == {
            "claude_code": ".claude/skills/review",
            "codex": ".agents/skills/review",
            "cursor": ".cursor/skills/review",
            "gemini": ".gemini/skills/review",
            "other": ".agents/skills/review",
        }
        assert dict(plan.skipped) == {}

    def test_unsupported_type_is_skipped_with_reason(self) -> None:
        """Profiles that do not support the type are skipped, saying so."""
        plan = plan_deployment(
            ALL, Artifact(name="git/commit", artifact_type="command")
        )
        assert list(plan.placements) == ["claude_code", "cursor", "gemini"]
        assert plan.skipped == {
            "codex": "profile 'codex' does not support 'command' (it supports: "
            "skill, agent, hook, mcp)",
            "other": "profile 'other' does not support 'command' (it supports: skill)",
        }

    def test_target_platforms_exclude_profiles(self) -> None:
        """Profiles of platforms outside target_platforms are skipped, saying so."""
        artifact = Artifact(
            name="github",
            artifact_type="mcp",
            target_platforms=["codex", "claude_code"],
        )
        plan = plan_deployment(ALL, artifact)
        assert plan.placements == {
            "claude_code": Placement(
                ".mcp.json", PlacementKind.CONFIG_ENTRY, "mcpServers.github"
            ),
            "codex": Placement(
                ".codex/config.toml", PlacementKind.CONFIG_ENTRY, "mcp_servers.github"
            ),
        }
        assert plan.skipped["gemini"] == (
            "the artifact's target_platforms (claude_code, codex) do not include gemini"
        )
        assert set(plan.skipped) == {"cursor", "gemini", "other"}

    def test_namespaced_skill_is_skipped_with_the_flat_name(self) -> None:
        """A namespaced skill name fits no folder-each profile; the reason says why."""
        plan = plan_deployment(ALL, Artifact(name="ai/review", artifact_type="skill"))
        assert dict(plan.placements) == {}
        assert set(plan.skipped) == {p.profile_id for p in ALL.deployment_profiles}
        assert "use a flat name such as 'ai-review'" in plan.skipped["claude_code"]

    def test_project_without_profiles_gives_empty_plan(self) -> None:
        """No profile, nothing to place and nothing skipped."""
        plan = plan_deployment(_project(), Artifact(name="x", artifact_type="skill"))
        assert plan == DeploymentPlan({}, {})

    def test_plan_is_read_only(self) -> None:
        """The plan's mappings cannot be changed."""
        plan = plan_deployment(ALL, Artifact(name="x", artifact_type="skill"))
        with pytest.raises(TypeError):
            plan.placements["new"] = Placement("x", PlacementKind.FOLDER)  # type: ignore[index]
        assert hash(plan) == hash(plan)


class TestPlanNamedProfiles:
    """With profile_ids, exactly those profiles are asked, or an error says why."""

    def test_named_profiles_only(self) -> None:
        """Only the named profiles appear in the plan, each once."""
        plan = plan_deployment(
            ALL,
            Artifact(name="review", artifact_type="agent"),
            ["gemini", "codex", "gemini"],
        )
        assert plan.placements == {
            "codex": Placement(".codex/agents/review.toml", PlacementKind.FILE),
            "gemini": Placement(".gemini/agents/review.md", PlacementKind.FILE),
        }
        assert dict(plan.skipped) == {}

    def test_unknown_profile_is_not_found(self) -> None:
        """A profile the project does not have is an error listing those it has."""
        with pytest.raises(NotFoundError) as info:
            plan_deployment(
                ALL, Artifact(name="x", artifact_type="skill"), ["windsurf"]
            )
        assert str(info.value) == (
            "project 'demo' has no profile 'windsurf' (profiles: claude_code, "
            "codex, cursor, gemini, other)"
        )

    def test_named_profile_that_cannot_take_the_type(self) -> None:
        """A named profile that does not support the type is an error saying why."""
        with pytest.raises(InvalidDataError) as info:
            plan_deployment(
                ALL,
                Artifact(name="x", artifact_type="command"),
                ["claude_code", "codex"],
            )
        assert info.value.message == (
            "profile_ids: profile 'codex' (codex) cannot take the command 'x': "
            "profile 'codex' does not support 'command' (it supports: skill, "
            "agent, hook, mcp); leave the profile out, or change the artifact or "
            "the profile"
        )
        assert info.value.field == "profile_ids"

    def test_named_profile_excluded_by_target_platforms(self) -> None:
        """A named profile outside target_platforms is an error, not a skip."""
        artifact = Artifact(name="x", artifact_type="skill", target_platforms=["codex"])
        with pytest.raises(InvalidDataError, match="do not include claude_code"):
            plan_deployment(ALL, artifact, ["claude_code"])

    def test_named_profile_refusing_the_name(self) -> None:
        """A named folder-each profile and a namespaced name is an error."""
        with pytest.raises(InvalidDataError, match="use a flat name such as 'a-b'"):
            plan_deployment(ALL, Artifact(name="a/b", artifact_type="skill"), ["other"])

    def test_string_instead_of_list_is_refused(self) -> None:
        """A bare string is not taken as a list of one-letter ids."""
        with pytest.raises(InvalidDataError, match="not a list"):
            plan_deployment(ALL, Artifact(name="x", artifact_type="skill"), "codex")

    def test_non_string_id_is_refused(self) -> None:
        """Ids must be strings."""
        with pytest.raises(InvalidDataError, match="is not a profile id"):
            plan_deployment(ALL, Artifact(name="x", artifact_type="skill"), [3])  # type: ignore[list-item]

    def test_empty_list_gives_empty_plan(self) -> None:
        """Naming no profile plans nothing."""
        plan = plan_deployment(ALL, Artifact(name="x", artifact_type="skill"), [])
        assert plan == DeploymentPlan({}, {})


class TestConflicts:
    """project.conflicts() reports locations that would overwrite each other."""

    def test_built_in_defaults_do_not_conflict(self) -> None:
        """All five built-in profiles together have no conflict."""
        assert ALL.conflicts() == []

    def test_identical_locations_of_one_type_are_shared(self) -> None:
        """Two profiles placing skills in one folder share it."""
        project = _project(
            _profile("a", {"skill": "/.agents/skills/*/"}),
            _profile("b", {"skill": "skills/*/"}, root_dir=".agents"),
        )
        assert project.conflicts() == []

    def test_folder_inside_other_types_folder(self) -> None:
        """Commands inside the skills folder would land in a skill."""
        project = _project(
            _profile("a", {"skill": "skills/*/"}),
            _profile("b", {"command": "skills/cmd/*.md"}),
        )
        assert project.conflicts() == [
            Conflict(
                "a",
                ArtifactType.SKILL,
                "b",
                ArtifactType.COMMAND,
                ".x/skills/cmd",
                "the skill location of profile 'a' (a folder each under "
                "'.x/skills/') and the command location of profile 'b' (a "
                "'*.md' file each under '.x/skills/cmd/') nest inside each other "
                "at '.x/skills/cmd': deploying one could overwrite the other",
            )
        ]

    def test_conflict_within_one_profile(self) -> None:
        """One profile's own locations sharing a folder are reported."""
        conflicts = _project(
            _profile("a", {"skill": "stuff/*/", "agent": "stuff/*.md"})
        ).conflicts()
        assert [(c.profile_id, c.other_profile_id, c.path) for c in conflicts] == [
            ("a", "a", ".x/stuff")
        ]
        assert "share one folder" in str(conflicts[0])

    def test_same_type_nested_folders_conflict(self) -> None:
        """One skill folder holding another profile's skills is a conflict."""
        project = _project(
            _profile("a", {"skill": "skills/*/"}),
            _profile("b", {"skill": "skills/more/*/"}),
        )
        assert len(project.conflicts()) == 1

    def test_files_of_different_suffixes_side_by_side(self) -> None:
        """'*.md' and '*.toml' files never share a path, even in one folder."""
        project = _project(
            _profile("a", {"command": "c/*.md"}),
            _profile("b", {"agent": "c/*.toml", "command": "c/sub/*.json"}),
        )
        assert project.conflicts() == []

    def test_files_whose_suffix_ends_the_other(self) -> None:
        """'*.md' and '*.x.md' files can share a path: a conflict."""
        project = _project(
            _profile("a", {"command": "c/*.md"}),
            _profile("b", {"agent": "c/*.x.md"}),
        )
        assert len(project.conflicts()) == 1

    def test_config_file_inside_folder_location(self) -> None:
        """A config file inside a skills folder would be a skill."""
        project = _project(
            _profile("a", {"skill": "skills/*/"}),
            _profile("b", {"mcp": "skills/mcp.json#servers"}),
        )
        (conflict,) = project.conflicts()
        assert conflict.path == ".x/skills/mcp.json"
        assert "lies where" in conflict.reason

    def test_config_file_inside_file_location(self) -> None:
        """A config file counts only when its suffix is the file location's."""
        clash = _project(
            _profile("a", {"hook": "h/*.json"}),
            _profile("b", {"mcp": "h/mcp.json#servers"}),
        )
        fine = _project(
            _profile("a", {"command": "h/*.md"}),
            _profile("b", {"mcp": "h/mcp.json#servers"}),
        )
        assert len(clash.conflicts()) == 1
        assert fine.conflicts() == []

    def test_config_file_used_as_folder(self) -> None:
        """A config file's path used as another location's folder is a conflict."""
        project = _project(
            _profile("a", {"mcp": "conf#servers"}),
            _profile("b", {"skill": "conf/skills/*/"}),
            _profile("c", {"hook": "conf/hooks.json#hooks"}),
        )
        conflicts = project.conflicts()
        assert [(c.profile_id, c.other_profile_id) for c in conflicts] == [
            ("a", "b"),
            ("a", "c"),
        ]
        assert all("as a file and as a folder" in c.reason for c in conflicts)

    def test_config_keys(self) -> None:
        """One config file: nested or equal keys conflict, separate keys do not."""
        nested = _project(
            _profile("a", {"mcp": "s.json#mcp"}),
            _profile("b", {"hook": "s.json#mcp.hooks"}),
        )
        equal = _project(
            _profile("a", {"mcp": "s.json#k"}), _profile("b", {"hook": "s.json#k"})
        )
        separate = _project(
            _profile("a", {"mcp": "s.json#mcp"}),
            _profile("b", {"hook": "s.json#mcphooks"}),
            _profile("c", {"hook": "t.json#mcp"}),
        )
        assert len(nested.conflicts()) == 1
        assert "same or nested keys" in nested.conflicts()[0].reason
        assert len(equal.conflicts()) == 1
        assert separate.conflicts() == []

    def test_unsupported_types_do_not_count(self) -> None:
        """A mapped but unsupported type places nothing, so it cannot conflict."""
        profile = DeploymentProfile(
            profile_id="a",
            platform="other",
            root_dir=".x",
            artifact_path_map={"skill": "s/*/", "command": "s/*.md"},
            supported_artifact_types=["skill"],
            created_at=NOW,
            updated_at=NOW,
        )
        assert _project(profile).conflicts() == []


# Names chosen to hit suffix clashes often, plus random flat ones.
_NAMES = (
    st.sampled_from(["a", "a.md", "a.json", "a.toml", "mcp"]) | strategies.name_segments
)


def _collide(first: Placement, second: Placement) -> bool:
    """Whether two placements of different artifacts would touch the same bytes."""
    if PlacementKind.CONFIG_ENTRY in (first.kind, second.kind):
        if first.kind is second.kind:
            assert first.key is not None
            assert second.key is not None
            return first.path == second.path and (
                first.key == second.key
                or first.key.startswith(second.key + ".")
                or second.key.startswith(first.key + ".")
            )
        entry, other = (first, second) if first.key is not None else (second, first)
        return entry.path == other.path or (
            other.kind is PlacementKind.FOLDER
            and entry.path.startswith(other.path + "/")
        )
    if first.path == second.path:
        return True
    for outer, inner in ((first, second), (second, first)):
        if outer.kind is PlacementKind.FOLDER and inner.path.startswith(
            outer.path + "/"
        ):
            return True
    return False


@given(strategies.projects(max_profiles=3, max_records=0), st.data())
def test_conflict_free_projects_never_collide(
    project: Project, data: st.DataObject
) -> None:
    """Without reported conflicts, artifacts of different types never share a path."""
    assume(not project.conflicts())
    placed: list[tuple[ArtifactType, Placement]] = []
    for profile in project.deployment_profiles:
        for member in sorted_types(profile.supported_artifact_types):
            name = data.draw(_NAMES)
            placed.append((member, profile.placement(member, name)))
    for index, (member, placement) in enumerate(placed):
        for other_member, other in placed[index + 1 :]:
            if member is not other_member:
                assert not _collide(placement, other), (placement, other)

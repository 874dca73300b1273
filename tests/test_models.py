"""Tests of the domain models: construction, validation, immutability and updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given

from skillmeat_profiles import (
    UNSET,
    Artifact,
    ArtifactType,
    Deployment,
    DeploymentProfile,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    InvalidDataError,
    NotFoundError,
    Platform,
    Project,
    default_profile,
)
from skillmeat_profiles._defaults import default_fields

from . import strategies as s

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def make_profile(**overrides: Any) -> DeploymentProfile:
    """A small valid profile, with fields overridden."""
    fields: dict[str, Any] = {
        "profile_id": "claude_code",
        "platform": Platform.CLAUDE_CODE,
        "root_dir": ".claude",
        "artifact_path_map": {"skill": "skills/*/", "command": "commands/*.md"},
        "created_at": NOW,
        "updated_at": NOW,
    }
    fields.update(overrides)
    return DeploymentProfile(**fields)


def make_record(**overrides: Any) -> Deployment:
    """A small valid deployment record, with fields overridden."""
    fields: dict[str, Any] = {
        "artifact_name": "review",
        "artifact_type": "skill",
        "artifact_path": ".claude/skills/review",
        "deployed_at": NOW,
    }
    fields.update(overrides)
    return Deployment(**fields)


class TestArtifact:
    """Artifact: names, types and target platforms."""

    def test_minimal(self) -> None:
        """Name and type are enough; everything else is None."""
        artifact = Artifact(name="ai/code-review", artifact_type="command")
        assert artifact.artifact_type is ArtifactType.COMMAND
        assert artifact.target_platforms is None
        assert (artifact.source, artifact.version, artifact.description) == (
            None,
            None,
            None,
        )

    def test_deployable_everywhere_by_default(self) -> None:
        """Without target platforms, an artifact is deployable to every platform."""
        artifact = Artifact(name="x", artifact_type="skill")
        assert all(artifact.is_deployable_to(p) for p in Platform)

    def test_deployable_only_to_targets(self) -> None:
        """With target platforms, only those answer True; strings are accepted."""
        artifact = Artifact(name="x", artifact_type="skill", target_platforms=["codex"])
        assert artifact.target_platforms == frozenset({Platform.CODEX})
        assert artifact.is_deployable_to("codex")
        assert not artifact.is_deployable_to(Platform.GEMINI)

    def test_deployable_to_unknown_platform(self) -> None:
        """Asking about an unknown platform is an InvalidDataError."""
        artifact = Artifact(name="x", artifact_type="skill")
        with pytest.raises(InvalidDataError, match="not a valid Platform"):
            artifact.is_deployable_to("vim")

    def test_empty_targets_rejected(self) -> None:
        """An empty target_platforms is rejected, pointing at None."""
        with pytest.raises(InvalidDataError, match="use None"):
            Artifact(name="x", artifact_type="skill", target_platforms=[])

    @pytest.mark.parametrize(
        "fields",
        [
            {"name": "", "artifact_type": "skill"},
            {"name": "x", "artifact_type": "plugin"},
            {"name": "x", "artifact_type": "skill", "target_platforms": ["vim"]},
            {"name": "x", "artifact_type": "skill", "target_platforms": "codex"},
            {"name": "x", "artifact_type": "skill", "description": "a\x00"},
            {"name": "x", "artifact_type": "skill", "source": 3},
            {"name": "x", "artifact_type": "skill", "version": "v" * 5000},
        ],
    )
    def test_invalid_rejected(self, fields: dict[str, Any]) -> None:
        """Bad values are rejected on construction."""
        with pytest.raises(InvalidDataError):
            Artifact(**fields)

    def test_frozen(self) -> None:
        """Artifacts cannot be changed in place."""
        artifact = Artifact(name="x", artifact_type="skill")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            artifact.name = "y"  # type: ignore[misc]

    @given(s.artifacts())
    def test_generated_equal_to_rebuilt(self, artifact: Artifact) -> None:
        """Rebuilding an artifact from its fields gives an equal, hashable one."""
        rebuilt = attrs.evolve(artifact)
        assert rebuilt == artifact
        assert hash(rebuilt) == hash(artifact)


class TestDeploymentProfile:
    """DeploymentProfile: validation, canonical values and defaults."""

    def test_supported_defaults_to_map_types(self) -> None:
        """Without supported_artifact_types, the map's types are supported."""
        profile = make_profile()
        assert profile.supported_artifact_types == {
            ArtifactType.SKILL,
            ArtifactType.COMMAND,
        }

    def test_map_is_read_only_and_ordered(self) -> None:
        """The path map is read-only and keyed by ArtifactType in declaration order."""
        profile = make_profile(
            artifact_path_map={"mcp": "/.mcp.json#mcpServers", "skill": "skills/*"}
        )
        assert list(profile.artifact_path_map) == [ArtifactType.SKILL, ArtifactType.MCP]
        assert profile.artifact_path_map[ArtifactType.SKILL] == "skills/*/"
        with pytest.raises(TypeError):
            profile.artifact_path_map[ArtifactType.HOOK] = "x"  # type: ignore[index]

    def test_supported_needs_map_entry(self) -> None:
        """A supported type without a map entry is rejected, naming the type."""
        with pytest.raises(InvalidDataError, match="'hook' listed as supported"):
            make_profile(supported_artifact_types=["skill", "hook"])

    def test_canonical_paths(self) -> None:
        """Stored paths come back canonical; timestamps in UTC."""
        profile = make_profile(
            root_dir=".claude/",
            context_path_prefixes=[".claude/specs/"],
            created_at=datetime(2026, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))),
        )
        assert profile.root_dir == ".claude"
        assert profile.context_path_prefixes == (".claude/specs",)
        assert profile.created_at == datetime(2026, 1, 1, tzinfo=UTC)
        assert profile.created_at.tzinfo is UTC

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"profile_id": "Claude"}, "profile_id"),
            ({"platform": "vim"}, "platform"),
            ({"root_dir": "../x"}, "root_dir"),
            ({"root_dir": "/abs"}, "root_dir"),
            ({"artifact_path_map": {"plugin": "x"}}, "artifact_path_map.plugin"),
            ({"artifact_path_map": {3: "x"}}, "artifact_path_map"),
            ({"artifact_path_map": {"skill": "a/../b"}}, "artifact_path_map.skill"),
            ({"artifact_path_map": {"skill": 3}}, "artifact_path_map.skill"),
            ({"artifact_path_map": ["skill"]}, "artifact_path_map"),
            ({"project_config_filenames": ["a/b.md"]}, "project_config_filenames[0]"),
            ({"project_config_filenames": "CLAUDE.md"}, "project_config_filenames"),
            (
                {"project_config_filenames": ["A.md", "A.md"]},
                "project_config_filenames",
            ),
            ({"context_path_prefixes": ["C:\\x"]}, "context_path_prefixes[0]"),
            ({"supported_artifact_types": ["plugin"]}, "supported_artifact_types[0]"),
            ({"description": 5}, "description"),
            ({"created_at": datetime(2026, 1, 1)}, "created_at"),
            ({"updated_at": "2026-01-01"}, "updated_at"),
            ({"project_id": "Demo"}, "project_id"),
        ],
    )
    def test_invalid_rejected(self, overrides: dict[str, Any], field: str) -> None:
        """Each bad field is rejected, and the error names it."""
        with pytest.raises(InvalidDataError) as info:
            make_profile(**overrides)
        assert info.value.field == field

    def test_id_needs_project(self) -> None:
        """``id`` is project/profile, or None for a free-standing profile."""
        assert make_profile().id is None
        assert make_profile(project_id="demo").id == "demo/claude_code"

    def test_frozen(self) -> None:
        """Profiles cannot be changed in place."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            make_profile().root_dir = "x"  # type: ignore[misc]

    def test_equal_profiles_hash_equal(self) -> None:
        """Equal profiles (the map is excluded from the hash) hash alike."""
        assert hash(make_profile()) == hash(make_profile())

    @pytest.mark.parametrize("platform", list(Platform))
    def test_default_profile(self, platform: Platform) -> None:
        """Every platform has a built-in default profile with its own id."""
        profile = default_profile(platform)
        assert profile.platform is platform
        assert profile.profile_id == platform.value
        assert profile.supported_artifact_types
        assert default_profile(platform.value, profile_id="other-id").profile_id == (
            "other-id"
        )


class TestCreate:
    """DeploymentProfileCreate.build: defaults per platform and overrides."""

    @pytest.mark.parametrize("platform", list(Platform))
    def test_defaults_for_every_platform(self, platform: Platform) -> None:
        """Fields left out take the platform's built-in defaults."""
        base = default_fields(platform)
        profile = DeploymentProfileCreate(profile_id="p", platform=platform).build(
            now=NOW, project_id="demo"
        )
        assert profile.root_dir == base["root_dir"]
        assert dict(profile.artifact_path_map) == base["artifact_path_map"]
        assert profile.project_config_filenames == base["project_config_filenames"]
        assert profile.context_path_prefixes == base["context_path_prefixes"]
        assert profile.supported_artifact_types == base["supported_artifact_types"]
        assert profile.description == base["description"]
        assert (profile.created_at, profile.updated_at) == (NOW, NOW)
        assert profile.id == "demo/p"

    def test_overrides_kept(self) -> None:
        """Given fields replace the defaults; the map's types become supported."""
        create = DeploymentProfileCreate(
            profile_id="codex-x",
            platform="codex",
            root_dir=".",
            artifact_path_map={"agent": "agents/*.toml"},
            project_config_filenames=[],
            context_path_prefixes=["docs"],
            description="mine",
        )
        profile = create.build(now=NOW)
        assert profile.root_dir == "."
        assert dict(profile.artifact_path_map) == {ArtifactType.AGENT: "agents/*.toml"}
        assert profile.supported_artifact_types == {ArtifactType.AGENT}
        assert profile.project_config_filenames == ()
        assert profile.context_path_prefixes == ("docs",)
        assert profile.description == "mine"
        assert profile.project_id is None

    def test_supported_subset_of_defaults(self) -> None:
        """supported_artifact_types alone narrows the default map's types."""
        profile = DeploymentProfileCreate(
            profile_id="c", platform="claude_code", supported_artifact_types=["skill"]
        ).build(now=NOW)
        assert profile.supported_artifact_types == {ArtifactType.SKILL}
        assert ArtifactType.MCP in profile.artifact_path_map

    def test_explicit_empty_supported_kept(self) -> None:
        """An explicitly empty supported_artifact_types is kept, map or no map."""
        for path_map in (None, {"skill": "skills/*/"}):
            profile = DeploymentProfileCreate(
                profile_id="c",
                platform="claude_code",
                artifact_path_map=path_map,
                supported_artifact_types=[],
            ).build(now=NOW)
            assert profile.supported_artifact_types == frozenset()

    @pytest.mark.parametrize(
        "fields",
        [
            {"profile_id": "C", "platform": "codex"},
            {"profile_id": "c", "platform": "nope"},
            {"profile_id": "c", "platform": "codex", "root_dir": ".."},
            {"profile_id": "c", "platform": "codex", "artifact_path_map": {"x": "y"}},
            {"profile_id": "c", "platform": "codex", "project_config_filenames": "A"},
            {"profile_id": "c", "platform": "codex", "context_path_prefixes": ["/x"]},
            {"profile_id": "c", "platform": "codex", "supported_artifact_types": [1]},
        ],
    )
    def test_invalid_rejected(self, fields: dict[str, Any]) -> None:
        """Bad inputs are rejected on construction, before build."""
        with pytest.raises(InvalidDataError):
            DeploymentProfileCreate(**fields)

    def test_build_checks_supported_against_default_map(self) -> None:
        """A supported type the default map lacks fails at build time."""
        create = DeploymentProfileCreate(
            profile_id="c", platform="other", supported_artifact_types=["mcp"]
        )
        with pytest.raises(InvalidDataError, match="'mcp' listed as supported"):
            create.build(now=NOW)

    @given(s.creates())
    def test_generated_creates_build(self, create: DeploymentProfileCreate) -> None:
        """A create with its own map always builds a profile with its values."""
        if create.artifact_path_map is None:
            create = attrs.evolve(create, supported_artifact_types=None)
        profile = create.build(now=NOW)
        assert profile.profile_id == create.profile_id
        assert profile.platform is create.platform
        if create.root_dir is not None:
            assert profile.root_dir == create.root_dir


class TestUpdate:
    """DeploymentProfileUpdate: UNSET leaves alone, None clears, a value replaces."""

    def test_empty_update_changes_nothing(self) -> None:
        """An update with every field UNSET returns the very same profile."""
        profile = make_profile()
        update = DeploymentProfileUpdate()
        assert update.changes() == {}
        assert update.apply(profile, now=LATER) is profile

    def test_same_values_return_same_object(self) -> None:
        """Setting fields to their current values returns the profile itself."""
        profile = make_profile(description="d")
        update = DeploymentProfileUpdate(
            root_dir=".claude/", description="d", platform="claude_code"
        )
        assert update.apply(profile, now=LATER) is profile

    def test_value_replaces_and_stamps(self) -> None:
        """A value replaces the field and bumps updated_at only."""
        profile = make_profile()
        updated = DeploymentProfileUpdate(description="new", root_dir=".c").apply(
            profile, now=LATER
        )
        assert updated.description == "new"
        assert updated.root_dir == ".c"
        assert updated.updated_at == LATER
        assert updated.created_at == NOW
        assert updated.profile_id == profile.profile_id

    def test_none_clears(self) -> None:
        """None clears: description to None, collections to empty."""
        profile = make_profile(
            description="d",
            project_config_filenames=["CLAUDE.md"],
            context_path_prefixes=[".claude/specs"],
        )
        update = DeploymentProfileUpdate(
            description=None,
            project_config_filenames=None,
            context_path_prefixes=None,
            supported_artifact_types=None,
        )
        updated = update.apply(profile, now=LATER)
        assert updated.description is None
        assert updated.project_config_filenames == ()
        assert updated.context_path_prefixes == ()
        assert updated.supported_artifact_types == frozenset()
        assert dict(updated.artifact_path_map) == dict(profile.artifact_path_map)

    def test_clear_map_needs_clear_supported(self) -> None:
        """Clearing the map while its types stay supported is rejected."""
        update = DeploymentProfileUpdate(artifact_path_map=None)
        with pytest.raises(InvalidDataError, match="listed as supported"):
            update.apply(make_profile(), now=LATER)
        both = DeploymentProfileUpdate(
            artifact_path_map=None, supported_artifact_types=None
        )
        assert both.apply(make_profile(), now=LATER).artifact_path_map == {}

    def test_changes_reports_cleared_as_empty(self) -> None:
        """changes() maps cleared fields to their empty value and skips UNSET ones."""
        update = DeploymentProfileUpdate(description=None, platform="codex")
        assert update.changes() == {"description": None, "platform": Platform.CODEX}
        assert update.root_dir is UNSET

    @pytest.mark.parametrize("field", ["platform", "root_dir"])
    def test_cannot_clear_required(self, field: str) -> None:
        """platform and root_dir cannot be cleared."""
        with pytest.raises(InvalidDataError, match="cannot be cleared") as info:
            DeploymentProfileUpdate(**{field: None})  # type: ignore[arg-type]
        assert info.value.field == field

    @pytest.mark.parametrize("value", ["other", None, "claude_code"])
    def test_profile_id_immutable(self, value: object) -> None:
        """Passing profile_id, whatever its value, is rejected as immutable."""
        with pytest.raises(InvalidDataError, match="immutable"):
            DeploymentProfileUpdate(profile_id=value)  # type: ignore[arg-type]

    def test_update_values_validated(self) -> None:
        """Update values go through the same validators as the profile."""
        with pytest.raises(InvalidDataError):
            DeploymentProfileUpdate(root_dir="../x")
        with pytest.raises(InvalidDataError):
            DeploymentProfileUpdate(artifact_path_map={"skill": "/"})

    @given(s.profiles(), s.updates())
    def test_apply_properties(
        self, profile: DeploymentProfile, update: DeploymentProfileUpdate
    ) -> None:
        """apply keeps UNSET fields, sets the rest, and returns self when unchanged."""
        changes = update.changes()
        supported = changes.get(
            "supported_artifact_types", profile.supported_artifact_types
        )
        path_map = changes.get("artifact_path_map", profile.artifact_path_map)
        if not supported <= set(path_map):
            # The one cross-field rule: supported types need map entries.
            with pytest.raises(InvalidDataError, match="listed as supported"):
                update.apply(profile, now=LATER)
            return
        updated = update.apply(profile, now=LATER)
        for field in attrs.fields(DeploymentProfileUpdate):
            if field.name == "profile_id":
                continue
            expected = changes.get(field.name, getattr(profile, field.name))
            assert getattr(updated, field.name) == expected
        if updated is profile:
            assert all(getattr(profile, k) == v for k, v in changes.items())
        else:
            assert updated.updated_at == LATER
            assert updated != profile


class TestDeployment:
    """Deployment: records of deployed artifacts."""

    def test_key(self) -> None:
        """The key is [profile_id:]type:name."""
        assert make_record().key == "skill:review"
        record = make_record(
            deployment_profile_id="codex", platform="codex", profile_root_dir="."
        )
        assert record.key == "codex:skill:review"
        assert record.platform is Platform.CODEX

    def test_profile_fields_need_profile_id(self) -> None:
        """A platform or profile_root_dir without deployment_profile_id is rejected."""
        with pytest.raises(
            InvalidDataError, match="must name its deployment_profile_id"
        ):
            make_record(platform="codex")
        with pytest.raises(InvalidDataError):
            make_record(profile_root_dir=".codex")

    @pytest.mark.parametrize(
        "overrides",
        [
            {"artifact_path": "../x"},
            {"artifact_path": "C:\\x"},
            {"content_hash": "sha256 with spaces"},
            {"content_hash": 12},
            {"deployed_at": datetime(2026, 1, 1)},
            {"deployment_profile_id": "Bad"},
            {"artifact_name": "a//b"},
            {"deployment_profile_id": "p", "profile_root_dir": "/abs"},
        ],
    )
    def test_invalid_rejected(self, overrides: dict[str, Any]) -> None:
        """Bad record fields are rejected."""
        with pytest.raises(InvalidDataError):
            make_record(**overrides)


class TestProject:
    """Project: invariants between profiles and records."""

    def test_minimal(self) -> None:
        """A project needs an id and timestamps; name defaults to the id."""
        project = Project(project_id="demo", created_at=NOW, updated_at=NOW)
        assert project.name == "demo"
        assert project.deployment_profiles == ()
        assert project.deployments == ()
        assert project.path is None

    def test_profiles_sorted_and_attached(self) -> None:
        """Profiles are sorted by id and attached to the project."""
        project = Project(
            project_id="demo",
            deployment_profiles=[make_profile(profile_id="z"), make_profile()],
            created_at=NOW,
            updated_at=NOW,
        )
        assert [p.profile_id for p in project.deployment_profiles] == [
            "claude_code",
            "z",
        ]
        assert all(p.project_id == "demo" for p in project.deployment_profiles)
        assert project.profile("z").id == "demo/z"

    def test_profile_of_another_project_rejected(self) -> None:
        """A profile that belongs to another project is rejected."""
        with pytest.raises(InvalidDataError, match="belongs to project 'other'"):
            Project(
                project_id="demo",
                deployment_profiles=[make_profile(project_id="other")],
                created_at=NOW,
                updated_at=NOW,
            )

    def test_duplicate_profile_ids_rejected(self) -> None:
        """Two profiles with one id are rejected."""
        with pytest.raises(InvalidDataError, match="used twice"):
            Project(
                project_id="demo",
                deployment_profiles=[make_profile(), make_profile(root_dir="x")],
                created_at=NOW,
                updated_at=NOW,
            )

    def test_record_naming_missing_profile_rejected(self) -> None:
        """A record naming a profile the project lacks is rejected."""
        with pytest.raises(InvalidDataError, match="create the profile first"):
            Project(
                project_id="demo",
                deployments=[make_record(deployment_profile_id="codex")],
                created_at=NOW,
                updated_at=NOW,
            )

    def test_duplicate_records_rejected(self) -> None:
        """Two records with one key are rejected."""
        with pytest.raises(InvalidDataError, match="two records"):
            Project(
                project_id="demo",
                deployments=[make_record(), make_record(artifact_path="x")],
                created_at=NOW,
                updated_at=NOW,
            )

    @pytest.mark.parametrize(
        "overrides",
        [
            {"project_id": "Demo"},
            {"project_id": "con"},
            {"name": "   "},
            {"path": "relative/path"},
            {"deployment_profiles": [{"profile_id": "x"}]},
            {"deployment_profiles": make_profile()},
            {"deployments": ["skill:x"]},
            {"created_at": datetime(2026, 1, 1)},
        ],
    )
    def test_invalid_rejected(self, overrides: dict[str, Any]) -> None:
        """Bad project fields are rejected."""
        fields: dict[str, Any] = {
            "project_id": "demo",
            "created_at": NOW,
            "updated_at": NOW,
        }
        fields.update(overrides)
        with pytest.raises(InvalidDataError):
            Project(**fields)

    def test_missing_profile_lookup(self) -> None:
        """profile() of an unknown id raises NotFoundError listing the known ones."""
        project = Project(
            project_id="demo",
            deployment_profiles=[make_profile()],
            created_at=NOW,
            updated_at=NOW,
        )
        with pytest.raises(NotFoundError, match=r"profiles: claude_code"):
            project.profile("codex")

    @given(s.projects())
    def test_generated_projects_consistent(self, project: Project) -> None:
        """Generated projects keep their invariants: sorted, attached, unique."""
        ids = [p.profile_id for p in project.deployment_profiles]
        assert ids == sorted(set(ids))
        assert all(
            p.project_id == project.project_id for p in project.deployment_profiles
        )
        keys = [r.key for r in project.deployments]
        assert keys == sorted(set(keys))

"""Tests of the TOML codec: round trips, determinism, located errors and wrapping."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from typing import Any

import pytest
import rtoml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillmeat_profiles import (
    Artifact,
    ArtifactType,
    Deployment,
    DeploymentProfile,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    InvalidDataError,
    Platform,
    ProfilesError,
    Project,
    UnsupportedSchemaError,
    default_profile,
    from_toml,
    to_toml,
)
from skillmeat_profiles._codec import (
    from_document,
    locate,
    parse_toml,
    render,
    split_header,
    to_document,
)

from . import strategies as s

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
MODELS = (
    Artifact,
    Deployment,
    DeploymentProfile,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    Project,
)

PROJECT = """\
schema_version = 2

[project]
id = "demo"
name = "Demo"
created_at = 2026-12-04T09:30:00Z
updated_at = 2026-12-04T09:30:00Z

[profiles.claude_code]
platform = "claude_code"
root_dir = ".claude"
created_at = 2026-12-04T09:30:00Z
updated_at = 2026-12-04T09:30:00Z

[profiles.claude_code.artifact_path_map]
skill = "skills/*/"

[profiles."v1.codex"]
platform = "codex"
root_dir = ".codex"
created_at = 2026-12-04T09:30:00Z
updated_at = 2026-12-04T09:30:00Z
supported_artifact_types = ["skill"]

[profiles."v1.codex".artifact_path_map]
skill = "/.agents/skills/*/"

[deployments."claude_code:skill:review"]
artifact_name = "review"
artifact_type = "skill"
artifact_path = ".claude/skills/review"
deployed_at = 2026-12-04T09:30:00Z
deployment_profile_id = "claude_code"
"""

V1_PROJECT = """\
[project]
id = "legacy"
name = "Legacy"
path = "/home/me/legacy"
created_at = 2025-03-01T10:00:00Z

[[deployments]]
artifact_name = "review"
artifact_type = "skill"
artifact_path = ".claude/skills/review"
deployed_at = 2025-03-02T10:00:00Z

[[deployments]]
artifact_name = "fix"
artifact_type = "command"
artifact_path = ".claude/commands/fix.md"
deployed_at = 2025-03-03T10:00:00Z
"""


def _round_trip(model: object) -> None:
    text = to_toml(model)
    parsed = from_toml(text, type(model))
    assert parsed == model
    assert to_toml(parsed) == text


class TestRoundTrip:
    """model -> TOML -> model is equal, and text -> model -> text is identical."""

    @given(s.artifacts())
    def test_artifact(self, model: Artifact) -> None:
        """Artifacts round-trip."""
        _round_trip(model)

    @given(s.deployments())
    def test_deployment(self, model: Deployment) -> None:
        """Deployment records round-trip."""
        _round_trip(model)

    @given(s.profiles())
    def test_profile(self, model: DeploymentProfile) -> None:
        """Free-standing profiles round-trip, with their project_id."""
        _round_trip(model)

    @given(s.creates())
    def test_create(self, model: DeploymentProfileCreate) -> None:
        """Profile inputs round-trip, left-out fields staying left out."""
        _round_trip(model)

    @given(s.updates())
    def test_update(self, model: DeploymentProfileUpdate) -> None:
        """Updates round-trip, keeping UNSET and None apart."""
        _round_trip(model)

    @given(s.projects())
    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    def test_project(self, model: Project) -> None:
        """Projects with profiles and records round-trip."""
        _round_trip(model)

    @pytest.mark.parametrize("platform", list(Platform))
    def test_default_profiles(self, platform: Platform) -> None:
        """Every built-in default profile round-trips."""
        _round_trip(default_profile(platform))

    def test_hand_written_project_text_is_stable(self) -> None:
        """A canonical hand-written file is re-serialised byte for byte."""
        text = to_toml(from_toml(PROJECT, Project))
        assert to_toml(from_toml(text, Project)) == text
        assert '[profiles."v1.codex"]' in text

    def test_update_clear_list(self) -> None:
        """Cleared fields are written as a ``clear`` list."""
        update = DeploymentProfileUpdate(description=None, root_dir=".x")
        assert to_toml(update) == 'root_dir = ".x"\nclear = ["description"]\n'

    def test_documents_leave_out_none(self) -> None:
        """None fields are left out of the document, never written as "null"."""
        doc = to_document(Artifact(name="x", artifact_type="skill"))
        assert doc == {"name": "x", "artifact_type": "skill"}

    def test_project_document_order(self) -> None:
        """schema_version is the first key of a project document."""
        doc = to_document(from_toml(PROJECT, Project))
        assert list(doc) == ["schema_version", "project", "profiles", "deployments"]

    def test_not_a_model(self) -> None:
        """to_toml and from_toml refuse classes that are not models."""
        with pytest.raises(TypeError):
            to_toml({"a": 1})
        with pytest.raises(TypeError):
            from_toml("a = 1", dict)
        with pytest.raises(TypeError):
            parse_toml(b"a = 1")  # type: ignore[arg-type]


_DETERMINISM = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from skillmeat_profiles import *
    now = datetime(2026, 1, 2, tzinfo=UTC)
    profiles = [default_profile(p) for p in Platform]
    project = Project(
        project_id="demo",
        deployment_profiles=profiles,
        deployments=[
            Deployment(
                artifact_name=f"a{i}", artifact_type=t, artifact_path=f"x/a{i}",
                deployed_at=now, deployment_profile_id="codex", platform="codex",
            )
            for i, t in enumerate(ArtifactType)
        ],
        created_at=now,
        updated_at=now,
    )
    artifact = Artifact(
        name="x", artifact_type="skill", target_platforms=list(Platform)[::-1]
    )
    update = DeploymentProfileUpdate(supported_artifact_types=list(ArtifactType))
    sys.stdout.write(to_toml(project) + to_toml(artifact) + to_toml(update))
    """
)


def test_same_bytes_in_other_processes() -> None:
    """The same models give the same bytes whatever the process's hash seed."""
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", _DETERMINISM],
            env=env,
            capture_output=True,
            check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert b'target_platforms = [\n    "claude_code",' in outputs.pop()


def _error(text: str, cls: type[Any] = Project) -> ProfilesError:
    with pytest.raises(ProfilesError) as info:
        from_toml(text, cls, path="demo.toml")
    return info.value


def _edit(old: str, new: str, base: str = PROJECT) -> str:
    assert old in base
    return base.replace(old, new, 1)


_HEAD = (
    '[project]\nid = "a"\ncreated_at = 2026-01-01T00:00:00Z\n'
    "updated_at = 2026-01-01T00:00:00Z"
)


class TestProjectErrors:
    """Errors of project files name the file, the line and the dotted field."""

    @pytest.mark.parametrize(
        ("old", "new", "field", "line"),
        [
            (
                'root_dir = ".claude"',
                'root_dir = "../x"',
                "profiles.claude_code.root_dir",
                11,
            ),
            ('root_dir = ".codex"', "root_dir = 5", 'profiles."v1.codex".root_dir', 20),
            (
                'root_dir = ".codex"',
                'rootdir = ".codex"',
                'profiles."v1.codex".rootdir',
                20,
            ),
            (
                'skill = "skills/*/"',
                'skill = "skills/*/"\nplugin = "x"',
                "profiles.claude_code.artifact_path_map.plugin",
                17,
            ),
            (
                'skill = "/.agents/skills/*/"',
                'skill = ["a"]',
                'profiles."v1.codex".artifact_path_map.skill',
                26,
            ),
            (
                'supported_artifact_types = ["skill"]',
                'supported_artifact_types = "skill"',
                'profiles."v1.codex".supported_artifact_types',
                23,
            ),
            ('name = "Demo"', 'name = ["Demo"]', "project.name", 5),
            ('name = "Demo"', 'nmae = "Demo"', "project.nmae", 5),
            ('id = "demo"', "id = 3", "project.id", 4),
            (
                'artifact_path = ".claude/skills/review"',
                "artifact_path = {a = 1}",
                'deployments."claude_code:skill:review".artifact_path',
                31,
            ),
            (
                'deployment_profile_id = "claude_code"',
                'deployment_profile_id = "nope"',
                'deployments."claude_code:skill:review"',
                28,
            ),
            (
                "deployed_at = 2026-12-04T09:30:00Z",
                "deployed_at = 2026-12-04T09:30:00",
                'deployments."claude_code:skill:review".deployed_at',
                32,
            ),
            ("[profiles.claude_code]\n", "[profiles.Claude]\n", "profiles.Claude", 9),
            ("schema_version = 2", 'schema_version = "2"', "schema_version", 1),
            ("schema_version = 2", "schema_version = 2\nextra = 1", "extra", 2),
        ],
    )
    def test_field_and_line(self, old: str, new: str, field: str, line: int) -> None:
        """The error names the dotted field path and the line it is on."""
        error = _error(_edit(old, new))
        assert isinstance(error, InvalidDataError)
        assert (error.field, error.line, error.path) == (field, line, "demo.toml")
        assert str(error).startswith(f"demo.toml:{line}: {field}: ")
        assert "\n" not in str(error)

    def test_newer_schema_refused(self) -> None:
        """A newer schema_version raises UnsupportedSchemaError naming both versions."""
        error = _error(_edit("schema_version = 2", "schema_version = 3"))
        assert isinstance(error, UnsupportedSchemaError)
        assert error.line == 1
        assert "schema_version 3 was found" in str(error)
        assert "up to 2" in str(error)

    @pytest.mark.parametrize(
        ("text", "field"),
        [
            ("project = 1", "project"),
            ("schema_version = 2", ""),
            (f'profiles = "x"\n{_HEAD}', "profiles"),
            (f'deployments = ["x"]\n{_HEAD}', "deployments"),
            (f"deployments = 1\nschema_version = 1\n{_HEAD}", "deployments"),
            (f"[profiles]\nx = 1\n{_HEAD}", "profiles.x"),
            ("[project]\ncreated_at = 2026-01-01T00:00:00Z", "project"),
            ("schema_version = 0", "schema_version"),
            ("schema_version = true", "schema_version"),
        ],
    )
    def test_wrong_shapes(self, text: str, field: str) -> None:
        """Wrong types at the top levels are InvalidDataError with a field path."""
        error = _error(text)
        assert isinstance(error, InvalidDataError)
        assert (error.field or "") == field

    def test_missing_required_named(self) -> None:
        """A missing required key is named in the message."""
        error = _error(_edit('platform = "codex"\n', ""))
        assert "missing required key 'platform'" in str(error)
        assert error.field == 'profiles."v1.codex"'

    def test_record_key_must_match(self) -> None:
        """A record under the wrong key says which key to use."""
        error = _error(
            _edit('[deployments."claude_code:skill:review"]', '[deployments."skill:x"]')
        )
        assert "rename the table to 'claude_code:skill:review'" in str(error)

    def test_hostile_key_gives_one_line(self) -> None:
        """A key with control characters is escaped in the field path."""
        error = _error('"a\\nb" = 1\n[project]\nid = "x"')
        assert error.field == '"a\\nb"'
        assert "\n" not in str(error)


class TestV1:
    """Version 1 files load through from_toml(text, Project)."""

    def test_loads(self) -> None:
        """A version 1 file is upgraded on the way in."""
        project = from_toml(V1_PROJECT, Project)
        assert project.project_id == "legacy"
        assert project.updated_at == project.created_at
        assert [r.key for r in project.deployments] == ["command:fix", "skill:review"]
        assert project.deployment_profiles == ()

    def test_error_names_array_element(self) -> None:
        """Errors in a version 1 record name its array index and line."""
        error = _error(
            _edit(
                'artifact_path = ".claude/commands/fix.md"',
                'artifact_path = "/x"',
                V1_PROJECT,
            )
        )
        assert error.field == "deployments[1].artifact_path"
        assert error.line == 16
        assert str(error).startswith("demo.toml:16: deployments[1].artifact_path: ")


class TestModelErrors:
    """Errors of single-model documents name the field; types are checked."""

    @pytest.mark.parametrize(
        ("cls", "text", "field"),
        [
            (Artifact, 'name = "x"\nartifact_type = "skill"\nnmae = "y"', "nmae"),
            (Artifact, 'name = ["x"]\nartifact_type = "skill"', "name"),
            (Artifact, 'name = "x"\nartifact_type = 1', "artifact_type"),
            (
                Artifact,
                'name = "x"\nartifact_type = "skill"\ntarget_platforms = "codex"',
                "target_platforms",
            ),
            (
                Artifact,
                'name = "x"\nartifact_type = "skill"\ntarget_platforms = [1]',
                "target_platforms[0]",
            ),
            (
                Artifact,
                'name = "x"\nartifact_type = "skill"\n[description]\na = 1',
                "description",
            ),
            (Artifact, 'name = "x"', ""),
            (
                Deployment,
                'artifact_name = "x"\nartifact_type = "skill"\nartifact_path = "x"\n'
                'deployed_at = "2026-01-01"',
                "deployed_at",
            ),
            (
                DeploymentProfile,
                'profile_id = "p"\nplatform = "codex"\nroot_dir = "."\n'
                "created_at = 2026-01-01T00:00:00Z\nupdated_at = 2026-01-01T00:00:00Z\n"
                'artifact_path_map = "skills"',
                "artifact_path_map",
            ),
            (
                DeploymentProfile,
                'profile_id = "p"\nplatform = "codex"\nroot_dir = "."\n'
                "created_at = 2026-01-01T00:00:00Z\nupdated_at = 2026-01-01T00:00:00Z\n"
                'project_config_filenames = [["A.md"]]\n[artifact_path_map]',
                "project_config_filenames[0]",
            ),
            (
                DeploymentProfileCreate,
                'profile_id = "p"\nplatform = "codex"\nroot = "."',
                "root",
            ),
            (DeploymentProfileUpdate, 'profile_id = "x"', "profile_id"),
            (DeploymentProfileUpdate, 'clear = "description"', "clear"),
            (DeploymentProfileUpdate, 'clear = ["nothing"]', "clear"),
            (DeploymentProfileUpdate, 'clear = ["profile_id"]', "clear"),
            (
                DeploymentProfileUpdate,
                'description = "x"\nclear = ["description"]',
                "clear",
            ),
            (DeploymentProfileUpdate, 'clear = ["root_dir"]', "root_dir"),
            (
                DeploymentProfileUpdate,
                'context_path_prefixes = "x"',
                "context_path_prefixes",
            ),
        ],
    )
    def test_field_named(self, cls: type[Any], text: str, field: str) -> None:
        """The error is an InvalidDataError with the dotted field path."""
        error = _error(text, cls)
        assert isinstance(error, InvalidDataError)
        assert (error.field or "") == field
        assert error.path == "demo.toml"

    def test_update_clear_applies(self) -> None:
        """``clear`` reads back as None: the field will be cleared."""
        update = from_toml(
            'clear = ["description", "context_path_prefixes"]', DeploymentProfileUpdate
        )
        assert update.description is None
        assert update.context_path_prefixes is None

    def test_from_document_typed_errors(self) -> None:
        """from_document wraps model errors with the path and refuses non-models."""
        with pytest.raises(InvalidDataError) as info:
            from_document({"name": "x"}, Artifact, path="a.toml")
        assert info.value.path == "a.toml"
        project = from_document(rtoml.loads(PROJECT), Project)
        assert project.project_id == "demo"
        with pytest.raises(TypeError):
            from_document({}, int)


class TestInvalidToml:
    """Syntax errors are ProfilesError with line and column."""

    @pytest.mark.parametrize(
        ("text", "line", "column"),
        [
            ("x = [", 1, 6),
            ("a = 1\na = 2", 2, 1),
            ("[project\n", 1, 9),
            ('a = "\n', 1, 6),
        ],
    )
    def test_line_and_column(self, text: str, line: int, column: int) -> None:
        """The error gives the position and says to fix the syntax."""
        error = _error(text)
        assert type(error) is ProfilesError
        assert (error.line, error.column) == (line, column)
        assert str(error).startswith(f"demo.toml:{line}:{column}: not valid TOML: ")

    def test_without_path(self) -> None:
        """Without a file name the message starts with the line and column."""
        with pytest.raises(ProfilesError, match=r"^line 1, column 6: not valid TOML"):
            parse_toml("x = [")

    def test_deep_nesting(self) -> None:
        """Absurdly nested input is a ProfilesError, not a RecursionError."""
        with pytest.raises(ProfilesError):
            from_toml("x = " + "[" * 100_000, Project)


_KEYS = st.sampled_from(s.FORMAT_WORDS) | st.text(max_size=5)
_SCALARS = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=10),
    st.datetimes(min_value=datetime(1970, 1, 2)),
    st.datetimes(min_value=datetime(1970, 1, 2), timezones=st.just(UTC)),
    st.dates(),
    st.sampled_from(
        ["skill", "codex", ".claude", "a", "claude_code", "/x", "skills/*/"]
    ),
)
_DOCS = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(_KEYS, children, max_size=5)
    ),
    max_leaves=20,
)


def _load_or_error(text: str, cls: type[Any]) -> object:
    """The model read from ``text``, or the ProfilesError; anything else escapes."""
    try:
        return from_toml(text, cls)
    except ProfilesError as error:
        return error


class TestOnlyProfilesErrorEscapes:
    """No exception of attrs, cattrs or rtoml reaches the caller."""

    @given(st.text(max_size=80), st.sampled_from(MODELS))
    def test_arbitrary_text(self, text: str, cls: type[Any]) -> None:
        """Arbitrary text either parses into a model or raises ProfilesError."""
        result = _load_or_error(text, cls)
        if isinstance(result, ProfilesError):
            assert str(result)
        else:
            assert isinstance(result, cls)

    @given(st.dictionaries(_KEYS, _DOCS, max_size=5), st.sampled_from(MODELS))
    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def test_arbitrary_documents(self, doc: dict[str, Any], cls: type[Any]) -> None:
        """TOML-ish documents either load or raise a one-line ProfilesError."""
        text = rtoml.dumps(doc)
        result = _load_or_error(text, cls)
        if isinstance(result, ProfilesError):
            assert "\n" not in str(result)
        else:
            assert isinstance(result, cls)


class TestHelpers:
    """The private helpers the store builds on."""

    def test_render(self) -> None:
        """Dotted paths quote keys that are not bare."""
        assert render(("profiles", "codex", "root_dir")) == "profiles.codex.root_dir"
        assert render(("deployments", "a:b", 3)) == 'deployments."a:b"[3]'

    def test_locate_unknown(self) -> None:
        """locate gives None for a field it cannot find, or no text."""
        assert locate(None, "x") is None
        assert locate("a = 1", "") is None
        assert locate("a = 1", "b") is None

    def test_locate_array_of_tables(self) -> None:
        """locate finds the n-th element of an array of tables."""
        assert locate(V1_PROJECT, "deployments[1].artifact_path") == 16
        assert locate(V1_PROJECT, "deployments[0]") == 7

    def test_split_header(self) -> None:
        """The leading comments (an editor's #:schema line) split off."""
        header, body = split_header("#:schema ./s.json\n\nschema_version = 2\n")
        assert header == "#:schema ./s.json\n\n"
        assert body == "schema_version = 2\n"
        assert split_header("# only\n") == ("# only\n", "")

    def test_enum_values_are_plain_strings(self) -> None:
        """The document holds plain strings, never enum members."""
        doc = to_document(default_profile(Platform.CODEX))
        assert type(doc["platform"]) is str
        assert all(type(k) is str for k in doc["artifact_path_map"])
        assert doc["supported_artifact_types"] == [
            str(t) for t in ArtifactType if t is not ArtifactType.COMMAND
        ]
        assert doc["created_at"] == datetime(2026, 12, 4, tzinfo=UTC)
        assert NOW.tzinfo is UTC

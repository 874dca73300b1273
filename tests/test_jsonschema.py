"""Tests of the JSON Schema: it takes what the library writes, refuses the rest.

TOML date-times have no JSON counterpart; Taplo hands them to the validator
as their RFC 3339 text (``2026-12-04T09:30:00Z``), so ``as_json`` below
turns each ``datetime`` into that text before validating.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillmeat_profiles import (
    ArtifactType,
    Deployment,
    DeploymentProfileCreate,
    InvalidDataError,
    Platform,
    ProfileRepository,
    ProfilesError,
    Project,
    default_profile,
    to_toml,
)
from skillmeat_profiles._codec import _PROJECT_KEYS, _TOP_KEYS, parse_toml
from skillmeat_profiles._jsonschema import (
    SCHEMA_DIRECTIVE,
    SCHEMA_FILENAME,
    json_schema,
    json_schema_text,
    notation_pattern,
    write_schema_file,
)
from skillmeat_profiles._location import parse_location
from skillmeat_profiles._validate import (
    check_artifact_name,
    check_filename,
    check_id,
    check_relative_path,
)

from . import strategies as s

if TYPE_CHECKING:
    from pathlib import Path

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def as_json(value: Any) -> Any:
    """A parsed TOML document as Taplo shows it to a JSON Schema validator."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    return value


VALIDATOR = jsonschema.Draft7Validator(
    json_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
)


def errors_of(text: str) -> list[str]:
    """The schema's complaints about one TOML file, as messages."""
    doc = as_json(parse_toml(text))
    return [error.message for error in VALIDATOR.iter_errors(doc)]


def full_project() -> Project:
    """A project with every built-in profile and records with and without a profile."""
    return Project(
        project_id="demo",
        name="Demo app",
        path="/home/me/demo",
        created_at=NOW,
        updated_at=NOW,
        deployment_profiles=[default_profile(p) for p in Platform],
        deployments=[
            Deployment(
                artifact_name="ai/code-review",
                artifact_type="agent",
                artifact_path=".claude/agents/ai/code-review.md",
                deployed_at=NOW,
                content_hash="sha256:9f86d08",
                deployment_profile_id="claude_code",
                platform="claude_code",
                profile_root_dir=".claude",
            ),
            Deployment(
                artifact_name="review",
                artifact_type="skill",
                artifact_path=".claude/skills/review",
                deployed_at=NOW,
            ),
        ],
    )


VALID = to_toml(full_project())


class TestShippedFile:
    """The schema file in the package is the generated one."""

    def test_shipped_file_is_current(self) -> None:
        """profile.schema.json equals json_schema_text(); regenerate with `schema`."""
        shipped = resources.files("skillmeat_profiles") / SCHEMA_FILENAME
        assert shipped.read_text(encoding="utf-8") == json_schema_text()

    def test_is_a_valid_draft7_schema(self) -> None:
        """The schema itself validates against the draft-07 meta-schema."""
        jsonschema.Draft7Validator.check_schema(json_schema())

    def test_generation_is_deterministic(self) -> None:
        """Two generations give the same text."""
        assert json_schema_text() == json_schema_text()
        assert json.loads(json_schema_text()) == json_schema()

    def test_patterns_avoid_lookaround_and_inline_flags(self) -> None:
        """Editors' regex engines (Taplo's) have no look-around or inline flags."""
        text = json_schema_text()
        patterns = re.findall(r'"pattern": "((?:[^"\\]|\\.)*)"', text)
        assert patterns
        for pattern in patterns:
            # Only non-capturing groups "(?:" may start with "(?".
            assert re.search(r"\(\?[^:]", json.loads(f'"{pattern}"')) is None


class TestDerivedFromModels:
    """Keys, required keys and enums come from the models."""

    def test_top_and_project_keys_match_the_codec(self) -> None:
        """The schema's keys are the codec's file layout, in order."""
        schema = json_schema()
        assert tuple(schema["properties"]) == _TOP_KEYS
        assert tuple(schema["properties"]["project"]["properties"]) == _PROJECT_KEYS

    def test_required_keys(self) -> None:
        """Required keys are the fields without a default."""
        schema = json_schema()
        profile = schema["properties"]["profiles"]["additionalProperties"]
        record = schema["properties"]["deployments"]["additionalProperties"]
        assert profile["required"] == [
            "platform",
            "root_dir",
            "artifact_path_map",
            "created_at",
            "updated_at",
        ]
        assert record["required"] == [
            "artifact_name",
            "artifact_type",
            "artifact_path",
            "deployed_at",
        ]
        assert schema["properties"]["project"]["required"] == [
            "id",
            "created_at",
            "updated_at",
        ]

    def test_enums_come_from_the_enums(self) -> None:
        """Platform and ArtifactType values are the enums' values."""
        profile = json_schema()["properties"]["profiles"]["additionalProperties"]
        assert profile["properties"]["platform"]["enum"] == [p.value for p in Platform]
        assert profile["properties"]["supported_artifact_types"]["items"]["enum"] == [
            t.value for t in ArtifactType
        ]

    def test_field_descriptions_come_from_docstrings(self) -> None:
        """Each field's description is its line in the model's docstring."""
        profile = json_schema()["properties"]["profiles"]["additionalProperties"]
        assert profile["properties"]["root_dir"]["description"].startswith(
            "The profile's folder, relative to the project root"
        )

    def test_unknown_field_type_stops_generation(self) -> None:
        """A field without a rule is an error, never a silent gap in the schema."""
        from skillmeat_profiles import _jsonschema

        with pytest.raises(TypeError, match="no JSON Schema rule"):
            _jsonschema._field_schema(Project, "new_field", str)
        with pytest.raises(TypeError, match="no JSON Schema rule"):
            _jsonschema._field_schema(Project, "new_field", int)


def _schema_of(*path: str) -> jsonschema.Draft7Validator:
    node: Any = json_schema()
    for key in path:
        node = node[key]
    return jsonschema.Draft7Validator(node)


ID = _schema_of("properties", "profiles", "propertyNames")
ROOT_DIR = _schema_of(
    "properties", "profiles", "additionalProperties", "properties", "root_dir"
)
FILENAME = _schema_of(
    "properties",
    "profiles",
    "additionalProperties",
    "properties",
    "project_config_filenames",
    "items",
)
NAME = _schema_of(
    "properties",
    "deployments",
    "additionalProperties",
    "properties",
    "artifact_name",
)

_hostile = st.lists(
    st.sampled_from([*'aZ09._-/\\:*?"<>| #\x00\x1f\x7f', "con", "NUL", "lpt1"]),
    max_size=12,
).map("".join)


def _accepts(check: Any, value: str) -> bool:
    try:
        check(value)
    except InvalidDataError:
        return False
    return True


class TestPatternsAgreeWithValidators:
    """On any text, the schema's patterns accept exactly what the validators do."""

    @given(st.one_of(s.ids, _hostile))
    def test_id(self, value: str) -> None:
        """The id pattern is check_id."""
        assert ID.is_valid(value) == _accepts(lambda v: check_id(v, "id"), value)

    @given(st.one_of(s.relative_paths, _hostile))
    def test_relative_path(self, value: str) -> None:
        """The relative-path pattern is check_relative_path (allow_dot)."""
        expected = _accepts(
            lambda v: check_relative_path(v, "p", allow_dot=True), value
        )
        assert ROOT_DIR.is_valid(value) == expected

    @given(st.one_of(s.filenames, _hostile))
    def test_filename(self, value: str) -> None:
        """The file-name pattern is check_filename."""
        assert FILENAME.is_valid(value) == _accepts(
            lambda v: check_filename(v, "f"), value
        )

    @given(st.one_of(s.artifact_names, _hostile))
    def test_artifact_name(self, value: str) -> None:
        """The artifact-name pattern is check_artifact_name."""
        assert NAME.is_valid(value) == _accepts(
            lambda v: check_artifact_name(v, "n"), value
        )

    @given(st.one_of(s.notation_values(), _hostile.map(lambda v: v + "/*.md")))
    def test_notation(self, value: str) -> None:
        """The notation pattern accepts a canonical value iff parse_location does."""
        schema = jsonschema.Draft7Validator(
            {"pattern": notation_pattern(), "not": ROOT_DIR.schema["not"]}
        )
        accepted = _accepts(
            lambda v: parse_location(v, ArtifactType.SKILL, "m"), value
        ) and (parse_location(value, ArtifactType.SKILL, "m").spec == value)
        assert schema.is_valid(value) == accepted


class TestWrittenFilesValidate:
    """Every file the library writes validates against the schema."""

    def test_full_project(self) -> None:
        """A project with every built-in profile and both kinds of record."""
        assert errors_of(VALID) == []

    @given(s.projects())
    def test_any_project(self, project: Project) -> None:
        """Any valid project, as to_toml writes it."""
        assert errors_of(to_toml(project)) == []

    def test_files_the_repository_writes(self, tmp_path: Path) -> None:
        """The store's files, with the editor directive, after each kind of write."""
        repo = ProfileRepository(tmp_path, clock=lambda: NOW)
        repo.create_project("demo", header=SCHEMA_DIRECTIVE)
        path = repo.path_for("demo")
        assert errors_of(path.read_text(encoding="utf-8")) == []
        repo.create(
            "demo", DeploymentProfileCreate(profile_id="codex", platform="codex")
        )
        repo.create(
            "demo",
            DeploymentProfileCreate(
                profile_id="bare",
                platform="other",
                root_dir=".",
                artifact_path_map={"skill": "skills"},
                supported_artifact_types=[],
                project_config_filenames=[],
                context_path_prefixes=[],
            ),
        )
        repo.record_deployment(
            "demo",
            Deployment(
                artifact_name="review",
                artifact_type="skill",
                artifact_path=".agents/skills/review",
                deployed_at=NOW,
                deployment_profile_id="codex",
                platform="codex",
                profile_root_dir=".codex",
            ),
        )
        text = path.read_text(encoding="utf-8")
        assert text.startswith(SCHEMA_DIRECTIVE)
        assert errors_of(text) == []


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


HOSTILE = {
    "unknown top-level key": VALID + "\nextra = 1\n",
    "unknown profile key": _edit(
        VALID, 'root_dir = ".claude"', 'root_dir = ".claude"\nroot = "x"'
    ),
    "newer schema_version": _edit(VALID, "schema_version = 2", "schema_version = 3"),
    "no schema_version": _edit(VALID, "schema_version = 2\n", ""),
    "traversal in root_dir": _edit(VALID, 'root_dir = ".claude"', 'root_dir = "../x"'),
    "absolute root_dir": _edit(VALID, 'root_dir = ".claude"', 'root_dir = "/etc"'),
    "backslash in root_dir": _edit(
        VALID, 'root_dir = ".claude"', 'root_dir = "a\\\\b"'
    ),
    "device name in root_dir": _edit(
        VALID, 'root_dir = ".claude"', 'root_dir = "x/NUL.txt"'
    ),
    "unknown platform": _edit(VALID, 'platform = "codex"', 'platform = "vim"'),
    "unknown artifact type": _edit(
        VALID, 'skill = "skills/*/"', 'widget = "skills/*/"'
    ),
    "bad notation": _edit(VALID, 'skill = "skills/*/"', 'skill = "skills/*x/"'),
    "anchored twice": _edit(VALID, 'skill = "skills/*/"', 'skill = "//skills"'),
    "bad config key": _edit(VALID, '"settings.json#hooks"', '"settings.json#a..b"'),
    "uppercase profile id": _edit(VALID, "[profiles.codex]", "[profiles.Codex]"),
    "local datetime": _edit(
        VALID, "created_at = 2026-12-04T09:30:00Z", "created_at = 2026-12-04T09:30:00"
    ),
    "string that is not a date": _edit(
        VALID, "created_at = 2026-12-04T09:30:00Z", 'created_at = "yesterday"'
    ),
    "filename with a slash": _edit(VALID, '"CLAUDE.local.md"', '"docs/CLAUDE.md"'),
    "duplicate supported type": _edit(
        VALID, '    "skill",\n    "command",', '    "skill",\n    "skill",'
    ),
    "missing root_dir": _edit(VALID, 'root_dir = ".codex"\n', ""),
    "empty project name": _edit(VALID, 'name = "Demo app"', 'name = " "'),
    "relative project path": _edit(VALID, 'path = "/home/me/demo"', 'path = "demo"'),
    "bad record key": _edit(VALID, '[deployments."skill:review"]', '[deployments."x"]'),
    "bad content hash": _edit(VALID, '"sha256:9f86d08"', '"!!"'),
    "wrong type": _edit(VALID, 'root_dir = ".claude"', "root_dir = 3"),
}


class TestHostileDocuments:
    """Documents the library refuses fail the schema too."""

    @pytest.mark.parametrize("case", sorted(HOSTILE))
    def test_refused(self, case: str) -> None:
        """Each hostile document has at least one schema error."""
        assert errors_of(HOSTILE[case]) != []


class TestWriteSchemaFile:
    """write_schema_file writes once, then leaves the file alone."""

    def test_writes_then_is_idempotent(self, tmp_path: Path) -> None:
        """The first call writes, the second reports nothing written."""
        path, written = write_schema_file(tmp_path / ".skillmeat")
        assert written
        assert path.read_text(encoding="utf-8") == json_schema_text()
        assert write_schema_file(tmp_path / ".skillmeat") == (path, False)
        assert sorted(p.name for p in path.parent.iterdir()) == [SCHEMA_FILENAME]

    def test_stale_file_is_replaced(self, tmp_path: Path) -> None:
        """An out-of-date schema is rewritten."""
        (tmp_path / SCHEMA_FILENAME).write_text("{}", encoding="utf-8")
        assert write_schema_file(tmp_path)[1]
        assert (tmp_path / SCHEMA_FILENAME).read_text(encoding="utf-8") == (
            json_schema_text()
        )

    def test_unwritable_folder_is_a_profiles_error(self, tmp_path: Path) -> None:
        """An OSError comes out as a ProfilesError naming the file."""
        blocker = tmp_path / "file"
        blocker.write_text("", encoding="utf-8")
        with pytest.raises(ProfilesError, match="cannot write the JSON Schema"):
            write_schema_file(blocker / "sub")

"""Exact messages of the common mistakes: each says what, where and how to fix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from skillmeat_profiles import (
    Artifact,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    ProfilesError,
    Project,
    from_toml,
)

if TYPE_CHECKING:
    from collections.abc import Callable

AWARE = datetime(2026, 12, 4, tzinfo=UTC)
NAIVE_HINT = (
    "has no timezone (a naive datetime); expected a timezone-aware datetime, "
    "such as 2026-12-04T09:30:00Z: pass tzinfo=datetime.UTC, or write the 'Z' "
    "suffix in the file"
)
ID_HINT = (
    "expected 1-64 lowercase letters, digits, '-', '_' or '.', starting with a "
    "letter or digit (for example 'claude_code' or 'my-project')"
)
PATH_HINT = (
    "expected a relative POSIX path inside the project, such as '.claude' or "
    "'.claude/skills'"
)

CASES: list[tuple[str, Callable[[], object], str]] = [
    (
        "typo key",
        lambda: from_toml(
            'name = "x"\nartifact_tpye = "skill"', Artifact, path="a.toml"
        ),
        "a.toml: artifact_tpye: unknown key 'artifact_tpye'; did you mean "
        "'artifact_type'?",
    ),
    (
        "typo key in a project file",
        lambda: from_toml(
            '[project]\nid = "demo"\nnmae = "Demo"\n', Project, path="demo.toml"
        ),
        "demo.toml:3: project.nmae: unknown key 'nmae'; did you mean 'name'?",
    ),
    (
        "empty target_platforms",
        lambda: Artifact(name="x", artifact_type="skill", target_platforms=[]),
        "target_platforms: an empty list targets no platform at all; use None (in "
        "a file: leave the key out) to deploy everywhere, or list at least one "
        "platform",
    ),
    (
        "profile_id in an update",
        lambda: DeploymentProfileUpdate(profile_id="codex2"),  # type: ignore[arg-type]
        "profile_id: profile_id is immutable and cannot be updated; to rename a "
        "profile, create one with the new id and delete the old one",
    ),
    (
        "profile_id in an update file",
        lambda: from_toml('profile_id = "x"', DeploymentProfileUpdate),
        "profile_id: profile_id is immutable and cannot be updated; to rename a "
        "profile, create one with the new id and delete the old one",
    ),
    (
        "naive datetime",
        lambda: Project(
            project_id="demo", created_at=datetime(2026, 1, 1), updated_at=AWARE
        ),
        f"created_at: 2026-01-01T00:00:00 {NAIVE_HINT}",
    ),
    (
        "naive datetime in a file",
        lambda: from_toml(
            '[project]\nid = "demo"\ncreated_at = 2026-12-04T09:30:00\n'
            "updated_at = 2026-12-04T09:30:00Z\n",
            Project,
            path="demo.toml",
        ),
        f"demo.toml:3: project.created_at: 2026-12-04T09:30:00 {NAIVE_HINT}",
    ),
    (
        "clearing root_dir",
        lambda: DeploymentProfileUpdate(root_dir=None),
        "root_dir: root_dir cannot be cleared, every profile has one; pass a new "
        "value, or leave it out (UNSET) to keep the current one",
    ),
    (
        "uppercase project id",
        lambda: Project(project_id="My Project", created_at=AWARE, updated_at=AWARE),
        f"project_id: 'My Project' is not valid: it has uppercase letters; {ID_HINT}",
    ),
    (
        "unknown artifact type",
        lambda: Artifact(name="x", artifact_type="plugin"),
        "artifact_type: 'plugin' is not a valid ArtifactType; expected one of "
        "'skill', 'command', 'agent', 'hook', 'mcp'",
    ),
    (
        "path escaping the project",
        lambda: DeploymentProfileCreate(
            profile_id="c", platform="codex", root_dir="../x"
        ),
        f"root_dir: '../x' is not valid: it has a '..' segment; {PATH_HINT}",
    ),
    (
        "backslash path",
        lambda: DeploymentProfileCreate(
            profile_id="c", platform="codex", root_dir=".codex\\agents"
        ),
        f"root_dir: '.codex\\\\agents' is not valid: it has a backslash (use '/'); "
        f"{PATH_HINT}",
    ),
    (
        "newer schema",
        lambda: from_toml(
            'schema_version = 9\n[project]\nid="a"', Project, path="a.toml"
        ),
        "a.toml:1: schema_version 9 was found, but this version of "
        "skillmeat-profiles reads versions up to 2; perhaps skillmeat-profiles "
        "needs to be upgraded? The file was left as it is.",
    ),
    (
        "invalid TOML",
        lambda: from_toml("x = [", Project, path="a.toml"),
        "a.toml:1:6: not valid TOML: unclosed array, expected `]`; fix the syntax "
        "at that position",
    ),
    (
        "bad notation",
        lambda: DeploymentProfileCreate(
            profile_id="c", platform="codex", artifact_path_map={"skill": "skills/**"}
        ),
        "artifact_path_map.skill: 'skills/**' is not valid: after '*' comes a "
        "suffix such as '.md' or '.toml'",
    ),
]


@pytest.mark.parametrize(
    ("make", "message"),
    [(make, message) for _, make, message in CASES],
    ids=[name for name, _, _ in CASES],
)
def test_exact_message(make: Callable[[], object], message: str) -> None:
    """The error's text is exactly the expected one."""
    with pytest.raises(ProfilesError) as info:
        make()
    assert str(info.value) == message

"""Re-reading a changed file table by table gives what a full parse gives."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillmeat_profiles import ProfileRepository, ProfilesError, Project, to_toml
from skillmeat_profiles._chunks import table_groups

from . import strategies

if TYPE_CHECKING:
    from pathlib import Path

_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _fresh(root: Path, project_id: str) -> Project | ProfilesError:
    try:
        return ProfileRepository(root).get_project(project_id)
    except ProfilesError as error:
        return error


def _cached(repo: ProfileRepository, project_id: str) -> Project | ProfilesError:
    try:
        return repo.get_project(project_id)
    except ProfilesError as error:
        return error


def _same(a: Project | ProfilesError, b: Project | ProfilesError) -> bool:
    if isinstance(a, ProfilesError) or isinstance(b, ProfilesError):
        return type(a) is type(b) and str(a) == str(b)
    return a == b


def _store(tmp_path: Path, project: Project) -> tuple[ProfileRepository, Path]:
    root = tmp_path / "root"
    folder = root / ".skillmeat" / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{project.project_id}.toml"
    path.write_text(to_toml(project))
    repo = ProfileRepository(root)
    assert repo.get_project(project.project_id) == project
    return repo, path


@_SETTINGS
@given(st.data())
def test_another_version_reads_as_a_fresh_parse(
    tmp_path: Path, data: st.DataObject
) -> None:
    """After the file changes to another valid project, the cached repository agrees
    with a new one."""
    first = data.draw(strategies.projects(max_profiles=4))
    repo, path = _store(tmp_path, first)
    others = data.draw(strategies.projects(max_profiles=4))
    taken = {p.profile_id for p in others.deployment_profiles}
    # One profile of the first version stays as it was, so that it is reused.
    kept = [p for p in first.deployment_profiles[:1] if p.profile_id not in taken]
    second = attrs.evolve(
        first,
        deployment_profiles=[
            attrs.evolve(p, project_id=first.project_id)
            for p in others.deployment_profiles
        ]
        + kept,
        deployments=others.deployments,
    )
    path.write_text(to_toml(second))
    assert repo.get_project(first.project_id) == second


@_SETTINGS
@given(st.data())
def test_edited_lines_read_as_a_fresh_parse(
    tmp_path: Path, data: st.DataObject
) -> None:
    """Any line of the file replaced, deleted or duplicated: the cached repository
    gives what a new one gives, a project or the same error."""
    project = data.draw(strategies.projects(max_profiles=4, max_records=3))
    repo, path = _store(tmp_path, project)
    lines = path.read_text().split("\n")
    index = data.draw(st.integers(0, len(lines) - 1))
    edit = data.draw(st.sampled_from(["delete", "duplicate", "replace"]))
    if edit == "delete":
        del lines[index]
    elif edit == "duplicate":
        lines.insert(index, lines[index])
    else:
        lines[index] = data.draw(
            st.sampled_from(
                [
                    "",
                    "# a comment",
                    "[profiles.zz]",
                    'description = "edited"',
                    "profiles.x.platform = 'codex'",
                    'x = """',
                    "[[profiles]]",
                    "  [profiles.zz]",
                    "[project]",
                    lines[index].replace("=", "= 1 #", 1),
                ]
            )
        )
    path.write_text("\n".join(lines))
    assert _same(
        _cached(repo, project.project_id), _fresh(repo.root, project.project_id)
    )


@pytest.mark.parametrize(
    "text",
    [
        'schema_version = 2\nx = """\n[profiles.a]\n"""\n',
        "schema_version = 2\nprofiles = {}\n[project]\n",
        "schema_version = 2\nprofiles.a.platform = 'codex'\n",
        "schema_version = 2\n[[profiles]]\n",
        "schema_version = 2\n['profiles'.a]\n",
        "schema_version = 2\n[project]\n[project]\n",
        "schema_version = 2\n[other]\n",
        "schema_version = 2\n[profiles]\n",
        "schema_version = 2\n[project]\n  [profiles.a]\n",
        "schema_version = 2\n[project]\nx = [\n\t[1],\n]\n",
    ],
)
def test_texts_that_cannot_be_cut_with_certainty(text: str) -> None:
    """Multi-line strings, dotted keys, arrays of tables, unusual headers: no cut."""
    assert table_groups(text) is None


def test_a_file_is_cut_into_its_groups() -> None:
    """Each profile's tables, wherever they stand, form one group."""
    text = (
        "#:schema x\nschema_version = 2\n\n[project]\nid = 'p'\n\n"
        "[profiles.a]\nplatform = 'codex'\n\n[profiles.b]\n\n"
        '[profiles.a.artifact_path_map]\nskill = "s"\n\n'
        '[deployments."a:skill:x"]\n'
    )
    groups = table_groups(text)
    assert groups is not None
    assert list(groups) == [
        (),
        ("project",),
        ("profiles", "a"),
        ("profiles", "b"),
        ("deployments", "a:skill:x"),
    ]
    assert groups[("profiles", "a")] == (
        "[profiles.a]\nplatform = 'codex'\n"
        '[profiles.a.artifact_path_map]\nskill = "s"\n'
    )


def test_an_indented_header_never_hides_a_profile(tmp_path: Path) -> None:
    """A profile whose header is indented is still read after a neighbour changes."""
    from skillmeat_profiles import DeploymentProfileCreate

    repo = ProfileRepository(tmp_path)
    repo.create_project("demo")
    for profile_id in ("a", "b"):
        repo.create(
            "demo", DeploymentProfileCreate(profile_id=profile_id, platform="codex")
        )
    path = repo.path_for("demo")
    path.write_text(path.read_text().replace("[profiles.b]", "  [profiles.b]"))
    reader = ProfileRepository(tmp_path)
    assert [p.profile_id for p in reader.list_by_project("demo")] == ["a", "b"]
    path.write_text(path.read_text().replace("Codex CLI", "Codex", 1))
    assert reader.get_project("demo") == ProfileRepository(tmp_path).get_project("demo")
    assert [p.profile_id for p in reader.list_by_project("demo")] == ["a", "b"]

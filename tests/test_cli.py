"""Tests of the ``skillmeat-profiles`` command, every command through ``run(argv)``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skillmeat_profiles import (
    Deployment,
    DeploymentProfileCreate,
    InvalidDataError,
    LockTimeoutError,
    ProfileRepository,
    ProfilesError,
)
from skillmeat_profiles._cli import build_parser, find_store_root, project_id_for, run
from skillmeat_profiles._jsonschema import SCHEMA_DIRECTIVE, json_schema_text

V1_FILE = """\
schema_version = 1

[project]
id = "legacy"
name = "Legacy app"
created_at = 2025-03-01T10:00:00Z

[[deployments]]
artifact_name = "review"
artifact_type = "skill"
artifact_path = ".claude/skills/review"
deployed_at = 2025-03-02T10:00:00Z
"""


class Result:
    """What one command did: exit status, stdout and stderr."""

    def __init__(self, status: int, out: str, err: str) -> None:
        self.status = status
        self.out = out
        self.err = err

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.out)


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    """Run the command in a fresh project folder ``tmp_path/app``."""
    folder = tmp_path / "app"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("SKILLMEAT_HOME", str(tmp_path / "home"))

    def call(*argv: str) -> Result:
        capsys.readouterr()
        status = run(list(argv))
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return call


def profiles_file(root: Path, project_id: str = "app") -> Path:
    """The project file of ``project_id`` in the store rooted at ``root``."""
    return root / ".skillmeat" / "profiles" / f"{project_id}.toml"


def assert_user_error(result: Result, *needles: str) -> None:
    """Exit 1 with one line on stderr, no traceback, naming each needle."""
    assert result.status == 1, result.err
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith("skillmeat-profiles: error: ")
    assert "Traceback" not in result.err
    for needle in needles:
        assert needle in result.err


class TestStoreSelection:
    """The store and project a command works on."""

    def test_nearest_skillmeat_folder_wins(self, tmp_path: Path) -> None:
        """A .skillmeat/ folder upward is the store, before any git root."""
        (tmp_path / ".git").mkdir()
        (tmp_path / "sub" / ".skillmeat").mkdir(parents=True)
        deep = tmp_path / "sub" / "a" / "b"
        deep.mkdir(parents=True)
        assert find_store_root(deep) == tmp_path / "sub"

    def test_git_root_without_skillmeat(self, tmp_path: Path) -> None:
        """Without .skillmeat/, the git root (a .git file in a worktree counts)."""
        (tmp_path / ".git").write_text("gitdir: elsewhere\n", encoding="utf-8")
        deep = tmp_path / "src" / "pkg"
        deep.mkdir(parents=True)
        assert find_store_root(deep) == tmp_path

    def test_current_folder_otherwise(self, tmp_path: Path) -> None:
        """Neither: the folder the command runs in."""
        assert find_store_root(tmp_path) == tmp_path

    def test_store_option(self, cli: Any, tmp_path: Path) -> None:
        """--store DIR puts the files under DIR/.skillmeat/profiles/."""
        other = tmp_path / "other"
        other.mkdir()
        assert cli("init", "--store", str(other), "--project", "x").status == 0
        assert profiles_file(other, "x").is_file()
        assert cli("list", "--store", str(other)).status == 0

    def test_user_option(self, cli: Any, tmp_path: Path) -> None:
        """--user uses $SKILLMEAT_HOME and records the project's path."""
        result = cli("init", "--user", "--json")
        assert result.status == 0, result.err
        data = result.json()
        assert data["project"]["path"] == str(Path.cwd())
        assert profiles_file(tmp_path / "home").is_file()
        assert cli("--user", "list").status == 0

    def test_missing_store_only_init_creates(self, cli: Any, tmp_path: Path) -> None:
        """A missing --store DIR is refused, except by init, which creates it."""
        missing = tmp_path / "nonexist"
        for argv in (["list"], ["validate"], ["create", "x", "--platform", "codex"]):
            assert_user_error(
                cli(*argv, "--store", str(missing)), str(missing), "does not exist"
            )
        assert not missing.exists()
        assert cli("init", "--store", str(missing), "--platform", "codex").status == 0
        assert profiles_file(missing, "nonexist").is_file()
        assert cli("list", "--store", str(missing)).status == 0

    def test_missing_project_says_how_in_command_terms(self, cli: Any) -> None:
        """--project naming no project: init --project, not an API name."""
        cli("init", "--platform", "codex")
        result = cli("list", "--project", "zzz")
        assert_user_error(
            result,
            "zzz.toml",
            "(projects: app)",
            "skillmeat-profiles init --project zzz",
        )
        assert "create_project" not in result.err

    def test_store_and_user_exclude_each_other(self, cli: Any) -> None:
        """--store and --user together are a usage error."""
        result = cli("list", "--store", ".", "--user")
        assert result.status == 2
        assert "not allowed with argument" in result.err

    def test_no_project(self, cli: Any) -> None:
        """An empty store: exit 1, saying to run init."""
        assert_user_error(cli("list"), "no project in this store", "init")

    def test_several_projects(self, cli: Any) -> None:
        """Several projects and no --project: exit 1, listing them."""
        cli("init", "--project", "one")
        cli("init", "--project", "two")
        assert_user_error(cli("list"), "one, two", "--project ID")
        assert cli("list", "--project", "two").status == 0


class TestProjectIds:
    """Default project ids made from folder names."""

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("My App", "my-app"),
            ("app", "app"),
            ("__init__", "init"),
            ("---", "project"),
            ("con", "con-project"),
            ("x" * 80, "x" * 64),
            ("Été 2026!", "t-2026"),
        ],
    )
    def test_sanitised(self, name: str, expected: str) -> None:
        """Each folder name gives a valid id."""
        assert project_id_for(name) == expected


class TestInit:
    """init creates the project file, the schema file, and is idempotent."""

    def test_defaults_to_claude_code(self, cli: Any) -> None:
        """An empty folder gets one claude_code profile and the editor schema."""
        result = cli("init")
        assert result.status == 0, result.err
        assert "No platform detected" in result.out
        text = profiles_file(Path.cwd()).read_text(encoding="utf-8")
        assert text.startswith(SCHEMA_DIRECTIVE)
        schema = Path(".skillmeat/profile.schema.json")
        assert schema.read_text(encoding="utf-8") == json_schema_text()
        assert [p["profile_id"] for p in cli("list", "--json").json()["profiles"]] == [
            "claude_code"
        ]

    def test_twice_changes_nothing(self, cli: Any) -> None:
        """A second init says what exists and leaves every byte alone."""
        cli("init", "--platform", "codex")
        file = profiles_file(Path.cwd())
        before = file.read_bytes()
        result = cli("init", "--platform", "codex", "--platform", "gemini")
        assert result.status == 0
        assert "already exists" in result.out
        assert "skillmeat-profiles create gemini --platform gemini" in result.out
        assert "Up to date" in result.out
        assert file.read_bytes() == before

    def test_detects_platforms(self, cli: Any) -> None:
        """Folders of agents become profiles; ambiguous files are reported."""
        Path(".claude").mkdir()
        Path(".gemini").mkdir()
        Path("AGENTS.md").write_text("# agents\n", encoding="utf-8")
        result = cli("init", "--json")
        assert result.status == 0, result.err
        data = result.json()
        assert data["platforms"] == ["claude_code", "gemini"]
        assert data["platform_source"] == "detected"
        assert data["profiles_created"] == ["claude_code", "gemini"]
        assert [e["path"] for e in data["evidence"] if e["ambiguous"]] == ["AGENTS.md"]
        text = cli("init").out
        assert "Detected: claude_code (.claude), gemini (.gemini)" in text
        assert "Also found AGENTS.md" in text

    def test_detected_line_names_each_platform_once(self, cli: Any) -> None:
        """One Detected line, each platform once; one line each for the rest."""
        Path(".gemini").mkdir()
        Path(".gemini/settings.json").write_text("{}\n", encoding="utf-8")
        Path("GEMINI.md").write_text("# gemini\n", encoding="utf-8")
        Path("AGENTS.md").write_text("# agents\n", encoding="utf-8")
        Path("CLAUDE.md").symlink_to("/nonexistent/CLAUDE.md")
        lines = cli("init").out.splitlines()
        assert (
            lines[0] == "Detected: gemini (.gemini, .gemini/settings.json, GEMINI.md)"
        )
        assert lines[1].startswith("Also found AGENTS.md (codex, cursor, other), ")
        assert lines[2].startswith("Ignored 1 symlink not followed (CLAUDE.md)")
        assert lines[3].startswith("Created project app")
        data = cli("init", "--json").json()
        assert [item["path"] for item in data["ignored"]] == ["CLAUDE.md"]

    def test_failed_profile_writes_no_project(
        self, cli: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A profile that cannot be built: no project file, and a rerun creates it."""
        real = DeploymentProfileCreate.build

        def failing(self: DeploymentProfileCreate, **kwargs: Any) -> Any:
            if self.profile_id == "codex":
                raise InvalidDataError("codex: refused", field="platform")
            return real(self, **kwargs)

        argv = ("init", "--platform", "claude_code", "--platform", "codex")
        with monkeypatch.context() as patch:
            patch.setattr(DeploymentProfileCreate, "build", failing)
            assert_user_error(cli(*argv), "codex: refused")
        assert not profiles_file(Path.cwd()).exists()
        assert cli(*argv, "--json").json()["profiles_created"] == [
            "claude_code",
            "codex",
        ]

    def test_schema_failure_says_what_was_written(
        self, cli: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The schema file fails after the project: the error says to rerun init."""

        def failing(folder: Path) -> tuple[Path, bool]:
            raise ProfilesError(
                "cannot write the JSON Schema: Permission denied",
                path=str(Path(folder) / "profile.schema.json"),
            )

        with monkeypatch.context() as patch:
            patch.setattr("skillmeat_profiles._cli.write_schema_file", failing)
            result = cli("init", "--platform", "codex")
        assert_user_error(
            result,
            "profile.schema.json: created project app in "
            ".skillmeat/profiles/app.toml with profiles codex, but cannot write",
            "run 'skillmeat-profiles init' again",
        )
        assert profiles_file(Path.cwd()).is_file()
        schema = Path(".skillmeat/profile.schema.json")
        assert not schema.exists()
        rerun = cli("init", "--platform", "codex")
        assert rerun.status == 0
        assert "Wrote .skillmeat/profile.schema.json" in rerun.out
        assert "nothing changed" not in rerun.out.lower()
        assert schema.read_text(encoding="utf-8") == json_schema_text()
        assert "Nothing changed." in cli("init", "--platform", "codex").out

    def test_given_platforms_and_name(self, cli: Any) -> None:
        """--platform (deduplicated) and --name are used as given."""
        data = cli(
            "init",
            "--platform",
            "codex",
            "--platform",
            "codex",
            "--platform",
            "cursor",
            "--name",
            "My app",
            "--json",
        ).json()
        assert data["profiles_created"] == ["codex", "cursor"]
        assert data["project"]["name"] == "My app"
        assert data["created"] is True

    def test_git_merge_driver(self, cli: Any) -> None:
        """--git-merge-driver writes .gitattributes and git config, once."""
        subprocess.run(["git", "init", "-q"], check=True)
        result = cli("init", "--git-merge-driver")
        assert result.status == 0, result.err
        assert "merge=skillmeat-profiles" in Path(".gitattributes").read_text(
            encoding="utf-8"
        )
        driver = subprocess.run(
            ["git", "config", "merge.skillmeat-profiles.driver"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "merge-driver %O %A %B" in driver
        assert "Merge driver already set up." in cli("init", "--git-merge-driver").out

    def test_git_merge_driver_outside_git(self, cli: Any, tmp_path: Path) -> None:
        """Outside a git repository: exit 1, saying to run git init."""
        env_git = {"GIT_CEILING_DIRECTORIES": str(tmp_path)}
        os.environ.update(env_git)
        try:
            assert_user_error(cli("init", "--git-merge-driver"), "git init")
        finally:
            del os.environ["GIT_CEILING_DIRECTORIES"]


@pytest.fixture
def project(cli: Any) -> Any:
    """A project with the claude_code and codex profiles."""
    assert cli("init", "--platform", "claude_code", "--platform", "codex").status == 0
    return cli


class TestProfiles:
    """list, show, create, update, delete."""

    def test_list_text_and_json(self, project: Any) -> None:
        """list prints a table, or the documented JSON shape."""
        text = project("list").out.splitlines()
        assert text[0].split() == ["PROFILE", "PLATFORM", "ROOT", "SUPPORTS"]
        assert text[2].split() == ["codex", "codex", ".codex", "skill,agent,hook,mcp"]
        data = project("list", "--json").json()
        assert data["project_id"] == "app"
        codex = data["profiles"][1]
        assert sorted(codex) == sorted(
            [
                "id",
                "project_id",
                "profile_id",
                "platform",
                "root_dir",
                "artifact_path_map",
                "supported_artifact_types",
                "project_config_filenames",
                "context_path_prefixes",
                "description",
                "created_at",
                "updated_at",
            ]
        )
        assert codex["id"] == "app/codex"
        assert codex["artifact_path_map"]["skill"] == "/.agents/skills/*/"
        assert codex["created_at"].endswith("Z")

    def test_list_empty_project(self, cli: Any) -> None:
        """A project without profiles says how to add one."""
        ProfileRepository(Path.cwd()).create_project("app")
        assert "has no profiles" in cli("list").out

    def test_show(self, project: Any) -> None:
        """show prints every field; --json is the profile object."""
        text = project("show", "codex").out
        assert "root_dir      .codex" in text
        assert "  mcp    config.toml#mcp_servers" in text
        assert project("show", "codex", "--json").json()["profile_id"] == "codex"

    def test_show_missing(self, project: Any) -> None:
        """An unknown profile: exit 1 naming it, the file and the known ones."""
        assert_user_error(
            project("show", "nope"),
            ".skillmeat/profiles/app.toml: ",
            "'nope'",
            "claude_code, codex",
            "skillmeat-profiles create",
        )

    def test_create_with_every_option(self, project: Any) -> None:
        """Every option of create reaches the profile."""
        result = project(
            "create",
            "exp",
            "--platform",
            "claude_code",
            "--root-dir",
            ".exp",
            "--map",
            "skill=skills/*/",
            "--map",
            "command=cmds/*.md",
            "--config-file",
            "EXP.md",
            "--context-prefix",
            ".exp/specs",
            "--supports",
            "skill",
            "--description",
            "Experimental",
            "--json",
        )
        assert result.status == 0, result.err
        data = result.json()
        assert data["root_dir"] == ".exp"
        assert data["artifact_path_map"] == {
            "skill": "skills/*/",
            "command": "cmds/*.md",
        }
        assert data["supported_artifact_types"] == ["skill"]
        assert data["project_config_filenames"] == ["EXP.md"]
        assert data["context_path_prefixes"] == [".exp/specs"]
        assert data["description"] == "Experimental"
        text = project("create", "exp2", "--platform", "other").out
        assert (
            text
            == "Created profile app/exp2 (other, root_dir .agents, supports skill)\n"
        )

    def test_create_duplicate(self, project: Any) -> None:
        """A taken profile_id: exit 1, ConflictError."""
        assert_user_error(project("create", "codex", "--platform", "codex"), "'codex'")

    def test_create_invalid_value(self, project: Any) -> None:
        """An invalid value: exit 1 naming the field."""
        result = project("create", "x", "--platform", "codex", "--root-dir", "../up")
        assert_user_error(result, "root_dir", "'..'")
        result = project("create", "x", "--platform", "codex", "--map", "skill=a/*x")
        assert_user_error(result, "artifact_path_map.skill")

    @pytest.mark.parametrize(
        "argv",
        [
            ["create", "x"],
            ["create", "x", "--platform", "vim"],
            ["create", "x", "--platform", "codex", "--map", "skill"],
            ["create", "x", "--platform", "codex", "--map", "widget=x"],
            ["create", "x", "--platform", "codex", "--supports", "widget"],
            ["resolve", "widget", "x"],
            ["nonsense"],
            [],
        ],
    )
    def test_usage_errors(self, project: Any, argv: list[str]) -> None:
        """Wrong usage exits 2 with a usage line."""
        result = project(*argv)
        assert result.status == 2
        assert "usage:" in result.err

    def test_update_merges_map(self, project: Any) -> None:
        """--map merges, --unmap removes; supported types follow the map."""
        data = project(
            "update",
            "codex",
            "--map",
            "command=prompts/*.md",
            "--unmap",
            "hook",
            "--json",
        ).json()
        assert data["changed"] is True
        profile = data["profile"]
        assert profile["artifact_path_map"] == {
            "skill": "/.agents/skills/*/",
            "command": "prompts/*.md",
            "agent": "agents/*.toml",
            "mcp": "config.toml#mcp_servers",
        }
        assert profile["supported_artifact_types"] == [
            "skill",
            "command",
            "agent",
            "mcp",
        ]

    def test_update_fields_and_clear(self, project: Any) -> None:
        """Plain options replace fields; --clear and --no-description empty them."""
        data = project(
            "update",
            "codex",
            "--root-dir",
            ".cx",
            "--platform",
            "other",
            "--config-file",
            "A.md",
            "--supports",
            "skill",
            "--clear",
            "context_path_prefixes",
            "--no-description",
            "--json",
        ).json()["profile"]
        assert data["root_dir"] == ".cx"
        assert data["platform"] == "other"
        assert data["project_config_filenames"] == ["A.md"]
        assert data["supported_artifact_types"] == ["skill"]
        assert data["context_path_prefixes"] == []
        assert data["description"] is None
        result = project("update", "codex", "--description", "New", "--map", "x=y")
        assert result.status == 2
        text = project("update", "codex", "--description", "New").out
        assert text.startswith("Updated profile app/codex\n")

    def test_update_that_changes_nothing(self, project: Any) -> None:
        """Same values: changed is false and the file is untouched."""
        file = profiles_file(Path.cwd())
        before = file.read_bytes()
        result = project("update", "codex", "--root-dir", ".codex")
        assert "nothing changed" in result.out
        assert (
            project("update", "codex", "--root-dir", ".codex", "--json").json()[
                "changed"
            ]
            is False
        )
        assert file.read_bytes() == before

    @pytest.mark.parametrize(
        "argv",
        [
            ["update", "codex"],
            ["update", "codex", "--description", "x", "--clear", "description"],
            ["update", "codex", "--map", "skill=s", "--clear", "artifact_path_map"],
        ],
    )
    def test_update_contradictions(self, project: Any, argv: list[str]) -> None:
        """Nothing to do, or a value both set and cleared: exit 2."""
        result = project(*argv)
        assert result.status == 2
        assert result.err.startswith("skillmeat-profiles update: error: ")

    def test_update_errors(self, project: Any) -> None:
        """Unmapping an absent type, or clearing what cannot be cleared: exit 1."""
        assert_user_error(project("update", "codex", "--unmap", "command"), "command")
        result = project("update", "codex", "--clear", "artifact_path_map")
        assert_user_error(result, "supported_artifact_types")
        assert_user_error(project("update", "nope", "--description", "x"), "'nope'")

    def test_clear_supported_and_map(self, project: Any) -> None:
        """--clear of the map and the supported types together leaves them empty."""
        data = project(
            "update",
            "codex",
            "--clear",
            "artifact_path_map",
            "--clear",
            "supported_artifact_types",
            "--json",
        ).json()["profile"]
        assert data["artifact_path_map"] == {}
        assert data["supported_artifact_types"] == []
        data = project(
            "update", "codex", "--map", "skill=s/*/", "--supports", "skill", "--json"
        ).json()["profile"]
        assert data["supported_artifact_types"] == ["skill"]

    def test_delete(self, project: Any) -> None:
        """delete removes the profile; a profile in use is refused."""
        assert project("delete", "codex", "--json").json() == {"deleted": "app/codex"}
        assert project("delete", "codex").status == 1
        repo = ProfileRepository(Path.cwd())
        repo.record_deployment(
            "app",
            Deployment(
                artifact_name="review",
                artifact_type="skill",
                artifact_path=".claude/skills/review",
                deployed_at=repo.get_project("app").created_at,
                deployment_profile_id="claude_code",
                platform="claude_code",
                profile_root_dir=".claude",
            ),
        )
        assert_user_error(project("delete", "claude_code"), "claude_code")
        assert project("delete", "claude_code").status == 1
        assert project("list").status == 0


class TestResolve:
    """resolve prints the deployment plan."""

    def test_plan_json(self, project: Any) -> None:
        """Placements and skipped profiles, in the documented shape."""
        data = project("resolve", "command", "git/commit", "--json").json()
        assert data == {
            "project_id": "app",
            "artifact": {
                "type": "command",
                "name": "git/commit",
                "target_platforms": None,
            },
            "placements": {
                "claude_code": {
                    "path": ".claude/commands/git/commit.md",
                    "kind": "file",
                    "key": None,
                }
            },
            "skipped": {
                "codex": "profile 'codex' does not support 'command' (it supports: "
                "skill, agent, hook, mcp)"
            },
        }

    def test_target_platforms_and_profiles(self, project: Any) -> None:
        """--target-platform skips other platforms; --profile limits the plan."""
        data = project(
            "resolve", "mcp", "github", "--target-platform", "codex", "--json"
        ).json()
        assert list(data["placements"]) == ["codex"]
        assert data["placements"]["codex"]["key"] == "mcp_servers.github"
        assert data["artifact"]["target_platforms"] == ["codex"]
        assert list(data["skipped"]) == ["claude_code"]
        data = project("resolve", "skill", "x", "--profile", "codex", "--json").json()
        assert list(data["placements"]) == ["codex"]

    def test_nothing_takes_it(self, project: Any) -> None:
        """No profile takes the artifact: a sentence, then the reasons."""
        text = project("resolve", "command", "x", "--target-platform", "codex").out
        assert text.startswith("No profile of app takes this command.\n")
        assert "skipped claude_code:" in text

    def test_errors(self, project: Any) -> None:
        """An unknown profile or an invalid name: exit 1."""
        assert_user_error(
            project("resolve", "skill", "x", "--profile", "nope"),
            ".skillmeat/profiles/app.toml: ",
            "'nope'",
            "(profiles: claude_code, codex)",
        )
        assert_user_error(project("resolve", "skill", "../x"), "name")


class TestValidate:
    """validate reports each problem as file:line: message."""

    def test_all_valid(self, project: Any) -> None:
        """Every file in the store is checked; exit 0."""
        result = project("validate")
        assert (result.status, result.out) == (0, "1 file checked, 0 with problems\n")
        data = project("validate", "--json").json()
        assert data == {
            "files": [{"path": ".skillmeat/profiles/app.toml", "ok": True}],
            "problems": [],
        }

    def test_empty_store(self, cli: Any) -> None:
        """No files: nothing to report."""
        assert cli("validate").out == "0 files checked, 0 with problems\n"

    def test_invalid_files(self, project: Any) -> None:
        """Bad TOML, bad data and unreadable files each give file:line: message."""
        folder = Path(".skillmeat/profiles")
        good = (folder / "app.toml").read_text(encoding="utf-8")
        (folder / "bad.toml").write_text(
            good.replace('id = "app"', 'id = "bad"').replace(
                'root_dir = ".codex"', 'root_dir = "../x"'
            ),
            encoding="utf-8",
        )
        (folder / "broken.toml").write_text(
            "schema_version = 2\n[project\n", encoding="utf-8"
        )
        (folder / "dir.toml").mkdir()
        result = project("validate")
        assert result.status == 1
        lines = result.out.splitlines()
        bad_line = good.splitlines().index('root_dir = ".codex"') + 1
        assert lines[0].startswith(f".skillmeat/profiles/bad.toml:{bad_line}: ")
        assert "profiles.codex.root_dir" in lines[0]
        assert lines[1].startswith(
            ".skillmeat/profiles/broken.toml:2:9: not valid TOML"
        )
        assert lines[2].startswith(".skillmeat/profiles/dir.toml: cannot read")
        assert lines[-1] == "4 files checked, 3 with problems"
        data = project("validate", "--json").json()
        assert [p["line"] for p in data["problems"]] == [bad_line, 2, None]

    def test_named_files_and_markers(self, project: Any, tmp_path: Path) -> None:
        """Named files are checked as given; conflict markers are each reported."""
        file = tmp_path / "app.toml"
        file.write_text(
            "schema_version = 2\n<<<<<<< ours\nx = 1\n=======\nx = 2\n>>>>>>> theirs\n",
            encoding="utf-8",
        )
        result = project("validate", str(file))
        assert result.status == 1
        assert [line.split(": ")[0] for line in result.out.splitlines()[:3]] == [
            f"{file}:2",
            f"{file}:4",
            f"{file}:6",
        ]
        assert "merge conflict" in result.out

    def test_newer_schema_version(self, project: Any, tmp_path: Path) -> None:
        """A file from a newer library is a problem naming the versions."""
        file = tmp_path / "app.toml"
        file.write_text(
            profiles_file(Path.cwd())
            .read_text(encoding="utf-8")
            .replace("schema_version = 2", "schema_version = 9"),
            encoding="utf-8",
        )
        result = project("validate", str(file))
        assert result.status == 1
        assert "schema_version 9" in result.out

    def test_unsupported_schema_is_exit_1(self, project: Any) -> None:
        """Commands that read a newer file exit 1 with one line."""
        file = profiles_file(Path.cwd())
        file.write_text(
            file.read_text(encoding="utf-8").replace(
                "schema_version = 2", "schema_version = 9"
            ),
            encoding="utf-8",
        )
        assert_user_error(project("list"), "schema_version 9", str(file.name))


class TestMigrate:
    """migrate upgrades version-1 files, or says what it would do."""

    def test_dry_run_then_migrate(self, cli: Any) -> None:
        """The dry run writes nothing; the real run upgrades and keeps a backup."""
        file = profiles_file(Path.cwd(), "legacy")
        file.parent.mkdir(parents=True)
        file.write_text(V1_FILE, encoding="utf-8")
        result = cli("migrate", "--dry-run")
        assert result.out == (
            "Would upgrade .skillmeat/profiles/legacy.toml from version 1 to 2\n"
        )
        assert file.read_text(encoding="utf-8") == V1_FILE
        data = cli("migrate", "--json").json()
        assert data["dry_run"] is False
        [migration] = data["migrations"]
        assert (migration["from_version"], migration["to_version"]) == (1, 2)
        assert migration["changed"] is True
        assert Path(migration["backup_path"]).read_text(encoding="utf-8") == V1_FILE
        assert "schema_version = 2" in file.read_text(encoding="utf-8")
        assert cli("migrate").out == "All 1 project files are up to date.\n"

    def test_migrate_text(self, cli: Any) -> None:
        """The text output names the file, the versions and the backup."""
        file = profiles_file(Path.cwd(), "legacy")
        file.parent.mkdir(parents=True)
        file.write_text(V1_FILE, encoding="utf-8")
        text = cli("migrate").out
        assert text.startswith(
            "Upgraded .skillmeat/profiles/legacy.toml from version 1 to 2"
        )
        assert "original kept as" in text


class TestSchemaAndHelp:
    """schema, --help, and the main parser."""

    def test_schema(self, cli: Any) -> None:
        """schema prints the shipped JSON Schema."""
        assert cli("schema").out == json_schema_text()

    @pytest.mark.parametrize(
        "command",
        [
            "init",
            "list",
            "show",
            "create",
            "update",
            "delete",
            "resolve",
            "validate",
            "migrate",
            "schema",
            "merge-driver",
        ],
    )
    def test_help_has_an_example(self, cli: Any, command: str) -> None:
        """--help on every command exits 0 and shows an example."""
        result = cli(command, "--help")
        assert result.status == 0
        assert "example:\n  skillmeat-profiles" in result.out or (
            "example:\n  git config" in result.out
        )

    def test_every_command_has_help(self) -> None:
        """The commands tested above are all the commands."""
        parser = build_parser()
        action = next(a for a in parser._actions if a.dest == "command")
        assert sorted(action.choices) == sorted(  # type: ignore[arg-type]
            [
                "init",
                "list",
                "show",
                "create",
                "update",
                "delete",
                "resolve",
                "validate",
                "migrate",
                "schema",
                "merge-driver",
            ]
        )

    def test_options_before_the_command(self, project: Any) -> None:
        """Common options work before the command too."""
        assert (
            project("--json", "--project", "app", "list").json()["project_id"] == "app"
        )

    def test_lock_timeout_is_exit_1(
        self, project: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A lock timeout is a user-fixable error: exit 1, one line."""

        def timeout(*_args: object, **_kwargs: object) -> None:
            raise LockTimeoutError("another process holds the lock", path="app.toml")

        monkeypatch.setattr(ProfileRepository, "create", timeout)
        assert_user_error(project("create", "x", "--platform", "codex"), "lock")


class TestMergeDriverCommand:
    """merge-driver through run(); the real git tests are in test_merge_driver.py."""

    def test_clean_and_conflict(self, project: Any, tmp_path: Path) -> None:
        """A clean merge exits 0; the same field changed two ways exits 1."""
        base = profiles_file(Path.cwd()).read_text(encoding="utf-8")
        files = {name: tmp_path / name for name in ("base", "ours", "theirs")}
        files["base"].write_text(base, encoding="utf-8")
        files["ours"].write_text(base.replace('".codex"', '".cx"'), encoding="utf-8")
        files["theirs"].write_text(base, encoding="utf-8")
        argv = ["merge-driver", *(str(p) for p in files.values())]
        assert project(*argv).status == 0
        files["theirs"].write_text(base.replace('".codex"', '".cy"'), encoding="utf-8")
        files["ours"].write_text(base.replace('".codex"', '".cx"'), encoding="utf-8")
        result = project(*argv, "--path", "p.toml", "--marker-size", "9")
        assert result.status == 1
        assert result.err == (
            "p.toml: conflict: profiles.codex.root_dir changed both ways: "
            "ours '.cx', theirs '.cy'\n"
        )
        assert "<<<<<<<<< ours" in files["ours"].read_text(encoding="utf-8")

    def test_invalid_merge(self, project: Any, tmp_path: Path) -> None:
        """Fields merge but the whole is invalid: exit 1, saying why."""
        base = profiles_file(Path.cwd()).read_text(encoding="utf-8")
        record = (
            '\n[deployments."codex:skill:x"]\nartifact_name = "x"\n'
            'artifact_type = "skill"\nartifact_path = ".agents/skills/x"\n'
            "deployed_at = 2026-01-01T00:00:00Z\n"
            'deployment_profile_id = "codex"\n'
        )
        start = base.index("[profiles.codex]")
        end = base.index("[profiles.codex.artifact_path_map]")
        end = base.index("\n\n", end) + 1 if "\n\n" in base[end:] else len(base)
        files = {name: tmp_path / name for name in ("base", "ours", "theirs")}
        files["base"].write_text(base, encoding="utf-8")
        files["ours"].write_text(base + record, encoding="utf-8")
        files["theirs"].write_text(base[:start] + base[end:], encoding="utf-8")
        result = project("merge-driver", *(str(p) for p in files.values()))
        assert result.status == 1
        assert "merged, but invalid" in result.err
        assert project("validate", str(files["ours"])).status == 1

    def test_unreadable_version(self, project: Any, tmp_path: Path) -> None:
        """A missing input file: exit 1, naming it."""
        missing = tmp_path / "missing"
        assert_user_error(
            project("merge-driver", str(missing), str(missing), str(missing)), "missing"
        )


class TestInstalled:
    """The console script and ``python -m`` in a subprocess."""

    def test_console_script(self, tmp_path: Path) -> None:
        """The installed skillmeat-profiles runs, with the documented exit codes."""
        script = Path(sys.executable).parent / "skillmeat-profiles"
        env = {**os.environ, "SKILLMEAT_HOME": str(tmp_path / "home")}
        done = subprocess.run(
            [str(script), "init", "--platform", "codex"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert (done.returncode, done.stderr) == (0, "")
        assert "Created project" in done.stdout
        done = subprocess.run(
            [str(script), "show", "nope"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        done = subprocess.run(
            [str(script), "--bogus"], capture_output=True, text=True, check=False
        )
        assert done.returncode == 2

    def test_python_m(self, tmp_path: Path) -> None:
        """python -m skillmeat_profiles is the same command."""
        done = subprocess.run(
            [sys.executable, "-m", "skillmeat_profiles", "schema"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert (done.returncode, done.stdout) == (0, json_schema_text())

    def test_closed_pipe_is_quiet(self, tmp_path: Path) -> None:
        """Output into a pipe closed early ends without a traceback."""
        done = subprocess.run(
            f"'{sys.executable}' -m skillmeat_profiles schema | head -c 10",
            shell=True,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.stdout == json_schema_text()[:10]
        assert "Traceback" not in done.stderr

    def test_library_import_does_not_load_the_cli(self) -> None:
        """Read-only use of the library imports neither _cli nor argparse."""
        code = (
            "import sys, skillmeat_profiles; "
            "print('skillmeat_profiles._cli' in sys.modules, 'argparse' in sys.modules)"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "False False"


DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
#: Objects keyed by data (profile ids, artifact types), not by a fixed shape;
#: and "profile" in update, which the docs abbreviate.
_DATA_KEYED = {"artifact_path_map", "placements", "skipped", "profile"}


def documented_shapes() -> dict[str, Any]:
    """The ``<!-- json: COMMAND -->`` examples of docs/cli.md, parsed."""
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- json: ([\w-]+) -->\n```json\n(.*?)```", text, re.DOTALL)
    return {name: json.loads(body) for name, body in blocks}


def same_shape(documented: Any, actual: Any, where: str = "") -> None:
    """The documented example has the real output's keys, at every level shown."""
    if isinstance(documented, dict):
        assert isinstance(actual, dict), where
        name = where.rsplit(".", 1)[-1]
        if name in _DATA_KEYED:
            assert set(documented) <= set(actual) or not actual, where
        else:
            assert sorted(documented) == sorted(actual), where
        for key in set(documented) & set(actual):
            same_shape(documented[key], actual[key], f"{where}.{key}")
    elif isinstance(documented, list) and documented and actual:
        same_shape(documented[0], actual[0], f"{where}[0]")


class TestDocs:
    """docs/cli.md documents every command and the real JSON shapes."""

    def test_every_command_has_a_section(self) -> None:
        """Each command has a heading in docs/cli.md."""
        text = DOCS.read_text(encoding="utf-8")
        action = next(a for a in build_parser()._actions if a.dest == "command")
        for name in action.choices:  # type: ignore[union-attr]
            assert f"### `{name}" in text, name

    def test_json_shapes_match(self, cli: Any) -> None:
        """Each documented JSON example has the keys the command prints."""
        Path("AGENTS.md").write_text("# agents\n", encoding="utf-8")
        legacy = profiles_file(Path.cwd(), "legacy")
        shapes = documented_shapes()
        assert sorted(shapes) == sorted(
            ["init", "list", "update", "delete", "resolve", "validate", "migrate"]
        )
        actual = {
            "init": cli("init", "--json").json(),
            "list": cli("list", "--json").json(),
        }
        cli("create", "codex", "--platform", "codex")
        actual["update"] = cli(
            "update", "claude_code", "--description", "x", "--json"
        ).json()
        actual["resolve"] = cli("resolve", "command", "git/commit", "--json").json()
        actual["delete"] = cli("delete", "codex", "--json").json()
        legacy.write_text(V1_FILE, encoding="utf-8")
        actual["migrate"] = cli("migrate", "--dry-run", "--json").json()
        legacy.unlink()
        file = profiles_file(Path.cwd())
        file.write_text(
            file.read_text(encoding="utf-8").replace(
                'root_dir = ".claude"', 'root_dir = "../x"'
            ),
            encoding="utf-8",
        )
        actual["validate"] = cli("validate", "--json").json()
        for name, documented in shapes.items():
            same_shape(documented, actual[name], name)


def test_validate_flags_a_link_out_of_the_store(cli: Any, tmp_path: Path) -> None:
    """validate reports a project file linked out of the store, as the store refuses it."""
    assert cli("init").status == 0
    outside = tmp_path / "outside.toml"
    text = profiles_file(Path.cwd()).read_text(encoding="utf-8")
    outside.write_text(text.replace('id = "app"', 'id = "evil"'), encoding="utf-8")
    profiles_file(Path.cwd(), "evil").symlink_to(outside)
    result = cli("validate")
    assert result.status == 1
    assert "evil.toml: the file is a symbolic link to" in result.out
    assert "2 files checked, 1 with problems" in result.out

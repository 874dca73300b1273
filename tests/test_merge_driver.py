"""The merge driver: unit tests of the three-way merge, and real ``git merge`` runs."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from skillmeat_profiles import (
    Deployment,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    ProfileRepository,
    ProfilesError,
)
from skillmeat_profiles._cli import run
from skillmeat_profiles._merge import (
    GITATTRIBUTES_LINE,
    MergeConflict,
    conflict_marker_lines,
    install_merge_driver,
    merge_texts,
)

START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


class Clock:
    """A clock that moves one minute per call, so each write has its own stamp."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def record(profile_id: str, name: str) -> Deployment:
    """A skill deployed through a codex-like profile."""
    return Deployment(
        artifact_name=name,
        artifact_type="skill",
        artifact_path=f".agents/skills/{name}",
        deployed_at=START,
        deployment_profile_id=profile_id,
        platform="codex",
        profile_root_dir=".codex",
    )


def create(repo: ProfileRepository, profile_id: str, platform: str = "codex") -> None:
    """Add a profile with the platform's defaults."""
    repo.create(
        "app", DeploymentProfileCreate(profile_id=profile_id, platform=platform)
    )


def update(repo: ProfileRepository, profile_id: str, **fields: Any) -> None:
    """Change fields of a profile."""
    repo.update("app", profile_id, DeploymentProfileUpdate(**fields))


def base_repo(root: Path) -> ProfileRepository:
    """A store with profiles a, c and e, and one record of a."""
    repo = ProfileRepository(root, clock=Clock())
    repo.create_project("app", header="#:schema ../profile.schema.json\n")
    for profile_id in ("a", "c", "e"):
        create(repo, profile_id)
    repo.record_deployment("app", record("a", "one"))
    return repo


Change = Callable[[ProfileRepository], object]

SIDES = ("base", "ours", "theirs")

#: Ways one version can fail to be a project file the library loads.
BROKEN: dict[str, Callable[[str], str]] = {
    "not TOML": lambda text: text + "[unclosed\n",
    "invalid data": lambda text: text.replace('root_dir = ".codex"', 'root_dir = ".."'),
    "newer schema": lambda text: text.replace(
        "schema_version = 2", "schema_version = 9"
    ),
}


def app_text(root: Path) -> str:
    """The text of the base store's project file, made under ``root``."""
    folder = root / "made"
    folder.mkdir()
    return base_repo(folder).path_for("app").read_text(encoding="utf-8")


def two_writes(repo: ProfileRepository) -> None:
    """Change the description of c twice: two stamps, the later one last."""
    update(repo, "c", description="x")
    update(repo, "c", description="Changed")


#: Pairs of changes on two branches that touch different profiles, records or
#: fields, often on neighbouring lines; each must merge cleanly.
CLEAN: dict[str, tuple[Change, Change]] = {
    "profiles added at the same place": (
        lambda r: create(r, "b1"),
        lambda r: create(r, "b2", "gemini"),
    ),
    "different fields of one profile": (
        lambda r: update(r, "c", root_dir=".cx"),
        lambda r: update(r, "c", description="Changed"),
    ),
    "neighbouring profiles edited": (
        lambda r: update(r, "a", description="A"),
        lambda r: update(r, "c", description="C"),
    ),
    "records added at the same place": (
        lambda r: r.record_deployment("app", record("a", "two")),
        lambda r: r.record_deployment("app", record("c", "three")),
    ),
    "delete one profile, edit another": (
        lambda r: r.delete("app", "e"),
        lambda r: update(r, "c", root_dir=".cy"),
    ),
    "map entries of one profile": (
        lambda r: update(
            r,
            "a",
            artifact_path_map={
                "skill": "/.agents/skills/*/",
                "agent": "agents/*.toml",
                "hook": "hooks.json#hooks",
                "mcp": "config.toml#mcp_servers",
                "command": "prompts/*.md",
            },
            supported_artifact_types=["skill", "agent", "hook", "mcp", "command"],
        ),
        lambda r: update(
            r,
            "a",
            artifact_path_map={
                "skill": "/.agents/skills/*/",
                "agent": "subagents/*.toml",
                "hook": "hooks.json#hooks",
                "mcp": "config.toml#mcp_servers",
            },
        ),
    ),
}


class TestMergeTexts:
    """merge_texts on three versions written by the store."""

    def versions(self, tmp_path: Path, ours: Change, theirs: Change) -> list[str]:
        """The base, ours and theirs texts after each branch's change."""
        texts = []
        for index, change in enumerate((None, ours, theirs)):
            root = tmp_path / str(index)
            root.mkdir()
            repo = base_repo(root)
            if change is not None:
                change(repo)
            texts.append(repo.path_for("app").read_text(encoding="utf-8"))
        return texts

    @pytest.mark.parametrize("case", sorted(CLEAN))
    def test_clean_both_ways(self, tmp_path: Path, case: str) -> None:
        """Each pair merges cleanly, in either order, to the same file."""
        base, ours, theirs = self.versions(tmp_path, *CLEAN[case])
        forward = merge_texts(base, ours, theirs)
        backward = merge_texts(base, theirs, ours)
        assert forward.clean
        assert forward.text == backward.text
        assert forward.text.startswith("#:schema ../profile.schema.json\n")
        assert ProfileRepository(tmp_path).load_file(self.write(tmp_path, forward.text))

    def write(self, tmp_path: Path, text: str) -> Path:
        """Write ``text`` as a project file and return its path."""
        path = tmp_path / "app.toml"
        path.write_text(text, encoding="utf-8")
        return path

    def test_updated_at_takes_the_later(self, tmp_path: Path) -> None:
        """Both sides stamped a profile: the merge keeps the later stamp."""
        base, ours, theirs = self.versions(
            tmp_path,
            lambda r: update(r, "c", root_dir=".cx"),
            # Two writes: this side's stamp is one minute later.
            two_writes,
        )
        merged = ProfileRepository(tmp_path).load_file(
            self.write(tmp_path, merge_texts(base, ours, theirs).text)
        )
        profile = merged.profile("c")
        assert (profile.root_dir, profile.description) == (".cx", "Changed")
        assert profile.updated_at == START + timedelta(minutes=6)

    def test_same_field_two_ways(self, tmp_path: Path) -> None:
        """One field changed two ways is a conflict with markers validate flags."""
        base, ours, theirs = self.versions(
            tmp_path,
            lambda r: update(r, "c", root_dir=".ours"),
            lambda r: update(r, "c", root_dir=".theirs"),
        )
        result = merge_texts(base, ours, theirs, marker_size=7)
        assert not result.clean
        assert result.conflicts == (
            MergeConflict("profiles.c.root_dir", ".codex", ".ours", ".theirs"),
        )
        lines = result.text.splitlines()
        start = lines.index("<<<<<<< ours")
        assert lines[start : start + 5] == [
            "<<<<<<< ours",
            'root_dir = ".ours"',
            "=======",
            'root_dir = ".theirs"',
            ">>>>>>> theirs",
        ]
        assert conflict_marker_lines(result.text) == [start + 1, start + 3, start + 5]

    def test_delete_against_edit(self, tmp_path: Path) -> None:
        """A profile deleted on one side and edited on the other is a conflict."""
        base, ours, theirs = self.versions(
            tmp_path,
            lambda r: r.delete("app", "e"),
            lambda r: update(r, "e", description="kept"),
        )
        result = merge_texts(base, ours, theirs)
        [conflict] = result.conflicts
        assert conflict.field == "profiles.e"
        assert conflict.ours is None
        assert "(deleted)" in conflict.describe()
        assert "a table of" in conflict.describe()

    def test_record_naming_a_deleted_profile(self, tmp_path: Path) -> None:
        """Fields merge, but a record names the profile the other side deleted."""
        base, ours, theirs = self.versions(
            tmp_path,
            lambda r: r.record_deployment("app", record("e", "late")),
            lambda r: r.delete("app", "e"),
        )
        result = merge_texts(base, ours, theirs, path="app.toml")
        assert result.conflicts == ()
        assert result.problem is not None
        assert "names profile 'e'" in result.problem.message
        assert result.problem.line is not None

    def test_added_on_both_branches(self) -> None:
        """An empty base (the file added on both sides) merges the two additions."""
        repo_text = (
            'schema_version = 2\n[project]\nid = "app"\nname = "app"\n'
            "created_at = 2026-01-01T00:00:00Z\nupdated_at = 2026-01-01T00:00:00Z\n"
        )
        result = merge_texts("", repo_text, repo_text)
        assert result.clean
        assert result.text == repo_text.replace("\n[project]", "\n\n[project]")

    def test_older_base_is_upgraded(self, tmp_path: Path) -> None:
        """A version-1 base merges with version-2 sides."""
        v1 = (
            'schema_version = 1\n[project]\nid = "app"\nname = "app"\n'
            "created_at = 2026-01-01T00:00:00Z\n"
        )
        v2 = merge_texts(v1, v1, v1).text
        assert "schema_version = 2" in v2
        ours = v2.replace('name = "app"', 'name = "Ours"')
        assert 'name = "Ours"' in merge_texts(v1, ours, v2).text

    @pytest.mark.parametrize("side", [0, 1, 2])
    @pytest.mark.parametrize("kind", sorted(BROKEN))
    def test_invalid_side_is_a_whole_file_conflict(
        self, tmp_path: Path, side: int, kind: str
    ) -> None:
        """A version that is not a valid project file: both sides whole, marked."""
        good = app_text(tmp_path)
        ours = good.replace('name = "app"', 'name = "Ours"')
        theirs = good.replace('name = "app"', 'name = "Theirs"')
        texts = [good, ours, theirs]
        texts[side] = BROKEN[kind](texts[side])
        sources = ("b.toml", "o.toml", "t.toml")
        result = merge_texts(*texts, path="app.toml", sources=sources)
        assert not result.clean
        [error] = result.errors
        assert error.path == sources[side]
        assert f"the {SIDES[side]} version is not a valid project file" in str(error)
        assert result.text == (
            f"<<<<<<< ours\n{texts[1]}=======\n{texts[2]}>>>>>>> theirs\n"
        )
        assert conflict_marker_lines(result.text) == [
            1,
            texts[1].count("\n") + 2,
            result.text.count("\n"),
        ]

    def test_invalid_side_without_sources_names_the_path(self) -> None:
        """Without sources, the error names path, with the line of the bad TOML."""
        result = merge_texts("", "[x", "", path="p.toml", marker_size=9)
        [error] = result.errors
        assert str(error).startswith("p.toml:1:")
        assert "not valid TOML" in error.message
        assert result.text.startswith("<<<<<<<<< ours\n[x\n=========\n")


class TestDriverCommand:
    """``skillmeat-profiles merge-driver`` as git runs it."""

    def files(self, tmp_path: Path, theirs: str | None = None) -> list[str]:
        """BASE, OURS and THEIRS files; ours renames the project."""
        good = app_text(tmp_path)
        texts = [good, good.replace('name = "app"', 'name = "Ours"'), theirs or good]
        paths = []
        for name, text in zip(("base", "ours", "theirs"), texts, strict=True):
            path = tmp_path / f".merge_file_{name}"
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        return paths

    def test_invalid_theirs_is_flagged_by_validate(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Their broken version: exit 1, both sides marked, validate flags the file."""
        base, ours, theirs = self.files(tmp_path, theirs="schema_version = 2\n[x\n")
        status = run(["merge-driver", base, ours, theirs, "--path", "app.toml"])
        err = capsys.readouterr().err
        assert status == 1
        assert f"app.toml: not merged: {theirs}:2:" in err
        assert "the theirs version is not a valid project file" in err
        text = Path(ours).read_text(encoding="utf-8")
        assert 'name = "Ours"' in text
        assert "[x\n" in text
        store = tmp_path / "store" / ".skillmeat" / "profiles"
        store.mkdir(parents=True)
        (store / "app.toml").write_text(text, encoding="utf-8")
        monkeypatch.chdir(tmp_path / "store")
        assert run(["validate"]) == 1
        out = capsys.readouterr().out
        assert ".skillmeat/profiles/app.toml:1: unresolved merge conflict" in out

    def test_unreadable_version_is_one_clean_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A missing BASE: one line naming the file, no errno text, OURS untouched."""
        _, ours, theirs = self.files(tmp_path)
        before = Path(ours).read_bytes()
        missing = str(tmp_path / "gone")
        assert run(["merge-driver", missing, ours, theirs]) == 1
        err = capsys.readouterr().err
        assert err == (
            f"skillmeat-profiles: error: {missing}: cannot read the base version "
            "to merge: No such file or directory; check that the file exists and "
            "can be read\n"
        )
        assert Path(ours).read_bytes() == before

    @pytest.mark.parametrize("size", ["0", "-3", "seven"])
    def test_marker_size_must_be_positive(
        self, tmp_path: Path, size: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--marker-size below 1, or not a number, is a usage error."""
        base, ours, theirs = self.files(tmp_path)
        assert run(["merge-driver", base, ours, theirs, "--marker-size", size]) == 2
        assert "argument --marker-size" in capsys.readouterr().err


class FakeGit:
    """A stand-in for git that records calls and answers from a table."""

    def __init__(self, answers: dict[str, tuple[int, str]]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, args: list[str], cwd: Path) -> tuple[int, str]:
        self.calls.append(args)
        for prefix, answer in self.answers.items():
            if " ".join(args).startswith(prefix):
                return answer
        return 0, ""


class TestInstallMergeDriver:
    """install_merge_driver without git, through a fake runner."""

    def test_appends_to_existing_attributes(self, tmp_path: Path) -> None:
        """An existing .gitattributes without a final newline gets the line appended."""
        (tmp_path / ".gitattributes").write_text("*.png binary", encoding="utf-8")
        fake = FakeGit({"config --local --get": (1, "")})
        changed = install_merge_driver(tmp_path, runner=fake)
        assert len(changed) == 3
        assert (tmp_path / ".gitattributes").read_text(encoding="utf-8") == (
            f"*.png binary\n{GITATTRIBUTES_LINE}\n"
        )

    def test_git_config_failure(self, tmp_path: Path) -> None:
        """A failing git config is a ProfilesError with git's message."""
        fake = FakeGit({"config --local --get": (1, ""), "config": (3, "locked")})
        with pytest.raises(ProfilesError, match="locked"):
            install_merge_driver(tmp_path, runner=fake)

    def test_unwritable_attributes(self, tmp_path: Path) -> None:
        """A .gitattributes that cannot be read is a ProfilesError."""
        (tmp_path / ".gitattributes").mkdir()
        with pytest.raises(ProfilesError, match=r"cannot update \.gitattributes"):
            install_merge_driver(tmp_path, runner=FakeGit({}))

    def test_missing_git(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """No git on PATH is a ProfilesError saying what to do."""
        monkeypatch.setenv("PATH", str(tmp_path))
        with pytest.raises(ProfilesError, match="cannot run git"):
            install_merge_driver(tmp_path)


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git in ``root``."""
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=check
    )


def make_repo(root: Path) -> ProfileRepository:
    """A git repository with the merge driver and a committed base store."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    git(root, "config", "commit.gpgsign", "false")
    program = f"{shlex.quote(sys.executable)} -m skillmeat_profiles"
    assert install_merge_driver(root, program=program)
    assert install_merge_driver(root, program=program) == []
    repo = base_repo(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return repo


def branch_change(
    root: Path, repo: ProfileRepository, name: str, change: Change
) -> None:
    """Commit ``change`` on a new branch ``name``, then go back to main."""
    git(root, "checkout", "-q", "-b", name, "main")
    change(repo)
    git(root, "commit", "-q", "-am", name)
    git(root, "checkout", "-q", "main")


pytestmark_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.mark.git
@pytestmark_git
class TestRealGit:
    """git merge with the driver configured as docs/cli.md says."""

    @pytest.mark.parametrize("case", sorted(CLEAN))
    def test_clean_merges(self, tmp_path: Path, case: str) -> None:
        """Changes to different profiles, records or fields merge cleanly."""
        root = tmp_path / "repo"
        repo = make_repo(root)
        ours, theirs = CLEAN[case]
        branch_change(root, repo, "feature", theirs)
        ours(repo)
        git(root, "commit", "-q", "-am", "main change")
        merged = git(root, "merge", "--no-edit", "feature", check=False)
        assert merged.returncode == 0, merged.stdout + merged.stderr
        text = repo.path_for("app").read_text(encoding="utf-8")
        assert conflict_marker_lines(text) == []
        assert ProfileRepository(root).load_file(repo.path_for("app"))
        assert git(root, "status", "--porcelain").stdout == ""

    def test_without_the_driver_git_conflicts(self, tmp_path: Path) -> None:
        """The control: plain git cannot merge profiles added at one place."""
        root = tmp_path / "repo"
        repo = make_repo(root)
        (root / ".gitattributes").unlink()
        git(root, "commit", "-q", "-am", "no driver")
        ours, theirs = CLEAN["profiles added at the same place"]
        branch_change(root, repo, "feature", theirs)
        ours(repo)
        git(root, "commit", "-q", "-am", "main change")
        assert git(root, "merge", "--no-edit", "feature", check=False).returncode != 0

    def test_invalid_version_is_a_whole_file_conflict(self, tmp_path: Path) -> None:
        """Their file is not TOML: git reports a conflict and ours is kept whole."""
        root = tmp_path / "repo"
        repo = make_repo(root)
        file = repo.path_for("app")

        def corrupt(_: ProfileRepository) -> None:
            file.write_text(file.read_text(encoding="utf-8") + "[x\n", "utf-8")

        branch_change(root, repo, "feature", corrupt)
        update(repo, "c", root_dir=".a")
        git(root, "commit", "-q", "-am", "main change")
        merged = git(root, "merge", "--no-edit", "feature", check=False)
        assert merged.returncode != 0
        assert "the theirs version is not a valid project file" in merged.stderr
        text = file.read_text(encoding="utf-8")
        assert conflict_marker_lines(text)[0] == 1
        assert 'root_dir = ".a"' in text

    def test_conflict_is_flagged(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The same field two ways: git reports a conflict, validate flags it."""
        root = tmp_path / "repo"
        repo = make_repo(root)
        branch_change(root, repo, "feature", lambda r: update(r, "c", root_dir=".b"))
        update(repo, "c", root_dir=".a")
        git(root, "commit", "-q", "-am", "main change")
        merged = git(root, "merge", "--no-edit", "feature", check=False)
        assert merged.returncode != 0
        assert "profiles.c.root_dir changed both ways" in merged.stderr + merged.stdout
        monkeypatch.chdir(root)
        capsys.readouterr()
        assert run(["validate"]) == 1
        out = capsys.readouterr().out.splitlines()
        assert len(out) == 4
        assert all(
            line.startswith(".skillmeat/profiles/app.toml:")
            and "merge conflict" in line
            for line in out[:3]
        )

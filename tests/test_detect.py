"""Detecting the platforms of a project on disk, and classifying its files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skillmeat_profiles import (
    ArtifactType,
    InvalidDataError,
    NotFoundError,
    PlacementKind,
    Platform,
    ProfilesError,
    default_profile,
    detect_platforms,
)
from skillmeat_profiles._convert import sorted_types
from skillmeat_profiles._detect import Detection, Evidence

FILES = {
    ".claude/skills/review/SKILL.md": "---\nname: review\n---\n",
    ".claude/skills/review/scripts/run.sh": "#!/bin/sh\n",
    ".claude/commands/git/commit.md": "Commit.\n",
    ".claude/agents/ai/code-review.md": "Review.\n",
    ".codex/config.toml": "[mcp_servers.github]\ncommand = 'gh'\n",
    ".agents/skills/lint/SKILL.md": "---\nname: lint\n---\n",
    ".gemini/commands/x.toml": "prompt = 'x'\n",
    "AGENTS.md": "# Agents\n",
    "CLAUDE.md": "# Claude\n",
    ".cursor/rules/x.mdc": "---\nalwaysApply: true\n---\n",
    ".mcp.json": '{"mcpServers": {}}\n',
    "src/main.py": "print('hi')\n",
}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the project, with files an attacker could point to."""
    folder = tmp_path / "outside"
    (folder / "skills" / "evil").mkdir(parents=True)
    (folder / "skills" / "evil" / "SKILL.md").write_text("evil\n")
    (folder / "GEMINI.md").write_text("not ours\n")
    return folder


@pytest.fixture
def repo(tmp_path: Path, outside: Path) -> Path:
    """A multi-agent repository, with symlinks pointing inside and outside."""
    root = tmp_path / "repo"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    # Outside: a whole skills folder, an instruction file, a folder in a skill.
    (root / ".cursor" / "skills").symlink_to(outside / "skills")
    (root / "GEMINI.md").symlink_to(outside / "GEMINI.md")
    (root / ".claude" / "skills" / "review" / "vendor").symlink_to(outside)
    # Inside: Codex's agents folder shares Claude's (a relative link).
    (root / ".codex" / "agents").symlink_to(Path("..") / ".claude" / "agents")
    return root


def _paths(evidence: tuple[Evidence, ...]) -> list[str]:
    return [item.path for item in evidence]


class TestDetectRepository:
    """detect_platforms on a realistic multi-agent repository."""

    def test_platforms_found(self, repo: Path) -> None:
        """Each platform with evidence of its own is found, in Platform order."""
        detection = detect_platforms(repo)
        assert detection.platforms_found == (
            Platform.CLAUDE_CODE,
            Platform.CODEX,
            Platform.GEMINI,
            Platform.CURSOR,
        )
        assert list(detection.platforms) == list(detection.platforms_found)

    def test_evidence_per_platform(self, repo: Path) -> None:
        """The evidence lists the folders and files that point to each platform."""
        detection = detect_platforms(repo)
        assert _paths(detection.platforms[Platform.CLAUDE_CODE]) == [
            ".claude",
            ".claude/agents",
            ".claude/commands",
            ".claude/skills",
            ".mcp.json",
            "CLAUDE.md",
        ]
        assert _paths(detection.platforms[Platform.CODEX]) == [
            ".codex",
            ".codex/agents",
            ".codex/config.toml",
        ]
        assert _paths(detection.platforms[Platform.GEMINI]) == [
            ".gemini",
            ".gemini/commands",
        ]
        assert _paths(detection.platforms[Platform.CURSOR]) == [
            ".cursor",
            ".cursor/rules",
        ]
        for platform, items in detection.platforms.items():
            assert all(item.candidates == (platform,) for item in items)

    def test_reasons(self, repo: Path) -> None:
        """Reasons say what a path is, and when a symlink inside was followed."""
        detection = detect_platforms(repo)
        by_path = {
            item.path: item.reason
            for items in detection.platforms.values()
            for item in items
        }
        assert by_path[".mcp.json"] == (
            "file .mcp.json: the config file of claude_code mcp entries (under "
            "mcpServers)"
        )
        assert by_path["CLAUDE.md"] == (
            "file CLAUDE.md: an instruction file that claude_code reads"
        )
        assert by_path[".codex/agents"] == (
            "folder .codex/agents/ (through a symlink inside the project): where "
            "codex keeps agents"
        )
        assert by_path[".claude"] == (
            "folder .claude/: the root_dir of the default claude_code profile"
        )

    def test_ambiguous_evidence(self, repo: Path) -> None:
        """AGENTS.md and the shared .agents/ folders name no platform alone."""
        detection = detect_platforms(repo)
        assert [(e.path, e.candidates) for e in detection.ambiguous] == [
            (".agents", (Platform.CODEX, Platform.OTHER)),
            (".agents/skills", (Platform.CODEX, Platform.OTHER)),
            ("AGENTS.md", (Platform.CODEX, Platform.CURSOR, Platform.OTHER)),
        ]
        assert detection.ambiguous[2].reason == (
            "file AGENTS.md: an instruction file that codex, cursor, other "
            "reads; it is read by several platforms (codex, cursor, other), so "
            "it names none of them alone"
        )
        assert Platform.OTHER not in detection.platforms

    def test_symlinks_outside_are_ignored(self, repo: Path, outside: Path) -> None:
        """Symlinks that leave the project are reported and never followed."""
        detection = detect_platforms(repo)
        assert [(e.path, e.candidates) for e in detection.ignored] == [
            (".cursor/skills", (Platform.CURSOR,)),
            ("GEMINI.md", (Platform.GEMINI,)),
        ]
        assert detection.ignored[0].reason == (
            f".cursor/skills: a symlink to {outside / 'skills'}, outside the "
            "project; not followed"
        )
        assert ".cursor/skills" not in _paths(detection.platforms[Platform.CURSOR])

    def test_detection_is_read_only(self, repo: Path) -> None:
        """The result cannot be changed, and detecting writes nothing."""
        before = sorted(str(p) for p in repo.rglob("*"))
        detection = detect_platforms(str(repo))
        with pytest.raises(TypeError):
            detection.platforms[Platform.OTHER] = ()  # type: ignore[index]
        assert sorted(str(p) for p in repo.rglob("*")) == before

    def test_classify_every_file(self, repo: Path) -> None:
        """Each file of the repository classifies as expected under each profile."""
        expected = {
            ("claude_code", ".claude/skills/review/SKILL.md"): ("skill", "review"),
            ("claude_code", ".claude/skills/review/scripts/run.sh"): (
                "skill",
                "review",
            ),
            ("claude_code", ".claude/commands/git/commit.md"): (
                "command",
                "git/commit",
            ),
            ("claude_code", ".claude/agents/ai/code-review.md"): (
                "agent",
                "ai/code-review",
            ),
            ("codex", ".agents/skills/lint/SKILL.md"): ("skill", "lint"),
            ("other", ".agents/skills/lint/SKILL.md"): ("skill", "lint"),
            ("gemini", ".gemini/commands/x.toml"): ("command", "x"),
        }
        files = []
        for dirpath, _dirs, names in os.walk(repo):  # os.walk follows no symlink
            for name in names:
                full = Path(dirpath) / name
                if not full.is_symlink():
                    files.append(full.relative_to(repo).as_posix())
        assert sorted(files) == sorted(FILES)
        for platform in Platform:
            profile = default_profile(platform)
            for rel in files:
                want = expected.get((str(platform), rel))
                got = profile.classify(rel)
                assert got == (
                    None if want is None else (ArtifactType(want[0]), want[1])
                ), (platform, rel)
        # A path inside a skill's symlinked folder still belongs to the skill.
        claude = default_profile("claude_code")
        assert claude.classify(".claude/skills/review/vendor/x") == (
            ArtifactType.SKILL,
            "review",
        )


class TestDetectEdgeCases:
    """Symlinks, odd files and the project folder itself."""

    def test_empty_project(self, tmp_path: Path) -> None:
        """An empty folder has no evidence at all."""
        assert detect_platforms(tmp_path) == Detection({}, (), ())

    def test_every_default_marker_is_evidence(self, tmp_path: Path) -> None:
        """A tree with every default location finds every platform."""
        for platform in Platform:
            profile = default_profile(platform)
            (tmp_path / profile.root_dir).mkdir(exist_ok=True)
            for member in sorted_types(profile.supported_artifact_types):
                location = profile.location(member)
                base = tmp_path / location.base(profile.root_dir)
                if location.kind is PlacementKind.CONFIG_ENTRY:
                    base.parent.mkdir(parents=True, exist_ok=True)
                    base.write_text("{}")
                else:
                    base.mkdir(parents=True, exist_ok=True)
        (tmp_path / ".agents" / "specs").mkdir()
        assert detect_platforms(tmp_path).platforms_found == tuple(Platform)

    def test_symlinked_root_dir_outside(self, tmp_path: Path, outside: Path) -> None:
        """A root_dir linked outside hides everything under it, reported once."""
        root = tmp_path / "p"
        root.mkdir()
        (outside / "skills" / "x").mkdir()
        (root / ".claude").symlink_to(outside)
        detection = detect_platforms(root)
        assert detection.platforms == {}
        assert _paths(detection.ignored) == [".claude"]

    def test_dangling_and_looping_symlinks(self, tmp_path: Path) -> None:
        """Links to nothing, or to themselves, are reported and skipped."""
        (tmp_path / "CLAUDE.md").symlink_to(tmp_path / "missing.md")
        (tmp_path / ".gemini").symlink_to(tmp_path / ".gemini")
        detection = detect_platforms(tmp_path)
        assert detection.platforms == {}
        assert _paths(detection.ignored) == [".gemini", "CLAUDE.md"]
        assert all("cannot be read" in e.reason for e in detection.ignored)

    def test_wrong_kind_is_not_evidence(self, tmp_path: Path) -> None:
        """A path of the wrong kind (folder, file, FIFO) is not evidence."""
        (tmp_path / ".mcp.json").mkdir()
        (tmp_path / ".codex").write_text("not a folder")
        os.mkfifo(tmp_path / "CLAUDE.md")
        detection = detect_platforms(tmp_path)
        assert detection.platforms == {}
        assert detection.ignored == ()

    def test_unreadable_path_is_reported(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A path that cannot be stat'ed is reported, never raised."""
        (tmp_path / ".claude").mkdir()
        real = os.lstat

        def lstat(path: str) -> os.stat_result:
            if os.path.basename(path) == ".claude":
                raise PermissionError(13, "Permission denied")
            return real(path)

        monkeypatch.setattr(os, "lstat", lstat)
        detection = detect_platforms(tmp_path)
        assert [(e.path, e.reason) for e in detection.ignored] == [
            (".claude", ".claude: cannot be read (Permission denied); not followed")
        ]

    def test_missing_project(self, tmp_path: Path) -> None:
        """A missing project folder is a NotFoundError naming it."""
        missing = tmp_path / "nope"
        with pytest.raises(NotFoundError) as info:
            detect_platforms(missing)
        assert info.value.path == str(missing)
        assert str(info.value).startswith(
            f"{missing}: the project folder does not exist"
        )

    def test_project_is_a_file(self, tmp_path: Path) -> None:
        """A file instead of a folder is an InvalidDataError naming it."""
        file = tmp_path / "f.txt"
        file.write_text("x")
        with pytest.raises(InvalidDataError, match="not a folder") as info:
            detect_platforms(file)
        assert info.value.path == str(file)

    def test_unreadable_project(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A project folder that cannot be listed is a ProfilesError naming it."""

        def listdir(path: str) -> list[str]:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(os, "listdir", listdir)
        with pytest.raises(ProfilesError, match="cannot be read") as info:
            detect_platforms(tmp_path)
        assert info.value.path == str(tmp_path)
        assert not isinstance(info.value, OSError)

    def test_nul_in_path(self) -> None:
        """A path with a NUL character is a ProfilesError, not a ValueError."""
        with pytest.raises(ProfilesError, match="cannot be read"):
            detect_platforms("bad\x00path")

    @pytest.mark.parametrize("value", [None, 3, b"/tmp"])
    def test_not_a_path(self, value: object) -> None:
        """Values that are not text paths are refused."""
        with pytest.raises(InvalidDataError, match="project_dir"):
            detect_platforms(value)  # type: ignore[arg-type]

    def test_pathlike_returning_bytes(self) -> None:
        """A PathLike that gives bytes is refused."""

        class BytesPath:
            def __fspath__(self) -> bytes:
                return b"/tmp"

        with pytest.raises(InvalidDataError, match="not a text path"):
            detect_platforms(BytesPath())  # type: ignore[arg-type]

"""The built-in default profile of every platform: the one place these values live.

Each value comes from the platform's own documentation; ``docs/platforms.md``
cites the source of each and the date it was checked (``CHECKED``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from ._enums import ArtifactType, Platform

if TYPE_CHECKING:
    from ._models import DeploymentProfile

__all__ = ["CHECKED", "default_fields", "default_profile"]

#: When the defaults below were last checked against each platform's docs.
CHECKED: Final = datetime(2026, 12, 4, tzinfo=UTC)

_S, _C, _A, _H, _M = (
    ArtifactType.SKILL,
    ArtifactType.COMMAND,
    ArtifactType.AGENT,
    ArtifactType.HOOK,
    ArtifactType.MCP,
)

_DEFAULTS: Final[dict[Platform, dict[str, Any]]] = {
    Platform.CLAUDE_CODE: {
        "root_dir": ".claude",
        "artifact_path_map": {
            _S: "skills/*/",
            _C: "commands/*.md",
            _A: "agents/*.md",
            _H: "settings.json#hooks",
            _M: "/.mcp.json#mcpServers",
        },
        "project_config_filenames": ("CLAUDE.md", "CLAUDE.local.md"),
        "context_path_prefixes": (".claude/rules", ".claude/specs", ".claude/context"),
        "supported_artifact_types": frozenset({_S, _C, _A, _H, _M}),
        "description": "Claude Code: .claude/ and CLAUDE.md",
    },
    Platform.CODEX: {
        "root_dir": ".codex",
        # Codex reads project prompts only at user level (~/.codex/prompts),
        # so a project profile has no place for commands.
        "artifact_path_map": {
            _S: "/.agents/skills/*/",
            _A: "agents/*.toml",
            _H: "hooks.json#hooks",
            _M: "config.toml#mcp_servers",
        },
        "project_config_filenames": ("AGENTS.md", "AGENTS.override.md"),
        "context_path_prefixes": (".codex/specs", ".codex/context"),
        "supported_artifact_types": frozenset({_S, _A, _H, _M}),
        "description": "Codex CLI: .codex/, .agents/skills and AGENTS.md",
    },
    Platform.GEMINI: {
        "root_dir": ".gemini",
        "artifact_path_map": {
            _S: "skills/*/",
            _C: "commands/*.toml",
            _A: "agents/*.md",
            _H: "settings.json#hooks",
            _M: "settings.json#mcpServers",
        },
        "project_config_filenames": ("GEMINI.md",),
        "context_path_prefixes": (".gemini/specs", ".gemini/context"),
        "supported_artifact_types": frozenset({_S, _C, _A, _H, _M}),
        "description": "Gemini CLI: .gemini/ and GEMINI.md",
    },
    Platform.CURSOR: {
        "root_dir": ".cursor",
        "artifact_path_map": {
            _S: "skills/*/",
            _C: "commands/*.md",
            _A: "agents/*.md",
            _H: "hooks.json#hooks",
            _M: "mcp.json#mcpServers",
        },
        "project_config_filenames": ("AGENTS.md",),
        "context_path_prefixes": (".cursor/rules", ".cursor/specs"),
        "supported_artifact_types": frozenset({_S, _C, _A, _H, _M}),
        "description": "Cursor: .cursor/ and AGENTS.md",
    },
    Platform.OTHER: {
        "root_dir": ".agents",
        "artifact_path_map": {_S: "skills/*/"},
        "project_config_filenames": ("AGENTS.md",),
        "context_path_prefixes": (".agents/specs",),
        "supported_artifact_types": frozenset({_S}),
        "description": "Any agent that reads the shared .agents/skills and AGENTS.md",
    },
}


def default_fields(platform: Platform) -> MappingProxyType[str, Any]:
    """The raw default field values of ``platform``'s built-in profile."""
    return MappingProxyType(_DEFAULTS[platform])


def default_profile(
    platform: Platform | str, *, profile_id: str | None = None
) -> DeploymentProfile:
    """The built-in default profile of ``platform``.

    Its ``profile_id`` is the platform's value (``claude_code``) unless given,
    and its timestamps are ``CHECKED``, the date the defaults were last
    checked against the platform's documentation.
    """
    from ._convert import enum_member
    from ._models import DeploymentProfileCreate

    member = enum_member(Platform, platform, "platform")
    create = DeploymentProfileCreate(
        profile_id=profile_id if profile_id is not None else member.value,
        platform=member,
    )
    return create.build(now=CHECKED)

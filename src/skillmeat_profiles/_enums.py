"""The enumerations of the domain: platforms, artifact types and placement kinds."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ArtifactType", "PlacementKind", "Platform"]


class Platform(StrEnum):
    """A coding agent that artifacts are deployed to.

    ``CLAUDE_CODE`` is the primary platform. Adding a platform takes one
    member here and one built-in default profile in ``_defaults.py``.
    """

    #: Anthropic's Claude Code (``.claude/``, ``CLAUDE.md``); the primary platform.
    CLAUDE_CODE = "claude_code"
    #: OpenAI's Codex CLI (``.codex/``, ``.agents/skills``, ``AGENTS.md``).
    CODEX = "codex"
    #: Google's Gemini CLI (``.gemini/``, ``GEMINI.md``).
    GEMINI = "gemini"
    #: The Cursor editor (``.cursor/``).
    CURSOR = "cursor"
    #: Any other agent that follows the shared ``.agents/`` and ``AGENTS.md`` layout.
    OTHER = "other"


class ArtifactType(StrEnum):
    """The kinds of artifact a profile can place."""

    #: A folder holding ``SKILL.md`` and its resources.
    SKILL = "skill"
    #: A slash command (or prompt): one file.
    COMMAND = "command"
    #: A subagent definition: one file.
    AGENT = "agent"
    #: A hook: an entry under ``hooks`` in a settings file.
    HOOK = "hook"
    #: An MCP server: an entry inside an MCP config file.
    MCP = "mcp"


class PlacementKind(StrEnum):
    """What shape an artifact takes where it is placed."""

    #: A folder of its own (a skill, holding ``SKILL.md``).
    FOLDER = "folder"
    #: A file of its own, with the platform's format and suffix.
    FILE = "file"
    #: An entry inside a shared config file, under a dotted key.
    CONFIG_ENTRY = "config_entry"

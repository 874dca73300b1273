"""The README's walkthrough, run command by command, so the docs match the tool."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from skillmeat_profiles._cli import run

if TYPE_CHECKING:
    import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
PROMPT = "$ skillmeat-profiles "


def walkthrough() -> list[tuple[str, str]]:
    """The (command line, expected output) pairs of the README's walkthrough block."""
    text = README.read_text(encoding="utf-8")
    section = re.search(
        r"<!-- walkthrough:start.*?```console\n(.*?)```.*?<!-- walkthrough:end -->",
        text,
        re.DOTALL,
    )
    assert section is not None, "README.md has no delimited walkthrough section"
    steps: list[tuple[str, list[str]]] = []
    for line in section.group(1).splitlines():
        if line.startswith("$ "):
            assert line.startswith(PROMPT), f"not a skillmeat-profiles command: {line}"
            steps.append((line[len(PROMPT) :], []))
        else:
            assert steps, "output before the first command"
            steps[-1][1].append(line)
    return [(command, "\n".join(lines)) for command, lines in steps]


def test_walkthrough_covers_the_main_commands() -> None:
    """The walkthrough shows init, list, create, resolve and validate."""
    commands = {shlex.split(command)[0] for command, _ in walkthrough()}
    assert {"init", "list", "create", "resolve", "validate"} <= commands


def test_walkthrough_runs_as_documented(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each command exits 0 and prints exactly the output shown in the README."""
    folder = tmp_path / "my-app"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("SKILLMEAT_HOME", raising=False)
    for command, expected in walkthrough():
        status = run(shlex.split(command))
        captured = capsys.readouterr()
        assert (command, status, captured.err) == (command, 0, "")
        assert (command, captured.out.rstrip("\n")) == (command, expected)

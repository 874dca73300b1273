"""Run every ``python`` code block of the docs, so that the examples stay true."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
# A fenced block whose info string is exactly "python"; "python no-test" (or
# any other word after "python") marks a block that is not run.
_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def _blocks(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start()) + 1, match.group(1))
        for match in _BLOCK.finditer(text)
    ]


def _cases() -> list[pytest.param]:  # type: ignore[valid-type]
    return [
        pytest.param(path, id=path.name)
        for path in sorted(DOCS.glob("*.md"))
        if _blocks(path)
    ]


def _run_block(
    path: Path, line: int, source: str, namespace: dict[str, object]
) -> None:
    name = f"{path.name}:{line}"
    if re.search(r"^\s*>>> ", source, re.MULTILINE):
        parser = doctest.DocTestParser()
        test = parser.get_doctest(source, namespace, name, str(path), line)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        runner.run(test, clear_globs=False)
        # DocTest runs in a copy of the namespace: carry its names forward, so
        # that later blocks of the page can use them, as a reader would.
        namespace.update(test.globs)
        assert runner.failures == 0, f"doctest failures in the block at {name}"
    else:
        exec(compile(source, name, "exec"), namespace)


@pytest.mark.parametrize("path", _cases())
def test_doc_examples(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every python block of the page runs, in order, in one shared namespace."""
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    blocks = _blocks(path)
    for line, source in blocks:
        _run_block(path, line, source, namespace)
    assert blocks


def test_block_pattern_skips_marked_blocks() -> None:
    """Blocks marked ``python no-test`` are not collected."""
    sample = "```python\nx = 1\n```\n\n```python no-test\nraise SystemExit\n```\n"
    assert [m.group(1) for m in _BLOCK.finditer(sample)] == ["x = 1\n"]


def test_own_pages_have_examples() -> None:
    """The file format and API pages hold runnable examples."""
    assert _blocks(DOCS / "file-format.md")
    assert len(_blocks(DOCS / "api.md")) >= 8


def test_readme_example(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README's Python example runs and prints what its comment says."""
    monkeypatch.chdir(tmp_path)
    blocks = _blocks(DOCS.parent / "README.md")
    assert len(blocks) == 1
    line, source = blocks[0]
    exec(compile(source, f"README.md:{line}", "exec"), {"__name__": "readme"})
    assert capsys.readouterr().out == ".agents/skills/code-review\n"

"""The benchmarks: the SQLAlchemy reference behaves like the store; the harness runs."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("sqlalchemy")

from benchmarks import harness
from benchmarks.sqlalchemy_ref import SqlProfileRepository

from skillmeat_profiles import (
    ConflictError,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    NotFoundError,
    ProfileRepository,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def both(tmp_path: Path) -> Iterator[tuple[ProfileRepository, SqlProfileRepository]]:
    """The library's repository and the reference, with the same clock."""
    ours = ProfileRepository(tmp_path / "store", clock=lambda: NOW)
    ref = SqlProfileRepository(tmp_path / "ref.sqlite", clock=lambda: NOW)
    yield ours, ref
    ref.close()


def test_reference_returns_what_the_library_returns(
    both: tuple[ProfileRepository, SqlProfileRepository],
) -> None:
    """Create, read, list, update and delete give equal results on both."""
    ours, ref = both
    claude = DeploymentProfileCreate(profile_id="claude_code", platform="claude_code")
    codex = DeploymentProfileCreate(profile_id="codex", platform="codex")
    change = DeploymentProfileUpdate(description="changed", root_dir=".claude2")
    results = []
    for repo in (ours, ref):
        repo.create_project("demo", name="Demo")
        created = [repo.create("demo", codex), repo.create("demo", claude)]
        read = repo.read_by_project_and_profile_id("demo", "codex")
        by_id = repo.read_by_id("demo/claude_code")
        updated = repo.update("demo", "claude_code", change)
        listed = repo.list_by_project("demo")
        projects = repo.list_projects()
        repo.delete("demo", "codex")
        after = repo.list_by_project("demo")
        results.append((created, read, by_id, updated, listed, projects, after))
    assert results[0] == results[1]
    assert [p.profile_id for p in results[1][4]] == ["claude_code", "codex"]


def test_reference_raises_the_library_errors(
    both: tuple[ProfileRepository, SqlProfileRepository],
) -> None:
    """A duplicate is a ConflictError; a missing profile or project, NotFoundError."""
    for repo in both:
        repo.create_project("demo")
        data = DeploymentProfileCreate(profile_id="codex", platform="codex")
        repo.create("demo", data)
        with pytest.raises(ConflictError):
            repo.create("demo", data)
        with pytest.raises(NotFoundError):
            repo.create("missing", data)
        with pytest.raises(NotFoundError):
            repo.read_by_project_and_profile_id("demo", "gemini")
        with pytest.raises(NotFoundError):
            repo.delete("demo", "gemini")


def test_reference_transaction_writes_nothing_on_error(
    both: tuple[ProfileRepository, SqlProfileRepository],
) -> None:
    """An exception inside a transaction leaves the project as it was, on both."""
    seen = []
    for repo in both:
        repo.create_project("demo")

        def abort(repo: ProfileRepository | SqlProfileRepository = repo) -> None:
            with repo.transaction("demo") as tx:
                tx.create(DeploymentProfileCreate(profile_id="codex", platform="codex"))
                seen.append([p.profile_id for p in tx.list()])
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError, match="abort"):
            abort()
        assert repo.list_by_project("demo") == []
    assert seen == [["codex"], ["codex"]]


def test_reference_database_is_durable_and_indexed(tmp_path: Path) -> None:
    """The database runs in WAL mode with synchronous=FULL and a unique index."""
    repo = SqlProfileRepository(tmp_path / "ref.sqlite")
    with repo.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert raw.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    repo.close()
    with sqlite3.connect(tmp_path / "ref.sqlite") as plain:
        indexes = plain.execute("PRAGMA index_list('deployment_profiles')").fetchall()
    assert ("ix_deployment_profiles_project_profile", 1) in [
        (row[1], row[2]) for row in indexes
    ]


def test_harness_runs_one_operation_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--quick --only`` measures one operation and writes its JSON report."""
    report = tmp_path / "report.json"
    name = "read_by_project_and_profile_id, unchanged file"
    status = harness.main(
        ["--quick", "--only", name, "--json", str(report), "--dir", str(tmp_path)]
    )
    assert status == 0
    results = json.loads(report.read_text())["results"]
    assert [r["operation"] for r in results] == [name]
    assert results[0]["ours_seconds"] > 0
    assert results[0]["reference_seconds"] > 0
    assert f"| {name} |" in capsys.readouterr().out


def test_harness_lists_every_operation(capsys: pytest.CaptureFixture[str]) -> None:
    """``--list`` prints the name of every operation, one a line."""
    assert harness.main(["--list"]) == 0
    assert capsys.readouterr().out.splitlines() == [op.name for op in harness.OPS]


def test_documented_table_names_the_suite_operations() -> None:
    """Every row of the table in docs/performance.md is an operation of the suite."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "performance.md").read_text()
    table = text.split("<!-- table:start -->")[1].split("<!-- table:end -->")[0]
    rows = [line.split("|")[1].strip() for line in table.strip().splitlines()[2:]]
    known = {op.name for op in harness.OPS} | {r[0] for r in harness.SELF_RATIOS}
    assert rows
    assert [row for row in rows if row not in known] == []

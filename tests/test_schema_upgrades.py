"""Each schema upgrade step, tested alone as a pure dict -> dict function."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from skillmeat_profiles import SCHEMA_VERSION
from skillmeat_profiles._schema import UPGRADES, upgrade_1_to_2

T1 = datetime(2025, 3, 1, tzinfo=UTC)
T2 = datetime(2025, 3, 2, tzinfo=UTC)


def _v1(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "project": {"id": "legacy", "name": "Legacy", "created_at": T1},
        "deployments": [
            {
                "artifact_name": "review",
                "artifact_type": "skill",
                "artifact_path": ".claude/skills/review",
                "deployed_at": T1,
            }
        ],
    }
    doc.update(extra)
    return doc


def test_every_version_has_a_step() -> None:
    """There is one step per version below the current one."""
    assert sorted(UPGRADES) == list(range(1, SCHEMA_VERSION))
    assert UPGRADES[1] is upgrade_1_to_2


class TestUpgrade1To2:
    """Version 1 (before profiles) to version 2."""

    def test_shape(self) -> None:
        """The result has version 2, updated_at, profiles and keyed records."""
        result = upgrade_1_to_2(_v1())
        assert result == {
            "schema_version": 2,
            "project": {
                "id": "legacy",
                "name": "Legacy",
                "created_at": T1,
                "updated_at": T1,
            },
            "profiles": {},
            "deployments": {
                "skill:review": {
                    "artifact_name": "review",
                    "artifact_type": "skill",
                    "artifact_path": ".claude/skills/review",
                    "deployed_at": T1,
                }
            },
        }

    def test_pure(self) -> None:
        """The input document is left unchanged."""
        doc = _v1()
        before = copy.deepcopy(doc)
        upgrade_1_to_2(doc)
        assert doc == before

    def test_keeps_existing_updated_at(self) -> None:
        """An updated_at already present is kept."""
        doc = _v1()
        doc["project"]["updated_at"] = T2
        assert upgrade_1_to_2(doc)["project"]["updated_at"] == T2

    def test_duplicates_keep_latest(self) -> None:
        """Several records of one artifact collapse to the latest one."""
        later = {**_v1()["deployments"][0], "deployed_at": T2, "artifact_path": "b"}
        earlier = {**_v1()["deployments"][0], "artifact_path": "a"}
        for records in ([earlier, later], [later, earlier]):
            result = upgrade_1_to_2(_v1(deployments=records))
            assert result["deployments"]["skill:review"]["artifact_path"] == "b"

    def test_incomparable_dates_keep_last(self) -> None:
        """Records whose dates cannot be compared keep the later one in the file."""
        first = {**_v1()["deployments"][0], "deployed_at": "x", "artifact_path": "a"}
        second = {**first, "deployed_at": T2, "artifact_path": "b"}
        result = upgrade_1_to_2(_v1(deployments=[first, second]))
        assert result["deployments"]["skill:review"]["artifact_path"] == "b"

    def test_without_records(self) -> None:
        """A file without records gets an empty deployments table."""
        doc = _v1()
        del doc["deployments"]
        assert upgrade_1_to_2(doc)["deployments"] == {}

    @pytest.mark.parametrize("records", ["x", [1, 2], {"a": 1}])
    def test_malformed_records_left_for_validation(self, records: object) -> None:
        """A malformed deployments value is passed on for validation to report."""
        assert upgrade_1_to_2(_v1(deployments=records))["deployments"] == records

    def test_malformed_project_left_alone(self) -> None:
        """A project that is not a table is passed on unchanged."""
        assert upgrade_1_to_2(_v1(project="x"))["project"] == "x"

    def test_existing_profiles_kept(self) -> None:
        """A profiles table already present (hand-edited) is not replaced."""
        assert upgrade_1_to_2(_v1(profiles={"a": {}}))["profiles"] == {"a": {}}

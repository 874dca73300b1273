"""The repository against a plain in-memory model, re-opened from disk between steps."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from skillmeat_profiles import (
    ArtifactType,
    ConflictError,
    Deployment,
    DeploymentProfile,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    InvalidDataError,
    NotFoundError,
    ProfileRepository,
)
from tests.strategies import creates, updates

PROJECTS = st.sampled_from(["alpha", "beta"])
PROFILE_IDS = st.sampled_from(["claude_code", "codex", "p.1", "z"])
NAMES = st.sampled_from(["review", "ai/code-review", "lint"])


class StoreMachine(RuleBasedStateMachine):
    """Random operations on the store and on dicts; both must always agree."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="store-machine-"))
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        self.repo = self.open()
        # project_id -> (profiles by id, records by key)
        self.model: dict[
            str, tuple[dict[str, DeploymentProfile], dict[str, Deployment]]
        ] = {}

    def clock(self) -> datetime:
        """A clock shared by store and model: one second per call."""
        self.now += timedelta(seconds=1)
        return self.now

    def open(self) -> ProfileRepository:
        """A new repository on the same folder: nothing carried over but the files."""
        return ProfileRepository(self.root, clock=self.clock)

    def teardown(self) -> None:
        """Remove the store's folder."""
        shutil.rmtree(self.root, ignore_errors=True)

    @rule()
    def reopen(self) -> None:
        """Drop the repository and its cache; read everything from disk again."""
        self.repo = self.open()

    @rule(project_id=PROJECTS)
    def create_project(self, project_id: str) -> None:
        """Creating a project works once, then conflicts."""
        if project_id in self.model:
            try:
                self.repo.create_project(project_id)
            except ConflictError:
                return
            raise AssertionError("a duplicate project was accepted")
        self.repo.create_project(project_id)
        self.model[project_id] = ({}, {})

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def delete_project(self, data: st.DataObject) -> None:
        """Deleting a project drops its profiles and records."""
        project_id = data.draw(st.sampled_from(sorted(self.model)))
        self.repo.delete_project(project_id)
        del self.model[project_id]

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), create=creates(), profile_id=PROFILE_IDS)
    def create(
        self, data: st.DataObject, create: DeploymentProfileCreate, profile_id: str
    ) -> None:
        """A new profile is stored as built; a taken id conflicts."""
        project_id = data.draw(st.sampled_from(sorted(self.model)))
        profiles, _ = self.model[project_id]
        create = DeploymentProfileCreate(
            **{**_fields(create), "profile_id": profile_id}
        )
        if profile_id in profiles:
            try:
                self.repo.create(project_id, create)
            except ConflictError:
                return
            raise AssertionError("a duplicate profile was accepted")
        created = self.repo.create(project_id, create)
        assert created == create.build(now=self.now, project_id=project_id)
        profiles[profile_id] = created

    @precondition(lambda self: any(p for p, _ in self.model.values()))
    @rule(data=st.data(), update=updates())
    def update(self, data: st.DataObject, update: DeploymentProfileUpdate) -> None:
        """An update gives what the model's apply gives, or the same error."""
        project_id = data.draw(
            st.sampled_from(sorted(k for k, (p, _) in self.model.items() if p))
        )
        profiles, _ = self.model[project_id]
        profile_id = data.draw(st.sampled_from(sorted(profiles)))
        try:
            expected = update.apply(
                profiles[profile_id], now=self.now + timedelta(seconds=1)
            )
        except InvalidDataError:
            try:
                self.repo.update(project_id, profile_id, update)
            except InvalidDataError:
                return
            raise AssertionError("an invalid update was accepted") from None
        updated = self.repo.update(project_id, profile_id, update)
        assert updated == expected
        profiles[profile_id] = updated

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), profile_id=PROFILE_IDS)
    def delete(self, data: st.DataObject, profile_id: str) -> None:
        """Deleting is NotFound for a missing profile, Conflict for one in use."""
        project_id = data.draw(st.sampled_from(sorted(self.model)))
        profiles, records = self.model[project_id]
        if profile_id not in profiles:
            try:
                self.repo.delete(project_id, profile_id)
            except NotFoundError:
                return
            raise AssertionError("deleting a missing profile succeeded")
        if any(r.deployment_profile_id == profile_id for r in records.values()):
            try:
                self.repo.delete(project_id, profile_id)
            except ConflictError:
                return
            raise AssertionError("a profile in use was deleted")
        self.repo.delete(project_id, profile_id)
        del profiles[profile_id]

    @precondition(lambda self: bool(self.model))
    @rule(
        data=st.data(),
        profile_id=st.none() | PROFILE_IDS,
        name=NAMES,
        kind=st.sampled_from([ArtifactType.SKILL, ArtifactType.AGENT]),
    )
    def record(
        self, data: st.DataObject, profile_id: str | None, name: str, kind: ArtifactType
    ) -> None:
        """A record is kept (filled from its profile), or refused for an unknown one."""
        project_id = data.draw(st.sampled_from(sorted(self.model)))
        profiles, records = self.model[project_id]
        deployment = Deployment(
            artifact_name=name,
            artifact_type=kind,
            artifact_path=f"x/{name}",
            deployed_at=self.now,
            deployment_profile_id=profile_id,
        )
        if profile_id is not None and profile_id not in profiles:
            try:
                self.repo.record_deployment(project_id, deployment)
            except NotFoundError:
                return
            raise AssertionError("a record of an unknown profile was accepted")
        kept = self.repo.record_deployment(project_id, deployment)
        if profile_id is not None:
            assert kept.platform == profiles[profile_id].platform
            assert kept.profile_root_dir == profiles[profile_id].root_dir
        records[kept.key] = kept

    @precondition(lambda self: any(r for _, r in self.model.values()))
    @rule(data=st.data())
    def delete_record(self, data: st.DataObject) -> None:
        """A deleted record is gone."""
        project_id = data.draw(
            st.sampled_from(sorted(k for k, (_, r) in self.model.items() if r))
        )
        _, records = self.model[project_id]
        key = data.draw(st.sampled_from(sorted(records)))
        self.repo.delete_deployment(project_id, key)
        del records[key]

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), create=creates(), fail=st.booleans())
    def transaction(
        self, data: st.DataObject, create: DeploymentProfileCreate, fail: bool
    ) -> None:
        """A transaction that raises changes nothing; one that ends writes it all."""
        project_id = data.draw(st.sampled_from(sorted(self.model)))
        profiles, _ = self.model[project_id]
        create = DeploymentProfileCreate(**{**_fields(create), "profile_id": "tx"})
        if "tx" in profiles:
            return
        try:
            with self.repo.transaction(project_id) as tx:
                created = tx.create(create)
                tx.delete("tx")
                created = tx.create(create)
                if fail:
                    raise KeyError("abort")
        except KeyError:
            return
        profiles["tx"] = created

    @invariant()
    def agrees_with_the_model(self) -> None:
        """The store holds exactly the model's projects, profiles and records."""
        assert self.repo.project_ids() == sorted(self.model)
        for project_id, (profiles, records) in self.model.items():
            assert self.repo.list_by_project(project_id) == [
                profiles[k] for k in sorted(profiles)
            ]
            assert self.repo.list_deployments(project_id) == [
                records[k] for k in sorted(records)
            ]
            for profile in profiles.values():
                assert profile.id is not None
                assert self.repo.read_by_id(profile.id) == profile


def _fields(create: DeploymentProfileCreate) -> dict[str, Any]:
    import attrs

    return attrs.asdict(create, recurse=False)


StoreMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None
)
TestStore = StoreMachine.TestCase

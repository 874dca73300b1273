"""Deployment plans and placement conflicts between the profiles of one project."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import attrs

from ._location import Placement

if TYPE_CHECKING:
    from ._models import Artifact, Project

__all__ = ["Conflict", "DeploymentPlan", "find_conflicts", "plan_deployment"]


@attrs.frozen
class DeploymentPlan:
    """Where one artifact goes in a project: ``placements`` and ``skipped``.

    ``placements`` maps each profile that takes the artifact to its
    ``Placement``; ``skipped`` maps each other profile to the reason.
    """

    placements: Mapping[str, Placement]
    skipped: Mapping[str, str]


@attrs.frozen
class Conflict:
    """Two locations at which two profiles would place different artifacts on one path."""

    # Filled in by the placement work: profile and type on each side, the
    # overlapping path, and the reason.


def plan_deployment(
    project: Project, artifact: Artifact, profile_ids: Iterable[str] | None = None
) -> DeploymentPlan:
    """The deployment plan of ``artifact`` across ``project``'s profiles."""
    raise NotImplementedError


def find_conflicts(project: Project) -> list[Conflict]:
    """Every pair of overlapping locations of different artifact types."""
    raise NotImplementedError

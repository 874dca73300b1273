"""Where AI coding-agent artifacts belong on each platform, kept in plain TOML files."""

from __future__ import annotations

from ._codec import from_toml, to_toml
from ._defaults import default_profile
from ._detect import detect_platforms
from ._enums import ArtifactType, PlacementKind, Platform
from ._errors import (
    ConflictError,
    InvalidDataError,
    LockTimeoutError,
    NotFoundError,
    ProfilesError,
    UnsupportedSchemaError,
)
from ._location import Placement
from ._models import (
    UNSET,
    Artifact,
    Deployment,
    DeploymentProfile,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    Project,
    Unset,
)
from ._plan import Conflict, DeploymentPlan, plan_deployment
from ._schema import SCHEMA_VERSION
from ._store import ProfileRepository, Transaction

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION",
    "UNSET",
    "Artifact",
    "ArtifactType",
    "Conflict",
    "ConflictError",
    "Deployment",
    "DeploymentPlan",
    "DeploymentProfile",
    "DeploymentProfileCreate",
    "DeploymentProfileUpdate",
    "InvalidDataError",
    "LockTimeoutError",
    "NotFoundError",
    "Placement",
    "PlacementKind",
    "Platform",
    "ProfileRepository",
    "ProfilesError",
    "Project",
    "Transaction",
    "UnsupportedSchemaError",
    "Unset",
    "__version__",
    "default_profile",
    "detect_platforms",
    "from_toml",
    "plan_deployment",
    "to_toml",
]


def __dir__() -> list[str]:
    return list(__all__)

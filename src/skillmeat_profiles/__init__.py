"""Where AI coding-agent artifacts belong on each platform, kept in plain TOML files."""

from __future__ import annotations

from typing import Any

from ._codec import from_toml, to_toml
from ._defaults import default_profile
from ._detect import Detection, Evidence, detect_platforms
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
from ._store import Migration, ProfileRepository, Transaction

__version__ = "0.1.0"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 7) of the project file, generated from the models.

    The same schema ships in the package as ``profile.schema.json``, and
    ``skillmeat-profiles schema`` prints it.
    """
    # Imported on use: building the schema needs modules a reader never does.
    from ._jsonschema import json_schema as build

    return build()


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
    "Detection",
    "Evidence",
    "InvalidDataError",
    "LockTimeoutError",
    "Migration",
    "NotFoundError",
    "Placement",
    "PlacementKind",
    "Platform",
    "ProfileRepository",
    "ProfilesError",
    "Project",
    "Transaction",
    "Unset",
    "UnsupportedSchemaError",
    "__version__",
    "default_profile",
    "detect_platforms",
    "from_toml",
    "json_schema",
    "plan_deployment",
    "to_toml",
]


def __dir__() -> list[str]:
    return list(__all__)

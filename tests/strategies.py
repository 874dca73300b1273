"""Hypothesis strategies for every model of skillmeat_profiles and its field values."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
from hypothesis import strategies as st

from skillmeat_profiles import (
    UNSET,
    Artifact,
    ArtifactType,
    Deployment,
    DeploymentProfile,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    Platform,
    Project,
)
from skillmeat_profiles._validate import ID_MAX

#: Every key and enum value of the file format, taken from the models: fuzzed
#: documents use them often, so that the structure layer (not only the TOML
#: parser) sees hostile values in the places it reads.
FORMAT_WORDS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            "schema_version",
            "project",
            "profiles",
            "deployments",
            "id",
            "clear",
            *(
                field.name
                for cls in (
                    Artifact,
                    DeploymentProfile,
                    DeploymentProfileUpdate,
                    Deployment,
                    Project,
                )
                for field in attrs.fields(cls)
                if field.init
            ),
            *(str(member) for member in ArtifactType),
            *(str(member) for member in Platform),
        ]
    )
)

__all__ = [
    "DEVICE_NAMES",
    "FORMAT_WORDS",
    "absolute_paths",
    "artifact_names",
    "artifact_types",
    "artifacts",
    "aware_datetimes",
    "creates",
    "deployments",
    "filenames",
    "ids",
    "notation_values",
    "path_segments",
    "platforms",
    "profiles",
    "projects",
    "relative_paths",
    "texts",
    "updates",
]

#: Windows device names, without extension, upper case.
DEVICE_NAMES = (
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
)

platforms = st.sampled_from(list(Platform))
artifact_types = st.sampled_from(list(ArtifactType))


def _not_device(segment: str) -> bool:
    stem = segment.split(".", 1)[0].rstrip(" ").upper()
    return stem not in {*DEVICE_NAMES, "CONIN$", "CONOUT$"} and stem not in {
        "COM\u00b9",
        "COM\u00b2",
        "COM\u00b3",
        "LPT\u00b9",
        "LPT\u00b2",
        "LPT\u00b3",
    }


_ID_CHARS = string.ascii_lowercase + string.digits
ids = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(_ID_CHARS),
    st.text(_ID_CHARS + "._-", max_size=min(ID_MAX - 1, 20)),
).filter(lambda value: not value.endswith(".") and _not_device(value))
"""Valid project and profile ids."""

_NAME_HEAD = string.ascii_letters + string.digits
name_segments = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(_NAME_HEAD),
    st.text(_NAME_HEAD + "._-", max_size=15),
).filter(lambda value: not value.endswith(".") and _not_device(value))
artifact_names = st.lists(name_segments, min_size=1, max_size=3).map("/".join)
"""Valid artifact names, namespaced with ``/`` at times."""

# Any character a file name may hold on every platform, including spaces,
# dots and non-ASCII letters; ``#`` and ``*`` are left out because they mean
# something in the artifact_path_map notation.
_SEGMENT_ALPHABET = st.characters(
    blacklist_categories=["Cc", "Cs"],
    blacklist_characters='/\\:*?"<>|#',
)
path_segments = st.text(_SEGMENT_ALPHABET, min_size=1, max_size=12).filter(
    lambda segment: (
        segment not in (".", "..") and segment[-1] not in ". " and _not_device(segment)
    )
)
"""Valid path segments (also valid plain file names)."""

relative_paths = st.lists(path_segments, min_size=1, max_size=3).map("/".join)
"""Canonical project-relative paths."""

filenames = path_segments
"""Valid plain file names."""

absolute_paths = st.one_of(
    relative_paths.map(lambda path: "/" + path),
    st.builds(
        lambda drive, path: f"{drive}:\\" + path.replace("/", "\\"),
        st.sampled_from(string.ascii_uppercase),
        relative_paths,
    ),
)
"""Absolute POSIX and Windows paths, as ``Project.path`` accepts."""

_SUFFIXES = st.lists(
    st.text(string.ascii_letters + string.digits, min_size=1, max_size=4),
    min_size=1,
    max_size=2,
).map(lambda parts: "." + ".".join(parts))
_KEY_SEGMENT = st.text(
    string.ascii_letters + string.digits + "_-", min_size=1, max_size=8
)
_CONFIG_KEYS = st.lists(_KEY_SEGMENT, min_size=1, max_size=3).map(".".join)


@st.composite
def notation_values(draw: st.DrawFn) -> str:
    """Canonical ``artifact_path_map`` values of every shape, anchored or not."""
    lead = draw(st.sampled_from(["", "/"]))
    path = draw(relative_paths)
    shape = draw(st.sampled_from(["plain", "folder", "file", "entry"]))
    if shape == "folder":
        return f"{lead}{path}/*/"
    if shape == "file":
        return f"{lead}{path}/*{draw(_SUFFIXES)}"
    if shape == "entry":
        return f"{lead}{path}#{draw(_CONFIG_KEYS)}"
    return f"{lead}{path}"


_OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@st.composite
def aware_datetimes(draw: st.DrawFn) -> datetime:
    """Timezone-aware datetimes (any offset); the models store them in UTC."""
    naive = draw(
        st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1))
    )
    return naive.replace(tzinfo=draw(st.one_of(st.just(UTC), _OFFSETS)))


texts = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    max_size=40,
)
"""Free text (descriptions, sources, versions)."""

optional_texts = st.none() | texts


@st.composite
def artifacts(draw: st.DrawFn) -> Artifact:
    """Valid artifacts, with or without target platforms and metadata."""
    targets = draw(st.none() | st.frozensets(platforms, min_size=1))
    return Artifact(
        name=draw(artifact_names),
        artifact_type=draw(artifact_types),
        target_platforms=targets,
        source=draw(optional_texts),
        version=draw(optional_texts),
        description=draw(optional_texts),
    )


def _unique(items: st.SearchStrategy[str], max_size: int = 3) -> Any:
    return st.lists(items, max_size=max_size, unique=True).map(tuple)


@st.composite
def path_maps(draw: st.DrawFn) -> dict[ArtifactType | str, str]:
    """Valid ``artifact_path_map`` values: a few types, each with a location."""
    types = draw(st.lists(artifact_types, unique=True, max_size=3))
    result: dict[ArtifactType | str, str] = {}
    for member in types:
        result[member] = draw(notation_values())
    return result


@st.composite
def profiles(
    draw: st.DrawFn,
    *,
    profile_id: str | None = None,
    project_id: st.SearchStrategy[str | None] | None = None,
) -> DeploymentProfile:
    """Valid profiles; ``project_id`` draws the owning project (default: any)."""
    path_map = draw(path_maps())
    supported = (
        draw(st.frozensets(st.sampled_from(sorted(path_map))))
        if path_map
        else frozenset()
    )
    return DeploymentProfile(
        profile_id=profile_id if profile_id is not None else draw(ids),
        platform=draw(platforms),
        root_dir=draw(st.just(".") | relative_paths),
        artifact_path_map=path_map,
        project_config_filenames=draw(_unique(filenames)),
        context_path_prefixes=draw(_unique(relative_paths)),
        supported_artifact_types=supported,
        description=draw(optional_texts),
        created_at=draw(aware_datetimes()),
        updated_at=draw(aware_datetimes()),
        project_id=draw(project_id if project_id is not None else st.none() | ids),
    )


@st.composite
def deployments(
    draw: st.DrawFn, *, profile_ids: tuple[str, ...] | None = None
) -> Deployment:
    """Valid deployment records; with ``profile_ids``, they name one of them or none."""
    choices: st.SearchStrategy[str | None] = (
        st.none() | ids
        if profile_ids is None
        else st.sampled_from((None, *profile_ids))
    )
    profile_id = draw(choices)
    return Deployment(
        artifact_name=draw(artifact_names),
        artifact_type=draw(artifact_types),
        artifact_path=draw(relative_paths),
        deployed_at=draw(aware_datetimes()),
        content_hash=draw(st.none() | st.from_regex(r"\Asha256:[0-9a-f]{8,64}\Z")),
        deployment_profile_id=profile_id,
        platform=None if profile_id is None else draw(st.none() | platforms),
        profile_root_dir=(
            None
            if profile_id is None
            else draw(st.none() | st.just(".") | relative_paths)
        ),
    )


@st.composite
def projects(
    draw: st.DrawFn, *, max_profiles: int = 2, max_records: int = 3
) -> Project:
    """Valid projects with profiles (attached to the project) and deployment records."""
    project_id = draw(ids)
    profile_ids = draw(st.lists(ids, unique=True, max_size=max_profiles))
    owned = [
        draw(profiles(profile_id=pid, project_id=st.sampled_from([None, project_id])))
        for pid in profile_ids
    ]
    records = draw(
        st.lists(
            deployments(profile_ids=tuple(profile_ids)),
            max_size=max_records,
            unique_by=lambda record: record.key,
        )
    )
    name = draw(texts.filter(lambda value: bool(value.strip())) | st.none())
    extra: dict[str, Any] = {} if name is None else {"name": name}
    return Project(
        project_id=project_id,
        path=draw(st.none() | absolute_paths),
        deployment_profiles=owned,
        deployments=records,
        created_at=draw(aware_datetimes()),
        updated_at=draw(aware_datetimes()),
        **extra,
    )


@st.composite
def creates(draw: st.DrawFn) -> DeploymentProfileCreate:
    """Valid profile inputs, each optional field left out or given."""
    path_map = draw(st.none() | path_maps())
    supported: frozenset[ArtifactType | str] | None = None
    if path_map:
        supported = draw(st.none() | st.frozensets(st.sampled_from(sorted(path_map))))
    return DeploymentProfileCreate(
        profile_id=draw(ids),
        platform=draw(platforms),
        root_dir=draw(st.none() | st.just(".") | relative_paths),
        artifact_path_map=path_map,
        project_config_filenames=draw(st.none() | _unique(filenames)),
        context_path_prefixes=draw(st.none() | _unique(relative_paths)),
        supported_artifact_types=supported,
        description=draw(optional_texts),
    )


def _maybe(values: st.SearchStrategy[Any], *, clearable: bool = True) -> Any:
    options = st.just(UNSET) | values
    return options | st.none() if clearable else options


@st.composite
def updates(draw: st.DrawFn) -> DeploymentProfileUpdate:
    """Valid updates: each field UNSET (left alone), None (cleared) or a value."""
    return DeploymentProfileUpdate(
        platform=draw(_maybe(platforms, clearable=False)),
        root_dir=draw(_maybe(st.just(".") | relative_paths, clearable=False)),
        artifact_path_map=draw(_maybe(path_maps())),
        project_config_filenames=draw(_maybe(_unique(filenames))),
        context_path_prefixes=draw(_maybe(_unique(relative_paths))),
        supported_artifact_types=draw(_maybe(st.frozensets(artifact_types))),
        description=draw(_maybe(texts)),
    )

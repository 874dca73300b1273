"""Schema versions of the project file, and the pure steps that upgrade one to the next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["SCHEMA_VERSION", "UPGRADES", "upgrade_1_to_2"]

#: The newest ``schema_version`` this library reads and the one it writes.
SCHEMA_VERSION: Final = 2

Document = dict[str, Any]


def upgrade_1_to_2(doc: Document) -> Document:
    """Version 1 (before profiles) to version 2.

    Version 1 held ``[project]`` (``id``, ``name``, optional ``path``,
    ``created_at``) and a ``[[deployments]]`` array without profile fields.
    Version 2 adds ``project.updated_at`` (set to ``created_at``), an empty
    ``profiles`` table, and keys each deployment record by
    ``type:name`` so that concurrent additions merge in git. When version 1
    holds several records of one artifact, the latest ``deployed_at`` is kept
    (the original bytes are kept beside the file by the store).
    """
    result: Document = {
        key: value for key, value in doc.items() if key != "deployments"
    }
    result["schema_version"] = 2
    project = doc.get("project")
    if isinstance(project, dict):
        project = dict(project)
        if "updated_at" not in project and "created_at" in project:
            project["updated_at"] = project["created_at"]
        result["project"] = project
    result.setdefault("profiles", {})
    records = doc.get("deployments", [])
    if isinstance(records, list) and all(isinstance(r, dict) for r in records):
        keyed: dict[str, dict[str, Any]] = {}
        for record in records:
            key = f"{record.get('artifact_type')}:{record.get('artifact_name')}"
            previous = keyed.get(key)
            if previous is None or _later(record, previous):
                keyed[key] = record
        result["deployments"] = keyed
    else:
        # Leave a malformed value in place: validation reports it with its
        # path instead of the upgrade hiding it.
        result["deployments"] = records
    return result


def _later(record: dict[str, Any], other: dict[str, Any]) -> bool:
    try:
        return bool(record.get("deployed_at") >= other.get("deployed_at"))  # type: ignore[operator]
    except TypeError:
        return True


#: ``UPGRADES[n]`` turns a version-``n`` document into a version-``n + 1`` one.
UPGRADES: Final[dict[int, Callable[[Document], Document]]] = {1: upgrade_1_to_2}

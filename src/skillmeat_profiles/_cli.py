"""The ``skillmeat-profiles`` command: parses arguments, calls the library, prints."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn, TextIO

from ._convert import sorted_types
from ._detect import detect_platforms
from ._enums import ArtifactType, Platform
from ._errors import InvalidDataError, NotFoundError, ProfilesError
from ._jsonschema import SCHEMA_DIRECTIVE, json_schema_text, write_schema_file
from ._merge import conflict_marker_lines, install_merge_driver, merge_files
from ._models import (
    Artifact,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
)
from ._plan import plan_deployment
from ._store import ProfileRepository
from ._validate import ID_MAX, check_id

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ._models import DeploymentProfile, Project

__all__ = ["find_store_root", "main", "project_id_for", "run"]

PROG: Final = "skillmeat-profiles"

#: The fields ``update --clear`` can empty (``platform`` and ``root_dir`` cannot be).
CLEARABLE: Final = (
    "artifact_path_map",
    "project_config_filenames",
    "context_path_prefixes",
    "supported_artifact_types",
    "description",
)

_PLATFORMS: Final = [member.value for member in Platform]
_TYPES: Final = [member.value for member in ArtifactType]


class _UsageError(Exception):
    """Arguments that parse but do not make sense together: exit status 2."""


# --------------------------------------------------------------------------
# Store and project selection


def find_store_root(start: str | os.PathLike[str]) -> Path:
    """The root of the project-local store for a command run in ``start``.

    The nearest folder upward holding ``.skillmeat/``; else the nearest one
    holding ``.git`` (a folder, or a file in a worktree); else ``start``.
    """
    here = Path(start).absolute()
    chain = [here, *here.parents]
    for folder in chain:
        if (folder / ".skillmeat").is_dir():
            return folder
    for folder in chain:
        if (folder / ".git").exists():
            return folder
    return here


def project_id_for(folder_name: str) -> str:
    """A valid project id made from a folder name (``My App`` becomes ``my-app``)."""
    text = re.sub(r"[^a-z0-9._-]+", "-", folder_name.lower())
    text = text.lstrip("._-")[:ID_MAX].rstrip(".-_") or "project"
    try:
        return check_id(text, "project_id")
    except InvalidDataError:
        # A reserved Windows device name ("con", "nul.txt") as a folder name.
        return check_id(f"{text[: ID_MAX - 8]}-project", "project_id")


def _repository(args: argparse.Namespace) -> ProfileRepository:
    if args.user:
        return ProfileRepository.user_store()
    if args.store is not None:
        store = Path(args.store)
        # Only init may create the store; anywhere else a missing folder is
        # a mistyped path, not an empty store.
        if args.command != "init" and not store.is_dir():
            raise NotFoundError(
                "the --store folder does not exist or is not a folder; check the "
                "path, or create the store there with "
                "'skillmeat-profiles init --store DIR'",
                path=str(store),
            )
        return ProfileRepository(store)
    return ProfileRepository(find_store_root(Path.cwd()))


def _project_id(args: argparse.Namespace, repo: ProfileRepository) -> str:
    if args.project is not None:
        project_id = str(args.project)
        file = repo.path_for(project_id)  # InvalidDataError for a malformed id
        if not os.path.lexists(file):
            # The store's own message names its API; say it in command terms.
            known = ", ".join(repo.project_ids()) or "none"
            raise NotFoundError(
                f"no project {project_id!r} in this store (projects: {known}); run "
                f"'skillmeat-profiles init --project {project_id}' to create it, "
                "or pick another with --project ID, --store DIR or --user",
                path=_shown(file),
            )
        return project_id
    ids = repo.project_ids()
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise NotFoundError(
            "no project in this store; run 'skillmeat-profiles init' to create "
            "one, or pick another store with --store DIR or --user",
            path=_shown(repo.profiles_dir),
        )
    raise ProfilesError(
        f"the store holds {len(ids)} projects ({', '.join(ids)}); choose one "
        "with --project ID",
        path=_shown(repo.profiles_dir),
    )


# --------------------------------------------------------------------------
# Output


def _shown(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the current folder when it lies inside it."""
    absolute = Path(path).absolute()
    try:
        return absolute.relative_to(Path.cwd().absolute()).as_posix()
    except ValueError:
        return str(absolute)


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _profile_json(profile: DeploymentProfile) -> dict[str, Any]:
    return {
        "id": profile.id,
        "project_id": profile.project_id,
        "profile_id": profile.profile_id,
        "platform": str(profile.platform),
        "root_dir": profile.root_dir,
        "artifact_path_map": {
            str(key): value for key, value in profile.artifact_path_map.items()
        },
        "supported_artifact_types": [
            str(member) for member in sorted_types(profile.supported_artifact_types)
        ],
        "project_config_filenames": list(profile.project_config_filenames),
        "context_path_prefixes": list(profile.context_path_prefixes),
        "description": profile.description,
        "created_at": _time(profile.created_at),
        "updated_at": _time(profile.updated_at),
    }


def _project_json(project: Project) -> dict[str, Any]:
    return {
        "project_id": project.project_id,
        "name": project.name,
        "path": project.path,
        "created_at": _time(project.created_at),
        "updated_at": _time(project.updated_at),
    }


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    )


def _profile_text(profile: DeploymentProfile) -> str:
    data = _profile_json(profile)
    rows = [
        ["profile", f"{profile.profile_id} ({profile.id})"],
        ["platform", data["platform"]],
        ["root_dir", profile.root_dir],
        ["description", profile.description or "-"],
        ["supports", ", ".join(data["supported_artifact_types"]) or "-"],
        ["config files", ", ".join(profile.project_config_filenames) or "-"],
        ["context", ", ".join(profile.context_path_prefixes) or "-"],
        ["created_at", data["created_at"]],
        ["updated_at", data["updated_at"]],
    ]
    lines = [_table(rows), "artifact_path_map:"]
    mapped = [[f"  {key}", value] for key, value in data["artifact_path_map"].items()]
    lines.append(_table(mapped) if mapped else "  (empty)")
    return "\n".join(lines)


class _Out:
    """Where a command prints, and whether it prints JSON."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.stdout: TextIO = sys.stdout

    def emit(self, data: object, text: Callable[[], str]) -> None:
        if self.as_json:
            print(json.dumps(data, indent=2, ensure_ascii=False), file=self.stdout)
        else:
            print(text(), file=self.stdout)


# --------------------------------------------------------------------------
# Commands


def _detected(
    folder: Path,
) -> tuple[list[Platform], list[dict[str, Any]], list[dict[str, Any]]]:
    """The platforms ``folder`` uses, the evidence, and the paths not followed."""
    detection = detect_platforms(folder)
    evidence = [
        {
            "path": item.path,
            "reason": item.reason,
            "platforms": [str(member) for member in item.candidates],
            "ambiguous": len(item.candidates) > 1,
        }
        for items in (*detection.platforms.values(), detection.ambiguous)
        for item in items
    ]
    ignored = [{"path": item.path, "reason": item.reason} for item in detection.ignored]
    return list(detection.platforms_found), evidence, ignored


def _paths(paths: Sequence[str], limit: int = 3) -> str:
    """Up to ``limit`` paths, then how many more."""
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def _detection_lines(
    evidence: Sequence[dict[str, Any]], ignored: Sequence[dict[str, Any]]
) -> list[str]:
    """One line for the platforms found, one for ambiguous evidence, one for links."""
    lines = []
    found: dict[str, list[str]] = {}
    for item in evidence:
        if not item["ambiguous"]:
            found.setdefault(item["platforms"][0], []).append(item["path"])
    if found:
        lines.append(
            "Detected: "
            + ", ".join(f"{name} ({_paths(paths)})" for name, paths in found.items())
        )
    ambiguous = [
        f"{item['path']} ({', '.join(item['platforms'])})"
        for item in evidence
        if item["ambiguous"]
    ]
    if ambiguous:
        lines.append(
            f"Also found {_paths(ambiguous)}, each read by several platforms; "
            "add a profile for the one you use with 'create'."
        )
    if ignored:
        lines.append(
            f"Ignored {len(ignored)} symlink{'s' if len(ignored) != 1 else ''} "
            f"not followed ({_paths([item['path'] for item in ignored])}); "
            "see --json for why."
        )
    return lines


def _write_schema(repo: ProfileRepository, done: str) -> tuple[Path, bool]:
    """Write the schema file; on failure say what ``init`` already did."""
    try:
        return write_schema_file(repo.profiles_dir.parent)
    except ProfilesError as error:
        raise ProfilesError(
            f"{done}, but {error.message}; once that is fixed, run "
            "'skillmeat-profiles init' again to write the schema file",
            path=error.path,
        ) from None


def _cmd_init(args: argparse.Namespace, out: _Out) -> int:
    repo = _repository(args)
    # The project lives where the command runs for the user-level store, and
    # at the store's root for a project-local one.
    folder = Path.cwd() if args.user else Path(repo.root)
    project_id = args.project or project_id_for(folder.absolute().name)
    messages: list[str] = []
    evidence: list[dict[str, Any]] = []
    ignored: list[dict[str, Any]] = []
    created: list[str] = []
    if args.platform:
        platforms = [Platform(value) for value in dict.fromkeys(args.platform)]
        source = "given"
    else:
        platforms, evidence, ignored = _detected(folder)
        source = "detected"
        if not platforms:
            platforms = [Platform.CLAUDE_CODE]
            source = "default"
            messages.append(
                "No platform detected in this folder; using claude_code "
                "(pick others with --platform)."
            )
        messages += _detection_lines(evidence, ignored)
    file = repo.path_for(project_id)
    exists = project_id in repo.project_ids()
    if exists:
        project = repo.get_project(project_id)
        existing = [profile.profile_id for profile in project.deployment_profiles]
        messages.append(
            f"Project {project_id} already exists in {_shown(file)} with "
            f"profiles: {', '.join(existing) or 'none'}."
        )
        missing = [p.value for p in platforms if p.value not in existing]
        if missing and args.platform:
            messages.append(
                "To add the others: "
                + "; ".join(
                    f"skillmeat-profiles create {m} --platform {m}" for m in missing
                )
            )
        done = f"project {project_id} already exists in {_shown(file)}"
    else:
        # One write: the file appears with all its profiles, or not at all.
        project = repo.create_project(
            project_id,
            name=args.name,
            path=str(folder.absolute()) if args.user else None,
            header=SCHEMA_DIRECTIVE,
            profiles=[
                DeploymentProfileCreate(profile_id=member.value, platform=member)
                for member in platforms
            ],
        )
        created = [profile.profile_id for profile in project.deployment_profiles]
        messages.append(f"Created project {project_id} in {_shown(file)}")
        for profile in project.deployment_profiles:
            messages.append(
                f"  profile {profile.profile_id}: "
                f"{profile.description or profile.platform}"
            )
        done = (
            f"created project {project_id} in {_shown(file)} with profiles "
            f"{', '.join(created)}"
        )
    schema_path, schema_written = _write_schema(repo, done)
    messages.append(
        f"{'Wrote' if schema_written else 'Up to date:'} {_shown(schema_path)} "
        "(JSON Schema for editors)"
    )
    git_changes: list[str] = []
    if args.git_merge_driver:
        git_changes = install_merge_driver(repo.root)
        messages.extend(git_changes or ["Merge driver already set up."])
    if exists and not schema_written and not git_changes:
        messages.append("Nothing changed.")
    out.emit(
        {
            "project": _project_json(project),
            "file": str(file),
            "created": not exists,
            "platforms": [member.value for member in platforms],
            "platform_source": source,
            "profiles_created": created,
            "evidence": evidence,
            "ignored": ignored,
            "schema_file": str(schema_path),
            "schema_written": schema_written,
            "git": git_changes,
        },
        lambda: "\n".join(messages),
    )
    return 0


def _cmd_list(args: argparse.Namespace, out: _Out) -> int:
    repo = _repository(args)
    project_id = _project_id(args, repo)
    profiles = repo.list_by_project(project_id)

    def text() -> str:
        if not profiles:
            return f"Project {project_id} has no profiles; add one with 'create'."
        rows = [["PROFILE", "PLATFORM", "ROOT", "SUPPORTS"]]
        rows += [
            [
                p.profile_id,
                str(p.platform),
                p.root_dir,
                ",".join(str(t) for t in sorted_types(p.supported_artifact_types))
                or "-",
            ]
            for p in profiles
        ]
        return _table(rows)

    out.emit(
        {"project_id": project_id, "profiles": [_profile_json(p) for p in profiles]},
        text,
    )
    return 0


def _no_profile(
    error: NotFoundError, repo: ProfileRepository, project: Project
) -> NotFoundError:
    """A missing profile, with the project file and the commands that fix it."""
    # The model's message lists the profiles but cannot know the file.
    return NotFoundError(
        f"{error.message}; check the id (see 'skillmeat-profiles list'), or add "
        "it with 'skillmeat-profiles create PROFILE_ID --platform P'",
        path=_shown(repo.path_for(project.project_id)),
    )


def _cmd_show(args: argparse.Namespace, out: _Out) -> int:
    repo = _repository(args)
    project_id = _project_id(args, repo)
    project = repo.get_project(project_id)
    try:
        profile = project.profile(args.profile_id)
    except NotFoundError as error:
        raise _no_profile(error, repo, project) from None
    out.emit(_profile_json(profile), lambda: _profile_text(profile))
    return 0


def _cmd_create(args: argparse.Namespace, out: _Out) -> int:
    data = DeploymentProfileCreate(
        profile_id=args.profile_id,
        platform=args.platform,
        root_dir=args.root_dir,
        artifact_path_map=dict(args.map) if args.map else None,
        project_config_filenames=args.config_file,
        context_path_prefixes=args.context_prefix,
        supported_artifact_types=args.supports,
        description=args.description,
    )
    repo = _repository(args)
    profile = repo.create(_project_id(args, repo), data)
    out.emit(
        _profile_json(profile),
        lambda: (
            f"Created profile {profile.id} ({profile.platform}, root_dir "
            f"{profile.root_dir}, supports "
            f"{', '.join(map(str, sorted_types(profile.supported_artifact_types)))})"
        ),
    )
    return 0


def _update_values(
    args: argparse.Namespace, current: DeploymentProfile
) -> dict[str, Any]:
    """The ``DeploymentProfileUpdate`` fields the options ask for."""
    values: dict[str, Any] = {}
    clear = set(args.clear)
    if args.no_description:
        clear.add("description")
    simple = {
        "platform": args.platform,
        "root_dir": args.root_dir,
        "project_config_filenames": args.config_file,
        "context_path_prefixes": args.context_prefix,
        "supported_artifact_types": args.supports,
        "description": args.description,
    }
    for name, value in simple.items():
        if value is not None:
            if name in clear:
                raise _UsageError(f"--clear {name} contradicts the new value given")
            values[name] = value
    if (args.map or args.unmap) and "artifact_path_map" in clear:
        raise _UsageError("--clear artifact_path_map contradicts --map/--unmap")
    if args.map or args.unmap:
        # --map merges into the map; a type mapped or unmapped here joins or
        # leaves the supported types too, unless --supports says otherwise.
        mapping: dict[str, str] = {
            str(key): value for key, value in current.artifact_path_map.items()
        }
        added = dict(args.map)
        mapping.update(added)
        for name in args.unmap:
            if name not in mapping:
                raise ProfilesError(
                    f"--unmap {name}: profile {current.id} has no artifact_path_map "
                    f"entry for {name!r} (entries: {', '.join(mapping) or 'none'})"
                )
            del mapping[name]
        values["artifact_path_map"] = mapping
        if (
            "supported_artifact_types" not in values
            and "supported_artifact_types" not in clear
        ):
            supported = {str(t) for t in current.supported_artifact_types}
            supported |= set(added)
            supported -= set(args.unmap)
            values["supported_artifact_types"] = sorted(supported)
    for name in clear:
        values[name] = None
    return values


def _cmd_update(args: argparse.Namespace, out: _Out) -> int:
    repo = _repository(args)
    project_id = _project_id(args, repo)
    # Read and write under one lock, so that --map merges into the current map.
    with repo.transaction(project_id) as tx:
        current = tx.get(args.profile_id)
        values = _update_values(args, current)
        if not values:
            raise _UsageError("nothing to update: give at least one option to change")
        profile = tx.update(args.profile_id, DeploymentProfileUpdate(**values))
    changed = profile is not current
    out.emit(
        {"changed": changed, "profile": _profile_json(profile)},
        lambda: (
            f"Updated profile {profile.id}\n{_profile_text(profile)}"
            if changed
            else f"Profile {profile.id} already had these values; nothing changed."
        ),
    )
    return 0


def _cmd_delete(args: argparse.Namespace, out: _Out) -> int:
    repo = _repository(args)
    project_id = _project_id(args, repo)
    repo.delete(project_id, args.profile_id)
    deleted = f"{project_id}/{args.profile_id}"
    out.emit({"deleted": deleted}, lambda: f"Deleted profile {deleted}")
    return 0


def _cmd_resolve(args: argparse.Namespace, out: _Out) -> int:
    artifact = Artifact(
        name=args.name,
        artifact_type=args.type,
        target_platforms=args.target_platform or None,
    )
    repo = _repository(args)
    project = repo.get_project(_project_id(args, repo))
    try:
        plan = plan_deployment(project, artifact, args.profile or None)
    except NotFoundError as error:
        raise _no_profile(error, repo, project) from None
    placements: dict[str, dict[str, str | None]] = {
        profile_id: {"path": p.path, "kind": str(p.kind), "key": p.key}
        for profile_id, p in plan.placements.items()
    }

    def text() -> str:
        lines = []
        if placements:
            rows = [["PROFILE", "KIND", "PATH", "KEY"]]
            rows += [
                [pid, str(p["kind"]), str(p["path"]), p["key"] or ""]
                for pid, p in placements.items()
            ]
            lines.append(_table(rows))
        else:
            lines.append(
                f"No profile of {project.project_id} takes this "
                f"{artifact.artifact_type}."
            )
        lines += [f"skipped {pid}: {reason}" for pid, reason in plan.skipped.items()]
        return "\n".join(lines)

    out.emit(
        {
            "project_id": project.project_id,
            "artifact": {
                "type": str(artifact.artifact_type),
                "name": artifact.name,
                "target_platforms": (
                    None
                    if artifact.target_platforms is None
                    else [m.value for m in Platform if m in artifact.target_platforms]
                ),
            },
            "placements": placements,
            "skipped": dict(plan.skipped),
        },
        text,
    )
    return 0


def _problem(shown: str, error: ProfilesError) -> dict[str, Any]:
    column = error.column if error.line is not None else None
    return {
        "path": shown,
        "line": error.line,
        "column": column,
        "message": error.message,
    }


def _position(problem: dict[str, Any]) -> str:
    """``file:line:column``, as far as each is known."""
    where = str(problem["path"])
    if problem["line"] is not None:
        where += f":{problem['line']}"
        if problem.get("column") is not None:
            where += f":{problem['column']}"
    return where


def _cmd_validate(args: argparse.Namespace, out: _Out) -> int:
    if args.files:
        repo = ProfileRepository(Path.cwd())
        files = [Path(name) for name in args.files]
    else:
        repo = _repository(args)
        folder = Path(repo.profiles_dir)
        files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    problems: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for file in files:
        shown = _shown(file) if not args.files else str(file)
        found: list[dict[str, Any]] = []
        text: str | None = None
        target = Path(os.path.realpath(file))
        if file.is_symlink() and not target.is_relative_to(
            Path(os.path.realpath(file.parent))
        ):
            # The store refuses such a link; validate must not pass it.
            found.append(
                {
                    "path": shown,
                    "line": None,
                    "column": None,
                    "message": f"the file is a symbolic link to {target}, outside "
                    "its folder; the store neither reads nor writes through it. "
                    "Replace the link with the file itself",
                }
            )
        else:
            try:
                data = file.read_bytes()
                text = data.decode("utf-8")
            except OSError as error:
                detail = error.strerror or str(error)
                found.append(
                    {
                        "path": shown,
                        "line": None,
                        "column": None,
                        "message": f"cannot read: {detail}",
                    }
                )
            except UnicodeDecodeError as error:
                found.append(
                    {
                        "path": shown,
                        "line": data[: error.start].count(b"\n") + 1,
                        "column": None,
                        "message": "the file is not UTF-8 text; save it as UTF-8",
                    }
                )
        if text is not None:
            markers = conflict_marker_lines(text)
            found += [
                {
                    "path": shown,
                    "line": line,
                    "column": None,
                    "message": "unresolved merge conflict marker; keep one side, "
                    "delete the markers, then validate again",
                }
                for line in markers
            ]
            if not markers:
                try:
                    repo.load_file(file)
                except ProfilesError as error:
                    found.append(_problem(shown, error))
        problems += found
        results.append({"path": shown, "ok": not found})

    def text_out() -> str:
        lines = [f"{_position(p)}: {p['message']}" for p in problems]
        bad = sum(1 for r in results if not r["ok"])
        lines.append(
            f"{len(results)} file{'s' if len(results) != 1 else ''} checked, "
            f"{bad} with problems"
        )
        return "\n".join(lines)

    out.emit({"files": results, "problems": problems}, text_out)
    return 1 if problems else 0


def _cmd_migrate(args: argparse.Namespace, out: _Out) -> int:
    repo = _repository(args)
    migrations = repo.migrate(dry_run=args.dry_run)
    data = [
        {
            "project_id": m.project_id,
            "path": str(m.path),
            "from_version": m.from_version,
            "to_version": m.to_version,
            "backup_path": None if m.backup_path is None else str(m.backup_path),
            "changed": m.changed,
        }
        for m in migrations
    ]

    def text() -> str:
        changed = [m for m in migrations if m.changed]
        if not changed:
            return f"All {len(migrations)} project files are up to date."
        lines = []
        for m in changed:
            if args.dry_run:
                lines.append(
                    f"Would upgrade {_shown(m.path)} from version {m.from_version} "
                    f"to {m.to_version}"
                )
            else:
                backup = (
                    f" (original kept as {_shown(m.backup_path)})"
                    if m.backup_path
                    else ""
                )
                lines.append(
                    f"Upgraded {_shown(m.path)} from version {m.from_version} "
                    f"to {m.to_version}{backup}"
                )
        return "\n".join(lines)

    out.emit({"dry_run": args.dry_run, "migrations": data}, text)
    return 0


def _cmd_schema(args: argparse.Namespace, out: _Out) -> int:
    print(json_schema_text(), end="", file=out.stdout)
    return 0


def _cmd_merge_driver(args: argparse.Namespace, out: _Out) -> int:
    result = merge_files(
        args.base,
        args.ours,
        args.theirs,
        path=args.path,
        marker_size=args.marker_size,
    )
    name = args.path or args.ours
    for conflict in result.conflicts:
        print(f"{name}: conflict: {conflict.describe()}", file=sys.stderr)
    if result.problem is not None:
        print(f"{name}: merged, but invalid: {result.problem.message}", file=sys.stderr)
    for error in result.errors:
        print(f"{name}: not merged: {error}", file=sys.stderr)
    if result.errors:
        print(
            f"{name}: wrote both whole versions between conflict markers; keep "
            "one side, fix it, delete the markers, then validate",
            file=sys.stderr,
        )
    return 0 if result.clean else 1


def _marker_size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a whole number; git passes %L, 7 by default"
        ) from None
    if size < 1:
        raise argparse.ArgumentTypeError(
            f"{size} is too small: a conflict marker needs at least 1 character "
            "(git passes %L, 7 by default)"
        )
    return size


# --------------------------------------------------------------------------
# Parser


def _map_pair(value: str) -> tuple[str, str]:
    kind, sep, spec = value.partition("=")
    if not sep or not spec:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not TYPE=PATH (for example skill=skills/*/)"
        )
    if kind not in _TYPES:
        raise argparse.ArgumentTypeError(
            f"{kind!r} is not an artifact type; choose from {', '.join(_TYPES)}"
        )
    return kind, spec


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _example(text: str) -> str:
    return "example:\n" + textwrap.indent(textwrap.dedent(text).strip(), "  ")


def _common(*, suppress: bool) -> _Parser:
    """The store, project and output options, on the main parser and each command."""
    default: Any = argparse.SUPPRESS if suppress else None
    common = _Parser(add_help=False)
    group = common.add_argument_group("store and output")
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--store",
        metavar="DIR",
        default=default,
        help="use the store rooted at DIR (its files are DIR/.skillmeat/profiles/)",
    )
    where.add_argument(
        "--user",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="use the user-level store instead of the project's",
    )
    group.add_argument(
        "--project",
        metavar="ID",
        default=default,
        help="the project to work on (default: the only project in the store)",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print JSON (shapes in docs/cli.md) instead of text",
    )
    return common


def _profile_options(parser: argparse.ArgumentParser, *, create: bool) -> None:
    parser.add_argument(
        "--platform",
        choices=_PLATFORMS,
        required=create,
        help="the coding agent"
        + (" (its built-in defaults fill the rest)" if create else ""),
    )
    parser.add_argument(
        "--root-dir", metavar="DIR", help="the profile's folder, such as .claude"
    )
    parser.add_argument(
        "--map",
        metavar="TYPE=PATH",
        type=_map_pair,
        action="append",
        default=[],
        help="where a type goes, such as skill=skills/*/ (repeat for each type)"
        + ("; merged into the existing map" if not create else ""),
    )
    parser.add_argument(
        "--config-file",
        metavar="NAME",
        action="append",
        help="an instruction file at the project root, such as CLAUDE.md (repeat)",
    )
    parser.add_argument(
        "--context-prefix",
        metavar="DIR",
        action="append",
        help="a folder of context files, such as .claude/specs (repeat)",
    )
    parser.add_argument(
        "--supports",
        metavar="TYPE",
        choices=_TYPES,
        action="append",
        help=f"a supported artifact type, one of {', '.join(_TYPES)} (repeat)",
    )
    parser.add_argument("--description", metavar="TEXT", help="one line for people")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command, with every subcommand."""
    parser = _Parser(
        prog=PROG,
        description=(
            "Where AI coding-agent artifacts belong on each platform, kept in "
            ".skillmeat/profiles/<project>.toml."
        ),
        epilog=_example(
            """
            skillmeat-profiles init
            skillmeat-profiles resolve skill code-review
            """
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common(suppress=False)],
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser
    )
    common = _common(suppress=True)

    def command(
        name: str,
        handler: Callable[[argparse.Namespace, _Out], int],
        help: str,
        example: str,
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help,
            description=help,
            epilog=_example(example),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common],
        )
        sub.set_defaults(handler=handler)
        return sub

    init = command(
        "init",
        _cmd_init,
        "create the project file with one profile per platform",
        "skillmeat-profiles init --platform claude_code --platform codex",
    )
    init.add_argument("--name", help="a name for people (default: the project id)")
    init.add_argument(
        "--platform",
        choices=_PLATFORMS,
        action="append",
        help="a platform to create a profile for (repeat; default: the platforms "
        "found in the folder, else claude_code)",
    )
    init.add_argument(
        "--git-merge-driver",
        action="store_true",
        help="also set up the git merge driver (.gitattributes and git config)",
    )

    command(
        "list",
        _cmd_list,
        "list the project's profiles",
        "skillmeat-profiles list --json",
    )
    show = command(
        "show", _cmd_show, "show one profile", "skillmeat-profiles show claude_code"
    )
    show.add_argument("profile_id", metavar="PROFILE_ID")

    create = command(
        "create",
        _cmd_create,
        "create a profile (unset fields take the platform's defaults)",
        "skillmeat-profiles create codex-exp --platform codex --root-dir .codex-exp",
    )
    create.add_argument("profile_id", metavar="PROFILE_ID")
    _profile_options(create, create=True)

    update = command(
        "update",
        _cmd_update,
        "change some fields of a profile",
        """
        skillmeat-profiles update claude_code --map command=prompts/*.md
        skillmeat-profiles update claude_code --clear context_path_prefixes
        """,
    )
    update.add_argument("profile_id", metavar="PROFILE_ID")
    _profile_options(update, create=False)
    update.add_argument(
        "--unmap",
        metavar="TYPE",
        choices=_TYPES,
        action="append",
        default=[],
        help="drop a type from the map and the supported types (repeat)",
    )
    update.add_argument(
        "--clear",
        metavar="FIELD",
        choices=CLEARABLE,
        action="append",
        default=[],
        help=f"empty a field, one of {', '.join(CLEARABLE)} (repeat)",
    )
    update.add_argument(
        "--no-description",
        action="store_true",
        help="remove the description (same as --clear description)",
    )

    delete = command(
        "delete",
        _cmd_delete,
        "delete a profile",
        "skillmeat-profiles delete codex-review",
    )
    delete.add_argument("profile_id", metavar="PROFILE_ID")

    resolve = command(
        "resolve",
        _cmd_resolve,
        "where an artifact goes under each profile, and why others are skipped",
        "skillmeat-profiles resolve command git/commit --profile claude_code",
    )
    resolve.add_argument("type", metavar="TYPE", choices=_TYPES, help=", ".join(_TYPES))
    resolve.add_argument(
        "name", metavar="NAME", help="the artifact's name, such as ai/code-review"
    )
    resolve.add_argument(
        "--profile",
        metavar="ID",
        action="append",
        help="only these profiles (repeat; naming one that cannot take it is an error)",
    )
    resolve.add_argument(
        "--target-platform",
        metavar="P",
        choices=_PLATFORMS,
        action="append",
        help="the platforms the artifact is meant for (repeat; default: all)",
    )

    validate = command(
        "validate",
        _cmd_validate,
        "check project files; each problem as file:line[:column]: message",
        "skillmeat-profiles validate .skillmeat/profiles/*.toml",
    )
    validate.add_argument(
        "files",
        metavar="FILE",
        nargs="*",
        help="files to check (default: all in the store)",
    )

    migrate = command(
        "migrate",
        _cmd_migrate,
        "upgrade project files written by older versions",
        "skillmeat-profiles migrate --dry-run",
    )
    migrate.add_argument(
        "--dry-run", action="store_true", help="say what would change; write nothing"
    )

    command(
        "schema",
        _cmd_schema,
        "print the JSON Schema of the project file",
        "skillmeat-profiles schema > .skillmeat/profile.schema.json",
    )

    merge = command(
        "merge-driver",
        _cmd_merge_driver,
        "three-way merge of one project file (git's merge driver)",
        "git config merge.skillmeat-profiles.driver "
        "'skillmeat-profiles merge-driver %O %A %B --marker-size %L --path %P'",
    )
    merge.add_argument("base", metavar="BASE", help="the common ancestor (%%O)")
    merge.add_argument(
        "ours", metavar="OURS", help="our version; the result is written here (%%A)"
    )
    merge.add_argument("theirs", metavar="THEIRS", help="their version (%%B)")
    merge.add_argument(
        "--marker-size",
        type=_marker_size,
        default=7,
        metavar="N",
        help="conflict marker length (%%L)",
    )
    merge.add_argument(
        "--path", metavar="PATH", help="the file's path in the repository (%%P)"
    )
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (without the program name); return the exit status.

    0 on success, 1 for an error the user can fix (reported on stderr in one
    line, naming what and where), 2 for wrong usage.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else 2
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    out = _Out(args.json)
    try:
        return int(args.handler(args, out))
    except _UsageError as error:
        print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
        return 2
    except ProfilesError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        # Outside the library's own file handling (a current folder that was
        # deleted): still one line and no traceback.
        where = f"{error.filename}: " if error.filename else ""
        print(
            f"{PROG}: error: {where}{error.strerror or error}; check that the "
            "current folder and the paths given exist and can be read",
            file=sys.stderr,
        )
        return 1


def main() -> None:
    """The console-script entry point."""
    try:
        code = run(sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``| head``); say nothing more, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 1
    sys.exit(code)

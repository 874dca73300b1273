"""The TOML codec: a private cattrs converter, document upgrades, located errors."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

import attrs

from ._enums import ArtifactType, Platform
from ._errors import InvalidDataError, ProfilesError, UnsupportedSchemaError, shown
from ._location import BARE_KEY
from ._models import (
    UNSET,
    Artifact,
    Deployment,
    DeploymentProfile,
    DeploymentProfileCreate,
    DeploymentProfileUpdate,
    Project,
)
from ._schema import SCHEMA_VERSION, UPGRADES
from ._validate import check_id

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "dump_toml",
    "from_document",
    "from_toml",
    "parse_toml",
    "project_from_document",
    "split_header",
    "to_document",
    "to_toml",
]

M = TypeVar("M")
Document = dict[str, Any]
Where = tuple[str | int, ...]

_POSITION: Final = re.compile(r"line (\d+),? column (\d+)")
_HEADER_TOKEN: Final = re.compile(
    r'\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)\s*(\.|$)'
)

#: The keys of the ``[project]`` table, in file order.
_PROJECT_KEYS: Final = ("id", "name", "path", "created_at", "updated_at")
_TOP_KEYS: Final = ("schema_version", "project", "profiles", "deployments")
_ORDER: Final = {
    member: index
    for enum in (ArtifactType, Platform)
    for index, member in enumerate(enum)
}


def render(where: Where) -> str:
    """A dotted field path: ``profiles.codex.root_dir``, ``deployments."a:b"``."""
    text = ""
    for part in where:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            # json.dumps escapes quotes and control characters as TOML does,
            # so a hostile key still gives a one-line message.
            piece = (
                part
                if BARE_KEY.fullmatch(part)
                else json.dumps(part, ensure_ascii=False)
            )
            text += f".{piece}" if text else piece
    return text


def _invalid(where: Where, message: str) -> InvalidDataError:
    field = render(where)
    return InvalidDataError(f"{field}: {message}" if field else message, field=field)


def _relocate(error: InvalidDataError, where: Where) -> InvalidDataError:
    """Prefix the field path of an error raised by a model converter."""
    inner = error.field or ""
    local = inner.split("[", 1)
    parts: list[str | int] = [*where, *local[0].split(".")] if local[0] else [*where]
    field = render(tuple(parts)) + (f"[{local[1]}" if len(local) == 2 else "")
    message = error.message
    if inner and message.startswith(inner + ":"):
        message = message[len(inner) + 1 :].lstrip()
    relocated = InvalidDataError(f"{field}: {message}", field=field)
    relocated.__cause__ = error.__cause__
    return relocated


def _check_keys(
    doc: object, allowed: tuple[str, ...], required: tuple[str, ...], where: Where
) -> Document:
    if not isinstance(doc, dict):
        raise _invalid(
            where, f"expected a table, found {type(doc).__name__} {shown(doc)}"
        )
    for key in doc:
        if key not in allowed:
            import difflib  # only on this error path: ~10 ms

            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else f"expected one of {', '.join(allowed)}"
            )
            raise _invalid((*where, key), f"unknown key {shown(key)}; {hint}")
    for key in required:
        if key not in doc:
            raise _invalid(where, f"missing required key {shown(key)}")
    return doc


def _construct(cls: Callable[..., M], values: Mapping[str, Any], where: Where) -> M:
    try:
        return cls(**values)
    except InvalidDataError as error:
        raise _relocate(error, where) from None


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names = tuple(f.name for f in attrs.fields(cls) if f.init)
    required = tuple(
        f.name for f in attrs.fields(cls) if f.init and f.default is attrs.NOTHING
    )
    return names, required


def _structure_plain(
    cls: type[M], extra_omit: tuple[str, ...] = ()
) -> Callable[[Any, Where], M]:
    names, required = _fields(cast("type", cls))  # attrs classes are hashable
    allowed = tuple(name for name in names if name not in extra_omit)
    needed = tuple(name for name in required if name not in extra_omit)

    def structure(doc: Any, where: Where) -> M:
        values = _check_keys(doc, allowed, needed, where)
        return _construct(cls, values, where)

    return structure


def _structure_update(doc: Any, where: Where) -> DeploymentProfileUpdate:
    names, _ = _fields(DeploymentProfileUpdate)
    allowed = (*(name for name in names if name != "profile_id"), "clear")
    values = dict(_check_keys(doc, (*allowed, "profile_id"), (), where))
    clear = values.pop("clear", [])
    if not isinstance(clear, list) or not all(isinstance(name, str) for name in clear):
        raise _invalid((*where, "clear"), "expected a list of field names")
    for name in clear:
        if name not in names or name == "profile_id":
            raise _invalid(
                (*where, "clear"), f"{name!r} is not a field that can be cleared"
            )
        if name in values:
            raise _invalid((*where, "clear"), f"{name!r} is both set and cleared")
        values[name] = None
    return _construct(DeploymentProfileUpdate, values, where)


def structure_project_profile(
    body: Any, profile_id: str, project_id: str | None
) -> DeploymentProfile:
    """One ``[profiles.<profile_id>]`` table of a project file, as a profile."""
    where: Where = ("profiles", profile_id)
    # Check the table key first: a bad id explains the table better than
    # the missing keys a mistyped header leaves behind.
    try:
        check_id(profile_id, "profile_id")
    except InvalidDataError as error:
        raise _invalid(where, error.message.removeprefix("profile_id: ")) from None
    names, required = _fields(DeploymentProfile)
    keys = tuple(n for n in names if n not in ("profile_id", "project_id"))
    needed = tuple(n for n in required if n != "profile_id")
    # The table key is the profile_id, validated like one.
    fields = dict(_check_keys(body, keys, needed, where))
    fields["profile_id"] = profile_id
    # Attached here so that Project does not rebuild every profile.
    if project_id is not None:
        fields["project_id"] = project_id
    return _construct(DeploymentProfile, fields, where)


def _structure_project(doc: Any, where: Where) -> Project:
    top = _check_keys(doc, _TOP_KEYS, ("project",), where)
    table = _check_keys(
        top["project"], _PROJECT_KEYS, ("id", "created_at", "updated_at"), ("project",)
    )
    values: dict[str, Any] = {"project_id": table["id"]} if "id" in table else {}
    if "id" in table:
        # Checked first: the profiles below are attached to this id.
        try:
            check_id(table["id"], "id")
        except InvalidDataError as error:
            raise _relocate(error, ("project",)) from None
    values.update({key: value for key, value in table.items() if key != "id"})
    structure_record = _structure_plain(Deployment)
    profiles_doc = top.get("profiles", {})
    if not isinstance(profiles_doc, dict):
        raise _invalid(
            ("profiles",),
            f"expected a table of profiles keyed by profile_id, found {shown(profiles_doc)}",
        )
    profiles = [
        structure_project_profile(body, profile_id, table.get("id"))
        for profile_id, body in profiles_doc.items()
    ]
    records_doc = top.get("deployments", {})
    if not isinstance(records_doc, dict):
        raise _invalid(
            ("deployments",), f"expected a table of records, found {shown(records_doc)}"
        )
    records = []
    for key, body in records_doc.items():
        record = structure_record(body, ("deployments", key))
        if record.key != key:
            raise _invalid(
                ("deployments", key),
                "the key does not match the record; rename the table to "
                f"{record.key!r}",
            )
        records.append(record)
    values["deployment_profiles"] = profiles
    values["deployments"] = records
    return _construct(Project, values, ("project",))


@functools.cache
def _converter() -> cattrs.Converter:
    # Imported here: cattrs costs tens of milliseconds, and only the first
    # (un)structure of a process needs it.
    from cattrs.gen import make_dict_unstructure_fn, override
    from cattrs.preconf.tomllib import make_converter

    converter = make_converter()

    # Sets come out in declaration order of their enum, never in hash order,
    # which differs from one process to the next.
    converter.register_unstructure_hook_func(
        lambda cls: cls is frozenset or getattr(cls, "__origin__", None) is frozenset,
        lambda value: [str(item) for item in sorted(value, key=_ORDER.__getitem__)],
    )
    converter.register_unstructure_hook_func(
        lambda cls: cls is Mapping or getattr(cls, "__origin__", None) is Mapping,
        lambda value: {str(key): spec for key, spec in value.items()},
    )
    converter.register_unstructure_hook(tuple, list)
    # StrEnum members are str subclasses that cattrs passes through; the TOML
    # writer wants plain strings.
    for enum in (ArtifactType, Platform):
        converter.register_unstructure_hook(enum, str)

    def omit_none(cls: type, **extra: Any) -> None:
        overrides: dict[str, Any] = {
            f.name: override(omit_if_default=True)
            for f in attrs.fields(cls)
            if f.default is None or f.default is UNSET
        }
        overrides.update(extra)
        converter.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, converter, **overrides)
        )

    omit_none(Artifact)
    omit_none(Deployment)
    omit_none(DeploymentProfileCreate)
    omit_none(DeploymentProfile, _locations=override(omit=True))

    for cls in (
        Artifact,
        Deployment,
        DeploymentProfileCreate,
        DeploymentProfile,
        DeploymentProfileUpdate,
        Project,
    ):
        converter.register_structure_hook(cls, _STRUCTURE[cls])
    converter.register_unstructure_hook(Project, _unstructure_project)
    converter.register_unstructure_hook(DeploymentProfileUpdate, _unstructure_update)
    return converter


def _unstructure_profile(profile: DeploymentProfile, *, in_project: bool) -> Document:
    doc: Document = _converter().unstructure(profile, DeploymentProfile)
    if in_project:
        del doc["profile_id"]
        doc.pop("project_id", None)
    return doc


def _unstructure_project(project: Project, *, tables: bool = True) -> Document:
    table: Document = {"id": project.project_id, "name": project.name}
    if project.path is not None:
        table["path"] = project.path
    table["created_at"] = project.created_at
    table["updated_at"] = project.updated_at
    doc: Document = {"schema_version": SCHEMA_VERSION, "project": table}
    if not tables:
        return doc
    if project.deployment_profiles:
        doc["profiles"] = {
            profile.profile_id: _unstructure_profile(profile, in_project=True)
            for profile in project.deployment_profiles
        }
    if project.deployments:
        converter = _converter()
        doc["deployments"] = {
            record.key: converter.unstructure(record, Deployment)
            for record in project.deployments
        }
    return doc


#: One table of a project file as last rendered: the model it came from, its
#: document and its TOML text. Keyed by ``("profiles", id)`` or
#: ``("deployments", key)``.
Fragment = tuple[object, Document, str]


def render_project(
    project: Project, previous: Mapping[tuple[str, str], Fragment] | None = None
) -> tuple[str, Document, dict[tuple[str, str], Fragment]]:
    """The TOML text and document of ``project``, table by table.

    A profile or record that is the very object of a fragment in
    ``previous`` reuses that fragment's text: a write that changes one
    profile of forty serialises one. The text equals what ``dump_toml``
    makes of the whole document (the tests hold it to that), because the
    writer emits each table on its own, separated by one blank line.
    Returns the text, the document and the fragments of this rendering.
    """
    full = _unstructure_project(project, tables=False)
    parts = [dump_toml({"schema_version": full["schema_version"]})]
    parts.append(dump_toml({"project": full["project"]}))
    fragments: dict[tuple[str, str], Fragment] = {}
    old = previous or {}
    sections: list[tuple[str, list[tuple[str, object]]]] = [
        ("profiles", [(p.profile_id, p) for p in project.deployment_profiles]),
        ("deployments", [(r.key, r) for r in project.deployments]),
    ]
    for section, items in sections:
        bodies: Document = {}
        for key, model in items:
            fragment = old.get((section, key))
            if fragment is None or fragment[0] is not model:
                if isinstance(model, DeploymentProfile):
                    body = _unstructure_profile(model, in_project=True)
                else:
                    body = _converter().unstructure(model, Deployment)
                fragment = (model, body, dump_toml({section: {key: body}}))
            fragments[(section, key)] = fragment
            bodies[key] = fragment[1]
            parts.append(fragment[2])
        if bodies:
            full[section] = bodies
    return "\n".join(parts), full, fragments


def _unstructure_update(update: DeploymentProfileUpdate) -> Document:
    converter = _converter()
    doc: Document = {}
    clear: list[str] = []
    for field in attrs.fields(DeploymentProfileUpdate):
        value = getattr(update, field.name)
        if value is UNSET:
            continue
        if value is None:
            clear.append(field.name)
        else:
            doc[field.name] = converter.unstructure(value)
    if clear:
        doc["clear"] = clear
    return doc


_STRUCTURE: Final[dict[type, Callable[[Any, Where], Any]]] = {
    Artifact: _structure_plain(Artifact),
    Deployment: _structure_plain(Deployment),
    DeploymentProfile: _structure_plain(DeploymentProfile),
    DeploymentProfileCreate: _structure_plain(DeploymentProfileCreate),
    DeploymentProfileUpdate: _structure_update,
    Project: _structure_project,
}


def to_document(model: object) -> Document:
    """The TOML-ready dict of a model (``None`` fields left out)."""
    if isinstance(model, DeploymentProfile):
        return _unstructure_profile(model, in_project=False)
    if type(model) not in _STRUCTURE:
        raise TypeError(
            f"to_toml takes a model of skillmeat_profiles, not {type(model).__name__}"
        )
    doc: Document = _converter().unstructure(model)
    return doc


def _v1_index(doc: Document) -> dict[str, int]:
    records = doc.get("deployments")
    if not isinstance(records, list):
        return {}
    return {
        f"{r.get('artifact_type')}:{r.get('artifact_name')}": index
        for index, r in enumerate(records)
        if isinstance(r, dict)
    }


def upgrade_document(doc: Document, *, path: str | None = None) -> tuple[Document, int]:
    """Bring a project document to ``SCHEMA_VERSION``; return it and its old version."""
    version = doc.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidDataError(
            f"schema_version: {shown(version)} is not valid; expected a whole number "
            f"from 1 to {SCHEMA_VERSION}",
            field="schema_version",
            path=path,
        )
    if version > SCHEMA_VERSION:
        raise UnsupportedSchemaError(
            f"schema_version {version} was found, but this version of "
            f"skillmeat-profiles reads versions up to {SCHEMA_VERSION}; perhaps "
            "skillmeat-profiles needs to be upgraded? The file was left as it is.",
            path=path,
            field="schema_version",
        )
    current = doc
    for step in range(version, SCHEMA_VERSION):
        current = UPGRADES[step](current)
    return current, version


def _line_of(text: str | None, field: str | None) -> int | None:
    """The line of ``field`` in ``text``; line 1 for an error about the whole file."""
    if text is None:
        return None
    return locate(text, field) or 1


def project_from_document(
    doc: Document, *, path: str | None = None, text: str | None = None
) -> tuple[Project, int]:
    """Structure a parsed project file, upgrading it; return it and its old version."""
    try:
        current, version = upgrade_document(doc, path=path)
    except ProfilesError as error:
        line = _line_of(text, error.field)
        raise error.located(path=path, line=line) from None
    try:
        project = _structure_project(current, ())
    except InvalidDataError as error:
        if version == 1 and error.field and error.field.startswith("deployments."):
            index = _v1_index(doc)
            for key, position in index.items():
                quoted = render(("deployments", key))
                if error.field.startswith(quoted):
                    # Version 1 files hold an array: name the element the
                    # user sees, in the field and in the message alike.
                    where = f"deployments[{position}]"
                    error.field = where + error.field[len(quoted) :]
                    if error.message.startswith(quoted):
                        error.message = where + error.message[len(quoted) :]
                        error.args = (error.message,)
                    break
        line = _line_of(text, error.field)
        raise error.located(path=path, line=line) from None
    return project, version


def from_document(doc: Any, cls: type[M], *, path: str | None = None) -> M:
    """Structure a parsed document into ``cls``; every error is an InvalidDataError."""
    if cls is Project:
        project, _ = project_from_document(doc, path=path)
        return project  # type: ignore[return-value]
    structure = _STRUCTURE.get(cls)
    if structure is None:
        raise TypeError(f"from_toml reads models of skillmeat_profiles, not {cls!r}")
    try:
        result: M = structure(doc, ())
    except InvalidDataError as error:
        raise error.located(path=path) from None
    return result


def parse_toml(text: str, *, path: str | None = None) -> Document:
    """Parse TOML text; a syntax error is a ``ProfilesError`` with line and column."""
    import rtoml  # only the first parse of a process pays for it

    if not isinstance(text, str):
        raise TypeError(f"TOML text must be str, not {type(text).__name__}")
    try:
        doc: Document = rtoml.loads(text)
    except (ValueError, TypeError) as error:
        message = (
            str(error).strip().splitlines()[0] if str(error).strip() else "invalid TOML"
        )
        match = _POSITION.search(message)
        line = int(match.group(1)) if match else None
        column = int(match.group(2)) if match else None
        message = _POSITION.sub("", message).replace(" at ", " ").rstrip(" ,;:")
        raise ProfilesError(
            f"not valid TOML: {message}; fix the syntax at that position",
            path=path,
            line=line,
            column=column,
        ) from None
    except RecursionError:
        raise ProfilesError(
            "not valid TOML: nested too deeply; flatten the arrays or tables",
            path=path,
            line=1,
        ) from None
    return doc


def dump_toml(doc: Document) -> str:
    """Serialise a TOML-ready dict, deterministically, one array element per line."""
    import rtoml  # only the first dump of a process pays for it

    text: str = rtoml.dumps(doc, pretty=True)
    return text if text.endswith("\n") else text + "\n"


def split_header(text: str) -> tuple[str, str]:
    """Split the leading comments and blank lines (``#:schema``) from the rest."""
    position = 0
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end == -1 else end + 1
        line = text[position:end].strip()
        if line and not line.startswith("#"):
            break
        position = end
    return text[:position], text[position:]


def to_toml(model: object) -> str:
    """The TOML text of a model; the same model always gives the same text."""
    if isinstance(model, Project):
        return render_project(model)[0]
    return dump_toml(to_document(model))


def from_toml(text: str, cls: type[M], *, path: str | None = None) -> M:
    """Read a model of type ``cls`` from TOML text.

    Unknown keys, wrong types and invalid values raise ``InvalidDataError``
    naming the dotted field path (and the line, for project files); invalid
    TOML raises ``ProfilesError`` with line and column. A project file of an
    older ``schema_version`` is upgraded on the way in; a newer one raises
    ``UnsupportedSchemaError``.
    """
    doc = parse_toml(text, path=path)
    if cls is Project:
        project, _ = project_from_document(doc, path=path, text=text)
        return project  # type: ignore[return-value]
    return from_document(doc, cls, path=path)


def _header_parts(header: str) -> tuple[str, ...] | None:
    parts: list[str] = []
    position = 0
    while position < len(header):
        match = _HEADER_TOKEN.match(header, position)
        if match is None:
            return None
        token = match.group(1)
        parts.append(token[1:-1] if token[0] in "\"'" else token)
        position = match.end()
    return tuple(parts)


def _split_field(field: str) -> list[str]:
    parts: list[str] = []
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"|([^."\[\]]+)|\[(\d+)\]', field):
        if match.group(3) is not None:
            parts.append(f"[{match.group(3)}]")
        else:
            parts.append(
                match.group(1) if match.group(1) is not None else match.group(2)
            )
    return parts


def locate(text: str | None, field: str | None) -> int | None:
    """The 1-based line of the dotted ``field`` in TOML ``text``, best effort."""
    if text is None or not field:
        return None
    wanted = _split_field(field)
    keys = [part for part in wanted if not part.startswith("[")]
    index_of: dict[tuple[str, ...], int] = {}
    for part_index, part in enumerate(wanted):
        if part.startswith("[") and part_index > 0:
            prefix = tuple(p for p in wanted[:part_index] if not p.startswith("["))
            index_of[prefix] = int(part[1:-1])
    best: tuple[int, int] | None = None  # (matched depth, line)
    table: tuple[str, ...] = ()
    seen: dict[tuple[str, ...], int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            array = line.startswith("[[")
            inner = (
                line.strip("[]").split("#", 1)[0].strip()
                if not array
                else line[2:].split("]]", 1)[0]
            )
            parts = _header_parts(inner.strip())
            if parts is None:
                continue
            table = parts
            if array:
                seen[table] = seen.get(table, -1) + 1
            if (
                keys[: len(table)] == list(table)
                and (table not in index_of or seen.get(table) == index_of[table])
                and (best is None or len(table) > best[0])
            ):
                best = (len(table), number)
            continue
        if "=" in line and list(table) == keys[: len(table)] and len(table) < len(keys):
            if table in index_of and seen.get(table) != index_of[table]:
                continue
            key = line.split("=", 1)[0].strip().strip("\"'")
            if key == keys[len(table)] and (best is None or len(table) + 1 > best[0]):
                best = (len(table) + 1, number)
    return best[1] if best else None

"""Three-way merge of one project file, per profile, record and field, for git."""

from __future__ import annotations

import difflib
import re
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._codec import (
    dump_toml,
    locate,
    parse_toml,
    project_from_document,
    render,
    split_header,
    to_toml,
    upgrade_document,
)
from ._errors import ProfilesError

if TYPE_CHECKING:
    import os

__all__ = [
    "DRIVER_NAME",
    "GITATTRIBUTES_LINE",
    "MergeConflict",
    "MergeResult",
    "conflict_marker_lines",
    "driver_command",
    "install_merge_driver",
    "merge_files",
    "merge_texts",
]

Document = dict[str, Any]

#: The merge driver's name in ``.gitattributes`` and ``git config``.
DRIVER_NAME: Final = "skillmeat-profiles"
#: The ``.gitattributes`` line that routes project files through the driver.
GITATTRIBUTES_LINE: Final = f".skillmeat/profiles/*.toml merge={DRIVER_NAME}"

_MARKER: Final = re.compile(r"^(<{7,}|={7,}|>{7,}|\|{7,})(?: |$)")


class _Missing:
    """A key absent from one side of the merge (deleted, or never added)."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Final = _Missing()


@attrs.frozen
class MergeConflict:
    """One field changed two different ways.

    ``field`` is the dotted field path (``profiles.codex.root_dir``);
    ``base``, ``ours`` and ``theirs`` its three values, ``None`` where the
    key is absent on that side.
    """

    field: str
    base: object
    ours: object
    theirs: object

    def describe(self) -> str:
        """One line for people: the field and both new values."""

        def show(value: object) -> str:
            return "(deleted)" if value is None else repr(_plain(value))

        return (
            f"{self.field} changed both ways: ours {show(self.ours)}, "
            f"theirs {show(self.theirs)}"
        )


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return f"a table of {len(value)} keys"
    return value


@attrs.frozen
class MergeResult:
    """The merged text and what kept it from merging cleanly.

    ``text`` is what belongs in the working tree: the canonical file when the
    merge is clean; with git conflict markers around the lines that differ
    when ``conflicts`` is not empty; or the merged document when each field
    merged but the whole is invalid (``problem``), e.g. a record naming a
    profile the other side deleted; or, when a version is not a valid project
    file (``errors``, one per such version, naming its file), the whole of
    ours and the whole of theirs between one pair of conflict markers.
    Either way ``validate`` flags the file.
    """

    text: str
    conflicts: tuple[MergeConflict, ...] = ()
    problem: ProfilesError | None = None
    errors: tuple[ProfilesError, ...] = ()

    @property
    def clean(self) -> bool:
        """Whether the merge needs no one to look at it."""
        return not self.conflicts and self.problem is None and not self.errors


def _value(value: object) -> object:
    return None if value is _MISSING else value


def _merge(
    base: object,
    ours: object,
    theirs: object,
    where: tuple[str, ...],
    *,
    conflicts: list[MergeConflict] | None,
    prefer_ours: bool,
) -> object:
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if (
        isinstance(ours, dict)
        and isinstance(theirs, dict)
        and (base is _MISSING or isinstance(base, dict))
    ):
        # Both sides changed (or both added) one table: merge it key by key.
        old: dict[str, object] = base if isinstance(base, dict) else {}
        merged: Document = {}
        for key in [*ours, *(key for key in theirs if key not in ours)]:
            value = _merge(
                old.get(key, _MISSING),
                ours.get(key, _MISSING),
                theirs.get(key, _MISSING),
                (*where, key),
                conflicts=conflicts,
                prefer_ours=prefer_ours,
            )
            if value is not _MISSING:
                merged[key] = value
        return merged
    if (
        where[-1:] == ("updated_at",)
        and isinstance(ours, datetime)
        and isinstance(theirs, datetime)
    ):
        # Both sides stamped their own change; the merge happened after both.
        return max(ours, theirs)
    if conflicts is not None:
        conflicts.append(
            MergeConflict(render(where), _value(base), _value(ours), _value(theirs))
        )
    return ours if prefer_ours else theirs


_SIDES: Final = ("base", "ours", "theirs")


def _document(text: str, path: str | None) -> Document:
    """One side parsed, validated as a whole and upgraded to the current version."""
    if not text.strip():
        # Git passes an empty base when both branches added the file.
        return {}
    raw = parse_toml(text, path=path)
    # Checked whole first: a side the library would refuse to load must not
    # be merged field by field, or what it holds could be silently dropped.
    project_from_document(raw, path=path, text=text)
    doc, _ = upgrade_document(raw, path=path)
    return doc


def _side_error(side: str, error: ProfilesError) -> ProfilesError:
    """``error`` restated so that its message says which version it is about."""
    return type(error)(
        f"the {side} version is not a valid project file: {error.message}",
        path=error.path,
        line=error.line,
        column=error.column,
        field=error.field,
    )


def _whole_file_conflict(
    ours: str, theirs: str, marker_size: int, labels: tuple[str, str]
) -> str:
    def ended(text: str) -> str:
        return text if not text or text.endswith("\n") else text + "\n"

    return (
        f"{'<' * marker_size} {labels[0]}\n{ended(ours)}"
        f"{'=' * marker_size}\n{ended(theirs)}"
        f"{'>' * marker_size} {labels[1]}\n"
    )


def _with_markers(
    ours: str, theirs: str, marker_size: int, labels: tuple[str, str]
) -> str:
    left, right = ours.splitlines(keepends=True), theirs.splitlines(keepends=True)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(left[i1:i2])
            continue
        out.append(f"{'<' * marker_size} {labels[0]}\n")
        out.extend(left[i1:i2])
        out.append(f"{'=' * marker_size}\n")
        out.extend(right[j1:j2])
        out.append(f"{'>' * marker_size} {labels[1]}\n")
    return "".join(out)


def merge_texts(
    base: str,
    ours: str,
    theirs: str,
    *,
    path: str | None = None,
    marker_size: int = 7,
    labels: tuple[str, str] = ("ours", "theirs"),
    sources: tuple[str | None, str | None, str | None] | None = None,
) -> MergeResult:
    """Merge three versions of one project file.

    Each side is parsed, validated and upgraded to the current schema
    version, then the documents are merged key by key: a profile, a record or
    a field changed on one side only takes that side's value, wherever it
    sits in the file; ``updated_at`` stamped on both sides takes the later
    one. A value changed two different ways, or deleted on one side and
    changed on the other, is a conflict.

    A version that is not valid TOML, holds invalid data or has a newer
    ``schema_version`` is not merged: the result is the whole of ``ours``
    and the whole of ``theirs`` between conflict markers, with one error per
    such version in ``errors``. ``sources`` names the file each version
    (base, ours, theirs) came from in those errors; by default ``path``.
    """
    names = sources if sources is not None else (path, path, path)
    docs: list[Document] = []
    errors: list[ProfilesError] = []
    for side, text, name in zip(_SIDES, (base, ours, theirs), names, strict=True):
        try:
            docs.append(_document(text, name))
        except ProfilesError as error:
            errors.append(_side_error(side, error.located(path=name)))
    if errors:
        return MergeResult(
            _whole_file_conflict(ours, theirs, marker_size, labels),
            errors=tuple(errors),
        )
    old, mine, other = docs
    header = split_header(ours)[0] if ours.strip() else split_header(theirs)[0]
    conflicts: list[MergeConflict] = []
    merged = _merge(old, mine, other, (), conflicts=conflicts, prefer_ours=True)
    assert isinstance(merged, dict)
    if conflicts:
        theirs_side = _merge(old, mine, other, (), conflicts=None, prefer_ours=False)
        assert isinstance(theirs_side, dict)
        text = header + _with_markers(
            dump_toml(merged), dump_toml(theirs_side), marker_size, labels
        )
        return MergeResult(text, tuple(conflicts))
    try:
        project, _ = project_from_document(merged, path=path)
    except ProfilesError as error:
        text = header + dump_toml(merged)
        error.line = locate(text, error.field) if error.field else None
        return MergeResult(text, problem=error)
    return MergeResult(header + to_toml(project))


def merge_files(
    base: str | os.PathLike[str],
    ours: str | os.PathLike[str],
    theirs: str | os.PathLike[str],
    *,
    path: str | None = None,
    marker_size: int = 7,
) -> MergeResult:
    """Merge as git's driver does: read the three files, write the result over ``ours``.

    ``path`` is the file's name in the repository (git's ``%P``), used in
    messages. The result is written even when it has conflicts, so that the
    working tree holds something a person can resolve; an error about one
    version names the file it was read from.
    """
    files = (base, ours, theirs)
    texts = []
    for side, file in zip(_SIDES, files, strict=True):
        try:
            texts.append(Path(file).read_text(encoding="utf-8"))
        except OSError as error:
            raise ProfilesError(
                f"cannot read the {side} version to merge: "
                f"{error.strerror or type(error).__name__}; check that the file "
                "exists and can be read",
                path=str(file),
            ) from None
        except UnicodeDecodeError as error:
            raise ProfilesError(
                f"cannot read the {side} version to merge: byte {error.start} is "
                "not UTF-8; project files are UTF-8 text",
                path=str(file),
            ) from None
    base_name, ours_name, theirs_name = (str(file) for file in files)
    result = merge_texts(
        *texts,
        path=path,
        marker_size=marker_size,
        sources=(base_name, ours_name, theirs_name),
    )
    try:
        Path(ours).write_text(result.text, encoding="utf-8", newline="\n")
    except OSError as error:
        raise ProfilesError(
            f"cannot write the merged file: {error.strerror or error}", path=str(ours)
        ) from None
    return result


def conflict_marker_lines(text: str) -> list[int]:
    """The 1-based lines of ``text`` that are git conflict markers."""
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if _MARKER.match(line)
    ]


def driver_command(program: str = "skillmeat-profiles") -> str:
    """The ``merge.<name>.driver`` value that runs ``program``'s ``merge-driver``."""
    return f"{program} merge-driver %O %A %B --marker-size %L --path %P"


Runner = Callable[[list[str], Path], tuple[int, str]]


def _run_git(args: list[str], cwd: Path) -> tuple[int, str]:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise ProfilesError(
            f"cannot run git to set up the merge driver: {error.strerror or error}; "
            "install git, or set the driver up by hand (docs/cli.md)",
            path=str(cwd),
        ) from None
    return done.returncode, (done.stdout.strip() or done.stderr.strip())


def install_merge_driver(
    root: str | os.PathLike[str],
    *,
    program: str = "skillmeat-profiles",
    runner: Runner = _run_git,
) -> list[str]:
    """Route ``root``'s project files through the merge driver; return what changed.

    Adds ``GITATTRIBUTES_LINE`` to ``root/.gitattributes`` and sets
    ``merge.skillmeat-profiles.name`` and ``.driver`` in the repository's
    git config. Whatever is already set up is left alone, so running it again
    changes nothing and returns an empty list.
    """
    folder = Path(root)
    changed: list[str] = []
    code, _ = runner(["rev-parse", "--git-dir"], folder)
    if code != 0:
        raise ProfilesError(
            "not inside a git repository, so there is no merge driver to set "
            "up; run 'git init' first",
            path=str(folder),
        )
    attributes = folder / ".gitattributes"
    try:
        existing = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
        if GITATTRIBUTES_LINE not in existing.splitlines():
            glue = "" if not existing or existing.endswith("\n") else "\n"
            attributes.write_text(
                existing + glue + GITATTRIBUTES_LINE + "\n", encoding="utf-8"
            )
            changed.append(f"added '{GITATTRIBUTES_LINE}' to {attributes}")
    except (OSError, UnicodeDecodeError) as error:
        raise ProfilesError(
            f"cannot update .gitattributes: {error}", path=str(attributes)
        ) from None
    wanted = {
        f"merge.{DRIVER_NAME}.name": "skillmeat-profiles project file merge",
        f"merge.{DRIVER_NAME}.driver": driver_command(program),
    }
    for key, value in wanted.items():
        code, current = runner(["config", "--local", "--get", key], folder)
        if code == 0 and current == value:
            continue
        code, output = runner(["config", "--local", key, value], folder)
        if code != 0:
            raise ProfilesError(f"git config {key} failed: {output}", path=str(folder))
        changed.append(f"set git config {key} = {value!r}")
    return changed

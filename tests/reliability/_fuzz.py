"""Hostile input for the loader: strategies, mutations of valid files, and the check each input must pass."""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillmeat_profiles import (
    ArtifactType,
    Platform,
    ProfilesError,
    Project,
    from_toml,
    to_toml,
)
from skillmeat_profiles._codec import (
    dump_toml,
    parse_toml,
    project_from_document,
    to_document,
)

from ..strategies import FORMAT_WORDS, aware_datetimes, ids, projects

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = [
    "FuzzInput",
    "LoadResult",
    "check_document",
    "check_file",
    "check_text",
    "fuzz_settings",
    "message_problem",
    "mutated_files",
    "raw_files",
    "run_examples",
    "toml_documents",
    "valid_texts",
]

T = TypeVar("T")


def fuzz_settings(examples: int) -> settings:
    """The settings of every fuzz test: ``examples`` inputs, no deadline (huge
    inputs are slow on purpose), no health check about large or filtered data."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


#: An error message longer than this is not "one line a person reads".
MESSAGE_MAX: Final = 6000

#: Values of the file format, mixed into generated documents as values.
_WORDS: Final = (
    *(str(member) for member in Platform),
    *(str(member) for member in ArtifactType),
    "skills/*/",
    "agents/*.md",
    "settings.json#hooks",
    "/.mcp.json#mcpServers",
    ".claude",
    ".",
    "..",
    "../outside",
    "/etc/passwd",
    "C:\\x",
    "\\\\srv\\share",
    "CON",
    "a/../b",
    "sha256:abc",
    "",
    "\x00",
    "CLAUDE.md",
)

_idents = ids
_utc_times = aware_datetimes()


def _scalars() -> st.SearchStrategy[Any]:
    offsets = st.integers(-23 * 60, 23 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
    return st.one_of(
        st.sampled_from(_WORDS),
        st.text(max_size=20),
        st.integers(-(2**63), 2**63 - 1),
        st.sampled_from([0, 1, 2, 3, -1, 2**31, 2**63 - 1]),
        st.floats(allow_nan=False),
        st.booleans(),
        st.datetimes(timezones=st.none() | st.just(UTC) | offsets),
        st.dates(),
        st.times(),
    )


def toml_documents() -> st.SearchStrategy[dict[str, Any]]:
    """Arbitrary TOML documents, keyed and valued half from the file format's own words."""
    keys = st.sampled_from(FORMAT_WORDS) | st.text(max_size=8)
    values = st.recursive(
        _scalars(),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=25,
    )
    # Some documents start from a plausible skeleton, so that the hostile
    # values reach past the first missing key.
    skeleton = st.fixed_dictionaries(
        {
            "schema_version": st.sampled_from([1, 2, 3]) | values,
            "project": st.fixed_dictionaries(
                {"id": _idents | values, "created_at": _utc_times | values},
                optional={"updated_at": _utc_times | values, "name": values},
            ),
        },
        optional={
            "profiles": st.dictionaries(_idents | keys, values, max_size=3),
            "deployments": st.dictionaries(keys, values, max_size=3) | values,
        },
    )
    return st.dictionaries(keys, values, max_size=6) | skeleton


def valid_texts() -> st.SearchStrategy[str]:
    """The TOML text of valid projects, as the library writes it."""
    return projects().map(to_toml)


# --- mutations ---------------------------------------------------------------

Path_ = tuple[str | int, ...]


def _paths(doc: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every path to a value inside ``doc``, tables and arrays included."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list) and len(doc) <= 50:  # not into a huge value
        for index, value in enumerate(doc):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _parent(doc: Any, path: Path_) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


def _flip(value: Any, choice: int) -> Any:
    """A value of another TOML type than ``value``."""
    options: list[Any] = [
        "text",
        7,
        -1,
        2.5,
        True,
        [],
        [value],
        {},
        {"value": value},
        datetime(2026, 1, 1),  # naive: the models want aware UTC
        date(2026, 1, 1),
        time(12, 0),
        str(value),
    ]
    options = [option for option in options if type(option) is not type(value)]
    return options[choice % len(options)]


def _nest(value: Any, depth: int, as_table: bool) -> Any:
    for _ in range(depth):
        value = {"x": value} if as_table else [value]
    return value


_HUGE: Final = (
    "x" * 1_000_000,
    "é" * 300_000,
    "a/" * 50_000 + "b",
    2**63 - 1,
    -(2**63),
    1e308,
    tuple(range(20_000)),
)


@st.composite
def _document_mutation(draw: st.DrawFn, text: str, steps: list[str]) -> str:
    doc = parse_toml(text)  # a fresh, mutable copy
    paths = list(_paths(doc))
    for _ in range(draw(st.integers(1, 3))):
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        key = path[-1]
        action = draw(
            st.sampled_from(["flip", "delete", "rename", "extra", "huge", "nest"])
        )
        steps.append(f"{action} {'.'.join(map(str, path))}")
        if action == "flip":
            parent[key] = _flip(parent[key], draw(st.integers(0, 20)))
        elif action == "delete":
            del parent[key]
        elif action == "rename" and isinstance(key, str):
            parent[key + draw(st.sampled_from(["s", "_", "x"]))] = parent.pop(key)
        elif action == "extra" and isinstance(parent[key], dict):
            parent[key][draw(st.sampled_from(FORMAT_WORDS))] = draw(_scalars())
        elif action == "huge":
            huge = draw(st.sampled_from(_HUGE))
            # A fresh copy: later mutations must not change the shared one.
            parent[key] = list(huge) if isinstance(huge, tuple) else huge
        elif action == "nest":
            # rtoml writes at most 128 levels (three steps of 40 fit); deeper
            # ones are made as text.
            depth = draw(st.sampled_from([2, 30, 40]))
            parent[key] = _nest(parent[key], depth, draw(st.booleans()))
        paths = list(_paths(doc))
    return dump_toml(doc)


_HEADER_LINE: Final = re.compile(r"^\[[^\n]*\]\s*$", re.MULTILINE)


@st.composite
def _text_mutation(draw: st.DrawFn, text: str, steps: list[str]) -> bytes:
    action = draw(
        st.sampled_from(
            [
                "duplicate_table",
                "duplicate_line",
                "bom",
                "crlf",
                "lone_cr",
                "bad_utf8",
                "truncate",
                "flip_byte",
                "delete_line",
                "swap_lines",
                "utf16",
                "nul",
                "deep_nesting",
            ]
        )
    )
    steps.append(action)
    data = text.encode()
    lines = text.splitlines(keepends=True)
    if action == "duplicate_table":
        headers = [match.start() for match in _HEADER_LINE.finditer(text)]
        if headers:
            start = draw(st.sampled_from(headers))
            following = [h for h in headers if h > start]
            end = following[0] if following else len(text)
            data = (text[:end] + "\n" + text[start:end] + text[end:]).encode()
    elif action == "duplicate_line" and lines:
        index = draw(st.integers(0, len(lines) - 1))
        data = "".join(
            [*lines[: index + 1], lines[index], *lines[index + 1 :]]
        ).encode()
    elif action == "bom":
        data = b"\xef\xbb\xbf" + data
    elif action == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif action == "lone_cr":
        position = draw(st.integers(0, len(data)))
        data = data[:position] + b"\r" + data[position:]
    elif action == "bad_utf8":
        position = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80"]))
        data = data[:position] + junk + data[position:]
    elif action == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif action == "flip_byte" and data:
        position = draw(st.integers(0, len(data) - 1))
        data = data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1 :]
    elif action == "delete_line" and lines:
        index = draw(st.integers(0, len(lines) - 1))
        data = "".join(lines[:index] + lines[index + 1 :]).encode()
    elif action == "swap_lines" and len(lines) > 1:
        first = draw(st.integers(0, len(lines) - 2))
        lines[first], lines[first + 1] = lines[first + 1], lines[first]
        data = "".join(lines).encode()
    elif action == "utf16":
        data = text.encode("utf-16")
    elif action == "deep_nesting" and lines:
        index = draw(st.integers(0, len(lines)))
        depth = draw(st.sampled_from([200, 5_000, 100_000]))
        table = draw(st.booleans())
        value = (
            "{ x = " * depth + "1" + " }" * depth
            if table
            else "[" * depth + "]" * depth
        )
        data = "".join([*lines[:index], f"deep = {value}\n", *lines[index:]]).encode()
    elif action == "nul":
        position = draw(st.integers(0, len(data)))
        data = data[:position] + b"\x00" + data[position:]
    return data


class FuzzInput:
    """A fuzzed file: its bytes and the mutations that made them, with a short repr
    (hypothesis prints the repr of a failing input; a megabyte helps nobody)."""

    __slots__ = ("data", "steps")

    def __init__(self, data: bytes, steps: tuple[str, ...] = ()) -> None:
        self.data = data
        self.steps = steps

    def __repr__(self) -> str:
        shown = self.data if len(self.data) <= 8000 else self.data[:2000] + b"..."
        return f"FuzzInput({shown!r}, steps={self.steps!r})  # {len(self.data)} bytes"


@st.composite
def mutated_files(draw: st.DrawFn) -> FuzzInput:
    """A valid project file after one to four mutations."""
    text = draw(valid_texts())
    steps: list[str] = []
    if draw(st.booleans()):
        text = draw(_document_mutation(text, steps))
        if draw(st.booleans()):
            return FuzzInput(text.encode(), tuple(steps))
    return FuzzInput(draw(_text_mutation(text, steps)), tuple(steps))


def raw_files() -> st.SearchStrategy[FuzzInput]:
    """Arbitrary bytes, alone or after a valid file."""
    return st.binary().map(FuzzInput) | st.tuples(valid_texts(), st.binary()).map(
        lambda pair: FuzzInput(pair[0].encode() + pair[1], ("append junk",))
    )


# --- the checks ----------------------------------------------------------------

LoadResult = Project | ProfilesError


def _check_error(error: ProfilesError, path: str | None) -> ProfilesError:
    message = str(error)
    assert message.strip(), f"{type(error).__name__} with an empty message"
    problem = message_problem(error)
    assert problem is None, problem
    if path is not None:
        assert error.path == path, f"the error names {error.path!r}, not {path!r}"
    return error


def message_problem(error: ProfilesError) -> str | None:
    """What makes ``error``'s message unfit for one line of a terminal, if anything."""
    message = str(error)
    if "\n" in message or "\r" in message:
        return f"a message of several lines: {message[:300]!r}"
    if len(message) > MESSAGE_MAX:
        return f"a message of {len(message)} characters: {message[:200]!r}..."
    return None


def _check_project(project: Project) -> Project:
    assert isinstance(project, Project)
    again = from_toml(to_toml(project), Project)
    assert again == project, "a loaded project does not survive a round trip"
    return project


def check_text(text: str, *, path: str | None = None) -> LoadResult:
    """Load ``text``; it must give a valid project or a ``ProfilesError``, nothing else."""
    try:
        project = from_toml(text, Project, path=path)
    except ProfilesError as error:
        return _check_error(error, path)
    return _check_project(project)


def check_document(doc: dict[str, Any]) -> LoadResult:
    """Structure a parsed ``doc``; it must give a valid project or a ``ProfilesError``."""
    try:
        project, _ = project_from_document(doc, path="fuzz.toml")
    except ProfilesError as error:
        return _check_error(error, "fuzz.toml")
    assert to_document(project)["schema_version"] == 2
    return _check_project(project)


def _snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under ``root``: its bytes, mtime and mode."""
    result: dict[str, tuple[bytes, int, int]] = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            full = Path(folder, name)
            info = full.lstat()
            result[str(full.relative_to(root))] = (
                full.read_bytes(),
                info.st_mtime_ns,
                info.st_mode,
            )
    return result


_CLI_LINE: Final = r"^{path}:(\d+)(:\d+)?: \S"


def check_file(root: Path, data: bytes, *, cli: bool = True) -> LoadResult:
    """Put ``data`` in a store under ``root`` and read it every way the library offers.

    Each read gives a valid project or a ``ProfilesError``, leaves every
    file's bytes and mtime as they were, and creates nothing; ``validate``
    exits 0 for a valid file and 1 with ``file:line: message`` otherwise.
    """
    from skillmeat_profiles import ProfileRepository

    # A file is named after its project: take the id the text holds, if any.
    loaded = check_text(data.decode("utf-8", "surrogateescape"))
    project_id = loaded.project_id if isinstance(loaded, Project) else "fuzzed"
    folder = root / ".skillmeat" / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{project_id}.toml"
    target.write_bytes(data)
    before = _snapshot(root)
    repository = ProfileRepository(root)
    result: LoadResult
    try:
        result = _check_project(repository.load_file(target))
    except ProfilesError as error:
        result = _check_error(error, str(target))
    listed: list[Any] | ProfilesError
    try:
        listed = repository.list_by_project(project_id)
    except ProfilesError as error:
        listed = _check_error(error, str(target))
    if isinstance(result, Project):
        assert listed == list(result.deployment_profiles), "list and load_file differ"
    else:
        assert isinstance(listed, ProfilesError), "list read a file load_file refused"
    assert _snapshot(root) == before, "reading changed or created a file"
    if cli:
        status, out, err = run_cli(["validate", str(target)])
        if isinstance(result, Project):
            assert status == 0, f"validate refused a valid file: {out}{err}"
        else:
            assert status == 1, f"validate exited {status} for a bad file: {out}{err}"
            pattern = _CLI_LINE.format(path=re.escape(str(target)))
            assert re.search(pattern, out + err, re.MULTILINE), (
                f"validate did not report file:line: message: {out}{err}"
            )
        assert _snapshot(root) == before, "validate changed or created a file"
    return result


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run the command in this process; return its status, stdout and stderr."""
    from skillmeat_profiles._cli import run

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = run(argv)
    return status, out.getvalue(), err.getvalue()


def run_examples(
    strategy: st.SearchStrategy[T],
    check: Callable[[T], LoadResult],
    examples: int,
) -> Counter[str]:
    """Feed ``examples`` inputs from ``strategy`` to ``check``; count loaded and refused."""
    outcomes: Counter[str] = Counter()

    @settings(fuzz_settings(examples), database=None)
    @given(strategy)
    def one(value: T) -> None:
        result = check(value)
        outcomes["loaded" if isinstance(result, Project) else "refused"] += 1

    one()
    return outcomes

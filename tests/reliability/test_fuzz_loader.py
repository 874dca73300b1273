"""The loader under hostile input: every input loads into a valid model or raises ProfilesError."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from skillmeat_profiles import (
    InvalidDataError,
    ProfilesError,
    Project,
    from_toml,
    to_toml,
)
from skillmeat_profiles._codec import dump_toml

from ..strategies import projects
from ._fuzz import (
    FuzzInput,
    check_document,
    check_file,
    check_text,
    fuzz_settings,
    message_problem,
    mutated_files,
    raw_files,
    run_cli,
    toml_documents,
    valid_texts,
)
from ._scale import SIZES, size


def _store_ready() -> bool:
    from skillmeat_profiles import ProfileRepository

    return hasattr(ProfileRepository, "load_file")


needs_store = pytest.mark.skipif(
    not _store_ready(), reason="the store is not built yet"
)

_VALID = """\
schema_version = 2

[project]
id = "demo"
name = "Demo"
created_at = 2026-12-04T00:00:00Z
updated_at = 2026-12-04T00:00:00Z

[profiles.claude_code]
platform = "claude_code"
root_dir = ".claude"
created_at = 2026-12-04T00:00:00Z
updated_at = 2026-12-04T00:00:00Z

[profiles.claude_code.artifact_path_map]
skill = "skills/*/"
"""


@settings(fuzz_settings(size(SIZES["fuzz_text"])))
@given(st.text())
@example("")
@example("\ufeff" + _VALID)
@example(_VALID.replace("\n", "\r\n"))
@example(_VALID.replace("\n", "\r"))
@example("a = " + "[" * 100_000)
@example("a = " + "{ b = " * 10_000)
@example(_VALID + "[project]\nid = 'again'\n")
def test_arbitrary_text(text: str) -> None:
    """Any text loads into a project that round-trips, or raises a one-line ProfilesError."""
    check_text(text, path="fuzz.toml")


@settings(fuzz_settings(size(SIZES["fuzz_bytes"])))
@given(raw_files())
@example(FuzzInput(b"\xff\xfe" + _VALID.encode("utf-16-le")))
@example(FuzzInput(_VALID.encode()[:-10] + b"\xed\xa0\x80"))
def test_arbitrary_bytes_decoded(fuzzed: FuzzInput) -> None:
    """Any bytes, decoded with lone surrogates kept, load or raise ProfilesError."""
    check_text(fuzzed.data.decode("utf-8", "surrogateescape"))


@settings(fuzz_settings(size(SIZES["fuzz_documents"])))
@given(toml_documents())
def test_arbitrary_documents_dumped(doc: dict[str, Any]) -> None:
    """Any TOML document, dumped to text, loads or raises ProfilesError."""
    check_text(dump_toml(doc), path="fuzz.toml")


@settings(fuzz_settings(size(SIZES["fuzz_documents"])))
@given(toml_documents())
@example({"schema_version": True, "project": {}})
@example({"schema_version": 2**63 - 1})
@example({"schema_version": 1, "project": {"id": "p"}, "deployments": [1, "x"]})
def test_arbitrary_documents_structured(doc: dict[str, Any]) -> None:
    """Any parsed document, structured without the parser, loads or raises ProfilesError."""
    check_document(doc)


@settings(fuzz_settings(size(SIZES["fuzz_mutations"])))
@given(mutated_files())
def test_mutated_valid_files(fuzzed: FuzzInput) -> None:
    """A valid file after flipped types, deleted keys, duplicated tables, huge values,
    deep nesting, bad UTF-8, BOMs or CRLF loads or raises ProfilesError."""
    check_text(fuzzed.data.decode("utf-8", "surrogateescape"), path="fuzz.toml")


@settings(fuzz_settings(size(SIZES["fuzz_valid"])))
@given(projects())
def test_valid_files_load_equal(project: Project) -> None:
    """Every file the library writes loads back into an equal project."""
    assert check_text(to_toml(project)) == project


@settings(fuzz_settings(size(SIZES["fuzz_valid"])))
@given(projects())
def test_crlf_files_load_equal(project: Project) -> None:
    """A file whose line endings an editor turned into CRLF loads into the same project."""
    text = to_toml(project)
    # A multi-line string keeps the line ending inside it, by the TOML spec.
    assume('"""' not in text and "'''" not in text)
    assert check_text(text.replace("\n", "\r\n")) == project


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(_VALID + "[profiles.claude_code]\n", 17, id="duplicated-table"),
        pytest.param(_VALID.replace('"claude_code"', "7", 1), 10, id="flipped-type"),
        pytest.param(_VALID.replace('root_dir = ".claude"\n', ""), 9, id="deleted-key"),
        pytest.param(
            _VALID.replace('".claude"', '"' + "x" * 1_000_000 + '"'),
            11,
            id="huge-value",
        ),
        pytest.param(
            _VALID.replace('"skills/*/"', "[" * 60 + "]" * 60), 16, id="deep-nesting"
        ),
        pytest.param("\ufeff" + _VALID + "nul = '\x00'\n", 17, id="bom-and-nul"),
    ],
)
def test_known_bad_files_name_their_line(text: str, line: int) -> None:
    """Classic hand-editing mistakes raise ProfilesError naming the file and the line."""
    with pytest.raises(ProfilesError) as caught:
        from_toml(text, Project, path="demo.toml")
    assert (caught.value.path, caught.value.line) == ("demo.toml", line)


def test_message_of_a_key_with_a_newline_is_one_line() -> None:
    """An unknown key holding a newline still gives a one-line message."""
    with pytest.raises(ProfilesError) as caught:
        from_toml('"a\\nb" = 1\n' + _VALID, Project)
    assert message_problem(caught.value) is None


def test_message_of_a_huge_value_stays_short() -> None:
    """A megabyte-long wrong value gives a message that fits a terminal line."""
    with pytest.raises(ProfilesError) as caught:
        from_toml(_VALID.replace('".claude"', '"' + "x" * 1_000_000 + '"'), Project)
    assert message_problem(caught.value) is None


@needs_store
def test_validate_names_the_line_of_invalid_utf8(tmp_path: Path) -> None:
    """validate reports a file that is not UTF-8 with the line of the first bad byte."""
    folder = tmp_path / ".skillmeat" / "profiles"
    folder.mkdir(parents=True)
    (folder / "demo.toml").write_bytes(_VALID.encode() + b"bad = '\xff'\n")
    status, out, _ = run_cli(["validate", str(folder / "demo.toml")])
    assert (status, "demo.toml:17: " in out) == (1, True)


@needs_store
def test_validate_names_a_line_for_a_missing_table(tmp_path: Path) -> None:
    """validate reports a file without a [project] table with a line number."""
    folder = tmp_path / ".skillmeat" / "profiles"
    folder.mkdir(parents=True)
    (folder / "demo.toml").write_text("schema_version = 2\n")
    status, out, _ = run_cli(["validate", str(folder / "demo.toml")])
    assert (status, re.search(r"demo\.toml:\d+: ", out) is not None) == (1, True)


@pytest.mark.parametrize(
    "field", ["artifact_path_map", "root_dir", "platform", "project_config_filenames"]
)
def test_message_of_a_huge_value_of_another_type_stays_short(field: str) -> None:
    """A megabyte-long string where a table or a list belongs gives a short message."""
    huge = '"' + "x" * 1_000_000 + '"'
    text = _VALID.replace(
        "[profiles.claude_code]\n", f"[profiles.claude_code]\n{field} = {huge}\n"
    )
    text = text.replace('root_dir = ".claude"\n', "") if field == "root_dir" else text
    text = (
        text.replace('platform = "claude_code"\n', "") if field == "platform" else text
    )
    text = (
        text.replace(
            '[profiles.claude_code.artifact_path_map]\nskill = "skills/*/"\n', ""
        )
        if field == "artifact_path_map"
        else text
    )
    with pytest.raises(ProfilesError) as caught:
        from_toml(text, Project)
    assert message_problem(caught.value) is None


def test_invalid_values_are_invalid_data() -> None:
    """A well-formed file holding a wrong value raises InvalidDataError, also a ValueError."""
    with pytest.raises(InvalidDataError, match=r"profiles\.claude_code\.platform"):
        from_toml(_VALID.replace('"claude_code"', '"vim"', 1), Project)


@needs_store
@settings(fuzz_settings(size(SIZES["fuzz_on_disk"])))
@given(mutated_files() | raw_files() | valid_texts().map(str.encode).map(FuzzInput))
def test_files_on_disk(fuzzed: FuzzInput) -> None:
    """Read from disk, any file loads or is refused, is never modified, and
    validate reports a refused one as file:line: message with exit 1."""
    with tempfile.TemporaryDirectory() as folder:
        check_file(Path(folder), fuzzed.data)

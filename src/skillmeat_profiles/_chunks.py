"""Splitting a project file into its tables, so that a re-read parses only what changed.

A file another process changed usually differs in one profile or record. If
the text can be cut, without doubt, into the tables of each profile and
record, a table whose text is unchanged holds the same profile as before and
needs neither parsing nor validation. The cut is refused (``None``) whenever
it could be wrong, and the caller then parses the whole file.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["Groups", "table_groups"]

#: The text of each group of tables, keyed by ``()`` for everything before
#: the first table, ``("project",)``, ``("profiles", id)`` and
#: ``("deployments", key)``.
Groups = dict[tuple[str, ...], str]

_PART: Final = r'(?:[A-Za-z0-9_-]+|"[^"\\\n]*")'
#: The rest of a line that starts with ``[``: a header we can read, or no cut.
_HEADER_REST: Final = re.compile(
    rf"[ \t]*({_PART}(?:[ \t]*\.[ \t]*{_PART})*)[ \t]*\][ \t]*(?:#[^\n]*)?\r?"
)
# A header may be indented; such a line (or an indented array element that
# looks like one) would hide a table inside its neighbour's text.
_INDENTED_BRACKET: Final = re.compile(r"(?:^|\n)[ \t]+\[")
_QUOTED_OR_BARE: Final = re.compile(r'"([^"\\\n]*)"|([A-Za-z0-9_-]+)')
# What may stand before the first table: comments, blank lines and the
# schema version. Anything else (an inline ``profiles = {...}``, a dotted
# ``profiles.x.y = 1``) could add to a table from outside it.
_PREAMBLE_LINE: Final = re.compile(
    r"[ \t]*(?:schema_version[ \t]*=[ \t]*[0-9]+[ \t]*)?(?:#[^\n]*)?\r?"
)


def _parts(header: str) -> tuple[str, ...]:
    if '"' not in header:
        return tuple(part.strip(" \t") for part in header.split("."))
    return tuple(quoted or bare for quoted, bare in _QUOTED_OR_BARE.findall(header))


def table_groups(text: str) -> Groups | None:
    """The tables of a project file grouped by project, profile and record; or ``None``.

    Only a line that starts with ``[`` can open a table, except inside a
    multi-line string, so a text with no multi-line string (no ``\"\"\"``
    nor ``'''``) is cut at exactly its table headers. ``None`` for anything
    else that could mislead: such strings, an indented header, an array of
    tables, a header this
    function cannot read with certainty, a table outside the known layout,
    a group defined twice, or a dotted key (``profiles.x.y = ...``) that adds
    to a table from outside it.
    """
    if '"""' in text or "'''" in text or _INDENTED_BRACKET.search(text):
        return None
    # Where each line that starts with "[" starts; str.find is many times
    # faster here than a multi-line regular expression.
    starts = [0] if text.startswith("[") else []
    position = text.find("\n[")
    while position != -1:
        starts.append(position + 1)
        position = text.find("\n[", position + 1)
    groups: Groups = {(): text[: starts[0]] if starts else text}
    if not all(_PREAMBLE_LINE.fullmatch(line) for line in groups[()].split("\n")):
        return None
    seen: set[tuple[str, ...]] = set()
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        line_end = text.find("\n", start, end)
        header = _HEADER_REST.fullmatch(
            text, start + 1, end if line_end == -1 else line_end
        )
        if header is None:
            return None
        parts = _parts(header.group(1))
        if parts in seen:
            return None
        seen.add(parts)
        if parts[0] == "project" and len(parts) == 1:
            key: tuple[str, ...] = ("project",)
        elif parts[0] in ("profiles", "deployments") and len(parts) >= 2:
            key = parts[:2]
        else:
            return None
        # Blank lines between tables belong to no table: a group's text must
        # not change because a neighbour was added after it.
        groups[key] = groups.get(key, "") + text[start:end].rstrip() + "\n"
    return groups

"""The ``skillmeat-profiles`` command: parses arguments, calls the library, prints."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main", "run"]


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (without the program name); return the exit status."""
    raise NotImplementedError


def main() -> None:
    """The console-script entry point."""
    sys.exit(run(sys.argv[1:]))

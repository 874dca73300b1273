"""The one place for the sizes of the reliability checks: modest in CI, large on demand."""

from __future__ import annotations

import os
from typing import Final

__all__ = ["LARGE", "SIZES", "factor", "size"]

#: The factor ``SKILLMEAT_RELIABILITY_SCALE=large`` stands for, and the one the
#: benchmark uses: enough for several hundred kills and tens of thousands of inputs.
LARGE: Final = 20.0

_VARIABLE: Final = "SKILLMEAT_RELIABILITY_SCALE"

#: The CI size of each check; the large run multiplies every one by ``LARGE``.
SIZES: Final = {
    # hypothesis examples per fuzz test
    "fuzz_text": 200,
    "fuzz_bytes": 100,
    "fuzz_documents": 150,
    "fuzz_mutations": 150,
    "fuzz_valid": 40,
    "fuzz_on_disk": 60,
    # writers killed with SIGKILL (half at random moments, half in a system call)
    "kills": 24,
    # writes per racing thread
    "race_ops": 12,
    # random write faults on top of the full matrix
    "fault_extra": 10,
}


def factor() -> float:
    """The size factor from ``SKILLMEAT_RELIABILITY_SCALE``: ``large``, a number, or 1."""
    raw = os.environ.get(_VARIABLE, "").strip().lower()
    if not raw:
        return 1.0
    if raw == "large":
        return LARGE
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(
            f"{_VARIABLE}={raw!r} is not valid; expected 'large' or a positive number"
        ) from None
    if not value > 0:
        raise ValueError(
            f"{_VARIABLE}={raw!r} is not valid; expected a positive number"
        )
    return value


def size(base: int, scale: float | None = None) -> int:
    """``base`` (the CI size) multiplied by ``scale``, or by the environment's factor."""
    return max(1, round(base * (factor() if scale is None else scale)))

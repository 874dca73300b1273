"""Shared test configuration: hypothesis profiles, then fixtures."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# --- Hypothesis profiles ----------------------------------------------------
# "default" keeps the whole suite fast; "ci" is the same size but
# derandomised, so a CI failure reproduces; "thorough" is for a long local
# run. Pick one with HYPOTHESIS_PROFILE=ci (or thorough).
settings.register_profile(
    "default",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# --- Fixtures ---------------------------------------------------------------

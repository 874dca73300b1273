"""Detecting which platforms an existing project already uses; only reads the disk."""

from __future__ import annotations

__all__ = ["detect_platforms"]


def detect_platforms(project_dir: object) -> object:
    """Which platforms ``project_dir`` already uses, and the evidence for each."""
    raise NotImplementedError

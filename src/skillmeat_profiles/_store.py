"""The file-backed profile repository: one TOML file per project."""

from __future__ import annotations

__all__ = ["ProfileRepository", "Transaction"]


class ProfileRepository:
    """Stub: replaced by the store work."""


class Transaction:
    """Stub: replaced by the store work."""

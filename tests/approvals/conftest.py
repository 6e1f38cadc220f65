"""The approval tests use the attack tests' vault: the first 20 example customers."""

from __future__ import annotations

from tests.security.conftest import home

__all__ = ["home"]

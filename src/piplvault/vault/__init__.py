"""The application service: :class:`Vault`, one module per use-case family."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

__all__ = ["Vault"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: importing a use-case module (or the CLI's command tree for
    # --help) must not pull SQLAlchemy and Alembic in through this package.
    if name == "Vault":
        from piplvault.vault.service import Vault

        return Vault
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

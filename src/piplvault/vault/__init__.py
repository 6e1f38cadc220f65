"""The application service: :class:`Vault`, one module per use-case family."""

from __future__ import annotations

from piplvault.vault.service import Vault

__all__ = ["Vault"]

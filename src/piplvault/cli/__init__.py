"""The ``piplvault`` command line: thin commands over :class:`piplvault.vault.Vault`."""

from __future__ import annotations

from piplvault.cli.app import app, main

__all__ = ["app", "main"]

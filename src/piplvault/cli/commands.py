"""Import every command module so its commands register on the app."""

from __future__ import annotations

from piplvault.cli import audit, customers, scan, vaultcmds  # noqa: F401

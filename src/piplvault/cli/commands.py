"""Import every command module so its commands register on the app."""

from __future__ import annotations

from piplvault.cli import (  # noqa: F401
    audit,
    backup,
    customers,
    deregister,
    flagged,
    keys,
    lifecycle,
    policy,
    scan,
    transfer,
    vaultcmds,
)

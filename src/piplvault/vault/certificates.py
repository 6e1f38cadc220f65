"""Past destruction runs and their signed certificates, as kept in the vault (a lost
certificate file is exported again from here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piplvault.errors import NotFoundError
from piplvault.store import destruction_runs

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


def list_runs(vault: Vault) -> list[dict[str, Any]]:
    """Every destruction run, oldest first (no personal data)."""
    with vault.reading("delete", "retention-apply", "report") as conn:
        return destruction_runs.list_runs(conn)


def certificate_json(vault: Vault, run_id: str) -> bytes:
    """The signed certificate of a past run, as stored in the vault."""
    with vault.reading("delete", "retention-apply", "report") as conn:
        certificate = destruction_runs.certificate_of(conn, run_id)
    if certificate is None:
        raise NotFoundError(f"No destruction run '{run_id}'")
    return certificate.encode("utf-8")

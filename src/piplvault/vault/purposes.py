"""Purposes of processing and their legal bases (PIPL Art. 13): list and add them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piplvault.errors import ValidationError, VaultExistsError
from piplvault.store import purposes as stored
from piplvault.store.engine import Connection
from piplvault.vault import policy

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

BASES = (
    "consent",
    "contract",
    "legal-obligation",
    "hr",
    "emergency",
    "public-interest",
    "already-public",
)


def list_purposes(vault: Vault) -> list[dict[str, Any]]:
    # Metadata, no one's data: any role that reads or manages may see the purposes it
    # has to declare (a 'read-masked' role needs no purpose for that).
    allowed = ("read-masked", "report", "manage-consents")
    with vault.authorized_read(lambda conn: vault.require_any(conn, allowed)) as conn:
        return [
            {
                "key": r.key,
                "name_zh": r.name_zh,
                "basis": r.basis,
                "necessity": r.necessity,
            }
            for r in stored.list_purposes(conn, by_creation=True)
        ]


def add_purpose(
    vault: Vault, key: str, name_zh: str, basis: str, necessity: str
) -> dict[str, Any]:
    """Add a purpose; sensitive data may only be used for purposes with a stated necessity."""
    if basis not in BASES:
        raise ValidationError(
            f"Unknown legal basis '{basis}'; bases: {', '.join(BASES)}"
        )
    if not key or any(c.isspace() for c in key):
        raise ValidationError(
            "A purpose key needs at least one character and no spaces"
        )
    with vault.write() as conn:
        vault.authorize(conn, action="manage-policy")
        if stored.has_purpose(conn, key):
            raise VaultExistsError(f"Purpose '{key}' already exists")
        stored.insert_purpose(
            conn,
            key=key,
            name_zh=name_zh,
            basis=basis,
            necessity=necessity,
            created_at=vault.now(),
        )
        vault.record(
            conn,
            action="purpose-added",
            target=f"purpose:{key}",
            details={"basis": basis, "name_zh": name_zh},
        )
    return {"key": key, "name_zh": name_zh, "basis": basis, "necessity": necessity}


def list_purposes_conn(conn: Connection) -> list[policy.PurposeDef]:
    return [
        policy.PurposeDef(
            key=r.key, name_zh=r.name_zh, basis=r.basis, necessity=r.necessity
        )
        for r in stored.list_purposes(conn)
    ]

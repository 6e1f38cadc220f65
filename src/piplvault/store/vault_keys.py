"""SQL for the vault's wrapped keys (table ``vault_keys``: one row per purpose and
version; the blobs are sealed under the master key, which is never stored)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

from piplvault.store.schema import vault_keys


@dataclass(frozen=True, slots=True, kw_only=True)
class VaultKeyRow:
    purpose: str
    version: int
    blob: bytes


def load_vault_keys(conn: Connection) -> list[VaultKeyRow]:
    return [
        VaultKeyRow(purpose=str(r.purpose), version=int(r.version), blob=bytes(r.blob))
        for r in conn.execute(select(vault_keys))
    ]


def insert_vault_keys(
    conn: Connection, keys: list[VaultKeyRow], *, created_at: str
) -> None:
    conn.execute(
        insert(vault_keys),
        [
            {
                "purpose": k.purpose,
                "version": k.version,
                "blob": k.blob,
                "created_at": created_at,
            }
            for k in keys
        ],
    )


def latest_versions(conn: Connection) -> dict[str, int]:
    """The highest key version of each purpose."""
    query = select(vault_keys.c.purpose, func.max(vault_keys.c.version)).group_by(
        vault_keys.c.purpose
    )
    return {str(p): int(v) for p, v in conn.execute(query).all()}

"""Key rows: the wrapped vault keys (``vault_keys``), the wrapped customer data keys
(``customer_keys``) and the backup-epoch key blobs, as key rotation reads and rewrites them.
Blobs here are always wrapped (sealed) keys, never key material in the clear."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from piplvault.store.schema import backup_epochs, customer_keys, vault_keys


def vault_key_rows(conn: Connection) -> list[tuple[str, int, bytes]]:
    """Every wrapped vault key as (purpose, version, blob)."""
    return [
        (str(r.purpose), int(r.version), bytes(r.blob))
        for r in conn.execute(
            select(vault_keys.c.purpose, vault_keys.c.version, vault_keys.c.blob)
        )
    ]


def insert_vault_key(
    conn: Connection, *, purpose: str, version: int, blob: bytes, created_at: str
) -> None:
    conn.execute(
        insert(vault_keys).values(
            purpose=purpose, version=version, blob=blob, created_at=created_at
        )
    )


def update_vault_key(conn: Connection, purpose: str, version: int, blob: bytes) -> None:
    conn.execute(
        update(vault_keys)
        .where(vault_keys.c.purpose == purpose, vault_keys.c.version == version)
        .values(blob=blob)
    )


def delete_vault_key(conn: Connection, purpose: str, version: int) -> None:
    conn.execute(
        delete(vault_keys).where(
            vault_keys.c.purpose == purpose, vault_keys.c.version == version
        )
    )


def deks_not_on(
    conn: Connection, kek_version: int, after: int, limit: int
) -> list[tuple[int, int, bytes]]:
    """Up to ``limit`` wrapped DEKs not under ``kek_version``, customer id above ``after``,
    as (customer_id, kek_version, wrapped), in id order."""
    rows = conn.execute(
        select(
            customer_keys.c.customer_id,
            customer_keys.c.kek_version,
            customer_keys.c.wrapped,
        )
        .where(
            customer_keys.c.kek_version != kek_version,
            customer_keys.c.customer_id > after,
        )
        .order_by(customer_keys.c.customer_id)
        .limit(limit)
    ).all()
    return [(int(r[0]), int(r[1]), bytes(r[2])) for r in rows]


def rewrite_deks(conn: Connection, rows: list[tuple[bytes, int, int]]) -> None:
    """Store rewrapped DEKs, given as (wrapped, kek_version, customer_id), in one batch."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"UPDATE customer_keys SET wrapped = {mark}, kek_version = {mark} "  # noqa: S608
        f"WHERE customer_id = {mark}",
        rows,
    )


def epochs_not_on(conn: Connection, kek_version: int) -> Sequence[Row[Any]]:
    """Backup epochs whose (still existing) key is wrapped under another KEK version."""
    return conn.execute(
        select(backup_epochs).where(
            backup_epochs.c.key_blob.is_not(None),
            backup_epochs.c.kek_version != kek_version,
        )
    ).all()


def rewrite_epoch_key(
    conn: Connection, epoch_id: str, kek_version: int, blob: bytes
) -> None:
    conn.execute(
        update(backup_epochs)
        .where(backup_epochs.c.epoch_id == epoch_id)
        .values(key_blob=blob, kek_version=kek_version)
    )


def keys_under_kek(conn: Connection, kek_version: int) -> int:
    """How many DEKs and live backup-epoch keys are wrapped under ``kek_version``."""
    deks = conn.execute(
        select(func.count())
        .select_from(customer_keys)
        .where(customer_keys.c.kek_version == kek_version)
    ).scalar_one()
    epochs = conn.execute(
        select(func.count())
        .select_from(backup_epochs)
        .where(
            backup_epochs.c.kek_version == kek_version,
            backup_epochs.c.key_blob.is_not(None),
        )
    ).scalar_one()
    return int(deks) + int(epochs)

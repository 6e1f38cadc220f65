"""The vault's record of its backups: backup-epoch key rows, backup file rows, and the shred
journal a restore replays. Only rows here; the keys are opened and sealed in vault/."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from piplvault.store.schema import backup_epochs, backups, shred_journal


def epoch_row(conn: Connection, epoch_id: str) -> Row[Any] | None:
    return conn.execute(
        select(backup_epochs).where(backup_epochs.c.epoch_id == epoch_id)
    ).first()


def all_epochs(conn: Connection) -> Sequence[Row[Any]]:
    return conn.execute(select(backup_epochs)).all()


def insert_epoch(
    conn: Connection,
    *,
    epoch_id: str,
    created_at: str,
    expires_at: str,
    kek_version: int,
    key_blob: bytes,
) -> None:
    conn.execute(
        insert(backup_epochs).values(
            epoch_id=epoch_id,
            created_at=created_at,
            expires_at=expires_at,
            kek_version=kek_version,
            key_blob=key_blob,
        )
    )


def expired_epochs(conn: Connection, moment: str, keep: str) -> Sequence[Row[Any]]:
    """Live epochs whose window ended by ``moment``, never the epoch ``keep``."""
    return conn.execute(
        select(backup_epochs).where(
            backup_epochs.c.destroyed_at.is_(None),
            backup_epochs.c.expires_at <= moment,
            backup_epochs.c.epoch_id != keep,
        )
    ).all()


def destroy_epoch_key(conn: Connection, epoch_id: str, at: str) -> None:
    conn.execute(
        update(backup_epochs)
        .where(backup_epochs.c.epoch_id == epoch_id)
        .values(key_blob=None, kek_version=None, destroyed_at=at)
    )


def insert_backup(
    conn: Connection,
    *,
    backup_id: str,
    epoch_id: str,
    created_at: str,
    path: str,
    sha256: str,
) -> None:
    conn.execute(
        insert(backups).values(
            backup_id=backup_id,
            epoch_id=epoch_id,
            created_at=created_at,
            path=path,
            sha256=sha256,
        )
    )


def live_backups_of_epoch(conn: Connection, epoch_id: str) -> Sequence[Row[Any]]:
    return conn.execute(
        select(backups).where(
            backups.c.epoch_id == epoch_id, backups.c.pruned_at.is_(None)
        )
    ).all()


def mark_pruned(conn: Connection, backup_id: str, at: str) -> None:
    conn.execute(
        update(backups).where(backups.c.backup_id == backup_id).values(pruned_at=at)
    )


def backup_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every backup row, oldest first."""
    return [
        dict(r._mapping)
        for r in conn.execute(select(backups).order_by(backups.c.created_at))
    ]


def journal_entries(conn: Connection) -> list[dict[str, Any]]:
    """The shred journal, in order."""
    return [
        dict(r._mapping)
        for r in conn.execute(select(shred_journal).order_by(shred_journal.c.seq))
    ]

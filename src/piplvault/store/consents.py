"""SQL for consent records (table ``consents``): grants with their evidence, and
withdrawals. Which record is in force, and what it allows, is decided in vault/."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from piplvault.store.prepared import Prepared
from piplvault.store.schema import consents


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsentRow:
    id: int
    customer_id: int
    purpose: str
    basis: str
    granted_at: str
    channel: str
    notice_version: str
    operator: str
    separate: str
    guardian: int
    withdrawn_at: str | None
    withdraw_channel: str | None


def latest_consent(
    conn: Connection, customer_id: int, purpose: str
) -> ConsentRow | None:
    """The customer's most recent consent record for ``purpose`` (or None)."""
    row = _LATEST.first(conn, customer_id=customer_id, purpose=purpose)
    return None if row is None else _consent(row)


_LATEST = Prepared(
    select(consents)
    .where(
        consents.c.customer_id == bindparam("customer_id"),
        consents.c.purpose == bindparam("purpose"),
    )
    .order_by(consents.c.id.desc())
    .limit(1)
)


def consents_of(conn: Connection, customer_id: int) -> list[ConsentRow]:
    """Every consent record of a customer, oldest first."""
    query = (
        select(consents)
        .where(consents.c.customer_id == customer_id)
        .order_by(consents.c.id)
    )
    return [_consent(r) for r in conn.execute(query)]


def insert_consent(
    conn: Connection,
    *,
    customer_id: int,
    purpose: str,
    basis: str,
    granted_at: str,
    channel: str,
    notice_version: str,
    operator: str,
    separate: str = "",
    guardian: int = 0,
    withdrawn_at: str | None = None,
    withdraw_channel: str | None = None,
) -> None:
    conn.execute(
        insert(consents).values(
            customer_id=customer_id,
            purpose=purpose,
            basis=basis,
            granted_at=granted_at,
            channel=channel,
            notice_version=notice_version,
            operator=operator,
            separate=separate,
            guardian=guardian,
            withdrawn_at=withdrawn_at,
            withdraw_channel=withdraw_channel,
        )
    )


def mark_withdrawn(conn: Connection, consent_id: int, *, at: str, channel: str) -> None:
    conn.execute(
        update(consents)
        .where(consents.c.id == consent_id)
        .values(withdrawn_at=at, withdraw_channel=channel)
    )


def _consent(row: Any) -> ConsentRow:
    return ConsentRow(
        id=int(row.id),
        customer_id=int(row.customer_id),
        purpose=str(row.purpose),
        basis=str(row.basis),
        granted_at=str(row.granted_at),
        channel=str(row.channel),
        notice_version=str(row.notice_version),
        operator=str(row.operator),
        separate=str(row.separate or ""),
        guardian=int(row.guardian or 0),
        withdrawn_at=row.withdrawn_at,
        withdraw_channel=row.withdraw_channel,
    )

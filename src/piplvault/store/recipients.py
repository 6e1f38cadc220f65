"""SQL for the recipients register (PIPL Art. 23) and the log of exports to them
(NDSMR Art. 12: kept at least 3 years), with the cross-border counts since 1 January."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from piplvault.store.schema import (
    consents,
    recipients,
    share_export_customers,
    share_exports,
)


def next_recipient_id(conn: Connection) -> str:
    count = conn.execute(select(func.count()).select_from(recipients)).scalar_one()
    return f"R-{int(count) + 1:04d}"


def insert_recipient(conn: Connection, **values: Any) -> None:
    conn.execute(insert(recipients).values(**values))


def load_recipient(conn: Connection, recipient_id: str) -> Row[Any] | None:
    return conn.execute(
        select(recipients).where(recipients.c.id == recipient_id)
    ).first()


def find_by_identifier(conn: Connection, identifier: str) -> Row[Any] | None:
    return conn.execute(
        select(recipients).where(recipients.c.identifier == identifier)
    ).first()


def list_recipients(conn: Connection) -> Sequence[Row[Any]]:
    return conn.execute(select(recipients).order_by(recipients.c.id)).all()


def update_details(conn: Connection, recipient_id: str, details: str) -> None:
    conn.execute(
        update(recipients)
        .where(recipients.c.id == recipient_id)
        .values(details=details)
    )


def insert_export(conn: Connection, *, people: dict[int, bool], **values: Any) -> int:
    """Log one export and who was in it (customer id, sensitive PI sent)."""
    key = conn.execute(insert(share_exports).values(**values)).inserted_primary_key
    export_id = int(key[0]) if key is not None else 0
    if people:
        conn.execute(
            insert(share_export_customers),
            [
                {"export_id": export_id, "customer_id": cid, "sensitive": int(s)}
                for cid, s in sorted(people.items())
            ],
        )
    return export_id


def exports_of(conn: Connection, recipient_id: str) -> Sequence[Row[Any]]:
    return conn.execute(
        select(share_exports)
        .where(share_exports.c.recipient_id == recipient_id)
        .order_by(share_exports.c.id)
    ).all()


def abroad_since(conn: Connection, since: str) -> dict[int, bool]:
    """Distinct persons sent abroad at or after ``since`` → whether sensitive PI went."""
    rows = conn.execute(
        select(
            share_export_customers.c.customer_id,
            func.max(share_export_customers.c.sensitive),
        )
        .join(share_exports, share_exports.c.id == share_export_customers.c.export_id)
        .where(share_exports.c.cross_border == 1, share_exports.c.at >= since)
        .group_by(share_export_customers.c.customer_id)
    ).all()
    return {int(cid): bool(s) for cid, s in rows}


def live_consent_flags(conn: Connection, purpose: str) -> list[tuple[int, str]]:
    """``(customer id, separate-consent flags)`` of every consent for ``purpose`` that is
    not withdrawn."""
    rows = conn.execute(
        select(consents.c.customer_id, consents.c.separate).where(
            consents.c.purpose == purpose, consents.c.withdrawn_at.is_(None)
        )
    ).all()
    return [(int(r.customer_id), str(r.separate)) for r in rows]

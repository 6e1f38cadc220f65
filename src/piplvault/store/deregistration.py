"""SQL a deregistration reads and writes beyond its case rows: the vault-wide inventory
counts and the end of every customer relationship on the effective date.

Counts only, no personal values; what they mean is decided in ``vault/deregistration.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from piplvault.store.schema import (
    backups,
    consents,
    customer_lifecycle,
    customer_purposes,
    customers,
    legal_holds,
)


def customer_records(conn: Connection) -> Iterator[tuple[str, str, bytes]]:
    """``(kind, status, sealed data)`` of every customer (the data stays sealed)."""
    for kind, status, data in conn.execute(
        select(customers.c.kind, customers.c.status, customers.c.data)
    ):
        yield str(kind), str(status), bytes(data)


def purposes_in_use(conn: Connection) -> list[str]:
    """Every purpose some customer's data is held for, sorted."""
    return sorted(
        str(p)
        for p in conn.execute(
            select(func.distinct(customer_purposes.c.purpose))
        ).scalars()
    )


def consent_counts(conn: Connection) -> tuple[int, int]:
    """``(total, withdrawn)`` consent records."""
    total = conn.execute(select(func.count()).select_from(consents)).scalar_one()
    withdrawn = conn.execute(
        select(func.count())
        .select_from(consents)
        .where(consents.c.withdrawn_at.is_not(None))
    ).scalar_one()
    return int(total), int(withdrawn)


def backup_dates(conn: Connection) -> list[Row[Any]]:
    """``created_at`` and ``pruned_at`` of every backup ever taken."""
    return list(conn.execute(select(backups.c.created_at, backups.c.pruned_at)))


def open_hold_count(conn: Connection) -> int:
    """Legal holds not lifted."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(legal_holds)
            .where(legal_holds.c.lifted_at.is_(None))
        ).scalar_one()
    )


def relationship_end_dates(conn: Connection) -> dict[int, str | None]:
    """Customers with a lifecycle row, and the day their relationship ended (or None)."""
    return {
        int(r.customer_id): (
            None if r.relationship_ended_on is None else str(r.relationship_ended_on)
        )
        for r in conn.execute(
            select(
                customer_lifecycle.c.customer_id,
                customer_lifecycle.c.relationship_ended_on,
            )
        )
    }


def insert_relationship_end(conn: Connection, customer_id: int, day: str) -> None:
    conn.execute(
        insert(customer_lifecycle).values(
            customer_id=customer_id, relationship_ended_on=day
        )
    )


def set_relationship_end(conn: Connection, customer_id: int, day: str) -> None:
    conn.execute(
        update(customer_lifecycle)
        .where(customer_lifecycle.c.customer_id == customer_id)
        .values(relationship_ended_on=day)
    )

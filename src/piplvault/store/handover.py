"""SQL for a transfer's handover package: what the sender reads into it and what the
recipient writes from it (purposes, obligations, consents, holds, lifecycle dates).

Rows in, rows out; what travels and how it arrives is decided in ``vault/handover.py`` and
``vault/handover_receive.py``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from piplvault.store.schema import (
    consents,
    customer_lifecycle,
    customer_purposes,
    customers,
    legal_holds,
    purposes,
    shred_journal,
)

# --- the sender ----------------------------------------------------------------------------


def shred_journal_rows(conn: Connection) -> list[Row[Any]]:
    """The whole shred journal, oldest first."""
    return list(conn.execute(select(shred_journal).order_by(shred_journal.c.seq)))


def purposes_of(conn: Connection, customer_id: int) -> list[str]:
    """The purposes one customer's data is held for, sorted."""
    return sorted(
        str(p)
        for p in conn.execute(
            select(customer_purposes.c.purpose).where(
                customer_purposes.c.customer_id == customer_id
            )
        ).scalars()
    )


def lifecycle_row(conn: Connection, customer_id: int) -> Row[Any] | None:
    return conn.execute(
        select(customer_lifecycle).where(
            customer_lifecycle.c.customer_id == customer_id
        )
    ).first()


def consents_for(conn: Connection, purpose_keys: list[str]) -> list[Row[Any]]:
    """Consent records for any of ``purpose_keys``, in the order they were recorded."""
    return list(
        conn.execute(
            select(consents)
            .where(consents.c.purpose.in_(purpose_keys))
            .order_by(consents.c.id)
        )
    )


def open_holds(conn: Connection) -> list[Row[Any]]:
    """Legal holds not lifted."""
    return list(
        conn.execute(
            select(legal_holds)
            .where(legal_holds.c.lifted_at.is_(None))
            .order_by(legal_holds.c.id)
        )
    )


# --- the recipient -------------------------------------------------------------------------


def has_purpose(conn: Connection, key: str) -> bool:
    """Whether the purpose catalogue holds ``key``."""
    return (
        conn.execute(select(purposes.c.key).where(purposes.c.key == key)).first()
        is not None
    )


def insert_purpose(conn: Connection, **values: Any) -> None:
    conn.execute(insert(purposes).values(**values))


def insert_customer_purpose(
    conn: Connection, customer_id: int, purpose: str, *, source: str, at: str
) -> None:
    conn.execute(
        insert(customer_purposes).values(
            customer_id=customer_id, purpose=purpose, source=source, at=at
        )
    )


def update_customer_purpose(
    conn: Connection, customer_id: int, purpose: str, *, source: str, at: str
) -> None:
    conn.execute(
        update(customer_purposes)
        .where(
            customer_purposes.c.customer_id == customer_id,
            customer_purposes.c.purpose == purpose,
        )
        .values(source=source, at=at)
    )


def has_lifecycle(conn: Connection, customer_id: int) -> bool:
    """Whether the customer has a lifecycle row."""
    return (
        conn.execute(
            select(customer_lifecycle.c.customer_id).where(
                customer_lifecycle.c.customer_id == customer_id
            )
        ).first()
        is not None
    )


def insert_lifecycle(conn: Connection, customer_id: int, **values: Any) -> None:
    conn.execute(insert(customer_lifecycle).values(customer_id=customer_id, **values))


def update_lifecycle(conn: Connection, customer_id: int, **values: Any) -> None:
    conn.execute(
        update(customer_lifecycle)
        .where(customer_lifecycle.c.customer_id == customer_id)
        .values(**values)
    )


def insert_consent(conn: Connection, **values: Any) -> None:
    conn.execute(insert(consents).values(**values))


def insert_hold(conn: Connection, **values: Any) -> None:
    conn.execute(insert(legal_holds).values(**values))


def set_customer_status(conn: Connection, customer_id: int, status: str) -> None:
    conn.execute(
        update(customers).where(customers.c.id == customer_id).values(status=status)
    )

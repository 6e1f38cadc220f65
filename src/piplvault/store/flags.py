"""SQL for the review queue of flagged cells (values that failed validation on import)."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from piplvault.store.schema import customers


def flagged_ids(conn: Connection, *, limit: int, offset: int) -> list[int]:
    """Customers with at least one flagged field, in id order."""
    return [
        int(i)
        for i in conn.execute(
            select(customers.c.id)
            .where(customers.c.flags != "")
            .order_by(customers.c.id)
            .limit(limit)
            .offset(offset)
        ).scalars()
    ]


def store_flags(conn: Connection, customer_id: int, flags: set[str]) -> None:
    conn.execute(
        update(customers)
        .where(customers.c.id == customer_id)
        .values(flags=",".join(sorted(flags)))
    )

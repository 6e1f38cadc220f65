"""SQL behind the due-diligence report: counts across the vault, no personal values.

What the counts mean for a buyer is written in ``vault/due_diligence.py``.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from piplvault.store.schema import (
    customer_lifecycle,
    customers,
    destruction_runs,
    purposes,
)


def purpose_keys(conn: Connection) -> list[str]:
    """Every purpose in the catalogue, sorted by key."""
    return [
        str(k)
        for k in conn.execute(select(purposes.c.key).order_by(purposes.c.key)).scalars()
    ]


def count_customers_in_status(conn: Connection, status: str) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(customers)
            .where(customers.c.status == status)
        ).scalar_one()
    )


def count_with_last_transaction(conn: Connection) -> int:
    """Customers whose last transaction date is recorded."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(customer_lifecycle)
            .where(customer_lifecycle.c.last_transaction_on.is_not(None))
        ).scalar_one()
    )


def destruction_runs_by_kind(conn: Connection) -> list[tuple[str, int, int]]:
    """``(kind, runs, customers)`` of the destruction runs, by kind."""
    rows = conn.execute(
        select(
            destruction_runs.c.kind,
            func.count(),
            func.sum(destruction_runs.c.customers),
        )
        .group_by(destruction_runs.c.kind)
        .order_by(destruction_runs.c.kind)
    ).all()
    return [(str(kind), int(n), int(total or 0)) for kind, n, total in rows]

"""The rows a restore's shred-journal replay reads and removes in the staged database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from piplvault.store.records import field_keys_of
from piplvault.store.schema import blind_index, customers, field_history, shred_journal


def count_customers(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(customers)).scalar_one())


def created_by_id(conn: Connection) -> dict[int, str]:
    """Every customer's id and created_at (which tells a reused id apart)."""
    rows = conn.exec_driver_sql("SELECT id, created_at FROM customers").cursor
    return {int(i): str(at) for i, at in rows.fetchall()}


def journal_seqs(conn: Connection) -> set[int]:
    return {int(s) for s in conn.execute(select(shred_journal.c.seq)).scalars()}


def insert_journal(conn: Connection, entries: list[dict[str, Any]]) -> None:
    conn.execute(insert(shred_journal), entries)


def customer_record(conn: Connection, customer_id: int) -> tuple[bytes, str] | None:
    """A customer's packed record and status, or None."""
    row = conn.execute(
        select(customers.c.data, customers.c.status).where(
            customers.c.id == customer_id
        )
    ).first()
    return None if row is None else (bytes(row.data), str(row.status))


def restrict_customer(
    conn: Connection, customer_id: int, record: dict[str, Any], dropped: list[str]
) -> None:
    """Store the customer's re-sealed ``record`` (columns data, mac…) as restricted, drop
    the history of the ``dropped`` fields and every blind-index tag."""
    conn.execute(
        update(customers)
        .where(customers.c.id == customer_id)
        .values(**record, status="restricted", field_keys=field_keys_of(record["data"]))
    )
    if dropped:
        conn.execute(
            delete(field_history).where(
                field_history.c.customer_id == customer_id,
                field_history.c.field.in_(dropped),
            )
        )
    conn.execute(delete(blind_index).where(blind_index.c.customer_id == customer_id))

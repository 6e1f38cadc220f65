"""SQL for restricting a customer (PIPL Art. 47 para. 2): the due fields' ciphertexts and
their history go, the kept record is rewritten, the blind index is dropped."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, select, update

from piplvault.store.records import field_keys_of
from piplvault.store.schema import blind_index, customers, field_history


def record_of(conn: Connection, customer_id: int) -> tuple[bytes, str]:
    """The customer's packed record and created_at (the customer must exist)."""
    row = conn.execute(
        select(customers.c.data, customers.c.created_at).where(
            customers.c.id == customer_id
        )
    ).one()
    return bytes(row.data), str(row.created_at)


def write_restricted(
    conn: Connection, customer_id: int, *, sealed: dict[str, bytes], at: str
) -> None:
    """Store the kept fields (``data`` and ``mac`` columns) and mark the customer
    restricted."""
    conn.execute(
        update(customers)
        .where(customers.c.id == customer_id)
        .values(
            **sealed,
            status="restricted",
            updated_at=at,
            field_keys=field_keys_of(sealed["data"]),
        )
    )


def delete_field_history(
    conn: Connection, customer_id: int, fields: Sequence[str]
) -> None:
    conn.execute(
        delete(field_history).where(
            field_history.c.customer_id == customer_id,
            field_history.c.field.in_(list(fields)),
        )
    )


def delete_blind_index(conn: Connection, customer_id: int) -> None:
    conn.execute(delete(blind_index).where(blind_index.c.customer_id == customer_id))

"""SQL for retention: the dates periods count from (``customer_lifecycle``), legal holds,
and the rows a retention plan is computed from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from piplvault.store.prepared import Prepared
from piplvault.store.schema import (
    customer_lifecycle,
    customer_purposes,
    customers,
    legal_holds,
)

# --- customer_lifecycle -------------------------------------------------------------------


def has_lifecycle(conn: Connection, customer_id: int) -> bool:
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


def save_lifecycle(conn: Connection, customer_id: int, **values: Any) -> None:
    """Set these columns of the customer's lifecycle row, creating the row if needed."""
    if has_lifecycle(conn, customer_id):
        update_lifecycle(conn, customer_id, **values)
    else:
        insert_lifecycle(conn, customer_id, **values)


def last_transaction_dates(
    conn: Connection, ids: Iterable[int]
) -> dict[int, str | None]:
    """The recorded last-transaction date of those of these customers with a row."""
    return {
        int(r.customer_id): r.last_transaction_on
        for r in conn.execute(
            select(
                customer_lifecycle.c.customer_id,
                customer_lifecycle.c.last_transaction_on,
            ).where(customer_lifecycle.c.customer_id.in_(list(ids)))
        )
    }


def lifecycle_rows(conn: Connection) -> dict[int, Row[Any]]:
    """Every customer's lifecycle row, by customer id."""
    return {int(r.customer_id): r for r in conn.execute(select(customer_lifecycle))}


# --- legal holds --------------------------------------------------------------------------


def insert_hold(conn: Connection, **values: Any) -> int:
    inserted = conn.execute(insert(legal_holds).values(**values)).inserted_primary_key
    return int(inserted[0]) if inserted is not None else 0


def load_hold(conn: Connection, hold_id: int) -> Row[Any] | None:
    return conn.execute(select(legal_holds).where(legal_holds.c.id == hold_id)).first()


def mark_hold_lifted(
    conn: Connection, hold_id: int, *, at: str, by: str, reason: str
) -> None:
    conn.execute(
        update(legal_holds)
        .where(legal_holds.c.id == hold_id)
        .values(lifted_at=at, lifted_by=by, lift_reason=reason)
    )


def list_holds(conn: Connection, *, include_lifted: bool) -> list[dict[str, Any]]:
    """Legal holds in id order (active ones only unless ``include_lifted``)."""
    query = select(legal_holds).order_by(legal_holds.c.id)
    if not include_lifted:
        query = query.where(legal_holds.c.lifted_at.is_(None))
    return [dict(r._mapping) for r in conn.execute(query)]


def active_holds(conn: Connection) -> Sequence[Row[Any]]:
    return conn.execute(
        select(legal_holds).where(legal_holds.c.lifted_at.is_(None))
    ).all()


# --- what a plan is computed from ---------------------------------------------------------


def purposes_by_customer(conn: Connection) -> dict[int, set[str]]:
    purposes: dict[int, set[str]] = {}
    for cid, purpose in conn.execute(
        select(customer_purposes.c.customer_id, customer_purposes.c.purpose)
    ):
        purposes.setdefault(int(cid), set()).add(str(purpose))
    return purposes


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """What a plan needs of a customer's record: when it was collected, which fields."""

    id: int
    created_at: str
    data: bytes


def customer_rows(conn: Connection, ids: Sequence[int] | None) -> list[CustomerRow]:
    """Id, created_at and packed record of these customers (all if ``None``), in id
    order."""
    query = select(customers.c.id, customers.c.created_at, customers.c.data).order_by(
        customers.c.id
    )
    if ids is not None:
        query = query.where(customers.c.id.in_(list(ids)))
    return [
        CustomerRow(id=int(i), created_at=str(created), data=bytes(data))
        for i, created, data in conn.execute(query)
    ]


def customer_status(conn: Connection, customer_id: int) -> str | None:
    found = _STATUS.scalars(conn, customer_id=customer_id)
    return None if not found or found[0] is None else str(found[0])


_STATUS = Prepared(
    select(customers.c.status).where(customers.c.id == bindparam("customer_id"))
)
